"""Resolve cross-references: ``[[label]]`` becomes "paragraph 1.4", "section 2" or "Appendix 1".

``[[gip:total]]`` and ``[[gip:On track]]`` give counts of an appendix's actions.

``[[#label]]`` gives the bare number ("1.4"), for text such as "paragraphs [[#a]] to [[#b]]".
A literal ``[[`` is written ``\\[[``. An unknown label is an error naming it and where it was used.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..errors import Location, Problems
from ..plan.model import Item, NumberedBlock, NumberedPaper, Target
from ..util import did_you_mean

REFERENCE = re.compile(r"\\\[\[|\[\[\s*(#?)([^\[\]]*)\]\]|\[\[")


def resolve_text(
    text: str,
    labels: dict[str, Target],
    loc: Location,
    problems: Problems,
    own_label: str | None = None,
    document: str = "",
) -> str:
    """Return *text* with every reference replaced by its target's number.

    A reference to *own_label* (the paragraph the text is in) is an error: "see paragraph 1.4" inside
    paragraph 1.4 is always a slip. *document* is where the text is printed ("" the report, "2" Appendix
    2): a paragraph or section printed in another document is named with it ("paragraph 1.2 of Appendix 2").
    """

    def substitute(match: re.Match) -> str:
        whole = match.group(0)
        if whole == "\\[[":
            return "[["
        if match.group(2) is None:
            problems.add(loc, "'[[' without a closing ']]': write \\[[ for a literal '[['")
            return whole
        bare, label = match.group(1), match.group(2).strip()
        target = labels.get(label)
        if label == own_label:
            problems.add(loc, f"reference '{label}' refers to the paragraph it is in")
            return whole
        if target is None:
            problems.add(loc, f"unknown reference '{label}'{did_you_mean(label, labels)}")
            return whole
        if bare or target.kind == "count":
            return target.number
        elsewhere = target.kind in ("paragraph", "section") and target.document != document
        return target.elsewhere if elsewhere else target.text

    return REFERENCE.sub(substitute, text)


def resolve_paper(paper: NumberedPaper, problems: Problems) -> NumberedPaper:
    """Return *paper* with the references in all its text resolved, its written appendices' too."""

    def block(b: NumberedBlock, document: str = "") -> NumberedBlock:
        def resolve(text: str) -> str:
            return resolve_text(text, paper.labels, b.loc, problems, b.label, document)

        return replace(b, text=resolve(b.text), items=tuple(Item(i.marker, resolve(i.text)) for i in b.items))

    def sections(of: tuple, document: str = "") -> tuple:
        return tuple(replace(s, blocks=tuple(block(b, document) for b in s.blocks)) for s in of)

    summary = tuple((heading, tuple(block(b) for b in blocks)) for heading, blocks in paper.summary)
    appendices = tuple(replace(a, sections=sections(a.sections, a.number)) for a in paper.appendices)
    return replace(paper, summary=summary, sections=sections(paper.sections), appendices=appendices)
