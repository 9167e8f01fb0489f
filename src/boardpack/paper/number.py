"""Number a paper: sections 1, 2 …; paragraphs 1.1, 1.2 … across sub-headings; appendices 1, 2 ….

Authors never type a number. The contact and appendices sections are generated here, after the
author's own sections, so that they are numbered like the rest. Every label is collected into one
table; a label used twice is an error naming both places. An appendix built from a workbook also
labels its counts (``gip:total``, ``gip:closed``, ``gip:On track``) and can be summarised in a numbered table.
"""

from __future__ import annotations

from dataclasses import replace

from ..appendix.counts import counts
from ..appendix.status import status_table
from ..errors import Problems
from ..plan.model import (
    ActionPlan,
    Item,
    LeadList,
    NumberedAppendix,
    NumberedBlock,
    NumberedPaper,
    NumberedSection,
    Paper,
    Paragraph,
    Section,
    SheetData,
    StatusSummary,
    Subheading,
    Target,
)
from ..plan.wording import Wording, shipped_wording
from ..util import did_you_mean

SUMMARY_KEYS = ("purpose", "key_considerations", "interdependencies", "recommendations")


def number_paper(
    paper: Paper,
    problems: Problems,
    action_plans: dict[int, ActionPlan] | None = None,
    sheets: dict[int, SheetData] | None = None,
    wording: Wording | None = None,
) -> NumberedPaper:
    """Return *paper* numbered; record duplicate labels and misplaced summaries in *problems*.

    *action_plans* maps an appendix's index to the action plan read from its workbook, *sheets* to the
    table read from its worksheet; *wording* is the paper's (by default, boardpack's own).
    """
    w = wording or shipped_wording()
    labels = _Labels(w, problems)
    plans, sheets = action_plans or {}, sheets or {}
    count = len(paper.appendices)
    appendices = tuple(_number_appendix(paper, i, plans.get(i), sheets.get(i), w) for i in range(count))
    for numbered in appendices:
        _add_appendix_labels(labels, numbered, problems, w)
    appendices = tuple(_number_written(a, appendices, labels, problems, w) for a in appendices)
    tables = _Tables(appendices, problems, w)
    sections = [_number_section(str(i), s, labels, tables, problems) for i, s in enumerate(paper.sections, 1)]
    sections.append(_contact_section(paper, len(sections) + 1, w))
    sections.append(_appendices_section(paper, appendices, len(sections) + 1, w))
    return NumberedPaper(
        paper=paper,
        summary=_summary(paper, w),
        sections=tuple(sections),
        appendices=appendices,
        labels=labels.targets,
        wording=w,
    )


class _Labels:
    """The paper's labels, each with what a reference to it prints, in the paper's wording."""

    def __init__(self, wording: Wording, problems: Problems):
        self.wording, self.problems = wording, problems
        self.targets: dict[str, Target] = {}

    def add(self, label: str | None, kind: str, number: str, loc, document: str = "") -> None:
        """Label a section, paragraph or appendix; a label used twice is a problem naming both places."""
        text = self.wording(f"ref.{kind}", number=number)
        if document:
            appendix = self.wording("ref.appendix", number=document)  # "Appendix 2", as [[label]] prints it
            elsewhere = self.wording("ref.in_appendix", target=text, appendix=appendix)
        else:
            elsewhere = self.wording("ref.in_report", target=text)
        _add_label(self.targets, label, Target(kind, number, loc, document, text, elsewhere), self.problems)

    def __setitem__(self, label: str, target: Target) -> None:
        self.targets[label] = target


def letter(index: int) -> str:
    """Return the letter marker for the 0-based *index* as Word's lowerLetter numbering prints it, which
    is what the paper shows: a … z, then aa, bb … zz, then aaa …."""
    return chr(ord("a") + index % 26) * (index // 26 + 1)


def _number_appendix(
    paper: Paper, index: int, plan: ActionPlan | None, sheet: SheetData | None, w: Wording
) -> NumberedAppendix:
    appendix = paper.appendices[index]
    marking = appendix.marking or ("OFFICIAL-SENSITIVE" if appendix.restricted else paper.marking)
    number = str(index + 1)
    heading = w(
        "appendix.heading_restricted" if appendix.restricted else "appendix.heading",
        number=number,
        title=appendix.title,
    )
    return NumberedAppendix(number, appendix, marking, heading, plan, sheet)


def _number_written(
    numbered: NumberedAppendix, appendices: tuple[NumberedAppendix, ...], labels, problems: Problems, w: Wording
) -> NumberedAppendix:
    """Number a written appendix's sections 1, 2 … within it; its labels point into the appendix."""
    sections = numbered.appendix.sections
    if not sections:
        return numbered
    tables = _Tables(appendices, problems, w)
    numbered_sections = tuple(
        _number_section(str(i), s, labels, tables, problems, numbered.number) for i, s in enumerate(sections, 1)
    )
    return replace(numbered, sections=numbered_sections)


def _add_appendix_labels(labels: _Labels, numbered: NumberedAppendix, problems: Problems, w: Wording) -> None:
    """Label the appendix, and its counts: ``label:total``, ``label:closed``, ``label:<status>`` …."""
    appendix = numbered.appendix
    labels.add(appendix.label, "appendix", numbered.number, appendix.loc)
    if appendix.label is None or numbered.plan is None:
        return
    for name, count in counts(numbered.plan).items():
        labels[f"{appendix.label}:{name}"] = Target("count", str(count), appendix.loc)


class _Tables:
    """Number the status-summary tables of a paper, finding each one's appendix by label."""

    def __init__(self, appendices: tuple[NumberedAppendix, ...], problems: Problems, wording: Wording):
        self.by_label = {a.appendix.label: a for a in appendices if a.appendix.label}
        self.problems, self.wording = problems, wording
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
        table = status_table(appendix, self.wording, str(self.count))
        return NumberedBlock("status", "", summary.loc, str(self.count), table=table)


def _number_section(
    number: str, section: Section, labels, tables: _Tables, problems: Problems, document: str = ""
) -> NumberedSection:
    """Number *section* as section *number* of *document* ("" the report, "2" Appendix 2)."""
    labels.add(section.label, "section", number, section.loc, document)
    blocks = [NumberedBlock("text", text, section.text_loc, source=text) for text in section.text]
    count = 0
    for block in section.paragraphs:
        if isinstance(block, Subheading):
            blocks.append(NumberedBlock("subheading", block.subheading, block.loc))
        elif isinstance(block, StatusSummary):
            blocks.extend(b for b in [tables.block(block)] if b)
        else:
            count += 1
            para_number = f"{number}.{count}"
            labels.add(block.label, "paragraph", para_number, block.loc, document)
            items = _items(block)
            source = " ".join([block.text, *(f"{i.marker} {i.text}".strip() for i in items)])
            blocks.append(
                NumberedBlock(
                    "paragraph", block.text, block.text_loc, para_number, items, label=block.label, source=source
                )
            )
    return NumberedSection(number, section.heading, tuple(blocks), section.loc)


def _items(paragraph: Paragraph) -> tuple[Item, ...]:
    return list_items(paragraph.items, paragraph.item_style)


def list_items(texts: tuple[str, ...], style: str) -> tuple[Item, ...]:
    """Return list entries with their markers: (a), (b) … for `letters`, none for `bullets`."""
    if style == "letters":
        return tuple(Item(f"({letter(i)})", text) for i, text in enumerate(texts))
    return tuple(Item("", text) for text in texts)


def _add_label(labels: dict[str, Target], label: str | None, target: Target, problems: Problems) -> None:
    if label is None:
        return
    if label in labels:
        first = labels[label].loc
        problems.add(target.loc, f"label '{label}' is already used at {first}")
        return
    labels[label] = target


def _summary(paper: Paper, w: Wording):
    """Return the summary box: each heading (in the paper's wording) and its blocks."""
    return tuple((w(f"report.summary.{key}"), _summary_blocks(paper, key)) for key in SUMMARY_KEYS)


def _summary_blocks(paper: Paper, key: str) -> tuple[NumberedBlock, ...]:
    """Return a summary entry's paragraphs, or its list under its lead-in (a "lead" block)."""
    value, where = getattr(paper.summary, key), paper.summary.where.get(key, paper.summary.loc)
    if isinstance(value, LeadList):
        return (NumberedBlock("lead", value.lead_in or "", where, items=list_items(value.items, value.item_style)),)
    return tuple(NumberedBlock("text", t, where) for t in value)


def _contact_section(paper: Paper, number: int, w: Wording) -> NumberedSection:
    contact = paper.contact
    lines = [w("report.contact_author", author=contact.author)]
    if contact.phone:
        lines.append(w("report.contact_phone", phone=contact.phone))
    if contact.email:
        lines.append(w("report.contact_email", email=contact.email))
    blocks = tuple(NumberedBlock("text", line, contact.loc) for line in lines)
    return NumberedSection(str(number), w("report.contact_heading"), blocks, contact.loc)


def _appendices_section(
    paper: Paper, appendices: tuple[NumberedAppendix, ...], number: int, w: Wording
) -> NumberedSection:
    blocks = [NumberedBlock("text", a.heading, paper.loc) for a in appendices]
    papers = paper.background_papers
    if papers.items:
        lead_in = papers.lead_in or w("report.background_papers")
        blocks.append(NumberedBlock("lead", lead_in, papers.loc, items=list_items(papers.items, papers.item_style)))
    if not blocks:
        blocks.append(NumberedBlock("text", w("report.no_appendices"), paper.loc))
    return NumberedSection(str(number), w("report.appendices_heading"), tuple(blocks), paper.loc)
