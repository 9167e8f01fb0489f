"""Write the plan format's reference tables from the model, for docs/plan-format.md.

The model's field docstrings are the one source; ``python -m boardpack.plan.schema`` prints the tables
that docs/plan-format.md carries between its ``schema:begin`` and ``schema:end`` markers
(``python -m boardpack.plan.schema --update docs/plan-format.md`` rewrites them), and a test keeps the two equal.
"""

from __future__ import annotations

import sys
from dataclasses import MISSING, fields
from pathlib import Path

from .model import SCHEMA


def schema_markdown() -> str:
    """Return one Markdown table per model class: key, required, meaning."""
    out: list[str] = []
    for cls in SCHEMA:
        out += [f"#### {cls.__name__}", "", cls.__doc__ or "", "", "| key | required | meaning |", "|---|---|---|"]
        for f in fields(cls):
            if "doc" in f.metadata:
                required = "yes" if f.default is MISSING and f.default_factory is MISSING else "no"
                out.append(f"| `{f.name}` | {required} | {f.metadata['doc']} |")
        out.append("")
    return "\n".join(out)


def update_readme(readme: Path) -> None:
    """Replace the tables between the README's schema markers with the model's."""
    text = readme.read_text(encoding="utf-8")
    begin, end = "<!-- schema:begin -->\n", "<!-- schema:end -->"
    head, rest = text.split(begin, 1)
    readme.write_text(head + begin + schema_markdown() + end + rest.split(end, 1)[1], encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--update"]:
        update_readme(Path(sys.argv[2]))
    else:
        print(schema_markdown(), end="")
