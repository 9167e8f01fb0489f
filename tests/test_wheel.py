"""boardpack as a user installs it: a wheel built from the sources, installed into a new venv, run from
a folder that is not the checkout, with no --templates (issue 15). End to end with the real LibreOffice.

How this stays offline and honest:

- The wheel is built from a copy of what a fresh clone holds (pyproject.toml, README.md, LICENSE, src/),
  so a stray file of this checkout cannot make it work, and nothing is written into the checkout.
  pip builds it with --no-build-isolation when this venv's setuptools can (77 or newer: the licence
  is an SPDX expression); otherwise in pip's isolated build environment, with setuptools from pip's
  index or its cache, as ``./dev``'s own ``pip install -e .`` already needed.
- The new venv has no system site-packages and no pip of its own; this venv's pip installs the wheel
  into it with --no-deps --no-index, so nothing is downloaded.
- Its dependencies (docxtpl, pikepdf …) come from this venv: a .pth file in the new venv names this
  venv's site-packages. A .pth line only adds a folder to sys.path; the .pth files *in* that folder are
  not read, so the editable install's ``__editable__.boardpack-*.pth`` (which puts this checkout's src/
  on sys.path) is not: test_the_installed_boardpack_is_the_wheels proves ``boardpack`` and its templates
  are imported from the new venv, and that src/ is on no path.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

import boardpack
from boardpack.plan.templates import TEMPLATE_NAMES

from .conftest import EXAMPLE, ROOT

pytestmark = pytest.mark.e2e

COUNCIL = ROOT / "plans" / "2018-03-14-audit-governance"
FRESH_CLONE = ("pyproject.toml", "README.md", "LICENSE", "src")


def _offline_build() -> bool:
    """Return whether this venv's setuptools can build the wheel itself (77 or newer)."""
    try:
        major = int(importlib.metadata.version("setuptools").split(".")[0])
    except importlib.metadata.PackageNotFoundError:
        return False
    return major >= 77


def _run(args: list, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{args} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel `pip wheel . --no-deps` makes from a copy of a fresh clone's files."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    for name in FRESH_CLONE:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    isolation = ["--no-build-isolation"] if _offline_build() else []
    _run([sys.executable, "-m", "pip", "wheel", source, "-w", tmp / "dist", "--no-deps", "-q", *isolation])
    (found,) = (tmp / "dist").glob("boardpack-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> dict:
    """A new venv holding the wheel, and the environment and working folder to run its boardpack in."""
    tmp = tmp_path_factory.mktemp("installed")
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel])
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (purelib / "boardpack-test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    work = tmp / "work"
    work.mkdir()
    return {"venv": venv, "python": python, "boardpack": venv / "bin" / "boardpack", "env": env, "cwd": work}


def _boardpack(installed: dict, *args) -> subprocess.CompletedProcess:
    return _run([installed["boardpack"], *args], env=installed["env"], cwd=installed["cwd"])


def _text(pdf: Path) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(pdf).pages)


def test_the_wheel_holds_the_templates_the_licence_and_py_typed(wheel):
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        dist_info = f"boardpack-{boardpack.__version__}.dist-info"
        metadata = whl.read(f"{dist_info}/METADATA").decode()
    shipped = {f"boardpack/templates/{name}" for name in (*TEMPLATE_NAMES, "wording.yaml")}
    shipped |= {f"boardpack/templates/site/{name}" for name in ("base.html", "index.html", "paper.html", "macros.html")}
    shipped |= {"boardpack/templates/site/site.css", "boardpack/py.typed", f"{dist_info}/licenses/LICENSE"}
    shipped |= {f"boardpack/scaffold/files/{name}" for name in ("meeting.yaml", "paper.yaml", "agenda-item.yaml")}
    assert shipped <= names, sorted(shipped - names)
    assert not [n for n in names if n.startswith(("tests/", "plans/", "templates/")) or n.endswith("make_templates.py")]
    assert f"\nVersion: {boardpack.__version__}\n" in metadata
    assert "\nLicense-Expression: MIT\n" in metadata


def test_the_installed_boardpack_is_the_wheels(installed):
    code = "import sys, boardpack.plan.templates as t; print(t.__file__); print(t.TEMPLATES_DIR); print(sys.path)"
    out = _run([installed["python"], "-c", code], env=installed["env"], cwd=installed["cwd"]).stdout.splitlines()
    venv = installed["venv"].resolve()
    assert Path(out[0]).resolve().is_relative_to(venv), out[0]
    assert Path(out[1]).resolve().is_relative_to(venv) and (Path(out[1]) / "report.docx").is_file(), out[1]
    assert str(ROOT / "src") not in out[2]


def test_the_installed_command_says_its_version(installed):
    assert _boardpack(installed, "--version").stdout == f"boardpack {boardpack.__version__}\n"


def test_a_new_meeting_checks_and_builds_with_the_installed_command(installed):
    _boardpack(installed, "new", "meeting", "2026-03-10-audit-panel", "--committee", "Risk and Audit Panel")
    _boardpack(installed, "new", "paper", "2026-03-10-audit-panel/risk-update", "--title", "Risk Update")
    assert "2026-03-10-audit-panel: ok (2 papers)" in _boardpack(installed, "check", "2026-03-10-audit-panel").stdout
    _boardpack(installed, "build", "2026-03-10-audit-panel", "-q")
    out = installed["cwd"] / "output" / "2026-03-10-audit-panel"
    report = _text(out / "risk-update" / "report.pdf")
    assert "RISK AND AUDIT PANEL" in report.upper() and "Risk Update" in report
    assert "10 March 2026" in report
    appendix = _text(out / "first-paper" / "appendix-1.pdf")
    assert "Describe the action" in appendix and "On track" in appendix
    assert "Risk Update" in _text(out / "public-pack.pdf")


def test_both_examples_build_with_the_installed_command_and_no_templates_option(installed):
    for plan in (EXAMPLE, COUNCIL):
        shutil.copytree(plan, installed["cwd"] / plan.name)
        _boardpack(installed, "build", plan.name, "-q")
    panel = installed["cwd"] / "output" / EXAMPLE.name
    assert "MOPAC Governance Improvement Plan" in _text(panel / "governance-improvement-plan" / "report.pdf")
    assert "Actions by theme" in _text(panel / "governance-improvement-plan" / "appendix-1.pdf")
    council = installed["cwd"] / "output" / COUNCIL.name
    public = _text(council / "public-pack.pdf")
    assert "Exempt information" in public  # the council's own wording, beside its plan
    assert "Table 1: Audit Plan 2017/18 delivery tracker" in public  # boardpack's own table.docx and wording
