"""Guard the YAML reader against input that would crash it or make it balloon.

A plan file is refused by its size before a byte is read; characters that no document can hold are named
where they are typed, raw or as escapes; and aliases, which could make a small file expand without bound,
are named where they are used. Nothing here interprets a value.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import Location, PlanError, Problem, ReadError

MAX_BYTES = 2_000_000
# What YAML may not hold as typed, and XML (so Word) may not hold at all: controls but tab and line breaks,
# DEL and C1 controls but NEL, lone surrogates, and the non-characters U+FFFE and U+FFFF.
_UNPRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ESCAPE = re.compile(r"\\(?:x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # YAML's line breaks
_SHORT_ESCAPES = {"0": "\x00", "a": "\x07", "b": "\x08", "v": "\x0b", "f": "\x0c", "e": "\x1b"}


def read_text(path: Path) -> str:
    """Return the text of the YAML file at *path*: its size checked before a byte is read, UTF-8 required."""
    try:
        size, data = path.stat().st_size, b""
        if size <= MAX_BYTES:
            with path.open("rb") as f:
                data = f.read(MAX_BYTES + 1)  # a file still growing stops here too
    except OSError as exc:
        raise ReadError([Problem(Location(path), f"cannot read: {exc.strerror or exc}")]) from None
    if size > MAX_BYTES or len(data) > MAX_BYTES:
        raise PlanError([Problem(Location(path), f"file is larger than {MAX_BYTES // 1_000_000} MB")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise PlanError([Problem(Location(path, line, col), "not UTF-8 text: save the file as UTF-8")]) from None


def line_starts(text: str) -> tuple[int, ...]:
    """Return the offset of each line's first character, lines broken as YAML breaks them."""
    return (0, *(m.end() for m in LINE_BREAK.finditer(text)))


def _position(starts: tuple[int, ...], offset: int) -> tuple[int, int]:
    line = bisect_right(starts, offset)
    return line, offset - starts[line - 1] + 1


def unprintable_in(path: Path, text: str, starts: tuple[int, ...]) -> list[Problem]:
    """Return a problem for every character in *text* that a YAML file may not hold as typed."""
    return [
        Problem(Location(path, *_position(starts, m.start())), _describe(m.group()))
        for m in _UNPRINTABLE.finditer(text)
    ]


def _describe(char: str) -> str:
    """Say why *char* is not allowed, naming it by its code point (it cannot be shown)."""
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return f"lone surrogate U+{code:04X} is not allowed in text (write the whole character, e.g. \\U0001F600)"
    if code in (0xFFFE, 0xFFFF):
        return f"U+{code:04X} is not a character and is not allowed in text"
    return f"control character U+{code:04X} is not allowed in text"


def _nodes(root: Node):
    """Yield every node of the tree once, and then again, from the same object, each time it is reused."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            stack.extend(child for pair in node.value for child in pair)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)


def aliases_in(path: Path, text: str, root: Node) -> list[Problem]:
    """Return a problem for every alias (``*name``): a plan has no need of them, and each multiplies the
    values to read (a 23 KB file of aliases would be a million paragraphs)."""
    seen: set[int] = set()
    for node in _nodes(root):
        if id(node) in seen:
            break
        seen.add(id(node))
    else:
        return []
    events = yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return [
        Problem(
            Location(path, e.start_mark.line + 1, e.start_mark.column + 1),
            f"alias '*{e.anchor}': aliases are not allowed in a plan; write the value out in full",
        )
        for e in events
        if isinstance(e, yaml.AliasEvent)
    ]


def escaped_unprintable_in(path: Path, text: str, root: Node) -> list[Problem]:
    """Return a problem for every character written as an escape (``"\\x01"``) that no document can hold.

    A surrogate pair written as two escapes (as JSON writes an emoji) is joined into its character first.
    """
    starts = line_starts(text)
    problems = []
    for node in _nodes(root):
        if not (isinstance(node, ScalarNode) and node.style == '"' and _UNPRINTABLE.search(node.value)):
            continue
        node.value = _join_surrogates(node.value)
        if not _UNPRINTABLE.search(node.value):
            continue
        start = starts[node.start_mark.line] + node.start_mark.column
        end = starts[node.end_mark.line] + node.end_mark.column
        escapes = [(m.start(), m.end(), _unescape(m)) for m in _ESCAPE.finditer(text, start, end)]
        for i, (at, _, char) in enumerate(escapes):
            if _UNPRINTABLE.fullmatch(char) and not _paired(escapes, i):
                problems.append(Problem(Location(path, *_position(starts, at)), _describe(char)))
    return problems


def _join_surrogates(value: str) -> str:
    """Return *value* with each high and low surrogate pair joined into the character they encode."""
    return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _unescape(m: re.Match) -> str:
    """Return the character an escape found by _ESCAPE stands for (a space for those that cannot matter)."""
    if m.group(4) is not None:
        return _SHORT_ESCAPES.get(m.group(4), " ")
    code = int(m.group(1) or m.group(2) or m.group(3), 16)
    return chr(code) if code <= 0x10FFFF else " "


def _paired(escapes: list[tuple[int, int, str]], i: int) -> bool:
    """Return whether escape *i* is half of a surrogate pair: a high one written just before a low one."""

    def pair(j: int) -> bool:
        if not 0 <= j < len(escapes) - 1 or escapes[j][1] != escapes[j + 1][0]:
            return False
        return "\ud800" <= escapes[j][2] <= "\udbff" and "\udc00" <= escapes[j + 1][2] <= "\udfff"

    return pair(i) or pair(i - 1)
