"""What changed between two builds: papers, paragraphs by number, actions by ref."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from boardpack.errors import Location, Problems
from boardpack.paper.number import number_paper
from boardpack.paper.refs import resolve_paper
from boardpack.pipeline.builder import build
from boardpack.pipeline.changes import compare, snapshot
from boardpack.plan.model import Contact, Paper, Paragraph, Section, Summary

from .conftest import PAPER


def state(paragraphs, actions=None, keys=("k1",), public=("k1",), restricted=False):
    return {
        "title": "A paper",
        "restricted": restricted,
        "keys": list(keys),
        "public_keys": list(public),
        "paragraphs": [list(p) for p in paragraphs],
        "actions": actions or {},
    }


BEFORE = [("1.1", "alpha beta gamma delta"), ("1.2", "one two three four"), ("1.3", "red green blue black")]


def test_first_build_has_nothing_to_compare():
    changes = compare(None, {"p": state(BEFORE)})
    assert not changes.previous_build and changes.changed == []


def test_an_inserted_paragraph_is_one_addition_not_a_renumbered_rest():
    after = [("1.1", "alpha beta gamma delta"), ("1.2", "a new paragraph entirely")] + [
        ("1.3", BEFORE[1][1]),
        ("1.4", BEFORE[2][1]),
    ]
    (change,) = compare({"p": state(BEFORE)}, {"p": state(after, keys=("k2",))}).changed
    assert change.paragraphs == {"added": ["1.2"], "removed": [], "reworded": []}


def test_reworded_and_removed_paragraphs_are_named_by_number():
    after = [("1.1", "alpha beta gamma epsilon"), ("1.2", "red green blue black")]
    (change,) = compare({"p": state(BEFORE)}, {"p": state(after, keys=("k2",))}).changed
    assert change.paragraphs == {"added": [], "removed": ["1.2"], "reworded": ["1.1"]}


def test_actions_added_removed_and_changed():
    old = {"A-1": {"status": "On track", "due": "2018-01-31"}, "A-2": {"status": "Complete", "due": "2017-12-01"}}
    new = {"A-1": {"status": "Off track", "due": "2018-03-31"}, "A-3": {"status": "On track", "due": "2018-06-30"}}
    (change,) = compare({"p": state(BEFORE, old)}, {"p": state(BEFORE, new, keys=("k2",), public=("k1",))}).changed
    assert change.actions == {
        "added": ["A-3"],
        "removed": ["A-2"],
        "status": [{"ref": "A-1", "from": "On track", "to": "Off track"}],
        "due": [{"ref": "A-1", "from": "2018-01-31", "to": "2018-03-31"}],
    }
    assert not change.public_changed
    assert change.summary(public=True) == "progress figures updated"
    assert "A-1 status On track → Off track" in change.summary()


def test_papers_added_removed_and_unchanged():
    changes = compare({"a": state(BEFORE), "b": state(BEFORE)}, {"a": state(BEFORE), "c": state(BEFORE)})
    assert (changes.added, changes.removed, changes.changed) == (["c"], ["b"], [])


def numbered_state(paragraphs: list[Paragraph], key: str) -> dict:
    """The snapshot of a one-section paper of *paragraphs*, numbered and with its references resolved."""
    here = Location(Path("paper.yaml"), 1, 1)
    summary = Summary(("x",), ("x",), ("x",), ("x",), where={k: here for k in Summary.__dataclass_fields__})
    paper = Paper("T", "R", summary, (Section("Background", paragraphs=tuple(paragraphs)),), Contact("A"), loc=here)
    problems = Problems()
    numbered = resolve_paper(number_paper(paper, problems), problems)
    assert not problems
    return {"p": snapshot([numbered], {numbered.paper.slug: [key]}, set())[numbered.paper.slug]}


FIRST = Paragraph("The panel asked for a plan in September.")
REFERRING = Paragraph("The plan is attached.", items=("Its trail is described at [[trail]].", "Its cost at [[cost]]."))
TRAIL = Paragraph("Every earlier recommendation is accounted for.", label="trail")
COST = Paragraph("The plan costs nothing new.", label="cost")


def test_a_renumbered_reference_is_not_a_rewording():
    old = numbered_state([FIRST, REFERRING, TRAIL, COST], "k1")
    new = numbered_state([FIRST, Paragraph("A wholly new paragraph about the budget."), REFERRING, TRAIL, COST], "k2")
    assert (
        old["p"]["paragraphs"][1][1]
        == "The plan is attached. Its trail is described at paragraph 1.3. Its cost at paragraph 1.4."
    )
    assert (
        new["p"]["paragraphs"][2][1]
        == "The plan is attached. Its trail is described at paragraph 1.4. Its cost at paragraph 1.5."
    )
    (change,) = compare(old, new).changed
    assert change.paragraphs == {"added": ["1.2"], "removed": [], "reworded": []}
    assert change.references_renumbered == ["1.3"]
    assert change.summary() == "paragraph 1.2 added"


def test_a_paper_whose_only_change_is_renumbered_references_says_so():
    old = {"p": state([("1.1", "see paragraph 1.4", "see [[x]]")])}
    new = {"p": state([("1.1", "see paragraph 1.5", "see [[x]]")], keys=("k2",))}
    (change,) = compare(old, new).changed
    assert change.paragraphs == {"added": [], "removed": [], "reworded": []}
    assert change.summary() == change.summary(public=True) == "cross-references renumbered"
    assert "A paper — cross-references renumbered" in compare(old, new).to_markdown("the panel")


def test_a_rewording_is_still_found_by_the_words_as_written():
    old = {"p": state([("1.1", "see paragraph 1.4 for the plan", "see [[x]] for the plan")])}
    new = {"p": state([("1.1", "see paragraph 1.5 for the budget", "see [[x]] for the budget")], keys=("k2",))}
    (change,) = compare(old, new).changed
    assert change.paragraphs["reworded"] == ["1.1"] and change.references_renumbered == []


def test_a_snapshot_from_an_older_build_without_words_as_written_compares_resolved_words():
    old = {"p": state([("1.1", "alpha beta gamma see paragraph 1.4")])}
    new = {"p": state([("1.1", "alpha beta gamma see paragraph 1.5", "alpha beta gamma see [[x]]")], keys=("k2",))}
    (change,) = compare(old, new).changed
    assert change.paragraphs["reworded"] == ["1.1"]


@pytest.mark.e2e
def test_a_late_edit_is_named_in_changes_and_alone_in_the_supplement(plan_copy, tmp_path):
    out = tmp_path / "out"
    build(plan_copy, out)
    assert not (out / "supplement-public.pdf").exists()
    paper = plan_copy / "risk-management-update" / "paper.yaml"
    text = paper.read_text(encoding="utf-8")
    paper.write_text(text.replace("held in November.", "held in November and December."), "utf-8")
    result = build(plan_copy, out)
    data = json.loads((out / "changes.json").read_text(encoding="utf-8"))
    (change,) = data["changed"]
    assert (change["paper"], change["paragraphs"]["reworded"]) == ("risk-management-update", ["1.1"])
    assert "Risk Management Update — paragraph 1.1 reworded" in (out / "changes.md").read_text(encoding="utf-8")
    kinds = {d.path: d.kind for d in result.documents}
    assert kinds["supplement-public.pdf"] == kinds["supplement-members.pdf"] == "supplement"
    from boardpack.pack.pdftext import page_texts

    pages = page_texts(out / "supplement-public.pdf")
    assert "Supplementary agenda" in pages[0] and "Changed: paragraph 1.1 reworded." in pages[0]
    body = " ".join(pages[1:])
    assert "Risk Management Update" in body and "held in November and December" in body
    assert "Minutes of the Audit Panel" not in body and PAPER not in body


def _keys(plan_dir: Path) -> dict[str, list[str]]:
    """Each document's cache key, as a build of *plan_dir* would compute it (nothing is converted)."""
    from boardpack.pipeline.builder import _paper_jobs, check
    from boardpack.render.docx import TEMPLATES_DIR

    jobs, rendered = _paper_jobs(check(plan_dir), plan_dir / "_out", TEMPLATES_DIR)
    return {f"{r.paper}/{r.docx.name}": job.key for job, r in zip(jobs, rendered, strict=True)}


def test_a_yaml_comment_or_moved_lines_change_no_document(plan_copy):
    before = _keys(plan_copy)
    for paper in plan_copy.glob("*/paper.yaml"):
        text = paper.read_text(encoding="utf-8")
        paper.write_text("# a note for the author\n\n" + text.replace("\n", "\n\n", 3), encoding="utf-8")
    meeting = plan_copy / "meeting.yaml"
    meeting.write_text("# comment\n" + meeting.read_text(encoding="utf-8"), encoding="utf-8")
    assert _keys(plan_copy) == before


def test_the_same_plan_from_another_folder_changes_no_document(plan_copy, tmp_path):
    import shutil

    elsewhere = tmp_path / "elsewhere" / "deeper" / plan_copy.name
    shutil.copytree(plan_copy, elsewhere)
    assert _keys(elsewhere) == _keys(plan_copy)


def test_a_restricted_paper_added_or_removed_makes_changes_restricted(tmp_path):
    import datetime as dt

    from boardpack.pipeline.builder import _write_changes
    from boardpack.plan.model import Meeting

    meeting = Meeting(committee="Audit Panel", date=dt.date(2017, 12, 19))
    public, exempt = {"public-item": state([])}, {"exempt-item": state([], restricted=True)}
    for old, new in (({}, exempt), (exempt, {}), (public, public | exempt)):
        changes = compare(old, new)
        docs = _write_changes(tmp_path, changes, meeting)
        assert {d.marking for d in docs} == {"OFFICIAL-SENSITIVE"} and all(d.restricted for d in docs)
        assert "exempt-item (restricted)" in (tmp_path / "changes.md").read_text(encoding="utf-8")
    docs = _write_changes(tmp_path, compare({}, public), meeting)
    assert {d.marking for d in docs} == {"OFFICIAL"} and not any(d.restricted for d in docs)
