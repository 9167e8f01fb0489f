"""Benchmark: build a meeting whose appendix has 2,000 actions (issue 3), stage by stage.

Run: .venv/bin/python benchmarks/appendix_2000.py [N_ACTIONS]
Prints the time of each stage and the pages made. Not a test: timings belong to the machine.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import load_workbook
from pypdf import PdfReader

from boardpack.convert.converter import convert_to_pdf
from boardpack.pipeline.builder import check
from boardpack.pipeline.normalize import normalize_pdf
from boardpack.render.docx import render_appendix

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


def timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    print(f"{label:<28}{time.perf_counter() - start:8.2f} s")
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
