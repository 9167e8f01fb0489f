"""Resolve cross-references: ``[[label]]`` becomes "paragraph 1.4", "section 2" or "Appendix 1".

``[[gip:total]]``, ``[[gip:closed]]`` and ``[[gip:On track]]`` give counts of an appendix's actions
(see ``appendix.counts``); ``[[gip:closed|words]]`` writes one in words ("three"), ``|Words`` with a
capital ("Three").

``[[#label]]`` gives the bare number ("1.4"), for text such as "paragraphs [[#a]] to [[#b]]".
A literal ``[[`` is written ``\\[[``. An unknown label is an error naming it and the line and column
of the reference itself, found again in the YAML source. "paragraph [[x]]", which would print
"paragraph paragraph 1.4", is a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from ..errors import Location, Problems
from ..plan.model import Item, NumberedBlock, NumberedPaper, Target
from ..plan.yamlsrc import source_map
from ..util import closest, did_you_mean, number_words

REFERENCE = re.compile(r"\\\[\[|\[\[\s*(#?)([^\[\]]*)\]\]|\[\[")
FORMATS: dict[str, Callable[[int], str]] = {
    "words": number_words,
    "Words": lambda n: number_words(n).capitalize(),
}
DOUBLED = re.compile(r"\b(paragraphs?|sections?|appendix|appendices)\s*$", re.IGNORECASE)


class TokenPlaces:
    """Find each reference's own line and column in the YAML source, only when a problem asks for it.

    The model keeps where a text starts. Texts that start at the same place (the paragraphs of one
    `text`, a paragraph and its items) are searched onward in the order they are resolved, so that a
    reference used twice gets each of its own places. Where it cannot be found (the file changed, an
    escape in a quoted string), the text's start stands in.
    """

    def __init__(self) -> None:
        self._tokens: dict[Location, list[str]] = {}
        self._found: dict[Location, list[Location]] = {}
        self._cursor: dict[Location, int] = {}

    def add(self, loc: Location, token: str) -> Callable[[], Location]:
        """Note the next *token* of the text at *loc*; return how to find its place."""
        tokens = self._tokens.setdefault(loc, [])
        tokens.append(token)
        index = len(tokens) - 1
        return lambda: self._place(loc, index)

    def _place(self, loc: Location, index: int) -> Location:
        found = self._found.setdefault(loc, [])
        while len(found) <= index:
            found.append(self._next(loc, self._tokens[loc][len(found)]))
        return found[index]

    def _next(self, loc: Location, token: str) -> Location:
        source = source_map(loc.file) if loc.line else None
        if source is None:
            return loc
        pattern = re.compile(r"\s+".join(re.escape(part) for part in token.split()))
        span = source.find(loc.line, loc.col, pattern, self._cursor.get(loc, 0))
        if span is None:
            return loc
        self._cursor[loc] = span[1]
        return Location(loc.file, *source.position(span[0]))


def resolve_text(
    text: str,
    labels: dict[str, Target],
    loc: Location,
    problems: Problems,
    own_label: str | None = None,
    places: TokenPlaces | None = None,
    document: str = "",
) -> str:
    """Return *text* (which starts at *loc*) with every reference replaced by its target's number.

    A reference to *own_label* (the paragraph the text is in) is an error: "see paragraph 1.4" inside
    paragraph 1.4 is always a slip. *places* carries the search for each reference's own place from
    one text to the next that starts at the same *loc*. *document* is where the text is printed ("" the
    report, "2" Appendix 2): a paragraph or section printed in another document is named with it
    ("paragraph 1.2 of Appendix 2").
    """
    places = places if places is not None else TokenPlaces()

    def substitute(match: re.Match) -> str:
        whole = match.group(0)
        where = places.add(loc, whole)
        if whole == "\\[[":
            return "[["
        if match.group(2) is None:
            problems.add(where(), "'[[' without a closing ']]': write \\[[ for a literal '[['")
            return whole
        printed = _reference(match, text[: match.start()], labels, where, problems, (own_label, document))
        return whole if printed is None else printed

    return REFERENCE.sub(substitute, text)


def _reference(
    match: re.Match,
    before: str,
    labels: dict[str, Target],
    where: Callable[[], Location],
    problems: Problems,
    context: tuple[str | None, str],
) -> str | None:
    """Return what the reference in *match* prints, or None after recording why it cannot be resolved.

    *before* is the text before the reference: "paragraph" at its end would be printed twice. *context*
    is the label of the paragraph the reference is in and the document it is printed in.
    """
    own_label, document = context
    bare, (label, bar, form) = match.group(1), match.group(2).partition("|")
    label, form = label.strip(), form.strip()
    target = labels.get(label)
    if label == own_label:
        problems.add(where(), f"reference '{label}' refers to the paragraph it is in")
        return None
    if target is None:
        problems.add(where(), f"unknown reference '{label}'{_unknown_hint(label, labels)}")
        return None
    if bar:
        return _formatted(label, target, form, where, problems)
    if bare or target.kind == "count":
        return target.number
    elsewhere = target.kind in ("paragraph", "section") and target.document != document
    printed = target.elsewhere if elsewhere else target.text
    if said := DOUBLED.search(before):
        word = said.group(1)
        message = f'text would read "{word} {printed}": write "{word} [[#{label}]]" or drop the word'
        problems.warn(where(), message)
    return printed


def _formatted(label: str, target: Target, form: str, where: Callable[[], Location], problems: Problems) -> str | None:
    """Return the count *target* written as *form* says (``words`` or ``Words``)."""
    if form not in FORMATS:
        hint = did_you_mean(form, FORMATS)
        problems.add(where(), f"reference '{label}': unknown format '|{form}': write |words or |Words{hint}")
        return None
    if target.kind != "count":
        problems.add(where(), f"reference '{label}': '|{form}' is only for counts, and '{label}' is not one")
        return None
    return FORMATS[form](int(target.number))


def _unknown_hint(label: str, labels: dict[str, Target]) -> str:
    """Return a did-you-mean; for a count (``gip:closd``), among that appendix's counts, or else list them."""
    appendix, colon, name = label.partition(":")
    names = [k.partition(":")[2] for k, t in labels.items() if t.kind == "count" and k.startswith(f"{appendix}:")]
    if not colon or not names:
        return did_you_mean(label, labels)
    match = closest(name, names)
    return f" (did you mean '{appendix}:{match}'?)" if match else f" ('{appendix}' counts: {', '.join(names)})"


def resolve_paper(paper: NumberedPaper, problems: Problems) -> NumberedPaper:
    """Return *paper* with the references in all its text resolved, its written appendices' too."""
    places = TokenPlaces()

    def block(b: NumberedBlock, document: str = "") -> NumberedBlock:
        def resolve(text: str) -> str:
            return resolve_text(text, paper.labels, b.loc, problems, b.label, places, document)

        text = resolve(b.text)  # before the items: they are searched for after the text in the source
        return replace(b, text=text, items=tuple(Item(i.marker, resolve(i.text)) for i in b.items))

    def sections(of: tuple, document: str = "") -> tuple:
        return tuple(replace(s, blocks=tuple(block(b, document) for b in s.blocks)) for s in of)

    summary = tuple((heading, tuple(block(b) for b in blocks)) for heading, blocks in paper.summary)
    appendices = tuple(replace(a, sections=sections(a.sections, a.number)) for a in paper.appendices)
    return replace(paper, summary=summary, sections=sections(paper.sections), appendices=appendices)
