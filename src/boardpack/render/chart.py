"""Draw an action plan's progress as a stacked bar chart (matplotlib), with its alt text.

A drawn chart is kept (``chart_bytes``) by a digest of what it draws and of the code that draws it, so
a rebuild whose status table is unchanged (a paragraph edit of the covering report) neither redraws
nor imports matplotlib.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import io
import json
import textwrap
import warnings
from pathlib import Path
from typing import Protocol

from ..plan.model import StatusTable
from ..plan.wording import Wording
from ..util import code_digest

FONT = ["Liberation Sans", "Arial", "DejaVu Sans"]


class Store(Protocol):
    """Where drawn charts are kept between builds: the build cache (``pipeline/cache.py``)."""

    def read(self, key: str, suffix: str) -> bytes | None: ...

    def write(self, key: str, suffix: str, data: bytes) -> None: ...


def chart_bytes(table: StatusTable, axis_label: str, store: Store | None = None, fmt: str = ".png") -> bytes:
    """Return *table*'s chart in format *fmt* (".png", ".svg"), from *store* when drawn before, else drawn
    in memory and kept there as drawn: no file of its own, which a process killed meanwhile would leave."""
    if store is None:
        return status_chart(table, fmt.lstrip("."), axis_label)
    key, suffix = chart_entry(table, axis_label, fmt)
    drawn = store.read(key, suffix)
    if drawn is None:
        drawn = status_chart(table, fmt.lstrip("."), axis_label)
        store.write(key, suffix, drawn)
    return drawn


def chart_entry(table: StatusTable, axis_label: str, fmt: str = ".png") -> tuple[str, str]:
    """Return the key and suffix *table*'s chart in format *fmt* is kept under in a ``Store``."""
    return chart_key(table, axis_label, fmt), f".chart{fmt}"


def chart_key(table: StatusTable, axis_label: str, fmt: str) -> str:
    """Return a digest of everything ``draw_status_chart`` draws from (the themes, counts, statuses and
    their colours, the axis label, the format), of boardpack's code and of matplotlib's version (read
    from its installed metadata: importing it costs a second, which a chart in the cache never pays)."""
    drawn = {
        "rows": [[row.theme, list(row.counts)] for row in table.rows],
        "statuses": [[status.name, status.fill] for status in table.statuses],
        "axis": axis_label,
        "format": fmt,
        "matplotlib": _matplotlib_version(),
        "code": code_digest(),
    }
    return hashlib.sha256(json.dumps(drawn, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


@functools.cache
def _matplotlib_version() -> str:
    return importlib.metadata.version("matplotlib")


def draw_status_chart(table: StatusTable, out: Path, axis_label: str = "Number of actions") -> Path:
    """Draw *table* as horizontal bars, one per theme, stacked by status in RAG colours; return *out*.

    The format is *out*'s suffix: .png for a paper, .svg to read the words back.
    """
    out.write_bytes(status_chart(table, out.suffix.lstrip(".") or "png", axis_label))
    return out


def status_chart(table: StatusTable, fmt: str = "png", axis_label: str = "Number of actions") -> bytes:
    """Return *table*'s chart (as ``draw_status_chart`` draws it) in *fmt*, "png" or "svg", drawn in memory:
    no file of its own to be left behind by a process killed while drawing."""
    import matplotlib  # imported here: a third of a second that only a redrawn chart should pay

    matplotlib.use("Agg")  # no screen: draw to files only
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": FONT,
            "font.size": 9,
            "svg.hashsalt": "bp",
            "svg.fonttype": "none",  # an SVG keeps its words as text
            "text.parse_math": False,  # plan text prints as typed: "$5m and $3m" is not mathematics
            "text.usetex": False,
        }
    )
    themes = [_label(row.theme, 28, 3) for row in table.rows][::-1]
    fig, ax = plt.subplots(figsize=(6.3, 0.55 * len(themes) + 1.1), dpi=200)
    rows = range(len(themes))  # by position: two themes that read alike once shortened stay two bars
    left = [0] * len(themes)
    for i, status in enumerate(table.statuses):
        counts = [row.counts[i] for row in table.rows][::-1]
        bars = ax.barh(rows, counts, left=left, color=f"#{status.fill}", edgecolor="black", linewidth=0.5)
        ax.bar_label(bars, labels=[str(c) if c else "" for c in counts], label_type="center", fontsize=8)
        left = [a + b for a, b in zip(left, counts, strict=True)]
        bars.set_label(_label(status.name, 40, 1))
    ax.set_yticks(rows, labels=themes)
    ax.set_xlabel(_label(axis_label, 80, 1))
    ax.spines[["top", "right"]].set_visible(False)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="upper center", bbox_to_anchor=(0.4, -0.28), ncol=len(table.statuses), frameon=False, fontsize=8)
    with warnings.catch_warnings():  # labels too wide for any layout are drawn as they fall, not warned of
        warnings.simplefilter("ignore", UserWarning)
        fig.tight_layout()
    # tight_layout leaves a placeholder layout engine behind, and savefig draws the whole figure twice for
    # any engine (a dry run to lay it out): laid out already, the chart is drawn once, the same pixels.
    fig.set_layout_engine(None)
    drawn = io.BytesIO()
    fig.savefig(drawn, format=fmt, metadata={"Software": None} if fmt == "png" else {"Date": None})
    plt.close(fig)
    return drawn.getvalue()


def _label(text: str, width: int, lines: int) -> str:
    """Return *text* wrapped at *width* on at most *lines* lines, shortened with "…" beyond: the chart is a
    picture of the numbers, and the table and the alternative text beside it give every word."""
    return textwrap.fill(text, width, max_lines=lines, placeholder=" …")


def alt_text(table: StatusTable, wording: Wording) -> str:
    """Return the chart's alternative text: every number it shows, in words."""
    names = [s.name for s in table.statuses]

    def counts(row) -> str:
        return ", ".join(f"{n} {name}" for n, name in zip(row.counts, names, strict=True))

    rows = "; ".join(f"{row.theme}: {counts(row)}" for row in table.rows)
    return wording("report.chart_alt", total=table.totals.total, rows=rows, totals=counts(table.totals))
