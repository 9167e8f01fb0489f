"""Assemble converted PDFs into one meeting pack that stays a tagged, accessible PDF.

Merging PDFs usually drops their tags. Here each source's structure tree is carried across: its
top elements become one /Sect of one /Document, titled (/T) with the agenda item it is; every
page's /StructParents (and annotation's /StructParent) and the /ParentTree keys are offset so that
marked content still finds its element. Pages copied with ``copy_foreign`` share one mapping per
source, so /Pg references land on the copied pages. The merged /RoleMap maps no standard type (to
itself or otherwise) and nothing to a type outside the standard ones. Every page is then stamped
"Page N" as an /Artifact in an embedded font, page labels match, and one bookmark is made per
agenda item with its appendices nested. The pack's XMP metadata says what its document information
says, with PDF/UA-1's identification when every part is tagged; its header version is the highest
of its parts', and at least 1.6.
"""

from __future__ import annotations

import gc
import re
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, OutlineItem

from ..plan.wording import fill
from ..stampfont import FontStore, add_font, pdf_string, stamp_font, stampable
from ..util import save_pdf
from ..xmp import Described, claims_ua, describe_pdf, version_at_least

STAMP_SIZE = 9
STAMP_BOTTOM = 16  # points above the bottom edge: below the papers' own footers
FONT_KEY = "/BPStamp"

# The standard structure types of PDF 1.7 (ISO 32000-1, 14.8.4): a RoleMap maps none of them, and
# maps every other type to one of them.
STANDARD_TYPES = frozenset(
    "Document Part Art Sect Div BlockQuote Caption TOC TOCI Index NonStruct Private P H H1 H2 H3 H4 H5 H6 "
    "L LI Lbl LBody Table TR TH TD THead TBody TFoot Span Quote Note Reference BibEntry Code Link Annot "
    "Ruby RB RT RP Warichu WT WP Figure Formula Form".split()
)


@dataclass(frozen=True)
class Part:
    """One PDF of a pack; *level* 0 is an agenda item's bookmark, 1 is nested under the item before.

    *title* is the /T of its /Sect in the pack's structure tree: what a screen reader's list of
    sections calls it (in a public pack, never a withheld document's restricted text).
    """

    pdf: Path
    bookmark: str | None
    level: int = 0
    title: str = ""


@dataclass(frozen=True)
class Joined:
    """A document made in parts (``pipeline/parts.py``): its parts' PDFs in order, and where its page
    numbers go. A pack places the parts as ``join`` joins them, page for page and element for element, so
    it can take them while the changed one converts, rather than copy the joined file after."""

    parts: tuple[Path, ...]
    number: NumberPlace


@dataclass(frozen=True)
class PackInfo:
    """The pack's document information."""

    title: str
    subject: str
    author: str
    keywords: str = ""
    language: str = "en-GB"
    page_stamp: str = "Page {number}"  # stamped at the foot of every page; the wording's pack.page_stamp


@dataclass(frozen=True)
class Bookmark:
    """A bookmark to a page, possibly with nested ones."""

    title: str
    page: int  # 0-based
    children: tuple[Bookmark, ...] = ()


def page_starts(page_counts: list[int], first: int = 1) -> list[int]:
    """Return the 1-based page on which each document starts when laid end to end from page *first*."""
    starts, page = [], first
    for count in page_counts:
        starts.append(page)
        page += count
    return starts


def assemble(
    parts: list[Part],
    out: Path,
    info: PackInfo,
    bookmarks: list[Bookmark] | None = None,
    fonts: FontStore | None = None,
) -> int:
    """Write the pack of *parts* to *out*; return its number of pages (its stamp font kept in *fonts*)."""
    with Assembler(fonts) as assembler:
        for part in parts:
            assembler.add(part)
        return assembler.write(out, info, bookmarks if bookmarks is not None else _bookmarks(parts, assembler.starts))


class Assembler:
    """A pack assembled one source PDF at a time, in order, then written.

    Sources may be copied in while other documents are still being converted (``take``), in any
    order, and placed in order when their turn comes (``add``; ``Assembler.added`` says which are
    placed); the pack is the same, byte for byte, however its parts arrived: its objects are numbered
    as the pack is written, walking it from its root, so neither the order they were copied in nor a
    taken copy left unplaced shows. Its stamp font is read from, or kept in, *fonts* (the build
    cache), if given.
    """

    def __init__(self, fonts: FontStore | None = None, joined: dict[Path, Joined] | None = None) -> None:
        self.fonts = fonts
        self.joined = {} if joined is None else joined  # made in parts, by their joined PDF: placed from the parts
        self.stack = ExitStack()
        self.pack = pikepdf.new()
        self.tree = _StructTree(self.pack)
        self.added: list[Part] = []
        self.taken: dict[Path, _Copied] = {}  # copied in ahead of their turn, by file
        self.starts: list[int] = []  # the 0-based page each source starts on
        self.versions: list[str] = []  # each source's header version
        self.tagged = True  # every source tagged: the pack may claim PDF/UA

    def __enter__(self) -> Assembler:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def take(self, pdf: Path) -> None:
        """Copy *pdf*'s pages and structure into the pack ahead of its turn: its file must be final."""
        if pdf not in self.taken:
            with _no_gc():
                self.taken[pdf] = self._copy(pdf)

    def add(self, part: Part, flat: bool = False) -> pikepdf.Pdf:
        """Place *part*'s pages and structure after those already added (copied now, unless taken).

        *flat* puts the part's top elements straight under the /Document, with no /Sect of its own:
        the parts of one appendix read as the one document they are (``join``). A document made in parts
        (``joined``) is placed from its parts, as its joined PDF would be.
        """
        if not flat and part.pdf in self.joined:
            return self._add_joined(part, self.joined[part.pdf])
        with _no_gc():
            copied = self.taken.pop(part.pdf, None) or self._copy(part.pdf)
            self.starts.append(len(self.pack.pages))
            self.versions.append(copied.source.pdf_version)
            self.tagged = self.tagged and claims_ua(copied.source)  # every part tagged and claiming PDF/UA-1
            self.tree.place(copied, part.title, flat)
            self.added.append(part)
            return copied.source

    def _add_joined(self, part: Part, joined: Joined) -> pikepdf.Pdf:
        """Place the parts of *joined* as ``join`` joins them and this pack would then place the joined PDF:
        one /Sect titled *part*'s title holding every part's top elements, each page numbered across
        the parts at *joined*'s place (the same objects, so the same bytes, as copying the joined file)."""
        with _no_gc():
            first = len(self.pack.pages)
            sect = self.tree.section(part.title)
            sources = []
            for pdf in joined.parts:
                copied = self.taken.pop(pdf, None) or self._copy(pdf)
                sources.append(copied.source)
                self.tree.place(copied, into=sect)
            # join's header version and PDF/UA claim: those of its parts (its floor is this pack's own)
            self.versions.append(version_at_least(*(source.pdf_version for source in sources)))
            self.tagged = self.tagged and all(claims_ua(source) for source in sources)
            number = joined.number
            font = stamp_font("0123456789", bold=number.bold, store=self.fonts)
            font_ref = font.to_pdf(self.pack)
            for count, page in enumerate(self.pack.pages[first:], 1):
                x = number.right - font.width(str(count), number.size)
                stamp_page(self.pack, page, font_ref, str(count), (x, number.baseline), number.size, saved=True)
            self.starts.append(first)
            self.added.append(part)
            return sources[0]

    def _copy(self, pdf: Path) -> _Copied:
        return self.tree.copy(self.stack.enter_context(pikepdf.open(pdf)))

    def write(self, out: Path, info: PackInfo, bookmarks: list[Bookmark]) -> int:
        """Stamp, label and save the pack to *out*; return its number of pages."""
        with _no_gc():
            self.tree.finish()
            _stamp(self.pack, info.page_stamp, self.fonts)
            _finish(self.pack, info, bookmarks, ua=self.tagged)
            save_pdf(self.pack, out, deterministic_id=True, min_version=version_at_least(*self.versions))
            return len(self.pack.pages)

    def close(self) -> None:
        """Let go of the sources and the pack."""
        self.stack.close()
        self.pack.close()


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause Python's cycle collector: tens of thousands of short-lived object handles make it scan in vain."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass
class _Copied:
    """A source PDF's pages and structure copied into a pack, to be placed: the copied pages, its parent
    tree (its own keys, copied values), its top elements, its /RoleMap (None: it has no structure)."""

    source: pikepdf.Pdf
    pages: list
    entries: list
    tops: list
    role_map: Dictionary | dict | None


class _StructTree:
    """The pack's structure tree, grown one source PDF at a time."""

    def __init__(self, pack: pikepdf.Pdf):
        self.pack = pack
        self.document = pack.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, K=Array()))
        self.role_map = Dictionary()
        self.nums: list = []
        self.next_key = 0

    def copy(self, source: pikepdf.Pdf) -> _Copied:
        """Copy *source*'s pages and structure into the pack, not placed yet (``place``)."""
        root = source.Root.get("/StructTreeRoot")
        kids = _as_list(root.get("/K")) if root is not None else []
        for kid in kids:  # detach, or copying a kid would drag the source's whole root along
            if "/P" in kid:
                del kid["/P"]
        pages = [self.pack.copy_foreign(page.obj) for page in source.pages]
        if root is None:
            return _Copied(source, pages, [], [], None)
        entries = list(_number_tree(root.get("/ParentTree")))
        # One copy_foreign for everything: each call walks what it copies, so many calls cost dearly.
        bundle = source.make_indirect(Array([value for _, value in entries] + kids))
        copied_all = list(self.pack.copy_foreign(bundle))
        keyed = [(key, value) for (key, _), value in zip(entries, copied_all, strict=False)]
        return _Copied(source, pages, keyed, copied_all[len(entries) :], root.get("/RoleMap") or {})

    def place(self, copied: _Copied, title: str = "", flat: bool = False, into: Dictionary | None = None) -> None:
        """Append *copied*'s pages to the pack and its structure to the tree, as one /Sect titled
        *title* (or, *flat*, as its top elements under the pack's /Document; or under *into*, a /Sect
        of ``section``'s)."""
        first_page = len(self.pack.pages)
        self.pack.pages.extend(pikepdf.Page(page) for page in copied.pages)
        if copied.role_map is None:
            return
        offset = self.next_key
        for page in self.pack.pages[first_page:]:
            _offset_keys(page.obj, offset)
        for key, value in copied.entries:
            self.nums += [key + offset, value]
        self.next_key = offset + max([k for k, _ in copied.entries] + [-1]) + 1
        if into is not None:
            self._extend(copied.tops, into)
        elif flat:
            self._extend(copied.tops)
        else:
            self.document.K.append(self._section(copied.tops, title))
        for name, role in copied.role_map.items():
            if name not in self.role_map:
                self.role_map[name] = role

    def _section(self, kids: list, title: str) -> pikepdf.Object:
        """Return the /Sect of one source: its /Document retyped, or a new /Sect holding its top elements."""
        if len(kids) == 1 and kids[0].get("/S") == Name.Document:
            sect = kids[0]
            sect.S = Name.Sect
        else:
            sect = self.pack.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Sect, K=Array(kids)))
            for kid in kids:
                kid.P = sect
        sect.P = self.document
        if title:
            sect.T = pikepdf.String(title)
        return sect

    def section(self, title: str) -> Dictionary:
        """Return a new /Sect under the pack's /Document, titled *title*, for ``place(into=)``: as a joined
        document's /Document becomes when placed (``_section``), its top elements added after."""
        sect = self.pack.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Sect, K=Array()))
        sect.P = self.document
        if title:
            sect.T = pikepdf.String(title)
        self.document.K.append(sect)
        return sect

    def _extend(self, kids: list, parent: Dictionary | None = None) -> None:
        """Put *kids* (a source's /Document, or its top elements) straight under the pack's /Document (or
        under *parent*)."""
        parent = self.document if parent is None else parent
        if len(kids) == 1 and kids[0].get("/S") == Name.Document:
            kids = _as_list(kids[0].get("/K"))
        for kid in kids:
            if isinstance(kid, Dictionary) and "/S" in kid:
                kid.P = parent
            parent.K.append(kid)

    def finish(self) -> None:
        """Install the merged tree as the pack's /StructTreeRoot."""
        root = self.pack.make_indirect(
            Dictionary(
                Type=Name.StructTreeRoot,
                K=Array([self.document]),
                ParentTree=self.pack.make_indirect(Dictionary(Nums=Array(self.nums))),
                ParentTreeNextKey=self.next_key,
                RoleMap=_role_map(self.role_map),
            )
        )
        self.document.P = root
        self.pack.Root.StructTreeRoot = root
        self.pack.Root.MarkInfo = Dictionary(Marked=True)


def _role_map(merged: Dictionary) -> Dictionary:
    """Return *merged* with what PDF/UA forbids taken out (ISO 14289-1, 7.1): no standard type is
    mapped (LibreOffice maps /H1 to /H1, and a self-map is a circular one), and every other type
    is mapped straight to the standard type its chain of mappings ends at. A type whose chain ends
    elsewhere, or loops, is mapped to /Span, which says nothing wrong about it.
    """

    def resolve(name: str) -> str:
        seen = {name}
        while name not in STANDARD_TYPES:
            target = merged.get("/" + name)
            if target is None or str(target)[1:] in seen:
                return "Span"
            name = str(target)[1:]
            seen.add(name)
        return name

    result = Dictionary()
    for key in sorted(merged.keys()):
        name = key[1:]
        if name not in STANDARD_TYPES:
            result[key] = Name("/" + resolve(name))
    return result


def _indirect(pdf: pikepdf.Pdf, obj: pikepdf.Object) -> pikepdf.Object:
    """Return *obj* as an indirect object of *pdf*: ``copy_foreign`` takes only those."""
    return obj if obj.is_indirect else pdf.make_indirect(obj)


def _as_list(obj) -> list:
    if obj is None:
        return []
    return list(obj) if isinstance(obj, Array) else [obj]


def _number_tree(node) -> Iterator[tuple[int, pikepdf.Object]]:
    """Yield (key, value) of a number tree, flattening /Kids."""
    if node is None:
        return
    nums = node.get("/Nums")
    if nums is not None:
        for i in range(0, len(nums), 2):
            yield int(nums[i]), nums[i + 1]
    for kid in _as_list(node.get("/Kids")):
        yield from _number_tree(kid)


def _offset_keys(page: pikepdf.Dictionary, offset: int) -> None:
    if "/StructParents" in page:
        page.StructParents = int(page.StructParents) + offset
    for annot in _as_list(page.get("/Annots")):
        if "/StructParent" in annot:
            annot.StructParent = int(annot.StructParent) + offset
    page.Tabs = Name.S  # annotations in structure order


def _stamp(pack: pikepdf.Pdf, phrase: str, fonts: FontStore | None = None) -> None:
    """Stamp *phrase* ("Page N") at the foot of every page, as a pagination artifact screen readers skip."""
    before, after = _stamp_parts(phrase)
    font = stamp_font(before + "0123456789" + after, store=fonts)
    font_ref = font.to_pdf(pack)
    for number, page in enumerate(pack.pages, 1):
        text = f"{before}{number}{after}"
        box = page.mediabox
        x = (float(box[0]) + float(box[2]) - font.width(text, STAMP_SIZE)) / 2
        stamp_page(pack, page, font_ref, text, (x, float(box[1]) + STAMP_BOTTOM), STAMP_SIZE)


def stamp_page(
    pack: pikepdf.Pdf,
    page: pikepdf.Page,
    font_ref,
    text: str,
    at: tuple[float, float],
    size: float,
    saved: bool = False,
) -> None:
    """Print *text* on *page* at *at* (its baseline's left end) as a pagination artifact (``/BPStamp``).

    *saved*: its streams as a PDF saved with them and read again holds them (compressed already, their
    /Filter before the /Length qpdf writes): a pack placing a document's parts (``Joined``) stamps them
    as its joined file carries the stamps, so that the pack is the same, byte for byte.
    """
    x, y = at
    add_font(page, FONT_KEY, font_ref)
    stamp = (
        f"Q\n/Artifact <</Type /Pagination /Subtype /Footer>> BDC\n"
        f"q BT {FONT_KEY} {size} Tf 0 g {x:.2f} {y} Td ({pdf_string(text)}) Tj ET Q\nEMC\n"
    )
    # Wrap the page's own content in q … Q so that whatever state it leaves cannot move the stamp.
    page.contents_add(_stream(pack, b"q\n", saved), prepend=True)
    page.contents_add(_stream(pack, stamp.encode("ascii"), saved), prepend=False)


def _stream(pack: pikepdf.Pdf, data: bytes, saved: bool) -> pikepdf.Stream:
    if not saved:
        return pikepdf.Stream(pack, data)
    return pikepdf.Stream(pack, zlib.compress(data), Filter=Name.FlateDecode)  # as qpdf compresses it


@dataclass(frozen=True)
class NumberPlace:
    """Where and how a document prints its page number: right-aligned at *right*, on *baseline*."""

    right: float
    baseline: float
    size: float
    bold: bool = False


def join(
    pdfs: list[Path],
    out: Path,
    about: Described,
    number: NumberPlace,
    fonts: FontStore | None = None,
    begun: Assembler | None = None,
) -> int:
    """Join *pdfs*, the parts of one document, into *out* with their structure trees; return its pages.

    The parts' top elements go under one /Document as if converted together; their bookmarks are
    kept (a later part's under the first part's top one: one H1 a document); every page is numbered
    at *number*'s place, counting across the parts, as a pagination artifact (its font kept in *fonts*).
    *begun*, if given, is the join's assembler with some parts taken already (``Assembler.take``), its
    own font store used: the file is the same, byte for byte; it is closed when the join ends.
    """
    with begun or Assembler(fonts) as assembler:
        marks: list[Bookmark] = []
        for pdf in pdfs:
            source = assembler.add(Part(pdf, None), flat=True)
            marks = _merge_marks(marks, _outline(source, assembler.starts[-1]))
        with _no_gc():
            pack = assembler.pack
            assembler.tree.finish()
            font = stamp_font("0123456789", bold=number.bold, store=assembler.fonts)
            font_ref = font.to_pdf(pack)
            for count, page in enumerate(pack.pages, 1):
                x = number.right - font.width(str(count), number.size)
                stamp_page(pack, page, font_ref, str(count), (x, number.baseline), number.size)
            with pack.open_outline() as outline:
                outline.root.extend(_outline_item(b) for b in marks)
            describe_pdf(pack, replace(about, ua=about.ua and assembler.tagged))
            save_pdf(pack, out, deterministic_id=True, min_version=version_at_least(*assembler.versions))
            return len(pack.pages)


def _outline(source: pikepdf.Pdf, first: int) -> list[Bookmark]:
    """Return *source*'s bookmarks, their pages counted from *first*."""
    pages = {page.objgen: index for index, page in enumerate(source.pages)}

    def mark(item: OutlineItem) -> Bookmark:
        dest = item.destination
        page = pages.get(dest[0].objgen, 0) if isinstance(dest, Array) and len(dest) else 0
        return Bookmark(item.title, first + page, tuple(mark(c) for c in item.children))

    with source.open_outline() as outline:
        return [mark(item) for item in outline.root]


def _merge_marks(marks: list[Bookmark], more: list[Bookmark]) -> list[Bookmark]:
    """Return *marks* and then *more*: nested under the last of *marks*, the part's heading, if any."""
    if not marks:
        return more
    last = marks[-1]
    return [*marks[:-1], Bookmark(last.title, last.page, last.children + tuple(more))]


def _stamp_parts(phrase: str) -> tuple[str, str]:
    """Return the stamp's words before and after its page number, as a stamp can print them."""
    before, _, after = fill(phrase, {"number": "\x00"}).partition("\x00")
    return stampable(before), stampable(after)


def stamp_pattern(phrase: str) -> re.Pattern[bytes]:
    """Return the exact content stream ``_stamp`` appends for *phrase*: what the leak check allows."""
    before, after = (re.escape(pdf_string(part).encode("ascii")) for part in _stamp_parts(phrase))
    return re.compile(
        rb"Q\n/Artifact <</Type /Pagination /Subtype /Footer>> BDC\n"
        rb"q BT /BPStamp \d+ Tf 0 g -?[\d.]+ -?[\d.]+ Td \(" + before + rb"\d+" + after + rb"\) Tj ET Q\nEMC\n"
    )


def _bookmarks(parts: list[Part], starts: list[int]) -> list[Bookmark]:
    marks: list[Bookmark] = []
    for part, start in zip(parts, starts, strict=True):
        if part.bookmark is None:
            continue
        mark = Bookmark(part.bookmark, start)
        if part.level and marks:
            marks[-1] = Bookmark(marks[-1].title, marks[-1].page, marks[-1].children + (mark,))
        else:
            marks.append(mark)
    return marks


def _finish(pack: pikepdf.Pdf, info: PackInfo, bookmarks: list[Bookmark], ua: bool = True) -> None:
    """Page labels, bookmarks, language, title and the rest of the document information and XMP.

    With *ua* (every part tagged) the XMP claims PDF/UA-1; a pack with an untagged part does not.
    """
    pack.Root.PageLabels = Dictionary(Nums=Array([0, Dictionary(S=Name.D)]))
    pack.Root.PageMode = Name.UseOutlines
    with pack.open_outline() as outline:
        outline.root.extend(_outline_item(b) for b in bookmarks)
    about = Described(info.title, info.language, info.subject, info.author, info.keywords, ua=ua)
    describe_pdf(pack, about)


def _outline_item(mark: Bookmark) -> OutlineItem:
    item = OutlineItem(mark.title, mark.page)
    item.children.extend(_outline_item(c) for c in mark.children)
    return item
