"""The builds' side of the conversion service (``service.py``): find it, start it, convert on it.

``convert`` starts the service on first use (a lock file keeps two builds from starting two),
removes a socket nobody listens on, stops a service of another version found at its socket, and
after the service died mid-way starts a new one and retries the documents not yet delivered, once.
If the service cannot start, or dies again, the rest is converted in this process (*fallback*),
after a one-line warning: a build never fails because the service is unavailable.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import ConvertError, Problem
from .service import Lines, Unavailable, base_name, identity, private_dir, send, socket_path

START_WAIT = 60.0  # seconds for a new service to listen
_open: set[socket.socket] = set()  # this process's connections, for interrupt()
_stopping = threading.Event()


class Died(Exception):
    """The service hung up before answering (killed, or stopped meanwhile)."""


class Mismatch(Exception):
    """The socket's service is another version of boardpack."""


def interrupt() -> None:
    """Abandon this process's requests (the build is stopped): the service kills their LibreOffices."""
    _stopping.set()
    for conn in list(_open):
        with contextlib.suppress(OSError):
            conn.shutdown(socket.SHUT_RDWR)


class Connection:
    """One connection to the service, past the handshake."""

    def __init__(self, path: Path, timeout: float = 10.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        try:
            self.sock.connect(str(path))
            self.lines = Lines(self.sock)
            send(self.sock, identity())
            self.hello = self.lines.read()
        except (OSError, ValueError) as exc:
            self.sock.close()
            raise Died(str(exc)) from None
        if self.hello is None:
            self.sock.close()
            raise Died("hung up at the handshake")
        if {k: self.hello.get(k) for k in ("hello", "version", "digest")} != identity():
            self.sock.close()
            raise Mismatch(self.hello)
        _open.add(self.sock)

    def ask(self, request: dict, timeout: float | None = None) -> dict:
        """Send *request*; return the answer or raise Died (TimeoutError after *timeout* seconds)."""
        self.sock.settimeout(timeout)
        try:
            send(self.sock, request)
            answer = self.lines.read()
        except TimeoutError:
            raise
        except (OSError, ValueError) as exc:
            raise Died(str(exc)) from None
        if answer is None:
            raise Died("hung up")
        return answer

    def close(self) -> None:
        _open.discard(self.sock)
        self.sock.close()


def running(path: Path) -> Connection | None:
    """Return a connection to the service at *path*, or None: no socket, or a stale one (removed here)."""
    try:
        return Connection(path)
    except Died:
        with contextlib.suppress(FileNotFoundError):
            if _refused(path):
                path.unlink()
        return None


def _refused(path: Path) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with probe:
        try:
            probe.connect(str(path))
        except ConnectionRefusedError:
            return True
        except OSError:
            return False
    return False


def ensure() -> Connection:
    """Return a connection to this user's service of this version, starting the service if need be."""
    folder = private_dir()
    path = socket_path(folder)
    with contextlib.suppress(Mismatch):
        found = running(path)
        if found:
            return found
    with open(os.open(folder / f"{base_name()}.lock", os.O_RDWR | os.O_CREAT, 0o600)) as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another build starting one: wait, then use it
        try:
            found = running(path)
        except Mismatch:
            _stop_other(path)
            found = None
        return found or _start(folder, path)


def _stop_other(path: Path) -> None:
    """Ask the service of another version at *path* to stop, and take its socket's name."""
    with contextlib.suppress(OSError, ValueError):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(str(path))
            send(sock, identity())
            lines = Lines(sock)
            lines.read()
            send(sock, {"op": "stop"})
            lines.read()
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _start(folder: Path, path: Path) -> Connection:
    """Start the service detached (its own session; reparented, so no build waits for it) and connect."""
    log = folder / f"{base_name()}.log"
    # A launcher that exits at once: the service is nobody's child to reap.
    launcher = "import subprocess, sys; print(subprocess.Popen(sys.argv[1:], start_new_session=True, stdout=2).pid)"
    service = "from boardpack.convert.service import main; raise SystemExit(main())"  # -m: runpy warns, imported
    command = [sys.executable, "-c", launcher, sys.executable, "-c", service]
    with open(os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "ab") as err:
        done = subprocess.run(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, cwd="/", check=False
        )
    if done.returncode != 0 or not done.stdout.strip().isdigit():
        raise Unavailable(f"cannot start it (see {log})")
    pid = int(done.stdout)
    deadline = time.monotonic() + START_WAIT
    while time.monotonic() < deadline:
        if path.exists():
            with contextlib.suppress(Died):
                return Connection(path)
        if not _alive(pid):
            raise Unavailable(f"it stopped as it started (see {log})")
        if _stopping.is_set():  # the build was stopped meanwhile: the service starts on, for the next
            raise KeyboardInterrupt
        time.sleep(0.05)
    raise Unavailable(f"it did not listen within {START_WAIT:g} s (see {log})")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


Fallback = Callable[[list[Path]], list[Path]]


def convert(documents: list[Path], timeout: float, workers: int, where: dict, fallback: Fallback) -> list[Path]:
    """Convert each .docx to a PDF beside it on the service; *where* names the LibreOffice
    (``python``, ``soffice``) the service is to run for this build."""
    _stopping.clear()
    left, delivered = list(documents), set()
    for attempt in (1, 2):
        try:
            _convert_on(left, timeout, workers, where, delivered)
            return [doc.with_suffix(".pdf") for doc in documents]
        except (Died, Unavailable, Mismatch) as exc:
            left = [doc for doc in left if doc not in delivered]
            if attempt == 2 or isinstance(exc, Unavailable | Mismatch):
                print(f"boardpack: warning: the conversion service {_why(exc)}; converting here", file=sys.stderr)
                fallback(left)
                return [doc.with_suffix(".pdf") for doc in documents]
    raise AssertionError("unreachable")


def _why(exc: Exception) -> str:
    if isinstance(exc, Died):
        return f"stopped twice ({exc})"
    if isinstance(exc, Mismatch):
        return "is another version of boardpack"
    return f"is unavailable: {exc}"


def _convert_on(documents: list[Path], timeout: float, workers: int, where: dict, delivered: set[Path]) -> None:
    """Convert *documents*, the largest first, on *workers* connections; raise Died if the service did."""
    todo: queue.Queue[Path] = queue.Queue()
    for doc in sorted(documents, key=lambda d: -d.stat().st_size):
        todo.put(doc)
    connections = _connections(min(workers, len(documents)))
    failures: list[Problem | OSError] = []
    died: list[Died] = []
    args = (todo, timeout, where, delivered, failures, died)
    threads = [threading.Thread(target=_work, args=(c, *args)) for c in connections]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if _stopping.is_set():
        raise KeyboardInterrupt
    if died:
        raise died[0]
    for fault in (f for f in failures if isinstance(f, OSError)):
        raise fault  # a full disk, say: the build's to report, as the warm pool does
    if failures:
        raise ConvertError(sorted(failures, key=lambda p: str(p.where)))


def _connections(count: int) -> list[Connection]:
    """*count* connections to the service, started if need be."""
    connections = [ensure()]
    try:
        while len(connections) < count:
            connections.append(Connection(socket_path(private_dir())))
    except BaseException:
        for conn in connections:
            conn.close()
        raise
    return connections


def _work(
    conn: Connection, todo: queue.Queue[Path], timeout: float, where: dict, delivered: set, failures: list, died: list
) -> None:  # noqa: E501, PLR0913
    try:
        while not (_stopping.is_set() or died):
            try:
                doc = todo.get_nowait()
            except queue.Empty:
                return
            request = {"op": "convert", "docx": str(doc.resolve()), "pdf": str(doc.resolve().with_suffix(".pdf"))}
            try:  # the service tries twice, each within *timeout*, after waiting for a free LibreOffice
                answer = conn.ask({**request, **where, "timeout": timeout}, 3 * timeout + 60)
            except TimeoutError:
                failures.append(Problem(str(doc), f"soffice: timed out after {3 * timeout + 60:g} s, on the service"))
                return
            except Died as exc:
                if not _stopping.is_set():
                    died.append(exc)
                return
            if answer.get("ok"):
                delivered.add(doc)
            elif answer.get("errno"):  # the service could not write the PDF: as if this process could not
                failures.append(OSError(answer["errno"], answer.get("strerror"), answer.get("file")))
            else:
                failures.append(Problem(str(doc), f"soffice: {answer.get('error', 'no PDF')}"))
    finally:
        conn.close()


def status() -> dict | None:
    """Return the running service's status, or None when none runs for this user and version."""
    conn = running(socket_path(private_dir()))
    if conn is None:
        return None
    try:
        return conn.ask({"op": "status"}, 10)
    finally:
        conn.close()


def stop(wait: float = 30.0) -> dict | None:
    """Stop the service and wait until it is gone; return its last status, or None if none ran."""
    path = socket_path(private_dir())
    conn = running(path)
    if conn is None:
        return None
    try:
        last = conn.ask({"op": "status"}, 10)
        conn.ask({"op": "stop"}, 10)
    finally:
        conn.close()
    deadline = time.monotonic() + wait
    while _alive(int(last["pid"])) and time.monotonic() < deadline:
        time.sleep(0.05)
    return last
