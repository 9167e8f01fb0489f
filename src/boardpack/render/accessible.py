"""What a rendered .docx needs after docxtpl so that its PDF and its HTML read as they print.

- Lists: each run of consecutive paragraphs numbered by an ordered list style (List Letter's
  "(a)") gets a numbering instance of its own that starts at 1, so every list restarts at (a);
  Word and LibreOffice would otherwise run on from the last list of the same style.
- Links: e-mail addresses and http(s) URLs in the rendered text become real links (w:hyperlink to
  an external mailto:/https: relationship, character style Hyperlink). This works on the rendered
  runs' text, as data: plan text is never rendered as a template again.
- A mammoth style map (part ``mammoth/style-map``) naming every style the document uses, so that
  mammoth reads the title as h1, headings as h2/h3, lists as ol/ul, and warns of no style.
"""

from __future__ import annotations

import copy
import re

from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import RGBColor

BULLET = "bullet"
# A URL keeps balanced parentheses (…/Fire_(disambiguation)) but not the punctuation after it; an
# address keeps an apostrophe between letters (o'neill@…), not a quote around it ('jo@x.org').
LINK = re.compile(
    r"(?P<url>https?://(?:[^\s<>\"()]|\([^\s<>\"()]*\))*(?:[^\s<>\".,;:!?)\]'’”(]|\([^\s<>\"()]*\)))"
    r"|(?<![\w.%+-])(?<!\w')"
    r"(?P<email>[A-Za-z0-9._%+-]+(?:'[A-Za-z0-9._%+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})(?![\w-])"
)
HYPERLINK_STYLE = "Hyperlink"
STYLE_MAP_URI = "/mammoth/style-map"
STYLE_MAP_TYPE = "text/prs.mammoth.style-map"
STYLE_MAP_REL = "http://schemas.zwobble.org/mammoth/style-map"
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
W_P, W_TC, W_PPR, W_PSTYLE, W_VAL = qn("w:p"), qn("w:tc"), qn("w:pPr"), qn("w:pStyle"), qn("w:val")
W_NUMPR, W_NUMID, W_ILVL = qn("w:numPr"), qn("w:numId"), qn("w:ilvl")
W_R, W_RPR, W_T = qn("w:r"), qn("w:rPr"), qn("w:t")


def finish(document) -> None:
    """Restart each ordered list, link addresses and embed the style map, in *document* (python-docx)."""
    restart_lists(document)
    link_addresses(document)
    embed_style_map(document)


# Lists ------------------------------------------------------------------------------------------


class Numbering:
    """A document's numbering definitions and the numbering its paragraph styles give."""

    def __init__(self, document):
        self.element = document.part.numbering_part.element
        self.abstract_of = {
            n.get(qn("w:numId")): n.find(qn("w:abstractNumId")).get(qn("w:val")) for n in self.element.iter(qn("w:num"))
        }
        self.formats = {}
        for abstract in self.element.iter(qn("w:abstractNum")):
            level = next((lvl for lvl in abstract.iter(qn("w:lvl")) if lvl.get(qn("w:ilvl")) == "0"), None)
            fmt = level.find(qn("w:numFmt")) if level is not None else None
            self.formats[abstract.get(qn("w:abstractNumId"))] = fmt.get(qn("w:val")) if fmt is not None else BULLET
        self.style_num = _style_numbering(document)

    def style_list(self, style_id: str) -> str | None:
        """The abstract list the paragraph style *style_id* numbers with, or None (it numbers nothing)."""
        num_id, _ = self.style_num.get(style_id, (None, "0"))
        return self.abstract_of.get(num_id) if num_id is not None else None

    def ordered(self, paragraph) -> str | None:
        """Return the numId of the ordered list *paragraph* (a w:p) belongs to at level 0, else None."""
        ppr = paragraph.find(W_PPR)
        num_pr = ppr.find(W_NUMPR) if ppr is not None else None
        style = ppr.find(W_PSTYLE) if ppr is not None else None
        num_id, level = self.style_num.get(style.get(W_VAL) if style is not None else None, (None, "0"))
        if num_pr is not None:
            direct_id, direct_level = num_pr.find(W_NUMID), num_pr.find(W_ILVL)
            num_id = direct_id.get(W_VAL) if direct_id is not None else num_id
            level = direct_level.get(W_VAL) if direct_level is not None else level
        fmt = self.formats.get(self.abstract_of.get(num_id))
        return num_id if level == "0" and fmt not in (None, BULLET, "none") else None

    def restarted(self, num_id: str) -> str:
        """Add a numbering instance of *num_id*'s list that starts again at 1; return its numId."""
        new_id = str(max(int(n) for n in self.abstract_of) + 1)
        abstract = self.abstract_of[num_id]
        self.element.append(
            _xml(
                f'<w:num w:numId="{new_id}"><w:abstractNumId w:val="{abstract}"/>'
                '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'
            )
        )
        self.abstract_of[new_id] = abstract
        return new_id


def _style_numbering(document) -> dict[str, tuple[str, str]]:
    """Return, by paragraph style id, the (numId, ilvl) the style (or a style it is based on) numbers with.

    Read from the styles' XML, as python-docx reads it (a style with no type is a paragraph style, the
    first style with an id is the one ``w:basedOn`` names): walking its style proxies took a tenth of a
    second a document.
    """
    styles = list(document.styles.element.iterchildren(qn("w:style")))
    by_id: dict[str, object] = {}
    for style in styles:
        by_id.setdefault(style.get(qn("w:styleId")), style)
    found: dict[str, tuple[str, str]] = {}
    for style in styles:
        if style.get(qn("w:type"), "paragraph") != "paragraph":
            continue
        chain, seen = style, set()
        while chain is not None and id(chain) not in seen:
            seen.add(id(chain))
            num_pr = _grandchild(chain, "w:pPr", "w:numPr")
            num_id = _grandchild(num_pr, "w:numId")
            if num_id is not None:
                level = num_pr.find(qn("w:ilvl"))
                found[style.get(qn("w:styleId"))] = (
                    num_id.get(qn("w:val")),
                    level.get(qn("w:val")) if level is not None else "0",
                )
                break
            based_on = _grandchild(chain, "w:basedOn")
            chain = by_id.get(based_on.get(qn("w:val"))) if based_on is not None else None
    return found


def _grandchild(element, *tags: str):
    """The first descendant of *element* down the path *tags* (first child of each tag), or None."""
    for tag in tags:
        element = element.find(qn(tag)) if element is not None else None
    return element


def restart_lists(document) -> int:
    """Give each run of consecutive ordered-list paragraphs its own numbering from 1; return how many."""
    numbering = Numbering(document)
    body = document.element.body
    if not _may_number(body, numbering):  # a 500-row appendix: no paragraph to look at one by one
        return 0
    runs = 0
    for container in [body, *body.iter(W_TC)]:
        current = None  # (numId of the style's list, numId of this run's instance)
        for child in container:
            num_id = numbering.ordered(child) if child.tag == W_P else None
            if num_id is None:
                current = None
                continue
            if current is None or current[0] != num_id:
                current = (num_id, numbering.restarted(num_id))
                runs += 1
            num_pr = child.get_or_add_pPr().get_or_add_numPr()
            num_pr.get_or_add_ilvl().val = 0
            num_pr.get_or_add_numId().val = int(current[1])
    return runs


def _may_number(body, numbering: Numbering) -> bool:
    """Whether a paragraph of *body* may be in a list: it numbers directly, or has a style that numbers."""
    if next(body.iter(W_NUMPR), None) is not None:
        return True
    numbered = {style for style, (num_id, _) in numbering.style_num.items() if num_id in numbering.abstract_of}
    if None in numbered:  # a numbered style with no id: python-docx's, and so ``ordered``'s, paragraph with no style
        return True
    return any(style.get(W_VAL) in numbered for style in body.iter(W_PSTYLE))


# Links ------------------------------------------------------------------------------------------


def link_addresses(document) -> int:
    """Turn each e-mail address and http(s) URL in *document*'s body text into a link; return how many."""
    style_id = None
    count = 0
    body = document.element.body
    if not LINK.search("\n".join(t.text or "" for t in body.iter(W_T))):  # a run's link is a link in this
        return 0
    for run in list(body.iter(W_R)):
        text = _only_text(run)
        if text is None or run.getparent().tag != W_P or not LINK.search(text):
            continue
        style_id = style_id or _hyperlink_style(document)
        pieces, at = [], 0
        for match in LINK.finditer(text):
            pieces.append(_text_run(run, text[at : match.start()]))
            target = match.group("url") or "mailto:" + match.group("email")
            r_id = document.part.relate_to(target, RT.HYPERLINK, is_external=True)
            link = _xml(f'<w:hyperlink r:id="{r_id}" w:history="1"/>')
            link.append(_text_run(run, match.group(0), style_id))
            pieces.append(link)
            at = match.end()
            count += 1
        pieces.append(_text_run(run, text[at:]))
        for piece in pieces:
            if piece is not None:
                run.addprevious(piece)
        run.getparent().remove(run)
    return count


def _only_text(run) -> str | None:
    """Return the text of a run that holds nothing but its properties and one w:t, else None."""
    content = [c for c in run if c.tag != W_RPR]
    if len(content) != 1 or content[0].tag != W_T:
        return None
    return content[0].text or ""


def _text_run(run, text: str, style_id: str | None = None):
    """Return a copy of *run* (its properties) holding *text*, in character style *style_id*; None if no text."""
    if not text:
        return None
    new = copy.deepcopy(run)
    t = new.find(qn("w:t"))
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    if style_id:
        rpr = new.get_or_add_rPr()
        for old in rpr.findall(qn("w:rStyle")):
            rpr.remove(old)
        rpr.insert(0, _xml(f'<w:rStyle w:val="{style_id}"/>'))
    return new


def _hyperlink_style(document) -> str:
    """Return the id of the Hyperlink character style, adding it (blue, underlined) to a template that lacks it."""
    for style in document.styles:
        if style.type == WD_STYLE_TYPE.CHARACTER and style.name == HYPERLINK_STYLE:
            return style.style_id
    style = document.styles.add_style(HYPERLINK_STYLE, WD_STYLE_TYPE.CHARACTER)
    style.font.color.rgb, style.font.underline = RGBColor(0x05, 0x63, 0xC1), True
    return style.style_id


# The mammoth style map ----------------------------------------------------------------------------


def style_map(document) -> str:
    """Return a mammoth style map for every paragraph, character and table style *document*'s body uses.

    A paragraph style with an outline level is a heading (level 0: h1); one that numbers is a list
    item (ul for bullets, ol otherwise); any other is a paragraph. Character styles keep their text
    and tables stay tables, without a warning.
    """
    numbering = Numbering(document)
    body = document.element.body
    used = {
        kind: {e.get(qn("w:val")) for e in body.iter(qn(tag))}
        for kind, tag in (("p", "w:pStyle"), ("r", "w:rStyle"), ("table", "w:tblStyle"))
    }
    lines = []
    for style in document.styles:
        name = style.name
        if "'" in name or "\\" in name:
            continue
        if style.style_id in used["p"] and style.type == WD_STYLE_TYPE.PARAGRAPH:
            lines.append(f"p[style-name='{name}'] => {_paragraph_target(style, numbering)}")
        elif style.style_id in used["r"] and style.type == WD_STYLE_TYPE.CHARACTER:
            lines.append(f"r[style-name='{name}'] =>")
        elif style.style_id in used["table"] and style.type == WD_STYLE_TYPE.TABLE:
            lines.append(f"table[style-name='{name}'] => table")
    return "\n".join(lines) + "\n"


def _paragraph_target(style, numbering: Numbering) -> str:
    level = outline_level(style)
    if level is not None and level < len(HEADINGS):
        return f"{HEADINGS[level]}:fresh"
    abstract = numbering.style_list(style.style_id)
    if abstract is not None:
        return "ul > li:fresh" if numbering.formats.get(abstract) == BULLET else "ol > li:fresh"
    return "p:fresh"


def outline_level(style) -> int | None:
    """The outline level *style* (or a style it is based on) gives: 0 for an H1, None for body text."""
    while style is not None:
        ppr = style.element.pPr
        level = ppr.find(qn("w:outlineLvl")) if ppr is not None else None
        if level is not None:
            value = int(level.get(qn("w:val")))
            return value if value < 9 else None  # 9: body text
        style = style.base_style
    return None


def embed_style_map(document) -> None:
    """Add (or replace) the part ``mammoth/style-map`` holding *document*'s style map."""
    blob = style_map(document).encode("utf-8")
    for rel in document.part.rels.values():
        if rel.reltype == STYLE_MAP_REL and not rel.is_external:
            rel.target_part._blob = blob
            return
    part = Part(PackURI(STYLE_MAP_URI), STYLE_MAP_TYPE, blob, document.part.package)
    document.part.relate_to(part, STYLE_MAP_REL)


def _xml(text: str):
    """Parse one WordprocessingML element written without its namespace declarations."""
    return parse_xml(re.sub(r"^<([\w:]+)", lambda m: f"<{m.group(1)} {nsdecls('w', 'r')}", text, count=1))
