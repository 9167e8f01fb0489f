"""Watch mode: one line per rebuild; a bad save reports its file and line and keeps watching."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time

import pytest

from boardpack.cli import _watch_line
from boardpack.convert.converter import Converter
from boardpack.errors import PlanError
from boardpack.pipeline.watch import watch
from boardpack.render.docx import TEMPLATES_DIR

from .conftest import PAPER


def test_watch_builds_once_then_once_per_change(plan_copy, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr("boardpack.pipeline.watch.build", lambda *a, **k: calls.append(a[0]) or "result")
    seen = []
    watch(plan_copy, tmp_path / "out", TEMPLATES_DIR, Converter(), lambda r, s: seen.append(r), changes=[{1}, {2}])
    assert calls == [plan_copy] * 3 and seen == ["result"] * 3


def test_a_failed_rebuild_is_one_line_with_file_and_line(capsys):
    _watch_line(PlanError("paper.yaml:3:1: paper: unknown key 'titel'"), 0.25)
    line = capsys.readouterr().out
    assert line.count("\n") == 1
    assert "failed in 0.2 s, previous output kept: boardpack: paper.yaml:3:1: paper: unknown key 'titel'" in line


@pytest.mark.e2e
def test_watch_rebuilds_on_save(plan_copy, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "boardpack", "watch", str(plan_copy), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True)
    reader.start()

    def next_line() -> str:  # never hang the suite: a watch that says nothing fails the test
        return lines.get(timeout=120)

    try:
        assert "watching" in next_line()
        first = next_line()
        assert "rebuilt minutes report" in first and "papers changed: none" in first
        time.sleep(0.5)
        paper = plan_copy / "minutes" / "paper.yaml"
        paper.write_text(paper.read_text(encoding="utf-8").replace("No interests", "No new interests"), "utf-8")
        second = next_line()
        assert "rebuilt minutes report and the packs" in second and "papers changed: minutes" in second
        broken = plan_copy / PAPER / "paper.yaml"
        broken.write_text(broken.read_text(encoding="utf-8").replace("report_by:", "reportby:"), "utf-8")
        third = next_line()
        assert "failed in" in third and "paper.yaml:8:1: paper: unknown key 'reportby'" in third
        assert (out / "public-pack.pdf").is_file()  # the previous output stands
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)
        reader.join(timeout=10)  # it ends at the end of the output
        proc.stdout.close()


def test_a_save_with_a_control_character_is_reported_and_the_watch_goes_on(plan_copy, tmp_path):
    paper = plan_copy / PAPER / "paper.yaml"
    paper.write_bytes(paper.read_bytes().replace(b"MOPAC Governance", b"MOPAC\x01Governance", 1))
    seen = []
    watch(plan_copy, tmp_path / "out", TEMPLATES_DIR, Converter(), lambda r, s: seen.append(r), changes=[{1}])
    assert len(seen) == 2 and all(isinstance(r, PlanError) for r in seen)
    assert "control character U+0001 is not allowed in text" in str(seen[-1])
    assert not (tmp_path / "out").exists()
