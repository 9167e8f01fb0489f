"""The converter: how soffice is found and called, with a fake soffice standing in for speed."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from boardpack.convert import PDF_FILTER, convert_to_pdf, find_soffice
from boardpack.errors import ConvertError


def fake_soffice(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "fake-soffice"
    script.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_filter_asks_for_a_tagged_pdf():
    options = json.loads(PDF_FILTER.split(":", 2)[2])
    assert options["UseTaggedPDF"] == {"type": "boolean", "value": "true"}


def test_boardpack_soffice_wins_over_path(tmp_path, monkeypatch):
    script = fake_soffice(tmp_path, "exit 0\n")
    monkeypatch.setenv("BOARDPACK_SOFFICE", str(script))
    assert find_soffice() == str(script)


def test_each_call_gets_its_own_profile_and_the_tagged_filter(tmp_path, monkeypatch):
    log = tmp_path / "args"
    # Write a PDF for every .docx named, as soffice would, and record the arguments.
    body = (
        f'printf "%s\\n" "$@" > {log}\n'
        'for a in "$@"; do case "$a" in *.docx) printf "%%PDF-1.4" > "${a%.docx}.pdf";; esac; done\n'
    )
    monkeypatch.setenv("BOARDPACK_SOFFICE", str(fake_soffice(tmp_path, body)))
    docs = [tmp_path / "a.docx", tmp_path / "b.docx"]
    for d in docs:
        d.write_bytes(b"x")
    assert convert_to_pdf(docs) == [tmp_path / "a.pdf", tmp_path / "b.pdf"]
    args = log.read_text().splitlines()
    assert args[0].startswith("-env:UserInstallation=file:///")
    assert "--headless" in args and PDF_FILTER in args
    assert args[-2:] == [str(d) for d in docs]


def test_a_pdf_not_written_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("BOARDPACK_SOFFICE", str(fake_soffice(tmp_path, "exit 0\n")))
    doc = tmp_path / "a.docx"
    doc.write_bytes(b"x")
    with pytest.raises(ConvertError, match="LibreOffice did not write a.pdf"):
        convert_to_pdf([doc])


def test_a_failing_soffice_keeps_exit_code_and_stderr(tmp_path, monkeypatch):
    monkeypatch.setenv(
        "BOARDPACK_SOFFICE", str(fake_soffice(tmp_path, "echo 'source file could not be loaded' >&2\nexit 5\n"))
    )
    doc = tmp_path / "a.docx"
    doc.write_bytes(b"x")
    with pytest.raises(ConvertError) as info:
        convert_to_pdf([doc])
    assert "exit 5" in str(info.value) and "source file could not be loaded" in str(info.value)
    assert info.value.exit_code == 3


def test_a_hung_soffice_is_killed_after_the_timeout(tmp_path, monkeypatch):
    pidfile = tmp_path / "pid"
    monkeypatch.setenv("BOARDPACK_SOFFICE", str(fake_soffice(tmp_path, f"sleep 60 &\necho $! > {pidfile}\nwait\n")))
    doc = tmp_path / "a.docx"
    doc.write_bytes(b"x")
    with pytest.raises(ConvertError, match="timed out after 0.5 s converting a.docx"):
        convert_to_pdf([doc], timeout=0.5)
    child = Path(f"/proc/{int(pidfile.read_text())}/stat")
    # The grandchild was killed with its group: gone, or a zombie waiting for init to reap it.
    assert not child.exists() or child.read_text().split(") ")[1][0] == "Z"
