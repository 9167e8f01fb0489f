"""The output folder: one build at a time, swapped in whole, and intact whenever a build is killed."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

from boardpack.cli import main
from boardpack.pack.leaks import pdf_text
from boardpack.pipeline.output import _exchange, locked

from .bad.test_bad import base_plan


def matches_manifest(out) -> dict[str, str]:
    """Assert the manifest lists exactly the files on disk, with their hashes; return path -> sha256."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = {d["path"]: d["sha256"] for d in manifest}
    on_disk = {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in out.rglob("*")
        if p.is_file() and ".boardpack-cache" not in p.parts and p.name != "manifest.json"
    }
    assert on_disk == listed
    return listed


def test_exchange_swaps_two_folders(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x").write_text("a")
    (tmp_path / "b" / "x").write_text("b")
    assert _exchange(tmp_path / "a", tmp_path / "b")
    assert ((tmp_path / "a" / "x").read_text(), (tmp_path / "b" / "x").read_text()) == ("b", "a")


def test_a_half_done_swap_is_undone_by_the_next_build(tmp_path):
    out = tmp_path / "out"
    old = tmp_path / ".out.old-4242"  # killed after moving the old output aside, before moving in the new
    old.mkdir()
    (old / "manifest.json").write_text("[]")
    (tmp_path / ".out.building-4242").mkdir()
    with locked(out):
        assert (out / "manifest.json").read_text() == "[]"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.lock", "out"]


def test_a_second_build_waits_for_the_first(tmp_path, monkeypatch, capsys):
    plan, out = base_plan(tmp_path), tmp_path / "out"
    monkeypatch.setenv("BOARDPACK_LOCK_TIMEOUT", "0.5")
    with locked(out):
        assert main(["build", str(plan), "--out", str(out), "-q"]) == 3
    assert "another build into this folder is still running after 0.5 s" in capsys.readouterr().err
    assert not out.exists()
    monkeypatch.setenv("BOARDPACK_LOCK_TIMEOUT", "60")
    release = threading.Event()

    def hold() -> None:
        with locked(out):
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.2)
    threading.Timer(1.0, release.set).start()
    assert main(["build", str(plan), "--out", str(out), "-q"]) == 0  # waited, then built
    holder.join()
    matches_manifest(out)


@pytest.mark.e2e
def test_killing_a_build_at_any_point_leaves_the_previous_output(tmp_path):
    plan, out = base_plan(tmp_path), tmp_path / "out"
    assert main(["build", str(plan), "--out", str(out), "-q"]) == 0
    before = matches_manifest(out)
    paper = plan / "p" / "paper.yaml"
    for n, delay in enumerate((0.3, 0.8, 1.5, 2.5, 4.0)):
        paper.write_text(re.sub(r"To note[^.]*\.", f"To note ({n}).", paper.read_text(encoding="utf-8")), "utf-8")
        proc = subprocess.Popen(
            [sys.executable, "-m", "boardpack", "build", str(plan), "--out", str(out), "-q"], start_new_session=True
        )
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)  # the build and its LibreOffice, mid-flight
        proc.wait()
        now = matches_manifest(out)  # never half-written: the old output, or (if it finished) the new one
        if now != before:  # swapped in, perhaps killed just after: then it is the whole new build
            assert f"To note ({n})." in " ".join(pdf_text(out / "p" / "report.pdf").split())
        before = now
    assert main(["build", str(plan), "--out", str(out), "-q"]) == 0
    matches_manifest(out)
    assert not list(tmp_path.glob(".out.building-*")) and not list(tmp_path.glob(".out.old-*"))


@pytest.mark.e2e
@pytest.mark.parametrize(
    "script", ["sleep 30\n", "kill -SEGV $$\n", "exit 0\n"], ids=["hangs", "crashes", "writes-nothing"]
)
def test_a_failing_converter_leaves_the_previous_output(tmp_path, monkeypatch, capsys, script):
    plan, out = base_plan(tmp_path), tmp_path / "out"
    assert main(["build", str(plan), "--out", str(out), "-q"]) == 0
    before = matches_manifest(out)
    paper = plan / "p" / "paper.yaml"
    paper.write_text(paper.read_text(encoding="utf-8").replace("To note.", "To note, again."), "utf-8")
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("BOARDPACK_SOFFICE", str(fake))
    capsys.readouterr()
    assert main(["build", str(plan), "--out", str(out), "-q", "--convert-timeout", "0.3"]) == 3
    err = capsys.readouterr().err
    assert "p/report" in err or "report.docx" in err  # the document is named
    assert matches_manifest(out) == before
