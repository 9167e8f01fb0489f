"""Benchmark: build a meeting whose appendix has 2,000 actions (issue 3), stage by stage.

Run: .venv/bin/python benchmarks/appendix_2000.py [N_ACTIONS] [ROWS_PER_PART]
Prints the time of each stage and the pages made. Then, in the same run (issue #14 point 3), the same
appendix the way a build makes it: one conversion of the whole .docx in the warm converter the builds
use (two LibreOffices, started beforehand), against its parts (``appendix/parts.py``) converted side
by side, tagged and joined; and the ratio (target: parts <= 55% of the single conversion). Not a
test: timings belong to the machine.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import load_workbook
from pypdf import PdfReader

from boardpack.appendix.parts import ROWS_PER_PART
from boardpack.convert.converter import Converter, convert_to_pdf
from boardpack.pipeline.builder import check
from boardpack.pipeline.normalize import normalize_docx, normalize_pdf
from boardpack.pipeline.parts import join_appendix
from boardpack.render.docx import render_appendix, render_appendix_parts

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "plans" / "2017-12-19-audit-panel"
PAPER = "governance-improvement-plan"


def synthetic_plan(dest: Path, actions: int) -> Path:
    """Copy the example and grow its workbook to *actions* rows."""
    plan = dest / EXAMPLE.name
    shutil.copytree(EXAMPLE, plan)
    grow_workbook(plan / PAPER / "appendix.xlsx", actions)
    return plan


def grow_workbook(path: Path, actions: int) -> None:
    """Grow the Actions sheet to *actions* rows, cycling the real ones under new refs."""
    book = load_workbook(path)
    sheet = book["Actions"]
    rows = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
    for i in range(len(rows), actions):
        row = list(rows[i % len(rows)])
        row[0] = f"{row[0]}-{i:04d}"
        sheet.append(row)
    book.save(path)


TIMES: dict[str, float] = {}


def timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    TIMES[label] = time.perf_counter() - start
    print(f"{label:<28}{TIMES[label]:8.2f} s", flush=True)
    return result


def main() -> int:
    actions = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with tempfile.TemporaryDirectory() as tmp:
        plan = timed(f"make workbook ({actions})", lambda: synthetic_plan(Path(tmp), actions))
        prepared = timed("load + check", lambda: check(plan))
        (paper,) = [p for p in prepared.papers if p.paper.slug == PAPER]
        out = Path(tmp) / "appendix-1.docx"
        timed("render appendix .docx", lambda: render_appendix(paper.appendices[0], paper, prepared.plan.meeting, out))
        (pdf,) = timed("convert to PDF (soffice)", lambda: convert_to_pdf([out]))
        day = prepared.plan.meeting.date
        timed("tags completed, normalised", lambda: normalize_pdf(pdf, day, converted_from=out))
        print(f"{'pages':<28}{len(PdfReader(pdf).pages):8d}")
        rows = int(sys.argv[2]) if len(sys.argv) > 2 else ROWS_PER_PART
        parts_against_whole(paper, prepared.plan.meeting, Path(tmp), rows)
    return 0


def parts_against_whole(paper, meeting, tmp: Path, rows: int) -> None:
    """Time one warm conversion of the whole appendix against its parts converted in parallel and joined."""
    converter = Converter()  # as builds convert: two warm LibreOffices, documents to whichever is free
    day = meeting.date
    whole = tmp / "whole" / "appendix-1.docx"
    whole.parent.mkdir()
    render_appendix(paper.appendices[0], paper, meeting, whole)
    folder = tmp / "parts"
    folder.mkdir()
    out = tmp / "parted" / "appendix-1.docx"
    out.parent.mkdir()
    parts = timed(
        f"render in parts ({rows} rows)",
        lambda: render_appendix_parts(paper.appendices[0], paper, meeting, out, folder, rows),
    )
    for docx in [whole, out, *parts]:
        normalize_docx(docx, day)
    timed("start warm LibreOffice", lambda: converter.convert([parts[-1]]))
    timed("whole: convert (warm)", lambda: converter.convert([whole]))
    timed("whole: tags", lambda: normalize_pdf(whole.with_suffix(".pdf"), day, converted_from=whole))
    timed(f"{len(parts)} parts: convert (warm, x2)", lambda: converter.convert(parts))
    timed("parts: tags", lambda: [normalize_pdf(p.with_suffix(".pdf"), day, converted_from=p) for p in parts])
    pdfs = [p.with_suffix(".pdf") for p in parts]
    timed("parts: join + number", lambda: join_appendix(pdfs, out.with_suffix(".pdf"), out, day))
    pages = (len(PdfReader(whole.with_suffix(".pdf")).pages), len(PdfReader(out.with_suffix(".pdf")).pages))
    print(f"{'pages (whole, joined)':<28}{pages[0]:8d}{pages[1]:8d}")
    convert = TIMES[f"{len(parts)} parts: convert (warm, x2)"] / TIMES["whole: convert (warm)"]
    everything = (
        TIMES[f"{len(parts)} parts: convert (warm, x2)"] + TIMES["parts: tags"] + TIMES["parts: join + number"]
    ) / (TIMES["whole: convert (warm)"] + TIMES["whole: tags"])
    print(f"{'parts convert / whole':<28}{convert:8.0%}   (target <= 55%)")
    print(f"{'parts convert+tags+join / whole convert+tags':<44}{everything:6.0%}")


if __name__ == "__main__":
    sys.exit(main())
