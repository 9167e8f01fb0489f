"""Complete LibreOffice 7.4's PDF tagging where it falls short of PDF/UA-1 (issue #12).

LibreOffice writes a structure tree for every PDF boardpack converts, but four things it leaves
undone make the PDF/UA checkers (``pdfua``, ``outloud``) fail. Each fix below is narrow: it acts
only on the exact shape LibreOffice 7.4.7 writes, and says so. :func:`complete` runs them all on
an open PDF, before the PDF is normalised and cached (``pipeline/normalize.py``), for every PDF
LibreOffice made: papers, appendices, withheld pages, front sheets, converted attached .docx.

1. :func:`artifact_drawing` — paragraph borders and shading painted outside any marked content
   become ``/Artifact`` (outloud TAG-001; ISO 14289-1 7.1).
2. :func:`list_labels` — a list item's label gets its own ``/Lbl`` element (ISO 32000-1 14.8.4.3.3).
3. :func:`row_headers` — a cell whose paragraph is styled "Row Heading" becomes a ``/TH`` with
   ``/Scope /Row`` (pdfua UA-15-003, outloud TBL-001).
4. :func:`link_annotations` — every ``/Link`` element gets the link annotation LibreOffice 7.4
   headless does not write (ISO 14289-1 7.18.5; outloud LNK-010).

And one that no checker asks for: :func:`direct_attributes` writes each element's attribute objects
into the element, where LibreOffice makes an object of each (half the objects of a long appendix).

Text or pictures found outside marked content are never hidden as artifacts: that would take
content away from a screen reader, so it raises :class:`TaggingError` instead.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

import pikepdf
from pikepdf import Array, Dictionary, Name, Operator, String

PATH_OPS = {"m", "l", "c", "v", "y", "h", "re"}
PAINT_OPS = {"S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "n", "sh"}
# What decides whether a page has drawing (or text, pictures) outside marked content: without q/Q and
# the text and colour operators, about half a page's operators, so pages with none are told apart fast.
# ("BI ID EI" brings inline images back, as pikepdf's "INLINE IMAGE").
SEEN_OPS = " ".join(sorted({"BMC", "BDC", "EMC", "BT", "Do", "BI", "ID", "EI"} | PATH_OPS | PAINT_OPS))
TEXT_SHOW = {"Tj", "TJ", "'", '"'}


class TaggingError(Exception):
    """A converted PDF shows content outside its structure tree that is not decoration."""


@dataclass
class Report:
    """What :func:`complete` changed, and what it found but left (for tests and logs)."""

    artifacts: int = 0  # runs of drawing wrapped in /Artifact
    labels: int = 0  # /Lbl elements made
    row_headers: int = 0  # TD made TH /Scope /Row
    links: int = 0  # link annotations made
    attributes: int = 0  # attribute objects written into their elements (``direct_attributes``)
    stray_column_headers: list[str] = field(default_factory=list)  # TH below the header rows
    unlinked: list[str] = field(default_factory=list)  # /Link elements with no target to give


def complete(pdf: pikepdf.Pdf, targets: dict[str, str] | None = None) -> Report:
    """Apply every fix to *pdf* (opened by pikepdf, saved by the caller); return what was done.

    *targets* maps a link's text to its URI, as the .docx has them (see :func:`docx_link_targets`);
    without it a link's target is read from its text when that is an address or a web address.
    """
    report = Report()
    if "/StructTreeRoot" not in pdf.Root:
        return report
    report.artifacts = artifact_drawing(pdf)
    tree = _Tree(pdf)
    report.labels = list_labels(tree)
    report.row_headers, report.stray_column_headers = row_headers(tree)
    report.links, report.unlinked = link_annotations(tree, targets or {})
    report.attributes = direct_attributes(tree)
    annotation_order(pdf)
    return report


def annotation_order(pdf: pikepdf.Pdf) -> None:
    """Every page with annotations tabs in structure order (the name ``/S``), every link annotation prints.

    Where LibreOffice 7.4 writes link annotations itself (it does for boardpack's papers, though not
    for every document: see :func:`link_annotations`), it writes ``/Tabs`` as the *string* (S), which
    is not the name PDF/UA-1 7.18.3 asks for (outloud LNK-005: "do not set /Tabs /S"), and no
    annotation flags, so the link is not printed (outloud LNK-004, ISO 14289-1 7.18.1).
    """
    for page in pdf.pages:
        annots = page.obj.get("/Annots")
        if not isinstance(annots, Array) or len(annots) == 0:
            continue
        page.obj.Tabs = Name.S
        for annot in annots:
            if isinstance(annot, Dictionary) and annot.get("/Subtype") == Name.Link and "/F" not in annot:
                annot.F = 4  # Print


# 1. Drawing outside marked content -------------------------------------------------------------


def artifact_drawing(pdf: pikepdf.Pdf) -> int:
    """Wrap every run of path drawing outside marked content in ``/Artifact BMC … EMC``; return how many.

    LibreOffice 7.4 paints paragraph borders and shading (boardpack's Report Summary box: 40–44
    path operators on page 1 of every report) after the page's tagged content, outside any
    marked-content sequence, where outloud reports them as TAG-001 ("drawn path(s) painted outside
    any structure element or artifact"); PDF/UA-1 (ISO 14289-1 7.1) wants all content either tagged
    or an artifact. A border is decoration, so it becomes an artifact.

    A run never splits a ``q … Q`` pair: a ``Q`` that closes a ``q`` opened before the run (LO opens
    the page's ``q`` inside its first artifact) stays outside it. Text (``BT``), pictures (``Do``,
    ``BI``) or marked-content ends without a start outside marked content raise TaggingError.
    """
    wrapped = 0
    for number, page in enumerate(pdf.pages, 1):
        if not any(_untagged_runs(list(pikepdf.parse_content_stream(page, SEEN_OPS)), number)):
            continue  # nothing drawn outside marked content: most pages, told from a parse of fewer operators
        ops = list(pikepdf.parse_content_stream(page))
        runs = list(_untagged_runs(ops, number))
        if not runs:
            continue
        out: list = []
        starts = {start: end for start, end in runs}
        ends = {end for _, end in runs}
        for i, instruction in enumerate(ops):
            if i in starts:
                out.append(([Name.Artifact], Operator("BMC")))
            out.append(instruction)
            if i in ends:
                out.append(([], Operator("EMC")))
        page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(out))
        wrapped += len(runs)
    return wrapped


def _untagged_runs(ops: list, page: int) -> Iterator[tuple[int, int]]:
    """Yield (first, last) indices of each run of drawing outside marked content."""
    depth = 0
    group: list[int] = []
    for i, (_operands, operator) in enumerate(ops):
        op = str(operator)
        if op in ("BMC", "BDC"):
            yield from _paint_runs(ops, group)
            group = []
            depth += 1
        elif op == "EMC":
            if depth == 0:
                raise TaggingError(f"page {page}: EMC without a marked-content sequence to end")
            depth -= 1
        elif depth == 0:
            if op in ("BT", "Do", "BI", "INLINE IMAGE"):
                what = "text" if op == "BT" else "a picture"
                raise TaggingError(f"page {page}: {what} outside any structure element or artifact")
            group.append(i)
    yield from _paint_runs(ops, group)


def _paint_runs(ops: list, group: list[int]) -> Iterator[tuple[int, int]]:
    """Split *group* (consecutive untagged operator indices) into balanced runs that paint."""
    if not group:
        return
    names = [str(ops[i][1]) for i in group]
    match: dict[int, int] = {}
    stack: list[int] = []
    for k, name in enumerate(names):
        if name == "q":
            stack.append(k)
        elif name == "Q" and stack:
            match[stack.pop()] = k
    run: list[tuple[int, int, bool]] = []
    for unit in [*_units(names, match), None]:
        if unit is None:
            painting = [u for u in run if u[2]]
            if painting:
                yield group[painting[0][0]], group[painting[-1][1]]
            run = []
        else:
            run.append(unit)


def _units(names: list[str], match: dict[int, int]) -> Iterator[tuple[int, int, bool] | None]:
    """Each operator alone or each whole ``q … Q`` as (first, last, paints); None for a lone q or Q."""
    k = 0
    while k < len(names):
        if names[k] == "q" and k in match:
            end = match[k]
            yield k, end, any(n in PAINT_OPS or n in PATH_OPS for n in names[k : end + 1])
            k = end + 1
            continue
        if names[k] in ("q", "Q"):  # opened before the group, or closed after it: a separator
            yield None
        else:
            yield k, k, names[k] in PAINT_OPS or names[k] in PATH_OPS
        k += 1


# Reading the structure tree and the text of each marked-content sequence -----------------------


@dataclass
class _Mark:
    """One marked-content sequence: its page, text and (approximate) bounding box."""

    page: int
    text: str = ""
    box: list[float] = field(default_factory=lambda: [1e9, 1e9, -1e9, -1e9])


class _Tree:
    """The structure tree of a LibreOffice PDF, with each page's MCIDs read from its content."""

    def __init__(self, pdf: pikepdf.Pdf):
        self.pdf = pdf
        self.root = pdf.Root.StructTreeRoot
        self.pages = {page.obj.objgen: n for n, page in enumerate(pdf.pages)}
        self.marks = _Marks(pdf)
        self.roles: dict[str, str] = {}  # by structure type: the RoleMap is read once per type, not per element
        self.grouped: dict[str, list[Dictionary]] | None = None  # every element by its role, one walk (``of_role``)
        nums = self.root.ParentTree.get("/Nums", Array())
        self.parent_tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}

    def elements(self) -> Iterator[Dictionary]:
        """Every structure element, depth first, in reading order."""
        stack = list(reversed(_kids(self.root)))
        while stack:
            element = stack.pop()
            if isinstance(element, Dictionary) and "/S" in element:
                yield element
                stack.extend(reversed(_kids(element)))

    def of_role(self, role: str) -> list[Dictionary]:
        """Every structure element whose standard type is *role* ("Table"), in reading order: the tree is
        walked once for all the roles asked (a 10-page table's part has thousands of elements), and again
        only after ``changed``."""
        return list(self._grouped().get(role, ()))

    def every(self) -> list[Dictionary]:
        """Every structure element, from the same walk as ``of_role``."""
        return [element for elements in self._grouped().values() for element in elements]

    def _grouped(self) -> dict[str, list[Dictionary]]:
        if self.grouped is None:
            self.grouped = {}
            for element in self.elements():
                self.grouped.setdefault(self.role(element), []).append(element)
        return self.grouped

    def changed(self) -> None:
        """Say that elements were added or moved: the next ``of_role`` walks the tree again."""
        self.grouped = None

    def role(self, element: Dictionary) -> str:
        """The element's standard type through the RoleMap, without its slash ("LI")."""
        kind = str(element.S)
        if kind not in self.roles:
            rolemap = self.root.get("/RoleMap", Dictionary())
            seen, role = set(), kind
            while role in rolemap and role not in seen:
                seen.add(role)
                role = str(rolemap[role])
            self.roles[kind] = role[1:]
        return self.roles[kind]

    def page_of(self, element: Dictionary, kid=None) -> int | None:
        """The page index of *kid* (an MCID of *element*) or of *element*."""
        holder = kid if isinstance(kid, Dictionary) and "/Pg" in kid else element
        while holder is not None and "/Pg" not in holder:
            holder = holder.get("/P")
            if holder is None or "/S" not in holder:
                return None
        return self.pages.get(holder.Pg.objgen) if holder is not None else None

    def mcids(self, element: Dictionary) -> Iterator[tuple[int, int]]:
        """(page, mcid) of every marked-content sequence of *element* and its descendants."""
        for kid in _kids(element):
            if isinstance(kid, int) or (isinstance(kid, pikepdf.Object) and kid._type_name == "integer"):
                page = self.page_of(element)
                if page is not None:
                    yield page, int(kid)
            elif isinstance(kid, Dictionary) and kid.get("/Type") == Name.MCR:
                page = self.page_of(element, kid)
                if page is not None:
                    yield page, int(kid.MCID)
            elif isinstance(kid, Dictionary) and "/S" in kid:
                yield from self.mcids(kid)

    def text(self, element: Dictionary) -> str:
        return "".join(self.marks[m].text for m in self.mcids(element) if m in self.marks)

    def next_key(self) -> int:
        key = max(self.parent_tree, default=-1) + 1
        return max(key, int(self.root.get("/ParentTreeNextKey", 0)))

    def set_parent(self, key: int, value) -> None:
        self.parent_tree[key] = value
        nums = Array()
        for k in sorted(self.parent_tree):
            nums.append(k)
            nums.append(self.parent_tree[k])
        self.root.ParentTree = self.pdf.make_indirect(Dictionary(Nums=nums))
        self.root.ParentTreeNextKey = max(self.parent_tree) + 1


class _Marks:
    """The marked-content sequences by (page, MCID), each page's read the first time one of its is asked for.

    Only list labels and links need them: reading every page of a 200-page appendix up front took
    three quarters of the time spent completing its tags.
    """

    def __init__(self, pdf: pikepdf.Pdf):
        self.pdf = pdf
        self.found: dict[tuple[int, int], _Mark] = {}
        self.read: set[int] = set()

    def _page(self, number: int) -> None:
        if number not in self.read:
            self.read.add(number)
            _read_marks(self.pdf.pages[number], number, self.found)

    def get(self, key: tuple[int, int]) -> _Mark | None:
        self._page(key[0])
        return self.found.get(key)

    def __contains__(self, key: tuple[int, int]) -> bool:
        return self.get(key) is not None

    def __getitem__(self, key: tuple[int, int]) -> _Mark:
        self._page(key[0])
        return self.found[key]


def _kids(element) -> list:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, Array) else [kids]


def _read_marks(page: pikepdf.Page, number: int, marks: dict) -> None:
    """Record the text and box of each MCID on *page*: an approximation good for a covering /Rect."""
    reader = _MarkReader(page, number, marks)
    for operands, operator in pikepdf.parse_content_stream(page):
        handler = reader.handlers.get(str(operator))
        if handler is not None:
            handler(str(operator), operands)


IDENTITY = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]


class _MarkReader:
    """The little of a content stream's state that places text: marked content, CTM, text matrix, font."""

    def __init__(self, page: pikepdf.Page, number: int, marks: dict):
        self.fonts = page.obj.get("/Resources", Dictionary()).get("/Font", Dictionary())
        self.number, self.marks = number, marks
        self.decoders: dict[str, _Font] = {}
        self.stack: list[int | None] = []  # the MCID (or None) of each open marked-content sequence
        self.ctm, self.saved = IDENTITY, []
        self.tm = self.line = IDENTITY
        self.font: _Font | None = None
        self.size = self.leading = 0.0
        self.handlers = {
            "BDC": self.begin, "BMC": self.begin, "EMC": self.end, "q": self.save, "Q": self.restore,
            "cm": self.concat, "BT": self.begin_text, "Tf": self.set_font, "TL": self.set_leading,
            "Td": self.move, "TD": self.move, "Tm": self.set_matrix, "T*": self.next_line,
            "Tj": self.show, "TJ": self.show, "'": self.show, '"': self.show,
        }  # fmt: skip

    def begin(self, op, operands):
        props = operands[1] if op == "BDC" and len(operands) > 1 else None
        self.stack.append(int(props.MCID) if isinstance(props, Dictionary) and "/MCID" in props else None)

    def end(self, op, operands):
        if self.stack:
            self.stack.pop()

    def save(self, op, operands):
        self.saved.append(self.ctm)

    def restore(self, op, operands):
        if self.saved:
            self.ctm = self.saved.pop()

    def concat(self, op, operands):
        self.ctm = _mul([float(x) for x in operands], self.ctm)

    def begin_text(self, op, operands):
        self.tm = self.line = IDENTITY

    def set_font(self, op, operands):
        name = str(operands[0])
        if name not in self.decoders and name in self.fonts:
            self.decoders[name] = _Font(self.fonts[name])
        self.font, self.size = self.decoders.get(name), float(operands[1])

    def set_leading(self, op, operands):
        self.leading = float(operands[0])

    def move(self, op, operands):
        tx, ty = float(operands[0]), float(operands[1])
        self.line = self.tm = _mul([1, 0, 0, 1, tx, ty], self.line)
        if op == "TD":
            self.leading = -ty

    def set_matrix(self, op, operands):
        self.line = self.tm = [float(x) for x in operands]

    def next_line(self, op=None, operands=None):
        self.line = self.tm = _mul([1, 0, 0, 1, 0, -self.leading], self.line)

    def show(self, op, operands):
        if op in ("'", '"'):
            self.next_line()
        if self.font is None:
            return
        items = operands[0] if op == "TJ" else [operands[-1]]
        text, width = self.font.show(items, self.size)
        mcid = next((m for m in reversed(self.stack) if m is not None), None)
        if mcid is not None:
            mark = self.marks.setdefault((self.number, mcid), _Mark(self.number))
            mark.text += text
            _grow(mark.box, _mul(self.tm, self.ctm), width, self.size)
        self.tm = _mul([1, 0, 0, 1, width, 0], self.tm)


def _mul(a: list[float], b: list[float]) -> list[float]:
    """The matrix product a × b of two PDF matrices [a b c d e f]."""
    return [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]


def _grow(box: list[float], m: list[float], width: float, size: float) -> None:
    """Extend *box* by the glyphs' rectangle (descent 0.25 em, ascent 0.95 em) mapped through *m*."""
    for x, y in ((0, -0.25 * size), (width, -0.25 * size), (0, 0.95 * size), (width, 0.95 * size)):
        px, py = x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5]
        box[0], box[1] = min(box[0], px), min(box[1], py)
        box[2], box[3] = max(box[2], px), max(box[3], py)


class _Font:
    """A font's ToUnicode map and widths, enough to read the text and measure it."""

    def __init__(self, font: Dictionary):
        self.two_bytes = font.get("/Subtype") == Name.Type0
        self.unicode: dict[int, str] = {}
        if "/ToUnicode" in font:
            self._cmap(font.ToUnicode.read_bytes().decode("latin-1"))
        self.widths: dict[int, float] = {}
        self.default = 1000.0 if self.two_bytes else 500.0
        if self.two_bytes:
            descendant = font.DescendantFonts[0]
            self.default = float(descendant.get("/DW", 1000))
            w = list(descendant.get("/W", Array()))
            i = 0
            while i + 1 < len(w):
                if isinstance(w[i + 1], Array):
                    for k, value in enumerate(w[i + 1]):
                        self.widths[int(w[i]) + k] = float(value)
                    i += 2
                else:
                    for code in range(int(w[i]), int(w[i + 1]) + 1):
                        self.widths[code] = float(w[i + 2])
                    i += 3
        else:
            first = int(font.get("/FirstChar", 0))
            for k, value in enumerate(font.get("/Widths", Array())):
                self.widths[first + k] = float(value)

    def _cmap(self, text: str) -> None:
        for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
            for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                self.unicode[int(src, 16)] = _utf16(dst)
        for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
            for lo, hi, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]+>|\[[^\]]*\])", block):
                if dst.startswith("["):
                    for k, each in enumerate(re.findall(r"<([0-9A-Fa-f]+)>", dst)):
                        self.unicode[int(lo, 16) + k] = _utf16(each)
                else:
                    start = int(dst[1:-1], 16)
                    for k in range(int(hi, 16) - int(lo, 16) + 1):
                        self.unicode[int(lo, 16) + k] = chr(start + k)

    def show(self, items, size: float) -> tuple[str, float]:
        """The text and advance width (text space) of a Tj string or TJ array."""
        text, width = [], 0.0
        for item in items:
            if isinstance(item, String | bytes):
                data = bytes(item)
                step = 2 if self.two_bytes else 1
                for i in range(0, len(data) - step + 1, step):
                    code = int.from_bytes(data[i : i + step], "big")
                    text.append(self.unicode.get(code, ""))
                    width += self.widths.get(code, self.default) * size / 1000
            else:
                width -= float(item) * size / 1000
        return "".join(text), width


def _utf16(hexdigits: str) -> str:
    return bytes.fromhex(hexdigits).decode("utf-16-be", errors="replace")


# 2. List labels ----------------------------------------------------------------------------------

LABEL = re.compile(r"^[(\[]?(\d+|[a-z]{1,3}|[A-Z]{1,3})(\.\d+)*[.)\]:]?$")


def label_shaped(text: str) -> bool:
    """Whether *text* reads as a list label: "(a)", "1.", "iv)", "•", "–"."""
    text = text.strip()
    if len(text) == 1 and unicodedata.category(text) in ("Po", "Pd", "So", "Sm", "Co"):
        return True
    return bool(text) and len(text) <= 8 and bool(LABEL.match(text))


def list_labels(tree: _Tree) -> int:
    """Move each list item's label into its own ``/Lbl`` element; return how many.

    LibreOffice 7.4 tags a numbered paragraph as ``L / LI / LBody / P`` and draws the label ("(a)",
    "•") as the first marked-content sequence (its own MCID) of the paragraph inside the LBody, so
    a screen reader hears the label as part of the text and the list has no ``/Lbl``
    (ISO 32000-1 14.8.4.3.3: an LI holds an optional Lbl, then an LBody). Here that first MCID, when
    its text is label-shaped, moves into a new ``/Lbl`` placed in the LI before the LBody, and its
    ParentTree entry points at the Lbl. A plain paragraph (no label MCID) is left as it is.
    """
    made = 0
    for item in tree.of_role("LI"):
        kids = _kids(item)
        if any(isinstance(k, Dictionary) and k.get("/S") == Name.Lbl for k in kids):
            continue
        body = next((k for k in kids if isinstance(k, Dictionary) and tree.role(k) == "LBody"), None)
        para = next((k for k in _kids(body) if isinstance(k, Dictionary) and "/S" in k), None) if body else None
        if para is None:
            continue
        inner = _kids(para)
        if len(inner) < 2 or not _is_mcid(inner[0]):
            continue
        page = tree.page_of(para, inner[0])
        mcid = int(inner[0]) if not isinstance(inner[0], Dictionary) else int(inner[0].MCID)
        mark = tree.marks.get((page, mcid))
        if mark is None or not label_shaped(mark.text):
            continue
        pg = inner[0].Pg if isinstance(inner[0], Dictionary) and "/Pg" in inner[0] else _page_ref(tree, para)
        label = tree.pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Lbl, P=item, Pg=pg, K=Array([mcid])))
        para.K = Array(inner[1:])
        at = [i for i, k in enumerate(kids) if isinstance(k, Dictionary) and k.objgen == body.objgen][0]
        item.K = Array(kids[:at] + [label] + kids[at:])
        key = int(tree.pdf.pages[page].obj.StructParents)
        tree.parent_tree[key][mcid] = label
        made += 1
    if made:
        tree.changed()
    return made


def _is_mcid(kid) -> bool:
    if isinstance(kid, Dictionary):
        return kid.get("/Type") == Name.MCR
    return isinstance(kid, int) or (isinstance(kid, pikepdf.Object) and kid._type_name == "integer")


def _page_ref(tree: _Tree, element: Dictionary):
    page = tree.page_of(element)
    return tree.pdf.pages[page].obj


# 3. Row headers ----------------------------------------------------------------------------------

ROW_HEADING = "/Row Heading"


def row_headers(tree: _Tree) -> tuple[int, list[str]]:
    """Make each cell of a "Row Heading" paragraph a ``/TH /Scope /Row``; return (how many, strays).

    Word cannot mark a cell as a row header, and LibreOffice 7.4 makes ``/TH`` only of cells whose
    paragraph style is "Table Heading" (with ``/Scope /Column``); every other cell is ``/TD``. A
    table whose first column names its rows (the report's summary table) then has no header cell
    at all: pdfua UA-15-003 and outloud TBL-001 ("table … has no header cell"). boardpack's
    templates style such cells "Row Heading", a style LO writes as its own structure type
    (``/Row Heading``, role-mapped to ``/P``); a TD whose paragraph is that type becomes a TH with
    the attribute ``<< /O /Table /Scope /Row >>`` (merged into the cell's existing /A).

    A "Table Heading" TH outside the table's leading rows of headers (a "Total" row, a theme row)
    is not a column header, yet LO gives it /Scope /Column: the first cell of such a row heads
    the row (/Scope /Row), any other is data (TD). Each is returned among the strays, for the
    templates to fix (outloud TBL-010 "header cells look shredded" before; a TH without
    /Scope would be TBL-002).
    """
    made, strays = 0, []
    for table in tree.of_role("Table"):
        rows = _rows(tree, table)
        made += _row_heading_cells(tree, rows)
        strays += _stray_column_headers(tree, rows)
    return made, strays


def _row_heading_cells(tree: _Tree, rows: list[Dictionary]) -> int:
    made = 0
    for cell in (c for row in rows for c in _cells(row) if tree.role(c) == "TD"):
        paras = _cells(cell)
        if paras and str(paras[0].S) == ROW_HEADING:
            cell.S = Name.TH
            _set_scope(tree.pdf, cell, Name.Row)
            made += 1
    return made


def _stray_column_headers(tree: _Tree, rows: list[Dictionary]) -> list[str]:
    """Fix and name the column-scoped TH cells below the table's leading header rows."""
    leading, width = 0, max((len(_cells(r)) for r in rows), default=0)
    for row in rows:
        cells = _cells(row)
        # a single cell across a wider table heads a group of rows (a theme), not the columns
        heads = cells and all(tree.role(c) == "TH" and _scope(c) != Name.Row for c in cells)
        if not heads or len(cells) <= min(1, width - 1):
            break
        leading += 1
    strays = []
    for row in rows[leading:]:
        for n, cell in enumerate(_cells(row)):
            if tree.role(cell) == "TH" and _scope(cell) != Name.Row:
                strays.append(tree.text(cell))
                if n == 0:
                    _set_scope(tree.pdf, cell, Name.Row)
                else:
                    cell.S = Name.TD
                    _set_scope(tree.pdf, cell, None)
    return strays


def _cells(row: Dictionary) -> list[Dictionary]:
    return [c for c in _kids(row) if isinstance(c, Dictionary) and "/S" in c]


def _rows(tree: _Tree, table: Dictionary) -> list[Dictionary]:
    rows = []
    for kid in _kids(table):
        if isinstance(kid, Dictionary) and "/S" in kid:
            if tree.role(kid) == "TR":
                rows.append(kid)
            elif tree.role(kid) in ("THead", "TBody", "TFoot"):
                rows.extend(k for k in _kids(kid) if isinstance(k, Dictionary) and tree.role(k) == "TR")
    return rows


def _attributes(cell: Dictionary) -> list:
    a = cell.get("/A")
    if a is None:
        return []
    return list(a) if isinstance(a, Array) else [a]


def _scope(cell: Dictionary):
    for attr in _attributes(cell):
        if isinstance(attr, Dictionary) and attr.get("/O") == Name.Table and "/Scope" in attr:
            return attr.Scope
    return None


def _set_scope(pdf: pikepdf.Pdf, cell: Dictionary, scope) -> None:
    """Set (or with None remove) the cell's Table /Scope, keeping its other attributes."""
    attrs = _attributes(cell)
    table = next((a for a in attrs if isinstance(a, Dictionary) and a.get("/O") == Name.Table), None)
    if table is None:
        if scope is None:
            return
        table = Dictionary(O=Name.Table)
        attrs.append(table)
    if scope is not None:
        table.Scope = scope
    elif "/Scope" in table:  # a Table attribute object with other entries alone (a /ColSpan)
        del table["/Scope"]
    cell.A = Array(attrs) if len(attrs) > 1 else attrs[0]


# 4. Link annotations -----------------------------------------------------------------------------

EMAIL = re.compile(r"^[\w.+'-]+@[\w-]+(\.[\w-]+)+$")
WEB = re.compile(r"^(https?://|www\.)\S+$", re.I)


def link_target(text: str, targets: dict[str, str]) -> str | None:
    """The URI a link with *text* goes to: from the .docx when known, else read from the text."""
    text = text.strip()
    if text in targets:
        return targets[text]
    if EMAIL.match(text):
        return "mailto:" + text
    if WEB.match(text):
        return text if "://" in text else "https://" + text
    return None


def link_annotations(tree: _Tree, targets: dict[str, str]) -> tuple[int, list[str]]:
    """Give each ``/Link`` element the link annotation LibreOffice 7.4 leaves out; return (made, unlinked).

    LibreOffice 7.4 converting headless (``soffice --convert-to`` and over UNO, docx or odt, with or
    without PDFUACompliance) writes the ``/Link`` structure element around a hyperlink's text, but for
    some documents no ``/Annot`` on the page (the small python-docx documents of the tests; for
    boardpack's own papers it does write them, and those are kept, see :func:`annotation_order`), so
    nothing is clickable and the Link element has no object reference:
    PDF/UA-1 7.18.5 wants every link annotation nested in a Link element, and a Link element
    without one is a link nobody can follow (outloud LNK-010: "printed as text with no link
    annotation over them"). LO makes link annotations in a separate pass
    (``SwEnhancedPDFExportHelper::EnhancedPDFExport`` selects each hyperlink with the view's cursor
    and calls ``CreateLink``); why it makes none for some documents is not established, and no
    writer_pdf_Export option (ExportLinksRelativeFsys, ConvertOOoTargetToPDFTarget, PDFUACompliance)
    changed that.

    For each MCID of a Link element this adds a ``/Link`` annotation over its text (the box read from
    the content stream: text matrix, font size and glyph widths; approximate but covering) with
    ``/A << /S /URI /URI … >>``, ``/Contents`` the link's text, a ``/StructParent`` with its ParentTree
    entry, and an OBJR kid in the Link element. The URI is the .docx's (by the link's text), else
    the text itself when it is an e-mail address (``mailto:``) or web address; a Link with neither
    is returned as unlinked and left alone.
    """
    made, unlinked = 0, []
    for element in tree.of_role("Link"):
        if any(isinstance(k, Dictionary) and k.get("/Type") == Name.OBJR for k in _kids(element)):
            continue
        text = tree.text(element).strip()
        uri = link_target(text, targets)
        boxes = [tree.marks[m] for m in tree.mcids(element) if m in tree.marks]
        if uri is None or not boxes:
            unlinked.append(text)
            continue
        kids = _kids(element)
        for mark in boxes:
            page = tree.pdf.pages[mark.page].obj
            key = tree.next_key()
            x0, y0, x1, y1 = (round(v, 2) for v in mark.box)
            annot = tree.pdf.make_indirect(
                Dictionary(
                    Type=Name.Annot,
                    Subtype=Name.Link,
                    Rect=Array([x0, y0, x1, y1]),
                    Border=Array([0, 0, 0]),
                    F=4,
                    A=Dictionary(S=Name.URI, URI=String(uri)),
                    Contents=String(text),
                    StructParent=key,
                    P=page,
                )
            )
            if "/Annots" not in page:
                page.Annots = Array()
            page.Annots.append(annot)
            page.Tabs = Name.S  # PDF/UA 7.18.3: a page with annotations tabs in structure order
            kids.append(Dictionary(Type=Name.OBJR, Obj=annot, Pg=page))
            tree.set_parent(key, element)
            made += 1
        element.K = Array(kids)
    return made, unlinked


def docx_link_targets(docx_bytes: bytes) -> dict[str, str]:
    """Map each external hyperlink's text in a .docx's body to its target, for :func:`complete`."""
    import io
    import zipfile
    from xml.etree import ElementTree

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    r = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    rels_ns = "{http://schemas.openxmlformats.org/package/2006/relationships}"
    found: dict[str, str] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(docx_bytes)) as z:
            rels = ElementTree.fromstring(z.read("word/_rels/document.xml.rels"))
            body = ElementTree.fromstring(z.read("word/document.xml"))
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return found
    external = {
        rel.get("Id"): rel.get("Target", "")
        for rel in rels.iter(f"{rels_ns}Relationship")
        if rel.get("TargetMode") == "External" and rel.get("Type", "").endswith("/hyperlink")
    }
    for link in body.iter(f"{w}hyperlink"):
        target = external.get(link.get(f"{r}id") or "")
        text = "".join(t.text or "" for t in link.iter(f"{w}t")).strip()
        if target and text:
            found.setdefault(text, target)
    return found


# 5. Attribute objects in their elements ----------------------------------------------------------


def direct_attributes(tree: _Tree) -> int:
    """Write every structure element's attribute objects (``/A``) into the element, where they are
    objects of their own; return how many were.

    LibreOffice 7.4 makes an indirect object of every attribute object: one on each table cell (its
    placement, width and height) and one on the cell's paragraph (``<< /O /Layout /Placement /Block >>``),
    12,400 of the 25,200 objects of a 54-page actions appendix. ISO 32000-1 (14.7.2, table 323) lets an
    element's ``/A`` be a dictionary or a stream, or an array of them each optionally followed by a
    revision number, and asks none of them to be indirect; written in their elements, the same
    attributes make the appendix a sixth smaller, and each copy of its pages into a joined appendix or a
    pack (made object by object) a quarter quicker. Streams, revision numbers and attribute objects that
    are direct already are left as they are, in their places; a value inside an attribute object that is
    an object of its own stays one. An attribute object two elements share (LibreOffice 7.4 shares none)
    becomes a copy in each, counted once for each.
    """
    moved = 0
    for element in tree.every():
        found = element.get("/A")
        if found is None:
            continue
        attributes = list(found) if isinstance(found, Array) else [found]
        indirect = [_is_indirect_dictionary(a) for a in attributes]
        if not any(indirect):
            continue
        direct = [a.copy() if i else a for a, i in zip(attributes, indirect, strict=True)]  # a direct, shallow copy
        element.A = Array(direct) if isinstance(found, Array) else direct[0]
        moved += sum(indirect)
    return moved


def _is_indirect_dictionary(value) -> bool:
    return isinstance(value, Dictionary) and not isinstance(value, pikepdf.Stream) and value.is_indirect
