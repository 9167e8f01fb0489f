"""Whose folder is it: boardpack replaces only an output folder it wrote for this meeting."""

from __future__ import annotations

import json
import shutil

import pytest

from boardpack.cli import main

from .bad.test_bad import base_plan
from .test_output import matches_manifest


def build(plan, out, *extra) -> int:
    return main(["build", str(plan), "--out", str(out), "-q", *extra])


def test_a_folder_with_a_foreign_manifest_is_not_replaced(tmp_path, capsys):
    plan, out = base_plan(tmp_path), tmp_path / "work"
    (out / "src").mkdir(parents=True)
    (out / "manifest.json").write_text("{}\n")
    (out / "src" / "app.js").write_text("code\n")
    assert build(plan, out) == 1
    err = capsys.readouterr().err
    assert f"{out}: not replaced: its manifest.json is not one boardpack wrote" in err
    assert "--force" in err and "--out" in err
    assert (out / "src" / "app.js").read_text() == "code\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".work.lock", "plan", "work"]  # no staging left


def test_files_boardpack_did_not_write_are_not_replaced_without_force(tmp_path, capsys):
    plan, out = base_plan(tmp_path), tmp_path / "out"
    assert build(plan, out) == 0
    (out / "notes.txt").write_text("mine\n")
    (out / "p" / "draft").mkdir()
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    capsys.readouterr()
    assert build(plan, out) == 1
    err = capsys.readouterr().err
    assert f"{out}: not replaced: it holds files boardpack did not write: notes.txt, p/draft" in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert build(plan, out, "--force") == 0
    assert not (out / "notes.txt").exists() and not (out / "p" / "draft").exists()
    matches_manifest(out)


def test_another_meetings_output_is_not_replaced(tmp_path, capsys):
    plan, out = base_plan(tmp_path), tmp_path / "out"
    assert build(plan, out) == 0
    other = tmp_path / "other" / "2018-01-10-panel"
    shutil.copytree(plan, other)
    meeting = other / "meeting.yaml"
    meeting.write_text(meeting.read_text().replace("Audit Panel", "Finance Panel").replace("2017-12-19", "2018-01-10"))
    paper = other / "p" / "paper.yaml"
    paper.write_text(paper.read_text().replace("2017-12-19", "2018-01-10"))
    before = matches_manifest(out)
    capsys.readouterr()
    assert build(other, out) == 1
    err = capsys.readouterr().err
    assert f"{out}: not replaced: it holds the output of another meeting (Audit Panel, 2017-12-19, plan" in err
    assert matches_manifest(out) == before


def test_the_same_meeting_built_from_another_clone_is_replaced(tmp_path):
    plan, out = base_plan(tmp_path), tmp_path / "out"
    assert build(plan, out) == 0
    clone = tmp_path / "clone" / plan.name
    shutil.copytree(plan, clone)
    assert build(clone, out) == 0
    matches_manifest(out)


def test_an_output_folder_of_the_previous_version_is_still_replaced(tmp_path, capsys):
    plan, out = base_plan(tmp_path), tmp_path / "out"
    assert build(plan, out) == 0
    (out / ".boardpack-cache" / "meeting.json").unlink()  # the previous version recorded no meeting
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    unlisted = [d for d in manifest if not d["path"].startswith("changes.")]  # nor, once, the changes files
    (out / "manifest.json").write_text(json.dumps(unlisted), encoding="utf-8")
    assert build(plan, out) == 0
    (out / ".boardpack-cache" / "meeting.json").unlink()
    (out / "extra.pdf").write_bytes(b"%PDF")
    assert build(plan, out) == 1
    assert "extra.pdf" in capsys.readouterr().err


def test_force_never_deletes_outside_the_output_folder(tmp_path):
    plan, out = base_plan(tmp_path), tmp_path / "out"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.txt").write_text("keep\n")
    out.mkdir()
    (out / "link").symlink_to(elsewhere)
    (out / "file-link").symlink_to(elsewhere / "precious.txt")
    assert build(plan, out, "--force") == 0
    assert (elsewhere / "precious.txt").read_text() == "keep\n"
    matches_manifest(out)


def test_an_out_that_is_a_file_is_refused(tmp_path, capsys):
    plan, out = base_plan(tmp_path), tmp_path / "out.pdf"
    out.write_bytes(b"%PDF")
    assert build(plan, out) == 1
    assert f"{out}: not replaced: it is a file, not a folder" in capsys.readouterr().err
    assert out.read_bytes() == b"%PDF"
    assert build(plan, out, "--force") == 1  # --force replaces folders, never a file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.pdf", "plan"]  # no lock left beside it


def test_a_folder_holding_the_plan_is_never_replaced(tmp_path, capsys):
    plan = base_plan(tmp_path / "plans")
    before = sorted((tmp_path / "plans").rglob("*"))
    assert build(plan, tmp_path / "plans", "--force") == 1
    assert f"{tmp_path / 'plans'}: not replaced: it holds {plan}, which the build reads" in capsys.readouterr().err
    assert sorted((tmp_path / "plans").rglob("*")) == before


def test_a_fault_the_library_did_not_name_is_still_exit_3(tmp_path, monkeypatch, capsys):
    def fails(*args, **kwargs):
        raise PermissionError(13, "Permission denied", "/somewhere")

    monkeypatch.setattr("boardpack.cli.build", fails)
    assert build(base_plan(tmp_path), tmp_path / "out") == 3
    err = capsys.readouterr().err
    assert err == "/somewhere: Permission denied\nboardpack: 1 problem; nothing was written\n"


def test_an_out_that_is_a_link_builds_into_the_folder_it_points_at(tmp_path):
    plan, target, link = base_plan(tmp_path), tmp_path / "share" / "board", tmp_path / "out"
    target.mkdir(parents=True)
    link.symlink_to(target)
    for _ in range(2):
        assert build(plan, link) == 0
        assert link.is_symlink() and link.resolve() == target
        matches_manifest(target)
    assert sorted(p.name for p in (tmp_path / "share").iterdir()) == [".board.lock", "board"]


def test_watch_force_replaces_a_foreign_folder_once(tmp_path):
    from boardpack.convert.converter import Converter
    from boardpack.pipeline.watch import watch
    from boardpack.render.docx import TEMPLATES_DIR

    plan, out = base_plan(tmp_path), tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    results = []
    watch(plan, out, TEMPLATES_DIR, Converter(), lambda result, _: results.append(result), changes=[], force=True)
    assert [type(r).__name__ for r in results] == ["BuildResult"]
    assert not (out / "notes.txt").exists()
    matches_manifest(out)


@pytest.mark.parametrize("inside", ["p", "p/deeper", "templates"])
def test_an_output_inside_a_folder_the_build_reads_is_never_replaced(tmp_path, capsys, inside):
    """--out inside a paper's folder (or the plan's templates) with --force deleted the paper.yaml and workbook."""
    plan = base_plan(tmp_path)
    (plan / "templates").mkdir()
    (plan / "templates" / "wording.yaml").write_text("{}\n", encoding="utf-8")
    target = plan / inside
    before = {p: p.read_bytes() for p in plan.rglob("*") if p.is_file()}
    assert build(plan, target, "--force") == 1
    read_from = plan / inside.split("/")[0]
    assert f"not replaced: it is inside {read_from}, which the build reads" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in plan.rglob("*") if p.is_file()} == before  # not even a lock file


def test_an_output_inside_the_plan_but_outside_what_it_reads_is_fine(tmp_path):
    plan = base_plan(tmp_path)
    assert build(plan, plan / "output") == 0
    matches_manifest(plan / "output")
