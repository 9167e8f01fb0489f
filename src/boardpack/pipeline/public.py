"""The public side of a build written beside the members' side: the public packs, their leak check, the site.

None of them needs a restricted document, so once the public papers are converted (and before a long
restricted appendix is, or is joined from its parts) they can be written on the second core, in a
child forked for the purpose (``forked.standby``). It is forked before the conversion starts threads
(those of ``watch --serve``'s preview, if any, are alive, as when the packs fork). It renders the
site's paper pages into the build cache at once (``warm``: they need nothing converted), on the second
core while the build renders the papers, and waits: ``offer`` sends it the public packs to write as
soon as their papers are final, and ``result`` collects what it wrote. When they cannot be final
before the conversion ends (one call for everything, ``--converter soffice``; a public appendix made
in parts), the child is let go once it has rendered the pages, and the build writes the public side
after the papers, as it does the members', finding the pages in the cache.

The child writes only files of its own (the public packs, ``site/``) and cache entries, each under a
name of its own and renamed (``cache.py``); it sends back the packs it wrote and the site's documents.
It never reads a restricted PDF, which may be converting still: when a public pack's text must be
compared with the restricted documents' (a page that is not a page of a public document), it sends
back the packs alone, and the build checks them and writes the site once everything is final.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from ..pack.packs import SUPPLEMENTS, BuiltPack, PackBuilder, PackJob, Supplement
from . import forked
from .cache import Ready
from .manifest import Document

PUBLIC = (False,)
MEMBERS = (True,)
# (public PackJobs) -> (packs, the site's documents; None when the build is to check the packs and write the site)
Publish = Callable[[list], tuple[list[BuiltPack], list[Document] | None]]


class PublicSide:
    """The public side, ready to be written in a forked child while LibreOffice converts."""

    def __init__(self, publish: Publish, first: set[Path], warm: Callable[[], object] | None = None) -> None:
        """*publish* writes the public packs it is given, checks them and writes the site; *first*: the
        PDFs converted ahead of the papers (front sheets, withheld pages), which the packs need too;
        *warm*: what the child does while it waits (render the site's pages into the build cache)."""
        self.first = first
        self.child = forked.standby(publish, first=warm) if forked.CAN_FORK else None
        self.warms = self.child is not None and warm is not None  # else the build warms the site itself
        self.members: list[PackJob] | None = None  # the members' packs, planned with the public ones
        self.offering: Future | None = None
        self.thread = ThreadPoolExecutor(max_workers=1)

    @property
    def sent(self) -> bool:
        """Whether the child was sent the public packs: the build writes only the members' side."""
        return self.child is not None and self.child.sent

    def sides(self, packer: PackBuilder, supplement: Supplement | None, ready: Ready | None) -> tuple[bool, ...]:
        """Return the sides whose packs this process begins while converting: the members' alone when the
        child can write the public side, as it can if its papers are final before the conversion ends."""
        if self.child is None or ready is None or not ready.possible(self._needs(packer, supplement)):
            return PUBLIC + MEMBERS
        return MEMBERS

    def offer(self, packer: PackBuilder, supplement: Supplement | None, out_dir: Path, ready: Ready) -> None:
        """Send the child the public packs to write as soon as their papers are final, in a thread of its
        own: the build goes on meanwhile (a long appendix is joined). ``settle`` waits for it."""
        self.offering = self.thread.submit(self._offer, packer, supplement, out_dir, ready)

    def settle(self) -> None:
        """Wait until the offer is made (the child sent its packs, or let go); raise what stopped it.

        The packer is the offer's until then: it plans the public packs, and makes their front sheets.
        """
        offering, self.offering = self.offering, None
        self.thread.shutdown()
        if offering is not None:
            offering.result()

    def _offer(self, packer: PackBuilder, supplement: Supplement | None, out_dir: Path, ready: Ready) -> None:
        """Plan the public packs once their papers are written, and send the child those packs once the
        papers are final, if it can write them (``sides``); else let it go.

        The members' packs are planned with them when their papers are written by then too (none is still
        converting, or joined from parts later): a front sheet guessed wrong (a paper gained a page) is
        then made again in one conversion for both sides, not one each (``members``).
        """
        needs = self._needs(packer, supplement)
        if self.sides(packer, supplement, ready) != MEMBERS or not ready.written(needs):
            self._let_go()
            return
        # Planned (the front sheets made again if their page numbers moved) once the papers are written,
        # while they are checked and tagged: page counts are known then. Sent only once they are final.
        members = packer.sources(True, supplement)
        sides = PUBLIC + MEMBERS if ready.written_now(members) else PUBLIC
        # The members' pack takes its papers while the front sheets convert, but those not final yet (written,
        # not yet checked and tagged): they are copied in when it is written.
        unready = {pdf for pdf in needs | members if not ready.done({pdf})}
        jobs = packer.plan(out_dir, sides=sides, begin=MEMBERS, unready=unready)
        if supplement is not None:
            jobs += packer.plan(out_dir, supplement, sides=sides, begin=MEMBERS, unready=unready)
        if not ready.wait(needs):
            self._let_go()  # a paper the converter got wrong: the build fails on it
            return
        assert self.child is not None
        self.child.send([job for job in jobs if not job.pack.restricted])
        if sides != PUBLIC:
            self.members = [job for job in jobs if job.pack.restricted]
            if unready and ready.wait(members):  # final now: copied into the members' pack here, not after
                packer.take_papers(MEMBERS)

    def _let_go(self) -> None:
        """Let the child go once it has done its *warm* work, which the build would do again: the build
        writes the public side itself. A child that stopped on its own is no matter: it sent nothing."""
        if self.child is None:
            return
        try:
            self.child.let_go()
        except Exception:  # noqa: BLE001 - it ended without a word (killed): the build does its work
            self.child.kill()

    def withdraw(self) -> None:
        """Let the child go (``_let_go``), once the offer is made, when it was sent nothing: the build writes
        the public side itself (nothing converted, or the public papers final only now)."""
        self.settle()
        if not self.sent:
            self._let_go()

    def result(self) -> tuple[list[BuiltPack], list[Document] | None]:
        """Wait for the child; return the public packs and the site's documents (None: the build checks
        the packs against the restricted documents, final only now, and writes the site), or raise what
        it raised."""
        assert self.child is not None and self.child.sent
        packs, site = self.child.wait()
        return packs, site

    def stop(self) -> None:
        """Stop the child, waiting or writing (a build that failed, or writes the public side itself),
        once the offer is made (or failed: the build is failing already). Killed first: the offer may be
        waiting for it to render the site's pages, which nothing will read now."""
        if self.child is not None:
            self.child.halt()
        try:
            self.settle()
        except Exception:  # noqa: BLE001, S110 - a failed offer: what made the build stop is raised there
            pass
        finally:
            if self.child is not None:
                self.child.kill()

    def _needs(self, packer: PackBuilder, supplement: Supplement | None) -> set[Path]:
        return self.first | packer.sources(False, supplement)


def in_order(packs: list[BuiltPack]) -> list[BuiltPack]:
    """Return *packs* in the order a build lists them: the main packs, then the supplements; public first."""
    return sorted(packs, key=lambda pack: (pack.path.name in SUPPLEMENTS.values(), pack.restricted))
