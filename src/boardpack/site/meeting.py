"""The meeting as the HTML edition publishes it (``SiteMeeting``), made as the public front sheet is.

An exempt item gives its number, title and reason, as ``pack.packs`` prints them on the public front
sheet, and nothing else: no paper, no appendices, no link. A restricted appendix of a public paper
gives its heading and that it is not for publication, with no link.
"""

from __future__ import annotations

from pathlib import Path

from ..pack.packs import PACKS, SUPPLEMENTS, BuiltPack, highest_marking
from ..plan.model import Meeting, NumberedPaper
from ..plan.wording import Wording
from .model import SiteAppendix, SiteDownload, SiteItem, SiteMeeting
from .pages import appendix_links


def site_meeting(
    meeting: Meeting, papers: dict[str, NumberedPaper], packs: list[BuiltPack], wording: Wording
) -> SiteMeeting:
    """Return what the site says of *meeting*: its public packs only among *packs*."""
    public = [p for p in packs if not p.restricted]
    marking = highest_marking([p.marking for p in public] or ["OFFICIAL"])
    agenda = tuple(_item(str(n), item, papers.get(item.paper or "")) for n, item in enumerate(meeting.agenda, 1))
    return SiteMeeting(
        committee=meeting.committee,
        title=wording("pack.public_title"),
        date=meeting.date,
        time=meeting.time,
        venue=meeting.venue,
        marking=marking,
        agenda=agenda,
        downloads=tuple(_download(p, wording) for p in public),
    )


def _item(number: str, item, paper: NumberedPaper | None) -> SiteItem:
    if item.restricted:
        return SiteItem(number, item.title, None, True, item.reason)
    if paper is None:
        return SiteItem(number, item.title, None, False)
    slug = paper.paper.slug
    links = appendix_links(paper, True)
    appendices = tuple(
        SiteAppendix(
            a.number,
            a.heading,
            a.appendix.restricted,
            f"{slug}/{links[a.number]}" if links.get(a.number, "").endswith(".html") else None,
            None if a.appendix.restricted else f"{slug}/appendix-{a.number}.pdf",
        )
        for a in paper.appendices
    )
    return SiteItem(number, item.title, slug, False, None, f"{slug}/index.html", appendices)


def _download(pack: BuiltPack, wording: Wording) -> SiteDownload:
    name = pack.path.name
    label = wording("pack.supplement_public_title" if name == SUPPLEMENTS[False] else "pack.public_title")
    assert name in (PACKS[False], SUPPLEMENTS[False])
    return SiteDownload(label, name, Path(pack.path).stat().st_size, pack.pages)
