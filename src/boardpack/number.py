"""Number a paper: sections 1, 2 …; paragraphs 1.1, 1.2 … across sub-headings; appendices 1, 2 ….

Authors never type a number. The contact and appendices sections are generated here, after the
author's own sections, so that they are numbered like the rest. Every label is collected into one
table; a label used twice is an error naming both places.
"""

from __future__ import annotations

from .errors import Problems
from .model import (
    Item,
    NumberedAppendix,
    NumberedBlock,
    NumberedPaper,
    NumberedSection,
    Paper,
    Paragraph,
    Target,
)

SUMMARY_HEADINGS = (
    ("purpose", "Overall Summary of the Purpose of the Report"),
    ("key_considerations", "Key Considerations for the Panel"),
    ("interdependencies", "Interdependencies/Cross Cutting Issues"),
    ("recommendations", "Recommendations"),
)


def number_paper(paper: Paper, problems: Problems) -> NumberedPaper:
    """Return *paper* numbered; record duplicate labels in *problems*."""
    labels: dict[str, Target] = {}
    sections = [_number_section(str(i), s, labels, problems) for i, s in enumerate(paper.sections, 1)]
    appendices = tuple(NumberedAppendix(str(i), a) for i, a in enumerate(paper.appendices, 1))
    for numbered in appendices:
        _add_label(
            labels, numbered.appendix.label, Target("appendix", numbered.number, numbered.appendix.loc), problems
        )
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


def _number_section(number: str, section, labels, problems) -> NumberedSection:
    _add_label(labels, section.label, Target("section", number, section.loc), problems)
    blocks = [NumberedBlock("text", text, section.text_loc) for text in section.text]
    count = 0
    for block in section.paragraphs:
        if not isinstance(block, Paragraph):
            blocks.append(NumberedBlock("subheading", block.subheading, block.loc))
            continue
        count += 1
        para_number = f"{number}.{count}"
        _add_label(labels, block.label, Target("paragraph", para_number, block.loc), problems)
        blocks.append(NumberedBlock("paragraph", block.text, block.text_loc, para_number, _items(block)))
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


def _appendices_section(paper: Paper, appendices, number: int) -> NumberedSection:
    lines = [
        f"Appendix {a.number} – {a.appendix.title}" + (" (Restricted)" if a.appendix.restricted else "")
        for a in appendices
    ]
    lines += list(paper.background_papers)
    blocks = tuple(NumberedBlock("text", line, paper.loc) for line in lines or ["None"])
    return NumberedSection(str(number), "Appendices and Background Papers", blocks, paper.loc)
