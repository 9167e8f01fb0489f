"""The pipeline: load → validate → number → resolve → render → convert → record.

``check`` runs the stages that read; ``build`` runs them all into a staging folder that replaces
the output folder only when everything succeeded.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from ..appendix.actions import load_action_plans
from ..appendix.attached import check_attached, prepare_docx, stamp_pdf
from ..appendix.parts import rows_per_part
from ..appendix.table import load_tables
from ..convert.converter import Converter
from ..convert.verify import docx_text
from ..errors import AssembleError, ConvertError, Location, Problem, Problems
from ..pack.assemble import Assembler, Joined, stamp_pattern
from ..pack.leaks import STAMP, as_title, find_leaks, page_prints, pdf_text
from ..pack.packs import SUPPLEMENTS, BuiltPack, PackBuilder, PackDocs, PackJob, Supplement, assemble_packs
from ..pack.packs import Doc as PackDoc
from ..paper.number import number_paper
from ..paper.refs import resolve_paper
from ..plan.load import read_plan
from ..plan.model import (
    ActionsSource,
    AttachedFile,
    NumberedAppendix,
    NumberedPaper,
    Paper,
    Plan,
    SheetTable,
    Written,
)
from ..plan.templates import TEMPLATE_NAMES, TemplateFolders, linking_template
from ..plan.validate import validate_plan
from ..render.audit import audit_template
from ..render.chart import chart_entry
from ..render.docx import (
    APPENDIX_TEMPLATE,
    REPORT_TEMPLATE,
    TABLE_TEMPLATE,
    TEMPLATES_DIR,
    WRITTEN_TEMPLATE,
    draft_appendix_parts,
    paper_properties,
    render_appendix,
    render_report,
    render_table_appendix,
    render_written_appendix,
)
from ..util import code_digest, long_date
from ..util import sha256 as file_digest
from .cache import CACHE_DIR, Cache, Job, Parted, Progress, fingerprint, produce
from .changes import Changes, compare, read_state, snapshot, write_state
from .manifest import Document, Owner, describe, page_count, write_manifest
from .output import Claim, locked, refuse_out_of_bounds, scratch, staged, staging_path
from .parts import join_appendix, page_number_place
from .paths import default_out
from .public import MEMBERS, PublicSide, in_order
from .unchanged import input_digest, record, unchanged


@dataclass(frozen=True)
class Prepared:
    """A plan that passed every check, with each paper numbered and its references resolved."""

    plan: Plan
    papers: tuple[NumberedPaper, ...]
    warnings: tuple[Problem, ...] = ()
    written: tuple[NumberedPaper, ...] = ()  # the same papers with their references as written: the site links them


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote: the output folder and the documents in its manifest."""

    out_dir: Path
    documents: tuple[Document, ...]
    warnings: tuple[Problem, ...] = ()
    rebuilt: tuple[str, ...] = ()  # the documents rendered and converted, not taken from the cache
    changes: Changes | None = None


def _audit_templates(folders: TemplateFolders, broken: set[Path], problems: Problems) -> None:
    """Name what a committee's own template would lose a reader (``render/audit.py``).

    boardpack's shipped templates are left out: the test suite proves them, and a build need not pay
    for reading them again.
    """
    shipped = TEMPLATES_DIR.resolve()
    for name in TEMPLATE_NAMES:
        path = folders / name
        if path in broken or not path.is_file() or path.parent.resolve() == shipped:
            continue
        errors, warnings = audit_template(path)
        for message in errors:
            problems.add(Location(path), message)
        for message in warnings:
            problems.warn(Location(path), message)


def check(plan_dir: Path, templates: Path | TemplateFolders = TEMPLATES_DIR) -> Prepared:
    """Load and check the plan in *plan_dir*; raise PlanError listing every problem. Write nothing.

    *templates* is the template folder (the plan's own ``templates/`` comes first): its wording counts.
    """
    problems = Problems()
    folders = TemplateFolders.for_plan(plan_dir, templates)
    broken = set()
    for folder in folders.folders:
        found = linking_template(folder)
        if found:
            problems.add(Location(found[0]), found[1])
            broken.add(found[0])
    _audit_templates(folders, broken, problems)
    plan = read_plan(Path(plan_dir), problems, folders)
    action_plans = load_action_plans(plan, problems)
    tables = load_tables(plan, problems)
    check_attached(plan, problems)
    validate_plan(plan, problems)
    written = tuple(
        number_paper(p, problems, _of(p, action_plans), _of(p, tables), plan.wording_of(p.slug)) for p in plan.papers
    )
    papers = tuple(resolve_paper(p, problems) for p in written)
    problems.raise_if_any()
    plan = replace(plan, action_plans=action_plans, tables=tables)
    return Prepared(plan, papers, tuple(problems.warnings), written)


def _of(paper: Paper, found: dict[tuple[str, int], object]) -> dict[int, object]:
    """Return what was read for *paper*'s appendices (action plans, tables), by appendix index."""
    return {index: value for (slug, index), value in found.items() if slug == paper.slug}


def build(
    plan_dir: Path,
    out_dir: Path | None = None,
    templates: Path = TEMPLATES_DIR,
    progress: Progress | None = None,
    converter: Converter | None = None,
    force: bool = False,
    site: bool = True,
    part_rows: int | None = None,
) -> BuildResult:
    """Build every paper of the plan in *plan_dir* into *out_dir* and return what was written.

    Documents whose inputs are unchanged since the last build into *out_dir* come from its cache.
    *out_dir* is replaced only if it holds this meeting's output, or with *force*. With *site*, the
    HTML edition of the public papers too, in ``site/``. An actions appendix of more than *part_rows*
    actions (default ``appendix/parts.py``'s) is made in parts of that many table rows.
    """
    folders = TemplateFolders.for_plan(plan_dir, templates)
    out_dir = Path(out_dir) if out_dir else default_out(plan_dir)
    # The inputs' digest before reading them: an edit made while this build runs is one it has not seen.
    inputs = input_digest(plan_dir, folders.folders, out_dir, site, part_rows)
    found = unchanged(out_dir, inputs)
    if found is not None:  # the last build's inputs, and its output untouched: nothing to do
        documents = tuple(Document(**entry) for entry in found.documents)
        return BuildResult(out_dir, documents, found.warnings, (), Changes(previous_build=True))
    prepared = check(plan_dir, folders)
    converter = converter or Converter()
    meeting = prepared.plan.meeting
    owner = Owner(meeting.committee, meeting.date.isoformat(), Path(plan_dir).resolve().name)
    reads = tuple(p.loc.file.parent for p in prepared.plan.papers) + folders.folders
    claim = Claim(owner, force, keep=(Path(plan_dir), Path(templates)), reads=reads)
    refuse_out_of_bounds(out_dir, claim)
    with locked(out_dir):
        return _build(prepared, out_dir, folders, progress, converter, claim, site, part_rows, inputs)


def _build(
    prepared: Prepared,
    out_dir: Path,
    templates: Path,
    progress,
    converter: Converter,
    claim: Claim,
    site: bool,
    part_rows: int | None,
    inputs: str,
) -> BuildResult:
    """Build into *out_dir*, whose lock this build holds, if *claim* may replace it."""
    try:
        return _build_staged(prepared, out_dir, templates, progress, converter, claim, site, part_rows, inputs)
    except ConvertError as exc:  # name documents where they would have been, not in the staging folder
        staging = str(staging_path(out_dir))
        raise ConvertError(
            [Problem(str(p.where).replace(staging, str(out_dir)), p.message) for p in exc.problems]
        ) from None


def _build_staged(
    prepared: Prepared,
    out_dir: Path,
    templates: Path,
    progress,
    converter: Converter,
    claim: Claim,
    site: bool,
    part_rows: int | None,
    inputs: str,
) -> BuildResult:
    meeting = prepared.plan.meeting
    previous = read_state(out_dir / CACHE_DIR) or {}
    with staged(out_dir, claim) as staging, scratch(staging) as work:
        cache = Cache(out_dir, staging)
        jobs, rendered = _paper_jobs(prepared, staging, templates, part_rows, charts=cache)
        state = snapshot(list(prepared.papers), _keys_by_paper(jobs, rendered), _restricted_items(meeting))
        base = _changes_base(previous, state)
        changes = compare(base, state)
        supplement = _supplement(changes, state)
        docs = _pack_docs(prepared, rendered)
        packer = PackBuilder(meeting, docs, Path(work), templates, cache, converter, prepared.plan.wording)
        stamp = stamp_pattern(packer.w.phrases["pack.page_stamp"])
        public = None
        try:
            # One LibreOffice run, in the usual case, for everything: the papers; the withheld pages, which
            # depend on nothing converted; and the front sheets, rendered with last build's page counts.
            withheld = packer.withheld_pages()
            fronts = []
            if previous:  # a cold build has nothing to guess from: its front sheets wait for the papers
                guesses = _page_guesses(jobs + withheld, staging, cache, previous.get("pages", {}))
                fronts = packer.speculate(supplement, guesses)
            pages = partial(_prewarm_site, prepared, Path(work), cache) if site else None
            first = withheld + fronts  # quick to render: to LibreOffice while the papers render
            # Forked now, before the conversion's threads: it writes the public side while the members' converts.
            publish = partial(_publish, staging, prepared, rendered, out_dir, cache, stamp, site)
            public = PublicSide(publish, {job.pdf for job in first}, warm=pages)  # its child renders the site's pages
            packer.members_apart()  # and the members' packs' worker, after it: the public side holds nothing of it
            meanwhile = partial(_meanwhile, packer, None if public.warms else pages, public, supplement, staging)
            planned: list[list[PackJob]] = []  # the packs, when planned before a long appendix's join

            def joining(parted: dict[Path, tuple[Path, ...]]) -> None:
                # Its parts final: the members' packs are written from them, beside the join. Told here, not
                # only in _meanwhile, which nothing converted may not have run (an edit that prints nothing).
                _tell_parts(packer, parted)
                planned.append(_plan_packs(packer, public, supplement, staging))
                packer.send_members(planned[0])

            produced = produce(jobs + first, cache, meeting.date, converter, progress, meanwhile, first, joining)
            paper_jobs = {id(job) for job in jobs}
            built = [job for job in produced if id(job) in paper_jobs]
            if progress:
                progress("assembling the packs", 1, 1)
            jobs_of_packs = planned[0] if planned else _plan_packs(packer, public, supplement, staging)
            packs = packer.write(jobs_of_packs)
            if public.sent:
                public_packs, site_documents = public.result()
                packs = in_order(public_packs + packs)
        finally:
            if public is not None:
                public.stop()  # a build that failed: nothing more is written (and the packer is this thread's)
            packer.close()  # packs begun while converting and never written
        if not public.sent or site_documents is None:  # written here; or the child's packs, checked again here
            check_public_packs(packs, rendered, out_dir, cache, stamp)
            site_documents = write_public_site(staging, prepared, packs, rendered, out_dir, cache) if site else []
        documents = _describe(staging, rendered) + [_describe_pack(staging, p) for p in packs]
        documents += _write_changes(staging, changes, meeting)
        documents += site_documents
        pages = {_page_name(job, staging): page_count(job.pdf) for job in jobs + withheld}
        write_state(cache.new, {"papers": state, "base": base, "pages": pages})
        write_manifest(staging, documents)
        record(staging, inputs, prepared.warnings)
    rebuilt = tuple(job.label for job in built)
    this_build = changes if base is previous.get("papers") else compare(previous.get("papers"), state)
    return BuildResult(out_dir, tuple(documents), prepared.warnings, rebuilt, this_build)


def _plan_packs(packer: PackBuilder, public: PublicSide, supplement: Supplement | None, staging: Path) -> list[PackJob]:
    """Return the packs this process writes, or has its members' worker write, once the papers are final: the
    members', and the public ones when the public side's child was not sent them (it is let go here)."""
    public.settle()  # the public packs sent to the child, if they could be
    sides = MEMBERS if public.sent else (False, True)
    if not public.sent:
        public.withdraw()  # nothing converted, or the public papers final only now: written here
    jobs_of_packs = public.members
    if jobs_of_packs is None:  # not planned with the public packs: a paper was converting then
        jobs_of_packs = packer.plan(staging, sides=sides)
        jobs_of_packs += packer.plan(staging, supplement, sides=sides) if supplement else []
    return jobs_of_packs


def _tell_parts(packer: PackBuilder, parted: dict[Path, tuple[Path, ...]]) -> None:
    """Tell *packer* the documents made in parts this build (their parts' PDFs, by joined PDF) it does not
    know yet: its packs place them from their parts (``assemble.Joined``)."""
    for pdf, parts in parted.items():
        if pdf not in packer.joined:
            packer.joined[pdf] = Joined(parts, page_number_place(pdf.with_suffix(".docx")))


def _meanwhile(
    packer: PackBuilder,
    site,
    public: PublicSide,
    supplement: Supplement | None,
    staging: Path,
    pending: set[Path],
    ready,
) -> None:
    """What the build does while LibreOffice converts: begin the packs; render the site's paper pages; hand
    the public side to its child as soon as the public papers are final (``pipeline/public.py``). A long
    appendix made in parts is begun from its parts, all but the one converting (``assemble.Joined``)."""
    _tell_parts(packer, ready.parted)
    packer.preassemble(pending, public.sides(packer, supplement, ready))
    if site is not None:
        site()
    public.offer(packer, supplement, staging, ready)


def _publish(
    staging: Path, prepared: Prepared, rendered: list[Rendered], out_dir: Path, cache: Cache, stamp, site: bool, jobs
) -> tuple[list[BuiltPack], list[Document] | None]:
    """Write the public packs of *jobs*, check them for leaks and write the site (with *site*): in the
    public side's child (``pipeline/public.py``). Return the packs and the site's documents (None: not
    written, as a pack's text is to be compared with restricted documents that may not be final yet)."""
    packs = assemble_packs(jobs, cache, alone=True)
    if not check_public_packs(packs, rendered, out_dir, cache, stamp, defer_text=True):
        return packs, None  # the build checks them, and writes the site, once the restricted PDFs are final
    return packs, (write_public_site(staging, prepared, packs, rendered, out_dir, cache) if site else [])


def _prewarm_site(prepared: Prepared, work: Path, cache: Cache) -> None:
    """Render the site's paper pages (and draw their charts) into the build cache, in *work*: they print
    nothing of the packs, which are not written yet. ``write_public_site`` then finds them there; its
    leak check reads what it writes, as ever."""
    from ..site.write import make_edition, write_paper_pages  # imported here: only a build with a site

    plan = prepared.plan
    edition = make_edition(plan.meeting, prepared.papers, prepared.written, [], plan.wording)
    folder = work / "site-pages"
    folder.mkdir(exist_ok=True)
    write_paper_pages(folder, edition, cache)


def _changes_base(previous: dict, state: dict) -> dict | None:
    """Return the papers' state that ``changes.md`` and the supplements compare this build with.

    The last build's, usually. When no paper changed since it, the last build's own base: a build
    again with nothing changed keeps the record of the last change (changes.md, the supplements)
    as it was, byte for byte, rather than losing it to "nothing changed".
    """
    papers = previous.get("papers")
    if papers is not None and "base" in previous and json.loads(json.dumps(state)) == papers:
        return previous["base"]
    return papers


def _page_guesses(jobs: list[Job], root: Path, cache: Cache, previous: dict[str, int]) -> dict[Path, int]:
    """Guess each document's pages: its cached PDF's, else what its last version had, else one."""
    guesses = {}
    for job in jobs:
        cached = next((d / f"{job.key}.pdf" for d in (cache.new, cache.old) if (d / f"{job.key}.pdf").is_file()), None)
        guesses[job.pdf] = page_count(cached) if cached else previous.get(_page_name(job, root), 1)
    return guesses


def _page_name(job: Job, root: Path) -> str:
    """Name a document across builds: its place in the output, or its key when it lives elsewhere."""
    return job.pdf.relative_to(root).as_posix() if job.pdf.is_relative_to(root) else job.key


def _restricted_items(meeting) -> set[str]:
    return {item.paper for item in meeting.agenda if item.restricted and item.paper}


def _keys_by_paper(jobs: list[Job], rendered: list[Rendered]) -> dict[str, list[str]]:
    """Return each paper's document keys, and (under "paper:public") those of its public documents."""
    keys: dict[str, list[str]] = {}
    for job, doc in zip(jobs, rendered, strict=True):
        keys.setdefault(doc.paper, []).append(job.key)
        if not doc.restricted:
            keys.setdefault(f"{doc.paper}:public", []).append(job.key)
    return keys


def _supplement(changes: Changes, state: dict) -> Supplement | None:
    """Return the supplementary packs' papers: changed or added since the last build, by side."""
    if not changes.previous_build:
        return None
    members = {c.paper for c in changes.changed} | set(changes.added)
    public = {c.paper for c in changes.changed if c.public_changed and not c.restricted}
    public |= {slug for slug in changes.added if not state[slug]["restricted"]}
    if not members:
        return None
    what = {c.paper: {False: c.summary(public=True), True: c.summary()} for c in changes.changed}
    what.update({slug: {False: "new paper", True: "new paper"} for slug in changes.added})
    return Supplement({False: public, True: members}, what)


def _write_changes(root: Path, changes: Changes, meeting) -> list[Document]:
    """Write changes.json and changes.md; restricted when they describe a restricted change."""
    title = f"the {meeting.committee}, {long_date(meeting.date)}"
    (root / "changes.json").write_text(changes.to_json(), encoding="utf-8")
    (root / "changes.md").write_text(changes.to_markdown(title), encoding="utf-8")
    restricted = changes.names_restricted
    marking = "OFFICIAL-SENSITIVE" if restricted else "OFFICIAL"
    return [
        describe(root, root / name, "changes", None, restricted, marking) for name in ("changes.json", "changes.md")
    ]


@dataclass(frozen=True)
class Rendered:
    """A document of the build, and what the manifest says of it."""

    docx: Path
    kind: str
    paper: str
    restricted: bool
    marking: str
    title: str
    appendix: str = ""  # the appendix number, for an appendix
    converts: bool = True  # made by LibreOffice from a .docx, which the output keeps too

    @property
    def pdf(self) -> Path:
        """Return where its PDF is."""
        return self.docx.with_suffix(".pdf")

    @property
    def files(self) -> tuple[Path, ...]:
        """Return the files of it in the output: its .docx (when converted) and its PDF."""
        return (self.docx, self.pdf) if self.converts else (self.pdf,)


def _paper_jobs(
    prepared: Prepared, root: Path, templates: Path, part_rows: int | None = None, charts: Cache | None = None
) -> tuple[list[Job], list[Rendered]]:
    """Return a job for every report and appendix, each keyed by exactly what it is made from; their
    charts are kept in *charts* (the build cache), by what they draw."""
    meeting = prepared.plan.meeting
    restricted_items = {item.paper for item in meeting.agenda if item.restricted}
    report_template = file_digest(templates / REPORT_TEMPLATE)
    jobs, rendered = [], []
    for paper in prepared.papers:
        slug = paper.paper.slug
        item_restricted = slug in restricted_items
        docx = root / slug / "report.docx"
        key = fingerprint("report", report_template, meeting.committee, meeting.date, _report_inputs(paper))
        render = partial(_render_report_to, paper, meeting, templates, charts=charts)
        jobs.append(Job(key, docx, render, f"{slug} report", reads=_chart_entries(paper.sections, paper.wording)))
        rendered.append(Rendered(docx, "report", slug, item_restricted, paper.paper.marking, paper.paper.title))
        for appendix in paper.appendices:
            docx = root / slug / f"appendix-{appendix.number}.docx"
            jobs.append(_appendix_job(appendix, paper, meeting, templates, docx, part_rows, charts))
            restricted = appendix.appendix.restricted or item_restricted
            rendered.append(
                Rendered(
                    docx,
                    "appendix",
                    slug,
                    restricted,
                    appendix.marking,
                    appendix.heading,
                    appendix.number,
                    jobs[-1].converts,
                )
            )
    return jobs, rendered


def _appendix_job(
    appendix: NumberedAppendix,
    paper: NumberedPaper,
    meeting,
    templates: Path,
    docx: Path,
    part_rows: int | None = None,
    charts: Cache | None = None,
) -> Job:
    """Return the job that makes *appendix*, of whichever kind, keyed by what it prints."""
    label = f"{paper.paper.slug} appendix {appendix.number}"
    source = appendix.appendix.source
    head = (meeting.committee, meeting.date, paper.paper.title, appendix.heading, appendix.marking, paper.wording)
    if isinstance(source, AttachedFile):
        return _attached_job(source, appendix, paper, meeting, docx, head, label)
    template, render = _APPENDIX_RENDERERS[type(source)]
    reads = ()
    if isinstance(source, Written):  # its status summaries draw charts
        render, reads = partial(render, charts=charts), _chart_entries(appendix.sections, paper.wording)
    key = fingerprint("appendix", file_digest(templates / template), head, appendix)
    rows = rows_per_part(part_rows)
    if isinstance(source, ActionsSource) and appendix.plan is not None and len(appendix.plan.actions) > rows:
        key = fingerprint(key, "parts", rows)
        return _parted_job(appendix, paper, meeting, templates, docx, key, rows, label, fonts=charts)
    return Job(key, docx, partial(_render_appendix_to, render, appendix, paper, meeting, templates), label, reads=reads)


def _parted_job(
    appendix, paper, meeting, templates: Path, docx: Path, key: str, rows: int, label: str, fonts: Cache | None = None
) -> Job:
    """Return the job that makes a long actions appendix in parts of *rows* rows (``appendix/parts.py``); the
    font its page numbers are stamped in is kept in *fonts* (the build cache)."""
    folder = docx.parents[1] / CACHE_DIR / f"parts-{key[:16]}"  # the parts, while this build runs
    render = partial(draft_appendix_parts, appendix, paper, meeting, rows=rows)
    join = partial(join_appendix, whole=docx, day=meeting.date, fonts=fonts)
    parted = Parted(folder, join, begin=partial(Assembler, fonts))
    return Job(key, docx, partial(render, template_dir=templates), label, parted=parted)


def _attached_job(source: AttachedFile, appendix: NumberedAppendix, paper, meeting, docx: Path, head, label) -> Job:
    """Return the job that stamps an attached PDF, or prepares an attached Word document for conversion."""
    path = paper.paper.loc.file.parent / source.file
    if source.is_pdf:
        key = fingerprint("attached", file_digest(path), head)
        number_line, marking = paper.wording("appendix.stamp", number=appendix.number), appendix.marking
        stamp = partial(stamp_pdf, path, number_line=number_line, marking=marking, title=appendix.heading)
        return Job(key, docx, stamp, label, converts=False)
    subject, author = paper_properties(paper, meeting)
    marking_line = f"{paper.wording('marking.line')} {appendix.marking}"
    key = fingerprint("attached", file_digest(path), head, subject, author, marking_line)
    prepare = partial(prepare_docx, path, heading=appendix.heading, marking=appendix.marking, marking_line=marking_line)
    return Job(key, docx, partial(prepare, subject=subject, author=author, day=meeting.date), label)


_APPENDIX_RENDERERS = {
    ActionsSource: (APPENDIX_TEMPLATE, render_appendix),
    SheetTable: (TABLE_TEMPLATE, render_table_appendix),
    Written: (WRITTEN_TEMPLATE, render_written_appendix),
}


def _render_report_to(paper: NumberedPaper, meeting, templates: Path, out: Path, charts: Cache | None = None) -> Path:
    return render_report(paper, meeting, out, templates, charts)


def _render_appendix_to(render, appendix, paper: NumberedPaper, meeting, templates: Path, out: Path) -> Path:
    return render(appendix, paper, meeting, out, templates)


def _chart_entries(sections, wording) -> tuple[tuple[str, str], ...]:
    """Return the cache entries of the charts *sections* draw (``render/chart.py``)."""
    axis = wording("report.chart_axis")
    return tuple(chart_entry(b.table, axis) for s in sections for b in s.blocks if b.table is not None)


def _report_inputs(paper: NumberedPaper) -> tuple:
    """What a covering report shows: its own words, and of its appendices only their headings (and, in
    its sections, the counts and references resolved from them), never their rows or written text."""
    own = replace(paper.paper, appendices=())
    return (own, paper.summary, paper.sections, [a.heading for a in paper.appendices], paper.wording)


def _pack_docs(prepared: Prepared, rendered: list[Rendered]) -> PackDocs:
    def doc(r: Rendered) -> PackDoc:
        return PackDoc(r.docx.with_suffix(".pdf"), r.restricted, r.marking, r.title)

    return PackDocs(
        reports={r.paper: doc(r) for r in rendered if r.kind == "report"},
        appendices={(r.paper, r.appendix): doc(r) for r in rendered if r.kind == "appendix"},
        papers={p.paper.slug: p for p in prepared.papers},
    )


def check_public_packs(
    packs: list[BuiltPack],
    rendered: list[Rendered],
    out_dir: Path,
    cache: Cache,
    stamp: re.Pattern[bytes] = STAMP,
    defer_text: bool = False,
) -> bool:
    """Raise AssembleError, after removing the public packs, if restricted text or titles reached one.

    *stamp* is the pattern of the packs' own page stamp, in the meeting's wording. With *defer_text*
    (the public side's child, while restricted documents may still be converting), return False
    without reading any restricted PDF when a pack's text must be compared with theirs
    (``find_leaks``): the build checks the packs again once they are final. True: checked.
    """
    restricted = {r.docx.with_suffix(".pdf"): r.title for r in rendered if r.restricted}
    plan_side = {r.pdf: r.docx for r in rendered if r.restricted and r.converts}  # what boardpack rendered
    reader = _CachedReader(cache)
    problems = []
    for public in (p for p in packs if not p.restricted and not p.cached):  # a cached pack passed when made
        sources = [public.front] + [d.pdf for d in public.docs if not d.restricted]
        report_as = out_dir / public.path.name
        found = find_leaks(
            public.path,
            restricted,
            sources,
            report_as,
            reader.text,
            reader.prints,
            stamp,
            lambda pdf: reader.docx(plan_side[pdf]) if pdf in plan_side else None,
            defer_text,
        )
        if found is None:
            return False
        problems += found
    if problems:
        for public in (p for p in packs if not p.restricted):
            public.path.unlink(missing_ok=True)
        raise AssembleError(problems)
    return True


def write_public_site(
    staging: Path, prepared: Prepared, packs: list[BuiltPack], rendered: list[Rendered], out_dir: Path, cache: Cache
) -> list[Document]:
    """Write the HTML edition of the public papers into *staging*/site; check it holds nothing restricted.

    Raise AssembleError, as a public pack that leaks does, if a restricted document's text or title
    reached a page (``site/leaks.py``); the staging folder is then removed and the output kept.
    """
    from ..site.leaks import site_leaks  # imported here: only a build that writes the site needs them
    from ..site.write import SITE, make_edition, write_site

    plan = prepared.plan
    edition = make_edition(plan.meeting, prepared.papers, prepared.written, packs, plan.wording)
    files = write_site(staging, edition, cache)
    restricted = [r for r in rendered if r.restricted]
    reader = _CachedReader(cache)
    texts = [reader.docx(r.docx) for r in restricted if r.converts]
    titles = {as_title(r.title) for r in restricted}
    public = [reader.docx(r.docx) for r in rendered if not r.restricted and r.converts]  # shared wording: no leak
    printed = [item.title for item in edition.site.agenda]  # what the public agenda prints of every item
    printed += [a.title for item in edition.site.agenda for a in item.appendices]
    problems = site_leaks(staging / SITE, texts, titles, public_texts=public, public_titles=printed, store=cache)
    if problems:
        staged = str(staging)
        raise AssembleError([Problem(str(p.where).replace(staged, str(out_dir)), p.message) for p in problems])
    marking = edition.site.marking
    return [describe(staging, path, "site", _site_paper(staging, path), False, marking) for path in files]


def _site_paper(root: Path, path: Path) -> str | None:
    """Return the paper a file of the site is about (``site/<slug>/…``), or None for the meeting's."""
    parts = path.relative_to(root / "site").parts
    return parts[0] if len(parts) > 1 else None


class _CachedReader:
    """Each document's text and page digests (and a .docx's text), read once and kept in the build cache by
    its digest."""

    def __init__(self, cache: Cache):
        self.cache = cache
        self.found: dict[tuple[str, str], object] = {}

    def text(self, pdf: Path) -> str:
        return self._get(pdf, ".txt", pdf_text, str.encode, bytes.decode)

    def docx(self, docx: Path) -> str:
        """The text of a .docx (``docx_text``), read once and kept by its digest, as a PDF's."""
        return self._get(docx, ".docx-text", docx_text, str.encode, bytes.decode)

    def prints(self, pdf: Path) -> list[str | None]:
        return self._get(pdf, ".pages-v1", page_prints, lambda v: json.dumps(v).encode(), json.loads)

    def _get(self, pdf: Path, suffix: str, read, dump, load):
        # by the file's bytes and the code that reads them: another boardpack may read the same file otherwise
        digest = hashlib.sha256(f"{code_digest()}:{file_digest(pdf)}".encode()).hexdigest()
        if (digest, suffix) not in self.found:
            cached = self.cache.read(digest, suffix)
            value = load(cached) if cached is not None else read(pdf)
            if cached is None:
                self.cache.write(digest, suffix, dump(value))
            self.found[digest, suffix] = value
        return self.found[digest, suffix]


def _describe_pack(root: Path, pack: BuiltPack) -> Document:
    kind = "supplement" if pack.path.name in SUPPLEMENTS.values() else "pack"
    return describe(root, pack.path, kind, None, pack.restricted, pack.marking)


def _describe(root: Path, rendered: list[Rendered]) -> list[Document]:
    return [describe(root, path, r.kind, r.paper, r.restricted, r.marking) for r in rendered for path in r.files]
