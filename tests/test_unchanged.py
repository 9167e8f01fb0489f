"""A build with nothing changed answers at once, and exactly as a build would: the output as it was.

``pipeline/unchanged.py`` lets a build skip everything when the plan, templates, boardpack and the
options are what the last build had and the output is untouched since. These tests hold it to
what a real build would have done in each case.
"""

from __future__ import annotations

import os
import shutil

import pytest

from boardpack.pipeline.builder import build
from boardpack.pipeline.paths import CACHE_DIR
from boardpack.pipeline.unchanged import input_digest, unchanged
from boardpack.plan.templates import TemplateFolders

from .conftest import EXAMPLE


def files(out):
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def outputs(out):
    return {k: v for k, v in files(out).items() if not k.startswith(CACHE_DIR)}


def test_the_inputs_digest_follows_the_plan_the_templates_the_options_and_the_environment(plan_copy, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "report.docx").write_bytes(b"one")
    out = tmp_path / "out"
    first = input_digest(plan_copy, (templates,), out, True)
    assert input_digest(plan_copy, (templates,), out, True) == first
    assert input_digest(plan_copy, (templates,), out, False) != first  # --no-site
    (templates / "report.docx").write_bytes(b"two")
    second = input_digest(plan_copy, (templates,), out, True)
    assert second != first
    workbook = plan_copy / "governance-improvement-plan" / "appendix.xlsx"
    workbook.write_bytes(workbook.read_bytes() + b"\0")
    third = input_digest(plan_copy, (templates,), out, True)
    assert third != second
    os.environ["BOARDPACK_TEST_SETTING"] = "1"
    try:
        assert input_digest(plan_copy, (templates,), out, True) != third
    finally:
        del os.environ["BOARDPACK_TEST_SETTING"]
    inside = plan_copy / "output"  # an output folder inside the plan is not an input of it
    inside.mkdir()
    (inside / "manifest.json").write_text("[]")
    assert input_digest(plan_copy, (templates,), inside, True) == third


@pytest.fixture
def built(plan_copy, tmp_path):
    out = tmp_path / "out"
    build(plan_copy, out)
    return plan_copy, out


@pytest.mark.e2e
def test_a_build_with_nothing_changed_writes_nothing_and_rebuilds_nothing(built):
    plan, out = built
    before = files(out)
    again = build(plan, out)
    assert again.rebuilt == () and again.changes is not None and not again.changes.changed
    assert files(out) == before  # not a byte of the output, nor of the cache
    assert {d.path for d in again.documents} >= {"public-pack.pdf", "members-pack.pdf"}


@pytest.mark.e2e
def test_an_output_file_removed_or_edited_is_put_right(built):
    plan, out = built
    before = outputs(out)
    inputs = input_digest(plan, TemplateFolders.for_plan(plan).folders, out, True)
    assert unchanged(out, inputs) is not None
    (out / "minutes" / "report.pdf").unlink()
    (out / "changes.md").write_text("edited by hand\n", encoding="utf-8")
    assert unchanged(out, inputs) is None  # the same inputs, but not the same output
    build(plan, out)
    assert outputs(out) == before


@pytest.mark.e2e
def test_a_file_someone_else_put_in_the_output_is_still_refused(built):
    from boardpack.errors import BoardpackError

    plan, out = built
    (out / "notes").mkdir()  # an empty folder counts too
    with pytest.raises(BoardpackError, match="it holds files boardpack did not write: notes"):
        build(plan, out)


@pytest.mark.e2e
def test_a_build_again_after_a_late_edit_keeps_its_record_and_supplement(built):
    """changes.md and the supplements say what the last change was, until there is another: a second
    build with nothing changed (by habit, or after touching an output) does not lose them."""
    plan, out = built
    paper = plan / "risk-management-update" / "paper.yaml"
    text = paper.read_text(encoding="utf-8")
    paper.write_text(text.replace("held in November.", "held in November and December."), "utf-8")
    build(plan, out)
    after_edit = outputs(out)
    assert "supplement-public.pdf" in after_edit and b"paragraph 1.1 reworded" in after_edit["changes.md"]
    assert build(plan, out).rebuilt == ()
    assert outputs(out) == after_edit
    pack = out / "members-pack.pdf"  # touched: now the whole build runs, and must write the same
    os.utime(pack, ns=(pack.stat().st_atime_ns, pack.stat().st_mtime_ns + 1_000_000))
    again = build(plan, out)
    assert again.rebuilt == () and not again.changes.changed  # this build changed nothing …
    assert outputs(out) == after_edit  # … and the record of the last change stands


@pytest.mark.e2e
def test_the_same_output_copied_elsewhere_is_still_up_to_date(built, tmp_path):
    plan, out = built
    copy = tmp_path / "copy" / EXAMPLE.name
    shutil.copytree(out, copy, symlinks=True)
    assert unchanged(copy, input_digest(plan, (plan.parent / "none",), copy, True)) is None  # other templates
    folders = TemplateFolders.for_plan(plan).folders
    assert unchanged(copy, input_digest(plan, folders, copy, True)) is not None
    assert unchanged(copy, input_digest(plan, folders, copy, False)) is None  # --no-site builds something else
