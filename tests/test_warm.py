"""The warm converter: LibreOffice kept running over UNO, restarted after a hang or a crash.

The fault tests stand a fake worker in for unoworker.py (a Python that "imports uno" and speaks
the same protocol), so that a hang or a crash can be had on demand; the others drive the real
LibreOffice through Debian's python3-uno, as `./dev` installs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from boardpack.convert import warm
from boardpack.convert.converter import Converter, find_soffice
from boardpack.errors import ConvertError

FAKE_WORKER = """
import json, os, sys, time
from pathlib import Path
state = Path({state!r})
runs = int(state.read_text() or 0) if state.exists() else 0  # another fake may be writing it
state.write_text(str(runs + 1))
Path({pids!r}).open("a").write(f"{{os.getpid()}}\\n")
behaviour = {behaviour!r}
if behaviour == "never-starts":
    time.sleep(60)
print(json.dumps({{"ready": True}}), flush=True)
for line in sys.stdin:
    request = json.loads(line)
    if runs == 0 and behaviour == "hangs-first":
        time.sleep(60)
    if runs == 0 and behaviour == "crashes-first":
        os.kill(os.getpid(), 11)
    Path(request["out"]).write_bytes(b"%PDF-1.4 " + Path(request["in"]).read_bytes())
    print(json.dumps({{"ok": True}}), flush=True)
"""


def fake_uno_python(tmp_path: Path, behaviour: str) -> Path:
    """A 'Python with uno' whose worker is FAKE_WORKER behaving as asked."""
    worker = tmp_path / "fake_worker.py"
    worker.write_text(
        FAKE_WORKER.format(state=str(tmp_path / "runs"), pids=str(tmp_path / "pids"), behaviour=behaviour),
        encoding="utf-8",
    )
    python = tmp_path / "python-with-uno"
    python.write_text(
        textwrap.dedent(f"""\
            #!/bin/sh
            [ "$1" = "-c" ] && exit 0
            exec {sys.executable} {worker}
        """),
        encoding="utf-8",
    )
    python.chmod(0o755)
    return python


def docs(tmp_path: Path, n: int) -> list[Path]:
    found = []
    for i in range(n):
        (tmp_path / f"p{i}").mkdir()
        doc = tmp_path / f"p{i}" / "report.docx"
        doc.write_bytes(f"document {i}".encode())
        found.append(doc)
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def fresh_pools():
    yield
    warm.close_all()


def test_a_hung_worker_is_killed_and_the_document_converted_by_a_fresh_one(tmp_path, fresh_pools):
    python = fake_uno_python(tmp_path, "hangs-first")
    pool = warm.WarmPool(str(python), "soffice", 1)
    (doc,) = docs(tmp_path, 1)
    start = time.monotonic()
    assert pool.convert([doc], timeout=0.5) == [doc.with_suffix(".pdf")]
    assert time.monotonic() - start < 10
    assert doc.with_suffix(".pdf").read_bytes() == b"%PDF-1.4 document 0"
    first, second = (int(p) for p in (tmp_path / "pids").read_text().split())
    assert not alive(first) and alive(second)
    pool.close()


def test_a_crashed_worker_is_restarted_once(tmp_path, fresh_pools):
    python = fake_uno_python(tmp_path, "crashes-first")
    pool = warm.WarmPool(str(python), "soffice", 2)
    found = docs(tmp_path, 3)
    assert pool.convert(found, timeout=10) == [d.with_suffix(".pdf") for d in found]
    assert all(d.with_suffix(".pdf").read_bytes().startswith(b"%PDF-1.4 document") for d in found)
    pool.close()


def test_a_libreoffice_that_never_starts_names_every_document_without_waiting_for_each(tmp_path, fresh_pools):
    python = fake_uno_python(tmp_path, "never-starts")
    pool = warm.WarmPool(str(python), "soffice", 2)
    found = docs(tmp_path, 6)
    start = time.monotonic()
    with pytest.raises(ConvertError) as caught:
        pool.convert(found, timeout=0.3)
    assert time.monotonic() - start < 5  # two workers, each tried twice, not six documents twice
    named = sorted(p.where for p in caught.value.problems)
    assert named == sorted(str(d) for d in found)
    assert all("timed out after 0.3 s" in p.message for p in caught.value.problems), caught.value.problems
    assert not any(d.with_suffix(".pdf").exists() for d in found)


def test_a_libreoffice_that_never_starts_names_no_other_document(tmp_path, fresh_pools):
    """Each document's problem names it alone: the one LibreOffice was started for, or none."""
    python = fake_uno_python(tmp_path, "never-starts")
    pool = warm.WarmPool(str(python), "soffice", 1)
    found = []
    for i, name in enumerate(("minutes", "appendix-1", "report")):
        doc = tmp_path / f"{name}.docx"
        doc.write_bytes(b"x" * (100 - i))  # the largest first: minutes.docx is the one tried
        found.append(doc)
    with pytest.raises(ConvertError) as caught:
        pool.convert(found, timeout=0.3)
    said = {Path(p.where).name: p.message for p in caught.value.problems}
    assert said == {
        "minutes.docx": "soffice: timed out after 0.3 s converting minutes.docx (LibreOffice did not start)",
        "appendix-1.docx": "soffice: not converted: LibreOffice did not start (timed out after 0.3 s)",
        "report.docx": "soffice: not converted: LibreOffice did not start (timed out after 0.3 s)",
    }


def test_uno_python_is_found_and_can_be_overridden(tmp_path, monkeypatch):
    assert warm.find_uno_python() is not None, "python3-uno is part of the set-up (./dev installs it)"
    monkeypatch.setenv("BOARDPACK_UNO_PYTHON", str(tmp_path / "no-python"))
    assert warm.find_uno_python() is None
    with pytest.raises(ConvertError, match="warm mode needs python3-uno"):
        Converter(mode="warm").convert(docs(tmp_path, 1))


@pytest.mark.e2e
def test_real_libreoffice_stays_warm_between_conversions(tmp_path, fresh_pools):
    from docx import Document

    python = warm.find_uno_python()
    assert python is not None
    pool = warm.pool(python, find_soffice(), 1)
    paths = []
    for name in ("one", "two"):
        document = Document()
        document.core_properties.title = f"Paper {name}"
        document.add_paragraph(f"The {name} paper & its <text>.")
        path = tmp_path / f"{name}.docx"
        document.save(path)
        paths.append(path)
    pool.convert(paths[:1], timeout=120)
    (worker,) = pool.workers
    pid = worker.proc.pid
    start = time.monotonic()
    pool.convert(paths[1:], timeout=120)
    warm_seconds = time.monotonic() - start
    assert worker.proc.pid == pid  # the same LibreOffice converted both
    assert warm_seconds < 5
    for path, name in zip(paths, ("one", "two"), strict=True):
        reader = PdfReader(path.with_suffix(".pdf"))
        assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged
        assert reader.metadata.title == f"Paper {name}"
        assert f"The {name} paper & its <text>." in reader.pages[0].extract_text()
    assert not list(Path(worker.scratch).glob("*.pdf"))  # written in scratch, moved out


@pytest.mark.e2e
def test_libreoffice_stops_when_boardpack_exits(tmp_path):
    script = textwrap.dedent(f"""\
        from pathlib import Path
        from docx import Document
        from boardpack.convert import warm
        from boardpack.convert.converter import find_soffice
        doc = Document(); doc.add_paragraph("x"); doc.save({str(tmp_path / "a.docx")!r})
        pool = warm.pool(warm.find_uno_python(), find_soffice(), 1)
        pool.convert([Path({str(tmp_path / "a.docx")!r})], 120)
        print(pool.workers[0].proc.pid, pool.workers[0].scratch, flush=True)
    """)
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    pid, scratch = result.stdout.split()
    deadline = time.monotonic() + 20
    while (alive(int(pid)) or Path(scratch).exists()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(int(pid)), "the worker (and its soffice) outlived boardpack"
    assert not Path(scratch).exists()
    assert (tmp_path / "a.pdf").is_file() and time.monotonic() - start < 60


@pytest.mark.e2e
def test_boardpack_serve_converts_for_other_processes_the_same_bytes(tmp_path):
    from .conftest import EXAMPLE

    server = subprocess.Popen(
        [sys.executable, "-m", "boardpack", "serve", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        url = server.stdout.readline().split("--converter ")[1].split(";")[0]
        assert url.startswith("unoserver://127.0.0.1:")
        served, local = tmp_path / "served", tmp_path / "local"
        run = [sys.executable, "-m", "boardpack", "build", str(EXAMPLE), "-q", "--out"]
        subprocess.run([*run, str(served), "--converter", url], check=True, timeout=300)
        subprocess.run([*run, str(local)], check=True, timeout=300)
        for pdf in ("minutes/report.pdf", "governance-improvement-plan/appendix-1.pdf", "members-pack.pdf"):
            assert (served / pdf).read_bytes() == (local / pdf).read_bytes(), pdf
        workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
        assert len(workers) == 2  # two LibreOffices, kept between builds
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stdout.close()
    deadline = time.monotonic() + 20
    while any(alive(int(pid)) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(int(pid)) for pid in workers)


def test_serve_on_a_port_in_use_says_so(capsys):
    import socket

    from boardpack.cli import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 3
    assert f"serve: cannot listen on 127.0.0.1:{port}: Address already in use" in capsys.readouterr().err


@pytest.mark.e2e
def test_a_table_of_contents_is_brought_up_to_date(tmp_path, fresh_pools):
    from docx import Document
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = Document()
    toc = document.add_paragraph()
    for xml in (
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"/></w:r>',
        f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve">TOC \\o "1-3" \\h \\z \\u</w:instrText></w:r>',
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>',
        f"<w:r {nsdecls('w')}><w:t>Contents as Word last saved them</w:t></w:r>",
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>',
    ):
        toc._p.append(parse_xml(xml))
    for title in ("Alpha section", "Beta section"):
        document.add_heading(title, level=1)
        document.add_paragraph("Text.")
    path = tmp_path / "toc.docx"
    document.save(path)
    warm.pool(warm.find_uno_python(), find_soffice(), 1).convert([path], timeout=120)
    text = " ".join(PdfReader(path.with_suffix(".pdf")).pages[0].extract_text().split())
    assert "Contents as Word last saved them" not in text
    assert text.count("Alpha section") == 2 and text.count("Beta section") == 2  # listed, and the heading


def test_a_build_whose_libreoffice_never_starts_names_each_document_where_the_user_finds_it(
    tmp_path, monkeypatch, capsys, fresh_pools
):
    """Papers by their output path; the withheld pages, made in a work folder, by what they are."""
    from boardpack.cli import main

    from .conftest import EXAMPLE

    hang = tmp_path / "soffice"
    hang.write_text("#!/bin/sh\nsleep 30\n", encoding="utf-8")
    hang.chmod(0o755)
    monkeypatch.setenv("BOARDPACK_SOFFICE", str(hang))
    out = tmp_path / "out"
    assert main(["build", str(EXAMPLE), "--out", str(out), "--converter", "warm", "--convert-timeout", "0.3"]) == 3
    lines = capsys.readouterr().err.splitlines()[:-1]
    assert len(lines) == 8
    withheld = {line.split(":")[0] for line in lines if not line.startswith(str(out))}
    assert withheld == {"withheld page for item 5", "withheld page for item 7"}
    assert (
        f"{out}/minutes/report.docx: soffice: not converted: LibreOffice did not start (timed out after 0.3 s)" in lines
    )
