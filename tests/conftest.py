"""Shared fixtures: the example plan, copies of it to edit, and one real build of it."""

from __future__ import annotations

import shutil
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
