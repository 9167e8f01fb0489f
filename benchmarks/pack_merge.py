"""Benchmark: assemble meeting packs of growing size from converted papers (issue 4).

Run: .venv/bin/python benchmarks/pack_merge.py [OUTPUT_DIR]
OUTPUT_DIR is a built meeting (default output/2017-12-19-audit-panel; build it first). Its converted
papers are first combined (untimed) into synthetic 24-page papers, as a real meeting's papers are
longer than the example's; then packs of 6, 12 and 24 such papers (144, 288 and 576 pages) are each
assembled in a fresh process, which reports the merge time (structure trees, stamps, bookmarks,
save) and its peak memory, so that growth with the number of pages can be read off.
Not a test: timings belong to the machine.
"""

from __future__ import annotations

import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

import pikepdf

from boardpack.pack.assemble import PackInfo, Part, assemble

ROOT = Path(__file__).resolve().parents[1]


def _run(parts: list[Part], out: Path, queue) -> None:
    start = time.perf_counter()
    pages = assemble(parts, out, PackInfo("Benchmark pack", "benchmark", "boardpack"))
    elapsed = time.perf_counter() - start
    queue.put((pages, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def main() -> int:
    built = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "output" / "2017-12-19-audit-panel"
    papers = sorted(built.glob("*/*.pdf"))
    if not papers:
        print(f"no papers under {built}: run ./dev example first", file=sys.stderr)
        return 1
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp:
        synthetic = _synthetic_papers(papers, Path(tmp), count=24, pages=24)
        print(f"{'papers':>6} {'pages':>6} {'merge s':>8} {'ms/page':>8} {'peak MB':>8}")
        for count in (6, 12, 24):
            parts = [Part(pdf, pdf.stem) for pdf in synthetic[:count]]
            queue = context.Queue()
            proc = context.Process(target=_run, args=(parts, Path(tmp) / f"pack-{count}.pdf", queue))
            proc.start()
            pages, elapsed, peak = queue.get()
            proc.join()
            print(f"{count:>6} {pages:>6} {elapsed:>8.2f} {1000 * elapsed / pages:>8.2f} {peak:>8.0f}")
    return 0


def _synthetic_papers(papers: list[Path], folder: Path, count: int, pages: int) -> list[Path]:
    """Return *count* tagged PDFs of about *pages* pages each, made from the built papers."""
    out = []
    cycle = iter(papers * (count * pages))
    for n in range(count):
        parts, total = [], 0
        while total < pages:
            pdf = next(cycle)
            parts.append(Part(pdf, None))
            total += len(pikepdf.open(pdf).pages)
        path = folder / f"paper-{n:02d}.pdf"
        assemble(parts, path, PackInfo(f"Paper {n}", "synthetic", "boardpack"))
        out.append(path)
    return out


if __name__ == "__main__":
    sys.exit(main())
