"""What the HTML edition says of a meeting: only what the public pack's front sheet makes public.

``SiteMeeting`` is the one shape the site's pages, ``meeting.json`` and ``meeting.ics`` are all made
from. An exempt item (or appendix) carries its title and the reason for exemption exactly as the
public front sheet prints them, and never a link: its text is not in the site at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class SiteAppendix:
    """An appendix as the public agenda lists it under its item."""

    number: str  # "1"
    title: str  # as the public front sheet prints it, e.g. "Appendix 1 – Tracker"
    restricted: bool
    href: str | None = None  # its page in the site, relative to site/: "slug/appendix-1.html"
    pdf: str | None = None  # its PDF, relative to site/: "../slug/appendix-1.pdf"


@dataclass(frozen=True)
class SiteItem:
    """One numbered item of the agenda."""

    number: str  # "1"
    title: str  # the item's title as the agenda prints it (public, even for an exempt item)
    paper: str | None  # the paper's folder (slug); None for an oral item
    restricted: bool
    reason: str | None = None  # the Schedule 12A reason as printed, for an exempt item
    page: str | None = None  # the public paper's page, relative to site/: "slug/index.html"
    appendices: tuple[SiteAppendix, ...] = ()


@dataclass(frozen=True)
class SiteDownload:
    """A file to download from the meeting's page: the public packs only, never the members' pack."""

    label: str  # e.g. "Agenda and public reports pack"
    href: str  # relative to site/: "../public-pack.pdf"
    bytes: int
    pages: int


@dataclass(frozen=True)
class SiteMeeting:
    """The meeting as the HTML edition publishes it."""

    committee: str
    title: str  # the public pack's title, e.g. "Agenda and public reports pack"
    date: dt.date
    time: str | None  # as printed, e.g. "14:00"
    venue: str | None
    marking: str  # the public marking, e.g. "OFFICIAL"
    agenda: tuple[SiteItem, ...] = ()
    downloads: tuple[SiteDownload, ...] = ()
