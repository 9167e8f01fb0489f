"""The remote converter's pool of endpoints: shared work, dropped endpoints, retries, bad lists.

The scheduling is tested first with fake endpoints (fast); then builds run on two real unoserver
processes on loopback, each with its own LibreOffice, started for this module and killed, with
their LibreOffices, at its end.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from boardpack import cli
from boardpack.cli import main
from boardpack.convert.converter import REMOTE_OPTIONS, parse_remote
from boardpack.convert.endpoints import EndpointDown, Pool, Refused, XmlRpcEndpoint
from boardpack.errors import ConvertError

from .conftest import EXAMPLE
from .unoservers import free_port, start_servers, stop_servers


class Fake:
    """An endpoint that converts by prefixing, after *delay*; *down_after* conversions, it is down."""

    def __init__(
        self, url, delay=0.01, slots=1, down_after=None, probe_down=False, refuses=(), probe_after_refusal=True
    ):
        self.url, self.delay, self._slots = url, delay, slots
        self.down_after, self.probe_down, self.refuses = down_after, probe_down, set(refuses)
        self.probe_after_refusal = probe_after_refusal
        self.converted: list[bytes] = []
        self.attempted: list[bytes] = []
        self.probes = 0
        self.running = self.most = 0
        self._lock = threading.Lock()

    def slots(self, timeout):
        self.probes += 1
        if self.probe_down or (self.probes > 1 and not self.probe_after_refusal):
            raise EndpointDown("connection refused")
        return self._slots

    def convert(self, docx, timeout):
        with self._lock:
            self.attempted.append(docx)
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(self.delay)
            if self.down_after is not None and len(self.converted) >= self.down_after:
                raise EndpointDown("connection reset")
            if docx in self.refuses:
                raise Refused("<Fault 1: 'cannot load'>")
            self.converted.append(docx)
            return b"PDF " + docx
        finally:
            with self._lock:
                self.running -= 1


def docs(folder: Path, count: int) -> list[Path]:
    """*count* documents, doc-00 the smallest, each a different size."""
    out = []
    for n in range(count):
        path = folder / f"doc-{n:02d}.docx"
        path.write_bytes(f"doc-{n:02d}".encode() + b"." * n)
        out.append(path)
    return out


def convert(endpoints, documents, **kwargs):
    warnings: list[str] = []
    result = Pool(endpoints, timeout=5, warn=warnings.append, **kwargs).convert(documents)
    return result, warnings


def test_documents_are_shared_and_each_pdf_is_its_own(tmp_path):
    a, b = Fake("unoserver://a:1"), Fake("unoserver://b:1")
    documents = docs(tmp_path, 12)
    pdfs, warnings = convert([a, b], documents)
    assert pdfs == [d.with_suffix(".pdf") for d in documents]
    assert all(d.with_suffix(".pdf").read_bytes() == b"PDF " + d.read_bytes() for d in documents)
    assert a.converted and b.converted and len(a.converted) + len(b.converted) == 12
    assert warnings == []


def test_one_endpoint_takes_the_largest_document_first(tmp_path):
    a = Fake("unoserver://a:1")
    documents = docs(tmp_path, 5)
    convert([a], documents)
    assert a.converted == [d.read_bytes() for d in reversed(documents)]


def test_an_endpoint_is_sent_as_many_at_once_as_it_takes(tmp_path):
    one, two = Fake("unoserver://one:1", delay=0.05), Fake("unoserver://two:1", delay=0.05, slots=2)
    convert([one, two], docs(tmp_path, 12))
    assert (one.most, two.most) == (1, 2)


def test_a_dead_endpoint_is_dropped_with_one_warning_and_the_others_convert_everything(tmp_path):
    dead, live = Fake("unoserver://dead:1", probe_down=True), Fake("unoserver://live:1")
    documents = docs(tmp_path, 4)
    pdfs, warnings = convert([dead, live], documents)
    assert len(live.converted) == 4 and dead.attempted == []
    assert warnings == ["converter unoserver://dead:1 dropped: connection refused; its documents go to the others"]
    assert all(p.is_file() for p in pdfs)


def test_a_document_in_flight_on_an_endpoint_that_dies_is_converted_by_another(tmp_path):
    dies = Fake("unoserver://dies:1", delay=0.02, down_after=1)
    live = Fake("unoserver://live:1", delay=0.02)
    documents = docs(tmp_path, 8)
    pdfs, warnings = convert([dies, live], documents)
    assert len(dies.converted) == 1 and len(dies.attempted) == 2  # the second was in flight when it died
    lost = dies.attempted[1]
    assert lost in live.converted
    assert sorted(dies.converted + live.converted) == sorted(d.read_bytes() for d in documents)
    assert warnings == ["converter unoserver://dies:1 dropped: connection reset; its documents go to the others"]
    assert all(p.read_bytes().startswith(b"PDF ") for p in pdfs)


def test_when_every_endpoint_is_dead_the_error_names_them_and_every_document(tmp_path):
    a = Fake("unoserver://a:1", probe_down=True)
    b = Fake("unoserver://b:1", down_after=1)
    documents = docs(tmp_path, 3)
    with pytest.raises(ConvertError) as caught:
        convert([a, b], documents)
    assert caught.value.exit_code == 3
    problems = caught.value.problems
    assert [p.where for p in problems] == [str(d) for d in documents if d.read_bytes() not in b.converted]
    assert len(problems) == 2
    for problem in problems:
        assert "no converter is left: " in problem.message
        assert "unoserver://a:1 (connection refused)" in problem.message
        assert "unoserver://b:1 (connection reset)" in problem.message
    # the document b was converting when it died says so
    assert any(p.message.startswith("connection reset converting doc-") for p in problems)


def test_a_document_a_live_endpoint_refuses_is_that_documents_problem(tmp_path):
    documents = docs(tmp_path, 6)
    bad = documents[2].read_bytes()
    a, b = Fake("unoserver://a:1", refuses={bad}), Fake("unoserver://b:1", refuses={bad})
    with pytest.raises(ConvertError) as caught:
        Pool([a, b], timeout=5, warn=pytest.fail).convert(documents)
    (problem,) = caught.value.problems
    assert problem.where == str(documents[2])
    assert problem.message.endswith("cannot convert doc-02.docx: <Fault 1: 'cannot load'>")
    assert len(a.converted) + len(b.converted) == 5  # the others were converted, no endpoint was dropped


def test_a_refusal_from_an_endpoint_that_then_stops_answering_is_retried_elsewhere(tmp_path):
    documents = docs(tmp_path, 3)
    sick = Fake("unoserver://sick:1", refuses={d.read_bytes() for d in documents}, probe_after_refusal=False)
    live = Fake("unoserver://live:1", delay=0.05)
    pdfs, warnings = convert([sick, live], documents)
    assert len(live.converted) == 3
    assert len(warnings) == 1 and warnings[0].startswith("converter unoserver://sick:1 dropped: <Fault 1:")


def test_the_real_client_finds_nothing_listening_a_dead_endpoint(tmp_path):
    endpoint = XmlRpcEndpoint(f"unoserver://127.0.0.1:{free_port()}", REMOTE_OPTIONS)
    with pytest.raises(EndpointDown, match="^connection refused$"):
        endpoint.slots(5)


def test_every_bad_entry_of_a_list_is_named():
    with pytest.raises(ValueError) as caught:
        parse_remote("http://a:1, unoserver://b,,unoserver://c:2003,unoserver://c:2003,unoserver://d:99999")
    assert str(caught.value).splitlines() == [
        "'http://a:1' is not unoserver://HOST:PORT",
        "'unoserver://b' is not unoserver://HOST:PORT",
        "entry 3 of 6 is empty",
        "'unoserver://c:2003' is listed twice",
        "'unoserver://d:99999' is not unoserver://HOST:PORT",
    ]
    assert parse_remote(" unoserver://a:2003 ,unoserver://[::1]:2004") == [
        "unoserver://a:2003",
        "unoserver://[::1]:2004",
    ]


def test_a_bad_list_is_a_usage_error_naming_each_entry(capsys):
    assert main(["build", "plans/x", "--converter", "unoserver://a:1,unoserver:/b:2,"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "boardpack: --converter: 'unoserver:/b:2' is not unoserver://HOST:PORT",
        "boardpack: --converter: entry 3 of 3 is empty",
    ]


def test_the_environment_may_name_the_endpoints(monkeypatch, capsys):
    args = cli._parser().parse_args(["build", "plans/x"])
    monkeypatch.setenv("BOARDPACK_CONVERTER", "unoserver://a:1,unoserver://b:2")
    assert cli._converter(args).remote == "unoserver://a:1,unoserver://b:2"
    monkeypatch.setenv("BOARDPACK_CONVERTER", "soffice")
    assert cli._converter(args).remote is None
    monkeypatch.setenv("BOARDPACK_CONVERTER", "unoserver://a")
    assert main(["build", "plans/x"]) == 2
    assert "boardpack: BOARDPACK_CONVERTER: 'unoserver://a' is not unoserver://HOST:PORT" in capsys.readouterr().err


def test_a_build_whose_endpoints_are_all_dead_fails_naming_them(tmp_path, capsys):
    dead = [f"unoserver://127.0.0.1:{free_port()}" for _ in range(2)]
    out = tmp_path / "out"
    assert main(["build", str(EXAMPLE), "--out", str(out), "--converter", ",".join(dead), "--no-site", "-q"]) == 3
    err = capsys.readouterr().err
    assert err.count("dropped: connection refused") == 2
    assert all(f"converter {url} dropped" in err for url in dead)
    assert f"no converter is left: {dead[0]} (connection refused), {dead[1]} (connection refused)" in err or (
        f"no converter is left: {dead[1]} (connection refused), {dead[0]} (connection refused)" in err
    )
    assert "report.docx" in err and "Traceback" not in err


# Two real unoservers, each with its own LibreOffice.


@pytest.fixture(scope="module")
def unoservers(tmp_path_factory):
    servers = start_servers(tmp_path_factory.mktemp("unoservers"), 2)
    try:
        yield servers
    finally:
        stop_servers(servers)
        assert not any(s.running() for s in servers), "a unoserver or its LibreOffice is still running"


def texts(out: Path) -> dict[str, list[str]]:
    """Each PDF of a build: its path in the output, and its pages' text."""
    return {
        str(pdf.relative_to(out)): [page.extract_text() for page in PdfReader(pdf).pages]
        for pdf in sorted(out.rglob("*.pdf"))
    }


@pytest.fixture(scope="module")
def shared_build(unoservers, tmp_path_factory):
    """The example built on both unoservers: the output folder, and how many each converted."""
    before = [s.exports() for s in unoservers]
    out = tmp_path_factory.mktemp("shared") / EXAMPLE.name
    urls = ",".join(s.url for s in unoservers)
    assert main(["build", str(EXAMPLE), "--out", str(out), "--converter", urls, "--no-site", "-q"]) == 0
    return out, [s.exports() - b for s, b in zip(unoservers, before, strict=True)]


@pytest.mark.e2e
def test_a_builds_documents_are_shared_by_both_unoservers(shared_build):
    out, converted = shared_build
    assert all(n >= 1 for n in converted), converted
    pdfs = texts(out)
    papers = {
        "minutes/report.pdf",
        "governance-improvement-plan/report.pdf",
        "governance-improvement-plan/appendix-1.pdf",
    }
    assert papers | {"public-pack.pdf", "members-pack.pdf"} <= set(pdfs)
    assert all(pages and any(text.strip() for text in pages) for pages in pdfs.values())


@pytest.mark.e2e
def test_a_dead_unoserver_in_the_list_is_dropped_and_the_build_makes_the_same_pdfs(
    unoservers, shared_build, tmp_path, capsys
):
    dead = f"unoserver://127.0.0.1:{free_port()}"
    out = tmp_path / EXAMPLE.name
    urls = ",".join([dead, unoservers[0].url])
    capsys.readouterr()
    assert main(["build", str(EXAMPLE), "--out", str(out), "--converter", urls, "--no-site", "-q"]) == 0
    err = capsys.readouterr().err
    assert f"boardpack: warning: converter {dead} dropped: connection refused; its documents go to the others" in err
    assert texts(out) == texts(shared_build[0])


@pytest.mark.e2e
def test_a_unoserver_killed_while_converting_leaves_its_documents_to_the_other(unoservers, shared_build, tmp_path):
    """A third unoserver is killed (it and its LibreOffice) once it has started on a document."""
    (doomed,) = start_servers(tmp_path / "doomed", 1)
    try:
        reference = sorted(p for p in shared_build[0].rglob("*.docx"))[:4]
        documents = []
        for n in range(8):  # each document twice over, in folders of their own
            copy = tmp_path / "docs" / f"{n}" / reference[n % len(reference)].name
            copy.parent.mkdir(parents=True)
            copy.write_bytes(reference[n % len(reference)].read_bytes())
            documents.append(copy)
        endpoints = [XmlRpcEndpoint(url, REMOTE_OPTIONS) for url in (doomed.url, unoservers[0].url)]
        warnings: list[str] = []
        pool = Pool(endpoints, timeout=120, warn=warnings.append)
        done: list = []
        worker = threading.Thread(target=lambda: done.append(pool.convert(documents)))
        worker.start()
        deadline = time.monotonic() + 120
        while "Opening" not in doomed.log.read_text(errors="replace") and time.monotonic() < deadline:
            time.sleep(0.05)
        doomed.stop()
        worker.join(timeout=300)
    finally:
        doomed.stop()
    assert not doomed.running()
    assert done == [[d.with_suffix(".pdf") for d in documents]]
    (warning,) = warnings
    assert warning.startswith(f"converter {doomed.url} dropped: ") and warning.endswith("go to the others")
    for doc in documents:
        pages = PdfReader(doc.with_suffix(".pdf")).pages
        assert pages and pages[0].extract_text().strip()
