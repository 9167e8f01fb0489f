"""The pipeline: load → validate → number → resolve → render → convert → record.

``check`` runs the stages that read; ``build`` runs them all into a staging folder that replaces
the output folder only when everything succeeded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from .convert import convert_to_pdf
from .errors import Problem, Problems
from .load import load_plan
from .manifest import Document, describe, write_manifest
from .model import ActionPlan, NumberedPaper, Paper, Plan
from .number import number_paper
from .output import staged
from .refs import resolve_paper
from .render import TEMPLATES_DIR, render_appendix, render_report
from .validate import validate_plan
from .workbook import load_action_plans

OUTPUT_ROOT = Path("output")


@dataclass(frozen=True)
class Prepared:
    """A plan that passed every check, with each paper numbered and its references resolved."""

    plan: Plan
    papers: tuple[NumberedPaper, ...]
    warnings: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote: the output folder and the documents in its manifest."""

    out_dir: Path
    documents: tuple[Document, ...]
    warnings: tuple[Problem, ...] = ()


def check(plan_dir: Path) -> Prepared:
    """Load and check the plan in *plan_dir*; raise PlanError listing every problem. Write nothing."""
    plan = load_plan(Path(plan_dir))
    problems = Problems()
    action_plans = load_action_plans(plan, problems)
    validate_plan(plan, problems)
    papers = tuple(
        resolve_paper(number_paper(paper, problems, _plans_of(paper, action_plans)), problems) for paper in plan.papers
    )
    problems.raise_if_any()
    return Prepared(replace(plan, action_plans=action_plans), papers, tuple(problems.warnings))


def _plans_of(paper: Paper, action_plans: dict[tuple[str, int], ActionPlan]) -> dict[int, ActionPlan]:
    return {index: found for (slug, index), found in action_plans.items() if slug == paper.slug}


def default_out(plan_dir: Path) -> Path:
    """Return ``output/<meeting folder name>``."""
    return OUTPUT_ROOT / Path(plan_dir).resolve().name


def build(plan_dir: Path, out_dir: Path | None = None, templates: Path = TEMPLATES_DIR) -> BuildResult:
    """Build every paper of the plan in *plan_dir* into *out_dir* and return what was written."""
    prepared = check(plan_dir)
    out_dir = Path(out_dir) if out_dir else default_out(plan_dir)
    with staged(out_dir) as staging:
        rendered = _render_all(prepared, staging, templates)
        convert_to_pdf([r.docx for r in rendered])
        documents = _describe(staging, rendered)
        write_manifest(staging, documents)
    return BuildResult(out_dir, tuple(documents), prepared.warnings)


@dataclass(frozen=True)
class Rendered:
    """A .docx the build rendered, and what the manifest says of it."""

    docx: Path
    kind: str
    paper: str
    restricted: bool
    marking: str


def _render_all(prepared: Prepared, root: Path, templates: Path) -> list[Rendered]:
    meeting = prepared.plan.meeting
    rendered = []
    for paper in prepared.papers:
        folder = root / paper.paper.slug
        folder.mkdir()
        report = render_report(paper, meeting, folder / "report.docx", templates)
        rendered.append(Rendered(report, "report", paper.paper.slug, False, paper.paper.marking))
        for appendix in paper.appendices:
            if appendix.plan is None:
                continue
            out = folder / f"appendix-{appendix.number}.docx"
            render_appendix(appendix, paper, meeting, out, templates)
            restricted = appendix.appendix.restricted
            rendered.append(Rendered(out, "appendix", paper.paper.slug, restricted, appendix.marking))
    return rendered


def _describe(root: Path, rendered: list[Rendered]) -> list[Document]:
    return [
        describe(root, path, r.kind, r.paper, r.restricted, r.marking)
        for r in rendered
        for path in (r.docx, r.docx.with_suffix(".pdf"))
    ]
