"""The command line: exit codes, messages on stderr, and check writing nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from boardpack.cli import main
from boardpack.plan.templates import TEMPLATE_NAMES, TEMPLATES_DIR

from .conftest import EXAMPLE, PAPER


def test_check_passes_on_the_example_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["check", str(EXAMPLE)]) == 0
    assert "ok (5 papers)" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []


def test_check_reports_a_misspelt_key_as_file_line_col(plan_copy, capsys):
    paper = plan_copy / PAPER / "paper.yaml"
    paper.write_text(paper.read_text(encoding="utf-8").replace("report_by:", "reportby:"), encoding="utf-8")
    assert main(["check", str(plan_copy)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"{paper}:8:1: paper: unknown key 'reportby' (did you mean 'report_by'?)"
    assert err[-1] == "boardpack: 1 problem; nothing was written"
    assert "Traceback" not in "\n".join(err)


def test_usage_errors_exit_2(capsys):
    assert main([]) == 2
    assert main(["build"]) == 2
    assert main(["frobnicate", "x"]) == 2
    assert "usage:" in capsys.readouterr().err


def test_missing_plan_folder_is_an_input_error(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope")]) == 1
    assert capsys.readouterr().err.startswith(f"{tmp_path / 'nope'}: is not a folder")


def test_missing_libreoffice_exits_3_with_a_hint(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BOARDPACK_SOFFICE", str(tmp_path / "no-soffice"))
    out = tmp_path / "out"
    assert main(["build", str(EXAMPLE), "--out", str(out)]) == 3
    err = capsys.readouterr().err
    assert "install LibreOffice: sudo apt-get install" in err
    assert not out.exists()


def test_python_dash_m_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "boardpack", "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith("boardpack ")


def test_check_prints_workbook_warnings(plan_copy, capsys):
    from openpyxl import load_workbook

    path = plan_copy / PAPER / "appendix.xlsx"
    book = load_workbook(path)
    book["Actions"].cell(row=1, column=12, value="Notes")
    book.save(path)
    assert main(["check", str(plan_copy)]) == 0
    assert capsys.readouterr().err == f"{path}:Actions!L1: warning: column 'Notes' ignored\n"


def test_quiet_build_prints_nothing(tmp_path, capsys):
    assert main(["build", str(EXAMPLE), "--out", str(tmp_path / "out"), "-q"]) == 0
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "")
    assert (tmp_path / "out" / "public-pack.pdf").is_file()


def test_convert_timeout_reaches_the_converter(tmp_path, monkeypatch, capsys):
    import stat

    hang = tmp_path / "soffice"
    hang.write_text("#!/bin/sh\nsleep 30\n", encoding="utf-8")
    hang.chmod(hang.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("BOARDPACK_SOFFICE", str(hang))
    out = tmp_path / "out"
    assert main(["build", str(EXAMPLE), "--out", str(out), "--convert-timeout", "0.2", "-q"]) == 3
    assert "timed out after 0.2 s converting" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("command", ["build", "watch"])
def test_an_unfit_template_folder_is_a_usage_error_before_any_build_work(tmp_path, capsys, command):
    lacking = tmp_path / "lacking"
    shutil.copytree(TEMPLATES_DIR, lacking, ignore=shutil.ignore_patterns("withheld.docx", "table.docx"))
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    out = tmp_path / "out"
    needs = ", ".join(TEMPLATE_NAMES)
    for folder, problem in [
        (tmp_path / "nowhere", "no such folder"),
        (tmp_path / "a-file", "not a folder"),
        (lacking, f"has no table.docx, withheld.docx (a template folder needs {needs})"),
    ]:
        assert main([command, str(EXAMPLE), "--out", str(out), "--templates", str(folder)]) == 2
        assert capsys.readouterr().err == f"boardpack: --templates: {folder}: {problem}\n"
    assert not out.exists()


def test_the_template_names_are_the_shipped_templates():
    assert sorted(TEMPLATE_NAMES) == sorted(p.name for p in TEMPLATES_DIR.glob("*.docx"))


def test_a_bug_is_one_line_and_exit_3_unless_debugging(monkeypatch, capsys):
    def bug(*args, **kwargs):
        raise RuntimeError("no such\nthing")

    monkeypatch.setattr("boardpack.cli.check", bug)
    monkeypatch.delenv("BOARDPACK_DEBUG", raising=False)
    assert main(["check", str(EXAMPLE)]) == 3
    assert capsys.readouterr().err == "boardpack: internal error: RuntimeError: no such thing (please report this)\n"
    monkeypatch.setenv("BOARDPACK_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main(["check", str(EXAMPLE)])


def _linking_template(folder: Path) -> Path:
    """Copy boardpack's report.docx into *folder* with a picture linked at a web address, as Word can."""
    import zipfile

    folder.mkdir(parents=True, exist_ok=True)
    rel = (
        b'<Relationship Id="rIdLinked" TargetMode="External" Target="http://127.0.0.1:9/logo.png" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"/></Relationships>'
    )
    with zipfile.ZipFile(TEMPLATES_DIR / "report.docx") as src, zipfile.ZipFile(folder / "report.docx", "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>", rel)
            dst.writestr(item, data)
    return folder / "report.docx"


def test_a_template_that_links_outside_itself_is_refused_by_check(plan_copy, tmp_path, capsys):
    """A rendered paper is not sanitised: a committee's template linking a web picture would make each fetch it."""
    template = _linking_template(plan_copy / "templates")
    assert main(["check", str(plan_copy)]) == 1
    err = capsys.readouterr().err
    assert f"{template}: the template links outside itself (http://127.0.0.1:9/logo.png)" in err
    shutil.rmtree(plan_copy / "templates")
    folder = tmp_path / "their-templates"
    shutil.copytree(TEMPLATES_DIR, folder, ignore=shutil.ignore_patterns("*.py"))
    _linking_template(folder)
    assert main(["check", str(plan_copy), "--templates", str(folder)]) == 2
    assert "--templates: " in capsys.readouterr().err
    assert main(["check", str(plan_copy), "--templates", str(TEMPLATES_DIR)]) == 0


@pytest.mark.e2e
def test_a_reader_that_stops_early_does_not_turn_a_finished_build_into_a_failure(tmp_path):
    """`boardpack build … | head -1`: the list of what was written loses its reader; the build is done."""
    command = [str(Path(sys.executable).with_name("boardpack")), "build", str(EXAMPLE), "--out", str(tmp_path / "o")]
    build = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = build.stdout.readline()
    build.stdout.close()
    stderr = build.communicate(timeout=300)[1].decode()
    assert first.startswith(b"wrote ")
    assert build.returncode == 0 and "problem" not in stderr and "Broken pipe" not in stderr, stderr
    assert (tmp_path / "o" / "public-pack.pdf").is_file() and (tmp_path / "o" / "manifest.json").is_file()
