"""Incremental builds: unchanged documents come from the cache, byte for byte; changes rebuild exactly theirs."""

from __future__ import annotations

import hashlib
import os
import shutil

import pytest
from openpyxl import load_workbook

from boardpack.pipeline.builder import build
from boardpack.pipeline.cache import CACHE_DIR, fingerprint
from boardpack.plan.model import Paragraph
from boardpack.plan.templates import TEMPLATES_DIR as TEMPLATES

from .conftest import PAPER
from .test_council_example import COUNCIL

pytestmark = pytest.mark.e2e


def digests(out):
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in out.rglob("*")
        if p.is_file() and CACHE_DIR not in p.parts and p.suffix in (".docx", ".pdf")
    }


@pytest.fixture
def built_copy(plan_copy, tmp_path):
    out = tmp_path / "out"
    first = build(plan_copy, out)
    assert len(first.rebuilt) == 6  # five reports and the appendix
    return plan_copy, out, digests(out)


def test_no_op_rebuild_rebuilds_nothing_and_changes_no_byte(built_copy):
    plan, out, before = built_copy
    again = build(plan, out)
    assert again.rebuilt == ()
    assert digests(out) == before
    # changes.md keeps the record of the last build that changed something: here, the first
    assert (out / "changes.md").read_text(encoding="utf-8").endswith("nothing to compare with.\n")


def test_a_cold_build_elsewhere_gives_the_same_bytes(built_copy, tmp_path):
    plan, _, before = built_copy
    other = build(plan, tmp_path / "elsewhere")
    assert len(other.rebuilt) == 6
    assert digests(tmp_path / "elsewhere") == before


def test_one_paragraph_rebuilds_that_paper_and_the_packs_only(built_copy):
    plan, out, before = built_copy
    paper = plan / "minutes" / "paper.yaml"
    text = paper.read_text(encoding="utf-8")
    paper.write_text(text.replace("No interests were declared.", "One interest was declared."), "utf-8")
    again = build(plan, out)
    assert again.rebuilt == ("minutes report",)
    after = digests(out)
    changed = {path for path in after if before.get(path) != after[path]}
    assert changed == {
        "minutes/report.docx",
        "minutes/report.pdf",
        "public-pack.pdf",
        "members-pack.pdf",
        "supplement-public.pdf",
        "supplement-members.pdf",
        # the site's copies of what its pages link: the paper's files and the public packs
        "site/minutes/report.docx",
        "site/minutes/report.pdf",
        "site/public-pack.pdf",
        "site/supplement-public.pdf",
    }


@pytest.mark.parametrize("child", [True, False], ids=["public side in its child", "every pack here"])
def test_packs_begun_while_converting_are_the_packs_a_cold_build_makes(built_copy, tmp_path, monkeypatch, child):
    """The members' pack is begun while LibreOffice converts; the public side is written by its forked
    child (``pipeline/public.py``) once its papers are final, or, with no child, begun here too."""
    from boardpack.pack.packs import PackBuilder
    from boardpack.pipeline import public

    plan, out, _ = built_copy
    begun, sent = {}, []
    real, send = PackBuilder.preassemble, public.forked.Standby.send

    def preassemble(self, pending, sides=(False, True)):
        real(self, pending, sides)
        begun.update({name: len(assembler.taken) for name, assembler in self.started.items()})

    def send_jobs(self, jobs):
        sent.extend(job.pack.path.name for job in jobs)
        send(self, jobs)

    monkeypatch.setattr(PackBuilder, "preassemble", preassemble)
    monkeypatch.setattr(public.forked.Standby, "send", send_jobs)
    if not child:
        monkeypatch.setattr(public.forked, "CAN_FORK", False)  # as where the system cannot fork
    paper = plan / "risk-management-update" / "paper.yaml"
    text = paper.read_text(encoding="utf-8")
    paper.write_text(text.replace("risk", "risks", 1), "utf-8")
    assert build(plan, out).rebuilt == ("risk-management-update report",)
    assert begun["members-pack.pdf"] >= 2  # front sheet and earlier items
    if child:
        assert "public-pack.pdf" not in begun and sent == ["public-pack.pdf", "supplement-public.pdf"]
    else:
        assert begun["public-pack.pdf"] >= 2 and sent == []
    cold = tmp_path / "cold"
    build(plan, cold)
    for pack in ("public-pack.pdf", "members-pack.pdf"):
        assert (out / pack).read_bytes() == (cold / pack).read_bytes(), pack


def test_the_members_packs_are_begun_and_written_beside_the_build_not_in_its_process(built_copy, tmp_path, monkeypatch):
    """Copying a members' pack's parts is most of a rebuild's work in Python, which runs one thread at a time:
    it is done in the members' worker (``pack/packs.py``: ``MembersPacks``), on the second core, while the
    build renders, checks and tags; the packs are the packs a cold build makes."""
    from boardpack.pack.assemble import Assembler

    plan, out, _ = built_copy
    log, real = tmp_path / "copies.log", Assembler._copy

    def logged(self, pdf):
        with log.open("a", encoding="utf-8") as copies:
            copies.write(f"{os.getpid()} {pdf.name}\n")
        return real(self, pdf)

    monkeypatch.setattr(Assembler, "_copy", logged)
    paper = plan / "risk-management-update" / "paper.yaml"
    paper.write_text(paper.read_text(encoding="utf-8").replace("risk", "risks", 1), "utf-8")
    assert build(plan, out).rebuilt == ("risk-management-update report",)
    copies = [line.split(" ", 1) for line in log.read_text(encoding="utf-8").splitlines()]
    restricted = [pid for pid, name in copies if name.startswith("appendix")]  # in the members' packs alone
    assert restricted and str(os.getpid()) not in restricted  # the members' pack copied it, in its worker
    cold = tmp_path / "cold"
    build(plan, cold)
    for pack in ("members-pack.pdf", "public-pack.pdf"):  # a cold build has no supplement
        assert (out / pack).read_bytes() == (cold / pack).read_bytes(), pack


@pytest.mark.parametrize("child", [True, False], ids=["in the public side's child", "here, with no fork"])
def test_the_sites_pages_are_rendered_while_the_build_renders_in_the_public_sides_child(
    built_copy, tmp_path, monkeypatch, child
):
    """The site's paper pages need nothing converted: the public side's child renders them into the build
    cache as soon as it is forked, on the second core while the build renders the papers, not in the
    build's process while LibreOffice converts (``pipeline/public.py``: ``warm``); with no fork, the build
    renders them itself. Either way the site is the site a cold build writes."""
    from boardpack.pipeline import public
    from boardpack.pipeline.cache import Cache
    from boardpack.site.write import PAGE_SUFFIX

    plan, out, _ = built_copy
    log, real = tmp_path / "pages.log", Cache.write

    def write(self, key, suffix, data):
        if suffix == PAGE_SUFFIX:
            with log.open("a", encoding="utf-8") as pages:
                pages.write(f"{os.getpid()}\n")
        return real(self, key, suffix, data)

    monkeypatch.setattr(Cache, "write", write)
    if not child:
        monkeypatch.setattr(public.forked, "CAN_FORK", False)
    paper = plan / "risk-management-update" / "paper.yaml"
    paper.write_text(paper.read_text(encoding="utf-8").replace("risk", "risks", 1), "utf-8")
    assert build(plan, out).rebuilt == ("risk-management-update report",)
    rendered = set(log.read_text(encoding="utf-8").split())  # the processes that rendered a page again
    assert rendered == ({str(os.getpid())} if not child else rendered - {str(os.getpid())}) and rendered
    pages = sorted((out / "site" / "risk-management-update").glob("*.html"))
    assert pages and "risks" in pages[0].read_text(encoding="utf-8")
    cold = tmp_path / "cold"
    build(plan, cold)
    for page in pages:
        assert page.read_bytes() == (cold / page.relative_to(out)).read_bytes(), page.name


def test_a_public_pack_whose_text_is_compared_with_restricted_ones_is_checked_once_they_are_final(
    built_copy, tmp_path, monkeypatch
):
    """The public side's child never reads a restricted PDF (it may be converting still): a pack whose
    text must be compared with theirs (a page that is no public document's) is checked by the build,
    after every document is final, and the site is written then (``pipeline/public.py``)."""
    import os

    from boardpack.pack import leaks
    from boardpack.pipeline import public

    plan, out, _ = built_copy
    log, sent = tmp_path / "text-checks.log", []
    real_text_leaks, send = leaks._text_leaks, public.forked.Standby.send

    def text_leaks(pack, restricted, *args):
        with log.open("a", encoding="utf-8") as lines:
            lines.write(f"{os.getpid()} {all(pdf.is_file() for pdf in restricted)}\n")
        return real_text_leaks(pack, restricted, *args)

    def send_jobs(self, jobs):
        sent.extend(job.pack.path.name for job in jobs)
        send(self, jobs)

    monkeypatch.setattr(leaks, "accounted_for", lambda *args: False)  # every page: compare its text
    monkeypatch.setattr(leaks, "_text_leaks", text_leaks)
    monkeypatch.setattr(public.forked.Standby, "send", send_jobs)
    paper = plan / "risk-management-update" / "paper.yaml"
    paper.write_text(paper.read_text(encoding="utf-8").replace("risk", "risks", 1), "utf-8")
    result = build(plan, out)
    assert "public-pack.pdf" in sent  # the child wrote it ...
    checks = log.read_text(encoding="utf-8").splitlines()
    assert checks and set(checks) == {f"{os.getpid()} True"}  # ... the build compared its text, all final
    assert (out / "site" / "index.html").is_file() and any(d.kind == "site" for d in result.documents)


def test_packs_begun_while_converting_are_the_packs_written_from_nothing_supplements_too(
    built_copy, tmp_path, monkeypatch
):
    """Every pack begun while LibreOffice converts (main and supplementary, ``PackBuilder.preassemble``) is,
    byte for byte, the pack the same build writes when nothing was begun."""
    from boardpack.pack.packs import PackBuilder

    plan, out, _ = built_copy
    other = tmp_path / "other"
    shutil.copytree(out, other)
    paper = plan / "risk-management-update" / "paper.yaml"
    paper.write_text(paper.read_text(encoding="utf-8").replace("risk", "risks", 1), "utf-8")
    begun = {}
    real = PackBuilder.preassemble

    def preassemble(self, pending, sides=(False, True)):
        real(self, pending, sides)
        begun.update({name: len(assembler.taken) for name, assembler in self.started.items()})

    monkeypatch.setattr(PackBuilder, "preassemble", preassemble)
    build(plan, out)
    assert begun["members-pack.pdf"] >= 2 and "supplement-members.pdf" in begun  # its papers: converting then
    monkeypatch.setattr(PackBuilder, "preassemble", lambda self, pending, sides=(False, True): None)
    monkeypatch.setattr(PackBuilder, "_take_papers", lambda self, sides, pending, ready=None, **unready: None)
    build(plan, other)
    packs = ("public-pack.pdf", "members-pack.pdf", "supplement-public.pdf", "supplement-members.pdf")
    for pack in packs:
        assert (out / pack).read_bytes() == (other / pack).read_bytes(), pack


def test_packs_planned_while_their_papers_are_checked_are_kept_under_their_final_bytes(built_copy, monkeypatch):
    """The packs are planned once the papers are written, while they are still being checked and tagged
    (``pipeline/public.py``): a pack keyed then, from bytes not final, was kept where no later build looks,
    and the next build wrote it again (CI found it under load). Made certain here: every PDF is slow to
    finish. The next build then takes every pack from the cache: writing one fails it."""
    import time

    from boardpack.pack.assemble import Assembler
    from boardpack.pipeline import cache

    plan, out, _ = built_copy
    real_normalize = cache.normalize_pdf

    def slow_normalize(*args, **kwargs):
        time.sleep(0.5)  # the packs are planned meanwhile
        return real_normalize(*args, **kwargs)

    paper = plan / "risk-management-update" / "paper.yaml"
    paper.write_text(paper.read_text(encoding="utf-8").replace("risk", "risks", 1), "utf-8")
    with monkeypatch.context() as slow:
        slow.setattr(cache, "normalize_pdf", slow_normalize)
        assert build(plan, out).rebuilt == ("risk-management-update report",)
    report = out / "minutes" / "report.docx"  # touched: built again, every document from the cache
    os.utime(report, ns=(report.stat().st_atime_ns, report.stat().st_mtime_ns + 1))

    def write(self, *args, **kwargs):
        raise AssertionError(f"a pack written again, not taken from the cache: {args[0]}")

    monkeypatch.setattr(Assembler, "write", write)
    again = build(plan, out)
    assert again.rebuilt == ()
    assert {d.path for d in again.documents if d.kind == "pack"} >= {"public-pack.pdf", "members-pack.pdf"}


def test_an_action_status_rebuilds_the_appendix_and_its_report(built_copy):
    plan, out, _ = built_copy
    path = plan / PAPER / "appendix.xlsx"
    book = load_workbook(path)
    sheet = book["Actions"]
    (row,) = [r for r in sheet.iter_rows(min_row=2) if r[0].value == "CIP-11"]
    row[6].value = "Some slippage"  # was Off track: the report's status table changes too
    book.save(path)
    assert build(plan, out).rebuilt == (f"{PAPER} report", f"{PAPER} appendix 1")


def test_an_action_progress_note_rebuilds_only_the_appendix(built_copy):
    plan, out, _ = built_copy
    path = plan / PAPER / "appendix.xlsx"
    book = load_workbook(path)
    (row,) = [r for r in book["Actions"].iter_rows(min_row=2) if r[0].value == "CIP-11"]
    row[7].value = "New timetable agreed."
    book.save(path)
    assert build(plan, out).rebuilt == (f"{PAPER} appendix 1",)


def test_a_paragraph_of_the_report_that_carries_the_appendix_does_not_rebuild_the_appendix(built_copy):
    plan, out, before = built_copy
    paper = plan / PAPER / "paper.yaml"
    text = paper.read_text(encoding="utf-8")
    assert "financial oversight model" in text
    paper.write_text(text.replace("financial oversight model", "financial oversight models", 1), "utf-8")
    assert build(plan, out).rebuilt == (f"{PAPER} report",)
    after = digests(out)
    assert after[f"{PAPER}/appendix-1.pdf"] == before[f"{PAPER}/appendix-1.pdf"]
    assert after[f"{PAPER}/report.pdf"] != before[f"{PAPER}/report.pdf"]


def test_a_paragraph_of_the_report_that_carries_the_appendix_does_not_draw_its_chart_again(
    built_copy, tmp_path, monkeypatch
):
    """Its status table is unchanged: the chart comes from the build cache, and the report is the one a
    build that drew the chart makes, byte for byte. Another paper's edit in between keeps the chart."""
    from boardpack.render import chart

    plan, out, _ = built_copy
    minutes = plan / "minutes" / "paper.yaml"
    minutes.write_text(minutes.read_text(encoding="utf-8").replace("26 September", "27 September"), "utf-8")
    assert build(plan, out).rebuilt == ("minutes report",)  # the governance report is not rendered
    paper = plan / PAPER / "paper.yaml"
    text = paper.read_text(encoding="utf-8")
    paper.write_text(text.replace("financial oversight model", "financial oversight models", 1), "utf-8")

    def refuse(*args, **kwargs):
        raise AssertionError("the chart was drawn again")

    monkeypatch.setattr(chart, "status_chart", refuse)  # every drawing of a chart goes through it
    assert build(plan, out).rebuilt == (f"{PAPER} report",)
    monkeypatch.undo()
    cold = tmp_path / "cold"
    build(plan, cold)
    assert digests(out)[f"{PAPER}/report.docx"] == digests(cold)[f"{PAPER}/report.docx"]


def test_a_status_change_draws_the_chart_of_the_new_counts(built_copy, tmp_path):
    plan, out, before = built_copy
    path = plan / PAPER / "appendix.xlsx"
    book = load_workbook(path)
    (row,) = [r for r in book["Actions"].iter_rows(min_row=2) if r[0].value == "CIP-11"]
    row[6].value = "Some slippage"
    book.save(path)
    build(plan, out)
    cold = tmp_path / "cold"
    build(plan, cold)
    charts = sorted((out / CACHE_DIR).glob("*.chart.png"))
    assert len(charts) == 1  # the old counts' chart is not kept
    assert digests(out)[f"{PAPER}/report.docx"] == digests(cold)[f"{PAPER}/report.docx"]
    assert digests(out)[f"{PAPER}/report.docx"] != before[f"{PAPER}/report.docx"]


def test_a_written_appendix_edit_rebuilds_the_appendix_not_its_report(tmp_path):
    """A written appendix's words are its own: the report prints only its heading (and references
    resolved into it, which are the report's sections and so its key)."""
    council = tmp_path / COUNCIL.name
    shutil.copytree(COUNCIL, council)
    out = tmp_path / "out"
    build(council, out)
    paper = council / "governance" / "paper.yaml"
    text = paper.read_text(encoding="utf-8")
    assert "The quorum is three councillors." in text
    paper.write_text(text.replace("The quorum is three councillors.", "The quorum is four councillors."), "utf-8")
    assert build(council, out).rebuilt == ("governance appendix 1",)


def test_the_cache_keeps_only_what_the_last_build_used(built_copy):
    plan, out, _ = built_copy
    paper = plan / "minutes" / "paper.yaml"
    paper.write_text(paper.read_text(encoding="utf-8").replace("26 September", "27 September"), "utf-8")
    build(plan, out)
    entries = {p.stem for p in (out / CACHE_DIR).iterdir() if p.suffix in (".pdf", ".docx")}
    assert len(entries) == len({p.stem for p in (out / CACHE_DIR).glob("*.pdf")})
    # Six papers, two withheld pages; front sheets and packs, twice over (full and supplementary):
    # nothing is left from the first build.
    assert len(entries) == 6 + 2 + 4 + 4


def test_fingerprint_ignores_where_things_came_from():
    from pathlib import Path

    from boardpack.errors import Location

    a = Paragraph(text="Same words.", loc=Location(Path("a.yaml"), 3, 7))
    b = Paragraph(text="Same words.", loc=Location(Path("b.yaml"), 30, 1))
    assert fingerprint(a) == fingerprint(b)
    assert fingerprint(a) != fingerprint(Paragraph(text="Other words."))


def test_a_change_to_boardpacks_own_code_changes_every_key(monkeypatch):
    """Keyed by the version alone, a fixed layout stayed as the old code made it in every cached document."""
    from boardpack.pipeline import cache

    assert len(cache.code_digest()) == 64
    before = cache.fingerprint("report", {"title": "A paper"})
    monkeypatch.setattr(cache, "code_digest", lambda: "other code")
    assert cache.fingerprint("report", {"title": "A paper"}) != before


def test_a_document_is_rendered_beside_its_place_and_renamed_over_it(tmp_path):
    """Whoever reads a document's .docx while it is made again (the public side's offer makes a front sheet
    the build is checking at that moment) reads the old file or the new, whole: the render writes a name of
    its own, which is dated and renamed over the document's."""
    import datetime as dt

    from boardpack.pipeline.cache import Job, _render

    docx = tmp_path / "front.docx"
    shutil.copy(TEMPLATES / "frontsheet.docx", docx)
    before = docx.read_bytes()
    seen = []

    def render(out):
        seen.append((out != docx, docx.read_bytes() == before))  # elsewhere, the old file whole meanwhile
        shutil.copy(TEMPLATES / "withheld.docx", out)

    _render([Job("k", docx, render, "a front sheet")], dt.date(2017, 12, 19), None, 2)
    assert seen == [(True, True)]
    assert docx.read_bytes() != before and sorted(p.name for p in tmp_path.iterdir()) == ["front.docx"]
