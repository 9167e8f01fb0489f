"""Edit a plan's YAML as text, so that its author's comments, order and layout stay as they wrote them.

PyYAML drops comments when it writes, so nothing here dumps YAML: a file is composed only to find
where a value or the agenda's last item lies, and text is put in at those places. What goes in is a
scaffold file of boardpack's own with its ``@name@`` fields filled by values quoted as YAML scalars
(one pass, so a value is never read again as a field); plan text is never run through a template engine.
"""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import Location, PlanError, Problem

_FIELD = re.compile(r"@([a-z]+)@")
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ,.'()&/-]*")  # a scalar YAML reads as these words, unquoted


def scaffold_text(name: str) -> str:
    """Return the text of the scaffold file *name* (package data in ``boardpack/scaffold/files/``)."""
    return (files(__package__) / "files" / name).read_text(encoding="utf-8")


def fill(text: str, values: dict[str, str]) -> str:
    """Return *text* with each ``@name@`` replaced by ``values[name]``, already a YAML scalar."""
    return _FIELD.sub(lambda m: values[m.group(1)], text)


def scalar(text: str) -> str:
    """Return *text* written as a YAML scalar: as typed when YAML reads it so, else double-quoted."""
    if _PLAIN.fullmatch(text) and not text.endswith(" ") and text.lower() not in {"yes", "no", "on", "off", "null"}:
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def top_level(root: Node, key: str) -> tuple[Node, Node] | None:
    """Return the key and value nodes of *key* in the top mapping of *root*, or None."""
    if isinstance(root, MappingNode):
        for k, v in root.value:
            if isinstance(k, ScalarNode) and k.value == key:
                return k, v
    return None


def set_top_level(path: Path, text: str, root: Node, key: str, value: str) -> str:
    """Return *text* with the one-line value of top-level *key* replaced by the YAML scalar *value*.

    A file without *key* is returned as it is; a value over several lines is a problem at its line.
    """
    found = top_level(root, key)
    if found is None:
        return text
    node = found[1]
    if not isinstance(node, ScalarNode) or node.start_mark.line != node.end_mark.line or node.style in ("|", ">"):
        where = Location(path, node.start_mark.line + 1, node.start_mark.column + 1)
        raise PlanError([Problem(where, f"{key}: not a value on one line; set it by hand")])
    return text[: node.start_mark.index] + value + text[node.end_mark.index :]


def append_agenda_item(path: Path, text: str, root: Node, item: str) -> str:
    """Return *text* with *item* (a list entry at column 0) added after the agenda's last entry.

    The item is indented as the agenda's entries are, and set off by a blank line when they are; a
    meeting without an agenda gets one at the end of the file.
    """
    found = top_level(root, "agenda")
    if found is None or (isinstance(found[1], ScalarNode) and found[1].value in ("", "~", "null")):
        head = text if found is None else text[: found[0].start_mark.index] + text[found[1].end_mark.index :]
        return head.rstrip("\n") + "\n\nagenda:\n" + _indent(item, 2)
    key, agenda = found
    if not isinstance(agenda, SequenceNode) or agenda.flow_style or not agenda.value:
        where = Location(path, key.start_mark.line + 1, key.start_mark.column + 1)
        raise PlanError([Problem(where, "agenda: not a list of items one under another; add the item by hand")])
    last = agenda.value[-1]
    # A block scalar's end takes in the blank lines after it: the item goes after its last words.
    end = _line_end(text, len(text[: _last_leaf(last).end_mark.index].rstrip()))
    between = text[agenda.value[0].start_mark.index : last.start_mark.index]
    gap = "\n" if re.search(r"\n[ \t]*\n", between) else ""
    return text[:end] + "\n" + gap + _indent(item, agenda.start_mark.column) + text[end:].removeprefix("\n")


def _last_leaf(node: Node) -> Node:
    while isinstance(node, MappingNode | SequenceNode) and node.value:
        node = node.value[-1][1] if isinstance(node, MappingNode) else node.value[-1]
    return node


def _line_end(text: str, index: int) -> int:
    """Return the offset of the line break ending the line that holds *index* (or the end of the text)."""
    end = text.find("\n", index)
    return len(text) if end < 0 else end


def _indent(item: str, column: int) -> str:
    return "".join(" " * column + line if line.strip() else line for line in item.splitlines(keepends=True))
