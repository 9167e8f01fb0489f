"""Benchmark: the night before dispatch. How fast is a late edit, against a cold build and a naive one?

Run: .venv/bin/python benchmarks/late_edit.py [--converter warm|soffice|unoserver://HOST:PORT]
Generates a synthetic meeting of 12 papers (about 300 pages, one appendix of 500 actions), then
times, in one run on this machine:
  cold        a build into a fresh output folder
  no-op       the same build again
  paragraph   one paragraph of one paper reworded (three times, a different paper each time; the
              median counts, each is printed)
  status      one action's status changed in the workbook
  naive       the baseline: render every document, one fresh `soffice --convert-to` per document,
              merge the PDFs
  paragraph, new process
              another paragraph reworded, built by `boardpack build` in a process of its own, as
              from the command line: Python and LibreOffice start cold
and prints each time and the ratios against the targets (no-op <= 5% of cold, one paragraph <= 15%
of cold, cold <= 50% of naive). The builds run in this one process, as `boardpack watch` does, so
LibreOffice stays warm between them (the default converter); --converter soffice starts soffice
per build instead, --converter unoserver://HOST:PORT converts on that unoserver. The naive
baseline always starts soffice per document. Not a test: timings belong to the machine.
"""

from __future__ import annotations

import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from appendix_2000 import grow_workbook  # the script beside this one
from openpyxl import load_workbook
from pypdf import PdfWriter

from boardpack.convert.converter import PDF_FILTER, Converter, find_soffice
from boardpack.pipeline.builder import build, check
from boardpack.render.docx import render_appendix, render_report

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "plans" / "2017-12-19-audit-panel"
GIP = "governance-improvement-plan"
WORDS = (
    "the panel noted progress on governance risk assurance audit oversight commissioning delivery partners "
    "plan review budget savings performance victims crime london services policy officers board members "
    "report actions recommendations management controls framework quarterly annual improvement"
).split()


def synthetic_meeting(root: Path, papers: int = 11, paragraphs: int = 80, actions: int = 500) -> Path:
    """Write a meeting: *papers* long papers and the governance paper with *actions* actions."""
    plan = root / "2018-03-20-audit-panel"
    shutil.copytree(EXAMPLE, plan)
    rng = random.Random(20171219)
    meeting = yaml.safe_load((plan / "meeting.yaml").read_text(encoding="utf-8"))
    template = yaml.safe_load((plan / "minutes" / "paper.yaml").read_text(encoding="utf-8"))
    agenda = [item for item in meeting["agenda"] if item.get("paper") == GIP]
    for n in range(1, papers + 1):
        slug = f"paper-{n:02d}"
        paper = dict(template, title=f"Synthetic paper {n}")
        body = [" ".join(rng.choice(WORDS) for _ in range(110)).capitalize() + "." for _ in range(paragraphs)]
        paper["sections"] = [{"heading": "Supporting Information", "paragraphs": body}] + template["sections"][1:]
        paper["summary"] = dict(template["summary"], recommendations="The Panel is recommended to note the report.")
        (plan / slug).mkdir()
        (plan / slug / "paper.yaml").write_text(yaml.safe_dump(paper, allow_unicode=True), encoding="utf-8")
        agenda.append({"title": f"Synthetic paper {n}", "paper": slug})
    meeting["agenda"] = agenda
    (plan / "meeting.yaml").write_text(yaml.safe_dump(meeting, allow_unicode=True), encoding="utf-8")
    for folder in ("minutes", "risk-management-update", "internal-audit-progress", "counter-fraud-update"):
        shutil.rmtree(plan / folder)
    grow_workbook(plan / GIP / "appendix.xlsx", actions)
    return plan


def naive(plan: Path, out: Path) -> None:
    """Render every document, convert each with a fresh soffice, merge: what boardpack replaces."""
    prepared = check(plan)
    meeting = prepared.plan.meeting
    out.mkdir()
    docs = []
    for paper in prepared.papers:
        docs.append(render_report(paper, meeting, out / f"{paper.paper.slug}-report.docx"))
        for appendix in paper.appendices:
            if appendix.plan is not None:
                docs.append(render_appendix(appendix, paper, meeting, out / f"{paper.paper.slug}-appendix.docx"))
    soffice = find_soffice()
    for doc in docs:
        with tempfile.TemporaryDirectory() as profile:
            subprocess.run(
                [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--convert-to", PDF_FILTER,
                 "--outdir", str(out), str(doc)],
                check=True, capture_output=True,
            )  # fmt: skip
    writer = PdfWriter()
    for doc in docs:
        writer.append(doc.with_suffix(".pdf"))
    writer.write(out / "pack.pdf")


def timed(label: str, fn) -> float:
    start = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - start
    print(f"{label:<24}{elapsed:6.1f} s", flush=True)
    return elapsed


def reword(plan: Path, text: str, slug: str = "paper-05", index: int = 3) -> None:
    paper = plan / slug / "paper.yaml"
    data = yaml.safe_load(paper.read_text(encoding="utf-8"))
    data["sections"][0]["paragraphs"][index] = text
    paper.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def main() -> int:
    how = sys.argv[sys.argv.index("--converter") + 1] if "--converter" in sys.argv else "warm"
    converter = Converter(mode=how) if how in ("warm", "soffice") else Converter(remote=how)
    command = [sys.executable, "-m", "boardpack", "build", "-q", "--converter", how]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        plan = synthetic_meeting(root)
        out = root / "out"
        times = {"cold": timed("cold", lambda: build(plan, out, converter=converter))}
        result = build(plan, out, converter=converter)
        pages = sum(d.pages or 0 for d in result.documents if d.path == "members-pack.pdf")
        times["no-op"] = timed("no-op", lambda: build(plan, out, converter=converter))
        edits = []
        for slug, index in (("paper-05", 3), ("paper-02", 40), ("paper-09", 70)):
            reword(plan, f"A late edit: paragraph {index + 1} of {slug} was reworded the night before.", slug, index)
            edits.append(timed(f"paragraph ({slug})", lambda: build(plan, out, converter=converter)))
        times["paragraph"] = statistics.median(edits)
        print(f"{'paragraph (median)':<24}{times['paragraph']:6.1f} s", flush=True)
        book = load_workbook(plan / GIP / "appendix.xlsx")
        book["Actions"]["G2"] = "Off track"
        book.save(plan / GIP / "appendix.xlsx")
        times["status"] = timed("status", lambda: build(plan, out, converter=converter))
        times["naive"] = timed("naive", lambda: naive(plan, root / "naive"))
        reword(plan, "A later edit: reworded again, and built from the command line.")
        run = [*command, str(plan), "--out", str(out)]
        times["cli"] = timed("paragraph, new process", lambda: subprocess.run(run, check=True))
    cold = times["cold"]
    print(f"\nmembers' pack: {pages} pages")
    for label, value, target in (
        ("no-op / cold", times["no-op"] / cold, 0.05),
        ("paragraph / cold", times["paragraph"] / cold, 0.15),
        ("status / cold", times["status"] / cold, None),
        ("new process / cold", times["cli"] / cold, None),
        ("cold / naive", cold / times["naive"], 0.50),
    ):
        verdict = "" if target is None else f"  (target <= {target:.0%}: {'met' if value <= target else 'MISSED'})"
        print(f"{label:<20}{value:7.1%}{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
