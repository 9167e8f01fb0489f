"""Packs written in two processes (``pack/packs.py``: ``in_two_processes``): every task is done once,
in this process or in the forked child; what fails in either is raised here, as it was; and a child
is never left writing after this process has given up. The same of a child forked on standby
(``forked.standby``: the public side of a build), which waits for what it is sent, and returns what
its call returned; and of a worker (``forked.worker``: the members' packs), which does what it is told in
order, as it comes, and answers the last."""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

import pytest

from boardpack.pack.packs import in_two_processes


def _write(path: Path, text: str) -> None:
    path.write_text(f"{text} by {os.getpid()}", encoding="utf-8")


def test_every_task_is_done_once_the_heaviest_shared_between_two_processes(tmp_path):
    tasks = [(tmp_path / f"{n}.txt", f"pack {n}") for n in range(4)]
    in_two_processes(_write, tasks, [400, 300, 200, 100])
    written = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.iterdir()}
    assert sorted(written) == ["0.txt", "1.txt", "2.txt", "3.txt"]
    here = {name for name, text in written.items() if text.endswith(f"by {os.getpid()}")}
    assert here == {"0.txt", "3.txt"}  # 400 + 100 here, 300 + 200 in the child
    assert len({text.rsplit(" ", 1)[1] for text in written.values()}) == 2


def _fail_in_child(path: Path, text: str) -> None:
    if text == "child":
        raise OSError(errno.ENOSPC, "No space left on device", str(path))
    _write(path, text)


def test_a_failure_in_the_child_is_raised_here_as_it_was(tmp_path):
    with pytest.raises(OSError) as caught:
        in_two_processes(_fail_in_child, [(tmp_path / "a", "here"), (tmp_path / "b", "child")], [2, 1])
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(tmp_path / "b")
    assert (tmp_path / "a").is_file() and not (tmp_path / "b").exists()


class Unpicklable(Exception):
    def __init__(self, one, two):
        super().__init__(f"{one} and {two}")


def _fail_oddly(path: Path, text: str) -> None:
    if text == "child":
        raise Unpicklable("a lock", lambda: None)
    _write(path, text)


def test_an_exception_that_does_not_travel_comes_back_as_its_words(tmp_path):
    with pytest.raises(RuntimeError, match="Unpicklable: a lock and"):
        in_two_processes(_fail_oddly, [(tmp_path / "a", "here"), (tmp_path / "b", "child")], [2, 1])


def _slow_child(path: Path, text: str) -> None:
    if text == "child":
        time.sleep(5)
        _write(path, text)
        return
    raise KeyboardInterrupt


def test_stopped_here_the_child_is_killed_before_it_writes(tmp_path):
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        in_two_processes(_slow_child, [(tmp_path / "a", "here"), (tmp_path / "b", "child")], [2, 1])
    assert time.monotonic() - started < 4
    time.sleep(0.2)
    assert list(tmp_path.iterdir()) == []


def _write_and_say(path: Path, text: str) -> str:
    _write(path, text)
    return f"wrote {path.name} in {os.getpid()}"


def test_a_standby_child_calls_with_what_it_is_sent_and_returns_what_the_call_returned(tmp_path):
    from boardpack.pipeline import forked

    child = forked.standby(_write_and_say)
    assert not child.sent and list(tmp_path.iterdir()) == []  # waiting: nothing done before it is sent
    child.send(tmp_path / "public.txt", "public pack")
    assert child.sent
    said = child.wait()
    assert said.startswith("wrote public.txt in ") and not said.endswith(str(os.getpid()))
    assert (tmp_path / "public.txt").read_text(encoding="utf-8").startswith("public pack by ")


def test_a_standby_child_raises_here_what_it_raised(tmp_path):
    from boardpack.pipeline import forked

    child = forked.standby(_fail_in_child)
    child.send(tmp_path / "b", "child")
    with pytest.raises(OSError) as caught:
        child.wait()
    assert caught.value.errno == errno.ENOSPC and not (tmp_path / "b").exists()


def test_a_standby_child_never_sent_is_stopped_and_reaped(tmp_path):
    from boardpack.pipeline import forked

    child = forked.standby(_write_and_say)
    child.kill()
    assert not child.sent  # stopped, never sent: the build writes the public side itself
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)  # reaped: no such child left
    assert list(tmp_path.iterdir()) == []


def test_a_standby_child_sent_slow_work_is_stopped_before_it_writes(tmp_path):
    from boardpack.pipeline import forked

    child = forked.standby(_slow_child)
    child.send(tmp_path / "b", "child")
    started = time.monotonic()
    child.kill()
    assert time.monotonic() - started < 2
    time.sleep(0.2)
    assert list(tmp_path.iterdir()) == []


def test_a_standby_child_does_its_first_work_at_once_then_calls_with_what_it_is_sent(tmp_path):
    """The public side's child renders the site's pages while it waits (``first``), not after it is sent."""
    from boardpack.pipeline import forked

    warmed = tmp_path / "warm.txt"
    child = forked.standby(_write_and_say, first=lambda: _write(warmed, "site pages"))
    deadline = time.monotonic() + 10
    while not warmed.exists() and time.monotonic() < deadline:  # done before anything is sent
        time.sleep(0.02)
    assert not child.sent and warmed.read_text(encoding="utf-8") == f"site pages by {child.pid}"
    child.send(tmp_path / "public.txt", "public pack")
    assert child.wait() == f"wrote public.txt in {child.pid}"


def _sleep_then_write(path: Path) -> None:
    time.sleep(1)
    _write(path, "site pages")


def test_a_standby_child_let_go_ends_once_its_first_work_is_done(tmp_path):
    """Let go (the build writes the public side itself), the child first finishes what the build would
    otherwise do again; it calls nothing more."""
    from boardpack.pipeline import forked

    warmed = tmp_path / "warm.txt"
    child = forked.standby(_write_and_say, first=lambda: _sleep_then_write(warmed))
    assert not warmed.exists()
    child.let_go()
    assert warmed.read_text(encoding="utf-8") == f"site pages by {child.pid}"
    assert [p.name for p in tmp_path.iterdir()] == ["warm.txt"]
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)  # reaped


def test_a_standby_child_whose_first_work_failed_raises_it_when_sent(tmp_path):
    from boardpack.pipeline import forked

    child = forked.standby(_write_and_say, first=lambda: _fail_in_child(tmp_path / "warm.txt", "child"))
    child.send(tmp_path / "public.txt", "public pack")
    with pytest.raises(OSError) as caught:
        child.wait()
    assert caught.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []  # the call was not made after the failure


def _log(path: Path, text: str) -> list[str]:
    if text == "fail":
        raise OSError(errno.ENOSPC, "No space left on device", str(path))
    with path.open("a", encoding="utf-8") as log:
        log.write(f"{text} by {os.getpid()}\n")
    return path.read_text(encoding="utf-8").splitlines()


def test_a_worker_does_what_it_is_told_in_order_while_this_process_goes_on_and_answers_the_last(tmp_path):
    from boardpack.pipeline import forked

    log = tmp_path / "log"
    worker = forked.worker(_log)
    for n in range(50):
        worker.tell(log, f"take {n}")
    worker.finish(log, "write")
    lines = worker.wait()
    assert [line.split(" by ")[0] for line in lines] == [f"take {n}" for n in range(50)] + ["write"]
    assert {line.split(" by ")[1] for line in lines} == {str(worker.pid)} != {str(os.getpid())}


def test_a_worker_raises_at_the_end_what_it_was_told_first_that_failed_and_does_nothing_after(tmp_path):
    from boardpack.pipeline import forked

    log = tmp_path / "log"
    worker = forked.worker(_log)
    worker.tell(log, "take 1")
    worker.tell(log, "fail")
    worker.tell(log, "take 2")
    worker.finish(log, "write")
    with pytest.raises(OSError) as caught:
        worker.wait()
    assert caught.value.errno == errno.ENOSPC
    assert log.read_text(encoding="utf-8").splitlines()[0].startswith("take 1 by ")
    assert len(log.read_text(encoding="utf-8").splitlines()) == 1  # neither "take 2" nor "write"


def test_a_worker_let_go_ends_and_is_reaped(tmp_path):
    from boardpack.pipeline import forked

    worker = forked.worker(_log)
    worker.tell(tmp_path / "log", "take 1")
    worker.let_go()
    assert (tmp_path / "log").read_text(encoding="utf-8").startswith("take 1 by ")
    with pytest.raises(ChildProcessError):
        os.waitpid(worker.pid, os.WNOHANG)


def test_a_worker_let_go_is_not_kept_waiting_by_a_sibling_forked_after_it(tmp_path):
    """A worker let go ends when its inbox is closed: a sibling forked later closes its copy of that pipe's
    end, or the worker would wait (and ``let_go`` with it) as long as the sibling lives."""
    import signal

    from boardpack.pipeline import forked

    def waited(*_):
        raise TimeoutError("the worker let go waits for the end of its inbox")

    first = forked.worker(_log)
    sibling = forked.worker(_log)  # alive, and told nothing, while the first is let go
    before = signal.signal(signal.SIGALRM, waited)
    signal.alarm(10)  # a failure here would wait for ever
    try:
        first.tell(tmp_path / "log", "take 1")
        first.let_go()
        assert (tmp_path / "log").read_text(encoding="utf-8").startswith("take 1 by ")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)
        sibling.kill()


def _nap(path: Path, seconds: float) -> str:
    time.sleep(seconds)
    path.write_text("done", encoding="utf-8")
    return "done"


@pytest.mark.parametrize("signum", ["SIGHUP", "SIGINT"])
def test_a_signal_the_build_ignores_is_ignored_by_its_worker(tmp_path, signum):
    """A build started with SIGHUP ignored (``nohup``) or SIGINT ignored (a background job) keeps it ignored
    (``cli.Stops``), and so do the children it forks: a worker stopped by it would fail the build."""
    import signal

    from boardpack.pipeline import forked

    number = getattr(signal, signum)
    before = signal.signal(number, signal.SIG_IGN)
    try:
        worker = forked.worker(_nap)
    finally:
        signal.signal(number, before)
    worker.tell(tmp_path / "first", 0.5)
    time.sleep(0.2)
    os.kill(worker.pid, number)
    worker.finish(tmp_path / "last", 0.0)
    assert worker.wait() == "done" and (tmp_path / "first").is_file()


def _stuck(data: bytes) -> None:
    time.sleep(60)


def test_a_worker_is_killed_at_once_though_a_thread_is_held_up_telling_it(tmp_path):
    """A thread telling a worker that is stuck waits on the full pipe, holding the worker's lock; stopping
    the build kills the worker first, which breaks the pipe and lets the thread go."""
    import threading

    from boardpack.pipeline import forked

    worker = forked.worker(_stuck)
    told = threading.Thread(target=lambda: [worker.tell(b"x" * 600_000) for _ in range(4)], daemon=True)
    told.start()
    time.sleep(0.5)  # the pipe (at most 1 MiB) is full: the thread waits, holding the lock
    assert told.is_alive()
    started = time.monotonic()
    worker.kill()
    told.join(5)
    assert time.monotonic() - started < 3 and not told.is_alive()


class _Packer:
    """The PackBuilder as the public side asks it: the PDFs its packs are made of."""

    def __init__(self, pdfs):
        self.pdfs = set(pdfs)

    def sources(self, side, supplement):
        return self.pdfs


def test_a_public_side_whose_papers_come_only_at_the_end_is_let_go_and_written_by_the_build(tmp_path):
    """``--converter soffice`` converts everything in one call at the end: the public side's child cannot
    go early, is stopped, and the build writes every pack itself (``pipeline/public.py``)."""
    from boardpack.pipeline.cache import Ready
    from boardpack.pipeline.public import PublicSide

    report = tmp_path / "report.pdf"
    side = PublicSide(_write_and_say, set())
    later = Ready({}, frozenset({report}))  # converted in the one call, at the end
    assert side.sides(_Packer({report}), None, later) == (False, True)  # both begun here
    side.offer(_Packer({report}), None, tmp_path, later)
    side.settle()
    assert not side.sent and side.child.done
    side.stop()  # as the build's clean-up does: nothing to stop
    early = PublicSide(_write_and_say, set())
    assert early.sides(_Packer({report}), None, Ready({}, frozenset())) == (True,)  # the members' alone
    early.stop()
    assert not early.sent and early.child.done


def _wait_forever() -> None:
    time.sleep(60)


def test_a_child_of_a_build_killed_outright_dies_with_it(tmp_path):
    """A build killed with SIGKILL runs no clean-up: its forked children (``forked.standby``, ``start``)
    die with it, and never write into the folders of a build that is gone."""
    import signal

    from boardpack.pipeline import forked

    reader, writer = os.pipe()
    build = os.fork()
    if build == 0:  # pragma: no cover - the "build": forks its children, says their pids, waits
        os.close(reader)
        waiting, working = forked.standby(_write_and_say), forked.start(_wait_forever)
        os.write(writer, f"{waiting.pid} {working.pid}\n".encode())
        time.sleep(60)
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as said:
        children = [int(pid) for pid in said.readline().split()]
    os.kill(build, signal.SIGKILL)
    os.waitpid(build, 0)

    def alive(pid: int) -> bool:  # running: not gone, nor a zombie waiting for init to reap it
        try:
            return Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0] != b"Z"
        except OSError:
            return False

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(alive(pid) for pid in children):
        time.sleep(0.05)
    assert [pid for pid in children if alive(pid)] == []


# A build whose first fork (the public side's standby child) is met by SIGTERM in its at-fork handlers, where
# Python would print a KeyboardInterrupt and carry on ("Exception ignored in"): the stop is raised again once
# the fork is done (``cli.Stops._unraisable``).
STOPPED_IN_A_FORK = """
import os, signal, sys
forks = []
def after_in_parent():
    forks.append(1)
    if len(forks) == 1:
        os.kill(os.getpid(), signal.SIGTERM)  # its Python handler runs here, in the at-fork handlers
os.register_at_fork(after_in_parent=after_in_parent)
from boardpack.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.e2e
def test_a_build_stopped_while_it_forks_stops(plan_copy, tmp_path):
    """CI saw it: a build the fork server stopped (its command killed) just as it forked took no notice,
    and kept its output folder's lock from the next build for ten minutes."""
    import subprocess
    import sys

    out = tmp_path / "out"
    command = [sys.executable, "-c", STOPPED_IN_A_FORK, "build", str(plan_copy), "--out", str(out), "-q"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert run.returncode == 143, run.stderr  # 128 + SIGTERM, as a build stopped at any other moment
    assert "boardpack: stopped; the previous output is kept as it was" in run.stderr
    assert "Exception ignored" not in run.stderr and "Traceback" not in run.stderr
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir() if p != plan_copy) == [".out.lock"]
