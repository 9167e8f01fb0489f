"""A build whose inputs are what the last build's were, and whose output is as that build left it,
has nothing to do: answer at once, without loading the plan, rendering or converting anything.

An author types ``boardpack build`` after each save, each time a new process; most of what a no-op
cost was Python importing the stages (openpyxl, python-docx, docxtpl, pikepdf, Jinja2) to find that
every document came from the cache. This module, importing none of them, decides first.

The inputs are every file of the plan folder and of the template folders, by content; boardpack's
own source (``util.code_digest``); the options that change what is written (``--no-site``); the
plan folder's name (the output's owner); and every ``BOARDPACK_*`` environment variable. The output
is every file of the output folder outside boardpack's own ``.boardpack-*`` folders, by size and
modification time, exactly as the last build wrote them: a file edited, removed or added since
then means a real build, which puts it right (or refuses a stranger's file, as it always does).
Anything else — no record, another version, an unreadable file — means a real build too; this
only ever skips work, never decides what is written.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import Problem
from ..util import code_digest
from .paths import CACHE_DIR, MANIFEST, OWN_PREFIX

RECORD = "unchanged.json"  # in the cache folder
FORMAT = 1
SKIPPED_DIRS = {".git", "__pycache__", ".hg", ".svn"}


@dataclass(frozen=True)
class Unchanged:
    """What the last build left, when nothing has changed since: its warnings and its manifest's entries."""

    warnings: tuple[Problem, ...]
    documents: tuple[dict, ...]


def input_digest(
    plan_dir: Path, template_folders: tuple[Path, ...], out_dir: Path, site: bool, part_rows: int | None = None
) -> str:
    """Return a digest of everything a build of *plan_dir* into *out_dir* reads and is told."""
    told = f"boardpack-inputs/{FORMAT}\0{code_digest()}\0site={site}\0part_rows={part_rows}\0"
    digest = hashlib.sha256(told.encode())
    plan_dir = Path(plan_dir)
    digest.update(plan_dir.resolve().name.encode() + b"\0")
    skip = {Path(os.path.abspath(out_dir))}
    for label, folder in [("plan", plan_dir), *((f"templates {i}", f) for i, f in enumerate(template_folders))]:
        digest.update(label.encode() + b"\0")
        _digest_folder(digest, Path(folder), skip)
    for name in sorted(k for k in os.environ if k.startswith("BOARDPACK_")):
        digest.update(f"{name}={os.environ[name]}\0".encode())
    return digest.hexdigest()


def _digest_folder(digest, folder: Path, skip: set[Path]) -> None:
    if not folder.is_dir():
        digest.update(b"(none)\0")
        return
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and Path(os.path.abspath(here / d)) not in skip)
        for name in sorted(files):
            path = here / name
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            with path.open("rb") as handle:
                digest.update(hashlib.file_digest(handle, "sha256").digest())


def output_files(out_dir: Path) -> dict[str, list[int]]:
    """Return every output file of *out_dir* (not boardpack's own folders) with its size and mtime,
    and every folder (as ``[-1]``: an empty folder of someone else's counts too)."""
    found: dict[str, list[int]] = {}
    out_dir = Path(out_dir)
    for root, dirs, files in os.walk(out_dir):
        here = Path(root)
        if here == out_dir:
            dirs[:] = [d for d in dirs if not d.startswith(OWN_PREFIX)]
            files = [f for f in files if not f.startswith(OWN_PREFIX)]
        for name in dirs:
            found[(here / name).relative_to(out_dir).as_posix() + "/"] = [-1]
        for name in files:
            stat = (here / name).lstat()
            found[(here / name).relative_to(out_dir).as_posix()] = [stat.st_size, stat.st_mtime_ns]
    return found


def record(staging: Path, inputs: str, warnings: tuple[Problem, ...]) -> None:
    """Write the record of a build about to be moved into place: its inputs, warnings and files.

    Called last, in the staging folder; moving it into place keeps each file's size and mtime.
    """
    said = [[str(w.where), w.message] for w in warnings]
    entry = {"format": FORMAT, "inputs": inputs, "warnings": said, "files": output_files(staging)}
    (staging / CACHE_DIR / RECORD).write_text(json.dumps(entry), encoding="utf-8")


def unchanged(out_dir: Path, inputs: str) -> Unchanged | None:
    """Return ``Unchanged`` when the last build into *out_dir* had the inputs whose digest is *inputs*
    (``input_digest``) and its output is untouched since; else None (then build)."""
    path = Path(out_dir) / CACHE_DIR / RECORD
    try:
        before = path.read_bytes()
        entry = json.loads(before)
        if entry.get("format") != FORMAT or entry.get("inputs") != inputs:
            return None
        if output_files(out_dir) != entry["files"] or path.read_bytes() != before:  # not mid-swap
            return None
        warnings = tuple(Problem(str(w), str(m)) for w, m in entry["warnings"])
        return Unchanged(warnings, tuple(json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8"))))
    except (OSError, ValueError, KeyError, TypeError):
        return None
