"""The conversion service: started by the first build, kept warm for the next, private, and never in the way.

Each test has a runtime folder of its own (inside the session's, see conftest.py) and stops what it
started; the end-to-end ones run the real LibreOffice, in the service and in ``boardpack build``
processes.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from boardpack.convert import client, service
from boardpack.convert.converter import Converter, find_soffice
from boardpack.convert.warm import find_uno_python

from .conftest import EXAMPLE, PAPER, wait_for

BOARDPACK = Path(sys.executable).with_name("boardpack")


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return False
    return state != b"Z"


def docx(path: Path, text: str, words: int = 0) -> Path:
    document = Document()
    document.core_properties.title = path.stem
    document.add_paragraph(text + " governance" * words)
    document.save(path)
    return path


def where() -> dict:
    return {"python": find_uno_python(), "soffice": find_soffice(), "workers": 2}


def cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(BOARDPACK), *args], capture_output=True, text=True, timeout=300, **kwargs)


@pytest.mark.e2e
def test_a_build_starts_the_service_and_the_next_build_reuses_its_libreoffices(runtime, tmp_path):
    assert cli("serve", "--status").returncode == 3
    first = cli("build", str(EXAMPLE), "--out", str(tmp_path / "a"), "-q")
    assert first.returncode == 0, first.stderr
    started = client.status()
    assert started is not None and started["converted"] >= 8 and 1 <= started["starts"] <= 2
    second = cli("build", str(EXAMPLE), "--out", str(tmp_path / "b"), "-q")  # a cold cache: converts it all
    assert second.returncode == 0, second.stderr
    again = client.status()
    assert again["pid"] == started["pid"] and alive(started["pid"])
    assert again["converted"] == 2 * started["converted"]
    assert again["starts"] == started["starts"]  # no LibreOffice started for the second build
    assert (tmp_path / "b" / "public-pack.pdf").read_bytes() == (tmp_path / "a" / "public-pack.pdf").read_bytes()


def test_serve_status_and_stop(runtime):
    none = cli("serve", "--status")
    assert none.returncode == 3 and "not running" in none.stdout
    client.ensure().close()
    status = client.status()
    shown = cli("serve", "--status")
    assert shown.returncode == 0
    assert f"pid {status['pid']}" in shown.stdout and str(service.socket_path(runtime)) in shown.stdout
    assert "stops after 900 s idle" in shown.stdout
    stopped = cli("serve", "--stop")
    assert stopped.returncode == 0 and f"pid {status['pid']}" in stopped.stdout
    assert not alive(status["pid"]) and not service.socket_path(runtime).exists()
    again = cli("serve", "--stop")
    assert again.returncode == 0 and "nothing to stop" in again.stdout


def test_an_idle_service_stops_itself(runtime, monkeypatch):
    monkeypatch.setenv("BOARDPACK_SERVICE_IDLE", "0.5")
    client.ensure().close()
    pid = client.status()["pid"]
    assert wait_for(lambda: not alive(pid), 10)
    assert not service.socket_path(runtime).exists()
    assert not list(runtime.glob("scratch-*"))


def test_a_stale_socket_is_removed_and_a_service_started(runtime):
    path = service.socket_path(runtime)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as dead:
        dead.bind(str(path))  # closed without unlinking: a service killed with -9 leaves this
    stale = path.stat().st_ino
    conn = client.ensure()
    conn.close()
    assert path.stat().st_ino != stale
    assert conn.hello["pid"] != os.getpid() and alive(conn.hello["pid"])


def test_a_service_of_another_version_is_stopped_and_replaced(runtime):
    path = service.socket_path(runtime)
    old = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old.bind(str(path))
    old.listen(4)
    asked: list[dict] = []

    def answer_as_another_version() -> None:  # answers every hello as boardpack 0.0.1; records what it is asked
        while True:
            try:
                conn, _ = old.accept()
            except OSError:
                return
            with conn:
                lines = service.Lines(conn)
                while (request := lines.read()) is not None:
                    asked.append(request)
                    service.send(conn, {"hello": "boardpack", "version": "0.0.1", "digest": "x", "pid": 1, "ok": True})

    thread = threading.Thread(target=answer_as_another_version, daemon=True)
    thread.start()
    try:
        conn = client.ensure()
        conn.close()
    finally:
        old.close()
    assert {"op": "stop"} in asked  # the old one was told to stop
    assert conn.hello["version"] != "0.0.1" and conn.hello["pid"] != 1 and alive(conn.hello["pid"])


@pytest.mark.e2e
def test_a_service_killed_mid_way_is_restarted_and_the_documents_retried(runtime, tmp_path, capsys):
    docs = [docx(tmp_path / "slow.docx", "Slow", words=10_000)] + [
        docx(tmp_path / f"d{i}.docx", f"Document {i}") for i in range(3)
    ]
    client.ensure().close()
    first = client.status()["pid"]
    done: list = []
    thread = threading.Thread(target=lambda: done.append(Converter(mode="service").convert(docs)))
    thread.start()
    assert wait_for(lambda: client.status()["active"] > 0, 60)
    os.kill(first, signal.SIGKILL)
    thread.join(300)
    assert done == [[d.with_suffix(".pdf") for d in docs]]
    texts = [PdfReader(doc.with_suffix(".pdf")).pages[0].extract_text() for doc in docs]
    assert [t.split()[:2] for t in texts] == [
        ["Slow", "governance"],
        ["Document", "0"],
        ["Document", "1"],
        ["Document", "2"],
    ]
    now = client.status()
    assert now["pid"] != first and now["converted"] >= 1
    assert "warning" not in capsys.readouterr().err  # restarted, not fallen back


@pytest.mark.e2e
def test_the_service_converts_word_documents_only(runtime, tmp_path):
    fake = tmp_path / "fake.docx"
    fake.write_text("not a zip", encoding="utf-8")
    real = docx(tmp_path / "real.docx", "Real")
    conn = client.ensure()
    try:
        refused = conn.ask(
            {"op": "convert", "docx": str(fake), "pdf": str(tmp_path / "fake.pdf"), **where(), "timeout": 60}
        )
        elsewhere = conn.ask(
            {"op": "convert", "docx": str(real), "pdf": str(tmp_path / "x.txt"), **where(), "timeout": 60}
        )
    finally:
        conn.close()
    assert refused["ok"] is False and refused["refused"] and "converts .docx only" in refused["error"]
    assert elsewhere["ok"] is False and elsewhere["refused"]
    assert not (tmp_path / "fake.pdf").exists() and not (tmp_path / "x.txt").exists()
    assert client.status()["refused"] == 2


def test_the_socket_and_its_folder_are_the_users_alone(runtime):
    client.ensure().close()
    assert stat.S_IMODE(runtime.stat().st_mode) == 0o700
    path = service.socket_path(runtime)
    assert stat.S_ISSOCK(path.stat().st_mode) and stat.S_IMODE(path.stat().st_mode) == 0o600
    for name in (".lock", ".log"):
        assert stat.S_IMODE(path.with_suffix(name).stat().st_mode) == 0o600


@pytest.mark.e2e
def test_a_folder_open_to_others_is_refused_and_the_build_converts_in_process(runtime, tmp_path, capsys):
    runtime.chmod(0o755)
    with pytest.raises(service.Unavailable, match="open to other users"):
        client.ensure()
    (pdf,) = Converter(mode="service").convert([docx(tmp_path / "a.docx", "Converted here")])
    assert "Converted here" in PdfReader(pdf).pages[0].extract_text()
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("boardpack: warning: the conversion service is unavailable") and "open to other" in line
    assert not service.socket_path(runtime).exists()


@pytest.mark.e2e
def test_a_restricted_document_lands_at_its_destination_only(runtime, tmp_path):
    marker = "Zanzibar-restricted-7731"
    doc = docx(tmp_path / "restricted.docx", marker)
    (pdf,) = Converter(mode="service").convert([doc])
    assert marker in PdfReader(pdf).pages[0].extract_text()
    kept = [p for p in runtime.rglob("*") if p.is_file() and p.suffix in (".docx", ".pdf")]
    assert kept == [] and not list(runtime.rglob("boardpack-service-*"))
    client.stop()
    assert [p.name for p in runtime.iterdir() if not p.name.endswith((".lock", ".log"))] == []


@pytest.mark.e2e
def test_a_stopped_build_abandons_its_document_and_the_service_lives_on(runtime, plan_copy, tmp_path):
    paper = plan_copy / PAPER / "paper.yaml"
    text = paper.read_text(encoding="utf-8")
    slow = "The plan is attached at [[gip]]. " + "governance " * 60_000
    paper.write_text(text.replace("The MOPAC governance improvement plan is attached at [[gip]].", slow), "utf-8")
    command = [str(BOARDPACK), "build", str(plan_copy), "--out", str(tmp_path / "out"), "-q"]
    build = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert wait_for(lambda: (client.status() or {}).get("active", 0) > 0, 120), "never converting"
    before = client.status()
    start = time.monotonic()
    build.send_signal(signal.SIGTERM)
    _, stderr = build.communicate(timeout=10)
    assert build.returncode == 143 and "Traceback" not in stderr
    assert wait_for(lambda: client.status()["active"] == 0, 10 - (time.monotonic() - start))
    after = client.status()
    assert after["pid"] == before["pid"] and after["abandoned"] >= 1
    assert not (tmp_path / "out").exists()
    (pdf,) = Converter(mode="service").convert([docx(tmp_path / "next.docx", "Next build")])
    assert "Next build" in PdfReader(pdf).pages[0].extract_text()


def test_the_protocol_is_one_json_object_a_line(runtime):
    conn = client.ensure()
    try:
        assert conn.hello["version"] == service.identity()["version"]
        answer = conn.ask({"op": "nonsense"}, 10)
    finally:
        conn.close()
    assert answer == {"ok": False, "error": "no such request: 'nonsense'"}
    assert json.loads(json.dumps(client.status()))["ok"] is True
