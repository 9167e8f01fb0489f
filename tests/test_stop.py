"""A build stopped from outside (SIGTERM, a closed terminal, SIGKILL) leaves no LibreOffice running.

SIGTERM and SIGHUP stop a build as Ctrl-C does: its staging and work folders go, its warm
LibreOffices are killed, and it exits 128 + the signal's number with one line saying so. After
SIGKILL, which nothing can catch, LibreOffice still dies with boardpack within seconds.
The LibreOffices of a build are told from other tests' by their profile, under the build's TMPDIR.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from boardpack.cli import main

from .conftest import PAPER, wait_for

BOARDPACK = Path(sys.executable).with_name("boardpack")
SLOW_WORDS = 60_000  # one paragraph LibreOffice takes a while over: the build is stopped mid-conversion


def processes(marker: str) -> list[str]:
    """Return ``PID ARGS`` of each process whose command line names *marker* (this test's TMPDIR)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            args = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in args:
            found.append(f"{entry.name} {args}")
    return found


# The build started with SIGHUP's default action, whatever this process was started with: a build keeps a
# signal ignored at its start ignored (``nohup``), and these tests may run under nohup.
WITH_SIGHUP = (
    "import os, signal, sys; signal.signal(signal.SIGHUP, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"
)


# The build started with SIGHUP ignored, as under ``nohup``.
WITHOUT_SIGHUP = WITH_SIGHUP.replace("signal.SIG_DFL", "signal.SIG_IGN")


def start_build(
    plan_copy: Path, tmp_path: Path, converter: str = "warm", wrapper: str = WITH_SIGHUP
) -> tuple[subprocess.Popen, str]:
    """Start a warm build of a slow copy of the example; return it once its soffice.bin runs."""
    paper = plan_copy / PAPER / "paper.yaml"
    slow = "The plan is attached at [[gip]]. " + "governance " * SLOW_WORDS
    text = paper.read_text(encoding="utf-8")
    paper.write_text(text.replace("The MOPAC governance improvement plan is attached at [[gip]].", slow), "utf-8")
    temp = tmp_path / "tmp"
    temp.mkdir()
    command = [str(BOARDPACK), "build", str(plan_copy), "--out", str(tmp_path / "out"), "-q", "--converter", converter]
    command = [sys.executable, "-c", wrapper, *command]
    proc = subprocess.Popen(
        command, stderr=subprocess.PIPE, text=True, start_new_session=True, env={**os.environ, "TMPDIR": str(temp)}
    )
    soffice = lambda: any("soffice.bin" in p for p in processes(str(temp)))  # noqa: E731
    assert wait_for(soffice, 60), "no soffice.bin started"
    time.sleep(4.0)  # LibreOffice started: converting now
    assert proc.poll() is None, "the build finished before it could be stopped"
    return proc, str(temp)


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("signum", "converter"),
    [(signal.SIGTERM, "warm"), (signal.SIGHUP, "warm"), (signal.SIGTERM, "soffice")],
    ids=["SIGTERM", "SIGHUP", "SIGTERM-soffice"],
)
def test_a_terminated_build_stops_its_libreoffice_and_leaves_no_folders(plan_copy, tmp_path, signum, converter):
    proc, marker = start_build(plan_copy, tmp_path, converter)
    start = time.monotonic()
    proc.send_signal(signum)
    try:
        _, stderr = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()  # not left running (and its pipe open) into the tests after this one
        _, stderr = proc.communicate()
        pytest.fail(f"still running 10 s after {signum.name}: {stderr[-2000:]}")
    assert proc.returncode == 128 + signum
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines() == ["boardpack: stopped; the previous output is kept as it was"]
    assert wait_for(lambda: not processes(marker), 10 - (time.monotonic() - start)), processes(marker)
    assert not list(tmp_path.glob(".out.building-*")) and not (tmp_path / "out").exists()
    assert not list(Path(marker).iterdir())  # the warm LibreOffice's scratch folder too
    print(f"stopped in {time.monotonic() - start:.1f} s")


@pytest.mark.e2e
def test_a_build_started_under_nohup_finishes_though_its_terminal_hangs_up(plan_copy, tmp_path):
    """SIGHUP ignored at the start stays ignored by the build and by every process it forks (the public
    side's child, the members' packs' worker, the packs' second process): none of them dies of it."""
    proc, _ = start_build(plan_copy, tmp_path, wrapper=WITHOUT_SIGHUP)
    os.killpg(proc.pid, signal.SIGHUP)  # the terminal hangs up: its whole session is sent SIGHUP
    try:
        _, stderr = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, stderr = proc.communicate()
        pytest.fail(f"still running 120 s after SIGHUP: {stderr[-2000:]}")
    assert proc.returncode == 0, stderr[-2000:]
    assert (tmp_path / "out" / "members-pack.pdf").is_file() and (tmp_path / "out" / "public-pack.pdf").is_file()


@pytest.mark.e2e
def test_libreoffice_dies_with_a_killed_build(plan_copy, tmp_path):
    proc, marker = start_build(plan_copy, tmp_path)
    start = time.monotonic()
    proc.kill()
    proc.communicate(timeout=10)
    assert wait_for(lambda: not processes(marker), 15), processes(marker)
    assert wait_for(lambda: not list(Path(marker).iterdir()), 5), list(Path(marker).rglob("*"))[:5]  # scratch too
    print(f"LibreOffice gone {time.monotonic() - start:.1f} s after SIGKILL")


def test_main_restores_the_signal_handlers_it_set(tmp_path):
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    assert main(["check", str(tmp_path / "missing")]) != 0
    assert {s: signal.getsignal(s) for s in before} == before


def test_sigterm_during_a_command_is_a_stop_not_a_traceback(tmp_path, monkeypatch, capsys):
    import boardpack.cli as cli

    def check_then_terminated(args):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler interrupts this
        return 0

    interrupted = []
    monkeypatch.setattr(cli, "_check", check_then_terminated)
    monkeypatch.setattr(cli, "interrupt", lambda: interrupted.append(True))  # not this session's LibreOffices
    start = time.monotonic()
    assert main(["check", str(tmp_path)]) == 143
    assert interrupted == [True]
    assert time.monotonic() - start < 4
    assert capsys.readouterr().err == "boardpack: stopped; the previous output is kept as it was\n"


# A build whose main thread meets SIGTERM in a __del__, where Python prints a KeyboardInterrupt and carries on
# ("Exception ignored in"): the stop is raised again once the __del__ is done (``Stops._unraisable``).
STOPPED_IN_A_DEL = """
import os, signal, sys, time
from boardpack.pipeline import builder

class Dropped:
    def __del__(self):
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):  # the handler runs here, in __del__
            pass

real_write_state = builder.write_state

def write_state(*args, **kwargs):
    Dropped()
    time.sleep(2)  # the stop, raised again, interrupts this
    return real_write_state(*args, **kwargs)

builder.write_state = write_state
from boardpack.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.e2e
def test_a_stop_python_drops_in_a_del_is_raised_again(plan_copy, tmp_path):
    """CI saw a terminated build run on past ten seconds: a stop handled in a __del__ (or a weak reference's
    callback, or an at-fork handler) is printed and dropped by Python, and the build never stopped."""
    out = tmp_path / "out"
    command = [sys.executable, "-c", STOPPED_IN_A_DEL, "build", str(plan_copy), "--out", str(out), "-q"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert run.returncode == 143, run.stderr
    assert run.stderr.strip().splitlines() == ["boardpack: stopped; the previous output is kept as it was"]
    assert not out.exists() and not list(tmp_path.glob(".out.building-*"))


def test_a_stop_dropped_as_the_command_ends_is_not_raised_after_it(tmp_path, monkeypatch):
    """A stop dropped in a __del__ is raised again a moment later, while the command runs: one dropped as the
    command ends leaves the command's own result, and nothing is raised into the caller afterwards."""
    import boardpack.cli as cli

    class Dropped:
        def __del__(self):
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(1000):  # the handler runs here, in __del__
                pass

    def check_then_dropped(args):
        Dropped()
        return 0

    interrupted = []
    monkeypatch.setattr(cli, "_check", check_then_dropped)
    monkeypatch.setattr(cli, "interrupt", lambda: interrupted.append(True))  # not this session's LibreOffices
    assert main(["check", str(tmp_path)]) == 0  # done before the stop could be raised again
    assert interrupted == [True]
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # nothing left to raise it
    time.sleep(0.2)  # and nothing is raised here


# The build with the site's charts slow to draw (a large meeting's, drawn for the first time), and SIGHUP's
# default action; run in this process (``main``), so that the public side's child inherits the slow drawing.
SLOW_SITE = (
    "import signal, sys, time; signal.signal(signal.SIGHUP, signal.SIG_DFL)\n"
    "import boardpack.site.svg as svg\n"
    "real = svg.status_chart\n"
    "def slow(*args):\n"
    "    time.sleep(30)\n"
    "    return real(*args)\n"
    "svg.status_chart = slow\n"
    "from boardpack.cli import main\n"
    "sys.exit(main(sys.argv[2:]))\n"
)


@pytest.mark.e2e
def test_a_build_stopped_while_its_public_child_renders_the_site_stops_at_once(plan_copy, tmp_path):
    """The public side's child renders the site's pages from the moment it is forked; a stop kills it at
    once rather than let it finish them (no one will read them), and the build exits as any stopped build."""
    proc, marker = start_build(plan_copy, tmp_path, wrapper=SLOW_SITE)
    start = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    took = time.monotonic() - start
    assert proc.returncode == 128 + signal.SIGTERM, stderr[-2000:]
    assert took < 5, f"stopped in {took:.1f} s: it waited for the child's site pages"
    assert wait_for(lambda: not processes(marker), 10), processes(marker)
    assert not list(Path(marker).iterdir())


def test_a_build_stopped_while_its_public_child_draws_a_chart_leaves_nothing_in_tmp(plan_copy, tmp_path, monkeypatch):
    """A child killed while it draws the site's chart (the build stopped, or failing, while it renders the
    papers) never unwinds: the chart is drawn in memory, so nothing of it is left in the temporary folder."""
    import tempfile

    from boardpack.pipeline import builder
    from boardpack.pipeline.builder import build
    from boardpack.site import svg

    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    drawing, real = tmp_path / "drawing", svg.status_chart

    def slow(*args):
        drawing.write_text(str(os.getpid()), encoding="utf-8")
        time.sleep(30)
        return real(*args)

    def stopped(*args, **kwargs):  # stopped while the papers render, before LibreOffice
        assert wait_for(drawing.exists, 30)
        raise KeyboardInterrupt

    monkeypatch.setattr(svg, "status_chart", slow)
    monkeypatch.setattr(builder, "produce", stopped)
    with pytest.raises(KeyboardInterrupt):
        build(plan_copy, tmp_path / "out")
    assert drawing.read_text(encoding="utf-8") != str(os.getpid())  # drawn in the child
    assert not list(temp.iterdir()), list(temp.rglob("*"))
