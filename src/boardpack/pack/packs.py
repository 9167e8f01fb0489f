"""Plan and build the meeting packs: a public pack, and a members' pack with the restricted papers.

Both open with a front sheet (the meeting, and the agenda with the page each item starts on). In the
public pack each restricted item or appendix is replaced by one page saying it is not for
publication, and why. The front sheet's page numbers depend on its own length, so it is rendered,
converted and, if it came out longer than assumed, rendered once more.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from ..convert.converter import Converter
from ..pipeline import forked
from ..pipeline.cache import Cache, Job, fingerprint, produce
from ..pipeline.manifest import page_count
from ..plan.model import AgendaItem, Meeting, NumberedPaper
from ..plan.wording import Wording, shipped_wording
from ..render.docx import render_plain
from ..util import long_date
from ..util import sha256 as file_digest
from .assemble import Assembler, Bookmark, Joined, PackInfo, Part, page_starts

MARKINGS = ("OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET", "TOP SECRET")
PUBLIC_PACK, MEMBERS_PACK = "public-pack.pdf", "members-pack.pdf"
PACKS = {False: PUBLIC_PACK, True: MEMBERS_PACK}
SUPPLEMENTS = {False: "supplement-public.pdf", True: "supplement-members.pdf"}


@dataclass(frozen=True)
class Supplement:
    """The papers of a supplementary pack, for each side (False: public), and what changed in each."""

    papers: dict[bool, set[str]]
    what: dict[str, dict[bool, str]]  # paper -> side -> one line


def highest_marking(markings: list[str]) -> str:
    """Return the most protective of *markings* (an unknown one ranks just above OFFICIAL)."""

    def rank(marking: str) -> float:
        return MARKINGS.index(marking) if marking in MARKINGS else 0.5

    return max(markings, key=rank)


@dataclass(frozen=True)
class Doc:
    """A converted document that can go into a pack."""

    pdf: Path
    restricted: bool
    marking: str
    title: str  # its PDF title: what a leak check looks for in public metadata


@dataclass
class Slot:
    """One PDF in a pack, with its bookmark and the title of its /Sect in the pack's structure tree."""

    doc: Doc
    bookmark: str | None
    level: int = 0
    title: str = ""  # the agenda item's title, an appendix's heading; a withheld page's public bookmark


@dataclass
class ItemPlan:
    """An agenda item as one pack shows it."""

    number: int
    item: AgendaItem
    slots: list[Slot] = field(default_factory=list)
    appendix_rows: list[tuple[str, int]] = field(default_factory=list)  # (title, index into slots)


@dataclass(frozen=True)
class PackDocs:
    """Every converted document of the meeting, and how to make a withheld page."""

    reports: dict[str, Doc]  # by paper folder
    appendices: dict[tuple[str, str], Doc]  # by (paper folder, appendix number)
    papers: dict[str, NumberedPaper]


@dataclass(frozen=True)
class BuiltPack:
    """A pack written to disk, and the documents in it."""

    path: Path
    restricted: bool
    marking: str
    pages: int
    docs: tuple[Doc, ...]
    front: Path
    key: str = ""  # set as it is written (``assemble_packs``), from its parts' final bytes
    cached: bool = False  # copied from the cache: its leak check passed when it was made


@dataclass(frozen=True)
class PackJob:
    """A pack to write: its parts, information and bookmarks, and what it will be once written."""

    parts: list[Part]
    info: PackInfo
    bookmarks: list[Bookmark]
    pack: BuiltPack


def assemble_packs(
    jobs: list[PackJob],
    cache: Cache,
    started: dict[str, Assembler] | None = None,
    alone: bool = False,
    joined: dict[Path, Joined] | None = None,
) -> list[BuiltPack]:
    """Write each pack (from the cache when its parts are unchanged) and return them in order.

    *started* holds packs begun while LibreOffice converted (by file name), their final parts copied
    in already (``Assembler.take``): each is carried on, and a part it took and the pack does not
    have (a front sheet guessed wrong) is left out of the file it writes. *alone*: one after the
    other, in this process (itself the build's second: ``pipeline/public.py``). *joined*: the documents
    made in parts this build, placed from their parts (``Assembler``) and keyed by them, so that a pack
    may be written while the document's own joined file is still being joined.
    """
    started = started if started is not None else {}
    joined = joined or {}
    # Keyed now, every part final: a pack planned while a paper was being checked and tagged (written, not
    # final) would otherwise be kept under a key no later build asks for.
    jobs = [replace(job, pack=replace(job.pack, key=_pack_key(job, joined))) for job in jobs]
    todo = [job for job in jobs if not cache.fetch(job.pack.key, {".pdf": job.pack.path})]
    assemblers = [started.pop(job.pack.path.name, None) or Assembler(cache, joined) for job in todo]

    def write(job: PackJob, assembler: Assembler) -> None:
        with assembler:
            for part in job.parts:
                assembler.add(_in_tree(part))
            assembler.write(job.pack.path, job.info, job.bookmarks)
        cache.store(job.pack.key, {".pdf": job.pack.path})

    # Two at a time, each pack a PDF of its own: in two processes where the system forks (copying a
    # document's pages in holds Python's lock, so two threads copy one after the other), else in two
    # threads. A public pack that fails its leak check fails the build, and this cache with it.
    try:
        if alone:
            for job, assembler in zip(todo, assemblers, strict=True):
                write(job, assembler)
        elif len(todo) > 1 and forked.CAN_FORK:
            in_two_processes(write, list(zip(todo, assemblers, strict=True)), [_weight(job, joined) for job in todo])
        else:
            with ThreadPoolExecutor(max_workers=2) as pool:
                list(pool.map(write, todo, assemblers))
    finally:
        for assembler in assemblers:  # one not reached, when another failed
            assembler.close()
    return [job.pack if job in todo else replace(job.pack, cached=True) for job in jobs]


def _pack_key(job: PackJob, joined: dict[Path, Joined]) -> str:
    """Return the key *job*'s pack is kept under in the cache: its parts' bytes and titles, its information
    and bookmarks; a document made in parts (*joined*) by its parts' bytes and where its page numbers go,
    which are all its joined file is made of."""
    return fingerprint("pack", [(_digest(p.pdf, joined), p.title) for p in job.parts], job.info, job.bookmarks)


def _digest(pdf: Path, joined: dict[Path, Joined]) -> str:
    if pdf not in joined:
        return file_digest(pdf)
    return fingerprint("joined", [file_digest(part) for part in joined[pdf].parts], joined[pdf].number)


def _weight(job: PackJob, joined: dict[Path, Joined]) -> int:
    """Guess the work of writing *job*'s pack: the bytes of its parts (of a document made in parts, its parts')."""
    files = [f for part in job.parts for f in (joined[part.pdf].parts if part.pdf in joined else (part.pdf,))]
    return sum(f.stat().st_size for f in files if f.is_file())


def in_two_processes(write: Callable[..., None], tasks: list[tuple], weights: list[int]) -> None:
    """Call *write* on each of *tasks* (argument tuples), shared between this process and a child forked
    for the purpose (``pipeline/forked.py``), heaviest first to the less loaded; raise what either raised.

    If this process fails or is stopped first, the child is killed before the failure goes on, so
    that nothing is written after the build cleans up.
    """
    groups: tuple[list[tuple], list[tuple]] = ([], [])
    loads = [0, 0]
    for weight, task in sorted(zip(weights, tasks, strict=True), key=lambda pair: -pair[0]):
        less = 0 if loads[0] <= loads[1] else 1
        groups[less].append(task)
        loads[less] += weight
    if not groups[1]:
        for task in groups[0]:
            write(*task)
        return

    def write_theirs() -> None:
        for task in groups[1]:
            write(*task)

    child = forked.start(write_theirs)
    try:
        for task in groups[0]:
            write(*task)
    except BaseException:
        child.kill()
        raise
    child.wait()


class MembersPacks:
    """The members' packs, begun and written in a worker of their own (``forked.worker``), on the second core.

    Forked before the conversion starts threads, the worker is told each final PDF to copy in as the build
    comes to it (``take``: copying a 300-page pack's parts and structure trees is most of a build's work
    in Python, which runs one thread at a time) and at last the packs to write (``write``), which it
    writes as ``assemble_packs`` would here. It reads the restricted papers: it is the members' side,
    never the public side's child (``pipeline/public.py``).
    """

    def __init__(self, cache: Cache) -> None:
        self.cache = cache
        self.started: dict[str, Assembler] = {}
        self.joined: dict[Path, Joined] = {}

    def __call__(self, what: str, *args) -> list[BuiltPack] | None:  # noqa: ANN002
        """In the worker: ``take`` (a pack's file name, a final PDF) or ``write`` (the jobs, the documents
        made in parts)."""
        if what == "take":
            name, pdf = args
            if name not in self.started:
                self.started[name] = Assembler(self.cache, self.joined)
            self.started[name].take(pdf)
            return None
        jobs, joined = args
        self.joined.update(joined)
        return assemble_packs(jobs, self.cache, self.started, joined=self.joined)


class _Begun:
    """A members' pack begun in the members' worker: what it takes is copied in there."""

    def __init__(self, worker: forked.Worker, name: str) -> None:
        self.worker, self.name = worker, name
        self.taken: set[Path] = set()  # told to the worker, as ``Assembler.taken`` holds what it copied

    def take(self, pdf: Path) -> None:
        if pdf not in self.taken:
            self.taken.add(pdf)
            self.worker.tell("take", self.name, pdf)

    def close(self) -> None:
        """Nothing here: the worker lets go of what it began."""


def _in_tree(part: Part) -> Part:
    """*part* as the structure tree takes it (bookmarks are made apart, so only its file and title count)."""
    return Part(part.pdf, None, title=part.title)


class PackBuilder:
    """Build the public and members' packs of one meeting; extra pages are made in a work folder."""

    def __init__(
        self,
        meeting: Meeting,
        docs: PackDocs,
        work: Path,
        templates: Path,
        cache: Cache,
        converter: Converter,
        wording: Wording | None = None,
    ):
        self.meeting, self.docs, self.work, self.templates, self.cache = meeting, docs, work, templates, cache
        self.w = wording or shipped_wording()
        self.converter = converter
        self.pending: list[Job] = []  # withheld pages, produced together
        self.page_counts: dict[Path, int] = {}
        self.speculated: dict[bool, Job] = {}  # the main packs' front sheets, made before the papers
        self.speculated_supplements: dict[bool, tuple[Supplement, Job]] = {}  # and the supplements'
        self.started: dict[str, Assembler | _Begun] = {}  # packs begun while LibreOffice converts, by file name
        self.joined: dict[Path, Joined] = {}  # documents made in parts this build: begun packs take the parts
        self.members: forked.Worker | None = None  # the members' packs' worker (``members_apart``)

    def members_apart(self) -> None:
        """Begin and write the members' packs in a worker of their own (``MembersPacks``), where the system
        forks: forked now, before the build starts threads."""
        if forked.CAN_FORK:
            self.members = forked.worker(MembersPacks(self.cache))

    def send_members(self, jobs: list[PackJob]) -> None:
        """Send the members' packs of *jobs* to their worker to write now (``write`` collects them), if they
        have one: a long appendix's parts are final, and the packs are written from them while this
        process joins the appendix."""
        theirs = [job for job in jobs if job.pack.restricted]
        if self.members is not None and theirs and not self.members.sent:
            self.members.finish("write", theirs, self.joined)

    def write(self, jobs: list[PackJob]) -> list[BuiltPack]:
        """Write the packs of *jobs* (``assemble_packs``), those begun here while LibreOffice converted carried
        on; the members' in their worker, if they have one (sent by ``send_members``, if not already),
        while this process writes the others."""
        if self.members is None:
            return assemble_packs(jobs, self.cache, self.started, joined=self.joined)
        if not any(job.pack.restricted for job in jobs):
            self.members.let_go()
            return assemble_packs(jobs, self.cache, self.started, joined=self.joined)
        self.send_members(jobs)
        ours = [job for job in jobs if not job.pack.restricted]
        ours_written = assemble_packs(ours, self.cache, self.started, joined=self.joined)
        written = {pack.path: pack for pack in ours_written + self.members.wait()}
        return [written[job.pack.path] for job in jobs]

    def withheld_pages(self) -> list[Job]:
        """Return the jobs of the public pack's withheld pages, so they convert with the papers."""
        self._plan(False, None)
        return list(self.pending)

    def speculate(self, supplement: Supplement | None, guesses: dict[Path, int]) -> list[Job]:
        """Return the front sheets the packs would have if every document had the pages *guesses* says.

        Rendered before the papers are converted and converted with them, they save a LibreOffice
        run whenever the guess (the pages each document had last time) holds; ``build`` checks.
        """
        self.page_counts = dict(guesses)
        jobs = []
        for chosen in (None, supplement) if supplement else (None,):
            for side in (r for r in (False, True) if chosen is None or chosen.papers[r]):
                plan = self._plan(side, chosen)
                marking = self._marking(plan)
                jobs.append(self._front_sheet(plan, side, marking, 1, chosen))
                if chosen is None:
                    self.speculated[side] = jobs[-1]
                else:
                    self.speculated_supplements[side] = (chosen, jobs[-1])
        self.page_counts = {}
        return jobs

    def preassemble(self, pending: set[Path], sides: tuple[bool, ...] = (False, True)) -> None:
        """Begin the packs of *sides*, main and supplementary, while LibreOffice converts the *pending* PDFs:
        each pack copies in every part of it already final, whatever comes before it (its front sheet as
        guessed)."""
        for side, front in self.speculated.items():
            if side in sides:
                self._take(side, [front.pdf], pending)
        for side, (supplement, front) in self.speculated_supplements.items():
            if side in sides:
                self._take(side, [front.pdf], pending, supplement)

    def sources(self, side: bool, supplement: Supplement | None) -> set[Path]:
        """Return the PDFs the packs of *side* are made of (their front sheets apart): the main pack's
        and, with *supplement*, the supplementary pack's."""
        plans = [self._plan(side, None)] + ([self._plan(side, supplement)] if supplement else [])
        return {slot.doc.pdf for plan in plans for item in plan for slot in item.slots}

    def _take(self, side: bool, fronts: list[Path], pending: set[Path], supplement: Supplement | None = None) -> None:
        """Copy into the main pack of *side* (or its supplementary pack, with *supplement*), begun if need be,
        *fronts* and its papers, those not *pending*."""
        name = (SUPPLEMENTS if supplement else PACKS)[side]
        assembler = self.started.get(name)
        if assembler is None:
            begun = _Begun(self.members, name) if side and self.members is not None else None
            assembler = self.started[name] = begun or Assembler(self.cache, self.joined)
        slots = [slot for item in self._plan(side, supplement) for slot in item.slots]
        for pdf in fronts + [s.doc.pdf for s in slots]:
            for final in self.joined[pdf].parts if pdf in self.joined else (pdf,):  # a long appendix: its parts
                if final not in pending:
                    assembler.take(final)

    def _take_papers(self, sides: list[bool], pending: set[Path], ready=None, unready=frozenset()) -> None:  # noqa: ANN001
        """Copy the papers into the main packs of *sides* while LibreOffice converts their front sheets (*pending*),
        but those *unready*."""
        for side in sides:
            self._take(side, [], set(pending) | set(unready))

    def take_papers(self, sides: tuple[bool, ...]) -> None:
        """Copy into the main packs of *sides* their papers, every one final (and not copied in already)."""
        self._take_papers(list(sides), set())

    def close(self) -> None:
        """Let go of packs begun and not written."""
        for assembler in self.started.values():
            assembler.close()
        self.started = {}
        if self.members is not None:
            self.members.kill()  # stopped, if not done: a build that failed writes nothing more

    def _marking(self, plan: list[ItemPlan]) -> str:
        return highest_marking([s.doc.marking for i in plan for s in i.slots] or ["OFFICIAL"])

    def plan(
        self,
        out_dir: Path,
        supplement: Supplement | None = None,
        sides: tuple[bool, ...] = (False, True),
        begin: tuple[bool, ...] = (False, True),
        unready: set[Path] | frozenset[Path] = frozenset(),
    ) -> list[PackJob]:
        """Make the front sheets and return the packs of *sides* to write into *out_dir* (``assemble_packs``),
        public first; the main packs of the sides of *begin* are begun here (``started``) while a front
        sheet converts again, with every paper but those *unready* (written, not final yet).

        With *supplement*, the supplementary packs instead: only the papers it names, under a front
        sheet "Supplementary agenda" saying what changed; a side with no paper has no pack.
        """
        sides = [r for r in sides if supplement is None or supplement.papers[r]]
        if not sides:
            return []
        plans = {r: self._plan(r, supplement) for r in sides}
        produce(self.pending, self.cache, self.meeting.date, self.converter)
        markings = {r: self._marking(plans[r]) for r in sides}
        front_pages = {r: 1 for r in sides}
        for _ in range(2):  # once more if a front sheet came out longer than assumed
            fronts = {r: self._front_sheet(plans[r], r, markings[r], front_pages[r], supplement) for r in sides}
            taking = [side for side in sides if side in begin]
            meanwhile = partial(self._take_papers, taking, unready=unready) if supplement is None and taking else None
            produce(list(fronts.values()), self.cache, self.meeting.date, self.converter, meanwhile=meanwhile)
            actual = {r: self._pages(fronts[r].pdf) for r in sides}
            if actual == front_pages:
                break
            front_pages = actual
        names = SUPPLEMENTS if supplement else PACKS
        return [self._pack_job(plans[r], r, markings[r], fronts[r].pdf, out_dir / names[r], supplement) for r in sides]

    def _pages(self, pdf: Path) -> int:
        """The pages of *pdf*; of a document made in parts, its parts' (its joined file may not be written yet)."""
        if pdf not in self.page_counts:
            parts = self.joined[pdf].parts if pdf in self.joined else (pdf,)
            self.page_counts[pdf] = sum(page_count(part) for part in parts)
        return self.page_counts[pdf]

    def _plan(self, restricted: bool, supplement: Supplement | None) -> list[ItemPlan]:
        items = []
        for number, item in enumerate(self.meeting.agenda, 1):
            if supplement is not None and item.paper not in supplement.papers[restricted]:
                continue
            plan = ItemPlan(number, item)
            if item.paper is not None and item.paper in self.docs.reports:
                self._slots(plan, restricted)
            items.append(plan)
        return items

    def _slots(self, plan: ItemPlan, members: bool) -> None:
        item, number = plan.item, plan.number
        if item.restricted and not members:
            explanation = self.w("withheld.paper", number=number, reason=item.reason or "")
            withheld = self._withheld(item.title, number, explanation)
            bookmark = self.w("pack.bookmark_withheld", number=number)
            plan.slots.append(Slot(withheld, bookmark, title=bookmark))
            return
        plan.slots.append(Slot(self.docs.reports[item.paper], f"{number}. {item.title}", title=item.title))
        for appendix in self.docs.papers[item.paper].appendices:
            doc = self.docs.appendices.get((item.paper, appendix.number))
            if doc is None:
                continue
            if appendix.appendix.restricted and not members:
                reason = appendix.appendix.reason or ""
                explanation = self.w("withheld.appendix", appendix=appendix.number, number=number, reason=reason)
                doc = self._withheld(appendix.heading, number, explanation)
                bookmark = self.w("pack.bookmark_appendix_withheld", appendix=appendix.number)
            else:
                bookmark = appendix.heading
            plan.appendix_rows.append((appendix.heading, len(plan.slots)))
            plan.slots.append(Slot(doc, bookmark, level=1, title=bookmark))

    def _withheld(self, title: str, number: int, explanation: str) -> Doc:
        meeting, heading = self.meeting, self.w("withheld.heading")
        context = {
            "title": title,
            "marking": "OFFICIAL",
            "item_line": self.w(
                "withheld.item_line", committee=meeting.committee, date=long_date(meeting.date), number=number
            ),
            "explanation": explanation,
            "w": self.w.for_templates(),
        }
        job = self._job("withheld.docx", context, heading, f"withheld page for item {number}")
        if job.key not in {j.key for j in self.pending}:
            self.pending.append(job)
        return Doc(job.pdf, False, "OFFICIAL", heading)

    def _job(self, template: str, context: dict, title: str, label: str) -> Job:
        key = fingerprint(template, file_digest(self.templates / template), context, title, self.meeting)
        out = self.work / f"{key[:16]}.docx"

        def render(docx: Path) -> None:
            render_plain(template, context, docx, title, self.meeting, self.templates)

        return Job(key, out, render, label)

    def _pack_job(
        self, items: list[ItemPlan], restricted: bool, marking: str, front: Path, out: Path, supplement
    ) -> PackJob:
        slots = [s for i in items for s in i.slots]
        docs = [s.doc for s in slots]
        starts = page_starts([self._pages(front)] + [self._pages(d.pdf) for d in docs])
        front_title = _pack_title(restricted, supplement is not None, self.w)
        parts = [Part(front, None, title=front_title)] + [Part(s.doc.pdf, None, title=s.title) for s in slots]
        info, bookmarks = self._info(restricted, supplement is not None), _bookmarks(items, starts[1:])
        pages = sum([self._pages(front)] + [self._pages(d.pdf) for d in docs])
        return PackJob(parts, info, bookmarks, BuiltPack(out, restricted, marking, pages, tuple(docs), front))

    def _front_sheet(
        self, items: list[ItemPlan], restricted: bool, marking: str, front_pages: int, supplement: Supplement | None
    ) -> Job:
        """Return the front sheet's job, with the pages that follow a front sheet of *front_pages*."""
        starts = iter(page_starts([self._pages(s.doc.pdf) for i in items for s in i.slots], first=front_pages + 1))
        rows = [_agenda_row(plan, [next(starts) for _ in plan.slots], restricted, self.w) for plan in items]
        notes = _notes(items, restricted, self.w)
        if supplement is not None:
            for row, plan in zip(rows, items, strict=True):
                what = self.w("pack.changed", what=supplement.what[plan.item.paper][restricted])
                row["note"] = (row["note"] + " " if row["note"] else "") + what
            notes = [self.w("pack.note_supplement")] + notes
        pack_title = _pack_title(restricted, supplement is not None, self.w)
        context = {
            "committee": self.meeting.committee,
            "pack_title": pack_title,
            "date_long": long_date(self.meeting.date),
            "time": self.meeting.time or "",
            "venue": self.meeting.venue or "",
            "marking": marking,
            "items": rows,
            "notes": notes,
            "w": self.w.for_templates(),
        }
        return self._job("frontsheet.docx", context, pack_title, f"{'members' if restricted else 'public'} front sheet")

    def _info(self, restricted: bool, supplementary: bool) -> PackInfo:
        meeting = self.meeting
        when = long_date(meeting.date) + (f", {meeting.time}" if meeting.time else "")
        pack = _pack_title(restricted, supplementary, self.w).lower()
        return PackInfo(
            title=self.w("pack.info_title", committee=meeting.committee, date=long_date(meeting.date), pack=pack),
            subject=self.w("pack.info_subject", committee=meeting.committee, when=when),
            author=meeting.author or meeting.committee,
            keywords=f"{meeting.committee}; agenda; {meeting.date.isoformat()}",
            page_stamp=self.w.phrases["pack.page_stamp"],
        )


def _pack_title(restricted: bool, supplementary: bool, w: Wording) -> str:
    side = "members" if restricted else "public"
    return w(f"pack.supplement_{side}_title" if supplementary else f"pack.{side}_title")


def _agenda_row(plan: ItemPlan, slot_pages: list[int], members: bool, w: Wording) -> dict:
    item = plan.item
    note = item.note or ""
    if item.restricted:
        note = (note + " " if note else "") + w("pack.item_withheld", reason=item.reason)
    appendices = []
    for title, index in plan.appendix_rows:
        appendix = plan.slots[index]
        shown = title if members or appendix.bookmark == title else w("pack.appendix_withheld", title=title)
        appendices.append({"title": shown, "page": str(slot_pages[index])})
    page = str(slot_pages[0]) if slot_pages else "–"
    return {"number": str(plan.number), "title": item.title, "note": note, "page": page, "appendices": appendices}


def _notes(items: list[ItemPlan], members: bool, w: Wording) -> list[str]:
    restricted = [str(p.number) for p in items if p.item.restricted]
    notes = [w("pack.note_pages")]
    if restricted and not members:
        notes.append(w.count("pack.note_excluded", len(restricted), items=", ".join(restricted)))
    if members:
        notes.append(w("pack.note_members"))
    return notes


def _bookmarks(items: list[ItemPlan], starts: list[int]) -> list[Bookmark]:
    """One bookmark per agenda item (an item without a paper points at the front sheet), appendices nested."""
    marks, position = [], 0
    for plan in items:
        pages = starts[position : position + len(plan.slots)]
        position += len(plan.slots)
        if not plan.slots:
            marks.append(Bookmark(f"{plan.number}. {plan.item.title}", 0))
            continue
        children = tuple(Bookmark(s.bookmark or "", p - 1) for s, p in zip(plan.slots[1:], pages[1:], strict=True))
        marks.append(Bookmark(plan.slots[0].bookmark or "", pages[0] - 1, children))
    return marks
