"""Clean documents: their properties come from the plan alone; no comments, no tracked changes."""

from __future__ import annotations

import json
import re
import zipfile

import pikepdf
import pytest

pytestmark = pytest.mark.e2e
ALLOWED_PDF_INFO = {"/Title", "/Subject", "/Author", "/Keywords", "/Creator", "/Producer", "/CreationDate"}


def documents(out, suffix):
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return [out / d["path"] for d in manifest if d["path"].endswith(suffix)]


def test_docx_parts_say_nothing_but_the_plan(built_example):
    for docx in documents(built_example, ".docx"):
        with zipfile.ZipFile(docx) as z:
            names = set(z.namelist())
            assert not {n for n in names if "comments" in n or "thumbnail" in n}, docx
            assert z.read("docProps/app.xml").count(b"<Application>boardpack</Application>") == 1
            body = z.read("word/document.xml")
            assert not re.search(rb"<w:(ins|del|moveFrom|moveTo|comment)\b", body), docx
            core = z.read("docProps/core.xml").decode("utf-8")
            assert "python-docx" not in core and "<cp:lastModifiedBy></cp:lastModifiedBy>" in core
            assert re.search(r"<dc:creator>Mayor's Office for Policing and Crime</dc:creator>", core), docx


def test_pdf_information_comes_from_the_plan(built_example):
    for pdf in documents(built_example, ".pdf"):
        with pikepdf.open(pdf) as doc:
            info = {k: str(v) for k, v in doc.docinfo.items()}
            assert set(info) <= ALLOWED_PDF_INFO, pdf
            assert info["/Creator"] == "boardpack" and info["/Title"], pdf
            assert info.get("/CreationDate", "D:20171219000000Z") == "D:20171219000000Z", pdf
