"""Write the plan format's reference tables from the model, for the README.

The model's field docstrings are the one source; ``python -m boardpack.schema`` prints the tables
that the README carries between its ``schema:begin`` and ``schema:end`` markers, and a test keeps
the two equal.
"""

from __future__ import annotations

from dataclasses import MISSING, fields

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


if __name__ == "__main__":
    print(schema_markdown(), end="")
