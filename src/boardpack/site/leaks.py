"""Check the HTML edition for leaks: no text of a restricted document, no restricted title, in any file of site/.

Every file is read as text, whatever its kind (.html, .json, .ics, .css, .svg …), and looked at in
each way a reader or a program could see it: as it is; as HTML with the tags stripped (joined
both with and without a space, so a word split by ``<b>`` is still whole) and the entities
unescaped, and its attribute values (``title="…"``, ``alt="…"``); as JSON, every string; as
iCalendar, unfolded, every value with its escapes undone.

Text is compared as ``pack/leaks.py`` compares it: runs of eight words (``runs``) of a restricted text
that occur in no public text. Titles are compared as whole titles (``as_title``: numbering off, case
and spacing normalised): an element's text, an attribute value, a JSON string or a line of it, a line
of an iCalendar value.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import sys
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from ..errors import Location, Problem
from ..pack.leaks import LIST_SEPARATOR, RUN, WORD, as_title, runs
from ..util import code_digest
from .svg import Store

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
ICS_FOLD = re.compile(r"\r?\n[ \t]")
ICS_ESCAPE = re.compile(r"\\([\\;,nN])")
SAMPLE = 80
FILE_SUFFIX = ".site-read-v1"  # the prints of a file of the site, by its bytes' digest
TEXT_SUFFIX = ".runs-v1"  # the run prints of a document's text, by the text's digest


# The public documents the pages link, copied into the site (``site/write.py``): each public paper's
# PDF and .docx, whose PDF the converter check compared with the .docx rendered from the public plan,
# and the public packs, which the pack leak check has read. Read here as text they are compressed
# bytes: nothing to find, and seconds to look.
COPIED = {".pdf", ".docx"}


def site_leaks(
    site_dir: Path,
    restricted_texts: list[str],
    restricted_titles: set[str],
    public_texts: Iterable[str] = (),
    public_titles: Iterable[str] = (),
    store: Store | None = None,
) -> list[Problem]:
    """Return a problem for each file under *site_dir* holding restricted text or naming a restricted title.

    A run of eight words counts when it occurs in one of *restricted_texts*, in none of *public_texts*
    (boilerplate both share) and in the file. A title counts unless it is one of *public_titles* too
    (an exempt item's title, which the public agenda prints).

    With a *store* (the build cache), what is read of each text and file is kept by a digest of its
    bytes (``Prints``); the verdict is never kept, and a file that may leak is read again in full.
    """
    check = Check(restricted_texts, restricted_titles, public_texts, public_titles, store or Memory())
    problems = []
    for path in sorted(p for p in site_dir.rglob("*") if p.is_file() and not p.is_symlink()):
        if path.suffix not in COPIED:
            problems += check.file(path)
    return problems


class Check:
    """The site's leak check, made quick by prints: a 64-bit digest of each run of words and each title.

    What a text or a file prints (its runs', its labels' digests) depends on its bytes alone, so it is
    kept in *store* by their digest (and boardpack's code digest). A file is clean when none of its
    run prints is the print of a secret run and none of its label prints a restricted title's. Equal
    runs have equal prints, so a leak is never missed; a print shared by chance (about one in 2**64 a
    pair) only sends the file to ``exact``, the check as made without prints, which gives the problems.
    """

    def __init__(self, restricted, titles, public_texts, public_titles, store: Store):
        self.store = store
        self.restricted = list(restricted)
        self.public = list(public_texts)
        allowed: set[int] = set().union(*(self._text_prints(text) for text in self.public))
        self.secret_prints = set().union(*(self._text_prints(text) for text in self.restricted)) - allowed
        public = {as_title(title) for title in public_titles}
        self.titles = {as_title(title): title for title in titles if as_title(title) not in public | {""}}
        self.title_prints = {stable(key) for key in self.titles}

    @functools.cached_property
    def secret(self) -> set[tuple[str, ...]]:
        """The runs of the restricted texts in no public text: read only when a file may hold one."""
        allowed: set[tuple[str, ...]] = set().union(*(runs(text) for text in self.public))
        return set().union(*(runs(text) for text in self.restricted)) - allowed

    def file(self, path: Path) -> list[Problem]:
        """Return the problems of the file at *path*."""
        data = path.read_bytes()
        key = _key(data)
        cached = self.store.read(key, FILE_SUFFIX)
        found = Prints.load(cached) if cached is not None else None
        if found is None:
            texts, labels = readings(path)
            found = Prints.of(texts, labels)
            self.store.write(key, FILE_SUFFIX, found.dump())
        if found.runs.isdisjoint(self.secret_prints) and found.labels.isdisjoint(self.title_prints):
            return []
        return self.exact(path)

    def exact(self, path: Path) -> list[Problem]:
        """Return the problems of the file at *path*, comparing its runs and labels themselves."""
        texts, labels = readings(path)
        where = Location(path)
        problems = []
        leaked = set().union(*(runs(text) for text in texts)) & self.secret
        if leaked:
            sample = shorten(" ".join(sorted(leaked)[0]))
            problems.append(
                Problem(where, f"holds text of a restricted document ({len(leaked)} passages, e.g. “{sample}”)")
            )
        named = {as_title(label) for label in labels} & self.titles.keys()
        problems += [Problem(where, f"names restricted '{shorten(self.titles[key])}'") for key in sorted(named)]
        return problems

    def _text_prints(self, text: str) -> set[int]:
        data = text.encode("utf-8")
        key = _key(data)
        cached = self.store.read(key, TEXT_SUFFIX)
        found = Prints.load(cached) if cached is not None else None
        if found is None:
            found = Prints.of([text], [])
            self.store.write(key, TEXT_SUFFIX, found.dump())
        return found.runs


@dataclass(frozen=True)
class Prints:
    """What a text or file shows the check: the prints of its runs of words and of its labels (as titles)."""

    runs: frozenset[int]
    labels: frozenset[int]

    @classmethod
    def of(cls, texts: list[str], labels: list[str]) -> Prints:
        prints = set().union(*(run_prints(text) for text in texts))
        return cls(frozenset(prints), frozenset(stable(as_title(x)) for x in labels))

    def dump(self) -> bytes:
        return array("q", [len(self.runs), *self.runs, *self.labels]).tobytes()

    @classmethod
    def load(cls, data: bytes) -> Prints | None:
        """Return the prints *data* holds, or None if it is not what ``dump`` wrote."""
        values = array("q")
        if len(data) % values.itemsize:
            return None
        values.frombytes(data)
        if not values or values[0] > len(values) - 1:
            return None
        count = values[0] + 1
        return cls(frozenset(values[1:count]), frozenset(values[count:]))


def stable(text: str) -> int:
    """Return a 64-bit digest of *text*, the same in every process (``hash`` of a str is salted per process)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


_WORD_PRINTS: dict[str, int] = {}


def run_prints(text: str) -> set[int]:
    """Return the print of each run of ``RUN`` words of *text* (``pack/leaks.runs``'s runs): Python's hash
    of the tuple of its words' ``stable`` prints. A tuple of ints hashes the same in every process of one
    Python (only str and bytes hashes are salted), so ``_key`` names the Python; equal runs, equal prints.
    Made in C over the text's words (``zip``, ``map``), not a Python step a run: a cold build reads every
    page and paper once, and the site's leak check was as quick as this only without prints."""
    words = [_WORD_PRINTS.get(w) or _word_print(w) for w in WORD.findall(text.lower())]
    return set(map(hash, zip(*(words[i:] for i in range(RUN)), strict=False)))


def _word_print(word: str) -> int:
    found = _WORD_PRINTS[word] = stable(word) or 1  # never 0: ``get`` reads 0 as missing
    return found


def _key(data: bytes) -> str:
    """The cache key of what is read of *data*: its digest, that of the code that reads it, and the Python
    whose tuple hash made its run prints."""
    return hashlib.sha256(code_digest().encode("ascii") + sys.version.encode() + data).hexdigest()


class Memory:
    """A store that keeps nothing past the check (no build cache given)."""

    def __init__(self) -> None:
        self.kept: dict[tuple[str, str], bytes] = {}

    def read(self, key: str, suffix: str) -> bytes | None:
        return self.kept.get((key, suffix))

    def write(self, key: str, suffix: str, data: bytes) -> None:
        self.kept[key, suffix] = data


def shorten(text: str, width: int = SAMPLE) -> str:
    """Return *text* cut to *width* characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def readings(path: Path) -> tuple[list[str], list[str]]:
    """Return the texts of *path* to look for runs in, and the values to compare with titles."""
    raw = path.read_bytes().decode("utf-8", errors="replace")
    page = PageText()
    page.feed(raw)
    page.close()
    texts = [raw, "".join(page.data), " ".join(page.data), *page.attributes]
    labels = [*page.elements, *page.attributes]
    strings = [*json_strings(raw), *ics_values(raw)]
    texts += [" ".join(strings), *strings]
    labels += [line for value in strings for line in [value, *LIST_SEPARATOR.split(value)]]
    return texts, [label for label in labels if label.strip()]


class PageText(HTMLParser):
    """Collect an HTML (or SVG, XML) file's text nodes, every element's whole text and every attribute value."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.data: list[str] = []
        self.attributes: list[str] = []
        self.elements: list[str] = []
        self.open: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes += [value for _, value in attrs if value]
        if tag not in VOID:
            self.open.append((tag, []))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes += [value for _, value in attrs if value]

    def handle_endtag(self, tag: str) -> None:
        if not any(name == tag for name, _ in self.open):
            return
        while self.open:  # an element left open (<p>, <li>) ends with its parent
            name, parts = self.open.pop()
            self.elements.append("".join(parts))
            if name == tag:
                return

    def handle_data(self, data: str) -> None:
        self.data.append(data)
        self.elements.append(data)
        for _, parts in self.open:
            parts.append(data)

    def close(self) -> None:
        super().close()
        self.elements += ["".join(parts) for _, parts in self.open]
        self.open = []


def json_strings(text: str) -> list[str]:
    """Return every string value of *text* in order, then every key, if it is JSON; else nothing."""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    keys: list[str] = []
    return [*_walk(data, keys), *keys]


def _walk(data: object, keys: list[str]) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            keys.append(key)
            yield from _walk(value, keys)
    elif isinstance(data, list):
        for value in data:
            yield from _walk(value, keys)


def ics_values(text: str) -> list[str]:
    """Return every property value of *text* if it is iCalendar: unfolded, escapes undone, one entry a line."""
    if not text.lstrip().startswith("BEGIN:VCALENDAR"):
        return []
    values = []
    for line in ICS_FOLD.sub("", text).splitlines():
        value = _ics_value(line)
        values += [value, *value.split("\n")]
    return values


def _ics_value(line: str) -> str:
    """Return the value of a content line (after the first colon outside quoted parameters), unescaped."""
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return ICS_ESCAPE.sub(lambda m: "\n" if m[1] in "nN" else m[1], line[index + 1 :])
    return line
