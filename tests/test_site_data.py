"""meeting.json and meeting.ics: the meeting as data, deterministic, public only."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import icalendar
import pytest

from boardpack.site.data import meeting_ics, meeting_json, parse_time
from boardpack.site.model import SiteAppendix, SiteDownload, SiteItem, SiteMeeting

REASON = "paragraph 3 of Part 1 of Schedule 12A to the Local Government Act 1972"


def meeting(time: str | None = "14:00", date: dt.date = dt.date(2017, 12, 19), **kw) -> SiteMeeting:
    fields = dict(
        committee="Audit Panel",
        title="Agenda and public reports pack",
        date=date,
        time=time,
        venue="City Hall, The Queen’s Walk, London SE1 2AA",
        marking="OFFICIAL",
        agenda=(
            SiteItem("1", "Apologies for Absence", None, False),
            SiteItem(
                "2",
                "MOPAC Governance Improvement Plan",
                "governance-improvement-plan",
                False,
                page="governance-improvement-plan/index.html",
                appendices=(
                    SiteAppendix("1", "Appendix 1 – Governance Improvement Plan", True),
                    SiteAppendix("2", "Appendix 2 – Tracker", False, "gip/appendix-2.html", "../gip/appendix-2.pdf"),
                ),
            ),
            SiteItem("3", "Exempt Minutes", "minutes", True, reason=REASON),
        ),
        downloads=(SiteDownload("Agenda and public reports pack", "../public-pack.pdf", 123456, 42),),
    )
    fields.update(kw)
    return SiteMeeting(**fields)


def test_json_holds_the_meeting_in_a_fixed_order():
    text = meeting_json(meeting())
    assert text.endswith("}\n") and "’" in text  # UTF-8 as it is, not \u2019
    data = json.loads(text)
    assert list(data) == [
        "format", "committee", "title", "date", "time", "venue", "marking", "agenda", "downloads"
    ]  # fmt: skip
    assert data["date"] == "2017-12-19" and data["time"] == "14:00"
    exempt = data["agenda"][2]
    assert exempt == {
        "number": "3",
        "title": "Exempt Minutes",
        "paper": "minutes",
        "restricted": True,
        "reason": REASON,
        "page": None,
        "appendices": [],
    }
    appendices = data["agenda"][1]["appendices"]
    assert appendices[0]["restricted"] is True and appendices[0]["href"] is None and appendices[0]["pdf"] is None
    assert appendices[1]["href"] == "gip/appendix-2.html"
    assert data["downloads"] == [
        {"label": "Agenda and public reports pack", "href": "../public-pack.pdf", "bytes": 123456, "pages": 42}
    ]


def test_json_is_deterministic():
    assert meeting_json(meeting()) == meeting_json(meeting())
    assert meeting_json(meeting()).encode("utf-8") == meeting_json(meeting()).encode("utf-8")


def event(ics: bytes) -> icalendar.Event:
    cal = icalendar.Calendar.from_ical(ics)
    assert cal["PRODID"].startswith("-//boardpack//") and cal["VERSION"] == "2.0"
    (found,) = cal.walk("VEVENT")
    return found


def test_ics_event_fields():
    ics = meeting_ics(meeting())
    found = event(ics)
    assert str(found["SUMMARY"]) == "Audit Panel: Agenda and public reports pack"
    start = found.decoded("DTSTART")
    assert start == dt.datetime(2017, 12, 19, 14, 0, tzinfo=ZoneInfo("Europe/London"))
    assert start.utcoffset() == dt.timedelta(0)
    assert found.decoded("DURATION") == dt.timedelta(hours=2)
    assert str(found["LOCATION"]) == "City Hall, The Queen’s Walk, London SE1 2AA"
    assert found["UID"] == "2017-12-19-audit-panel@boardpack"
    assert found.decoded("DTSTAMP") == dt.datetime(2017, 12, 19, tzinfo=dt.UTC)
    description = str(found["DESCRIPTION"])
    assert "1. Apologies for Absence\n2. MOPAC Governance Improvement Plan\n3. Exempt Minutes" in description
    assert f"(not for publication: {REASON})" in description
    assert b"BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\n" in ics


def test_ics_summer_time_is_bst():
    start = event(meeting_ics(meeting(date=dt.date(2018, 6, 14), time="2.30 pm"))).decoded("DTSTART")
    assert start.replace(tzinfo=None) == dt.datetime(2018, 6, 14, 14, 30)
    assert start.utcoffset() == dt.timedelta(hours=1)


@pytest.mark.parametrize("time", [None, "", "after the AGM", "25:00"])
def test_ics_without_a_time_is_an_all_day_event(time):
    ics = meeting_ics(meeting(time=time))
    found = event(ics)
    assert found.decoded("DTSTART") == dt.date(2017, 12, 19)
    assert b"DTSTART;VALUE=DATE:20171219\r\n" in ics
    assert b"VTIMEZONE" not in ics


def test_ics_is_deterministic_and_its_uid_follows_committee_and_date():
    assert meeting_ics(meeting()) == meeting_ics(meeting())
    changed = meeting(title="Supplementary pack", venue="Room 1")
    assert event(meeting_ics(changed))["UID"] == event(meeting_ics(meeting()))["UID"]
    assert event(meeting_ics(meeting(date=dt.date(2018, 1, 9))))["UID"] != event(meeting_ics(meeting()))["UID"]


def test_ics_lines_are_crlf_and_folded_at_75_octets():
    long_reason = "paragraph 3 " + "of a very long and winding exemption réason " * 10
    ics = meeting_ics(meeting(agenda=(SiteItem("1", "Exempt", "x", True, reason=long_reason),)))
    assert ics.endswith(b"\r\n")
    lines = ics.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines)  # the description was folded
    assert long_reason.strip() in str(event(ics)["DESCRIPTION"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14:00", dt.time(14)),
        ("9.30", dt.time(9, 30)),
        ("2pm", dt.time(14)),
        ("2.30 p.m.", dt.time(14, 30)),
        ("12 noon", None),
        ("12am", dt.time(0)),
        ("10:00 AM", dt.time(10)),
        ("13pm", None),
        ("24:00", None),
        (None, None),
    ],
)
def test_parse_time(text, expected):
    assert parse_time(text) == expected
