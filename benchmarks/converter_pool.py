"""Benchmark: 24 documents converted on one unoserver against two (``--converter A,B``), in one run.

Run: .venv/bin/python benchmarks/converter_pool.py
Renders the example meeting's reports and appendices once and copies them to 24 documents, starts
two real unoservers on loopback (each its own LibreOffice, as tests/unoservers.py starts them:
needs python3-uno), warms each with the rendered documents (untimed), then times the remote converter's
pool converting the 24 documents, each way three times in turn (the median counts, each is printed):
  one endpoint        unoserver A alone, one request at a time
  two endpoints       A and B, one request at a time each (what boardpack does with a unoserver)
  two endpoints, 2    A and B, two requests at a time each (a unoserver converts one at a time, so
                      the second only waits in its queue)
  serve, 1 / serve, 2 one ``boardpack serve`` (two warm LibreOffices), sent one request at a time,
                      then two (what boardpack does: its info() says it is boardpack)
and prints each time and the ratios. The servers are stopped at the end. Not a test: timings belong
to the machine (two cores here: two LibreOffices can use both).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/unoservers.py starts the servers the tests start

from tests.unoservers import start_servers, stop_servers  # noqa: E402

from boardpack.convert.converter import REMOTE_OPTIONS  # noqa: E402
from boardpack.convert.endpoints import Pool, XmlRpcEndpoint  # noqa: E402
from boardpack.pipeline.builder import check  # noqa: E402
from boardpack.render.docx import render_appendix, render_report  # noqa: E402

EXAMPLE = ROOT / "plans" / "2017-12-19-audit-panel"
COUNT = 24


def rendered(folder: Path) -> list[Path]:
    """The example meeting's covering reports and appendices of actions, as .docx."""
    prepared = check(EXAMPLE)
    meeting = prepared.plan.meeting
    docs = []
    for paper in prepared.papers:
        docs.append(render_report(paper, meeting, folder / f"{paper.paper.slug}-report.docx"))
        for appendix in paper.appendices:
            if appendix.plan is not None:
                docs.append(render_appendix(appendix, paper, meeting, folder / f"{paper.paper.slug}-appendix.docx"))
    return docs


def copies(sources: list[Path], folder: Path) -> list[Path]:
    """COUNT documents, the sources over and over, each in a folder of its own."""
    out = []
    for n in range(COUNT):
        source = sources[n % len(sources)]
        copy = folder / f"{n:02d}" / source.name
        copy.parent.mkdir(parents=True)
        shutil.copyfile(source, copy)
        out.append(copy)
    return out


def timed(urls: list[str], docs: list[Path], slots: int) -> float:
    for doc in docs:
        doc.with_suffix(".pdf").unlink(missing_ok=True)
    pool = Pool([XmlRpcEndpoint(url, REMOTE_OPTIONS) for url in urls], timeout=300, slots=slots)
    start = time.perf_counter()
    pdfs = pool.convert(docs)
    elapsed = time.perf_counter() - start
    bad = [p for p in pdfs if not p.read_bytes().startswith(b"%PDF")]
    if bad:
        raise SystemExit(f"not a PDF: {bad[0]}")
    return elapsed


def rounds(ways: dict[str, tuple[list[str], int]], docs: list[Path], count: int = 3) -> dict[str, float]:
    """Time each way *count* times, in turn (so that a slower spell of the machine hits each), and
    return each way's median."""
    times: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(count):
        for name, (urls, slots) in ways.items():
            times[name].append(timed(urls, docs, slots))
    for name, each in times.items():
        print(f"  {name}: " + ", ".join(f"{t:.2f}" for t in each) + " s", flush=True)
    return {name: statistics.median(each) for name, each in times.items()}


def served(docs: list[Path]) -> dict[str, float]:
    """Time a ``boardpack serve`` sent one request at a time, then two; stop it."""
    server = subprocess.Popen(
        [sys.executable, "-m", "boardpack", "serve", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        url = server.stdout.readline().split("--converter ")[1].split(";")[0]
        Pool([XmlRpcEndpoint(url, REMOTE_OPTIONS)], timeout=300, slots=2).convert(docs[:12])  # warm both, untimed
        return rounds({"serve, 1 at once": ([url], 1), "serve, 2 at once": ([url], 2)}, docs)
    finally:
        server.terminate()
        server.wait(timeout=60)
        server.stdout.close()


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="boardpack-pool-bench-") as tmp:
        work = Path(tmp)
        (work / "rendered").mkdir()
        sources = rendered(work / "rendered")
        docs = copies(sources, work / "docs")
        size = sum(d.stat().st_size for d in docs)
        print(f"{COUNT} documents ({len(sources)} rendered, {size / 1e6:.1f} MB in all); starting two unoservers")
        servers = start_servers(work / "servers", 2)
        try:
            a, b = (s.url for s in servers)
            for url in (a, b):  # a LibreOffice's first conversions load filters and fonts: warm each, untimed
                Pool([XmlRpcEndpoint(url, REMOTE_OPTIONS)], timeout=300).convert(sources)
            ways = {"one endpoint": ([a], 1), "two endpoints": ([a, b], 1), "two endpoints, 2 at once": ([a, b], 2)}
            median = rounds(ways, docs)
        finally:
            stop_servers(servers)
        serve = served(docs)
    one, two, two_queued = median["one endpoint"], median["two endpoints"], median["two endpoints, 2 at once"]
    print(f"one endpoint:             {one:6.2f} s (median)")
    print(f"two endpoints:            {two:6.2f} s   one/two = {one / two:.2f}x")
    print(f"two endpoints, 2 at once: {two_queued:6.2f} s   two/(2 at once) = {two / two_queued:.2f}x")
    serve_one, serve_two = serve["serve, 1 at once"], serve["serve, 2 at once"]
    print(f"serve, 1 at once:         {serve_one:6.2f} s")
    print(f"serve, 2 at once:         {serve_two:6.2f} s   1/2 = {serve_one / serve_two:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
