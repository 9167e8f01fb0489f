"""The meeting as data beside the HTML edition: ``meeting.json`` and ``meeting.ics`` (docs/site-data.md).

Both are made from ``SiteMeeting`` alone, which holds only what the public pack's front sheet makes
public, and both are deterministic: the same meeting gives the same bytes (no timestamps, no random
identifiers), so a rebuild that changed nothing changes neither file.

The event's start is local time in Europe/London, written with ``TZID=Europe/London`` and a
VTIMEZONE of the UK's rule since 1996 (BST from 01:00 UTC on the last Sunday of March to 01:00 UTC
on the last Sunday of October). Floating time would put a 14:00 meeting at 14:00 wherever the
reader's calendar is (a member abroad would be told the wrong hour); a VTIMEZONE made from the
installed tz database would change the file whenever that database changes. The rule is written
out once here, so the bytes depend on the meeting only.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import icalendar

from .model import SiteItem, SiteMeeting

FORMAT = "boardpack-meeting/1"
DURATION = dt.timedelta(hours=2)
TZID = "Europe/London"
PRODID = "-//boardpack//boardpack meeting//EN"
TIME = re.compile(r"^\s*(\d{1,2})(?:[:.](\d{2}))?\s*([ap]\.?m\.?)?\s*$", re.IGNORECASE)


def meeting_json(site: SiteMeeting) -> str:
    """Return the meeting as JSON: fixed key order, UTF-8 text (not escaped), a final newline."""
    data = {
        "format": FORMAT,
        "committee": site.committee,
        "title": site.title,
        "date": site.date.isoformat(),
        "time": site.time,
        "venue": site.venue,
        "marking": site.marking,
        "agenda": [_item(item) for item in site.agenda],
        "downloads": [{"label": d.label, "href": d.href, "bytes": d.bytes, "pages": d.pages} for d in site.downloads],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _item(item: SiteItem) -> dict[str, object]:
    return {
        "number": item.number,
        "title": item.title,
        "paper": item.paper,
        "restricted": item.restricted,
        "reason": item.reason,
        "page": item.page,
        "appendices": [
            {"number": a.number, "title": a.title, "restricted": a.restricted, "href": a.href, "pdf": a.pdf}
            for a in item.appendices
        ],
    }


def parse_time(text: str | None) -> dt.time | None:
    """Return the start time *text* gives ("14:00", "2pm", "2.30 p.m.", "9"), or None if it gives none."""
    match = TIME.match(text or "")
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2] or 0)
    suffix = (match[3] or "").lower().replace(".", "")
    if suffix:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


def meeting_ics(site: SiteMeeting) -> bytes:
    """Return the meeting as an iCalendar file of one VEVENT (RFC 5545): CRLF lines folded at 75 octets."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    event = icalendar.Event()
    event.add("uid", uid(site))
    event.add("dtstamp", dt.datetime.combine(site.date, dt.time(0, 0), tzinfo=dt.UTC))
    event.add("summary", f"{site.committee}: {site.title}")
    start = parse_time(site.time)
    if start is None:  # an all-day event: the day, with no hour to be wrong about
        event.add("dtstart", site.date)
        event.add("duration", dt.timedelta(days=1))
    else:
        event.add("dtstart", dt.datetime.combine(site.date, start), parameters={"TZID": TZID})
        event.add("duration", DURATION)
        cal.add_component(london())
    if site.venue:
        event.add("location", site.venue)
    event.add("description", description(site))
    cal.add_component(event)
    return cal.to_ical()


def uid(site: SiteMeeting) -> str:
    """Return the event's UID: the same for the same committee and date, whatever else changes."""
    slug = re.sub(r"[^a-z0-9]+", "-", site.committee.casefold()).strip("-") or "meeting"
    return f"{site.date.isoformat()}-{slug}@boardpack"


def description(site: SiteMeeting) -> str:
    """Return the public agenda as plain text: one line an item, exempt items with their reason."""
    lines = [f"{site.title}. Protective marking: {site.marking}.", "", "Agenda:"]
    for item in site.agenda:
        line = f"{item.number}. {item.title}"
        if item.restricted:
            line += " (not for publication" + (f": {item.reason})" if item.reason else ")")
        lines.append(line)
    return "\n".join(lines)


def london() -> icalendar.Timezone:
    """Return the VTIMEZONE of Europe/London as its rule has been since 1996 (RRULEs, no tz database)."""
    tz = icalendar.Timezone()
    tz.add("tzid", TZID)
    for kind, name, start, before, after, month in (
        (icalendar.TimezoneDaylight, "BST", dt.datetime(1996, 3, 31, 1), 0, 1, 3),
        (icalendar.TimezoneStandard, "GMT", dt.datetime(1996, 10, 27, 2), 1, 0, 10),
    ):
        part = kind()
        part.add("tzname", name)
        part.add("dtstart", start)
        part.add("tzoffsetfrom", dt.timedelta(hours=before))
        part.add("tzoffsetto", dt.timedelta(hours=after))
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1SU"})
        tz.add_component(part)
    return tz
