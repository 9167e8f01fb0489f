"""Benchmark: the night before dispatch. How fast is a late edit, against a cold build and a naive one?

Run: .venv/bin/python benchmarks/late_edit.py [--converter warm|soffice|unoserver://HOST:PORT]
Generates a synthetic meeting of 12 papers (about 300 pages, one appendix of 500 actions) and times
two authors' evenings on it, each on a fresh copy, in one run on this machine.

In one process (as `boardpack watch` builds; LibreOffice stays warm between builds):
  cold        a build into a fresh output folder
  no-op       the same build again
  paragraph   one paragraph of one paper reworded (three times, a different paper each time; the
              median counts, each is printed)
  status      one action's status changed in the workbook
  naive       the baseline: render every document, one fresh `soffice --convert-to` per document,
              merge the PDFs
targets: no-op <= 5% of cold, paragraph <= 15% of cold, cold <= 50% of naive.

Each build a new `boardpack build` process (as the author types it after each save; the first starts
the background conversion service, in a runtime folder of this run's, stopped at the end):
  cold, no-op, paragraph (median of three papers), paragraph of the covering report that carries
  the actions appendix (median of three), status (median of three actions, each in another part of
  the appendix: one build is a second either way on a shared machine)
targets (issue 14): no-op <= 8%, both paragraphs <= 20%, status <= 30% of that cold build.

Without --converter the in-process builds are warm and the command-line builds use the default
(the background service); --converter soffice starts soffice per build in both, and
--converter unoserver://HOST:PORT converts on that unoserver. The naive baseline always starts
soffice per document. Not a test: timings belong to the machine.
"""

from __future__ import annotations

import os
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


def set_status(plan: Path, cell: str, status: str) -> None:
    book = load_workbook(plan / GIP / "appendix.xlsx")
    book["Actions"][cell] = status
    book.save(plan / GIP / "appendix.xlsx")


def reword_gip(plan: Path, n: int) -> None:
    """Reword a paragraph of the covering report that carries the actions appendix."""
    paper = plan / GIP / "paper.yaml"
    text = paper.read_text(encoding="utf-8")
    old = "financial oversight model" if n == 0 else f"financial oversight model (edit {n - 1})"
    paper.write_text(text.replace(old, f"financial oversight model (edit {n})", 1), encoding="utf-8")


def in_process(root: Path, how: str) -> dict[str, float]:
    """Every build in this one process, as `boardpack watch` builds: LibreOffice stays warm."""
    converter = Converter(mode=how) if how in ("warm", "soffice") else Converter(remote=how)
    plan = synthetic_meeting(root)
    out = root / "out"
    times = {"cold": timed("cold", lambda: build(plan, out, converter=converter))}
    result = build(plan, out, converter=converter)
    times["pages"] = sum(d.pages or 0 for d in result.documents if d.path == "members-pack.pdf")
    times["no-op"] = timed("no-op", lambda: build(plan, out, converter=converter))
    edits = []
    for slug, index in (("paper-05", 3), ("paper-02", 40), ("paper-09", 70)):
        reword(plan, f"A late edit: paragraph {index + 1} of {slug} was reworded the night before.", slug, index)
        edits.append(timed(f"paragraph ({slug})", lambda: build(plan, out, converter=converter)))
    times["paragraph"] = statistics.median(edits)
    print(f"{'paragraph (median)':<24}{times['paragraph']:6.1f} s", flush=True)
    set_status(plan, "G2", "Off track")
    times["status"] = timed("status", lambda: build(plan, out, converter=converter))
    times["naive"] = timed("naive", lambda: naive(plan, root / "naive"))
    return times


def command_line(root: Path, how: str | None) -> dict[str, float]:
    """Every build a new `boardpack build` process, as the author types it after each edit.

    The first is the author's first build (the background conversion service starts with it, in a
    runtime folder of this run's own, stopped at the end); the rest find the service warm.
    """
    plan = synthetic_meeting(root)
    out = root / "out"
    env = {**os.environ, "BOARDPACK_RUNTIME_DIR": str(root / "runtime")}
    converter = ["--converter", how] if how else []
    run = [sys.executable, "-m", "boardpack", "build", "-q", *converter, str(plan), "--out", str(out)]

    def cli() -> None:
        subprocess.run(run, check=True, env=env)

    try:
        times = {"cold": timed("cold (new process)", cli)}
        times["no-op"] = timed("no-op (new process)", cli)
        edits = []
        for slug, index in (("paper-04", 5), ("paper-07", 30), ("paper-11", 60)):
            reword(plan, f"A late edit from the command line: paragraph {index + 1} of {slug}.", slug, index)
            edits.append(timed(f"paragraph ({slug})", cli))
        times["paragraph"] = statistics.median(edits)
        print(f"{'paragraph (median)':<24}{times['paragraph']:6.1f} s", flush=True)
        gip = []
        for n in range(3):
            reword_gip(plan, n)
            gip.append(timed(f"paragraph ({GIP[:10]}…)", cli))
        times["gip paragraph"] = statistics.median(gip)
        print(f"{'  (median)':<24}{times['gip paragraph']:6.1f} s", flush=True)
        changes = []
        for cell in ("G3", "G250", "G480"):  # the first part of the appendix, one in the middle, the last
            set_status(plan, cell, "Off track")
            changes.append(timed(f"status ({cell})", cli))
        times["status"] = statistics.median(changes)
        print(f"{'status (median)':<24}{times['status']:6.1f} s", flush=True)
    finally:
        subprocess.run([sys.executable, "-m", "boardpack", "serve", "--stop"], env=env, capture_output=True)
    return times


def report(title: str, times: dict[str, float], targets: list[tuple[str, str, float | None]]) -> None:
    print(f"\n{title}")
    for label, key, target in targets:
        value = times[key] / times["cold"] if key != "cold / naive" else times["cold"] / times["naive"]
        verdict = "" if target is None else f"  (target <= {target:.0%}: {'met' if value <= target else 'MISSED'})"
        print(f"{label:<32}{value:7.1%}{verdict}")


def main() -> int:
    how = sys.argv[sys.argv.index("--converter") + 1] if "--converter" in sys.argv else None
    with tempfile.TemporaryDirectory() as tmp:
        print("In one process (as boardpack watch builds):")
        inside = in_process(Path(tmp) / "in-process", how or "warm")
        print("\nEach build a new `boardpack build` process:")
        outside = command_line(Path(tmp) / "command-line", how)
    print(f"\nmembers' pack: {inside['pages']:.0f} pages")
    report(
        "in one process, of cold",
        inside,
        [
            ("no-op", "no-op", 0.05),
            ("paragraph", "paragraph", 0.15),
            ("status", "status", None),
            ("cold / naive", "cold / naive", 0.50),
        ],
    )
    report(
        "new process each build, of the first (cold) build",
        outside,
        [
            ("no-op", "no-op", 0.08),
            ("paragraph", "paragraph", 0.20),
            ("paragraph of the appendix's report", "gip paragraph", 0.20),
            ("status", "status", 0.30),
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
