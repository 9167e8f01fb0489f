"""Number a paper: sections 1, 2 …; paragraphs 1.1, 1.2 … across sub-headings; appendices 1, 2 ….

Authors never type a number. The contact and appendices sections are generated here, after the
author's own sections, so that they are numbered like the rest. Every label is collected into one
table; a label used twice is an error naming both places. An appendix built from a workbook also
labels its counts (``gip:total``, ``gip:closed``, ``gip:On track``) and can be summarised in a numbered table.
"""

from __future__ import annotations

from ..appendix.counts import counts
from ..appendix.status import status_table
from ..errors import Problems
from ..plan.model import (
    ActionPlan,
    Item,
    NumberedAppendix,
    NumberedBlock,
    NumberedPaper,
    NumberedSection,
    Paper,
    Paragraph,
    Section,
    StatusSummary,
    Subheading,
    Target,
)
from ..util import did_you_mean

SUMMARY_HEADINGS = (
    ("purpose", "Overall Summary of the Purpose of the Report"),
    ("key_considerations", "Key Considerations for the Panel"),
    ("interdependencies", "Interdependencies/Cross Cutting Issues"),
    ("recommendations", "Recommendations"),
)


def number_paper(paper: Paper, problems: Problems, action_plans: dict[int, ActionPlan] | None = None) -> NumberedPaper:
    """Return *paper* numbered; record duplicate labels and misplaced summaries in *problems*.

    *action_plans* maps an appendix's index to the action plan read from its workbook.
    """
    labels: dict[str, Target] = {}
    plans = action_plans or {}
    appendices = tuple(_number_appendix(paper, i, plans.get(i)) for i in range(len(paper.appendices)))
    for numbered in appendices:
        _add_appendix_labels(labels, numbered, problems)
    tables = _Tables(appendices, problems)
    sections = [_number_section(str(i), s, labels, tables, problems) for i, s in enumerate(paper.sections, 1)]
    sections.append(_contact_section(paper, len(sections) + 1))
    sections.append(_appendices_section(paper, appendices, len(sections) + 1))
    return NumberedPaper(
        paper=paper,
        summary=_summary(paper),
        sections=tuple(sections),
        appendices=appendices,
        labels=labels,
    )


def letter(index: int) -> str:
    """Return the letter marker for the 0-based *index*: a … z, aa, ab …."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(ord("a") + rem) + out
    return out


def _number_appendix(paper: Paper, index: int, plan: ActionPlan | None) -> NumberedAppendix:
    appendix = paper.appendices[index]
    marking = appendix.marking or ("OFFICIAL-SENSITIVE" if appendix.restricted else paper.marking)
    return NumberedAppendix(str(index + 1), appendix, marking, plan)


def _add_appendix_labels(labels: dict[str, Target], numbered: NumberedAppendix, problems: Problems) -> None:
    """Label the appendix, and its counts: ``label:total``, ``label:closed``, ``label:<status>`` …."""
    appendix = numbered.appendix
    _add_label(labels, appendix.label, Target("appendix", numbered.number, appendix.loc), problems)
    if appendix.label is None or numbered.plan is None:
        return
    for name, count in counts(numbered.plan).items():
        labels[f"{appendix.label}:{name}"] = Target("count", str(count), appendix.loc)


class _Tables:
    """Number the status-summary tables of a paper, finding each one's appendix by label."""

    def __init__(self, appendices: tuple[NumberedAppendix, ...], problems: Problems):
        self.by_label = {a.appendix.label: a for a in appendices if a.appendix.label}
        self.problems = problems
        self.count = 0

    def block(self, summary: StatusSummary) -> NumberedBlock | None:
        """Return the numbered status-summary block, or None after recording why it cannot be."""
        appendix = self.by_label.get(summary.status_summary)
        if appendix is None or appendix.plan is None:
            if appendix is None or appendix.appendix.actions is None:  # else the workbook's own errors say why
                known = [k for k, a in self.by_label.items() if a.appendix.actions is not None]
                why = "is not an appendix label" if appendix is None else "has no `actions` workbook"
                hint = did_you_mean(summary.status_summary, known)
                self.problems.add(summary.loc, f"status_summary: '{summary.status_summary}' {why}{hint}")
            return None
        self.count += 1
        return NumberedBlock("status", "", summary.loc, str(self.count), table=status_table(appendix))


def _number_section(number: str, section: Section, labels, tables: _Tables, problems: Problems) -> NumberedSection:
    _add_label(labels, section.label, Target("section", number, section.loc), problems)
    blocks = [NumberedBlock("text", text, section.text_loc) for text in section.text]
    count = 0
    for block in section.paragraphs:
        if isinstance(block, Subheading):
            blocks.append(NumberedBlock("subheading", block.subheading, block.loc))
        elif isinstance(block, StatusSummary):
            blocks.extend(b for b in [tables.block(block)] if b)
        else:
            count += 1
            para_number = f"{number}.{count}"
            _add_label(labels, block.label, Target("paragraph", para_number, block.loc), problems)
            blocks.append(
                NumberedBlock("paragraph", block.text, block.text_loc, para_number, _items(block), label=block.label)
            )
    return NumberedSection(number, section.heading, tuple(blocks), section.loc)


def _items(paragraph: Paragraph) -> tuple[Item, ...]:
    if paragraph.item_style == "letters":
        return tuple(Item(f"({letter(i)})", text) for i, text in enumerate(paragraph.items))
    return tuple(Item("", text) for text in paragraph.items)


def _add_label(labels: dict[str, Target], label: str | None, target: Target, problems: Problems) -> None:
    if label is None:
        return
    if label in labels:
        first = labels[label].loc
        problems.add(target.loc, f"label '{label}' is already used at {first}")
        return
    labels[label] = target


def _summary(paper: Paper):
    return tuple(
        (heading, tuple(NumberedBlock("text", t, paper.summary.where[key]) for t in getattr(paper.summary, key)))
        for key, heading in SUMMARY_HEADINGS
    )


def _contact_section(paper: Paper, number: int) -> NumberedSection:
    contact = paper.contact
    lines = [f"Report author: {contact.author}"]
    if contact.phone:
        lines.append(f"Telephone: {contact.phone}")
    if contact.email:
        lines.append(f"Email: {contact.email}")
    blocks = tuple(NumberedBlock("text", line, contact.loc) for line in lines)
    return NumberedSection(str(number), "Contact Details", blocks, contact.loc)


def _appendices_section(paper: Paper, appendices: tuple[NumberedAppendix, ...], number: int) -> NumberedSection:
    lines = [a.heading for a in appendices] + list(paper.background_papers)
    blocks = tuple(NumberedBlock("text", line, paper.loc) for line in lines or ["None"])
    return NumberedSection(str(number), "Appendices and Background Papers", blocks, paper.loc)
