"""The output folder: one build at a time, swapped in whole, and intact whenever a build is killed."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from boardpack.cli import main
from boardpack.pack.leaks import pdf_text
from boardpack.pipeline import output
from boardpack.pipeline.output import exchange, locked

from .bad.test_bad import base_plan


def matches_manifest(out) -> dict[str, str]:
    """Assert the manifest lists exactly the files on disk, with their hashes; return path -> sha256."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = {d["path"]: d["sha256"] for d in manifest}
    on_disk = {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in out.rglob("*")
        if p.is_file() and ".boardpack-cache" not in p.parts and p.name != "manifest.json"
    }
    assert on_disk == listed
    return listed


def test_exchange_swaps_two_folders(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x").write_text("a")
    (tmp_path / "b" / "x").write_text("b")
    assert exchange(tmp_path / "a", tmp_path / "b")
    assert ((tmp_path / "a" / "x").read_text(), (tmp_path / "b" / "x").read_text()) == ("b", "a")


def test_a_half_done_swap_is_undone_by_the_next_build(tmp_path):
    out = tmp_path / "out"
    old = tmp_path / ".out.old-4242"  # killed after moving the old output aside, before moving in the new
    old.mkdir()
    (old / "manifest.json").write_text("[]")
    (tmp_path / ".out.building-4242").mkdir()
    with locked(out):
        assert (out / "manifest.json").read_text() == "[]"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.lock", "out"]


def test_a_second_build_waits_for_the_first(tmp_path, monkeypatch, capsys):
    plan, out = base_plan(tmp_path), tmp_path / "out"
    monkeypatch.setenv("BOARDPACK_LOCK_TIMEOUT", "0.5")
    with locked(out):
        assert main(["build", str(plan), "--out", str(out), "-q"]) == 3
    assert "another build into this folder is still running after 0.5 s" in capsys.readouterr().err
    assert not out.exists()
    monkeypatch.setenv("BOARDPACK_LOCK_TIMEOUT", "60")
    release = threading.Event()

    def hold() -> None:
        with locked(out):
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.2)
    threading.Timer(1.0, release.set).start()
    assert main(["build", str(plan), "--out", str(out), "-q"]) == 0  # waited, then built
    holder.join()
    matches_manifest(out)


@pytest.mark.e2e
def test_killing_a_build_at_any_point_leaves_the_previous_output(tmp_path):
    plan, out = base_plan(tmp_path), tmp_path / "out"
    assert main(["build", str(plan), "--out", str(out), "-q"]) == 0
    before = matches_manifest(out)
    paper = plan / "p" / "paper.yaml"
    for n, delay in enumerate((0.3, 0.8, 1.5, 2.5, 4.0)):
        paper.write_text(re.sub(r"To note[^.]*\.", f"To note ({n}).", paper.read_text(encoding="utf-8")), "utf-8")
        proc = subprocess.Popen(
            [sys.executable, "-m", "boardpack", "build", str(plan), "--out", str(out), "-q"], start_new_session=True
        )
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)  # the build and its LibreOffice, mid-flight
        proc.wait()
        now = matches_manifest(out)  # never half-written: the old output, or (if it finished) the new one
        if now != before:  # swapped in, perhaps killed just after: then it is the whole new build
            assert f"To note ({n})." in " ".join(pdf_text(out / "p" / "report.pdf").split())
        before = now
    assert main(["build", str(plan), "--out", str(out), "-q"]) == 0
    matches_manifest(out)
    assert not list(tmp_path.glob(".out.building-*")) and not list(tmp_path.glob(".out.old-*"))


@pytest.mark.e2e
@pytest.mark.parametrize(
    "script", ["sleep 30\n", "kill -SEGV $$\n", "exit 0\n"], ids=["hangs", "crashes", "writes-nothing"]
)
def test_a_failing_converter_leaves_the_previous_output(tmp_path, monkeypatch, capsys, script):
    plan, out = base_plan(tmp_path), tmp_path / "out"
    assert main(["build", str(plan), "--out", str(out), "-q"]) == 0
    before = matches_manifest(out)
    paper = plan / "p" / "paper.yaml"
    paper.write_text(paper.read_text(encoding="utf-8").replace("To note.", "To note, again."), "utf-8")
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("BOARDPACK_SOFFICE", str(fake))
    capsys.readouterr()
    assert main(["build", str(plan), "--out", str(out), "-q", "--convert-timeout", "0.3"]) == 3
    err = capsys.readouterr().err
    assert "p/report" in err or "report.docx" in err  # the document is named
    assert ".building" not in err and "-work" not in err  # where it goes, never the staging folder
    assert matches_manifest(out) == before


def edit(plan, n: int = 0) -> None:
    """Change the plan's paper so the next build renders it again."""
    paper = plan / "p" / "paper.yaml"
    paper.write_text(re.sub(r"To note[^.]*\.", f"To note ({n}).", paper.read_text(encoding="utf-8")), "utf-8")


def leftovers(tmp_path, out) -> list[str]:
    """Return staging, work and swap folders a build left beside or inside *out*."""
    beside = [p.name for p in tmp_path.iterdir() if p.name.startswith(f".{out.name}.") and p.suffix != ".lock"]
    inside = [p.name for p in out.iterdir() if p.name.startswith(".boardpack-") and p.name != ".boardpack-cache"]
    return beside + inside


@contextlib.contextmanager
def mounted(*args: str):
    """Mount (``mount ARGS``) for the test, or skip it saying why mounting is impossible here."""
    target = args[-1]
    result = subprocess.run(["mount", *args], capture_output=True, text=True)
    if result.returncode:
        pytest.skip(f"cannot mount here (needs root or a user namespace): {result.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", target], check=True)


def test_an_output_folder_that_cannot_be_renamed_is_replaced_in_place(tmp_path, monkeypatch):
    plan, out = base_plan(tmp_path), tmp_path / "out"
    assert main(["build", str(plan), "--out", str(out), "-q"]) == 0
    inode = out.stat().st_ino

    def busy(a, b):
        raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), str(b))  # what a mount point answers

    monkeypatch.setattr(output, "exchange", busy)
    edit(plan)
    assert main(["build", str(plan), "--out", str(out), "-q"]) == 0
    assert out.stat().st_ino == inode  # the same folder, its contents replaced
    assert "To note (0)." in " ".join(pdf_text(out / "p" / "report.pdf").split())
    matches_manifest(out)
    assert leftovers(tmp_path, out) == []


def test_a_bind_mounted_output_folder_is_replaced(tmp_path):
    plan, out, disk = base_plan(tmp_path), tmp_path / "out", tmp_path / "volume"
    out.mkdir()
    disk.mkdir()
    with mounted("--bind", str(disk), str(out)):
        assert output.is_mount(out)  # os.path.ismount misses a bind mount on the same file system
        for n in range(2):
            edit(plan, n)
            assert main(["build", str(plan), "--out", str(out), "-q"]) == 0
            assert f"To note ({n})." in " ".join(pdf_text(out / "p" / "report.pdf").split())
            matches_manifest(out)
            assert leftovers(tmp_path, out) == []
    matches_manifest(disk)  # it was written on the mounted volume


def test_a_swap_inside_a_folder_killed_midway_is_finished_by_the_next_build(tmp_path):
    out = tmp_path / "out"
    (out / "p").mkdir(parents=True)
    (out / "p" / "report.pdf").write_text("new")  # moved in before the kill
    moving = out / ".boardpack-moving"
    moving.mkdir()
    (moving / "manifest.json").write_text("new")
    (out / ".boardpack-old" / "p").mkdir(parents=True)
    (out / ".boardpack-old" / "p" / "report.pdf").write_text("old")
    (out / ".boardpack-building-work").mkdir()
    with locked(out):
        assert (out / "manifest.json").read_text() == "new"
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "p"]
    ready = out / ".boardpack-ready"  # killed before anything moved: the new output still goes in whole
    ready.mkdir()
    (ready / "manifest.json").write_text("newer")
    with locked(out):
        assert sorted(p.name for p in out.iterdir()) == ["manifest.json"]
    assert (out / "manifest.json").read_text() == "newer"


def test_out_dot_from_inside_the_previous_output(tmp_path, monkeypatch):
    plan, out = base_plan(tmp_path), tmp_path / "out"
    assert main(["build", str(plan), "--out", str(out), "-q"]) == 0
    monkeypatch.chdir(out)
    edit(plan)
    assert main(["build", str(plan), "--out", ".", "-q"]) == 0
    assert "To note (0)." in " ".join(pdf_text(out / "p" / "report.pdf").split())
    assert Path.cwd() == out and out.exists()
    matches_manifest(out)
    assert leftovers(tmp_path, out) == []


def test_a_read_only_parent_folder_is_exit_3_naming_it(tmp_path, capsys):
    plan, parent = base_plan(tmp_path), tmp_path / "shared"
    out = parent / "out"
    assert main(["build", str(plan), "--out", str(out), "-q"]) == 0
    before = matches_manifest(out)
    with mounted("--bind", "-o", "ro", str(parent), str(parent)):
        capsys.readouterr()
        assert main(["build", str(plan), "--out", str(out), "-q"]) == 0  # up to date: nothing to write
        assert capsys.readouterr().err == ""
    manifest = out / "manifest.json"  # touched: now the build has the output to put right, and must write
    os.utime(manifest, ns=(manifest.stat().st_atime_ns, manifest.stat().st_mtime_ns + 1_000_000))
    before = matches_manifest(out)
    with mounted("--bind", "-o", "ro", str(parent), str(parent)):
        capsys.readouterr()
        assert main(["build", str(plan), "--out", str(out), "-q", "--force"]) == 3
        err = capsys.readouterr().err
        assert err.startswith(f"{parent}: cannot write the output folder's lock and staging folder here")
        assert "Traceback" not in err
        capsys.readouterr()
        assert main(["build", str(plan), "--out", str(out / "new"), "-q"]) == 3  # mkdir fails: no traceback
        assert "Read-only file system" in capsys.readouterr().err
    assert matches_manifest(out) == before


def _enospc(*args, **kwargs):
    path = next(a for a in args if isinstance(a, Path))
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


@pytest.mark.parametrize(
    "where",
    [
        "boardpack.pipeline.builder.render_report",  # writing a .docx
        "boardpack.pipeline.cache.normalize_pdf",  # rewriting a converted PDF
        "boardpack.pack.assemble.Assembler.write",  # writing a pack
        "boardpack.pipeline.builder.write_state",  # writing the cache
        "boardpack.pipeline.builder.write_manifest",  # writing the manifest
    ],
)
def test_a_full_disk_anywhere_is_exit_3_and_keeps_the_previous_output(tmp_path, monkeypatch, capsys, where):
    plan, out = base_plan(tmp_path), tmp_path / "out"
    assert main(["build", str(plan), "--out", str(out), "-q"]) == 0
    before = matches_manifest(out)
    edit(plan)
    monkeypatch.setattr(where, _enospc)
    capsys.readouterr()
    assert main(["build", str(plan), "--out", str(out), "-q"]) == 3
    err = capsys.readouterr().err
    assert f"{out}" in err and "the disk is full; the previous output is kept as it was" in err
    assert ".building" not in err and "-work" not in err  # the output's own path, never the staging folder
    assert matches_manifest(out) == before
    assert leftovers(tmp_path, out) == []


@pytest.mark.e2e
@pytest.mark.parametrize("free", [0, 250_000, 550_000, 850_000, 1_150_000])
def test_a_really_full_disk_is_exit_3_and_keeps_the_previous_output(tmp_path, free):
    plan, disk = base_plan(tmp_path), tmp_path / "disk"
    disk.mkdir()
    out = disk / "out"
    with mounted("-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)):
        assert main(["build", str(plan), "--out", str(out), "-q"]) == 0
        before = matches_manifest(out)
        filler = disk / "filler"
        with filler.open("wb") as handle:
            handle.write(b"\0" * max(0, os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize - free))
        edit(plan)
        run = subprocess.run(
            [sys.executable, "-m", "boardpack", "build", str(plan), "--out", str(out), "-q"],
            capture_output=True,
            text=True,
        )
        assert run.returncode in (0, 3) and "Traceback" not in run.stderr, run.stderr  # never killed by QPDF
        if run.returncode == 0:  # the disk held just enough: the whole new output, then
            assert free > 250_000 and "To note (0)." in " ".join(pdf_text(out / "p" / "report.pdf").split())
            matches_manifest(out)
        else:
            assert "the previous output is kept as it was" in run.stderr
            assert matches_manifest(out) == before
        assert sorted(p.name for p in disk.iterdir()) == [".out.lock", "filler", "out"]


@pytest.mark.e2e
def test_a_killed_build_leaves_no_work_folder_behind(tmp_path):
    """A build killed outright (SIGKILL) leaves its work folder beside the output, never in TMPDIR, and the
    next build clears it away. The build runs in the command's own process (``--converter warm``): with
    the default converter a running fork server would build instead, and killing the command stops that
    build cleanly (``test_forkserver.py``), which removes the folder, sooner or later than
    this test looks (a CI rehearsal failed here: it looked after the removal)."""
    plan, out, temp = base_plan(tmp_path), tmp_path / "out", tmp_path / "tmp"
    temp.mkdir()
    env = dict(os.environ, TMPDIR=str(temp))
    command = [sys.executable, "-m", "boardpack", "build", str(plan), "--out", str(out), "-q", "--converter", "warm"]
    proc = subprocess.Popen(command, start_new_session=True, env=env)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".out.building-*-work")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert list(tmp_path.glob(".out.building-*-work"))  # the work folder is beside the output, not in TMPDIR
    assert not [p.name for p in temp.iterdir() if p.name.startswith("boardpack-work")]
    assert subprocess.run(command, env=env).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.lock", "out", "plan", "tmp"]


def test_restricted_documents_are_readable_by_their_owner_alone(built_example):
    manifest = json.loads((built_example / "manifest.json").read_text(encoding="utf-8"))
    restricted = {d["path"] for d in manifest if d["restricted"]}
    assert {"members-pack.pdf", "governance-improvement-plan/appendix-1.pdf"} <= restricted
    for doc in manifest:
        mode = stat.S_IMODE((built_example / doc["path"]).stat().st_mode)
        if doc["restricted"]:
            assert mode & 0o077 == 0, doc["path"]
        else:
            assert mode & 0o044 == 0o044, doc["path"]  # public: readable by all, as the umask allows
    cache = built_example / ".boardpack-cache"
    assert stat.S_IMODE(cache.stat().st_mode) & 0o077 == 0
    assert all(stat.S_IMODE(entry.stat().st_mode) & 0o077 == 0 for entry in cache.iterdir())


@pytest.mark.e2e
def test_killing_a_build_into_a_mount_point_leaves_an_output_the_next_build_completes(tmp_path):
    plan, out, disk = base_plan(tmp_path), tmp_path / "out", tmp_path / "volume"
    out.mkdir()
    disk.mkdir()
    with mounted("--bind", str(disk), str(out)):
        assert main(["build", str(plan), "--out", str(out), "-q"]) == 0
        for n, delay in enumerate((0.5, 1.5, 2.5, 4.0)):
            edit(plan, n)
            command = [sys.executable, "-m", "boardpack", "build", str(plan), "--out", str(out), "-q"]
            proc = subprocess.Popen(command, start_new_session=True)
            time.sleep(delay)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            with locked(out):  # what the next build does first: clear the staging, or finish the swap
                pass
            matches_manifest(out)  # the old output, or the whole new one
            assert leftovers(tmp_path, out) == []
        assert main(["build", str(plan), "--out", str(out), "-q"]) == 0
        assert f"To note ({n})." in " ".join(pdf_text(out / "p" / "report.pdf").split())
