"""Benchmark: `boardpack build` from the command line, each build a new process, with and without the service.

Run: .venv/bin/python benchmarks/new_process.py [EDITS]
On a copy of the example meeting, for `--converter soffice` and then for the conversion service
(`--converter service`, the command line's default): a cold build into a fresh folder (for the
service, with no service running: this build starts it), then EDITS builds (default 4) after a
paragraph of one paper is reworded, each `boardpack build` in a process of its own, as an author
types it after each edit. Prints each time, the medians, the ratio service / soffice, and how many
LibreOffices the service started. Uses a runtime folder of its own (never the user's service) and
stops the service it started. Not a test: timings belong to the machine.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "plans" / "2017-12-19-audit-panel"
PAPER = ROOT / "plans" / "2017-12-19-audit-panel" / "governance-improvement-plan" / "paper.yaml"
SENTENCE = "The MOPAC governance improvement plan is attached at [[gip]]."
BOARDPACK = [sys.executable, "-m", "boardpack"]


def run(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([*BOARDPACK, *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def series(plan: Path, out: Path, converter: str, edits: int) -> tuple[float, list[float]]:
    """Time a cold build, then *edits* builds each after a one-paragraph edit."""
    build = ("build", str(plan), "--out", str(out), "-q", "--converter", converter)
    cold = run(*build)
    paper = plan / PAPER.relative_to(EXAMPLE)
    times = []
    for i in range(edits):
        text = paper.read_text(encoding="utf-8")
        paper.write_text(text.replace(SENTENCE, SENTENCE.replace("attached", f"attached ({converter} {i})")), "utf-8")
        times.append(run(*build))
        paper.write_text(text, encoding="utf-8")
    return cold, times


def main() -> None:
    edits = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    with tempfile.TemporaryDirectory(prefix="bp-bench-") as tmp:
        work = Path(tmp)
        runtime = work / "rt"
        runtime.mkdir(mode=0o700)
        os.environ["BOARDPACK_RUNTIME_DIR"] = str(runtime)
        results = {}
        try:
            for converter in ("soffice", "service"):
                plan = work / converter / EXAMPLE.name
                shutil.copytree(EXAMPLE, plan)
                results[converter] = series(plan, work / converter / "out", converter, edits)
            status = subprocess.run([*BOARDPACK, "serve", "--status"], capture_output=True, text=True).stdout
        finally:
            subprocess.run([*BOARDPACK, "serve", "--stop"], stdout=subprocess.DEVNULL, check=False)
    for converter, (cold, times) in results.items():
        shown = ", ".join(f"{t:.2f}" for t in times)
        print(f"{converter:8} cold {cold:.2f} s; after an edit: {shown} s (median {statistics.median(times):.2f} s)")
    (soffice_cold, soffice), (service_cold, service) = results["soffice"], results["service"]
    print(
        f"service / soffice: cold {service_cold / soffice_cold:.0%}, after an edit "
        f"{statistics.median(service) / statistics.median(soffice):.0%}"
    )
    print(json.dumps(status.strip()))


if __name__ == "__main__":
    main()
