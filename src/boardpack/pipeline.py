"""The pipeline: load → validate → number → resolve → render → convert → record.

``check`` runs the stages that read; ``build`` runs them all into a staging folder that replaces
the output folder only when everything succeeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .convert import convert_to_pdf
from .errors import Problems
from .load import load_plan
from .manifest import Document, describe, write_manifest
from .model import NumberedPaper, Plan
from .number import number_paper
from .output import staged
from .refs import resolve_paper
from .render import TEMPLATES_DIR, render_report
from .validate import validate_plan

OUTPUT_ROOT = Path("output")


@dataclass(frozen=True)
class Prepared:
    """A plan that passed every check, with each paper numbered and its references resolved."""

    plan: Plan
    papers: tuple[NumberedPaper, ...]


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote: the output folder and the documents in its manifest."""

    out_dir: Path
    documents: tuple[Document, ...]


def check(plan_dir: Path) -> Prepared:
    """Load and check the plan in *plan_dir*; raise PlanError listing every problem. Write nothing."""
    plan = load_plan(Path(plan_dir))
    problems = Problems()
    validate_plan(plan, problems)
    papers = tuple(resolve_paper(number_paper(paper, problems), problems) for paper in plan.papers)
    problems.raise_if_any()
    return Prepared(plan, papers)


def default_out(plan_dir: Path) -> Path:
    """Return ``output/<meeting folder name>``."""
    return OUTPUT_ROOT / Path(plan_dir).resolve().name


def build(plan_dir: Path, out_dir: Path | None = None, templates: Path = TEMPLATES_DIR) -> BuildResult:
    """Build every paper of the plan in *plan_dir* into *out_dir* and return what was written."""
    prepared = check(plan_dir)
    out_dir = Path(out_dir) if out_dir else default_out(plan_dir)
    with staged(out_dir) as staging:
        reports = _render_reports(prepared, staging, templates)
        convert_to_pdf(list(reports))
        documents = _describe(staging, reports)
        write_manifest(staging, documents)
    return BuildResult(out_dir, tuple(documents))


def _render_reports(prepared: Prepared, root: Path, templates: Path) -> dict[Path, NumberedPaper]:
    reports = {}
    for paper in prepared.papers:
        folder = root / paper.paper.slug
        folder.mkdir()
        reports[render_report(paper, prepared.plan.meeting, folder / "report.docx", templates)] = paper
    return reports


def _describe(root: Path, reports: dict[Path, NumberedPaper]) -> list[Document]:
    documents = []
    for docx, paper in reports.items():
        for path in (docx, docx.with_suffix(".pdf")):
            documents.append(describe(root, path, "report", paper.paper.slug, False, paper.paper.marking))
    return documents
