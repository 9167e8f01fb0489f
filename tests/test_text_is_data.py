"""Text is data: whatever a plan or a workbook says prints exactly as typed, and nothing in it runs."""

from __future__ import annotations

import json

import pytest
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from boardpack.pack.leaks import pdf_text
from boardpack.pipeline.builder import build

from .conftest import PAPER

pytestmark = pytest.mark.e2e
SYNTAX = "{{ 7*7 }} {% for x in y %}{_{ {# c #} & <b>A & B < C</b> \"quoted\" 'single'"
WORLD = "😀 שלום עולם مرحبا Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichen"


def quoted(text: str) -> str:
    """Return *text* as a YAML double-quoted scalar (JSON is YAML)."""
    return json.dumps(text, ensure_ascii=False)


def test_a_plan_full_of_template_syntax_renders_literally(plan_copy, tmp_path):
    paper = plan_copy / PAPER / "paper.yaml"
    text = paper.read_text(encoding="utf-8")
    text = text.replace(
        "      - text: The MOPAC governance improvement plan is attached at [[gip]].",
        f"      - text: {quoted(SYNTAX + ' attached at [[gip]].')}\n"
        f"        items: [{quoted(WORLD)}, {quoted('{{ config }}')}]",
    )
    paper.write_text(text.replace("title: MOPAC Governance Improvement Plan", f"title: {quoted(SYNTAX)}"), "utf-8")
    book = load_workbook(plan_copy / PAPER / "appendix.xlsx")
    book["Actions"]["H2"] = "{{ ''.__class__.__mro__ }} {% raw %} & <x>"
    book.save(plan_copy / PAPER / "appendix.xlsx")
    out = tmp_path / "out"
    build(plan_copy, out)

    report = Document(str(out / PAPER / "report.docx"))
    texts = [p.text for p in report.paragraphs]
    assert SYNTAX in texts  # the title, as typed
    assert f"1.1.\t{SYNTAX} attached at Appendix 1." in texts  # the reference resolved, the rest literal
    assert WORLD in texts and "{{ config }}" in texts
    assert report.core_properties.title == SYNTAX

    words = " ".join(pdf_text(out / PAPER / "report.pdf").split())
    assert SYNTAX in words and "{{ config }}" in words and "Donaudampfschifffahrts" in words
    appendix = " ".join(pdf_text(out / PAPER / "appendix-1.pdf").split())
    assert "{{ ''.__class__.__mro__ }} {% raw %} & <x>" in appendix
    assert SYNTAX in " ".join(pdf_text(out / "public-pack.pdf").split())


def test_a_long_title_and_a_theme_with_dollars_build_as_typed(plan_copy, tmp_path):
    title = " ".join(["Governance"] * 40)  # 439 characters: more than a document property holds
    theme = "Save $5m and $3m"
    paper = plan_copy / PAPER / "paper.yaml"
    text = paper.read_text(encoding="utf-8").replace("title: MOPAC Governance Improvement Plan", f"title: {title}")
    paper.write_text(text.replace("- Oversight of the MPS", f"- {quoted(theme)}"), "utf-8")
    book = load_workbook(plan_copy / PAPER / "appendix.xlsx")
    for cell in book["Actions"]["B"]:
        cell.value = theme if cell.value == "Oversight of the MPS" else cell.value
    book.save(plan_copy / PAPER / "appendix.xlsx")
    out = tmp_path / "out"
    build(plan_copy, out)

    words = " ".join(pdf_text(out / PAPER / "report.pdf").split())
    assert title in words and theme in words  # printed in full, as typed (the status table)
    shown = PdfReader(out / PAPER / "report.pdf").metadata.title
    assert len(shown) <= 255 and shown.endswith("…") and title.startswith(shown[:-1])  # the property, cut
    report = Document(str(out / PAPER / "report.docx"))
    (chart,) = report.inline_shapes
    assert f"{theme}: " in chart._inline.docPr.get("descr")  # the chart's alternative text
    assert title in " ".join(pdf_text(out / "public-pack.pdf").split())
