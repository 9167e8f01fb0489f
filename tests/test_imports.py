"""Imports cost nothing a command does not use (issue 14): each `boardpack build` is a new process, and a
build that changes nothing must not spend its time importing the renderers, converters and readers of
documents it never opens. Checked by what a fresh interpreter imports, never by timing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

from .conftest import EXAMPLE

# Libraries no command needs before it has parsed its arguments, each a tenth of a second or more to import.
HEAVY = ("pandas", "numpy", "matplotlib", "docx", "docxtpl", "pikepdf", "pypdf", "jinja2", "icalendar", "rich")
HEAVY += ("fontTools", "openpyxl", "PIL", "unoserver", "watchfiles", "yaml")
# What a build whose documents and packs all come from the cache never uses: it draws no chart, reads no PDF's
# text, converts nothing and shows no progress bar (stderr is no terminal here).
UNUSED_BY_A_NOOP_BUILD = ("pandas", "matplotlib", "pypdf", "fontTools", "rich", "unoserver", "watchfiles", "uno")


def imported_by(code: str) -> set[str]:
    """The top-level packages a fresh interpreter has imported after running *code*."""
    script = f"{code}\nimport sys\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def test_importing_the_cli_imports_no_heavy_library():
    found = imported_by("import boardpack.cli")
    assert "boardpack" in found
    assert sorted(found & set(HEAVY)) == []


def test_importing_boardpack_imports_the_pipeline_only_when_asked():
    assert sorted(imported_by("import boardpack") & set(HEAVY)) == []
    found = imported_by("import boardpack\nassert callable(boardpack.build) and callable(boardpack.check)")
    assert "docxtpl" in found  # asking for build imports the pipeline, renderers and all


def test_help_and_a_usage_error_import_no_heavy_library():
    for args in (["--help"], ["build"]):
        code = f"from boardpack.cli import main\nmain({args!r})"
        assert sorted(imported_by(code) & set(HEAVY)) == [], args


def imported_building(plan, out) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run ``boardpack build`` in a fresh interpreter; return the run and every module it imported.

    With ``--converter soffice`` the build runs in that interpreter, never in the fork server a test
    before may have left running (where the imports are done before the build asks): nothing here is
    converted, so no LibreOffice starts either."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-X", "importtime", "-m", "boardpack", "build", str(plan), "--out", str(out)]
    command += ["--converter", "soffice"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result, set(re.findall(r"^import time:.*\|\s*(\S+)$", result.stderr, re.M))


def test_a_build_from_the_cache_imports_no_renderer_or_reader_it_does_not_use(built_example, tmp_path):
    out = tmp_path / EXAMPLE.name
    shutil.copytree(built_example, out, symlinks=True)
    report = out / "minutes" / "report.docx"
    os.utime(report, ns=(report.stat().st_atime_ns, report.stat().st_mtime_ns + 1))  # touched: build again
    result, modules = imported_building(EXAMPLE, out)
    imported = {m.split(".")[0] for m in modules}
    assert {"boardpack", "yaml", "openpyxl"} <= imported  # the plan and its workbook are read every build
    assert sorted(imported & set(UNUSED_BY_A_NOOP_BUILD)) == []  # a report rendered again would draw its chart
    assert "built " in result.stdout and (out / "manifest.json").is_file()


def test_a_build_with_nothing_changed_reads_no_plan_and_imports_no_stage(built_example, tmp_path):
    out = tmp_path / EXAMPLE.name
    shutil.copytree(built_example, out, symlinks=True)  # sizes and modification times kept
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    result, modules = imported_building(EXAMPLE, out)
    imported = {m.split(".")[0] for m in modules}
    assert sorted(imported & set(HEAVY)) == []  # not even YAML: nothing is read but the files' bytes
    assert not {m for m in modules if m.startswith(("boardpack.pipeline.builder", "boardpack.render"))}
    assert "nothing changed since the last build: 16 documents up to date in" in result.stdout
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
