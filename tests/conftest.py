"""Shared fixtures: the example plan, copies of it to edit, and one real build of it."""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from boardpack.pipeline.builder import build

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "plans" / "2017-12-19-audit-panel"
GOLDEN = Path(__file__).resolve().parent / "golden"
PAPER = "governance-improvement-plan"


def paper_of(papers, slug: str = PAPER):
    """Return the paper (or numbered paper) in *papers* whose folder is *slug*."""
    (found,) = [
        p
        for p in papers
        if getattr(p, "slug", None) == slug or getattr(getattr(p, "paper", None), "slug", None) == slug
    ]
    return found


def service_processes(folder: Path) -> list[int]:
    """The pids of the services started with ``BOARDPACK_RUNTIME_DIR`` in *folder*, and their LibreOffices.

    Detached: not this process's children (its own warm LibreOffices stop when it exits).
    """
    marker = f"BOARDPACK_RUNTIME_DIR={folder}".encode()
    found, parents = [], {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state, parent = (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()[:2]
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        parents[int(entry.name)] = int(parent)
        if any(v == marker or v.startswith(marker + b"/") for v in environ) and state != b"Z":
            found.append(int(entry.name))
    return [pid for pid in found if not _descends(pid, os.getpid(), parents)]


def _descends(pid: int, ancestor: int, parents: dict[int, int]) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        pid = parents.get(pid, 0)
    return False


@pytest.fixture
def runtime(private_runtime_dir, monkeypatch):
    """A runtime folder of this test's (short: a socket's path has at most 107 bytes); its service stopped after."""
    folder = private_runtime_dir / f"t{len(list(private_runtime_dir.iterdir()))}"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("BOARDPACK_RUNTIME_DIR", str(folder))
    yield folder
    folder.chmod(0o700)
    from boardpack.convert import client

    client.stop()
    assert wait_for(lambda: not service_processes(folder), 15), service_processes(folder)


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture(scope="session", autouse=True)
def private_runtime_dir(tmp_path_factory):
    """Every conversion service of the session lives in a folder of its own, never the user's; none outlives it."""
    folder = tmp_path_factory.mktemp("runtime")
    folder.chmod(0o700)
    previous = os.environ.get("BOARDPACK_RUNTIME_DIR")
    os.environ["BOARDPACK_RUNTIME_DIR"] = str(folder)
    yield folder
    from boardpack.convert import client

    client.stop()
    deadline = time.monotonic() + 15
    while service_processes(folder) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = service_processes(folder)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    if previous is None:
        del os.environ["BOARDPACK_RUNTIME_DIR"]
    else:
        os.environ["BOARDPACK_RUNTIME_DIR"] = previous
    assert not left, f"processes left running by the tests: {left}"


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite the golden files from this run")


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


@pytest.fixture
def plan_copy(tmp_path: Path) -> Path:
    """A copy of the example plan that a test may edit."""
    dest = tmp_path / EXAMPLE.name
    shutil.copytree(EXAMPLE, dest)
    return dest


@pytest.fixture(scope="session")
def built_example(tmp_path_factory) -> Path:
    """The example meeting built once, with the real LibreOffice, for the tests that only read it."""
    out = tmp_path_factory.mktemp("built") / EXAMPLE.name
    build(EXAMPLE, out)
    return out
