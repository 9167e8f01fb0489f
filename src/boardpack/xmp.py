"""The document information and XMP metadata of a PDF boardpack writes, kept consistent with each other.

PDF/UA-1 (ISO 14289-1, 7.1) wants the title in XMP ``dc:title`` and the claim of conformance as
``pdfuaid:part`` 1, declared (as PDF/A's rules for XMP require of any schema outside the standard
ones) by a ``pdfaExtension`` schema. The packet is written here by hand, with no dates and no tool
stamp, so the same document gives the same bytes. Imports no stage.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from xml.sax.saxutils import escape

import pikepdf
from pikepdf import Dictionary, Name

LANGUAGE = "en-GB"
MIN_VERSION = "1.6"  # what LibreOffice writes with PDFUACompliance; XMP metadata itself needs 1.4

_UA_EXTENSION = """  <rdf:Description rdf:about=""
    xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
    xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
    xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
   <pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
    <pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
    <pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
    <pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
    <pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
     <pdfaProperty:name>part</pdfaProperty:name>
     <pdfaProperty:valueType>Integer</pdfaProperty:valueType>
     <pdfaProperty:category>internal</pdfaProperty:category>
     <pdfaProperty:description>Indicates which part of ISO 14289 the file conforms to</pdfaProperty:description>
    </rdf:li></rdf:Seq></pdfaSchema:property>
   </rdf:li></rdf:Bag></pdfaExtension:schemas>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">
   <pdfuaid:part>1</pdfuaid:part>
  </rdf:Description>
"""


@dataclass(frozen=True)
class Described:
    """What a PDF says about itself, in its document information and its XMP alike."""

    title: str
    language: str = LANGUAGE
    subject: str = ""
    author: str = ""
    keywords: str = ""
    creator: str = "boardpack"
    ua: bool = True  # claim PDF/UA-1 (pdfuaid:part 1): only for a file whose content is all tagged
    created: dt.date | None = None  # Info /CreationDate and xmp:CreateDate, at midnight UTC


def describe_pdf(pdf: pikepdf.Pdf, about: Described) -> None:
    """Replace *pdf*'s document information and XMP metadata with *about*; set /Lang and DisplayDocTitle."""
    for key in list(pdf.docinfo.keys()):
        del pdf.docinfo[key]
    info = {"/Title": about.title, "/Subject": about.subject, "/Author": about.author}
    info |= {"/Keywords": about.keywords, "/Creator": about.creator}
    for key, value in info.items():
        if value:
            pdf.docinfo[key] = value
    if about.created:
        pdf.docinfo["/CreationDate"] = f"D:{about.created:%Y%m%d}000000Z"
    stream = pikepdf.Stream(pdf, xmp_packet(about).encode("utf-8"))
    stream.Type, stream.Subtype = Name.Metadata, Name.XML
    pdf.Root.Metadata = pdf.make_indirect(stream)
    pdf.Root.Lang = about.language
    pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)


def xmp_packet(about: Described) -> str:
    """Return the XMP packet of *about*: Dublin Core, PDF and XMP basic properties, and the PDF/UA claim."""
    dc = [f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(about.title)}</rdf:li></rdf:Alt></dc:title>']
    if about.subject:
        dc.append(
            f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{escape(about.subject)}</rdf:li></rdf:Alt>'
            "</dc:description>"
        )
    if about.author:
        dc.append(f"<dc:creator><rdf:Seq><rdf:li>{escape(about.author)}</rdf:li></rdf:Seq></dc:creator>")
    dc.append(f"<dc:language><rdf:Bag><rdf:li>{escape(about.language)}</rdf:li></rdf:Bag></dc:language>")
    dc.append("<dc:format>application/pdf</dc:format>")
    other = [f"<xmp:CreatorTool>{escape(about.creator)}</xmp:CreatorTool>"] if about.creator else []
    if about.created:
        other.append(f"<xmp:CreateDate>{about.created:%Y-%m-%d}T00:00:00Z</xmp:CreateDate>")
    if about.keywords:
        other.append(f"<pdf:Keywords>{escape(about.keywords)}</pdf:Keywords>")
    lines = "\n   ".join(dc + other)
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '    xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">\n'
        f"   {lines}\n"
        "  </rdf:Description>\n"
        f"{_UA_EXTENSION if about.ua else ''}"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )


def version_at_least(*versions: str) -> str:
    """Return the highest of *versions* and ``MIN_VERSION`` ("1.10" above "1.9")."""

    def key(version: str) -> tuple[int, ...]:
        return tuple(int(part) for part in version.split(".") if part.isdigit())

    return max([MIN_VERSION, *versions], key=key)


def is_tagged(pdf: pikepdf.Pdf) -> bool:
    """Whether *pdf* says it is tagged: a structure tree, and /MarkInfo /Marked true."""
    mark = pdf.Root.get("/MarkInfo")
    return "/StructTreeRoot" in pdf.Root and isinstance(mark, Dictionary) and bool(mark.get("/Marked", False))


def claims_ua(pdf: pikepdf.Pdf) -> bool:
    """Whether *pdf* is tagged and its XMP claims PDF/UA-1 (``pdfuaid:part`` 1): its author's claim, not ours."""
    if not is_tagged(pdf) or "/Metadata" not in pdf.Root:
        return False
    try:
        meta = pdf.open_metadata()
        return str(meta.get("pdfuaid:part", "")).strip() == "1"
    except Exception:  # noqa: BLE001 - an unreadable packet claims nothing
        return False
