"""The fork server: a build after the first runs in a process whose imports are done, as if it ran itself.

Each test has a runtime folder of its own (``runtime`` of test_service.py); the service it starts
starts the fork server beside it, and both are stopped after. The builds are real ``boardpack``
processes, converting with the real LibreOffice in the service.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from boardpack.cli import _hand_over
from boardpack.convert import client, service
from boardpack.pipeline import forkserver

from .conftest import PAPER, service_processes, wait_for
from .test_service import BOARDPACK, alive, cli

# The program as `boardpack` runs it, saying after the command which libraries this process imported.
IMPORTS = (
    "import sys; from boardpack.cli import run; code = run(); "
    "heavy = ('pikepdf', 'docx', 'docxtpl', 'openpyxl', 'matplotlib'); "
    "print('imported:', ' '.join(m for m in heavy if m in sys.modules), file=sys.stderr); sys.exit(code)"
)


def fork_server(folder: Path) -> int | None:
    """The pid of the fork server started for *folder*, if it runs."""
    for pid in service_processes(folder):
        try:
            if b"boardpack.pipeline.forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
        except OSError:
            continue
    return None


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                state, parent = (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()[:2]
            except OSError:
                continue
            if int(parent) == pid and state != b"Z":
                found.append(int(entry.name))
    return found


def started(folder: Path) -> int:
    """Start the service (and so the fork server) and return the fork server's pid once it listens."""
    client.ensure().close()
    assert wait_for(lambda: (folder / forkserver.socket_name()).exists(), 60), "the fork server never listened"
    pid = fork_server(folder)
    assert pid is not None
    return pid


def slow_plan(plan: Path) -> None:
    """Make the paper long enough that its conversion takes seconds."""
    paper = plan / PAPER / "paper.yaml"
    text = paper.read_text(encoding="utf-8")
    slow = "The plan is attached at [[gip]]. " + "governance " * 60_000
    paper.write_text(text.replace("The MOPAC governance improvement plan is attached at [[gip]].", slow), "utf-8")


@pytest.mark.e2e
def test_a_build_after_the_first_runs_in_the_fork_server_and_writes_what_it_would_have(runtime, plan_copy, tmp_path):
    out = tmp_path / "out"
    first = subprocess.run([sys.executable, "-c", IMPORTS, "build", str(plan_copy), "--out", str(out), "-q"],
                           capture_output=True, text=True, timeout=300)  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert "pikepdf" in first.stderr.splitlines()[-1]  # the first built in its own process
    assert wait_for(lambda: (runtime / forkserver.socket_name()).exists(), 60)
    paper = plan_copy / PAPER / "paper.yaml"
    paper.write_text(paper.read_text(encoding="utf-8").replace("financial oversight model", "money model"), "utf-8")
    second = subprocess.run([sys.executable, "-c", IMPORTS, "build", str(plan_copy), "--out", str(out)],
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    assert second.returncode == 0, second.stderr
    assert second.stderr.splitlines()[-1].rstrip() == "imported:"  # this process read no document: the fork server did
    assert re.fullmatch(rf"built \d+ documents into {re.escape(str(out))}", second.stdout.splitlines()[-1])
    assert f"wrote {out / PAPER / 'report.pdf'}" in second.stdout
    text = " ".join(page.extract_text() for page in PdfReader(out / PAPER / "report.pdf").pages)
    assert "money model" in " ".join(text.split())
    report = json.loads((out / "changes.json").read_text(encoding="utf-8"))
    assert [c["paper"] for c in report["changed"]] == [PAPER]
    checked = cli("check", str(plan_copy))
    assert checked.returncode == 0 and checked.stdout.startswith(f"{plan_copy}: ok (")


@pytest.mark.e2e
def test_a_bad_plan_in_the_fork_server_is_named_by_file_and_line_and_exits_1(runtime, plan_copy, tmp_path):
    started(runtime)
    paper = plan_copy / PAPER / "paper.yaml"
    lines = paper.read_text(encoding="utf-8").count("\n")
    paper.write_text(paper.read_text(encoding="utf-8") + "title: [\n", "utf-8")
    result = subprocess.run([sys.executable, "-c", IMPORTS, "build", str(plan_copy), "--out", str(tmp_path / "o")],
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 1
    assert f"{paper}:{lines + 2}:1: YAML syntax" in result.stderr
    assert "boardpack: 1 problem; nothing was written" in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].rstrip() == "imported:"  # and it was the fork server that read the plan
    assert not (tmp_path / "o").exists()


@pytest.mark.e2e
@pytest.mark.parametrize("how", ["interrupt", "kill"])
def test_a_stopped_build_stops_its_child_in_the_fork_server_and_keeps_the_output(runtime, plan_copy, tmp_path, how):
    server = started(runtime)
    slow_plan(plan_copy)
    command = [str(BOARDPACK), "build", str(plan_copy), "--out", str(tmp_path / "out"), "-q"]
    build = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert wait_for(lambda: (client.status() or {}).get("active", 0) > 0, 120), "never converting"
    (child,) = children(server)  # the build runs there, not in the process typed
    assert child != build.pid
    if how == "interrupt":  # Ctrl-C in the terminal reaches the process typed; it passes it on
        build.send_signal(signal.SIGINT)
        _, stderr = build.communicate(timeout=20)
        assert build.returncode == 130 and "Traceback" not in stderr
        assert "boardpack: stopped; the previous output is kept as it was" in stderr
    else:  # the process typed is gone without a word: the server stops its child
        build.kill()
        build.communicate(timeout=10)
    assert wait_for(lambda: not alive(child), 20)
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".out.building-*"))  # nothing half-built
    assert alive(server) and children(server) == []


def test_the_fork_server_stops_with_the_service(runtime):
    server = started(runtime)
    assert client.stop() is not None
    assert wait_for(lambda: not alive(server), 15)
    assert not (runtime / forkserver.socket_name()).exists()


def test_the_fork_server_takes_builds_of_its_own_version_only(runtime, monkeypatch, capfd):
    started(runtime)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(str(runtime / forkserver.socket_name()))
        sock.settimeout(10)
        other = {**service.identity(), "digest": "0" * 64, "argv": ["check", "."], "cwd": "/", "env": {}, "umask": 18}
        socket.send_fds(sock, [(json.dumps(other) + "\n").encode()], [0, 1, 2])
        assert sock.recv(100) == b""  # closed without a fork
    assert (runtime / forkserver.socket_name()).exists()
    monkeypatch.setattr(forkserver, "identity", lambda: {**service.identity(), "version": "0.0.0"})
    assert forkserver.hand_over(["check", "."]) is None  # refused: the build runs in its own process
    assert capfd.readouterr() == ("", "")  # and the server wrote nothing on this process's streams


def test_only_the_services_converter_hands_over(runtime, monkeypatch, tmp_path):
    socket_file = runtime / forkserver.socket_name()
    socket_file.write_text("")  # were a server asked, connecting here would fail: the answer must come first

    def args(converter: str | None, hand_over: bool = True) -> argparse.Namespace:
        return argparse.Namespace(converter=converter, hand_over=hand_over, argv=["build", str(tmp_path)])

    monkeypatch.delenv("BOARDPACK_CONVERTER", raising=False)
    assert _hand_over(args("soffice")) is None and _hand_over(args("warm")) is None
    assert _hand_over(args("unoserver://127.0.0.1:2003")) is None and _hand_over(args(None, False)) is None
    monkeypatch.setenv("BOARDPACK_CONVERTER", "soffice")
    assert _hand_over(args(None)) is None
    monkeypatch.delenv("BOARDPACK_CONVERTER")
    assert _hand_over(args(None)) is None  # asked, but nothing listens: run here
    os.unlink(socket_file)


def test_serve_status_names_the_fork_server_and_says_when_it_is_gone(runtime):
    server = started(runtime)
    shown = cli("serve", "--status")
    assert shown.returncode == 0 and f"builds run in its fork server (pid {server})" in shown.stdout
    os.kill(server, signal.SIGKILL)
    assert wait_for(lambda: not alive(server), 10)
    shown = cli("serve", "--status")
    assert shown.returncode == 0 and "no fork server: builds run on their own" in shown.stdout


def test_the_workbooks_a_build_read_are_handed_back_to_the_server_and_not_read_again(tmp_path, monkeypatch):
    """A build forked from the server hands back the workbooks it read (``_tell``); the server remembers
    them (``_learn``), so the next build it forks, after a paragraph edit, reads no unchanged workbook."""
    from boardpack.appendix import actions
    from boardpack.pipeline.builder import check

    from .conftest import EXAMPLE

    monkeypatch.setattr(actions, "_remembered", {})
    monkeypatch.setattr(actions, "_read_here", set())
    first = check(EXAMPLE)
    read = actions.read_here()
    assert len(read) == 1 and next(iter(read))[0].endswith("appendix.xlsx")
    learned, teller = os.pipe()
    forkserver._tell(teller)  # as the build's child does, on its way out
    actions._remembered.clear()  # the server: it never read the workbook itself
    actions._read_here.clear()
    server = forkserver.Server(tmp_path / "builds.sock", os.getppid(), {})
    server.learning[learned] = bytearray()
    while learned in server.learning:
        server._learn(learned)
    assert set(actions._remembered) == set(read) and actions.read_here() == {}  # remembered, not read here

    def read_again(*args):
        raise AssertionError("an unchanged workbook was read again")

    monkeypatch.setattr(actions, "load_action_plan", read_again)
    assert check(EXAMPLE).plan.action_plans == first.plan.action_plans


def test_a_build_forked_while_another_hands_back_what_it_read_runs_as_asked(tmp_path, monkeypatch):
    """The server forks a build while another build's pipe back to it is open: the child lets go of that
    pipe (a descriptor, not a socket) and runs the command (once, it exited 3 with nothing said)."""
    from boardpack.appendix import actions

    monkeypatch.setattr(actions, "_read_here", set())  # this process's earlier tests read workbooks
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn, peer = socket.socketpair()
    other_learned, other_teller = os.pipe()
    learned, teller = os.pipe()
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    written = os.O_WRONLY | os.O_CREAT
    fds = [os.open(os.devnull, os.O_RDONLY), os.open(out, written), os.open(err, written)]
    request = {"argv": ["--version"], "env": dict(os.environ), "cwd": str(tmp_path), "umask": 0o022}
    try:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the build's child, as the server forks it
            atexit._clear()  # this test process's own (its LibreOffices'): the server's child has the server's
            forkserver._child(conn, listener, [], request, fds, teller, [other_learned])
        for fd in (*fds, teller, other_teller):
            os.close(fd)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, err.read_text()
        assert out.read_text().startswith("boardpack ") and os.read(learned, 100) == b""  # it read no workbook
    finally:
        for end in (listener, conn, peer):
            end.close()
        os.close(learned)
        os.close(other_learned)


def test_a_build_that_ran_on_its_own_leaves_the_server_the_workbooks_it_read(tmp_path, monkeypatch):
    """The first build runs on its own (it starts the service, and so the server); as it ends it hands the
    server the workbooks it read (``teach``), so that the author's first edit after it reads none again."""
    from boardpack.appendix import actions
    from boardpack.convert.service import identity
    from boardpack.pipeline.builder import check

    from .conftest import EXAMPLE

    monkeypatch.setattr(actions, "_remembered", {})
    monkeypatch.setattr(actions, "_read_here", set())
    monkeypatch.setattr(forkserver, "private_dir", lambda: tmp_path)
    check(EXAMPLE)
    read = actions.read_here()
    assert len(read) == 1
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(str(tmp_path / forkserver.socket_name()))
        listener.listen(1)
        forkserver.teach()  # as the command line does after a build that ran on its own
        actions._remembered.clear()  # the server: it never read the workbook itself
        actions._read_here.clear()
        server = forkserver.Server(tmp_path / forkserver.socket_name(), os.getppid(), identity())
        server._accept(listener)
    finally:
        listener.close()
    assert set(actions._remembered) == set(read) and server.children == {}  # remembered; no build forked


def test_a_build_that_does_not_stop_when_its_command_went_away_is_killed(tmp_path, monkeypatch):
    """The server stops (SIGTERM) a build whose command went away; one that does not stop would hold its
    output folder's lock from every later build, so it is killed once it had its time to stop."""
    import time

    monkeypatch.setattr(forkserver, "KILL_AFTER", 0.5)
    stubborn = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True)"
    stubborn += "; time.sleep(60)"
    build = subprocess.Popen([sys.executable, "-c", stubborn], stdout=subprocess.PIPE, text=True)
    assert build.stdout.readline() == "ready\n"
    server = forkserver.Server(tmp_path / "builds.sock", os.getppid(), {})
    ours, theirs = socket.socketpair()
    server.children[build.pid] = ours
    theirs.close()  # the command typed is gone
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(tmp_path / "listen.sock"))
    listener.listen()
    began = time.monotonic()
    while server.children and time.monotonic() - began < 20:
        server._step(listener)
    took = time.monotonic() - began
    listener.close()
    build.stdout.close()
    build.wait(timeout=5)  # reaped by the server already
    assert server.children == {} and server.stopped == {}
    assert 0.5 <= took < 5  # SIGTERM first, which it ignored; killed once its time was up


def test_builds_that_do_not_stop_when_the_server_stops_are_killed(monkeypatch):
    """Stopping, the server stops its builds (SIGTERM); one still running a moment later is killed, within
    the time the service waits for the server."""
    import time

    monkeypatch.setattr(forkserver, "STOP_WAIT", 0.5)
    stubborn = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True)"
    build = subprocess.Popen([sys.executable, "-c", stubborn + "; time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    assert build.stdout.readline() == "ready\n"
    os.kill(build.pid, signal.SIGTERM)  # as serve() does, stopping
    began = time.monotonic()
    forkserver.Server(Path("unused.sock"), os.getppid(), {})._last_of([build.pid])
    took = time.monotonic() - began
    build.stdout.close()
    build.wait(timeout=5)  # reaped by the server already
    assert 0.5 <= took < forkserver.STOP_WAIT + 2 < 10


def test_a_build_is_forked_with_the_servers_objects_frozen():
    """The server's objects (its imports, templates and remembered workbooks) are frozen as it forks a build
    (``forkserver.fork``): the build's full collections never scan them. In a process of its own: a
    freeze lasts as long as the process that made it."""
    script = (
        "import gc, os; from boardpack.pipeline import forkserver\n"
        "held = [[n] for n in range(50_000)]  # the server's long-lived objects\n"
        "pid = forkserver.fork()\n"
        "if pid == 0:\n"
        "    os._exit(0 if gc.get_freeze_count() >= 50_000 else 1)\n"
        "print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "0", "the build's child was forked with the server's objects still collectable"
