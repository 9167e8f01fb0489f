"""The font of stamps on PDF pages ("Page N" on a pack, an attached appendix's number and marking): a
subset of Liberation Sans (or DejaVu Sans), embedded in the PDF.

Embedded fonts are required of an accessible PDF; fontTools (already a matplotlib dependency) cuts
the font down to the few characters a stamp uses and gives their widths. Given a *store* (the build
cache), a subset made once is kept there, keyed by the digest of everything it is made from (the
characters, the font file's bytes, fontTools' version, boardpack's code): a rebuild reads it back, the
same bytes, without importing fontTools or subsetting again.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

import pikepdf

from .util import code_digest

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


class FontStore(Protocol):
    """Where subset fonts are kept between builds (``pipeline.cache.Cache`` is one)."""

    def read(self, key: str, suffix: str) -> bytes | None: ...

    def write(self, key: str, suffix: str, data: bytes) -> None: ...


STORED = ".stampfont"  # a stored font: its StampFont fields but data as one JSON line, then data
_made: dict[tuple[str, bool], StampFont] = {}  # this process's fonts, by (characters, bold)


def stamp_font(text: str = STAMP_TEXT, bold: bool = False, store: FontStore | None = None) -> StampFont:
    """Return the stamp font, subset to the characters of *text* (by default those of "Page N").

    *bold*: Liberation Sans Bold, as LibreOffice prints a bold Arial (an appendix's page number).
    With a *store*, a font made before from the same inputs is read from it, and one made now kept in it.
    """
    text = stampable(text)
    font = _made.get((text, bold))
    if font is not None and store is None:
        return font
    path = _font_path(bold)
    key = _font_key(path, text, bold) if store is not None else ""
    stored = _loads(store.read(key, STORED) or b"") if store is not None else None
    font = font or stored or _subset(path, text)
    if store is not None and stored is None:  # kept, so that the next build finds it
        store.write(key, STORED, _dumps(font))
    _made[(text, bold)] = font
    return font


def _font_path(bold: bool) -> Path:
    """Return the font file stamps are cut from: Liberation Sans (Bold), else matplotlib's DejaVu Sans."""
    candidates = tuple(p.with_name(p.name.replace("Regular", "Bold")) for p in CANDIDATES) if bold else CANDIDATES
    found = next((p for p in candidates if p.is_file()), None)
    if found is not None:
        return found
    from matplotlib import get_data_path  # only when Liberation Sans is missing

    return Path(get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"  # matplotlib ships it


def _font_key(path: Path, text: str, bold: bool) -> str:
    """Return the digest of everything a subset depends on: its characters, the font, fontTools, boardpack."""
    import fontTools  # the package alone, for its version: cheap, unlike fontTools.subset

    what = [code_digest(), fontTools.version, text, bold, hashlib.sha256(path.read_bytes()).hexdigest()]
    return hashlib.sha256(json.dumps(what).encode()).hexdigest()


def _dumps(font: StampFont) -> bytes:
    fields = {name: value for name, value in asdict(font).items() if name != "data"}
    return json.dumps(fields, sort_keys=True).encode() + b"\n" + font.data


def _loads(stored: bytes) -> StampFont | None:
    """Return the font *stored* by ``_dumps``; None if it is not one (then it is made again)."""
    head, _, data = stored.partition(b"\n")
    try:
        fields = json.loads(head)
        return StampFont(
            name=str(fields["name"]),
            data=data,
            widths={str(c): int(w) for c, w in fields["widths"].items()},
            bbox=tuple(int(v) for v in fields["bbox"]),  # type: ignore[arg-type]
            ascent=int(fields["ascent"]),
            descent=int(fields["descent"]),
            cap_height=int(fields["cap_height"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _subset(path: Path, text: str) -> StampFont:
    """Cut the font at *path* down to the characters of *text*."""
    from fontTools import subset  # imported here: packs whose font is stored, or cached, need it not
    from fontTools.ttLib import TTFont

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
