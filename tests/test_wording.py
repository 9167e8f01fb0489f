"""Wording: overrides stack, and every mistake in a wording file names its file and line."""

from __future__ import annotations

import re
import shutil

import pytest

from boardpack.errors import PlanError, Problems
from boardpack.paper.number import number_paper
from boardpack.pipeline.builder import check
from boardpack.plan.wording import fill, shipped_wording

from .conftest import EXAMPLE, PAPER, paper_of


def test_shipped_wording_fills_placeholders_once():
    assert fill("Report author: {author}", {"author": "A {name} & <b>"}) == "Report author: A {name} & <b>"
    assert fill("{{literal}} {x}", {"x": 1}) == "{literal} 1"


def test_counted_phrases_agree_with_their_count():
    w = shipped_wording()
    assert w.count("actions.trail_closed", 1) == "1 is closed"
    assert w.count("actions.trail_closed", 3) == "3 are closed"


def copy_example(tmp_path):
    plan = tmp_path / EXAMPLE.name
    shutil.copytree(EXAMPLE, plan)
    return plan


def test_meeting_and_paper_wording_override_in_order(tmp_path):
    plan = copy_example(tmp_path)
    (plan / "wording.yaml").write_text(
        'report.summary.key_considerations: Key matters for the Committee\nref.appendix: "Annex {number}"\n',
        encoding="utf-8",
    )
    (plan / PAPER / "wording.yaml").write_text('report.contact_author: "Contact officer: {author}"\n', encoding="utf-8")
    paper = paper_of(check(plan).papers)
    headings = [heading for heading, _ in paper.summary]
    assert headings[1] == "Key matters for the Committee"
    texts = [b.text for s in paper.sections for b in s.blocks]
    assert "The MOPAC governance improvement plan is attached at Annex 1." in texts
    assert any(t.startswith("Contact officer: Siobhan Peters") for t in texts)
    other = paper_of(check(plan).papers, "risk-management-update")
    assert not any(t.startswith("Contact officer") for s in other.sections for t in [b.text for b in s.blocks])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "report.reprot_by: By\n",
            "1:19: wording: unknown phrase 'report.reprot_by' (did you mean 'report.report_by'?)",
        ),
        (
            'report.contact_author: "By {name}"\n',
            "1:24: wording: 'report.contact_author' has no placeholder {name} (it has: {author})",
        ),
        (
            "report.report_by:\n  one: a\n  other: b\n",
            "2:3: wording: 'report.report_by' has one form only: give it as text, not `one:` and `other:`",
        ),
    ],
)
def test_a_wording_mistake_names_its_file_and_line(tmp_path, text, message):
    plan = copy_example(tmp_path)
    (plan / "wording.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        check(plan)
    assert [str(p) for p in caught.value.problems] == [f"{plan / 'wording.yaml'}:{message}"]


def test_numbering_without_wording_uses_boardpacks_own():
    paper = number_paper(paper_of(check(EXAMPLE).plan.papers), Problems())
    assert paper.summary[0][0] == "Overall Summary of the Purpose of the Report"


@pytest.mark.e2e
def test_the_meetings_page_stamp_reaches_both_packs_and_the_leak_check_allows_it(tmp_path):
    from boardpack.pack.pdftext import page_texts
    from boardpack.pipeline.builder import build

    plan = copy_example(tmp_path)
    (plan / "wording.yaml").write_text('pack.page_stamp: "Audit Panel page {number}"\n', encoding="utf-8")
    out = build(plan, tmp_path / "out").out_dir
    for name in ("public-pack.pdf", "members-pack.pdf"):
        feet = [text.strip().split("\n")[-1].strip() for text in page_texts(out / name)]
        assert feet == [f"Audit Panel page {n}" for n in range(1, len(feet) + 1)]


def test_a_reference_into_a_written_appendix_names_it_as_references_to_appendices_do(tmp_path):
    council = tmp_path / "council"
    shutil.copytree(EXAMPLE.parent / "2018-03-14-audit-governance", council)
    (council / "wording.yaml").write_text('ref.appendix: "Annex {number}"\n', encoding="utf-8")
    paper = paper_of(check(council).papers, "governance")
    text = " ".join(b.text for s in paper.sections for b in s.blocks)
    assert re.search(r"\(paragraph \d+\.\d+ of Annex 1\)", text), text
    assert "of Appendix" not in text
