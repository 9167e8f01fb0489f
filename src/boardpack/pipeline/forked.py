"""Work done in a forked child of the build, on the second core: Python runs one thread at a time.

``start(call)`` forks; the child runs *call*, sends any exception back through a pipe (its words
first, which always unpickle, then the exception itself, if it pickles) and ends with ``os._exit``,
so nothing of the build (its staging folder, its open files, its output) is cleaned up, flushed or
closed twice. ``Forked.wait()`` returns what the call returned (pickled back) or raises here what the
child raised; ``Forked.kill()`` stops it before the build gives up, so that nothing is written after
the build has cleaned up. Used for work that only writes files of its own: the packs
(``pack/packs.py``), and the public side of a build (``pipeline/public.py``).

``worker(handle)`` forks, early (before the build starts threads of its own, so that no other thread
holds a lock the child would need), a child that works through what it is told (``Worker.tell``), in
order, as it arrives, while the build goes on; the last message (``Worker.finish``) is answered as
``start``'s call is. The members' packs are begun in one while LibreOffice converts (``pack/packs.py``).
``standby(call)`` is a worker told only its last message (``Standby.send``): the public side's child.
"""

from __future__ import annotations

import io
import os
import pickle
import signal
import threading
from collections.abc import Callable
from typing import NoReturn

CAN_FORK = hasattr(os, "fork")
PR_SET_PDEATHSIG = 1  # prctl(2)
PIPE_SIZE = 1 << 20  # a worker's inbox: what it is told never waits on it (Linux's most, unprivileged)


# The pipe ends this process holds to talk with its forked children: a child forked later closes its copies,
# or a child let go (its inbox closed here) would wait for ever on a copy held open by its sibling.
_held: set[int] = set()


def _close(fd: int) -> None:
    _held.discard(fd)
    os.close(fd)


def _drop_held() -> None:  # pragma: no cover - the child's
    for fd in list(_held):
        try:
            os.close(fd)
        except OSError:
            pass
    _held.clear()


class Forked:
    """A forked child running one call."""

    def __init__(self, pid: int, reader: int) -> None:
        self.pid, self.reader = pid, reader
        self.done = False
        _held.add(reader)

    def wait(self) -> object:
        """Wait for the child; return what its call returned, or raise what it raised (or that it was stopped)."""
        if self.done:
            return None
        try:
            with os.fdopen(self.reader, "rb", closefd=False) as pipe:
                said = pipe.read()
        except BaseException:  # stopped while waiting (Ctrl-C): the child stops too
            self.kill()
            raise
        self.done = True
        _close(self.reader)
        _, status = os.waitpid(self.pid, 0)
        if status != 0:
            raise _unpickled(said, status)
        return pickle.loads(said) if said else None

    def kill(self) -> None:
        """Stop the child at once and reap it."""
        if self.done:
            return
        self.done = True
        os.kill(self.pid, signal.SIGKILL)
        _close(self.reader)
        os.waitpid(self.pid, 0)


def start(call: Callable[[], object]) -> Forked:
    """Run *call* in a forked child; return the child, to ``wait`` for (or ``kill``)."""
    reader, writer = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child: measured by what it writes
        _signals(parent)
        os.close(reader)
        _child(call, writer)
    os.close(writer)
    return Forked(pid, reader)


class Worker(Forked):
    """A forked child working through messages (``tell``), in order, then answering the last (``finish``)."""

    def __init__(self, pid: int, reader: int, inbox: int) -> None:
        super().__init__(pid, reader)
        self.inbox: int | None = inbox
        _held.add(inbox)
        self.lock = threading.Lock()  # told from more than one thread of the build
        self.stopped = False  # killed (``kill``)
        self.sent = False  # told its last message

    def tell(self, *args: object) -> None:
        """Have the child call its handler with *args* (they must pickle), when it has done what it was told
        before; a failure is raised by ``finish``."""
        self._send(False, args)

    def finish(self, *args: object) -> None:
        """Tell the child its last message: its handler's answer to *args* is what ``wait`` returns."""
        self._send(True, args)

    def _send(self, last: bool, args: tuple) -> None:
        data = pickle.dumps((last, args))
        with self.lock:
            if self.stopped:  # killed: what it was told goes nowhere (the build is stopping, or failed)
                return
            assert self.inbox is not None and not self.done, "a worker is told nothing after its last message"
            try:
                _write_all(self.inbox, len(data).to_bytes(8, "big") + data)
            except BrokenPipeError:  # the child is gone: wait() says why
                pass
            if last:
                self.sent = True
                _close(self.inbox)
                self.inbox = None

    def halt(self) -> None:
        """Kill the child at once and tell it nothing more, leaving it to be reaped by the thread waiting
        for it (``wait``, ``let_go``) or by ``kill``: a thread may be waiting for it to finish its work."""
        self.stopped = True
        if not self.done:
            os.kill(self.pid, signal.SIGKILL)

    def kill(self) -> None:
        """Stop the child, whatever it is doing: killed first, so that a thread telling it, held up on a
        full pipe, is let go (its pipe broken) before the pipe is closed here."""
        self.halt()
        with self.lock:
            if self.inbox is not None:
                _close(self.inbox)
                self.inbox = None
        super().kill()

    def let_go(self) -> None:
        """Tell the child it has nothing more to do, and reap it."""
        with self.lock:
            if self.inbox is not None:
                _close(self.inbox)
                self.inbox = None
        self.wait()


def worker(
    handle: Callable[..., object], kind: type[Worker] = Worker, first: Callable[[], object] | None = None
) -> Worker:
    """Fork a child that calls *handle* with the arguments of each message it is told, in order, and
    answers the last (``Worker.finish``) with what *handle* returns; return it. The first message that
    fails is what ``Worker.wait`` raises; the child does nothing more until its last message.

    *first*, if given, is called in the child at once, before it reads a message: work that needs
    nothing told (the site's pages, rendered while the build renders the papers). It fails as a
    message would; a child let go (``Worker.let_go``) ends once it is done."""
    reader, writer = os.pipe()
    inbox, outbox = os.pipe()
    try:
        import fcntl

        fcntl.fcntl(outbox, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    except (ImportError, AttributeError, OSError):  # a smaller pipe: a message may wait for the child to read
        pass
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child: measured by what it writes
        try:  # never back into the build's stack (its clean-ups are the parent's): only os._exit ends it
            _signals(parent)
            os.close(reader)
            os.close(outbox)
            answer = _work(handle, inbox, first)
        except BaseException:  # noqa: BLE001 - stopped while working (Ctrl-C): the parent says why
            os._exit(1)
        _child(answer, writer)
    os.close(writer)
    os.close(inbox)
    return kind(pid, reader, outbox)


class Standby(Worker):
    """A worker told only its last message: a child waiting for the arguments of its call (``send``)."""

    def send(self, *args: object) -> None:
        """Have the child call with *args* (they must pickle); ``wait`` for what it returns."""
        self.finish(*args)


def standby(call: Callable[..., object], first: Callable[[], object] | None = None) -> Standby:
    """Fork a child that waits for arguments (``Standby.send``) and calls *call* with them, having called
    *first* (if given) meanwhile; return it."""
    child = worker(call, Standby, first)
    assert isinstance(child, Standby)
    return child


def _work(
    handle: Callable[..., object], inbox: int, first: Callable[[], object] | None = None
) -> Callable[[], object]:  # pragma: no cover - the child's
    """Call *first* (if given), then *handle* with each message read from *inbox* but the last; return the
    answer to the last (which raises what the first failure raised). Let go (the inbox closed with no
    last message): end here."""
    failed: Exception | None = None
    if first is not None:
        try:
            first()
        except Exception as exc:  # noqa: BLE001 - raised as the last message's answer
            failed = exc
    with os.fdopen(inbox, "rb") as pipe:
        while True:
            head = pipe.read(8)
            if len(head) < 8:
                os._exit(0)
            last, args = pickle.loads(pipe.read(int.from_bytes(head, "big")))
            if last:
                break
            if failed is None:
                try:
                    handle(*args)
                except Exception as exc:  # noqa: BLE001 - raised as the last message's answer
                    failed = exc

    def answer() -> object:
        if failed is not None:
            raise failed
        return handle(*args)

    return answer


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _signals(parent: int) -> None:  # pragma: no cover - the child's
    """Ctrl-C stops the child as Python's default would (its work ends, it says so); the build's own handler
    (which stops the LibreOffices the build started) is the parent's to run, not every child's too. A build
    killed outright (SIGKILL) takes the child with it (Linux's parent-death signal), so that nothing
    writes into the folders of a build that is gone, which the next build clears. A signal the build was
    started with ignored (``nohup``, a background job) stays ignored, as it does in the build (``cli.Stops``)."""
    _drop_held()
    stops = (
        (signal.SIGINT, signal.default_int_handler),
        (signal.SIGTERM, signal.SIG_DFL),
        (signal.SIGHUP, signal.SIG_DFL),
    )
    for signum, action in stops:
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, action)
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the build's own clean-up stops the child
        pass
    if os.getppid() != parent:  # gone already, before the signal was asked for
        os._exit(1)


def _child(call: Callable[[], object], writer: int) -> NoReturn:  # pragma: no cover
    said, status = b"", 0
    try:
        result = call()
        if result is not None:
            said = pickle.dumps(result)
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the build, as it was
        status = 1
        said = pickle.dumps(f"{type(exc).__name__}: {exc}")  # its words first: they always unpickle
        try:
            said += pickle.dumps(exc)
        except Exception:  # noqa: BLE001, S110 - an exception that does not pickle: its words will do
            pass
    try:
        with os.fdopen(writer, "wb") as pipe:
            pipe.write(said)
    finally:
        os._exit(status)


def _unpickled(said: bytes, status: int) -> BaseException:
    """The exception the child sent (a RuntimeError of its words, if it does not unpickle), or one
    saying that the child stopped (killed: it sent nothing)."""
    if not said:
        return RuntimeError(f"a forked writer stopped ({status})")
    sent = io.BytesIO(said)
    words = pickle.load(sent)
    try:
        exc = pickle.load(sent)
    except Exception:  # noqa: BLE001 - an exception that does not unpickle (or did not pickle): its words
        exc = None
    return exc if isinstance(exc, BaseException) else RuntimeError(words)
