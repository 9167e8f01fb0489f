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

from ..errors import BoardpackError, Location, PlanError, Problem, Problems
from ..util import closest, did_you_mean
from .yamlguard import aliases_in, escaped_unprintable_in, line_starts, read_text, unprintable_in

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_TRUE = {"true", "yes", "on"}
_FALSE = {"false", "no", "off"}


def compose_file(path: Path) -> Node:
    """Return the YAML node tree of *path*, or raise PlanError naming the line of every problem found.

    The size is checked before the file is read; characters no document can hold, and aliases (which
    could make a small file expand without bound), are refused wherever they are.
    """
    text = read_text(path)
    _raise_if(unprintable_in(path, text, line_starts(text)))
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
    _raise_if(aliases_in(path, text, node) or escaped_unprintable_in(path, text, node))
    return node


def _raise_if(problems: list[Problem]) -> None:
    if problems:
        raise PlanError(problems)


def _unmarked(exc: BaseException) -> str:
    """Return the words of a YAML error that has no place (or of nesting deeper than Python can follow)."""
    if isinstance(exc, RecursionError):
        return "lists or keys nested too deeply"
    return " ".join(str(exc).split())


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
    """Compose *path* again (once per version of the file) and map its nodes; None if it no longer composes
    as it did (within the size limit, no aliases)."""
    try:
        text = read_text(path)
        root = _compose(text)
    except (BoardpackError, yaml.YAMLError, RecursionError):
        return None
    if root is None or aliases_in(path, text, root):
        return None
    starts = line_starts(text)

    def offset(mark) -> int:
        return starts[mark.line] + mark.column if mark.line < len(starts) else len(text)

    scalars, regions = [], {}
    stack = [(root, len(text))]
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
        text = " ".join(_CONTROL.sub(" ", node.value).split())
        if not text or (node.tag == "tag:yaml.org,2002:null" and not node.style):  # ~, null, or quotes around spaces
            self.error(node, f"{what}: is empty")
            return None
        return text

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
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):  # ASCII: \d would take any script's digits
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
