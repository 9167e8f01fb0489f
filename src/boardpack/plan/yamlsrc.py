"""Read YAML with the line and column of every value, so that problems can name them.

Files are composed (``yaml.compose`` with the safe loader), never constructed: no Python objects,
no implicit type guessing (``no`` stays the word no, ``14:00`` stays a time). Each scalar is
interpreted by what the schema expects of it.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import Location, PlanError, Problem, Problems, ReadError
from ..util import closest, did_you_mean

MAX_BYTES = 2_000_000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_TRUE = {"true", "yes", "on"}
_FALSE = {"false", "no", "off"}
# What YAML may not hold as typed, and XML (so Word) may not hold at all: controls but tab and line breaks,
# DEL and C1 controls but NEL, lone surrogates, and the non-characters U+FFFE and U+FFFF.
_UNPRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ESCAPE = re.compile(r"\\(?:x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
_LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # YAML's line breaks
_SHORT_ESCAPES = {"0": "\x00", "a": "\x07", "b": "\x08", "v": "\x0b", "f": "\x0c", "e": "\x1b"}


def compose_file(path: Path) -> Node:
    """Return the YAML node tree of *path*, or raise PlanError naming the line of every problem found.

    The size is checked before the file is read; characters no document can hold, and aliases (which
    could make a small file expand without bound), are refused wherever they are.
    """
    text = read_text(path)
    _raise_if(_unprintable_in(path, text, _line_starts(text)))
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
        message = f"YAML syntax: {exc.problem or exc.context}{_syntax_hint(exc, text)}"
        raise PlanError([Problem(where, message)]) from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise PlanError([Problem(Location(path), f"YAML syntax: {_unmarked(exc)}")]) from None
    if node is None:
        raise PlanError([Problem(Location(path, 1, 1), "file is empty")])
    _raise_if(_aliases_in(path, text, node) or _escaped_unprintable_in(path, text, node))
    return node


def read_text(path: Path) -> str:
    """Return the text of the YAML file at *path*: its size checked before a byte is read, UTF-8 required."""
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            data = b"" if size > MAX_BYTES else f.read(MAX_BYTES + 1)  # a file still growing stops here too
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


def _raise_if(problems: list[Problem]) -> None:
    if problems:
        raise PlanError(problems)


def _unmarked(exc: BaseException) -> str:
    """Return the words of a YAML error that has no place (or of nesting deeper than Python can follow)."""
    if isinstance(exc, RecursionError):
        return "lists or keys nested too deeply"
    return " ".join(str(exc).split())


def _line_starts(text: str) -> tuple[int, ...]:
    """Return the offset of each line's first character, lines broken as YAML breaks them."""
    return (0, *(m.end() for m in _LINE_BREAK.finditer(text)))


def _position(starts: tuple[int, ...], offset: int) -> tuple[int, int]:
    line = bisect_right(starts, offset)
    return line, offset - starts[line - 1] + 1


def _unprintable_in(path: Path, text: str, starts: tuple[int, ...]) -> list[Problem]:
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


def _aliases_in(path: Path, text: str, root: Node) -> list[Problem]:
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


def _escaped_unprintable_in(path: Path, text: str, root: Node) -> list[Problem]:
    """Return a problem for every character written as an escape (``"\\x01"``) that no document can hold.

    A surrogate pair written as two escapes (as JSON writes an emoji) is joined into its character first.
    """
    starts = _line_starts(text)
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


def _syntax_hint(exc: yaml.MarkedYAMLError, text: str) -> str:
    """Return a hint at the cause of a syntax error: a quote left open, or else the indentation."""
    opened = exc.context_mark
    if exc.context == "while scanning a quoted scalar" and opened is not None:  # the file ends inside the quote
        return f" (a quote opened at line {opened.line + 1}, column {opened.column + 1}, is never closed)"
    if "<block" not in str(exc.problem):
        return ""
    quoted = _quoted_before(text, exc.problem_mark)
    if quoted is not None and quoted.start_mark.line < quoted.end_mark.line:
        start = quoted.start_mark
        return (
            f" (a quote opened at line {start.line + 1}, column {start.column + 1}, is not closed on that line: "
            f"it runs on to the quote at line {quoted.end_mark.line + 1})"
        )
    if quoted is not None and quoted.end_mark.line == exc.problem_mark.line:
        return " (text follows a closing quote: quote the whole value, or none of it)"
    # Else "<block" is PyYAML's words for a line indented unlike its neighbours.
    return " (check the indentation of this line and the one before)"


def _quoted_before(text: str, mark) -> yaml.ScalarToken | None:
    """Return the token just before *mark* if it is a quoted scalar ending there (on its line), else None."""
    last = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.index >= mark.index:
                break
            last = token
    except yaml.YAMLError:
        pass  # scanned as far as it could
    if not isinstance(last, yaml.ScalarToken) or last.style not in ("'", '"'):
        return None
    between = text[last.end_mark.index : mark.index]
    return last if between.strip(" \t") == "" else None


def _compose(text: str) -> Node | None:
    """Compose with libyaml when present (ten times faster); report errors in PyYAML's own words."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is None:
        return _compose_slowly(text)
    try:
        return yaml.compose(text, Loader=fast)
    except yaml.MarkedYAMLError as exc:
        try:  # the pure-Python loader says what went wrong more precisely (e.g. names the tab)
            return _compose_slowly(text)
        except yaml.MarkedYAMLError:
            raise
        except (yaml.YAMLError, RecursionError):  # nesting libyaml refuses, and Python cannot follow
            raise exc from None


def _compose_slowly(text: str) -> Node | None:
    """Compose with PyYAML's own loader; an escape beyond Unicode (``"\\U7FFFFFFF"``) is a syntax error."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except (ValueError, OverflowError) as exc:
        raise yaml.YAMLError(f"impossible character escape ({exc})") from None


@dataclass(frozen=True)
class SourceMap:
    """Where each node of a YAML file lies in its text, so that words inside a value can be given their own place.

    The model keeps only where a value starts; a reference inside a long paragraph is found here again.
    """

    text: str
    line_starts: tuple[int, ...]  # the offset of each line's first character
    scalars: tuple[tuple[int, int], ...]  # (start, end) offsets of every scalar, in document order
    regions: dict[tuple[int, int], int]  # a node's (line, col) -> where the node holding it ends

    def position(self, offset: int) -> tuple[int, int]:
        """Return the 1-based line and column of *offset*."""
        line = bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def find(self, line: int, col: int, pattern: re.Pattern, after: int = 0) -> tuple[int, int] | None:
        """Return the span of the first match of *pattern* in a scalar of the value at *line*:*col*.

        The search starts at the value, or at *after* if that is later, and runs on through the values that
        follow it in the same mapping or list (a paragraph's `items` after its `text`).
        """
        end = self.regions.get((line, col))
        if end is None or line > len(self.line_starts):
            return None
        start = max(self.line_starts[line - 1] + col - 1, after)
        first = bisect_left(self.scalars, (self.line_starts[line - 1] + col - 1, 0))
        for lo, hi in self.scalars[first:]:
            if lo >= end:
                break
            if hi > start and (found := pattern.search(self.text, max(lo, start), hi)):
                return found.span()
        return None


def source_map(path: Path) -> SourceMap | None:
    """Return the source map of the YAML file at *path*, or None if it cannot be read now."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return _source_map(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _source_map(path: Path, mtime_ns: int, size: int) -> SourceMap | None:
    """Compose *path* again (once per version of the file) and map its nodes; None if it no longer composes."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
        root = _compose(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    starts = (0, *(m.end() for m in _LINE_BREAK.finditer(text)))

    def offset(mark) -> int:
        return starts[mark.line] + mark.column if mark.line < len(starts) else len(text)

    scalars, regions = [], {}
    stack = [(root, len(text))] if root is not None else []
    while stack:
        node, parent_end = stack.pop()
        key = (node.start_mark.line + 1, node.start_mark.column + 1)
        regions[key] = max(regions.get(key, 0), parent_end)
        if isinstance(node, ScalarNode):
            scalars.append((offset(node.start_mark), offset(node.end_mark)))
            continue
        if isinstance(node, MappingNode):  # a value's search runs on through its mapping: `text`, then `items`
            stack.extend((child, offset(node.end_mark)) for pair in node.value for child in pair)
        else:  # an entry of a list: through itself only
            stack.extend((child, offset(child.end_mark)) for child in node.value)
    return SourceMap(text, starts, tuple(sorted(scalars)), regions)


class Reader:
    """Interpret a composed YAML tree against the schema, collecting every problem on the way."""

    def __init__(self, path: Path, problems: Problems):
        self.path = path
        self.problems = problems

    def loc(self, node: Node) -> Location:
        """Return the location of *node*."""
        return Location(self.path, node.start_mark.line + 1, node.start_mark.column + 1)

    def error(self, node: Node, message: str) -> None:
        """Record a problem at *node*."""
        self.problems.add(self.loc(node), message)

    def mapping(self, node: Node, what: str, allowed: Iterable[str], required: Iterable[str]) -> dict[str, Node] | None:
        """Return the keys of a mapping node; report duplicates, unknown and missing keys."""
        if not isinstance(node, MappingNode):
            self.error(node, f"{what}: expected a set of `key: value` lines, got {_kind(node)}")
            return None
        allowed = list(allowed)
        out: dict[str, Node] = {}
        misspelt: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if key is None:
                self.error(key_node, f"{what}: a key must be a plain word")
            elif key in out:
                first = self.loc(out[key])
                self.error(key_node, f"{what}: duplicate key '{key}' (first given at line {first.line})")
            elif key not in allowed:
                misspelt.add(closest(key, allowed) or "")
                self.error(key_node, f"{what}: unknown key '{key}'{did_you_mean(key, allowed)}")
            else:
                out[key] = value_node
        for key in required:
            if key not in out and key not in misspelt:  # the did-you-mean already names it
                self.error(node, f"{what}: missing required key '{key}'")
        return out

    def sequence(self, node: Node, what: str) -> list[Node]:
        """Return the entries of a list node (a single value counts as a list of one)."""
        if isinstance(node, SequenceNode):
            return list(node.value)
        if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return []
        if isinstance(node, MappingNode):
            self.error(node, f"{what}: expected a list (lines starting with `- `), got {_kind(node)}")
            return []
        return [node]

    def string(self, node: Node, what: str) -> str | None:
        """Return a scalar as one line of text, whitespace collapsed."""
        if not isinstance(node, ScalarNode):
            self.error(node, f"{what}: expected text, got {_kind(node)}")
            return None
        if node.tag == "tag:yaml.org,2002:null" and not node.style:  # libyaml says "", PyYAML None
            self.error(node, f"{what}: is empty")
            return None
        return " ".join(_CONTROL.sub(" ", node.value).split())

    def text(self, node: Node, what: str) -> tuple[str, ...]:
        """Return text as paragraphs: a blank line, or a new list entry, starts a new one."""
        paragraphs: list[str] = []
        for entry in self.sequence(node, what):
            if not isinstance(entry, ScalarNode):
                self.error(entry, f"{what}: expected text, got {_kind(entry)}")
                continue
            for chunk in re.split(r"\n\s*\n", entry.value):
                words = " ".join(_CONTROL.sub(" ", chunk).split())
                if words:
                    paragraphs.append(words)
        if not paragraphs:
            self.error(node, f"{what}: is empty")
        return tuple(paragraphs)

    def strings(self, node: Node, what: str) -> tuple[str, ...]:
        """Return a list of one-line texts."""
        out = (self.string(entry, f"{what}[{i}]") for i, entry in enumerate(self.sequence(node, what)))
        return tuple(s for s in out if s)

    def boolean(self, node: Node, what: str) -> bool:
        """Return `true`/`false` (also yes/no)."""
        value = node.value.lower() if isinstance(node, ScalarNode) else None
        if value in _TRUE:
            return True
        if value not in _FALSE:
            self.error(node, f"{what}: expected true or false, got {_show(node)}")
        return False

    def date(self, node: Node, what: str) -> dt.date | None:
        """Return a date written YYYY-MM-DD."""
        value = node.value.strip() if isinstance(node, ScalarNode) else ""
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            self.error(node, f"{what}: expected a date as YYYY-MM-DD, got {_show(node)}")
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:
            self.error(node, f"{what}: impossible date '{value}' ({exc})")
            return None

    def choice(self, node: Node, what: str, choices: Iterable[str]) -> str | None:
        """Return one of *choices*."""
        choices = list(choices)
        value = self.string(node, what)
        if value is not None and value not in choices:
            options = ", ".join(choices)
            self.error(node, f"{what}: '{value}' is not one of {options}{did_you_mean(value, choices)}")
            return None
        return value


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a set of keys"
    if isinstance(node, SequenceNode):
        return "a list"
    return f"'{node.value}'"


def _show(node: Node) -> str:
    return f"'{node.value}'" if isinstance(node, ScalarNode) else _kind(node)
