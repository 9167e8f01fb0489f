"""The build cache: a document whose inputs have not changed is neither re-rendered nor re-converted.

Each document is keyed by a fingerprint of everything it depends on (its part of the plan, the
workbook rows, the numbering it receives, its template, boardpack's version and source code). The cache lives in
the output folder (``DIR/.boardpack-cache/``), so a fresh ``--out`` is a cold build; each build
keeps only the entries it used (hard-linked from the previous cache). A cached document is copied
into the output, byte-identical to the one built before.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from ..convert.converter import Converter
from ..convert.verify import Unreadable, mismatch
from ..errors import CellLocation, ConvertError, Location, Problem
from ..util import code_digest
from .normalize import normalize_docx, normalize_pdf
from .paths import CACHE_DIR


def fingerprint(*parts: object) -> str:
    """Return a hex digest of *parts*: dataclasses by their compared fields (never where they came from)."""
    payload = json.dumps([code_digest(), *(_plain(p) for p in parts)], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _plain(value: object) -> object:
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, Location | CellLocation):
        return None  # where a value was written (file, line, cell) is not what a document shows
    names = _COMPARED.get(type(value))
    if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _COMPARED[type(value)] = tuple(f.name for f in dataclasses.fields(value) if f.compare)
    if names is not None:
        return {"@": type(value).__name__, **{name: _plain(getattr(value, name)) for name in names}}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date | Path):
        return str(value)
    return value


_COMPARED: dict[type, tuple[str, ...]] = {}  # each dataclass's compared fields, looked up once


def link(src: Path, dest: Path) -> None:
    """Hard-link *src* at *dest* (copy where links are not possible): cache to cache only.

    By way of a name of this process and thread, renamed over *dest*: the packs are written in two
    processes, which may keep the same entry (the stamp font) at the same moment.
    """
    temporary = _beside(dest)
    try:
        os.link(src, temporary)
    except OSError:
        shutil.copy2(src, temporary)
    os.replace(temporary, dest)


def _beside(dest: Path) -> Path:
    """A name beside *dest* that no other process or thread is writing, with *dest*'s suffix."""
    return dest.with_name(f".{dest.stem}.{os.getpid()}-{threading.get_ident()}{dest.suffix}")


class Cache:
    """The cache of one build: entries found in the previous output, and those this build keeps."""

    def __init__(self, previous_out: Path, staging: Path):
        self.old = previous_out / CACHE_DIR
        self.new = staging / CACHE_DIR
        self.new.mkdir(parents=True, exist_ok=True)

    def fetch(self, key: str, dests: dict[str, Path]) -> bool:
        """Copy the cached files of *key* (by suffix) to *dests*; return False if any is missing."""
        sources = {}
        for suffix in dests:
            found = [d / f"{key}{suffix}" for d in (self.new, self.old) if (d / f"{key}{suffix}").is_file()]
            if not found:
                return False
            sources[suffix] = found[0]
        for suffix, dest in dests.items():
            if sources[suffix].parent == self.old:
                link(sources[suffix], self.new / f"{key}{suffix}")
            dest.parent.mkdir(parents=True, exist_ok=True)
            _copy(sources[suffix], dest)  # a copy: editing the output never touches the cache
        return True

    def read(self, key: str, suffix: str) -> bytes | None:
        """Return the cached bytes of *key* with *suffix*, keeping them for the next build; None if absent."""
        for folder in (self.new, self.old):
            path = folder / f"{key}{suffix}"
            if path.is_file():
                if folder == self.old:
                    link(path, self.new / path.name)
                return path.read_bytes()
        return None

    def keep(self, key: str, suffix: str) -> None:
        """Keep the entry *key* with *suffix* for the next build, if the last build had it."""
        path = self.old / f"{key}{suffix}"
        if not (self.new / path.name).is_file() and path.is_file():
            link(path, self.new / path.name)

    def write(self, key: str, suffix: str, data: bytes) -> None:
        """Keep *data* under *key* with *suffix* (whole, or not at all, to a reader at the same moment)."""
        dest = self.new / f"{key}{suffix}"
        temporary = _beside(dest)
        temporary.write_bytes(data)
        os.replace(temporary, dest)

    def store(self, key: str, files: dict[str, Path]) -> None:
        """Keep a copy of *files* (by suffix) under *key*."""
        for suffix, path in files.items():
            _copy(path, self.new / f"{key}{suffix}")


def _copy(src: Path, dest: Path) -> None:
    """Copy *src* to *dest* by way of a private name: whoever is reading *dest* meanwhile (the public
    side's child, ``public.py``, a front sheet fetched again here) reads the old file or the new, whole."""
    temporary = _beside(dest)
    shutil.copyfile(src, temporary)
    os.replace(temporary, dest)


@dataclass(frozen=True)
class Parted:
    """How a document made in parts (a long appendix, ``appendix/parts.py``) is joined.

    Each part is a document of its own to the cache, keyed by the digest of its .docx's contents
    (exactly what it prints: ``render.docx.PartDraft``), converted in the same LibreOffice run as
    everything else; a changed row re-converts only the part holding it, and a part whose PDF the cache
    holds is not even written. The parts live in *folder* (in the cache folder) while the build runs.
    """

    folder: Path
    # (the parts' PDFs in order, the document's PDF, begun=what *begin* returned, or None)
    join: Callable[..., object]
    # A join begun while LibreOffice converts: an object whose take(pdf) copies in a part already final
    # (as ``pack.assemble.Assembler``'s), and close() lets go; None: every part is copied at the join.
    begin: Callable[[], object] | None = None


@dataclass
class Job:
    """A document to produce: its key, where its .docx goes and how to render it.

    A job that *converts* renders a .docx that LibreOffice turns into its PDF; one that does not (an
    attached PDF) renders its PDF directly and has no .docx.
    """

    key: str
    docx: Path
    render: Callable[[Path], object]
    label: str
    converts: bool = True
    parted: Parted | None = None  # made in parts: *render* returns the parts' drafts, joined once converted
    # Entries of the cache its render reads (its charts, by key and suffix): kept while the job itself
    # comes from the cache, so that the edit that renders it again finds them.
    reads: tuple[tuple[str, str], ...] = ()

    @property
    def pdf(self) -> Path:
        """Return where its PDF goes."""
        return self.docx.with_suffix(".pdf")

    @property
    def outputs(self) -> dict[str, Path]:
        """Return the files the job writes, by suffix: what the cache keeps of it."""
        return {".docx": self.docx, ".pdf": self.pdf} if self.converts else {".pdf": self.pdf}


Progress = Callable[[str, int, int], None]  # (what is happening, steps done, steps in all)


def produce(
    jobs: list[Job],
    cache: Cache,
    day: dt.date,
    converter: Converter,
    progress: Progress | None = None,
    meanwhile: Callable[[set[Path], Ready], None] | None = None,
    first: list[Job] | tuple[Job, ...] = (),
    joining: Callable[[dict[Path, tuple[Path, ...]]], None] | None = None,
) -> list[Job]:
    """Bring every job's .docx and .pdf into place, from the cache or by building it; return those built.

    *meanwhile*, when given and something is to be converted, runs while LibreOffice converts: it is
    told which PDFs are not there yet (every other job's PDF is in place and final), and given a
    ``Ready``, to wait until some of them are final.

    Rendered in three batches: the parts of the documents made in parts (the longest conversions, and
    the one a status change waits for), the jobs of *first* (quick to render: a pack's front sheet),
    then the other documents. With a
    converter that takes several calls at once (``Converter.concurrent``), each batch goes to
    LibreOffice as soon as it is rendered, and is checked and normalised as soon as it is converted,
    while the next renders, rather than the LibreOffices waiting for the last; and kept in the cache
    then, so that a later document made in *meanwhile* (a pack's front sheet) finds it there.

    *joining*, when given, is called once every document is final and its parts kept, just before the
    documents made in parts this build are joined (only if one is), with their parts' PDFs as the cache
    keeps them, by joined PDF (whether or not a part converted): what can be made from the parts goes
    on beside the join (the members' packs, in their worker).
    """
    built = [job for job in jobs if not cache.fetch(job.key, job.outputs)]
    rebuilt = {id(job) for job in built}
    _keep_entries([job for job in jobs if id(job) not in rebuilt], cache)
    steps = 2 * len(built)
    firsts = {id(job) for job in first}
    parted = [job for job in built if job.parted is not None]
    whole = [[job for job in built if job.parted is None and (id(job) in firsts) == ahead] for ahead in (True, False)]
    held: list[Job] = []  # converted in one call, after every batch is rendered
    whole_pdf = {id(job) for job in built if job.parted is None}

    def keep(job: Job) -> None:  # in the cache: a part by its PDF alone, as the join reads it
        cache.store(job.key, job.outputs if id(job) in whole_pdf else {".pdf": job.pdf})

    sent: list[tuple[list[Job], Future]] = []  # converting already: the jobs, and the call
    events: dict[Path, threading.Event] = {}  # set once a batch's PDFs are written (not yet checked)
    with ThreadPoolExecutor(max_workers=3) as ahead:

        def send(batch: list[Job]) -> None:
            # asked only when there is something to convert, as the converter itself would be
            if batch and getattr(converter, "concurrent", lambda: False)():
                converted = threading.Event()
                sent.append((batch, ahead.submit(_convert_batch, converter, batch, day, keep, converted)))
                events.update((job.pdf, converted) for job in batch)
            else:
                held.extend(batch)

        parts = _render(parted, day, progress, steps)
        missing = [part for made in parts.values() for part in made if not cache.fetch(part.key, {".pdf": part.pdf})]
        for part in missing:
            _made(part.render, part.docx, lambda made: normalize_docx(made, day))
        send(missing)  # the longest conversions, first
        _render(whole[0], day, progress, steps, len(parted))
        send([job for job in whole[0] if job.converts])
        _render(whole[1], day, progress, steps, len(whole[0]) + len(parted))
        send([job for job in whole[1] if job.converts])
        converting = held + [job for jobs, _ in sent for job in jobs]
        if converting and progress:
            count = f"{len(converting)} document{'s' if len(converting) != 1 else ''}"
            progress(f"converting {count} with LibreOffice", len(built), steps)
        joins = {id(job): job.parted.begin() for job in parted if job.parted.begin is not None}
        kept = {job.pdf: tuple(cache.new / f"{part.key}.pdf" for part in parts[id(job)]) for job in parted}
        try:
            if converting:
                calls = {job.pdf: future for batch, future in sent for job in batch}
                ready = Ready(calls, frozenset(job.pdf for job in held + parted), kept, events)
                given = None if meanwhile is None else lambda pending: meanwhile(pending, ready)
                during = _taking(joins, parts, missing, given)
                waiting = {job.pdf for job in built if job.converts} | {part.pdf for part in missing}
                waiting |= {cache.new / f"{part.key}.pdf" for part in missing}  # where they are kept, once final
                _convert(held, converter, during, waiting, sent)
                _verify(held)
            done = {id(job) for jobs, _ in sent for job in jobs}  # checked and normalised as they came
            _finish(built, parts, missing, joins, cache, day, done, joining and partial(joining, kept))
        finally:
            for begun in joins.values():  # a join not reached, when something failed
                begun.close()
    if built and progress:
        progress("converted", steps, steps)
    return built + missing


def _convert_batch(
    converter: Converter, batch: list[Job], day: dt.date, keep: Callable[[Job], None], converted: threading.Event
) -> None:
    """Convert, check, normalise and *keep* *batch*: sent while the next batch renders (``produce``); set
    *converted* once LibreOffice has written the PDFs (or failed to)."""
    try:
        converter.convert([job.docx for job in batch])
    finally:
        converted.set()
    _verify(batch)
    for job in batch:
        normalize_pdf(job.pdf, day, job.docx)
    for job in batch:
        keep(job)


@dataclass(frozen=True)
class Ready:
    """When the PDFs of a conversion are final: each once the call sent with it is done (checked,
    normalised and kept); those converted in one call at the end, or joined from parts, only *later*,
    when ``produce`` returns. *parted*: the documents made in parts this build, and their parts' PDFs
    as the cache keeps them (those converting now are among the PDFs ``meanwhile`` is told are not there)."""

    calls: dict[Path, Future]
    later: frozenset[Path]
    parted: dict[Path, tuple[Path, ...]] = dataclasses.field(default_factory=dict)  # joined PDF: its parts' PDFs
    converted: dict[Path, threading.Event] = dataclasses.field(default_factory=dict)  # set once written

    def written(self, pdfs: set[Path]) -> bool:
        """Wait until LibreOffice has written *pdfs* (their pages are known; they are not checked yet);
        return False at once if one is only later, and when one was not written."""
        if not self.possible(pdfs):
            return False
        for event in self._events(pdfs):
            event.wait()
        return self.written_now(pdfs)

    def written_now(self, pdfs: set[Path]) -> bool:
        """Whether LibreOffice has written *pdfs* (without waiting)."""
        if not self.possible(pdfs) or not all(event.is_set() for event in self._events(pdfs)):
            return False
        return all(pdf.is_file() for pdf in pdfs if pdf in self.converted)

    def possible(self, pdfs: set[Path]) -> bool:
        """Whether *pdfs* can be final before ``produce`` returns."""
        return not self.later & pdfs

    def done(self, pdfs: set[Path]) -> bool:
        """Whether *pdfs* are final now (without waiting)."""
        futures = self._futures(pdfs)
        return self.possible(pdfs) and all(future.done() and future.exception() is None for future in futures)

    def wait(self, pdfs: set[Path]) -> bool:
        """Wait until *pdfs* are final; return False at once if one is only later, or when a call failed
        (``produce`` raises that)."""
        if not self.possible(pdfs):
            return False
        futures = self._futures(pdfs)
        wait(futures)
        return all(future.exception() is None for future in futures)

    def _futures(self, pdfs: set[Path]) -> set[Future]:
        return {self.calls[pdf] for pdf in pdfs if pdf in self.calls}

    def _events(self, pdfs: set[Path]) -> set[threading.Event]:
        return {self.converted[pdf] for pdf in pdfs if pdf in self.converted}


def _finish(
    built: list[Job],
    parts: dict[int, list[Job]],
    missing: list[Job],
    joins: dict,
    cache: Cache,
    day,
    done: set[int],
    joining: Callable[[], None] | None = None,
) -> None:
    """Normalise what was converted (but the jobs *done* already, by id) and keep it, and join the
    documents made in parts (their *joins* begun), *joining* called first."""
    # Tagged once a part (a changed row re-tags its part only); two at a time, as qpdf lets Python go
    # while it writes one. A joined document is written as normalize_pdf would: dated *day*, a content-made /ID.
    whole = [job for job in built if job.parted is None]
    todo = [job for job in missing + whole if id(job) not in done and job.converts]  # the others: at render
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda job: normalize_pdf(job.pdf, day, job.docx), todo))
    for part in (part for part in missing if id(part) not in done):  # those done are kept already
        cache.store(part.key, {".pdf": part.pdf})
    for job in (job for job in whole if id(job) not in done):
        cache.store(job.key, job.outputs)
    if joining is not None and any(job.parted is not None for job in built):
        joining()
    for job in (job for job in built if job.parted is not None):
        job.parted.join([part.pdf for part in parts[id(job)]], job.pdf, begun=joins.pop(id(job), None))
        cache.write(job.key, PARTS, "\n".join(part.key for part in parts[id(job)]).encode("ascii"))
        cache.store(job.key, job.outputs)
    for folder in {job.parted.folder for job in built if job.parted is not None}:
        shutil.rmtree(folder, ignore_errors=True)


def _taking(joins: dict, parts: dict[int, list[Job]], missing: list[Job], meanwhile):
    """Return what to do while LibreOffice converts: copy into each begun join its parts already final
    (from the cache: a status change converts one part, and the join need copy only that one after),
    then *meanwhile*."""
    if not joins:
        return meanwhile
    converting = {id(part) for part in missing}

    def during(pending: set[Path]) -> None:
        for job_id, begun in joins.items():
            for part in parts[job_id]:
                if id(part) not in converting:
                    begun.take(part.pdf)
        if meanwhile is not None:
            meanwhile(pending)

    return during


PARTS = ".parts"  # a document made in parts: its parts' keys, a line each


def _keep_entries(cached: list[Job], cache: Cache) -> None:
    """Keep what the *cached* jobs (come whole from the cache) were made with, for the build that makes
    one again: their charts, and a long appendix's parts (a paragraph edit elsewhere must not lose them,
    or the next status change converts every part)."""
    for key, suffix in (entry for job in cached for entry in job.reads):
        cache.keep(key, suffix)
    for job in (j for j in cached if j.parted is not None):
        listed = cache.read(job.key, PARTS)
        for key in listed.decode("ascii", errors="replace").split() if listed else ():
            cache.keep(key, ".pdf")


def _render(
    built: list[Job], day: dt.date, progress: Progress | None, steps: int, done: int = 0
) -> dict[int, list[Job]]:
    """Render every job's .docx (or PDF); return the parts of those made in parts, by id of the job.
    *done*: the steps done before these, for *progress*."""
    parts = {}
    for at, job in enumerate(built, done):
        if progress:
            progress(f"rendering {job.label}", at, steps)
        job.docx.parent.mkdir(parents=True, exist_ok=True)
        if job.parted is not None:
            job.parted.folder.mkdir(parents=True, exist_ok=True)
            drafts = _made(job.render, job.docx, lambda made: normalize_docx(made, day))
            parts[id(job)] = [_part(job, index, draft, day) for index, draft in enumerate(drafts, 1)]
        elif job.converts:
            _made(job.render, job.docx, lambda made: normalize_docx(made, day))
        else:  # final at once: a pack begun, or the public side, may take it while others convert
            _made(job.render, job.pdf, lambda made: normalize_pdf(made, day))
    return parts


def _made(render: Callable[[Path], object], dest: Path, finish: Callable[[Path], None]) -> object:
    """Render a document to *dest* by way of a private name, *finish* it there (dated) and rename it over
    *dest*: whole or not at all to whoever reads *dest* meanwhile. The public side's offer plans its packs
    while the papers are checked, and may make a front sheet again that the build is checking against its
    PDF at that moment; written in place, the check read a truncated .docx (``BadZipFile``)."""
    made = _beside(dest)
    try:
        result = render(made)
        finish(made)
        os.replace(made, dest)
    finally:
        made.unlink(missing_ok=True)
    return result


def _part(job: Job, index: int, draft, day: dt.date) -> Job:
    """Return the job of part *index* of *job*, drafted as *draft* (``render.docx.PartDraft``): keyed by
    the digest of its contents and the day its files are dated, named by its key, written when needed."""
    assert job.parted is not None
    key = fingerprint("part", draft.digest, day)
    return Job(key, job.parted.folder / f"{key}.docx", draft.write, f"{job.label}, part {index}")


def _convert(
    jobs: list[Job],
    converter: Converter,
    meanwhile: Callable[[set[Path]], None] | None,
    waiting: set[Path],
    sent: list[tuple[list[Job], Future]] = (),
) -> None:
    """Convert the jobs' documents, running *meanwhile* alongside (told the PDFs still *waiting*: those
    converted, and those joined from parts after), and wait for the calls *sent* already (their jobs,
    and the call converting them); a failure names documents as _where does."""
    named = jobs + [job for batch, _ in sent for job in batch]
    try:
        if meanwhile is None and not sent:
            converter.convert([job.docx for job in jobs])
            return
        with ThreadPoolExecutor(max_workers=1) as pool:  # LibreOffice works in its own processes
            running = [pool.submit(converter.convert, [job.docx for job in jobs])] if jobs else []
            try:
                if meanwhile is not None:
                    meanwhile(waiting | {job.pdf for job in jobs})
            finally:
                _wait_all(running + [future for _, future in sent])
    except ConvertError as exc:
        names = {str(path): _where(job, path) for job in named for path in (job.docx, job.pdf)}
        raise ConvertError([Problem(names.get(str(p.where), p.where), p.message) for p in exc.problems]) from None


def _wait_all(futures: list[Future]) -> None:
    """Wait for every one of *futures*; raise the first's failure (a ConvertError: every failure's problems)."""
    failures = []
    for future in futures:
        try:
            future.result()
        except ConvertError as exc:
            failures.append(exc)
    if failures:
        raise ConvertError([p for exc in failures for p in exc.problems])


def _where(job: Job, path: Path) -> str:
    """Name *path*, one of *job*'s files, in a problem: by the path, or by what the job makes when it
    is made in a work folder under its key (a front sheet, a withheld page), where no user looks."""
    return job.label if job.docx.stem == job.key[: len(job.docx.stem)] else str(path)


def _verify(converted: list[Job]) -> None:
    """Raise ConvertError naming every job whose PDF is unreadable or not the conversion of its .docx.

    The converter is not trusted (a faulty one, or a shared unoserver, may return another document):
    nothing it returned is normalised, cached or packed before this.
    """
    problems = []
    for job in converted:
        why = ""
        try:
            wrong = mismatch(job.docx, job.pdf) if job.pdf.is_file() else "LibreOffice wrote no PDF"
        except Unreadable as exc:
            wrong = f"LibreOffice returned {exc.what}"
            why = f" ({exc.why})" if exc.why else ""
        if wrong:
            problems.append(Problem(_where(job, job.pdf), f"{wrong} of the {job.label}{why}"))
    if problems:
        raise ConvertError(problems)
