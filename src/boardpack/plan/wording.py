"""Wording: every phrase boardpack prints into a paper, read from wording files the author can override.

The shipped ``templates/wording.yaml`` holds every phrase and is the catalogue: an override may name
only phrases it has, use only the placeholders its phrase uses, and give two forms (``one:`` and
``other:``) only where its phrase has them. Overrides stack, each naming only what it changes: a
template folder's ``wording.yaml``, then the meeting's (beside ``meeting.yaml``), then a paper's
(beside ``paper.yaml``). Files are read by the same YAML reader as the plan, so every problem names
its file and line. A placeholder is filled once, so text from the plan that holds ``{x}`` prints as typed.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode

from ..errors import Location, PlanError, Problems
from ..util import did_you_mean
from .templates import TEMPLATES_DIR
from .yamlsrc import Reader, compose_file

WORDING_FILE = "wording.yaml"
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(\w+)\}")

Phrase = str | tuple[str, str]  # one form, or (one, other)


@dataclass(frozen=True)
class Wording:
    """The phrases in force for one paper (or the meeting's packs)."""

    phrases: dict[str, Phrase]
    where: dict[str, Location] = field(default_factory=dict, compare=False, hash=False)

    def __call__(self, name: str, **values: object) -> str:
        """Return phrase *name* with its placeholders filled from *values*."""
        phrase = self.phrases[name]
        return fill(phrase if isinstance(phrase, str) else phrase[1], values)

    def count(self, name: str, count: int, **values: object) -> str:
        """Return phrase *name* in its form for *count* ("one" for 1, else "other"), filled."""
        phrase = self.phrases[name]
        text = phrase if isinstance(phrase, str) else phrase[0 if count == 1 else 1]
        return fill(text, {"count": count, **values})

    def for_templates(self) -> dict[str, dict[str, str]]:
        """Return the phrases without placeholders as a template reads them: ``w.report.report_by``."""
        tree: dict[str, dict[str, str]] = {}
        for name, phrase in self.phrases.items():
            group, _, key = name.partition(".")
            if isinstance(phrase, str) and not placeholders(phrase):
                tree.setdefault(group, {})[key.replace(".", "_")] = fill(phrase, {})
        return tree


def fill(text: str, values: dict[str, object]) -> str:
    """Return *text* with each ``{name}`` replaced by its value, in one pass; ``{{`` and ``}}`` are braces."""

    def one(match: re.Match) -> str:
        if match.group(1) is None:
            return match.group(0)[0]
        return str(values.get(match.group(1), match.group(0)))

    return PLACEHOLDER.sub(one, text)


def placeholders(text: Phrase) -> set[str]:
    """Return the placeholder names a phrase uses (in either form)."""
    forms = [text] if isinstance(text, str) else list(text)
    return {m.group(1) for form in forms for m in PLACEHOLDER.finditer(form) if m.group(1)}


def read_wording(paths: list[Path], problems: Problems, base: Wording | None = None) -> Wording:
    """Return *base* overridden by each wording file in *paths* that exists, in order.

    Without *base*, the first file is the catalogue and must exist.
    """
    wording = base
    for path in paths:
        if wording is None or path.is_file():
            wording = _read_file(path, problems, wording)
    assert wording is not None
    return wording


def _read_file(path: Path, problems: Problems, base: Wording | None) -> Wording:
    try:
        node = compose_file(path)
    except PlanError as exc:
        problems.items.extend(exc.problems)
        return base or Wording({})
    reader = Reader(path, problems)
    if not isinstance(node, MappingNode):
        reader.error(node, "wording: expected a set of `phrase: words` lines")
        return base or Wording({})
    phrases = dict(base.phrases) if base else {}
    where = dict(base.where) if base else {}
    for key_node, value_node in node.value:
        name = key_node.value if isinstance(key_node, ScalarNode) else ""
        phrase = _phrase(reader, name, value_node, base)
        if phrase is not None:
            phrases[name], where[name] = phrase, reader.loc(value_node)
    return Wording(phrases, where)


def _phrase(r: Reader, name: str, node: Node, base: Wording | None) -> Phrase | None:
    """Return one phrase read from *node*, checked against the catalogue *base* (None: this is it)."""
    if base is not None and name not in base.phrases:
        r.error(node, f"wording: unknown phrase '{name}'{did_you_mean(name, base.phrases)}")
        return None
    if isinstance(node, MappingNode):
        keys = r.mapping(node, f"wording: {name}", ("one", "other"), ("one", "other"))
        forms = tuple(r.string(keys[k], f"wording: {name}.{k}") for k in ("one", "other") if keys and k in keys)
        if len(forms) != 2 or None in forms:
            return None
        phrase: Phrase = (forms[0], forms[1])  # type: ignore[assignment]
        if base is not None and isinstance(base.phrases[name], str):
            r.error(node, f"wording: '{name}' has one form only: give it as text, not `one:` and `other:`")
            return None
    else:
        text = r.string(node, f"wording: {name}")
        if text is None:
            return None
        phrase = text
    if base is not None:
        unknown = sorted(placeholders(phrase) - placeholders(base.phrases[name]))
        if unknown:
            allowed = ", ".join(f"{{{p}}}" for p in sorted(placeholders(base.phrases[name]))) or "none"
            r.error(node, f"wording: '{name}' has no placeholder {{{unknown[0]}}} (it has: {allowed})")
            return None
    return phrase


@functools.cache
def shipped_wording() -> Wording:
    """Return boardpack's own wording (``templates/wording.yaml``), every phrase in it."""
    problems = Problems()
    wording = read_wording([TEMPLATES_DIR / WORDING_FILE], problems)
    problems.raise_if_any()
    return wording


def wording_markdown() -> str:
    """Return the table of every phrase for docs/wording.md: name, placeholders, forms, shipped words."""
    lines = ["| phrase | placeholders | counted | boardpack's words |", "|---|---|---|---|"]
    for name, phrase in shipped_wording().phrases.items():
        names = ", ".join(f"`{{{p}}}`" for p in sorted(placeholders(phrase))) or "–"
        words = phrase if isinstance(phrase, str) else f"one: {phrase[0]}<br>other: {phrase[1]}"
        lines.append(f"| `{name}` | {names} | {'yes' if not isinstance(phrase, str) else ''} | {words} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["--update"]:
        doc = Path(sys.argv[2])
        head, rest = doc.read_text(encoding="utf-8").split("<!-- wording:begin -->\n", 1)
        tail = rest.split("<!-- wording:end -->", 1)[1]
        doc.write_text(
            f"{head}<!-- wording:begin -->\n{wording_markdown()}<!-- wording:end -->{tail}", encoding="utf-8"
        )
    else:
        print(wording_markdown(), end="")
