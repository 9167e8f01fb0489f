"""Plan text as the HTML edition prints it: runs of words, each reference a link to what it names.

The covering report prints "see paragraph 1.4"; the page prints the same words with "paragraph 1.4"
a link to ``#p1-4``. The links come from the text as written (before references were resolved),
each reference resolved again on its own by ``paper.refs`` so that the words are exactly the paper's;
where they would not be, the resolved text is printed without links rather than different words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import Location, Problems
from ..paper.refs import REFERENCE, resolve_text
from ..plan.model import Target

ADDRESS = re.compile(r"\b[\w.+'-]+@[\w-]+(?:\.[\w-]+)+\b|\bhttps?://[^\s<>\"]+[^\s<>\".,;:)]")

Hrefs = Callable[[Target], str | None]


@dataclass(frozen=True)
class Run:
    """Words of a text, and where they link to (None: plain words)."""

    text: str
    href: str | None = None


def anchor(kind: str, number: str) -> str:
    """Return the id of a numbered paragraph ("p1-4" for 1.4) or section ("s2")."""
    return ("p" if kind == "paragraph" else "s") + number.replace(".", "-")


def linked(raw: str, resolved: str, labels: dict[str, Target], hrefs: Hrefs, context: tuple[str | None, str]) -> tuple:
    """Return *resolved* as runs, its references (found in *raw*, the text as written) linked by *hrefs*.

    *context* is the label of the paragraph the text is in and the document it is printed in, as
    ``resolve_text`` takes them.
    """
    own, document = context
    runs, start = [], 0
    for match in REFERENCE.finditer(raw):
        runs += _addresses(raw[start : match.start()])
        printed = resolve_text(match.group(0), labels, Location(Path("site")), Problems(), own, None, document)
        runs.append(Run(printed, _href(match, labels, hrefs)))
        start = match.end()
    runs += _addresses(raw[start:])
    if "".join(r.text for r in runs) != resolved:
        return tuple(_merged(_addresses(resolved)))
    return tuple(_merged(runs))


def _href(match: re.Match, labels: dict[str, Target], hrefs: Hrefs) -> str | None:
    if match.group(2) is None:
        return None
    label, bar, _ = match.group(2).partition("|")
    target = labels.get(label.strip())
    if target is None or bar or target.kind == "count":
        return None
    return hrefs(target)


def _addresses(text: str) -> list[Run]:
    """Return *text* as runs with its e-mail and web addresses linked."""
    runs, start = [], 0
    for match in ADDRESS.finditer(text):
        runs.append(Run(text[start : match.start()]))
        found = match.group(0)
        runs.append(Run(found, found if found.startswith("http") else f"mailto:{found}"))
        start = match.end()
    runs.append(Run(text[start:]))
    return runs


def _merged(runs: list[Run]) -> list[Run]:
    merged: list[Run] = []
    for run in runs:
        if not run.text:
            continue
        if merged and merged[-1].href is None and run.href is None:
            merged[-1] = Run(merged[-1].text + run.text)
        else:
            merged.append(run)
    return merged
