"""The conversion service: warm LibreOffices kept for every build of one user, across processes.

Each ``boardpack build`` is a process of its own; a warm pool (``warm.py``) dies with it, and the next
build pays LibreOffice's start again. The first build that needs one starts this service, detached
(``service.main()`` in a Python of its own, a session of its own, so Ctrl-C of a build never reaches
it); it keeps the warm pools and stops itself after ``BOARDPACK_SERVICE_IDLE`` seconds (default 15
minutes) without a request. ``client.py`` is the builds' side.

It listens on a Unix socket only its user can open (folder 0700, socket 0600), named by boardpack's
version and the digest of its source, so an upgraded boardpack never talks to an old service. The
protocol is one JSON object a line: a handshake (``hello``, with version and digest; a service of
another version answers with its own and then takes nothing but ``stop``), then requests:
``convert`` (a .docx path, sanitised, converted in a scratch folder of the service, the PDF moved to
the ``.pdf`` path asked for), ``status`` and ``stop``. A client that goes away while its document
converts has that LibreOffice killed, and nothing is delivered.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .. import __version__
from ..util import code_digest
from . import warm

IDLE_TIMEOUT = 15 * 60.0
MAX_LINE = 1_000_000  # bytes of one request line: paths and a few numbers


class Unavailable(Exception):
    """The service's folder cannot be used, or the service cannot be reached or started."""


def runtime_dir() -> Path:
    """``$BOARDPACK_RUNTIME_DIR``, else ``$XDG_RUNTIME_DIR/boardpack``, else ``/tmp/boardpack-$UID``."""
    configured = os.environ.get("BOARDPACK_RUNTIME_DIR")
    if configured:
        return Path(configured)
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    return Path(xdg) / "boardpack" if xdg else Path("/tmp") / f"boardpack-{os.getuid()}"


def private_dir() -> Path:
    """Return the runtime folder, made (0700) if missing; raise Unavailable unless it is this user's alone."""
    folder = runtime_dir()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.lstat()  # lstat: a symbolic link is refused, not followed
    except OSError as exc:
        raise Unavailable(f"cannot make {folder}: {exc.strerror or exc}") from None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise Unavailable(f"{folder} is not a folder of this user's")
    if info.st_mode & 0o077:
        raise Unavailable(f"{folder} is open to other users (mode {stat.S_IMODE(info.st_mode):o}, not 700)")
    return folder


def identity() -> dict:
    """What a client and the service compare in the handshake."""
    return {"hello": "boardpack", "version": __version__, "digest": code_digest()}


def base_name() -> str:
    """The service's files in the runtime folder: ``service-VERSION-DIGEST.sock`` (``.lock``, ``.log``)."""
    return f"service-{__version__}-{code_digest()[:16]}"


def socket_path(folder: Path) -> Path:
    return folder / f"{base_name()}.sock"


def send(conn: socket.socket, message: dict) -> None:
    conn.sendall((json.dumps(message) + "\n").encode())


class Lines:
    """The JSON lines read from a socket, one at a time."""

    def __init__(self, conn: socket.socket):
        self.conn, self.buffer = conn, b""

    def read(self) -> dict | None:
        """Return the next message, or None once the other side closed; raise ValueError on garbage."""
        while b"\n" not in self.buffer:
            chunk = self.conn.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk
            if len(self.buffer) > MAX_LINE:
                raise ValueError("a line too long")
        line, self.buffer = self.buffer.split(b"\n", 1)
        message = json.loads(line)
        if not isinstance(message, dict):
            raise ValueError("not a JSON object")
        return message


class Service:
    """The listening socket, a thread per client, the warm pools, and the counts ``status`` shows."""

    def __init__(self, path: Path, idle: float):
        self.path, self.idle = path, idle
        self.started = time.time()
        self.last = time.monotonic()
        self.counts = {"converted": 0, "starts": 0, "abandoned": 0, "refused": 0}
        self.active = 0
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.inode = 0
        self.pools: dict[tuple[str, str, int], warm.WarmPool] = {}
        self.forks: subprocess.Popen | None = None  # the fork server (pipeline/forkserver.py), once started

    def pool(self, python: str, soffice: str, size: int) -> warm.WarmPool:
        """The pool for a client's LibreOffice (*soffice*, driven by *python*) and *size*, made on first use."""
        with self.lock:
            key = (python, soffice, max(1, min(size, 8)))
            if key not in self.pools:
                self.pools[key] = warm.WarmPool(*key)
            return self.pools[key]

    def close(self) -> None:
        """Stop every LibreOffice, waiting for each to go (its scratch folder with it)."""
        for pool in self.pools.values():
            for worker in pool.workers:
                worker.stop(wait=True)

    def serve(self) -> None:
        """Listen until stopped (``stop``, SIGTERM or idle), then remove the socket and stop LibreOffice."""
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        umask = os.umask(0o177)  # the socket is made 0600, never open to others for a moment
        try:
            server.bind(str(self.path))
        finally:
            os.umask(umask)
        os.chmod(self.path, 0o600)
        self.inode = os.stat(self.path).st_ino
        server.listen(16)
        server.settimeout(0.2)
        threading.Thread(target=self._watch_idle, daemon=True).start()
        print(f"{time.strftime('%H:%M:%S')} serving on {self.path} (pid {os.getpid()})", flush=True)
        with server:
            while not self.done.is_set():
                try:
                    conn, _ = server.accept()
                except TimeoutError:
                    continue
                threading.Thread(target=self._client, args=(conn,), daemon=True).start()
            self._unlink()  # before the socket closes: a client then starts a new service, not this one

    def _unlink(self) -> None:
        """Remove the socket file if it is still this service's (a new service may have replaced it)."""
        try:
            if os.stat(self.path).st_ino == self.inode:
                os.unlink(self.path)
        except FileNotFoundError:
            pass

    def _watch_idle(self) -> None:
        while not self.done.wait(min(1.0, self.idle / 4)):
            with self.lock:
                if self.active == 0 and time.monotonic() - self.last >= self.idle:
                    print(f"{time.strftime('%H:%M:%S')} idle for {self.idle:g} s: stopping", flush=True)
                    self.done.set()

    def _client(self, conn: socket.socket) -> None:
        with conn:
            try:
                self._talk(conn, Lines(conn))
            except (OSError, ValueError):
                pass  # the client went away, or sent garbage: nothing to answer

    def _talk(self, conn: socket.socket, lines: Lines) -> None:
        hello = lines.read()
        if hello is None:
            return
        send(conn, {**identity(), "pid": os.getpid()})
        same = {k: hello.get(k) for k in ("hello", "version", "digest")} == identity()
        while (request := lines.read()) is not None:
            op = request.get("op")
            if op == "stop":  # any boardpack may stop any service: an upgraded one stops the old
                send(conn, {"ok": True})
                self.done.set()
                return
            if not same:
                send(conn, {"ok": False, "error": "another version of boardpack: only stop"})
            elif op == "status":
                send(conn, self.status())
            elif op == "convert":
                answer = self._convert(conn, request)
                if answer is not None:
                    send(conn, answer)
            else:
                send(conn, {"ok": False, "error": f"no such request: {op!r}"})
            with self.lock:
                self.last = time.monotonic()

    def status(self) -> dict:
        with self.lock:
            return {
                "ok": True,
                **identity(),
                "pid": os.getpid(),
                "socket": str(self.path),
                "uptime": time.time() - self.started,
                "idle_timeout": self.idle,
                "active": self.active,
                "fork_server": self.forks.pid if self.forks is not None and self.forks.poll() is None else None,
                **self.counts,
            }

    def _count(self, name: str) -> None:
        with self.lock:
            self.counts[name] += 1

    def _convert(self, conn: socket.socket, request: dict) -> dict | None:
        """Convert one .docx; return the answer, or None when the client went away (nothing delivered)."""
        try:
            docx, pdf = Path(request["docx"]), Path(request["pdf"])
            pool = self.pool(str(request["python"]), str(request["soffice"]), int(request.get("workers", 2)))
            timeout = float(request["timeout"])
        except (KeyError, TypeError, ValueError) as exc:
            return {"ok": False, "error": f"a convert request lacks or garbles {exc}"}
        if not (docx.is_absolute() and pdf.is_absolute() and pdf.suffix == ".pdf"):
            self._count("refused")
            return {"ok": False, "refused": True, "error": "the conversion service takes absolute paths, to a .pdf"}
        from ..sanitize import NotWordDocument, sanitize_docx  # lxml: the service's, not every client's

        try:
            clean = sanitize_docx(docx.read_bytes())
        except NotWordDocument as exc:
            self._count("refused")
            return {"ok": False, "refused": True, "error": f"the conversion service converts .docx only: {exc}"}
        except OSError as exc:
            return {"ok": False, "error": f"cannot read {docx}: {exc.strerror or exc}"}
        with self.lock:
            self.active += 1
        try:
            return self._convert_clean(conn, clean, pool, pdf, timeout)
        finally:
            with self.lock:
                self.active -= 1

    def _convert_clean(self, conn, clean: bytes, pool: warm.WarmPool, pdf: Path, timeout: float) -> dict | None:
        with tempfile.TemporaryDirectory(prefix="boardpack-service-") as tmp:
            copy = Path(tmp) / "document.docx"
            copy.write_bytes(clean)
            worker = pool.idle.get()
            finished, gone = threading.Event(), threading.Event()
            watcher = threading.Thread(target=_watch_client, args=(conn, worker, finished, gone), daemon=True)
            watcher.start()
            failure = None
            try:
                for _ in range(2):  # a hang or a crash: once more, in a fresh LibreOffice
                    failure = "gone" if gone.is_set() else self._on(worker, copy, timeout)
                    if not failure or gone.is_set():
                        break
            finally:
                finished.set()
                watcher.join()
                pool.idle.put(worker)
            if gone.is_set():
                self._count("abandoned")
                return None
            if self.done.is_set():  # stopping: no answer, so the client retries on a new service
                return None
            if failure:
                return {"ok": False, "error": failure}
            try:
                shutil.move(copy.with_suffix(".pdf"), pdf)
            except OSError as exc:  # a full disk, say: the build's to report as its own
                pdf.unlink(missing_ok=True)
                return {"ok": False, "error": str(exc), "errno": exc.errno, "strerror": exc.strerror, "file": str(pdf)}
        self._count("converted")
        return {"ok": True}

    def _on(self, worker, docx: Path, timeout: float) -> str | None:
        """Convert with *worker*, counting the LibreOffice it starts first, if it does."""
        if worker.proc is None or worker.conversions >= warm.MAX_CONVERSIONS:
            self._count("starts")
        return worker.convert(docx, timeout)


def _watch_client(conn: socket.socket, worker, finished: threading.Event, gone: threading.Event) -> None:
    """Kill *worker*'s LibreOffice once the client hangs up before *finished* (its build was stopped)."""
    while not finished.is_set():
        if not select.select([conn], [], [], 0.1)[0]:
            continue
        try:
            hung_up = not conn.recv(1, socket.MSG_PEEK)
        except OSError:
            hung_up = True
        if hung_up:  # kill its LibreOffice, and again should one be starting for it now
            gone.set()
            while not finished.is_set():
                worker.interrupt()
                finished.wait(0.05)
            return
        finished.wait(0.1)  # the client wrote early: not a hang-up, nothing to read until the answer


def main() -> int:
    """Run the service for this user and version until it is stopped or idle."""
    try:
        folder = private_dir()
    except Unavailable as exc:
        print(f"boardpack service: {exc}", flush=True)
        return 3
    idle = float(os.environ.get("BOARDPACK_SERVICE_IDLE") or IDLE_TIMEOUT)
    scratch = Path(tempfile.mkdtemp(prefix=f"scratch-{os.getpid()}-", dir=folder))
    tempfile.tempdir = str(scratch)  # every document and worker folder under it, removed at the end
    os.environ["TMPDIR"] = str(scratch)
    service = Service(socket_path(folder), idle)
    signal.signal(signal.SIGTERM, lambda *_: service.done.set())
    signal.signal(signal.SIGINT, lambda *_: service.done.set())
    forks = service.forks = _fork_server()
    try:
        service.serve()
    except OSError as exc:
        print(f"boardpack service: cannot listen on {service.path}: {exc.strerror or exc}", flush=True)
        return 3
    finally:
        _stop(forks)
        service.close()
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def _fork_server() -> subprocess.Popen | None:
    """Start the fork server beside the service (``pipeline/forkserver.py``): builds run in it, imports done."""
    try:
        return subprocess.Popen(
            [sys.executable, "-c", "import sys; from boardpack.pipeline.forkserver import main; sys.exit(main())"],
            stdin=subprocess.DEVNULL,
        )
    except OSError as exc:
        print(f"boardpack service: no fork server: {exc.strerror or exc}", flush=True)
        return None


def _stop(process: subprocess.Popen | None) -> None:
    """Stop the fork server and wait for it (its builds are stopped with it)."""
    if process is None:
        return
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


if __name__ == "__main__":
    raise SystemExit(main())
