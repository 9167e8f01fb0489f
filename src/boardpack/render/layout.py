"""Fit a rendered table's columns to what is in them, as a reader would size them by hand.

Every column gets at least the width of its longest unbreakable word (words are split on spaces
only, so a reference such as ``IAR-2017-02`` is one word), and the width is shared out in
proportion to each column's text, no column getting more than its longest line needs while another
can use the room; a column of short entries (a date, a status, a list of two references) is first
given room for its longest. Widths are
estimated from the metrics of Liberation Sans (metric-compatible with Arial, and the font
LibreOffice sets Arial in); without it, from an average character width.

References (``CIP-01``, ``SEP17-A01``, ``IAR-2017-02``) get non-breaking hyphens, so that a list of
them wraps between references, never inside one ("DEL-" / "07").
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Length
from docx.text.font import Font

FONT_DIR = Path("/usr/share/fonts/truetype/liberation")
FONT_FILES = {False: "LiberationSans-Regular.ttf", True: "LiberationSans-Bold.ttf"}
AVERAGE_EM = {False: 0.55, True: 0.6}  # an average character's width, in ems, when the font is missing
DEFAULT_SIZE_PT = 9.0
CELL_PADDING = 2 * 108 + 40  # twips: the Table Grid style's left and right cell margins, and a little slack
SHORT = 2.5  # a column whose longest entry is at most this many times its longest word holds short entries
SAFETY = 1.04  # LibreOffice's justification and rounding: never fit a word to the last twip
W_P, W_R, W_HYPERLINK, W_TR, W_TC = qn("w:p"), qn("w:r"), qn("w:hyperlink"), qn("w:tr"), qn("w:tc")
W_PPR, W_PSTYLE, W_RPR = qn("w:pPr"), qn("w:pStyle"), qn("w:rPr")
W_TCPR, W_TCW, W_GRIDSPAN, W_W, W_TYPE = qn("w:tcPr"), qn("w:tcW"), qn("w:gridSpan"), qn("w:w"), qn("w:type")
W_NO_BREAK_HYPHEN = qn("w:noBreakHyphen")
RUN_TEXT = frozenset(qn(f"w:{tag}") for tag in ("br", "cr", "noBreakHyphen", "ptab", "t", "tab"))
REF = re.compile(r"(?<![\w-])[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+(?![\w-])")


def fit_document_tables(document, adjust: Callable[[list[int]], list[int]] | None = None) -> None:
    """Fit every table of *document* (python-docx) to the text width of its first section; *adjust*, if
    given, changes the fitted widths (twips) before they are set (``appendix.parts.snap_widths``)."""
    section = document.sections[0]
    width = Length(section.page_width - section.left_margin - section.right_margin).twips
    for table in document.tables:
        keep_refs_whole(table)
        keep_rows_together(table)
        fit_columns(table, width, adjust=adjust)


def keep_rows_together(table) -> None:
    """Keep a table's header, its group rows (one cell across the table) and its last two rows each with
    the row after, so no page ends on a header or group row and no table ends with one row alone."""
    rows = table._tbl.tr_lst
    count = len(table._tbl.tblGrid.findall(qn("w:gridCol")))
    for n, tr in enumerate(rows[:-1]):
        header = tr.trPr is not None and tr.trPr.find(qn("w:tblHeader")) is not None
        group = len(tr.tc_lst) == 1 and count > 1
        if header or group or n == len(rows) - 2:
            for p in tr.iter(qn("w:p")):
                p.get_or_add_pPr().keepNext_val = True


def fit_columns(
    table,
    total_width_twips: int,
    min_widths: Sequence[int | None] | None = None,
    adjust: Callable[[list[int]], list[int]] | None = None,
) -> list[int]:
    """Size the columns of *table* (python-docx) to share *total_width_twips*; return the widths.

    *min_widths* (twips, one per column, None for no minimum) raises a column's least width. Cells
    that span columns are not measured. Sets the table grid and every cell's width, as LibreOffice
    lays a fixed table out by them: the widths *adjust* (if given) makes of the fitted ones, set once.
    """
    columns = _measure(table)
    least = [
        max(c.least, (min_widths[i] if min_widths and i < len(min_widths) else None) or 0)
        for i, c in enumerate(columns)
    ]
    most = [max(c.most, low) for c, low in zip(columns, least, strict=True)]
    widths = _share(total_width_twips, least, most, [c.text for c in columns])
    if adjust is not None:
        widths = adjust(widths)
    set_widths(table, widths)
    return widths


def keep_refs_whole(table) -> None:
    """Replace the hyphens of references in *table*'s text by non-breaking hyphens (``w:noBreakHyphen``).

    LibreOffice prints one as a hyphen, and the PDF's text reads it as one: "IAR-2017-02".
    """
    for t in table._tbl.xpath(".//w:t[contains(text(), '-')]"):  # no hyphen, no reference: most text, left alone
        text = t.text or ""
        cuts = [m.start() + i for m in REF.finditer(text) for i, ch in enumerate(m.group(0)) if ch == "-"]
        if not cuts:
            continue
        pieces = [text[start + 1 : end] for start, end in zip([-1, *cuts], [*cuts, len(text)], strict=True)]
        run, at = t.getparent(), t.getparent().index(t)
        run.remove(t)
        for n, piece in enumerate(pieces):
            if n:
                run.insert(at, run.makeelement(W_NO_BREAK_HYPHEN, {}))
                at += 1
            if piece:
                new = copy.deepcopy(t)
                new.text = piece
                new.set(qn("xml:space"), "preserve")
                run.insert(at, new)
                at += 1


class _Column:
    """What one column holds: its longest word and longest line (twips) and all its text."""

    def __init__(self) -> None:
        self.least = self.most = self.text = 0

    def add(self, text: str, bold: bool, size_pt: float) -> None:
        words = [_word_width(w, bold, size_pt) for w in text.split(" ") if w]
        if not words:
            return
        space = _word_width(" ", bold, size_pt)
        line = sum(words) + space * (len(words) - 1)
        self.least = max(self.least, round(max(words) * SAFETY) + CELL_PADDING)
        self.most = max(self.most, round(line * SAFETY) + CELL_PADDING)
        self.text += line


def _measure(table) -> list[_Column]:
    count = len(table._tbl.tblGrid.findall(qn("w:gridCol")))
    columns = [_Column() for _ in range(count)]
    fonts = _StyleFonts(table.part)
    for tc, at, span in _cells(table._tbl):
        if span == 1 and at < count:
            for p in tc.iter(W_P):
                _add_paragraph(columns[at], p, fonts)
    return columns


def _cells(tbl):
    """Each cell of *tbl* (lxml) with the first column it is in and how many it spans, row by row."""
    for tr in tbl.iterchildren(W_TR):
        at = 0
        for tc in tr.iterchildren(W_TC):
            span = 1
            for pr in tc.iterchildren(W_TCPR):  # inlined: this runs for every cell of a 2,000-row table
                for grid_span in pr.iterchildren(W_GRIDSPAN):
                    span = grid_span.val
                    break
                break
            yield tc, at, span
            at += span


def _child(element, tag: str):
    """The first child of *element* (None for none) with *tag*: ``find``, faster for elements of few children."""
    if element is not None:
        for child in element:
            if child.tag == tag:
                return child
    return None


def _add_paragraph(column: _Column, p, fonts: _StyleFonts) -> None:
    """Measure paragraph *p* (lxml) as python-docx reads it: its style's font, its runs' bold and size, its text."""
    style_id, formatted, text = _read_paragraph(p)
    bold, size = fonts(style_id)
    runs = [Font(r) for r in formatted]  # a run without properties is neither bold nor sized
    bold = bold or any(r.bold for r in runs)
    size = next((r.size.pt for r in runs if r.size is not None), size)
    for line in text.replace("\t", " ").split("\n"):
        column.add(line, bold, size)


def _read_paragraph(p) -> tuple[str | None, list, str]:
    """Paragraph *p*'s style id, its runs that have properties (``w:rPr``) and its text, as python-docx's
    ``Paragraph`` reads them (``style``, ``runs``, ``text``), in one pass over its children."""
    pPr, formatted, texts = None, [], []
    for e in p:
        tag = e.tag
        if tag == W_R:
            has_properties, text = _read_run(e)
            if has_properties:
                formatted.append(e)
            texts.append(text)
        elif tag == W_HYPERLINK:
            texts.append(e.text)
        elif tag == W_PPR and pPr is None:
            pPr = e
    style = _child(pPr, W_PSTYLE)
    return (None if style is None else style.val), formatted, "".join(texts)


def _read_run(r) -> tuple[bool, str]:
    """Whether run *r* has properties (``w:rPr``), and its text as python-docx's ``CT_R.text`` reads it."""
    formatted, texts = False, []
    for e in r:
        tag = e.tag
        if tag in RUN_TEXT:
            texts.append(str(e))
        elif tag == W_RPR:
            formatted = True
    return formatted, "".join(texts)


class _StyleFonts:
    """The bold and size of each paragraph style of a document part, looked up once per style."""

    def __init__(self, part) -> None:
        self.part = part
        self.known: dict[str | None, tuple[bool, float]] = {}

    def __call__(self, style_id: str | None) -> tuple[bool, float]:
        if style_id not in self.known:
            self.known[style_id] = _style_font(self.part.get_style(style_id, WD_STYLE_TYPE.PARAGRAPH))
        return self.known[style_id]


def _style_font(style) -> tuple[bool, float]:
    """The bold and size a paragraph style gives, following its base styles."""
    bold, size = None, None
    while style is not None and (bold is None or size is None):
        bold = style.font.bold if bold is None else bold
        size = style.font.size.pt if size is None and style.font.size is not None else size
        style = style.base_style
    return bool(bold), size or DEFAULT_SIZE_PT


def _share(total: int, least: list[int], most: list[int], text: list[float]) -> list[int]:
    """Give each column at least its longest word, and the page width in proportion to the text."""
    if sum(least) >= total or not least:  # too many columns to fit their words: shrink all alike
        scale = total / max(sum(least), 1)
        return _round_to(total, [w * scale for w in least])
    widths: dict[int, float] = {}
    # A column of short entries (dates, statuses, references) is worth keeping on one line: give it
    # its longest entry, cheapest first, from at most a third of the spare width.
    budget = (total - sum(least)) / 3
    for i in sorted((i for i in range(len(least)) if most[i] <= SHORT * least[i]), key=lambda i: most[i] - least[i]):
        if most[i] - least[i] > budget:
            break
        budget -= most[i] - least[i]
        widths[i] = float(most[i])
    _by_text(total, least, most, text, widths)
    out = [widths[i] for i in range(len(least))]
    spare = total - sum(out)  # every column has its longest line: widen all in proportion to their text
    return _round_to(
        total, [w + spare * max(t, 1.0) / sum(max(t, 1.0) for t in text) for w, t in zip(out, text, strict=True)]
    )


def _by_text(total: int, least: list[int], most: list[int], text: list[float], widths: dict[int, float]) -> None:
    """Share what *widths* leaves of *total* among the other columns in proportion to their text,
    none narrower than its least or wider than its most: what is left when all have their most is
    spread over every column by ``_share``, so no one column takes the whole page's spare width."""
    while len(widths) < len(least):
        free = [i for i in range(len(least)) if i not in widths]
        room = total - sum(widths.values())
        weight = sum(max(text[i], 1.0) for i in free)
        target = {i: room * max(text[i], 1.0) / weight for i in free}
        narrow = [i for i in free if target[i] < least[i]]
        wide = [i for i in free if target[i] > max(most[i], least[i])]
        if not narrow and not wide:
            widths.update(target)
            return
        for i in narrow or wide:
            widths[i] = float(least[i] if narrow else most[i])


def _round_to(total: int, widths: list[float]) -> list[int]:
    """Whole twips that add up to *total*."""
    out = [int(w) for w in widths]
    for i in sorted(range(len(out)), key=lambda i: out[i] - widths[i])[: total - sum(out)]:
        out[i] += 1
    return out


def set_widths(table, widths: list[int]) -> None:
    tbl = table._tbl
    grid = tbl.tblGrid
    for col in list(grid):
        grid.remove(col)
    for width in widths:
        grid.append(parse_xml(f'<w:gridCol {nsdecls("w")} w:w="{width}"/>'))
    tbl_w = tbl.tblPr.find(qn("w:tblW"))
    if tbl_w is not None:
        tbl_w.set(qn("w:type"), "dxa")
        tbl_w.set(qn("w:w"), str(sum(widths)))
    for tc, at, span in _cells(tbl):
        tcW = _child(_child(tc, W_TCPR), W_TCW)
        if tcW is None:
            tcW = tc.get_or_add_tcPr().get_or_add_tcW()
        tcW.set(W_W, str(sum(widths[at : at + span])))
        tcW.set(W_TYPE, "dxa")


@functools.cache
def _advances(bold: bool) -> tuple[dict[int, int], int] | None:
    """Advance widths by code point, and units per em, of Liberation Sans (bold or regular)."""
    try:
        from fontTools.ttLib import TTFont

        with TTFont(FONT_DIR / FONT_FILES[bold]) as font:
            cmap, hmtx = font.getBestCmap(), font["hmtx"]
            return {code: hmtx[glyph][0] for code, glyph in cmap.items()}, font["head"].unitsPerEm
    except Exception:  # noqa: BLE001 - no font file, or not a font: fall back on an average
        return None


def text_width(text: str, bold: bool = False, size_pt: float = DEFAULT_SIZE_PT) -> float:
    """Return the width of *text* in Arial (Liberation Sans) at *size_pt*, in twips."""
    metrics = _advances(bold)
    if metrics is None:
        return len(text) * AVERAGE_EM[bold] * size_pt * 20
    advances, per_em = metrics
    fallback = AVERAGE_EM[bold] * per_em
    return sum(advances.get(ord(ch), fallback) for ch in text) * size_pt * 20 / per_em


@functools.lru_cache(maxsize=1 << 16)
def _word_width(word: str, bold: bool, size_pt: float) -> float:
    """``text_width`` of one word, remembered: a long appendix repeats its words thousands of times."""
    return text_width(word, bold, size_pt)
