"""The font of stamps on PDF pages ("Page N" on a pack, an attached appendix's number and marking): a
subset of Liberation Sans (or DejaVu Sans), embedded in the PDF.

Embedded fonts are required of an accessible PDF; fontTools (already a matplotlib dependency) cuts
the font down to the few characters a stamp uses and gives their widths.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pikepdf

STAMP_TEXT = "Page 0123456789"
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # "FFTM NOT subset" is harmless
CANDIDATES = (
    Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
    Path("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf"),
)


@dataclass(frozen=True)
class StampFont:
    """A subset TrueType font and the widths (in 1/1000 em) of its characters."""

    name: str
    data: bytes
    widths: dict[str, int]
    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int
    cap_height: int

    def width(self, text: str, size: float) -> float:
        """Return the width of *text* at *size* points."""
        return sum(self.widths.get(c, 500) for c in text) * size / 1000

    def to_pdf(self, pdf: pikepdf.Pdf) -> pikepdf.Object:
        """Return an indirect /Font dictionary embedding this font in *pdf* (WinAnsi, printable ASCII)."""
        first, last = 32, 126
        widths = [self.widths.get(chr(code), 0) for code in range(first, last + 1)]
        font_file = pikepdf.Stream(pdf, self.data)
        font_file.Length1 = len(self.data)
        descriptor = pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor,
            FontName=pikepdf.Name("/" + self.name),
            Flags=32,
            FontBBox=list(self.bbox),
            ItalicAngle=0,
            Ascent=self.ascent,
            Descent=self.descent,
            CapHeight=self.cap_height,
            StemV=80,
            FontFile2=pdf.make_indirect(font_file),
        )
        font = pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.TrueType,
            BaseFont=pikepdf.Name("/" + self.name),
            FirstChar=first,
            LastChar=last,
            Widths=widths,
            Encoding=pikepdf.Name.WinAnsiEncoding,
            FontDescriptor=pdf.make_indirect(descriptor),
        )
        return pdf.make_indirect(font)


def pdf_string(text: str) -> str:
    """Return *text* as it goes between the parentheses of a PDF string: stampable, ``\\ ( )`` escaped."""
    return stampable(text).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def stampable(text: str) -> str:
    """Return *text* with every character a stamp cannot print (beyond printable ASCII) as "?"."""
    return "".join(c if " " <= c <= "~" else "?" for c in text)


@cache
def stamp_font(text: str = STAMP_TEXT, bold: bool = False) -> StampFont:
    """Return the stamp font, subset to the characters of *text* (by default those of "Page N").

    *bold*: Liberation Sans Bold, as LibreOffice prints a bold Arial (an appendix's page number).
    """
    text = stampable(text)
    from fontTools import subset  # imported here, with matplotlib: packs made from the cache need neither
    from fontTools.ttLib import TTFont
    from matplotlib import get_data_path

    fallback = Path(get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"  # matplotlib ships it
    candidates = tuple(p.with_name(p.name.replace("Regular", "Bold")) for p in CANDIDATES) if bold else CANDIDATES
    path = next(p for p in (*candidates, fallback) if p.is_file())
    font = TTFont(path, recalcTimestamp=False)  # a wall-clock "modified" would make every pack differ
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    scale = 1000 / font["head"].unitsPerEm
    cmap = font.getBestCmap()
    widths = {c: round(font["hmtx"][cmap[ord(c)]][0] * scale) for c in set(text) if ord(c) in cmap}
    head, hhea = font["head"], font["hhea"]
    bbox = tuple(round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax))
    cap = getattr(font["OS/2"], "sCapHeight", 0) or hhea.ascent
    out = io.BytesIO()
    font.save(out)
    base = font["name"].getDebugName(6) or path.stem
    return StampFont(
        name=f"BPSTMP+{base}",
        data=out.getvalue(),
        widths=widths,
        bbox=bbox,  # type: ignore[arg-type]
        ascent=round(hhea.ascent * scale),
        descent=round(hhea.descent * scale),
        cap_height=round(cap * scale),
    )


def add_font(page: pikepdf.Page, key: str, font_ref: pikepdf.Object) -> None:
    """Make *font_ref* available to *page*'s content as *key* (e.g. ``/BPStamp``)."""
    resources = page.obj.get("/Resources")
    if resources is None:
        page.obj.Resources = resources = pikepdf.Dictionary()
    if "/Font" not in resources:
        resources.Font = pikepdf.Dictionary()
    resources.Font[key] = font_ref
