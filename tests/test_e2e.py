"""End to end, with the real LibreOffice: build the example and read the PDFs it makes."""

from __future__ import annotations

import json
import re

import pytest
from pypdf import PdfReader

from boardpack.cli import main
from boardpack.pack.pdftext import body_text, page_texts
from boardpack.pipeline.builder import build
from boardpack.util import sha256

from .conftest import EXAMPLE, GOLDEN, PAPER

pytestmark = pytest.mark.e2e


def squash(text: str) -> str:
    """Return *text* without whitespace, bullets or the seed's bold markers, to compare words."""
    return re.sub(r"[\s•\uf0b7]+|\*\*", "", text)


def seed_text() -> str:
    seed = (GOLDEN / "seed-report.txt").read_text(encoding="utf-8")
    return squash(re.sub(r"(?m)^\s*- ", "", seed))


def test_example_pdf_reads_like_the_seed(built_example):
    pdf = built_example / PAPER / "report.pdf"
    actual, expected = squash(body_text(pdf, "OFFICIAL")), seed_text()
    # The status table (tested on its own below) and the marking line read once at the top of the body
    # (the marking in the header and footer is page furniture) are the additions to the seed's words.
    actual, removed = re.subn(r"Table1:GovernanceImprovementPlan:actionsbythemeandstatus.*?(?=KeyAreas)", "", actual)
    assert removed == 1
    actual, marked = re.subn(r"(?<=TOTALPOLICING)Protectivemarking:OFFICIAL(?=AUDITPANEL)", "", actual)
    assert marked == 1
    if actual != expected:
        at = next(i for i, (a, b) in enumerate(zip(actual, expected, strict=False)) if a != b)
        around = slice(max(at - 60, 0), at + 60)
        pytest.fail(f"PDF text departs from the seed at {at}:\n pdf:  {actual[around]}\n seed: {expected[around]}")


def test_pdf_is_tagged_with_title_and_language(built_example):
    reader = PdfReader(built_example / PAPER / "report.pdf")
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert reader.metadata.title == "MOPAC Governance Improvement Plan"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    roles = structure_roles(root["/StructTreeRoot"])
    assert roles.count("/H1") == 1  # the title
    assert roles.count("/H2") == 7  # Report Summary and six sections
    assert "/H3" in roles and "/L" in roles and "/Link" in roles


def structure_roles(node) -> list[str]:
    node = node.get_object()
    roles = [str(node["/S"])] if "/S" in node else []
    kids = node.get("/K")
    for kid in kids if isinstance(kids, list) else [kids]:
        if kid is not None and hasattr(kid, "get_object") and isinstance(kid.get_object(), dict):
            roles += structure_roles(kid)
    return roles


@pytest.mark.parametrize(("name", "marking"), [("report.pdf", "OFFICIAL"), ("appendix-1.pdf", "OFFICIAL-SENSITIVE")])
def test_marking_on_every_page_top_and_bottom(built_example, name, marking):
    pages = page_texts(built_example / PAPER / name)
    assert len(pages) >= 2
    for number, text in enumerate(pages, 1):
        lines = text.strip().splitlines()
        assert lines[0] == marking
        assert lines[-1].split() == [marking, str(number)]


def test_manifest_matches_the_files(built_example):
    manifest = json.loads((built_example / "manifest.json").read_text(encoding="utf-8"))
    listed = [(d["path"], d["kind"], d["paper"], d["restricted"], d["marking"]) for d in manifest]
    for entry in [
        (f"{PAPER}/report.docx", "report", PAPER, False, "OFFICIAL"),
        (f"{PAPER}/report.pdf", "report", PAPER, False, "OFFICIAL"),
        (f"{PAPER}/appendix-1.docx", "appendix", PAPER, True, "OFFICIAL-SENSITIVE"),
        (f"{PAPER}/appendix-1.pdf", "appendix", PAPER, True, "OFFICIAL-SENSITIVE"),
        ("counter-fraud-update/report.pdf", "report", "counter-fraud-update", True, "OFFICIAL-SENSITIVE"),
        ("public-pack.pdf", "pack", None, False, "OFFICIAL"),
        ("members-pack.pdf", "pack", None, True, "OFFICIAL-SENSITIVE"),
    ]:
        assert entry in listed
    on_disk = {p.relative_to(built_example).as_posix() for p in built_example.rglob("*") if p.is_file()}
    on_disk = {p for p in on_disk if not p.startswith(".boardpack-cache/")}
    assert on_disk == {d["path"] for d in manifest} | {"manifest.json"}
    for doc in manifest:
        path = built_example / doc["path"]
        assert doc["sha256"] == sha256(path)
        expected_pages = len(PdfReader(path).pages) if path.suffix == ".pdf" else None
        assert doc["pages"] == expected_pages


def test_inserting_a_paragraph_renumbers_paragraphs_and_references(plan_copy, tmp_path):
    paper = plan_copy / PAPER / "paper.yaml"
    text = paper.read_text(encoding="utf-8")
    new = "      - text: This paper should be read with [[trail]] and [[convening]] in mind.\n"
    text = text.replace("    paragraphs:\n", "    paragraphs:\n" + new, 1)
    paper.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    build(plan_copy, out)
    body = " ".join(body_text(out / PAPER / "report.pdf", "OFFICIAL").split())
    assert "1.1. This paper should be read with paragraph 1.5 and paragraph 1.10 in mind." in body
    assert "1.2. The MOPAC governance improvement plan is attached at Appendix 1." in body
    assert "1.5. The new framework has allowed us" in body
    assert "Key Areas are Summarised Below: 1.7. Our work on core internal processes" in body
    assert "1.10. We are in the early stages" in body
    assert "1.11." not in body


def test_bad_plan_fails_with_file_line_and_leaves_output_untouched(plan_copy, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["build", str(plan_copy), "--out", str(out)]) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    paper = plan_copy / PAPER / "paper.yaml"
    paper.write_text(paper.read_text(encoding="utf-8").replace("attached at [[gip]]", "attached at [[gpi]]"), "utf-8")
    capsys.readouterr()
    assert main(["build", str(plan_copy), "--out", str(out)]) == 1
    err = capsys.readouterr().err.splitlines()
    col = paper.read_text(encoding="utf-8").splitlines()[31].index("[[gpi]]") + 1  # the reference's own column
    assert err[0] == f"{paper}:32:{col}: unknown reference 'gpi' (did you mean 'gip'?)"
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock"))
    assert left == sorted([plan_copy.name, "out"])  # no staging left


def test_default_output_folder_is_output_slash_meeting(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["build", str(EXAMPLE)]) == 0
    out = tmp_path / "output" / EXAMPLE.name
    assert (out / "manifest.json").is_file()
    assert (out / PAPER / "report.pdf").is_file()
    assert f"built 16 documents into output/{EXAMPLE.name}" in capsys.readouterr().out
