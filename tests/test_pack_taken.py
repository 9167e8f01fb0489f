"""Packs begun while LibreOffice converts: every part already final is copied in ahead of its turn
(``Assembler.take``), in any order, and the pack written is byte for byte the pack of a cold build,
even when the front sheet guessed before the papers were converted turns out wrong."""

from __future__ import annotations

import random

import pytest
from pypdf import PdfReader

from boardpack.pack.assemble import Assembler, NumberPlace, PackInfo, Part, _bookmarks, assemble, join
from boardpack.pack.packs import MEMBERS_PACK, PUBLIC_PACK, PackBuilder
from boardpack.pipeline.builder import build
from boardpack.xmp import Described

pytestmark = pytest.mark.e2e
INFO = PackInfo("A pack", "A meeting", "A committee")


def papers(built):
    return sorted(p for p in built.rglob("*.pdf") if "pack" not in p.name and "supplement" not in p.name)


def test_parts_taken_in_any_order_make_the_pack_made_in_order(built_example, tmp_path):
    pdfs = papers(built_example)
    assert len(pdfs) >= 5
    parts = [Part(pdf, f"{n}. {pdf.stem}", level=n % 2, title=pdf.parent.name) for n, pdf in enumerate(pdfs)]
    assemble(parts, tmp_path / "in-order.pdf", INFO)
    shuffled = random.Random(14).sample(pdfs, len(pdfs) - 1)  # one part is left to be copied in its turn
    with Assembler() as assembler:
        for pdf in shuffled:
            assembler.take(pdf)
        assembler.take(built_example / PUBLIC_PACK)  # taken, and never placed: it must not show
        for part in parts:
            assembler.add(part)
        assert list(assembler.taken) == [built_example / PUBLIC_PACK]
        assembler.write(tmp_path / "taken.pdf", INFO, _bookmarks(parts, assembler.starts))
    assert (tmp_path / "taken.pdf").read_bytes() == (tmp_path / "in-order.pdf").read_bytes()


CHILD = pytest.mark.parametrize("child", [True, False], ids=["public side in its child", "every pack here"])


def _public_side(monkeypatch, child: bool) -> list:
    """Have the public side written by its forked child (``pipeline/public.py``), or here as where the
    system cannot fork; return the list the public packs' jobs sent to the child will be put in."""
    from boardpack.pipeline import public

    sent, send = [], public.forked.Standby.send

    def send_jobs(self, jobs):
        sent.extend(jobs)
        send(self, jobs)

    monkeypatch.setattr(public.forked.Standby, "send", send_jobs)
    if not child:
        monkeypatch.setattr(public.forked, "CAN_FORK", False)
    return sent


@CHILD
def test_a_wrong_front_sheet_guess_still_makes_a_cold_builds_packs(plan_copy, tmp_path, monkeypatch, child):
    out = tmp_path / "out"
    build(plan_copy, out)
    seen = {}
    real = PackBuilder.preassemble

    def preassemble(self, pending, sides=(False, True)):
        real(self, pending, sides)
        seen["pending"] = set(pending)
        seen["fronts"] = {job.pdf for job in self.speculated.values()}
        seen["taken"] = {name: set(assembler.taken) for name, assembler in self.started.items()}

    monkeypatch.setattr(PackBuilder, "preassemble", preassemble)
    real_write = PackBuilder.write

    def write(self, jobs):  # the packs written here, or the members' in their worker
        seen.setdefault("fronts used", set()).update(job.parts[0].pdf for job in jobs)
        return real_write(self, jobs)

    monkeypatch.setattr(PackBuilder, "write", write)
    sent = _public_side(monkeypatch, child)
    paper = plan_copy / "minutes" / "paper.yaml"  # item 1: three more pages move every later item
    words = "Words fill the page. " * 40
    more = "".join(f"      - >\n        A long late addition, paragraph {n}. {words}\n" for n in range(12))
    text = paper.read_text(encoding="utf-8")
    paper.write_text(text.replace("    paragraphs:\n", "    paragraphs:\n" + more, 1), "utf-8")
    assert build(plan_copy, out).rebuilt == ("minutes report",)
    minutes = out / "minutes" / "report.pdf"
    begun_here = (MEMBERS_PACK,) if child else (PUBLIC_PACK, MEMBERS_PACK)
    supplements = {"supplement-members.pdf"} | (set() if child else {"supplement-public.pdf"})
    assert set(seen["taken"]) == set(begun_here) | supplements  # the public side is the child's, begun there
    for name in begun_here:
        taken = seen["taken"][name]
        assert minutes not in taken and not taken & seen["pending"]
        assert len(taken) >= 4  # the items after the edited one too, not only those before it
    assert {job.pack.path.name for job in sent} == ({PUBLIC_PACK, "supplement-public.pdf"} if child else set())
    # the guessed front sheets were wrong (the minutes grew): made again, and the packs hold those
    used = seen["fronts used"] | {job.parts[0].pdf for job in sent}
    assert seen["fronts"] and not seen["fronts"] & used
    cold = tmp_path / "cold"
    build(plan_copy, cold)
    for name in (PUBLIC_PACK, MEMBERS_PACK):
        assert (out / name).read_bytes() == (cold / name).read_bytes(), name


@CHILD
def test_a_cold_build_copies_the_papers_in_while_its_front_sheets_convert(plan_copy, tmp_path, monkeypatch, child):
    taken = {}
    real = PackBuilder._take_papers

    def take_papers(self, sides, pending, ready=None, **unready):
        real(self, sides, pending, ready, **unready)
        taken.update({name: set(assembler.taken) for name, assembler in self.started.items()})

    monkeypatch.setattr(PackBuilder, "_take_papers", take_papers)
    sent = _public_side(monkeypatch, child)
    out = tmp_path / "out"
    build(plan_copy, out)
    reports = {p.parent.name for p in out.glob("*/report.pdf")}  # built in a staging folder, then moved

    def papers_in(name):
        return {p.parent.name for p in taken[name] if p.name == "report.pdf"}

    assert len(reports) == 5
    assert papers_in(MEMBERS_PACK) == reports  # every paper, copied in before the front sheets were converted
    if child:  # the public pack, written by the child from the papers final before the conversion ended
        assert PUBLIC_PACK not in taken and [job.pack.path.name for job in sent] == [PUBLIC_PACK]
    else:
        assert "minutes" in papers_in(PUBLIC_PACK) <= reports


def test_a_join_begun_with_parts_taken_writes_the_join_made_in_order(built_example, tmp_path):
    """A long appendix's join is begun while LibreOffice converts its changed part: the parts the cache
    gave are copied in then (``pipeline/cache.py``), and the appendix is the one a join of them all makes."""
    pdfs = papers(built_example)[:4]
    about = Described("An appendix", "en-GB", "A meeting", "A committee", "", ua=True)
    place = NumberPlace(800.0, 40.0, 10.0)
    join(pdfs, tmp_path / "in-order.pdf", about, place)
    begun = Assembler()
    for pdf in reversed(pdfs[1:]):  # the first part is the one converted again
        begun.take(pdf)
    join(pdfs, tmp_path / "begun.pdf", about, place, begun=begun)
    assert begun.taken == {}  # every part taken was placed
    assert (tmp_path / "begun.pdf").read_bytes() == (tmp_path / "in-order.pdf").read_bytes()
    assert len(PdfReader(tmp_path / "begun.pdf").pages) == sum(len(PdfReader(p).pages) for p in pdfs)
