"""LibreOffice kept warm: soffice processes driven over UNO, shared by every build of this process.

Starting LibreOffice costs about a second; converting a 20-page paper in a running one about a
third of that. Each worker is ``unoworker.py`` run by a Python that has Debian's python3-uno (the
project's own venv cannot import uno), with an soffice and a profile of its own. Workers start on
first use and stay up until this process exits (``boardpack watch``, or a benchmark that builds
again), and are restarted after a hang, a crash, or every ``MAX_CONVERSIONS`` documents, since
LibreOffice's memory grows over many conversions. ``interrupt()`` (Ctrl-C, SIGTERM) kills the busy
ones at once, so that a stopped build ends in a moment, not when its longest document is done.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from ..errors import ConvertError, Problem

WORKER = Path(__file__).with_name("unoworker.py")
UNO_PYTHONS = ("/usr/bin/python3", "/usr/lib/libreoffice/program/python")
MAX_CONVERSIONS = 100
STOP_GRACE = 5.0
STOPPED = "stopped"


def find_uno_python() -> str | None:
    """Return a Python that can import uno: ``BOARDPACK_UNO_PYTHON`` if set, else Debian's, else None."""
    configured = os.environ.get("BOARDPACK_UNO_PYTHON")
    candidates = (configured,) if configured is not None else UNO_PYTHONS
    key = tuple(candidates)
    if key not in _found:
        _found[key] = next((found for c in candidates if c and (found := _imports_uno(c))), None)
    return _found[key]


_found: dict[tuple[str, ...], str | None] = {}


def _imports_uno(python: str) -> str | None:
    found = shutil.which(python)
    if not found:
        return None
    try:
        result = subprocess.run([found, "-c", "import uno"], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return found if result.returncode == 0 else None


class _Worker:
    """One unoworker process and its soffice; started on first use, restarted when it fails.

    LibreOffice writes each PDF into the worker's scratch folder, never into the output, so a
    conversion still running when boardpack dies cannot touch what the next build sees.
    """

    def __init__(self, python: str, soffice: str, stopping: threading.Event):
        self.python, self.soffice, self.stopping = python, soffice, stopping
        self.proc: subprocess.Popen | None = None
        self.scratch: Path | None = None
        self.conversions = 0
        self.buffer = b""
        self.start_failure: str | None = None  # why LibreOffice did not start, naming no document

    def convert(self, docx: Path, timeout: float) -> str | None:
        """Convert *docx* to a PDF beside it; return None, or what went wrong (the worker is then stopped)."""
        what = f"converting {docx.name}"
        if self.proc is None or self.conversions >= MAX_CONVERSIONS:
            self.stop(wait=True)
            self.start_failure = self._start(timeout)
            if self.start_failure:
                return f"{_said(self.start_failure, what)} (LibreOffice did not start)"
            if self.stopping.is_set():  # started just as the build was stopped: interrupt() missed it
                self.kill()
                return STOPPED
        assert self.proc is not None and self.proc.stdin is not None and self.scratch is not None
        self.conversions += 1
        made = self.scratch / f"out-{self.conversions}.pdf"
        try:
            self.proc.stdin.write((json.dumps({"in": str(docx.resolve()), "out": str(made)}) + "\n").encode())
            self.proc.stdin.flush()
        except OSError as exc:
            self.kill()
            return f"LibreOffice stopped ({exc})"
        answer = self._answer(timeout)
        if answer.get("ok") and made.is_file():
            shutil.move(made, docx.with_suffix(".pdf"))
            return None
        self.kill()
        return _said(answer.get("error", "LibreOffice wrote no PDF"), what)

    def _start(self, timeout: float) -> str | None:
        """Start the worker; return None, or why it did not start (naming no document).

        The first document's *timeout* includes LibreOffice's start, as with soffice.
        """
        self.scratch = Path(tempfile.mkdtemp(prefix="boardpack-lo-"))
        try:
            # A session of its own: Ctrl-C reaches boardpack only, and killing the group kills soffice too.
            self.proc = subprocess.Popen(
                [self.python, str(WORKER), self.soffice, str(self.scratch)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            shutil.rmtree(self.scratch, ignore_errors=True)
            return f"cannot run {self.python}: {exc}"
        self.conversions = 0
        self.buffer = b""
        answer = self._answer(timeout)
        if answer.get("ready"):
            return None
        self.kill()
        return answer.get("error", "no answer")

    def _answer(self, timeout: float) -> dict:
        """Wait up to *timeout* seconds for the worker's next answer line.

        Read with os.read into a buffer of our own: a line left in a file object's buffer would
        never wake select().
        """
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                return {"error": f"timed out after {timeout:g} s"}
            chunk = os.read(fd, 65536)
            if not chunk:
                code = self.proc.wait()
                how = f"crashed (signal {-code})" if code < 0 else "stopped"
                return {"error": f"LibreOffice {how}"}
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def stop(self, wait: bool = False) -> None:
        """End the worker's input: it stops its soffice and removes its scratch folder itself."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is not None:  # killed (interrupt()) or crashed while idle: it removed nothing
            self.proc = proc
            self.kill()
            return
        try:
            proc.stdin.close()
            proc.stdout.close()
            if wait:
                proc.wait(timeout=STOP_GRACE)
            else:
                _detached.append(proc)  # still stopping: keep it, or Python warns it was dropped running
        except (OSError, subprocess.TimeoutExpired):
            self.proc = proc
            self.kill()

    def interrupt(self) -> None:
        """Kill the worker and its soffice, leaving the thread waiting for it to find it dead and clean up."""
        proc = self.proc
        if proc is not None and proc.returncode is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def kill(self) -> None:
        """Kill a hung or broken worker and its soffice at once."""
        proc, self.proc = self.proc, None
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
            for stream in (proc.stdin, proc.stdout):
                if stream is not None and not stream.closed:
                    stream.close()
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)


class WarmPool:
    """Up to *size* warm LibreOffices converting documents side by side, for any number of callers."""

    def __init__(self, python: str, soffice: str, size: int):
        self.stopping = threading.Event()
        self.workers = [_Worker(python, soffice, self.stopping) for _ in range(max(1, size))]
        self.idle: queue.LifoQueue[_Worker] = queue.LifoQueue()  # last used first: a started one, when one is
        for worker in reversed(self.workers):
            self.idle.put(worker)

    def convert(self, documents: list[Path], timeout: float) -> list[Path]:
        """Convert each .docx to a PDF beside it; retry a failed document once, in a fresh LibreOffice.

        The LibreOffices free now (at least one: this waits for it) each take the next document,
        the largest first, as soon as they are done with the last: sizes say little of how long a
        document takes (a 500-action appendix takes ten times a paper of the same size).
        Raise KeyboardInterrupt once ``interrupt()`` stopped it.
        """
        self.stopping.clear()
        todo: queue.Queue[Path] = queue.Queue()
        for doc in sorted(documents, key=lambda d: -d.stat().st_size):
            todo.put(doc)
        workers = [self.idle.get()]
        while len(workers) < len(documents):
            try:
                workers.append(self.idle.get_nowait())
            except queue.Empty:
                break
        failures = self._run(workers, todo, timeout)
        for fault in (f for f in failures if isinstance(f, OSError)):
            raise fault  # a full disk, say: the build's to report, not a worker thread's traceback
        if failures:
            raise ConvertError(sorted(failures, key=lambda p: str(p.where)))
        return [doc.with_suffix(".pdf") for doc in documents]

    def _run(self, workers: list[_Worker], todo: queue.Queue[Path], timeout: float) -> list[Problem | OSError]:
        """Convert *todo* with *workers*, a thread each; return the failures, or raise KeyboardInterrupt if stopped."""
        failures: list[Problem | OSError] = []
        threads = [threading.Thread(target=self._work, args=(w, todo, timeout, failures)) for w in workers]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                thread.join()
        finally:  # stopped: the killed workers' threads end at once, and no PDF lands after this returns
            if self.stopping.is_set():
                for thread in threads:
                    thread.join()
        if self.stopping.is_set():
            raise KeyboardInterrupt
        return failures

    def _work(self, worker: _Worker, todo: queue.Queue[Path], timeout: float, failures: list) -> None:
        broken = None  # LibreOffice would not start: name the documents left, without trying each
        try:
            while True:
                try:
                    doc = todo.get_nowait()
                except queue.Empty:
                    return
                if self.stopping.is_set():
                    return
                if broken:  # the reason alone: it was another document LibreOffice did not start for
                    failures.append(Problem(str(doc), f"soffice: not converted: LibreOffice did not start ({broken})"))
                    continue
                failure = worker.convert(doc, timeout)
                if failure and not self.stopping.is_set():  # a hang or a crash: once more, in a fresh LibreOffice
                    failure = worker.convert(doc, timeout)
                if failure:
                    failures.append(Problem(str(doc), f"soffice: {failure}"))
                    broken = worker.start_failure
        except OSError as exc:
            failures.append(exc)
        finally:
            self.idle.put(worker)

    def interrupt(self) -> None:
        """Stop converting: kill the busy LibreOffices; the waiting ``convert`` raises KeyboardInterrupt."""
        self.stopping.set()
        for worker in self.workers:
            worker.interrupt()

    def close(self) -> None:
        """Let every worker go: each stops its soffice on its own, so this process can exit at once."""
        for worker in self.workers:
            worker.stop()


def _said(error: str, what: str) -> str:
    """Return *error*, saying what was timed out (``timed out after 5 s converting report.docx``)."""
    return f"{error} {what}" if error.startswith("timed out after") else error


_pools: dict[tuple[str, str, int], WarmPool] = {}
_detached: list[subprocess.Popen] = []
_pools_lock = threading.Lock()


def pool(python: str, soffice: str, size: int) -> WarmPool:
    """Return this process's pool for (*python*, *soffice*, *size*), made on first use."""
    with _pools_lock:
        key = (python, soffice, size)
        if key not in _pools:
            _pools[key] = WarmPool(python, soffice, size)
        return _pools[key]


def interrupt() -> None:
    """Kill every busy warm LibreOffice of this process (the build is stopped); safe in a signal handler."""
    for found in list(_pools.values()):  # no lock: the handler may run while this thread holds it
        found.interrupt()


@atexit.register
def close_all() -> None:
    """Stop every warm LibreOffice of this process."""
    with _pools_lock:
        for found in _pools.values():
            found.close()
        _pools.clear()
