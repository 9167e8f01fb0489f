"""The fork server: ``boardpack build`` and ``check`` run in a process whose imports are already done.

A new ``boardpack build`` pays Python's imports of every stage (python-docx, docxtpl, lxml, pikepdf,
openpyxl, matplotlib, Jinja …) before it does any work: a second and more of a late edit that
itself takes a few. The conversion service (``convert/service.py``) starts this server beside it:
one process that imports every stage once and then waits on a Unix socket in the service's private
folder (0700; the socket 0600), named like the service's by boardpack's version and source digest.
It is the Android zygote's and Python's own ``multiprocessing`` forkserver's pattern.

A build that finds it (``hand_over``, called by the command line once it knows there is work to do)
sends its arguments, working folder, environment, umask and its standard input, output and error
(the descriptors themselves, over the socket): the server forks, and the child, which shares nothing
with the server but its imported modules, takes them on and runs the command line as the build
would have, writing to the build's own terminal. The build waits, passes on Ctrl-C, SIGTERM and
SIGHUP to the child (so a stop is the same stop: output kept, exit 130), and exits with the child's
exit code. A build that goes away without that has its child stopped (SIGTERM).

Only the command line's default converter (``auto``, or ``service``) hands over; ``--converter
soffice`` / ``warm`` / ``unoserver://`` and the library's ``build()`` run in their own process. If
there is no server (the first build, which starts the service, or another version's), the build
runs in its own process as before. The server stops with the service, or when the service is gone.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import os
import pickle
import select
import signal
import socket
import sys
import tempfile
import time
import traceback
from pathlib import Path

from ..convert.service import Lines, base_name, identity, private_dir, send

MAX_FDS = 3  # standard input, output and error
POLL = 0.2  # seconds between looks at finished children and at the service
KILL_AFTER = 30.0  # seconds a build whose command went away has to stop (SIGTERM) before it is killed
ENDING = 0.5  # seconds a child that has handed back what it read has to end before the server goes on
STOP_WAIT = 5.0  # seconds the builds have to stop when the server stops (the service waits 10 s for it)


def socket_name() -> str:
    """The server's socket in the service's folder: ``builds-VERSION-DIGEST.sock``."""
    return base_name().replace("service-", "builds-", 1) + ".sock"


def hand_over(argv: list[str]) -> int | None:
    """Run ``boardpack *argv*`` in the fork server and return its exit code; None when there is no
    server to take it (run it here)."""
    try:
        path = private_dir() / socket_name()
    except Exception:  # noqa: BLE001 - no usable folder: no server, build here
        return None
    if not path.exists():
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(path))
        sock.settimeout(10.0)
        request = {**identity(), "argv": argv, "cwd": os.getcwd(), "env": dict(os.environ), "umask": _umask()}
        request["streams"] = [_stream(s) for s in (sys.stdin, sys.stdout, sys.stderr)]
        fds, opened = _descriptors()
        try:
            socket.send_fds(sock, [(json.dumps(request) + "\n").encode()], fds)
        finally:
            for fd in opened:
                os.close(fd)
        lines = Lines(sock)
        answer = lines.read()
    except (OSError, ValueError):
        sock.close()
        return None  # none listens, or another version's: build here
    if not answer or "pid" not in answer:
        sock.close()
        return None
    return _wait(sock, lines, int(answer["pid"]))


def _umask() -> int:
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def _stream(stream) -> dict | None:
    """How a standard stream writes text (its encoding and errors), for the child to write the same way."""
    if stream is None:
        return None
    return {"encoding": getattr(stream, "encoding", None), "errors": getattr(stream, "errors", None)}


def _descriptors() -> tuple[list[int], list[int]]:
    """Return descriptors 0, 1 and 2 to send (a closed one as /dev/null), and those opened for it."""
    fds, opened = [], []
    for fd in range(MAX_FDS):
        try:
            os.fstat(fd)
            fds.append(fd)
        except OSError:
            opened.append(os.open(os.devnull, os.O_RDWR))
            fds.append(opened[-1])
    return fds, opened


FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _wait(sock: socket.socket, lines: Lines, pid: int) -> int:
    """Wait for the child *pid* to finish, passing on stop signals; return its exit code."""

    def forward(signum, frame) -> None:
        with contextlib.suppress(OSError):
            os.kill(pid, signum)

    previous = {s: signal.getsignal(s) for s in FORWARDED}
    for signum in FORWARDED:
        if previous[signum] is not signal.SIG_IGN:
            signal.signal(signum, forward)
    try:
        sock.settimeout(None)
        answer = lines.read()  # a signal passed on meanwhile does not end the wait (PEP 475)
    except (OSError, ValueError):
        answer = None
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        sock.close()
    if not answer or "exit" not in answer:
        print("boardpack: the build service stopped during the build; build again", file=sys.stderr)
        return 3
    return int(answer["exit"])


# The server's side.


class Server:
    """The listening socket, and the children running builds with the connections that asked for them."""

    def __init__(self, path: Path, parent: int, ident: dict):
        self.path, self.parent, self.identity = path, parent, ident
        self.children: dict[int, socket.socket] = {}
        self.stopped: dict[int, float] = {}  # children stopped because their build went away: since when
        self.learning: dict[int, bytearray] = {}  # by descriptor: what a child read, being handed back
        self.tellers: dict[int, int] = {}  # by descriptor: the child handing it back
        self.done = False

    def serve(self) -> None:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        umask = os.umask(0o177)
        try:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            listener.bind(str(self.path))
        finally:
            os.umask(umask)
        os.chmod(self.path, 0o600)
        inode = os.stat(self.path).st_ino
        listener.listen(16)
        try:
            while not self.done and os.getppid() == self.parent:
                self._step(listener)
        finally:
            with contextlib.suppress(OSError):
                if os.stat(self.path).st_ino == inode:
                    self.path.unlink()
            listener.close()
            for pid, conn in self.children.items():
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGTERM)
                conn.close()
            self._last_of(list(self.children))

    def _last_of(self, pids: list[int]) -> None:
        """Wait for the builds *pids*, stopped (SIGTERM) as the server stops; kill those still running
        after ``STOP_WAIT`` (within the service's wait for this server)."""
        deadline = time.monotonic() + STOP_WAIT
        while pids and time.monotonic() < deadline:
            pids = [pid for pid in pids if not _reaped(pid)]
            time.sleep(0.05)
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)

    def _step(self, listener: socket.socket) -> None:
        """Take a request, tell the builds whose children finished, stop the children of builds gone."""
        waiting = [listener, *(c for p, c in self.children.items() if p not in self.stopped), *self.learning]
        try:
            ready = select.select(waiting, [], [], POLL)[0]
        except InterruptedError:
            ready = []
        for conn in ready:
            if isinstance(conn, int):
                self._learn(conn)
            elif conn is listener:
                self._accept(listener)
            else:  # a build's connection readable while its child runs: it went away
                pid = next(p for p, c in self.children.items() if c is conn)
                self.stopped[pid] = time.monotonic()
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGTERM)
        for pid, since in self.stopped.items():  # a stop it did not act on: its folder's lock is held meanwhile
            if time.monotonic() - since > KILL_AFTER:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)  # its forked children die with it; the next build clears up
        self._reap()

    def _accept(self, listener: socket.socket) -> None:
        conn, _ = listener.accept()
        try:
            conn.settimeout(10.0)
            if not _same_user(conn):
                conn.close()
                return
            message, fds, _, _ = socket.recv_fds(conn, 1 << 20, MAX_FDS)
            line, _, rest = message.partition(b"\n")
            request = json.loads(line)
        except (OSError, ValueError):
            conn.close()
            return
        same = {k: request.get(k) for k in ("hello", "version", "digest")} == self.identity
        if same and "remember" in request and not fds:  # what a build that ran on its own read (``teach``)
            self._remember(conn, rest, int(request["remember"]))
            return
        if not same or len(fds) != MAX_FDS:
            for fd in fds:
                os.close(fd)
            conn.close()  # another version of boardpack: it builds on its own
            return
        learned, teller = os.pipe()
        pid = fork()
        if pid == 0:  # the child: never returns
            os.close(learned)
            _child(conn, listener, [c for c in self.children.values()], request, fds, teller, list(self.learning))
        os.close(teller)
        self.learning[learned] = bytearray()
        self.tellers[learned] = pid
        for fd in fds:
            os.close(fd)
        try:
            send(conn, {"pid": pid})
        except OSError:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
        self.children[pid] = conn

    def _remember(self, conn: socket.socket, data: bytes, size: int) -> None:
        """Read the *size* bytes ``teach`` sends (*data* the first of them) and remember the workbooks."""
        told = bytearray(data)
        try:
            while len(told) < size:
                chunk = conn.recv(min(1 << 20, size - len(told)))
                if not chunk:
                    return
                told += chunk
        except OSError:
            return
        finally:
            conn.close()
        from ..appendix import actions  # imported by the warm-up already

        with contextlib.suppress(Exception):  # what does not unpickle is not remembered
            actions.remember(pickle.loads(told))

    def _learn(self, fd: int) -> None:
        """Read what a child hands back of the workbooks it read; at its end, remember them for the next."""
        try:
            chunk = os.read(fd, 1 << 16)
        except OSError:
            chunk = b""
        if chunk:
            self.learning[fd] += chunk
            return
        told = self.learning.pop(fd)
        os.close(fd)
        _ending(self.tellers.pop(fd, 0))  # told last: reaped next, not a poll later (its command waits)
        if told:
            from ..appendix import actions  # imported by the warm-up already; not by a build handing over

            with contextlib.suppress(Exception):  # a child stopped halfway: nothing learned
                actions.remember(pickle.loads(told))

    def _reap(self) -> None:
        for pid in list(self.children):
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done, status = pid, 3 << 8
            if done:
                conn = self.children.pop(pid)
                self.stopped.pop(pid, None)
                code = os.waitstatus_to_exitcode(status)
                with contextlib.suppress(OSError):
                    send(conn, {"exit": code if code >= 0 else 128 - code})
                conn.close()


def fork() -> int:
    """Fork a build, the server's objects frozen first (``gc.freeze``): moved out of the generations the
    cycle collector scans, so the build never walks them. The imports, compiled templates and workbooks
    the server holds are tens of thousands of objects, which every full collection in the build (one or
    two a build) would otherwise scan, for a tenth of a second each, and whose pages it would copy
    by writing their collector fields: what Python's ``gc.freeze`` documentation advises before a fork.
    """
    gc.freeze()
    pid = os.fork()
    if pid:  # the server: what it makes and drops from now on is collected as before (frozen, never)
        gc.unfreeze()
    return pid


def _ending(pid: int) -> None:
    """Wait (a moment at most) for the child *pid*, done with its build, to end; leave it to be reaped."""
    deadline = time.monotonic() + ENDING
    while pid and time.monotonic() < deadline:
        try:
            if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return
        except ChildProcessError:
            return
        time.sleep(0.001)


def _reaped(pid: int) -> bool:
    """Whether the child *pid* has ended (reaped now, or before)."""
    try:
        return os.waitpid(pid, os.WNOHANG)[0] != 0
    except ChildProcessError:
        return True


def _same_user(conn: socket.socket) -> bool:
    """Whether the peer runs as this user (the socket's mode says so already; the kernel confirms)."""
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
    return int.from_bytes(creds[4:8], sys.byteorder) == os.getuid()


def _child(
    conn: socket.socket, listener: socket.socket, others: list[socket.socket], request: dict, fds, teller: int, learning
) -> None:
    """Become the build: take on its descriptors, folder, environment and umask; run the command line; hand
    the server back, on *teller*, the workbooks the build read (``_tell``)."""
    code = 3
    try:
        listener.close()
        for other in others:
            other.close()
        for fd in learning:  # the other builds' pipes back to the server (descriptors)
            os.close(fd)
        conn.close()
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
            signal.signal(signum, signal.SIG_DFL)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        _streams(request.get("streams") or [None] * MAX_FDS)
        os.environ.clear()
        os.environ.update(request["env"])
        tempfile.tempdir = None  # the build's TMPDIR, not the service's
        os.umask(int(request["umask"]))
        os.chdir(request["cwd"])
        from ..cli import main

        code = main(list(request["argv"]), hand_over=False)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - a bug here must still end the child with a code
        traceback.print_exc()
    finally:
        with contextlib.suppress(BaseException):
            atexit._run_exitfuncs()
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
        with contextlib.suppress(BaseException):
            _tell(teller)
        os._exit(code)


def teach() -> None:
    """Hand the fork server, if one listens, the workbooks this process read: a build that ran on its own
    (the first, which started the service and so the server) leaves them read for the next, as a build
    forked from the server does (``_tell``). Nothing happens where no server listens."""
    data = _read_here()
    if not data:
        return
    try:
        path = private_dir() / socket_name()
        if not path.exists():
            return
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(10.0)
            sock.connect(str(path))
            sock.sendall((json.dumps({**identity(), "remember": len(data)}) + "\n").encode() + data)
    except Exception:  # noqa: BLE001, S110 - a server gone, or another version's: the next build reads them
        pass


def _tell(teller: int) -> None:
    """Hand the server the workbooks this build read (``appendix.actions.read_here``): the next build forked
    finds them read, and a late edit elsewhere in the plan does not read a 500-row workbook again."""
    data = _read_here()
    with os.fdopen(teller, "wb") as pipe:
        pipe.write(data)


def _read_here() -> bytes:
    """The workbooks this process read itself (``appendix.actions.read_here``), pickled; empty for none."""
    from ..appendix import actions

    read = actions.read_here()
    return pickle.dumps(read, protocol=pickle.HIGHEST_PROTOCOL) if read else b""


def _streams(streams: list[dict | None]) -> None:
    """Standard streams on descriptors 0, 1 and 2, writing text as the build's own would."""
    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        how = streams[fd] or {}
        tty = os.isatty(fd)
        stream = open(  # noqa: SIM115 - the process's stream for the rest of its life
            fd,
            mode,
            encoding=how.get("encoding") or "utf-8",
            errors=how.get("errors") or ("backslashreplace" if fd == 2 else "strict"),
            closefd=False,
            buffering=1 if (tty or fd == 2) and mode == "w" else -1,
        )
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def _warm_up() -> None:
    """Import every stage a build can reach, once, before any fork."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401
    import openpyxl  # noqa: F401

    from .. import cli  # noqa: F401
    from ..render import chart  # noqa: F401
    from ..site import leaks  # noqa: F401
    from ..site.write import environment
    from . import builder, watch  # noqa: F401

    for page in ("index.html", "paper.html"):  # boardpack's own site templates, compiled once (Jinja checks mtimes)
        environment().get_template(page)
    from ..render.docx import TEMPLATES_DIR, precompile

    for template in sorted(TEMPLATES_DIR.glob("*.docx")):  # and its Word templates' parts (keyed by their XML)
        precompile(template)
    _first_uses()


def _first_uses() -> None:
    """Pay, once, what a process pays at its first use of the fonts: the layout's font metrics, and
    matplotlib's fonts and renderers (a chart drawn and thrown away). Nothing of any plan is read."""
    from ..plan.model import Status, StatusCount, StatusTable
    from ..render import layout
    from ..render.chart import status_chart

    for bold in (False, True):
        layout._advances(bold)
    statuses = (Status("On track", "green"), Status("Off track", "red"))
    table = StatusTable("", statuses, (StatusCount("Theme", (1, 1), 2),), StatusCount("Total", (1, 1), 2))
    for fmt in ("png", "svg"):
        status_chart(table, fmt)


def main() -> int:
    """Serve builds of this user's, this version's, until the service that started this stops."""
    parent = os.getppid()
    ident, path = identity(), private_dir() / socket_name()  # of the code about to be imported
    _warm_up()
    server = Server(path, parent, ident)

    def stop(*_) -> None:
        server.done = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
