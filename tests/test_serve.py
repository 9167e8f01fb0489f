"""``boardpack serve``, attacked: it converts .docx only, fetches nothing a document links, and caps requests.

A real ``boardpack serve`` with its real LibreOffice; a local HTTP server stands in for the outside
world and counts every request it gets.
"""

from __future__ import annotations

import http.client
import io
import subprocess
import sys
import xmlrpc.client
import zipfile
from pathlib import Path

import pikepdf
import pytest
from docx import Document
from lxml import etree
from pypdf import PdfReader

from boardpack.convert.serve import MAX_REQUEST
from boardpack.sanitize import W, sanitize_docx

from .hostile import Counting, hostile_docx, png

pytestmark = pytest.mark.e2e
LOCAL_IMAGE = Path("/usr/share/pixmaps/debian-logo.png")


@pytest.fixture(scope="module")
def served():
    """A running ``boardpack serve``: its address (host, port)."""
    server = subprocess.Popen(
        [sys.executable, "-m", "boardpack", "serve", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        url = server.stdout.readline().split("--converter ")[1].split(";")[0]
        host, port = url.removeprefix("unoserver://").split(":")
        yield host, int(port)
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stdout.close()


def convert(served, data: bytes) -> bytes:
    proxy = xmlrpc.client.ServerProxy(f"http://{served[0]}:{served[1]}", allow_none=True)
    return proxy.convert(None, xmlrpc.client.Binary(data), None, "pdf", None, [], False, None).data


def images(pdf: bytes) -> int:
    """Count the image XObjects in a PDF (a picture with transparency is two: it and its mask)."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return sum(1 for obj in doc.objects if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image")


def test_serve_fetches_nothing_a_document_links(served, tmp_path):
    local = tmp_path / "local.png"
    local.write_bytes(LOCAL_IMAGE.read_bytes() if LOCAL_IMAGE.is_file() else png(local, "green").read_bytes())
    outside = Counting(png(tmp_path / "outside.png", "red").read_bytes())
    try:
        docx = hostile_docx(tmp_path / "hostile.docx", outside.url, local, png(tmp_path / "own.png", "blue"))
        pdf = convert(served, docx.read_bytes())
    finally:
        outside.close()
    assert outside.requests == []
    assert images(pdf) == 1  # its own picture, and neither the local file nor anything fetched
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "A hostile document" in text and "included picture" in text  # a field's last result stays, as text


def docx_with(content_type: str | None = None, drop: str | None = None) -> bytes:
    """Return a plain .docx, with its main part's content type changed or one part left out."""
    plain, out = io.BytesIO(), io.BytesIO()
    Document().save(plain)
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == drop:
                continue
            if content_type and info.filename == "[Content_Types].xml":
                data = data.replace(b"document.main+xml", content_type.encode())
            zout.writestr(info, data)
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda tmp: b"{\\rtf1 an RTF document}", "not a .docx: not a zip"),
        (lambda tmp: docx_with(drop="word/document.xml"), "not a .docx: no word/document.xml"),
        (
            lambda tmp: docx_with(content_type="document.macroEnabled.main+xml"),
            "not a .docx: word/document.xml is",
        ),
    ],
    ids=["rtf", "no-document-part", "macro-enabled"],
)
def test_serve_converts_word_documents_only(served, tmp_path, make, reason):
    with pytest.raises(xmlrpc.client.Fault, match=reason):
        convert(served, make(tmp_path))


def test_serve_refuses_a_request_over_its_limit_before_reading_it(served):
    connection = http.client.HTTPConnection(*served, timeout=10)
    connection.putrequest("POST", "/RPC2")
    connection.putheader("Content-Type", "text/xml")
    connection.putheader("Content-Length", str(MAX_REQUEST + 1))
    connection.endheaders()
    connection.send(b"<?xml version='1.0'?>")  # and nothing more: the answer must not wait for the rest
    response = connection.getresponse()
    assert response.status == 413
    assert f"at most {MAX_REQUEST // 1_000_000} MB" in response.read().decode()
    connection.close()


# The sanitiser on its own: what it leaves of a hostile document.

SECRETS = (
    '<w:p><w:r><w:t xml:space="preserve">Kept </w:t></w:r><w:del w:id="1" w:author="A"><w:r>'
    '<w:delText>DELETED SECRET</w:delText></w:r></w:del><w:ins w:id="2" w:author="A"><w:r><w:t>inserted</w:t>'
    '</w:r></w:ins><w:commentRangeStart w:id="3"/><w:r><w:t> text</w:t></w:r><w:commentRangeEnd w:id="3"/>'
    '<w:r><w:commentReference w:id="3"/></w:r></w:p>'
)


def test_the_sanitiser_leaves_no_link_outside_but_hyperlinks_and_no_fetching_field(tmp_path):
    docx = hostile_docx(
        tmp_path / "h.docx", "http://127.0.0.1:9", LOCAL_IMAGE, png(tmp_path / "o.png", "blue"), SECRETS
    )
    with zipfile.ZipFile(io.BytesIO(sanitize_docx(docx.read_bytes()))) as zf:
        xml = {name: zf.read(name).decode() for name in zf.namelist() if name.endswith((".xml", ".rels"))}
    everything = "".join(xml.values())
    assert "127.0.0.1" not in everything and "file:" not in everything
    assert "https://example.org/" in xml["word/_rels/document.xml.rels"]  # a hyperlink is kept: never fetched
    document = xml["word/document.xml"]
    for gone in ("INCLUDEPICTURE", "INCLUDETEXT", "LINK Excel", "altChunk", "rIdLink", "rIdEmbedHttp", "DELETED"):
        assert gone not in document, gone
    assert "attachedTemplate" not in xml["word/settings.xml"]
    assert "commentReference" not in document and "w:ins" not in document
    text = "".join(Document(io.BytesIO(sanitize_docx(docx.read_bytes()))).element.body.itertext())
    assert "included picture" in text and "Kept inserted text" in text


def test_a_deleted_table_row_is_removed_and_an_inserted_one_kept(tmp_path):
    doc = Document()
    table = doc.add_table(rows=2, cols=1)
    table.cell(0, 0).text, table.cell(1, 0).text = "kept row", "DELETED ROW"
    row = table.rows[1]._tr
    row.get_or_add_trPr().append(etree.fromstring(f'<w:del xmlns:w="{W}" w:id="9" w:author="A"/>'))
    data = io.BytesIO()
    doc.save(data)
    text = "".join(Document(io.BytesIO(sanitize_docx(data.getvalue()))).element.body.itertext())
    assert "kept row" in text and "DELETED" not in text
