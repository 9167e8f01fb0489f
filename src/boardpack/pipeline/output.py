"""Write an output folder all or nothing, one build at a time, and only a folder boardpack owns.

A build holds a lock beside the output folder (a second build into it waits), checks the folder is
its own output of the same meeting (``manifest.refusal``; ``force`` skips this), writes into a
staging folder, and only when everything succeeded exchanges it with the output folder in one
atomic step (Linux ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames, with recovery).

An output folder that cannot be renamed — a mount point, or the working directory — is staged
inside itself instead (``.boardpack-building``) and its contents are moved in place of the old ones
in named phases, which the next build rolls forward if a build is killed midway.

A failed or killed build leaves the previous output exactly as it was; its leftovers (staging and
work folders) are cleared by the next. A fault of the system (disk full, no permission) is an
``OutputError`` (exit 3) naming the output path, never the staging path.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import EXIT_ENVIRONMENT, BoardpackError, ConvertError, Location, Problem, display_path
from .cache import CACHE_DIR
from .manifest import MANIFEST, OWN_PREFIX, Owner, read_manifest, refusal, write_owner

LOCK_TIMEOUT = 600.0
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_CANNOT_RENAME = (errno.EBUSY, errno.EXDEV, errno.EPERM, errno.EACCES)  # a mount point, another disk
# Inside an output folder that cannot be renamed: staged, then ready, then moving in; the old aside.
BUILDING, READY, MOVING, OLD = (OWN_PREFIX + s for s in ("building", "ready", "moving", "old"))
PRIVATE = 0o600  # restricted documents and the cache: the owner alone


class OutputError(BoardpackError):
    """The output folder could not be written: disk full, no permission, a read-only file system."""

    exit_code = EXIT_ENVIRONMENT


@contextmanager
def locked(out_dir: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the output folder's lock for a build; wait for another build to finish, up to *timeout*."""
    shown, out_dir = Path(out_dir), absolute(out_dir)
    timeout = float(os.environ.get("BOARDPACK_LOCK_TIMEOUT", LOCK_TIMEOUT)) if timeout is None else timeout
    path = out_dir.parent / f".{out_dir.name}.lock"
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
    except OSError as exc:
        where = Path(os.fsdecode(exc.filename)).parent if exc.filename else out_dir.parent
        message = f"cannot write the output folder's lock and staging folder here ({exc.strerror})"
        raise OutputError([Problem(Location(where), message)]) from None
    with handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    message = f"another build into this folder is still running after {timeout:g} s (lock {path.name})"
                    raise ConvertError([Problem(Location(shown), message)]) from None
                time.sleep(0.2)
        try:
            with faults(shown, out_dir):
                _recover(out_dir)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def absolute(path: Path) -> Path:
    """Return *path* made absolute (so ``--out .`` has a real parent); a link to a folder, followed.

    So the folder a link points at is the output folder, and the link stays as it was.
    """
    return Path(os.path.realpath(path) if os.path.islink(path) else os.path.abspath(path))


def _recover(out_dir: Path) -> None:
    """Clear what a killed build left: its staging and work folders; and finish or undo a half-done swap."""
    for leftover in out_dir.parent.glob(f".{out_dir.name}.building-*"):
        remove(leftover)
    for old in out_dir.parent.glob(f".{out_dir.name}.old-*"):
        if not out_dir.exists():
            old.rename(out_dir)  # killed between the two renames: the previous output comes back
        else:
            remove(old)
    if out_dir.is_dir() and not out_dir.is_symlink():
        if (out_dir / READY).exists() or (out_dir / MOVING).exists():
            _swap_inside(out_dir)  # the new output was complete: finish moving it in
        for leftover in out_dir.glob(f"{BUILDING}*"):
            remove(leftover)
        remove(out_dir / OLD)


def remove(path: Path) -> None:
    """Remove *path*: a folder with everything in it, never following a symbolic link out of it."""
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.exists():
        shutil.rmtree(path, ignore_errors=True)


@dataclass(frozen=True)
class Claim:
    """Who asks to replace an output folder: for which meeting, whether forced, and what it must keep."""

    owner: Owner
    force: bool = False  # replace a folder boardpack did not write, or another meeting's output
    keep: tuple[Path, ...] = ()  # what the build reads (the plan, the templates): never replaced, even forced
    reads: tuple[Path, ...] = ()  # the folders it reads from (papers, templates): never an output inside them


@contextmanager
def staged(out_dir: Path, claim: Claim | None = None) -> Iterator[Path]:
    """Yield an empty staging folder; on success it replaces *out_dir*, on failure it is removed.

    With a *claim*, *out_dir* is replaced only when it is boardpack's output of the claim's meeting,
    or the claim is forced (never a file, nor a folder holding what the claim keeps). Call it
    holding ``locked(out_dir)``.
    """
    shown, out_dir = Path(out_dir), absolute(out_dir)
    with faults(shown, out_dir):
        refused = _refused(out_dir, claim) if claim is not None else None
        staging = _staging_for(out_dir)
    if refused is not None:
        raise BoardpackError([Problem(Location(shown), f"not replaced: {refused}")])
    with faults(shown, out_dir, staging):
        remove(staging)
        staging.mkdir()
        usual = stat.S_IMODE(staging.stat().st_mode)
        staging.chmod(0o700)  # nobody else sees a restricted paper before its mode is set
        try:
            yield staging
            if claim is not None:
                write_owner(staging, claim.owner)
            _restrict(staging, usual)
            _swap(staging, out_dir)
        except BaseException:
            remove(staging)
            raise


def refuse_out_of_bounds(out_dir: Path, claim: Claim) -> None:
    """Raise if *out_dir* may never be an output folder for *claim*, forced or not: before any lock is taken."""
    why = _out_of_bounds(absolute(out_dir), claim)
    if why is None and Path(out_dir).exists() and not Path(out_dir).is_dir():
        why = "it is a file, not a folder; choose a folder"
    if why is not None:
        raise BoardpackError([Problem(Location(Path(out_dir)), f"not replaced: {why}")])


def _out_of_bounds(out_dir: Path, claim: Claim) -> str | None:
    """Return why *out_dir* can never be replaced: it holds, or lies inside, what the build reads."""
    kept = [path for path in claim.keep if absolute(path).resolve().is_relative_to(out_dir.resolve())]
    if kept:
        return f"it holds {display_path(kept[0])}, which the build reads; choose another --out"
    inside = [path for path in claim.reads if out_dir.resolve().is_relative_to(absolute(path).resolve())]
    if inside:
        return f"it is inside {display_path(inside[0])}, which the build reads; choose another --out"
    return None


def _refused(out_dir: Path, claim: Claim) -> str | None:
    """Return why *claim* may not replace *out_dir*, and how to go on; None if it may."""
    bounds = _out_of_bounds(out_dir, claim)
    if bounds is not None:
        return bounds
    if claim.force and out_dir.is_dir():
        return None
    reason = refusal(out_dir, claim.owner)
    if reason is None:
        return None
    how = "add --force to replace it anyway, or build into a fresh --out" if out_dir.is_dir() else "choose a folder"
    return f"{reason}; {how}"


def _staging_for(out_dir: Path) -> Path:
    """Return the staging folder: beside *out_dir*, or inside it when it cannot be renamed."""
    inside = is_mount(out_dir) or Path.cwd().is_relative_to(out_dir)
    return out_dir / BUILDING if inside and out_dir.is_dir() else staging_path(out_dir)


def is_mount(path: Path) -> bool:
    """Return whether *path* is a mount point: also a bind mount on the same file system (Linux)."""
    if os.path.ismount(path):
        return True
    try:
        lines = Path("/proc/self/mountinfo").read_text(encoding="utf-8").splitlines()
    except OSError:
        return False
    real = str(Path(path).resolve())
    escaped = real.replace("\\", "\\134").replace(" ", "\\040").replace("\t", "\\011").replace("\n", "\\012")
    return any(line.split(" ")[4] == escaped for line in lines if line.count(" ") >= 4)


def staging_path(out_dir: Path) -> Path:
    """Return where this process builds before swapping into *out_dir*, when it may be renamed."""
    out_dir = absolute(out_dir)
    return out_dir.parent / f".{out_dir.name}.building-{os.getpid()}"


@contextmanager
def scratch(staging: Path) -> Iterator[Path]:
    """Yield a work folder for the build, beside *staging*: the next build clears it if this one is killed."""
    work = staging.with_name(staging.name + "-work")
    remove(work)
    work.mkdir(mode=0o700)
    try:
        yield work
    finally:
        remove(work)


def _restrict(staging: Path, usual: int) -> None:
    """Make restricted documents and the cache readable by their owner alone; the folder *usual* again."""
    if (staging / MANIFEST).is_file():
        for doc in read_manifest(staging):
            if doc.restricted:
                (staging / doc.path).chmod(PRIVATE)
    cache = staging / CACHE_DIR
    if cache.is_dir():
        cache.chmod(0o700)
        for entry in cache.iterdir():
            if entry.is_file():
                entry.chmod(PRIVATE)
    staging.chmod(usual)


def _swap(staging: Path, out_dir: Path) -> None:
    """Put *staging* in the place of *out_dir*: atomically where the system allows, else its contents."""
    if staging.parent == out_dir:
        staging.rename(out_dir / READY)
        _swap_inside(out_dir)
        return
    try:
        _swap_beside(staging, out_dir)
    except OSError as exc:
        if exc.errno not in _CANNOT_RENAME or not out_dir.is_dir():
            raise
        _move_inside(staging, out_dir)


def _move_inside(staging: Path, out_dir: Path) -> None:
    """Copy *staging* into *out_dir*, which cannot be renamed (a mount point), and swap it in there."""
    try:
        shutil.copytree(staging, out_dir / BUILDING, symlinks=True)
    except BaseException:
        remove(out_dir / BUILDING)
        raise
    remove(staging)
    (out_dir / BUILDING).rename(out_dir / READY)
    _swap_inside(out_dir)


def _swap_beside(staging: Path, out_dir: Path) -> None:
    if out_dir.exists() and exchange(staging, out_dir):
        remove(staging)  # it now holds the previous output
        return
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    if out_dir.exists() or out_dir.is_symlink():
        out_dir.rename(old)
    try:
        staging.rename(out_dir)
    except OSError:
        if old.exists() or old.is_symlink():
            old.rename(out_dir)
        raise
    remove(old)


def _swap_inside(out_dir: Path) -> None:
    """Move the old output's contents aside and the new ones in, each phase one a killed build can redo.

    ``READY`` holds the complete new output; while it is there, what is not boardpack's own folder
    goes aside into ``OLD``. Then ``READY`` becomes ``MOVING``, whose entries move in, the manifest
    last. The swap is not atomic, but the next build finishes it before anything else.
    """
    ready, moving, old = out_dir / READY, out_dir / MOVING, out_dir / OLD
    if ready.exists():
        old.mkdir(exist_ok=True)
        for entry in out_dir.iterdir():
            if not entry.name.startswith(OWN_PREFIX) or entry.name == CACHE_DIR:
                entry.rename(old / entry.name)
        ready.rename(moving)
    for entry in sorted(moving.iterdir(), key=lambda p: p.name == MANIFEST):
        entry.rename(out_dir / entry.name)
    moving.rmdir()
    remove(old)


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 with RENAME_EXCHANGE); False where unsupported.

    Raise OSError where the system refuses it for these paths (EBUSY: *b* is a mount point).
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False  # no renameat2, or a file system without exchange: two renames instead
    raise OSError(code, os.strerror(code), str(b))


_exchange = exchange  # the name the tests used


@contextmanager
def faults(shown: Path, out_dir: Path, staging: Path | None = None) -> Iterator[None]:
    """Turn a fault of the system into an OutputError, and name the output, never the staging folder."""
    try:
        yield
    except OSError as exc:
        where = _real(exc.filename2 or exc.filename or out_dir, shown, out_dir, staging)  # a copy's destination
        raise OutputError([Problem(Location(where), _says(exc))]) from None
    except BoardpackError as exc:
        if staging is None:
            raise
        problems = [_renamed(p, shown, out_dir, staging) for p in exc.problems]
        raise type(exc)(problems) from None


def _says(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "cannot write: the disk is full; the previous output is kept as it was"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write here ({exc.strerror}); the previous output is kept as it was"
    return f"{exc.strerror or exc}; the previous output is kept as it was"


def _real(path: str | os.PathLike, shown: Path, out_dir: Path, staging: Path | None) -> Path:
    """Return *path* with the staging or work folder put back as the output folder the user named."""
    path = Path(os.fsdecode(path))
    for area in (staging, staging and staging.with_name(staging.name + "-work"), out_dir / READY, out_dir / MOVING):
        if area is not None and absolute(path).is_relative_to(area):
            return shown / absolute(path).relative_to(area)
    return shown / absolute(path).relative_to(out_dir) if absolute(path).is_relative_to(out_dir) else path


def _renamed(problem: Problem, shown: Path, out_dir: Path, staging: Path) -> Problem:
    where = problem.where
    if isinstance(where, Location):
        return Problem(Location(_real(where.file, shown, out_dir, staging), where.line, where.col), problem.message)
    text = str(where)
    for area in (staging.with_name(staging.name + "-work"), staging):
        text = text.replace(str(area), str(shown))
    return Problem(text, problem.message)
