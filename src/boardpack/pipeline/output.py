"""Write an output folder all or nothing, one build at a time.

A build holds a lock beside the output folder (a second build into it waits), writes into a
staging folder, and only when everything succeeded exchanges it with the output folder in one
atomic step (Linux ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames, with recovery). A failed
or killed build leaves the previous output exactly as it was; its leftovers are cleared by the next.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import BoardpackError, ConvertError, Location, Problem
from .manifest import MANIFEST

LOCK_TIMEOUT = 600.0
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


@contextmanager
def locked(out_dir: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the output folder's lock for a build; wait for another build to finish, up to *timeout*."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    timeout = float(os.environ.get("BOARDPACK_LOCK_TIMEOUT", LOCK_TIMEOUT)) if timeout is None else timeout
    path = out_dir.parent / f".{out_dir.name}.lock"
    with path.open("a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    message = f"another build into this folder is still running after {timeout:g} s (lock {path.name})"
                    raise ConvertError([Problem(Location(out_dir), message)]) from None
                time.sleep(0.2)
        try:
            _recover(out_dir)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _recover(out_dir: Path) -> None:
    """Clear what a killed build left: its staging folder; and undo a swap it left half done."""
    for leftover in out_dir.parent.glob(f".{out_dir.name}.building-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for old in out_dir.parent.glob(f".{out_dir.name}.old-*"):
        if not out_dir.exists():
            old.rename(out_dir)  # killed between the two renames: the previous output comes back
        else:
            shutil.rmtree(old, ignore_errors=True)


@contextmanager
def staged(out_dir: Path) -> Iterator[Path]:
    """Yield an empty staging folder; on success it replaces *out_dir*, on failure it is removed."""
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / MANIFEST).is_file():
        raise BoardpackError(
            [Problem(Location(out_dir), "not replaced: it is not empty and not a boardpack output folder")]
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = staging_path(out_dir)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap(staging, out_dir)


def staging_path(out_dir: Path) -> Path:
    """Return where this process builds before swapping into *out_dir*."""
    return out_dir.parent / f".{out_dir.name}.building-{os.getpid()}"


def _swap(staging: Path, out_dir: Path) -> None:
    """Put *staging* in the place of *out_dir*, atomically where the system allows."""
    if out_dir.exists() and _exchange(staging, out_dir):
        shutil.rmtree(staging, ignore_errors=True)  # it now holds the previous output
        return
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    if out_dir.exists():
        out_dir.rename(old)
    staging.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 with RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0
