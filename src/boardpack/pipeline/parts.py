"""Join a long appendix's parts (``appendix/parts.py``) into its PDF, numbered as LibreOffice numbers it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pikepdf
from docx import Document
from docx.enum.text import WD_TAB_ALIGNMENT

from ..pack.assemble import Assembler, NumberPlace, join
from ..stampfont import FontStore
from .normalize import described

# LibreOffice puts a footer line's baseline this many font sizes above the footer distance (measured:
# 32.1 pt for the appendix template's 10 pt footer, 28.35 pt from the page's foot).
BASELINE_ABOVE_FOOTER = 0.375


_PLACES: dict[tuple[str, int, int], NumberPlace] = {}  # by path, size and modification time


def page_number_place(docx: Path) -> NumberPlace:
    """Return where the footer of *docx* prints its PAGE field: right-aligned at the footer style's
    last right tab stop (else the right margin), in the style's size and weight.

    Read once a file (by its path, size and modification time): a build asks it of a long appendix's
    .docx while LibreOffice converts, as the appendix is joined and as its packs are planned, and
    python-docx reads the whole 1,000-row document each time (0.1-0.2 s).
    """
    stat = docx.stat()
    key = (str(docx), stat.st_size, stat.st_mtime_ns)
    if key not in _PLACES:
        _PLACES[key] = _page_number_place(docx)
    return _PLACES[key]


def _page_number_place(docx: Path) -> NumberPlace:
    document = Document(str(docx))
    section = document.sections[-1]
    style = document.styles["Footer"] if "Footer" in [s.name for s in document.styles] else None
    size = style.font.size.pt if style is not None and style.font.size else 11.0
    bold = bool(style is not None and style.font.bold)
    tabs = [t for t in style.paragraph_format.tab_stops if t.alignment == WD_TAB_ALIGNMENT.RIGHT] if style else []
    width = section.page_width - section.left_margin - section.right_margin
    right = section.left_margin.pt + (tabs[-1].position.pt if tabs else width.pt)
    baseline = section.footer_distance.pt + BASELINE_ABOVE_FOOTER * size
    return NumberPlace(round(right, 2), round(baseline, 2), size, bold)


def join_appendix(
    pdfs: list[Path],
    out: Path,
    whole: Path,
    day: dt.date,
    fonts: FontStore | None = None,
    begun: Assembler | None = None,
) -> Path:
    """Join the converted parts *pdfs* of the appendix whose whole .docx is *whole* into *out* (the page
    numbers' font kept in *fonts*; the parts already final copied into *begun*, if given, while
    LibreOffice converted the others)."""
    with pikepdf.open(pdfs[0]) as first:
        about = described(first, day, ua=True)  # join claims PDF/UA only if every part does
    join(pdfs, out, about, page_number_place(whole), fonts, begun)
    return out
