"""The status chart as inline SVG: the same matplotlib drawing as the paper's, with the same words."""

from __future__ import annotations

import hashlib
import html
import importlib.metadata
import re
from pathlib import Path
from typing import Protocol

from ..plan.model import StatusTable
from ..render import chart
from ..render.chart import status_chart

SUFFIX = ".site-chart.svg"


class Store(Protocol):
    """Where drawn charts are kept between builds: the build cache."""

    def read(self, key: str, suffix: str) -> bytes | None: ...

    def write(self, key: str, suffix: str, data: bytes) -> None: ...


HEAD = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
IDS = re.compile(r'(\bid="|url\(#|xlink:href="#|href="#)([^"()]+)')
OPEN = re.compile(r"<svg\b([^>]*)>")


def chart_svg(table: StatusTable, axis: str, cache: Store | None = None) -> str:
    """Return *table*'s chart as SVG markup (no XML prologue), from the build cache when drawn before."""
    key = _key(table, axis)
    cached = cache.read(key, SUFFIX) if cache else None
    if cached is not None:
        return cached.decode("utf-8")
    svg = status_chart(table, "svg", axis).decode("utf-8")  # in memory: drawn in the public side's child too
    svg = METADATA.sub("", HEAD.sub("", svg))
    if cache:
        cache.write(key, SUFFIX, svg.encode("utf-8"))
    return svg


def inline(svg: str, prefix: str, alt: str) -> str:
    """Return *svg* ready to sit in a page: ids prefixed (two charts on a page never share one), a picture
    with *alt* as its title and description."""
    svg = IDS.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)
    text = html.escape(alt)
    label = f'<title id="{prefix}-title">{text}</title><desc id="{prefix}-desc">{text}</desc>'
    attrs = f' role="img" aria-labelledby="{prefix}-title" aria-describedby="{prefix}-desc" class="chart"'
    return OPEN.sub(lambda m: f"<svg{_sized(m.group(1))}{attrs}>{label}", svg, count=1)


def _key(table: StatusTable, axis: str) -> str:
    """Return a digest of what the chart draws, and of the code that draws it (matplotlib's version is read
    from its installed metadata: importing it costs half a second, and a chart in the cache needs none of it)."""
    statuses = [(s.name, s.fill) for s in table.statuses]
    drawn = repr((table.title, statuses, table.rows, table.totals, axis, importlib.metadata.version("matplotlib")))
    code = Path(chart.__file__).read_bytes() + Path(__file__).read_bytes()
    return hashlib.sha256(drawn.encode("utf-8") + code).hexdigest()


def _sized(attrs: str) -> str:
    """Drop matplotlib's fixed width and height: the viewBox scales the chart to its column."""
    return re.sub(r'\s(?:width|height)="[^"]*"', "", attrs)
