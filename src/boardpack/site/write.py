"""Write the HTML edition: ``site/index.html``, a page per public paper and per public appendix boardpack
writes from data, the stylesheet, and the meeting as ``meeting.json`` and ``meeting.ics``.

Text is data: the pages are rendered in a sandboxed, strict, escaping Jinja environment from
boardpack's own templates (``templates/site/``); plan text only ever enters as values. Nothing in a
page depends on the time of the build, so the same plan gives the same bytes.
"""

from __future__ import annotations

import functools
import hashlib
import io
import pickle
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from ..pack.packs import BuiltPack
from ..plan.model import Meeting, NumberedPaper
from ..plan.templates import TEMPLATES_DIR
from ..plan.wording import Wording
from ..render.chart import alt_text
from ..util import code_digest, long_date
from .data import meeting_ics, meeting_json
from .meeting import site_meeting
from .model import SiteMeeting
from .pages import PAGE_KINDS, PaperPage, PaperPages
from .svg import Store, chart_svg, inline

SITE = "site"
TEMPLATES = TEMPLATES_DIR / "site"
STYLESHEET = "site.css"
PAGE_SUFFIX = ".site-page.html"  # a page as rendered, by a digest of its template and everything it is given


@dataclass(frozen=True)
class PageHead:
    """What a paper's page prints of the meeting (its title, header and footer): all it is given of it, so
    its key in the cache holds nothing else (the packs' sizes, which change with every edit, are the index's)."""

    committee: str
    title: str
    marking: str


@dataclass(frozen=True)
class Edition:
    """What the site is made from: the meeting, its public papers (resolved, and as written), its packs."""

    meeting: Meeting
    site: SiteMeeting
    papers: tuple[tuple[NumberedPaper, NumberedPaper], ...]  # public papers: (resolved, as written)
    notes: dict[str, str]  # agenda notes by item number, as the front sheet prints them


def make_edition(
    meeting: Meeting,
    papers: tuple[NumberedPaper, ...],
    written: tuple[NumberedPaper, ...],
    packs: list[BuiltPack],
    wording: Wording,
) -> Edition:
    """Return what the site publishes of *meeting*: its public papers (*papers* resolved, *written* as written)."""
    by_slug = {p.paper.slug: p for p in papers}
    site = site_meeting(meeting, by_slug, packs, wording)
    public = {item.paper for item in site.agenda if item.page}
    pairs = tuple((p, w) for p, w in zip(papers, written, strict=True) if p.paper.slug in public)
    notes = {str(n): item.note for n, item in enumerate(meeting.agenda, 1) if item.note}
    return Edition(meeting, site, pairs, notes)


@functools.cache
def environment() -> jinja2.Environment:
    """The one sandboxed, strict, escaping environment the site's templates render in."""
    return ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def write_site(root: Path, edition: Edition, cache: Store | None = None) -> list[Path]:
    """Write the site into *root*/site and return every file written, in order."""
    out = root / SITE
    out.mkdir(parents=True, exist_ok=True)
    written = [_copy(TEMPLATES / STYLESHEET, out / STYLESHEET)]
    common = {"site": edition.site, "date_long": long_date(edition.site.date)}
    written.append(_page(out / "index.html", "index.html", {**common, "notes": edition.notes, "root": ""}, cache))
    (out / "meeting.json").write_text(meeting_json(edition.site), encoding="utf-8")
    (out / "meeting.ics").write_bytes(meeting_ics(edition.site))
    written += [out / "meeting.json", out / "meeting.ics"]
    written += write_paper_pages(out, edition, cache)
    written += _downloads(root, out, written)
    return written


def write_paper_pages(out: Path, edition: Edition, cache: Store | None = None) -> list[Path]:
    """Write each public paper's pages (its report's, its appendices') into *out*/<slug>/; return them.

    They print nothing of the packs, so the build renders them into its cache while LibreOffice converts
    (with no packs yet), and ``write_site`` then finds them there.
    """
    common = {"site": edition.site, "date_long": long_date(edition.site.date)}
    head = {**common, "site": PageHead(edition.site.committee, edition.site.title, edition.site.marking)}
    written = []
    for paper, raw in edition.papers:
        written += _paper(out / paper.paper.slug, PaperPages(paper, raw, edition.meeting), head, cache)
    return written


LINKED_FILE = re.compile(r'href="([^"#?:]+\.(?:pdf|docx))"')


def _downloads(root: Path, out: Path, pages: list[Path]) -> list[Path]:
    """Copy into the site every PDF and .docx its pages link to, from the same place in *root*.

    The site stands alone (copy site/ to any static host): a page links ``report.pdf`` beside it, and
    that is the output folder's ``<paper>/report.pdf``. Only public documents are linked, and the
    site's leak check and the public pack's have read them.
    """
    copied = []
    for page in (p for p in pages if p.suffix == ".html"):
        for href in LINKED_FILE.findall(page.read_text(encoding="utf-8")):
            dest = (page.parent / href).resolve()
            rel = dest.relative_to(out.resolve())  # a link that left the site would raise here
            if dest not in copied and (root / rel).is_file():
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(root / rel, dest)
                copied.append(dest)
    return [out / p.relative_to(out.resolve()) for p in sorted(copied)]


def _paper(folder: Path, pages: PaperPages, common: dict, cache: Store | None) -> list[Path]:
    folder.mkdir(exist_ok=True)
    written = [_paper_page(folder / "index.html", pages.report(), pages, common, cache)]
    raw = {a.number: a for a in pages.raw.appendices}
    for appendix in pages.paper.appendices:
        if appendix.appendix.restricted or type(appendix.appendix.source) not in PAGE_KINDS:
            continue
        page = pages.appendix(appendix, raw[appendix.number])
        written.append(_paper_page(folder / f"appendix-{appendix.number}.html", page, pages, common, cache))
    return written


def _paper_page(out: Path, page: PaperPage, pages: PaperPages, common: dict, cache: Store | None) -> Path:
    w = pages.paper.wording
    charts = {
        n: Markup(inline(chart_svg(t, w("report.chart_axis"), cache), f"chart-{n}", alt_text(t, w)))
        for n, t in enumerate(pages.charts, 1)
    }
    context = {**common, "page": page, "charts": charts, "root": "../", "words": _words(w)}
    return _page(out, "paper.html", context, cache)


def _words(w) -> dict:
    """The paper's own wording of what its pages print around the plan's text."""
    columns = ("ref", "area", "action", "owner", "due", "status", "progress")
    return {
        "summary_title": w("report.summary_title"),
        "heading_by_theme": w("actions.heading_by_theme"),
        "columns": tuple(w(f"actions.col_{c}") for c in columns),
    }


def _page(out: Path, template: str, context: dict, cache: Store | None = None) -> Path:
    """Render *template* with *context* into *out*; from the build cache when rendered before from the same."""
    key = page_key(template, context) if cache else None
    text = cache.read(key, PAGE_SUFFIX) if cache and key else None
    if text is None:
        text = environment().get_template(template).render(context).encode("utf-8")
        if cache and key:
            cache.write(key, PAGE_SUFFIX, text)
    out.write_bytes(text)
    return out


def page_key(template: str, context: dict) -> str | None:
    """Return a digest of all a page is made from: its context (pickled, every value with its type: equal
    bytes are equal values), the site's templates, Jinja's version and boardpack's code (the environment,
    its filters); None when the context cannot be pickled (the page is then rendered, and not kept)."""
    given = io.BytesIO()
    pickler = pickle.Pickler(given, protocol=5)
    pickler.fast = True  # no memo: the bytes follow the values alone, not which of them are one object
    try:
        pickler.dump(context)
    except (pickle.PicklingError, TypeError, AttributeError, ValueError, RecursionError):
        return None
    made_by = "\0".join([code_digest(), _templates_digest(), jinja2.__version__, template]).encode("utf-8")
    return hashlib.sha256(made_by + b"\0" + given.getvalue()).hexdigest()


@functools.cache
def _templates_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in TEMPLATES.rglob("*") if p.is_file()):
        digest.update(path.relative_to(TEMPLATES).as_posix().encode("utf-8") + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _copy(src: Path, dest: Path) -> Path:
    shutil.copyfile(src, dest)
    return dest
