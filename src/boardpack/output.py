"""Write an output folder all or nothing: build beside it, then swap it into place.

A failed build removes its staging folder and leaves the previous output exactly as it was.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import BoardpackError, Location, Problem
from .manifest import MANIFEST


@contextmanager
def staged(out_dir: Path) -> Iterator[Path]:
    """Yield an empty staging folder; on success it replaces *out_dir*, on failure it is removed."""
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / MANIFEST).is_file():
        raise BoardpackError(
            [Problem(Location(out_dir), "not replaced: it is not empty and not a boardpack output folder")]
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.parent / f".{out_dir.name}.building-{os.getpid()}"
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if out_dir.exists():
        out_dir.rename(old)
    staging.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)
