"""The converter: how soffice is found and called, with a fake soffice standing in for speed."""

from __future__ import annotations

import ast
import json
import stat
from pathlib import Path

import pytest

from boardpack.convert import converter as converter_module
from boardpack.convert.converter import PDF_FILTER, REMOTE_OPTIONS, convert_to_pdf, find_soffice
from boardpack.errors import ConvertError


def fake_soffice(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "fake-soffice"
    script.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_filter_asks_for_a_tagged_pdf():
    options = json.loads(PDF_FILTER.split(":", 2)[2])
    assert options["UseTaggedPDF"] == {"type": "boolean", "value": "true"}
    # PDF/UA mode: LibreOffice 7.4 then writes XMP with pdfuaid:part 1 and a RoleMap without self-maps
    assert options["PDFUACompliance"] == {"type": "boolean", "value": "true"}


def test_every_converter_asks_for_pdf_ua():
    """The soffice batch, the unoserver client and the warm worker export with the same options."""
    assert {"UseTaggedPDF=true", "PDFUACompliance=true"} <= set(REMOTE_OPTIONS)
    worker = Path(converter_module.__file__).with_name("unoworker.py").read_text(encoding="utf-8")
    (line,) = [x for x in worker.splitlines() if x.startswith("FILTER_DATA = ")]
    data = ast.literal_eval(line.split("=", 1)[1].strip())
    assert data["UseTaggedPDF"] is True and data["PDFUACompliance"] is True


def test_boardpack_soffice_wins_over_path(tmp_path, monkeypatch):
    script = fake_soffice(tmp_path, "exit 0\n")
    monkeypatch.setenv("BOARDPACK_SOFFICE", str(script))
    assert find_soffice() == str(script)


def recording_soffice(tmp_path, log):
    """A fake soffice that writes a PDF for every .docx named, as soffice would, and logs its arguments."""
    body = (
        f'printf "%s\\n" "$@" > {log}.$$\n'
        'for a in "$@"; do case "$a" in *.docx) printf "%%PDF-1.4" > "${a%.docx}.pdf";; esac; done\n'
    )
    return fake_soffice(tmp_path, body)


def calls(log):
    """Return the arguments of each run of the fake soffice (one log file per process)."""
    return [path.read_text().splitlines() for path in sorted(log.parent.glob(f"{log.name}.*"))]


def test_two_workers_each_with_its_own_profile_and_the_tagged_filter(tmp_path, monkeypatch):
    log = tmp_path / "args"
    monkeypatch.setenv("BOARDPACK_SOFFICE", str(recording_soffice(tmp_path, log)))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    docs = [tmp_path / "a" / "report.docx", tmp_path / "b" / "report.docx"]  # same name, two folders
    for d in docs:
        d.write_bytes(b"x")
    assert convert_to_pdf(docs) == [d.with_suffix(".pdf") for d in docs]
    assert all(d.with_suffix(".pdf").read_bytes() == b"%PDF-1.4" for d in docs)
    runs = calls(log)
    assert len(runs) == 2
    profiles = {args[0] for args in runs}
    assert len(profiles) == 2 and all(p.startswith("-env:UserInstallation=file:///") for p in profiles)
    assert all("--headless" in args and PDF_FILTER in args for args in runs)


def test_one_worker_converts_a_batch_in_one_run(tmp_path, monkeypatch):
    log = tmp_path / "args"
    monkeypatch.setenv("BOARDPACK_SOFFICE", str(recording_soffice(tmp_path, log)))
    docs = [tmp_path / f"{n}.docx" for n in "abc"]
    for d in docs:
        d.write_bytes(b"x")
    convert_to_pdf(docs, workers=1)
    (args,) = calls(log)
    assert [a.rsplit("/", 1)[-1] for a in args[-3:]] == ["0000-a.docx", "0001-b.docx", "0002-c.docx"]


def test_a_pdf_not_written_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("BOARDPACK_SOFFICE", str(fake_soffice(tmp_path, "exit 0\n")))
    doc = tmp_path / "a.docx"
    doc.write_bytes(b"x")
    with pytest.raises(ConvertError, match=r"a\.docx: soffice: LibreOffice wrote no PDF, twice"):
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


def test_remote_unoserver_gets_the_document_and_the_tagged_pdf_options(tmp_path):
    """A stand-in unoserver (its XML-RPC API) on loopback: what boardpack sends it, and what it writes back."""
    import threading
    import xmlrpc.client
    from xmlrpc.server import SimpleXMLRPCServer

    from unoserver.client import API_VERSION

    from boardpack.convert.converter import Converter

    received = []
    server = SimpleXMLRPCServer(("127.0.0.1", 0), allow_none=True, logRequests=False)
    filters = {"api": API_VERSION, "unoserver": "test", "import_filters": [], "export_filters": ["writer_pdf_Export"]}
    server.register_function(lambda: filters, "info")

    def convert(inpath, indata, outpath, convert_to, filtername, options, update_index, infilter, password):
        received.append((inpath, indata.data, outpath, convert_to, filtername, options))
        return xmlrpc.client.Binary(b"%PDF-1.7 converted")

    server.register_function(convert, "convert")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        doc = tmp_path / "report.docx"
        doc.write_bytes(b"docx bytes")
        port = server.server_address[1]
        assert Converter(remote=f"unoserver://127.0.0.1:{port}").convert([doc]) == [doc.with_suffix(".pdf")]
    finally:
        server.shutdown()
        server.server_close()
    assert doc.with_suffix(".pdf").read_bytes() == b"%PDF-1.7 converted"
    ((inpath, data, outpath, convert_to, filtername, options),) = received
    assert (inpath, data, outpath, convert_to, filtername) == (None, b"docx bytes", None, "pdf", "writer_pdf_Export")
    assert "UseTaggedPDF=true" in options
    assert "PDFUACompliance=true" in options


@pytest.mark.parametrize("url", ["http://host:2003", "unoserver://host", "unoserver://:2003"])
def test_a_bad_converter_url_is_a_usage_error(url, capsys):
    from boardpack.cli import main

    assert main(["build", "plans/x", "--converter", url]) == 2
    assert f"--converter: '{url}' is not unoserver://HOST:PORT" in capsys.readouterr().err


def test_a_crashed_soffice_is_restarted_once_per_document(tmp_path, monkeypatch):
    """The first run dies part-way (as after a crash); the restarts convert what it left undone."""
    marker = tmp_path / "crashed-once"
    body = (
        f"if [ ! -e {marker} ]; then touch {marker}; exit 134; fi\n"
        'for a in "$@"; do case "$a" in *.docx) printf "%%PDF-1.4" > "${a%.docx}.pdf";; esac; done\n'
    )
    monkeypatch.setenv("BOARDPACK_SOFFICE", str(fake_soffice(tmp_path, body)))
    docs = [tmp_path / f"{n}.docx" for n in "ab"]
    for d in docs:
        d.write_bytes(b"x")
    assert convert_to_pdf(docs, workers=1) == [d.with_suffix(".pdf") for d in docs]
    assert all(d.with_suffix(".pdf").read_bytes() == b"%PDF-1.4" for d in docs)


def test_a_hung_unoserver_fails_the_conversion_and_lets_boardpack_exit(tmp_path):
    """The request that hangs runs in a daemon thread: after the timeout, the process can end."""
    import subprocess
    import sys
    import textwrap
    import time

    script = textwrap.dedent(f"""\
        import threading, time
        from pathlib import Path
        from xmlrpc.server import SimpleXMLRPCServer
        from unoserver.client import API_VERSION
        from boardpack.convert.converter import Converter
        from boardpack.errors import ConvertError
        server = SimpleXMLRPCServer(("127.0.0.1", 0), allow_none=True, logRequests=False)
        info = {{"api": API_VERSION, "unoserver": "t", "import_filters": [], "export_filters": ["writer_pdf_Export"]}}
        server.register_function(lambda: info, "info")
        server.register_function(lambda *args: time.sleep(30), "convert")
        threading.Thread(target=server.serve_forever, daemon=True).start()
        doc = Path({str(tmp_path / "report.docx")!r})
        doc.write_bytes(b"docx")
        try:
            Converter(remote=f"unoserver://127.0.0.1:{{server.server_address[1]}}", timeout=0.5).convert([doc])
        except ConvertError as exc:
            print(exc.problems[0].message)
    """)
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=25)
    assert result.stdout.startswith("timed out after 0.5 s converting"), result.stdout + result.stderr
    assert time.monotonic() - start < 10  # not the 30 s the server sleeps


@pytest.mark.parametrize("seconds", ["-5", "0", "nan", "inf", "-inf", "soon"])
def test_a_convert_timeout_that_is_not_a_positive_number_is_a_usage_error(seconds, capsys):
    from boardpack.cli import main

    assert main(["build", "plans/x", f"--convert-timeout={seconds}"]) == 2
    assert f"argument --convert-timeout: '{seconds}' is not a number of seconds above 0" in capsys.readouterr().err


def test_a_bad_convert_timeout_from_the_environment_is_a_usage_error(monkeypatch, capsys):
    from boardpack.cli import main

    monkeypatch.setenv("BOARDPACK_CONVERT_TIMEOUT", "-1")
    assert main(["build", "plans/x"]) == 2
    assert "argument --convert-timeout: '-1' is not a number of seconds above 0" in capsys.readouterr().err


def test_a_unoserver_that_fails_names_the_document_where_the_build_shows_it(tmp_path):
    """The document is the problem's place (the build maps staging paths to output paths there), not its text."""
    import threading
    import xmlrpc.client
    from xmlrpc.server import SimpleXMLRPCServer

    from unoserver.client import API_VERSION

    from boardpack.convert.converter import Converter

    server = SimpleXMLRPCServer(("127.0.0.1", 0), allow_none=True, logRequests=False)
    filters = {"api": API_VERSION, "unoserver": "test", "import_filters": [], "export_filters": ["writer_pdf_Export"]}
    server.register_function(lambda: filters, "info")

    def convert(*args):
        raise xmlrpc.client.Fault(1, "soffice is not running")

    server.register_function(convert, "convert")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"unoserver://127.0.0.1:{server.server_address[1]}"
    doc = tmp_path / "report.docx"
    doc.write_bytes(b"docx bytes")
    try:
        with pytest.raises(ConvertError) as caught:
            Converter(remote=url).convert([doc])
    finally:
        server.shutdown()
        server.server_close()
    (problem,) = caught.value.problems
    assert problem.where == str(doc)
    assert problem.message.startswith(f"{url} cannot convert report.docx: <Fault 1: ")
    assert str(tmp_path) not in problem.message
