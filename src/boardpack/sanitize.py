"""A Word document from outside, made safe to convert: nothing in it can make LibreOffice fetch anything.

A .docx can point outside itself, and LibreOffice follows some of those pointers while it converts:
a picture linked (not embedded) at ``http://…`` or ``file:///…`` is fetched and printed into the PDF.
Before conversion every relationship to a target outside the package is removed (pictures, linked
OLE objects, attached templates, subdocuments, frames, mail-merge sources), except hyperlinks,
which are only written into the PDF as links and never followed. Fields that include or link other
files (INCLUDEPICTURE, INCLUDETEXT, LINK, DDE …) become their last result as plain text; alt chunks
(whole documents in another format, HTML that could link pictures), mail merge and "update fields
on open" are removed. Tracked changes are accepted (deleted text is never printed) and comments
removed, so what prints is the document as its author last saw it finished. Hidden text (a run marked
``w:vanish`` or ``w:specVanish``) is deleted: a converter may print it, and the .docx would carry it.

The document must be a .docx (a zip whose ``word/document.xml`` is a Word document's main part):
LibreOffice would open many other formats, with other ways to link. Its zip is checked like a
workbook's (``zipcheck``).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile

from lxml import etree

from .zipcheck import ZipTooLarge, read_entry, zip_problem

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
HYPERLINK = f"{R}/hyperlink"
FETCHING_FIELDS = {"INCLUDEPICTURE", "INCLUDETEXT", "INCLUDE", "IMPORT", "LINK", "DDE", "DDEAUTO", "RD"}
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^[/\\]{2}")  # a URL, or a network path
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False)
# Removed wherever they are: each fetches, merges, or keeps what the author removed.
_REMOVED = [
    f"{{{W}}}{name}"
    for name in (
        "altChunk", "subDoc", "attachedTemplate", "mailMerge", "updateFields", "linkStyles", "del", "moveFrom",
        "moveFromRangeStart", "moveFromRangeEnd", "moveToRangeStart", "moveToRangeEnd", "rPrChange", "pPrChange",
        "sectPrChange", "tblPrChange", "tblPrExChange", "trPrChange", "tcPrChange", "tblGridChange",
        "numberingChange", "commentRangeStart", "commentRangeEnd", "commentReference",
    )
]  # fmt: skip
_UNWRAPPED = [f"{{{W}}}ins", f"{{{W}}}moveTo"]  # inserted text is kept, without its mark
_HIDDEN = (f"{{{W}}}vanish", f"{{{W}}}specVanish")
_OFF = {"0", "false", "off"}


class NotWordDocument(Exception):
    """The bytes given are not a .docx boardpack will convert; the message says why."""


def sanitize_docx(data: bytes) -> bytes:
    """Return the .docx *data* with everything that could fetch, include or hide content removed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            why = zip_problem(zf)
            if why is not None:
                raise NotWordDocument(f"refused: {why}")
            parts = {info.filename: read_entry(zf, info) for info in zf.infolist()}
    except (zipfile.BadZipFile, ZipTooLarge, EOFError) as exc:
        raise NotWordDocument(f"not a .docx: not a zip ({exc})") from None
    _check_word(parts)
    removed, hidden = {}, _hidden_styles(parts.get("word/styles.xml"))
    for name in [n for n in parts if n.endswith(".rels")]:
        parts[name], removed[_source_of(name)] = _clean_rels(name, parts[name])
    for name in [n for n in parts if n.startswith("word/") and n.endswith(".xml")]:
        parts[name] = _clean_part(name, parts[name], removed.get(name, set()), hidden)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, content in parts.items():
            zout.writestr(name, content)
    return out.getvalue()


def _check_word(parts: dict[str, bytes]) -> None:
    if "word/document.xml" not in parts:
        raise NotWordDocument("not a .docx: no word/document.xml")
    types = _parse("[Content_Types].xml", parts.get("[Content_Types].xml", b""))
    found = types.xpath("ct:Override[@PartName='/word/document.xml']/@ContentType", namespaces={"ct": CT})
    if found != [WORD_MAIN]:
        raise NotWordDocument(f"not a .docx: word/document.xml is {found[0] if found else 'of no type'}")


def _parse(name: str, data: bytes):
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise NotWordDocument(f"not a .docx: {name} is not XML ({exc})") from None


def _source_of(rels: str) -> str:
    """Return the part whose relationships *rels* holds: word/_rels/document.xml.rels -> word/document.xml."""
    folder, name = posixpath.split(rels)
    return posixpath.join(posixpath.dirname(folder), name.removesuffix(".rels"))


def _clean_rels(name: str, data: bytes) -> tuple[bytes, set[str]]:
    """Remove every relationship that reaches outside the package (but hyperlinks) or to an alt chunk."""
    root = _parse(name, data)
    removed = set()
    for rel in root.findall(f"{{{PKG}}}Relationship"):
        if _reaches_outside(rel) or rel.get("Type", "").endswith(("/aFChunk", "/comments", "/subDocument")):
            removed.add(rel.get("Id"))
            root.remove(rel)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True), removed


def _clean_part(name: str, data: bytes, removed: set[str], hidden: set[str]) -> bytes:
    root = _parse(name, data)
    _strip_fetching_fields(root)
    for row in _DELETED_ROWS(root):  # a deleted table row
        row.getparent().remove(row)
    for element in list(root.iter(*_REMOVED)):
        element.getparent().remove(element)
    for element in list(root.iter(*_UNWRAPPED)):
        _unwrap(element)
    _strip_hidden_runs(root, hidden)
    for value in _LINKING(root):  # the attributes that may link: found in C, not one Python step an element
        if _links_outside(value.attrname, str(value), removed):
            del value.getparent().attrib[value.attrname]
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _strip_hidden_runs(root, hidden: set[str]) -> None:
    """Delete every hidden run; a hidden field mark keeps just the mark, so that fields still close."""
    # With no style that hides, only a run's own properties can: look at those runs alone.
    for run in list(root.iter(f"{{{W}}}r")) if hidden else _FLAGGED_RUNS(root):
        if not _is_hidden(run, hidden):
            continue
        if run.find(f"{{{W}}}fldChar") is None:
            run.getparent().remove(run)
            continue
        for child in [c for c in run if c.tag not in (f"{{{W}}}rPr", f"{{{W}}}fldChar")]:
            run.remove(child)


def _is_hidden(run, hidden: set[str]) -> bool:
    """Whether *run* is hidden text: by its own properties, else by its character or paragraph style.

    Only a run's ``w:rPr`` counts: the same flag in a paragraph's ``w:pPr`` hides the paragraph mark, not text.
    A style that says "not hidden" over a paragraph style that hides is still taken as hidden: text is only
    ever deleted on the safe side.
    """
    props = run.find(f"{{{W}}}rPr")
    own = _hides(props)
    if own is not None:
        return own
    character = props.find(f"{{{W}}}rStyle") if props is not None else None
    if character is not None and character.get(f"{{{W}}}val") in hidden:
        return True
    para = next(run.iterancestors(f"{{{W}}}p"), None)
    style = para.find(f"{{{W}}}pPr/{{{W}}}pStyle") if para is not None else None
    return (style.get(f"{{{W}}}val", "") if style is not None else "") in hidden


def _hides(props) -> bool | None:
    """Return whether run properties *props* hide text (``w:vanish``, ``w:specVanish``), or None if they do not say."""
    flags = [] if props is None else [f for f in props if f.tag in _HIDDEN]
    return any(f.get(f"{{{W}}}val", "true") not in _OFF for f in flags) if flags else None


def _hidden_styles(data: bytes | None) -> set[str]:
    """Return the ids of the styles in styles.xml *data* that hide text, by themselves or the style they are based on.

    The default paragraph style, which unstyled paragraphs have, is also named by "".
    """
    own: dict[str, bool | None] = {}
    based: dict[str, str | None] = {}
    default = None
    for style in _parse("word/styles.xml", data).iter(f"{{{W}}}style") if data else ():
        name = style.get(f"{{{W}}}styleId")
        own[name] = _hides(style.find(f"{{{W}}}rPr"))
        base = style.find(f"{{{W}}}basedOn")
        based[name] = None if base is None else base.get(f"{{{W}}}val")
        if style.get(f"{{{W}}}type") == "paragraph" and style.get(f"{{{W}}}default") in ("1", "true"):
            default = name
    hidden = {name for name in own if _inherits_hidden(name, own, based)}
    return hidden | ({""} if default in hidden else set())


def _inherits_hidden(name: str | None, own: dict, based: dict) -> bool:
    """Whether style *name* hides text: the nearest of it and the styles it is based on that says decides."""
    seen = set()
    while name in own and name not in seen:
        if own[name] is not None:
            return own[name]
        seen.add(name)
        name = based[name]
    return False


_DELETED_ROWS = etree.XPath("//w:tr[w:trPr/w:del]", namespaces={"w": W})
_FLAGGED_RUNS = etree.XPath("//w:r[w:rPr/w:vanish or w:rPr/w:specVanish]", namespaces={"w": W})
# Every attribute _links_outside may remove: one in the relationships' namespace, or named src or href.
_LINKING = etree.XPath(f"//@*[namespace-uri()='{R}' or local-name()='src' or local-name()='href']")


def _links_outside(attribute: str, value: str, removed: set[str]) -> bool:
    """An r:id (r:embed, r:link …) of a removed relationship, or a VML picture's own link (src, o:href)."""
    if attribute.startswith(f"{{{R}}}"):
        return value in removed
    return attribute.rsplit("}", 1)[-1] in ("src", "href")


def _strip_fetching_fields(root) -> None:
    """Turn every field that includes or links another file into its last result, as plain text."""
    for simple in list(root.iter(f"{{{W}}}fldSimple")):
        if _fetches(simple.get(f"{{{W}}}instr", "")):
            _unwrap(simple)
    stack: list[tuple[list, list[str]]] = []  # per open field: its marks, its instruction
    for element in list(root.iter(f"{{{W}}}fldChar", f"{{{W}}}instrText")):
        kind = element.get(f"{{{W}}}fldCharType")
        if kind == "begin":
            stack.append(([], []))
        if not stack:
            continue
        marks, instruction = stack[-1]
        marks.append(element)
        if element.tag == f"{{{W}}}instrText":
            instruction.append(element.text or "")
        if kind == "end":
            stack.pop()
            if _fetches("".join(instruction)):
                for mark in marks:
                    mark.getparent().remove(mark)


def _fetches(instruction: str) -> bool:
    words = instruction.split()
    return bool(words) and words[0].upper() in FETCHING_FIELDS


def _unwrap(element) -> None:
    """Put *element*'s children in its place."""
    parent = element.getparent()
    index = parent.index(element)
    for offset, child in enumerate(list(element)):
        parent.insert(index + offset, child)
    parent.remove(element)


def outside_links(path) -> list[str]:
    """Return the targets outside the package that the .docx at *path* would fetch (hyperlinks aside).

    For templates, which are rendered, not sanitised: a template that links a picture at
    ``http://…`` would make every paper fetch it, so ``check`` refuses it instead.
    """
    found = []
    with zipfile.ZipFile(path) as zf:
        for info in (i for i in zf.infolist() if i.filename.endswith(".rels")):
            root = _parse(info.filename, read_entry(zf, info))
            found += [rel.get("Target", "") for rel in root.findall(f"{{{PKG}}}Relationship") if _reaches_outside(rel)]
    return found


def _reaches_outside(rel) -> bool:
    """Return whether the relationship *rel* reaches outside the package for more than a hyperlink."""
    outside = rel.get("TargetMode") == "External" or _SCHEME.match(rel.get("Target", ""))
    return bool(outside) and rel.get("Type", "") != HYPERLINK
