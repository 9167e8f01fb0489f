"""A committee's own template that would lose a reader something is named at check (render/audit.py)."""

from __future__ import annotations

import shutil

import pytest
from docx import Document
from docx.oxml.ns import qn

from boardpack.errors import PlanError
from boardpack.pipeline.builder import check
from boardpack.render.audit import audit_template
from boardpack.render.docx import TEMPLATES_DIR

from .conftest import ROOT

COUNCIL = ROOT / "plans" / "2018-03-14-audit-governance"
TEMPLATES = sorted(TEMPLATES_DIR.glob("*.docx")) + sorted((COUNCIL / "templates").glob("*.docx"))


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_boardpacks_own_templates_lose_a_reader_nothing(template):
    assert audit_template(template) == ([], [])


def _plan_with_own_report(tmp_path, edit) -> tuple:
    plan = tmp_path / COUNCIL.name
    shutil.copytree(COUNCIL, plan)
    report = plan / "templates" / "report.docx"
    doc = Document(str(report))
    edit(doc)
    doc.save(str(report))
    return plan, report


def _unnumbered_letters(doc) -> None:
    """What a template restyled in Word without its list definitions looks like."""
    style = doc.styles["List Letter"]
    for number in style.element.pPr.findall(qn("w:numPr")):
        style.element.pPr.remove(number)


def test_lettered_items_that_would_print_without_letters_are_an_error_at_the_template(tmp_path):
    plan, report = _plan_with_own_report(tmp_path, _unnumbered_letters)
    with pytest.raises(PlanError) as caught:
        check(plan)
    found = [p for p in caught.value.problems if "List Letter" in p.message]
    assert len(found) == 1 and str(found[0].where) == str(report)
    assert "would print without their (a), (b)" in found[0].message


def _old_style(doc) -> None:
    """The look of a template from before issue 12: title not a heading, a banner table, no marking line."""
    title = doc.styles["Title"]
    for level in title.element.pPr.findall(qn("w:outlineLvl")):
        title.element.pPr.remove(level)
    doc.add_table(rows=1, cols=2)
    for paragraph in doc.paragraphs:
        if "marking" in paragraph.text:
            for run in paragraph.runs:
                run.text = ""


def test_a_template_that_would_make_an_inaccessible_pdf_is_warned_of_and_still_builds(tmp_path):
    plan, report = _plan_with_own_report(tmp_path, _old_style)
    warnings = [w for w in check(plan).warnings if str(w.where) == str(report)]
    said = " ".join(w.message for w in warnings)
    assert len(warnings) == 3
    assert "no H1" in said and "1 table(s) in the body have no header row" in said and "marking" in said
