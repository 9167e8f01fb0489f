"""A long actions appendix in parts: fixed runs of table rows, each a .docx of its own, each on new pages.

One LibreOffice conversion of a 2,000-action appendix takes half a minute on one core; cut into
parts, the parts convert side by side, and a status change re-converts only the part holding the
action. So that the joined parts look and read exactly like one conversion of the whole, the whole
.docx is cut the same way: every long table is split into tables of at most ``rows_per_part`` body
rows, each new table repeats the header rows and starts on a new page (``w:pageBreakBefore`` on its
first paragraph), and part *k* is the whole document's body from the *k*-th cut to the next.

A cut falls between two body rows, never right after a row kept with the next one (a theme's group
row): that row moves to the new part with its first action, as a page break would carry it. A theme
continued across a cut reads as one continued across a page in one conversion: its rows go on under
the repeated header, with no second group row.

Page numbers: a part converted alone counts from 1, so the parts are rendered without the footer's
PAGE field and the joined PDF is stamped (``pack/assemble.py``), at the place, in the font and size
LibreOffice prints the field (:func:`page_number_place`).
"""

from __future__ import annotations

import copy
import hashlib
import os
from dataclasses import dataclass

from docx.oxml.ns import qn
from lxml import etree

ROWS_PER_PART = 150  # body rows: ~15 landscape pages, ~3 s of LibreOffice; see docs/plan-format.md
WIDTH_STEP = 120  # twips (2 mm): the step a long appendix's fitted column widths are rounded to
THRESHOLD_ENV = "BOARDPACK_APPENDIX_PART_ROWS"  # read by the CLI and tests: fewer rows, more parts


def rows_per_part(value: int | None = None) -> int:
    """Return the rows of a part: *value*, else the environment's override, else ``ROWS_PER_PART``."""
    if value:
        return value
    return int(os.environ.get(THRESHOLD_ENV, "") or ROWS_PER_PART)


def _is_header(row) -> bool:
    pr = row.find(qn("w:trPr"))
    return pr is not None and pr.find(qn("w:tblHeader")) is not None


def _keeps_with_next(row) -> bool:
    """Whether *row* (a theme's group row) is kept with the row after it."""
    return any(p.find(qn("w:pPr") + "/" + qn("w:keepNext")) is not None for p in row.iter(qn("w:p")))


def _cuts(rows: list, bounds: list[int], seen: int) -> tuple[list[int], int]:
    """Return where to cut *rows* (indexes into them): before the body row that makes *seen*, the body
    rows before it in the document, reach the next of *bounds* (consumed); and *seen* after *rows*."""
    cuts = []
    for index, row in enumerate(rows):
        if _is_header(row):
            continue
        if bounds and seen >= bounds[0]:
            bounds.pop(0)
            at = index - 1 if index > 0 and _keeps_with_next(rows[index - 1]) else index
            if at > 0 and not _is_header(rows[at - 1]) and (not cuts or at > cuts[-1]):
                cuts.append(at)
        seen += 1
    return cuts, seen


def _split_table(table, cuts: list[int]) -> list:
    """Split *table* at the row indexes *cuts*; return, per new table, the page break put before it."""
    rows = table.findall(qn("w:tr"))
    head = [r for r in rows if _is_header(r)]
    shell = [c for c in table if c.tag != qn("w:tr")]  # tblPr, tblGrid
    breaks = []
    anchor = table
    for start, end in zip(cuts, cuts[1:] + [len(rows)], strict=True):
        new = table.makeelement(table.tag, table.attrib)
        new.extend(copy.deepcopy(c) for c in shell + head)
        new.extend(rows[start:end])  # moved out of *table*
        brk = _page_break(table)
        anchor.addnext(brk)
        brk.addnext(new)
        anchor = new
        breaks.append(brk)
    return breaks


def _page_break(table):
    """Return the paragraph that starts a part: a page break, one point high, and nothing else.

    Tables that touch are one table to Word and LibreOffice (no break between them holds), so a
    paragraph must stand between them; it starts each part in its own .docx as well (where a break
    before the first paragraph does nothing), so both forms lay the part out alike.
    """
    w = lambda name, **attrs: table.makeelement(qn(f"w:{name}"), {qn(f"w:{k}"): v for k, v in attrs.items()})  # noqa: E731
    p, ppr, rpr = w("p"), w("pPr"), w("rPr")
    ppr.append(w("pageBreakBefore"))
    ppr.append(w("spacing", before="0", after="0", line="20", lineRule="exact"))
    rpr.append(w("sz", val="2"))
    ppr.append(rpr)
    p.append(ppr)
    return p


@dataclass(frozen=True)
class Cut:
    """The whole document's body cut into parts: the top-level elements each part begins with."""

    starts: tuple  # part 0 begins with the body's first element

    @property
    def count(self) -> int:
        """Return the number of parts."""
        return len(self.starts)


def cut_body(body, limit: int) -> Cut:
    """Split the long tables of *body* (a ``w:body``) into runs of *limit* body rows; return the cut.

    Only tables are cut; a document with fewer than *limit* rows in all is one part, left unchanged.
    """
    tables = list(body.iterchildren(qn("w:tbl")))
    total = sum(not _is_header(r) for t in tables for r in t.iterchildren(qn("w:tr")))
    parts = max(-(-total // limit), 1)
    bounds = [round(k * total / parts) for k in range(1, parts)]  # balanced: 301 rows by 150 are 100, 101, 100
    starts = [body[0]]
    seen = 0
    for table in tables:
        cuts, seen = _cuts(table.findall(qn("w:tr")), bounds, seen)
        if cuts:
            starts += _split_table(table, cuts)
    return Cut(tuple(starts))


def part_body(body, cut: Cut, index: int):
    """Return a copy of *body* holding only part *index* of *cut* (and the section properties), in a
    copy of the whole document when *body* has one (its parent, ``w:document``).

    The copy is made in one deep copy and cut down by position, never built and moved into the
    document: lxml reconciles the namespaces of every node moved between trees, which took seconds
    per part of a 500-action appendix; this takes milliseconds.
    """
    children = list(body)
    begin = children.index(cut.starts[index])
    end = children.index(cut.starts[index + 1]) if index + 1 < cut.count else len(children)
    parent = body.getparent()
    whole = copy.deepcopy(parent if parent is not None else body)
    new = whole if parent is None else whole[parent.index(body)]
    last = len(children) - (1 if children and children[-1].tag == qn("w:sectPr") else 0)
    del new[end:last]  # what follows the part, but the section properties
    del new[:begin]  # what comes before it
    return new


def shell(document):
    """Return a copy of *document* (a ``w:document``) whose body holds only its section properties, or
    None when its body declares namespaces of its own (a copy could not say the same of it).

    With the body's elements, it is everything a part's document.xml holds: ``part_digests`` keys each
    part by the package saved with it and by the elements the part prints, without copying the body.
    """
    body = document.find(qn("w:body"))
    if body is None or body.nsmap != document.nsmap:
        return None
    new = document.makeelement(document.tag, document.attrib, nsmap=document.nsmap)
    new.text = document.text
    for child in document:
        if child is not body:
            new.append(copy.deepcopy(child))
            continue
        inner = new.makeelement(body.tag, body.attrib)
        inner.text, inner.tail = body.text, body.tail
        if len(body) and body[-1].tag == qn("w:sectPr"):
            inner.append(copy.deepcopy(body[-1]))
        new.append(inner)
    return new


def part_digests(body, cut: Cut, package: bytes) -> list[str]:
    """Return, per part of *cut*, a digest of what its .docx holds: *package* (a digest of the document
    saved with its ``shell`` for a body) and the serialised elements of the body the part keeps."""
    children = list(body)
    last = len(children) - (1 if children and children[-1].tag == qn("w:sectPr") else 0)
    bounds = [children.index(start) for start in cut.starts] + [last]
    digests = []
    for begin, end in zip(bounds, bounds[1:], strict=False):
        digest = hashlib.sha256(package)
        for child in children[begin:end]:
            xml = etree.tostring(child, encoding="utf-8")  # with its tail: the part prints it as it is
            digest.update(len(xml).to_bytes(8, "big") + xml)
        digests.append(digest.hexdigest())
    return digests


def snap_widths(widths: list[int]) -> list[int]:
    """Return *widths* (twips) on steps of ``WIDTH_STEP``, the widest taking what rounding left, same total.

    Columns fitted to all the rows move by a twip or two when one row's text changes; every part of
    the table would then differ, and convert again. On steps, a column moves only when its fitted
    width crosses one (a few edits in a hundred), so an edit re-converts the part holding it alone.
    """
    snapped = [max(round(w / WIDTH_STEP), 1) * WIDTH_STEP for w in widths]
    widest = widths.index(max(widths))
    snapped[widest] += sum(widths) - sum(snapped)
    return snapped


def drop_page_fields(part_xml) -> int:
    """Remove every PAGE field from a header or footer part (``w:fldSimple``); return how many."""
    found = [f for f in part_xml.iter(qn("w:fldSimple")) if f.get(qn("w:instr"), "").split()[:1] == ["PAGE"]]
    for field in found:
        field.getparent().remove(field)
    return len(found)
