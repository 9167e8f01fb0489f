"""boardpack new meeting / new paper (boardpack.scaffold): what they write passes check, keeps the author's
comments, and nothing that exists is overwritten. The installed command's build of a new meeting is in
test_wheel.py; a copy made with --from is built here, with the real LibreOffice."""

from __future__ import annotations

import datetime as dt
import shutil

import openpyxl
import pytest
import yaml
from pypdf import PdfReader

from boardpack.appendix.actions import ACTION_COLUMNS, PREVIOUS_COLUMNS
from boardpack.cli import main
from boardpack.pipeline.builder import check

from .conftest import EXAMPLE, ROOT

COUNCIL = ROOT / "plans" / "2018-03-14-audit-governance"


def test_new_meeting_writes_a_plan_that_checks(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "meeting", "plans/2026-03-10-audit", "--committee", "Audit & Risk: Panel"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "wrote plans/2026-03-10-audit/meeting.yaml",
        "wrote plans/2026-03-10-audit/first-paper/paper.yaml",
        "wrote plans/2026-03-10-audit/first-paper/appendix.xlsx",
        "its papers use boardpack's own Word templates, with MOPAC's banner: for your body's, put them in "
        "plans/2026-03-10-audit/templates (docs/templates.md)",
        "next: boardpack check plans/2026-03-10-audit",
    ]
    plan = tmp_path / "plans" / "2026-03-10-audit"
    meeting = yaml.safe_load((plan / "meeting.yaml").read_text(encoding="utf-8"))
    assert meeting["committee"] == "Audit & Risk: Panel" and meeting["date"] == dt.date(2026, 3, 10)
    assert [item.get("paper") for item in meeting["agenda"]] == [None, "first-paper", None]
    assert (
        "# title: " not in (plan / "meeting.yaml").read_text() and "# - title: " in (plan / "meeting.yaml").read_text()
    )
    book = openpyxl.load_workbook(plan / "first-paper" / "appendix.xlsx")
    assert book.sheetnames == ["Actions", "Previous"]
    assert tuple(c.value for c in book["Actions"][1]) == ACTION_COLUMNS
    assert tuple(c.value for c in book["Previous"][1]) == PREVIOUS_COLUMNS
    assert book["Actions"]["F2"].value.date() == dt.date(2026, 3, 10)  # Due: the meeting's day
    prepared = check(plan)
    assert [p.paper.title for p in prepared.papers] == ["First paper"]
    assert prepared.plan.meeting.committee == "Audit & Risk: Panel"
    assert not prepared.warnings
    assert not [p for p in plan.parent.iterdir() if p.name.startswith(".")]  # the staging folder is gone
    assert main(["check", "plans/2026-03-10-audit"]) == 0
    assert capsys.readouterr().out == "plans/2026-03-10-audit: ok (1 paper)\n"


def test_new_paper_adds_its_item_keeping_the_authors_layout(tmp_path, capsys):
    plan = tmp_path / EXAMPLE.name
    shutil.copytree(EXAMPLE, plan)
    before = (plan / "meeting.yaml").read_text(encoding="utf-8")
    assert main(["new", "paper", str(plan / "treasury-update"), "--title", "Treasury: mid-year"]) == 0
    after = (plan / "meeting.yaml").read_text(encoding="utf-8")
    added = '\n  - title: "Treasury: mid-year"\n    paper: treasury-update\n'
    assert after == before.rstrip("\n") + "\n" + added  # comments and blank lines as they were
    assert [p.paper.title for p in check(plan).papers][-1] == "Treasury: mid-year"
    assert main(["new", "paper", str(plan / "treasury-update")]) == 1
    assert capsys.readouterr().err.splitlines()[-2:] == [
        f"{plan / 'treasury-update'}: exists already: boardpack new never overwrites",
        "boardpack: 1 problem; nothing was written",
    ]
    assert (plan / "meeting.yaml").read_text(encoding="utf-8") == after


def test_new_paper_goes_after_the_last_item_however_the_agenda_is_laid_out(tmp_path):
    plan = tmp_path / "2026-01-01-board"
    plan.mkdir()
    (plan / "meeting.yaml").write_text(
        "agenda:  # the order of business\n- title: Minutes\n  note: |\n    Taken as read.\n\n"
        "# who writes the packs\nauthor: The Secretariat\ncommittee: Board\ndate: 2026-01-01\n",
        encoding="utf-8",
    )
    assert main(["new", "paper", str(plan / "budget")]) == 0
    text = (plan / "meeting.yaml").read_text(encoding="utf-8")
    assert text.startswith("agenda:  # the order of business\n- title: Minutes\n  note: |\n    Taken as read.\n")
    assert "    Taken as read.\n- title: Budget\n  paper: budget\n\n# who writes the packs\n" in text
    assert [p.paper.title for p in check(plan).papers] == ["Budget"]


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["new", "meeting", "m"], 2, "boardpack: new meeting: give --date YYYY-MM-DD (DIR's name has no date)"),
        (["new", "meeting", "m", "--date", "10/03/2026"], 2, "'10/03/2026' is not a date YYYY-MM-DD"),
        (["new", "meeting", "2026-01-01-m", "--from", "x", "--paper", "p"], 2, "--paper is for a new meeting"),
        (["new", "meeting", "2026-01-01-m", "--committee", "A\nB"], 1, "--committee: must be one line"),
        (["new", "meeting", "2026-01-01-m", "--paper", "site"], 1, "a paper's folder is named with"),
        (["new", "meeting", "2026-01-01-m", "--from", "nowhere"], 1, "nowhere/meeting.yaml: missing: --from needs"),
        (["new", "paper", "nowhere/p"], 1, "nowhere/meeting.yaml: missing: a paper is added to a meeting folder"),
    ],
)
def test_new_refuses_in_one_line(tmp_path, monkeypatch, capsys, argv, code, message):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == code
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_new_meeting_never_overwrites(tmp_path, capsys):
    folder = tmp_path / "2026-01-01-m"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    assert main(["new", "meeting", str(folder)]) == 1
    assert f"{folder}: exists already: boardpack new never overwrites" in capsys.readouterr().err
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["2026-01-01-m"]


def test_a_paper_already_on_the_agenda_is_refused(tmp_path, capsys):
    plan = tmp_path / EXAMPLE.name
    shutil.copytree(EXAMPLE, plan)
    shutil.rmtree(plan / "minutes")
    before = (plan / "meeting.yaml").read_text(encoding="utf-8")
    assert main(["new", "paper", str(plan / "minutes")]) == 1
    assert f"{plan / 'meeting.yaml'}: the agenda has a paper 'minutes' already" in capsys.readouterr().err
    assert (plan / "meeting.yaml").read_text(encoding="utf-8") == before and not (plan / "minutes").exists()


def test_from_copies_the_council_meeting_with_its_templates_and_a_new_committee(tmp_path, capsys):
    folder = tmp_path / "2018-06-20-audit-governance"
    assert main(["new", "meeting", str(folder), "--from", str(COUNCIL), "--committee", "Governance Committee"]) == 0
    assert (folder / "templates" / "report.docx").read_bytes() == (COUNCIL / "templates" / "report.docx").read_bytes()
    prepared = check(folder)
    assert prepared.plan.meeting.date == dt.date(2018, 6, 20)
    assert prepared.plan.meeting.committee == "Governance Committee"
    assert len(prepared.papers) == len(check(COUNCIL).papers)


@pytest.mark.e2e
def test_from_moves_the_example_on_and_it_builds(tmp_path, capsys):
    folder = tmp_path / "2018-03-20-audit-panel"
    assert main(["new", "meeting", str(folder), "--from", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert f"dated 2018-03-20: {folder / 'governance-improvement-plan' / 'paper.yaml'}" in out
    for name in ("meeting.yaml", "governance-improvement-plan/paper.yaml"):
        old, new = (EXAMPLE / name).read_text().splitlines(), (folder / name).read_text().splitlines()
        assert [(a, b) for a, b in zip(old, new, strict=True) if a != b] == [
            ("date: 2017-12-19", "date: 2018-03-20")
            if name == "meeting.yaml"
            else ("meeting_date: 2017-12-19", "meeting_date: 2018-03-20")
        ]
    assert main(["build", str(folder), "--out", str(tmp_path / "out"), "-q"]) == 0
    report = PdfReader(tmp_path / "out" / "governance-improvement-plan" / "report.pdf").pages[0].extract_text()
    assert "20 March 2018" in " ".join(report.split())
