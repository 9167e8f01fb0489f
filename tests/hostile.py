"""Make .docx files that try to make a converter fetch things: linked images, fields, templates, alt chunks."""

from __future__ import annotations

import http.server
import io
import threading
import zipfile
from pathlib import Path

from docx import Document
from PIL import Image

R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
IMAGE = f"{R}/image"


def png(path: Path, colour: str) -> Path:
    Image.new("RGB", (60, 40), colour).save(path)
    return path


class Counting:
    """A local HTTP server that counts the requests it gets (and serves a small PNG to each)."""

    def __init__(self, image: bytes):
        self.requests: list[str] = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the name http.server calls
                owner.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(image)))
                self.end_headers()
                self.wfile.write(image)

            do_HEAD = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def field(instruction: str, cached: str) -> str:
    runs = [
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>',
        f'<w:r><w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>',
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>',
        f"<w:r><w:t>{cached}</w:t></w:r>",
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
    ]
    return "<w:p>" + "".join(runs) + "</w:p>"


def hostile_docx(path: Path, url: str, local_image: Path, own_image: Path, extra_body: str = "") -> Path:
    """Write a .docx with its own picture, and pictures, fields and a template linked at *url* and on disk."""
    doc = Document()
    doc.add_paragraph("A hostile document")
    doc.add_picture(str(own_image))
    buffer = io.BytesIO()
    doc.save(buffer)
    with zipfile.ZipFile(buffer) as zin:
        parts = {info.filename: zin.read(info) for info in zin.infolist()}
    document = parts["word/document.xml"].decode()
    drawing = document[document.index("<w:drawing>") : document.index("</w:drawing>") + len("</w:drawing>")]
    own_id = drawing.split('r:embed="')[1].split('"')[0]
    linked = [
        drawing.replace(f'r:embed="{own_id}"', 'r:link="rIdLinkHttp"'),
        drawing.replace(f'r:embed="{own_id}"', 'r:embed="rIdLinkFile"'),
        drawing.replace(f'r:embed="{own_id}"', 'r:embed="rIdEmbedHttp"'),
    ]
    body = "".join(f"<w:p><w:r>{d}</w:r></w:p>" for d in linked)
    body += field(f'INCLUDEPICTURE "{url}/field.png" \\d', "included picture")
    body += field(f'INCLUDETEXT "{url}/text.docx"', "included text")
    body += field(f'LINK Excel.Sheet.8 "{url}/book.xls" "Sheet1!R1C1"', "linked cell")
    body += '<w:altChunk r:id="rIdChunk"/>' + extra_body
    document = document.replace("<w:sectPr", body + "<w:sectPr", 1)
    parts["word/document.xml"] = document.encode()
    rels = parts["word/_rels/document.xml.rels"].decode()
    extra = [
        ("rIdLinkHttp", IMAGE, f"{url}/linked.png", True),
        ("rIdLinkFile", IMAGE, local_image.as_uri(), True),
        ("rIdEmbedHttp", IMAGE, f"{url}/embedded.png", False),
        ("rIdChunk", f"{R}/aFChunk", "chunk.html", False),
        ("rIdWeb", f"{R}/hyperlink", "https://example.org/", True),
    ]
    for rid, kind, target, external in extra:
        mode = ' TargetMode="External"' if external else ""
        rels = rels.replace(
            "</Relationships>", f'<Relationship Id="{rid}" Type="{kind}" Target="{target}"{mode}/></Relationships>'
        )
    parts["word/_rels/document.xml.rels"] = rels.encode()
    parts["word/chunk.html"] = f'<html><body><p>chunk</p><img src="{url}/chunk.png"></body></html>'.encode()
    types = parts["[Content_Types].xml"].decode()
    types = types.replace("</Types>", '<Default Extension="html" ContentType="text/html"/></Types>')
    parts["[Content_Types].xml"] = types.encode()
    settings = parts["word/settings.xml"].decode()
    settings = settings.replace("<w:defaultTabStop", '<w:attachedTemplate r:id="rIdTemplate"/><w:defaultTabStop', 1)
    if "xmlns:r=" not in settings.split(">", 2)[1]:
        settings = settings.replace("<w:settings ", f'<w:settings xmlns:r="{R}" ', 1)
    parts["word/settings.xml"] = settings.encode()
    parts["word/_rels/settings.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rIdTemplate" Type="{R}/attachedTemplate" Target="{url}/template.dotx"'
        ' TargetMode="External"/>'
        "</Relationships>"
    ).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts.items():
            zout.writestr(name, data)
    return path


SECRET_WORDS = tuple(
    f"{word}SECRET"
    for word in ("TITLE", "AUTH", "PROP", "KEY", "SUBJ", "CAT", "EDIT", "CUSTOM", "COMPANY", "MANAGER", "ITEM")
    + ("VANISH", "SPEC", "CHARSTYLE", "PARASTYLE")
)
CUSTOM_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"'
    ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Client">'
    "<vt:lpwstr>CUSTOMSECRET</vt:lpwstr></property></Properties>"
)
APP_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>Microsoft Office Word</Application><Company>COMPANYSECRET</Company>"
    "<Manager>MANAGERSECRET</Manager></Properties>"
)
HIDDEN_RUNS = (
    '<w:p><w:r><w:t xml:space="preserve">Shown text </w:t></w:r>'
    "<w:r><w:rPr><w:vanish/></w:rPr><w:t>VANISHSECRET</w:t></w:r>"
    '<w:r><w:rPr><w:b/><w:specVanish w:val="1"/></w:rPr><w:t>SPECSECRET</w:t></w:r>'
    '<w:r><w:rPr><w:vanish w:val="0"/></w:rPr><w:t xml:space="preserve"> and shown again</w:t></w:r>'
    '<w:r><w:rPr><w:rStyle w:val="HiddenChar"/></w:rPr><w:t>CHARSTYLESECRET</w:t></w:r>'
    '<w:r><w:rPr><w:vanish/></w:rPr><w:fldChar w:fldCharType="begin"/></w:r>'
    '<w:r><w:rPr><w:vanish/></w:rPr><w:instrText xml:space="preserve"> XE "index" </w:instrText></w:r>'
    '<w:r><w:rPr><w:vanish/></w:rPr><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    '<w:p><w:pPr><w:pStyle w:val="HiddenPara"/></w:pPr><w:r><w:t>PARASTYLESECRET</w:t></w:r></w:p>'
    '<w:p><w:pPr><w:pStyle w:val="HiddenPara"/></w:pPr><w:r><w:rPr><w:vanish w:val="false"/></w:rPr>'
    "<w:t>Shown over its hidden style</w:t></w:r></w:p>"
)
HIDDEN_STYLES = (  # a character style that hides, a paragraph style based on a paragraph style that hides
    '<w:style w:type="character" w:styleId="HiddenChar"><w:name w:val="Hidden Char"/><w:rPr><w:vanish/></w:rPr>'
    '</w:style><w:style w:type="paragraph" w:styleId="HiddenBase"><w:name w:val="Hidden Base"/>'
    '<w:rPr><w:specVanish/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="HiddenPara">'
    '<w:name w:val="Hidden Para"/><w:basedOn w:val="HiddenBase"/></w:style>'
)


def secret_docx(path: Path) -> Path:
    """Write a .docx whose own properties (core, custom, extended, a custom XML item: SharePoint's) and hidden runs
    each hold a *SECRET word."""
    doc = Document()
    doc.add_paragraph("A document with secrets")
    props = doc.core_properties
    props.title, props.author, props.comments = "TITLESECRET", "AUTHSECRET", "PROPSECRET"
    props.keywords, props.subject, props.category = "KEYSECRET", "SUBJSECRET", "CATSECRET"
    props.last_modified_by = "EDITSECRET"
    buffer = io.BytesIO()
    doc.save(buffer)
    with zipfile.ZipFile(buffer) as zin:
        parts = {info.filename: zin.read(info) for info in zin.infolist()}
    document = parts["word/document.xml"].decode()
    parts["word/document.xml"] = document.replace("<w:sectPr", HIDDEN_RUNS + "<w:sectPr", 1).encode()
    parts["word/styles.xml"] = parts["word/styles.xml"].replace(b"</w:styles>", HIDDEN_STYLES.encode() + b"</w:styles>")
    parts["docProps/custom.xml"], parts["docProps/app.xml"] = CUSTOM_XML.encode(), APP_XML.encode()
    parts["customXml/item1.xml"] = b"<properties><documentManagement><Owner>ITEMSECRET</Owner></documentManagement>"
    parts["customXml/item1.xml"] += b"</properties>"
    kind = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
    types = parts["[Content_Types].xml"].decode()
    parts["[Content_Types].xml"] = types.replace(
        "</Types>", f'<Override PartName="/docProps/custom.xml" ContentType="{kind}"/></Types>'
    ).encode()
    rels = parts["_rels/.rels"].decode()
    parts["_rels/.rels"] = rels.replace(
        "</Relationships>",
        f'<Relationship Id="rIdCustom" Type="{R}/custom-properties" Target="docProps/custom.xml"/></Relationships>',
    ).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts.items():
            zout.writestr(name, data)
    return path
