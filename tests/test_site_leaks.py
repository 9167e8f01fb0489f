"""The site's leak check: restricted text or titles in any file of site/, however it is written."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from boardpack.site.data import meeting_ics
from boardpack.site.leaks import ics_values, site_leaks
from boardpack.site.model import SiteItem, SiteMeeting

SECRET = (
    "The police estate disposal programme will realise forty two million pounds from the sale of "
    "seven buildings & their freeholds before the budget is set in March next year."
)
BOILERPLATE = "This report is presented to the Audit Panel for information and for noting by its members today."
TITLE = "Estate Disposal Negotiations"
PUBLIC = "The internal audit team completed nine reviews this quarter and raised no priority one findings at all."


def site(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    root = tmp_path / "site"
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return root


def check(root: Path) -> list:
    return site_leaks(root, [SECRET + " " + BOILERPLATE], {TITLE}, public_texts=[PUBLIC + " " + BOILERPLATE])


def page(body: str) -> str:
    return f'<!DOCTYPE html><html lang="en-GB"><head><title>Audit Panel</title></head><body>{body}</body></html>'


def test_a_clean_site_passes(tmp_path):
    root = site(
        tmp_path,
        {
            "index.html": page(f"<h1>Audit Panel</h1><p>{PUBLIC}</p><p>{BOILERPLATE}</p>"),
            "site.css": "body { font-family: sans-serif; }\n",
            "meeting.json": json.dumps({"agenda": [{"title": "Internal Audit Progress"}]}),
            "paper/index.html": page("<p>Estate Disposal Negotiations Update</p>"),  # a longer public title
        },
    )
    assert check(root) == []


@pytest.mark.parametrize(
    "body",
    [
        f"<p>{SECRET}</p>",
        "<p>The police estate <em>disposal</em> pro<b>gramme</b> will realise forty two million pounds</p>",
        "<p>seven buildings &amp; their freeholds before the budget is set in March</p>",
        '<p>seven buildings &#38; their <a href="#x">freeholds before</a>\n the budget is set in March</p>',
        f'<abbr title="{SECRET.replace("&", "&amp;")}">EDP</abbr>',
        f"<!-- {SECRET} -->",
    ],
    ids=["paragraph", "split-by-tags", "escaped", "entity-and-link", "attribute", "comment"],
)
def test_restricted_text_in_html_is_caught(tmp_path, body):
    root = site(tmp_path, {"paper/index.html": page(body)})
    (problem,) = check(root)
    assert problem.where.file == root / "paper" / "index.html"
    assert "holds text of a restricted document" in problem.message and "“" in problem.message


def test_restricted_text_in_json_and_css_is_caught(tmp_path):
    root = site(
        tmp_path,
        {
            "meeting.json": json.dumps({"notes": SECRET.replace(" ", "\u00a0", 2)}, ensure_ascii=True),
            "site.css": f'.x::after {{ content: "{SECRET}"; }}',
        },
    )
    assert [p.where.file.name for p in check(root)] == ["meeting.json", "site.css"]


def test_restricted_text_split_across_json_strings_is_caught(tmp_path):
    words = SECRET.split()
    root = site(tmp_path, {"meeting.json": json.dumps({"a": " ".join(words[:5]), "b": " ".join(words[5:12])})})
    assert len(check(root)) == 1


def test_restricted_text_in_a_folded_ics_description_is_caught(tmp_path):
    agenda = (SiteItem("1", SECRET, None, False),)
    ics = meeting_ics(SiteMeeting("Audit Panel", "Pack", dt.date(2017, 12, 19), "14:00", None, "OFFICIAL", agenda))
    assert b"\r\n " in ics  # folded
    folded = b"BEGIN:VCALENDAR\r\nDESCRIPTION:the police estate disposal pro\r\n gramme will realise forty two\r\n"
    for number, content in enumerate([ics, folded]):  # the second one only unfolding finds
        root = site(tmp_path / str(number), {"meeting.ics": content})
        (problem,) = check(root)
        assert problem.where.file.name == "meeting.ics"


def test_ics_values_are_unfolded_and_unescaped():
    ics = "BEGIN:VCALENDAR\r\nDESCRIPTION:one\\, two\\;\\nEstate Dis\r\n posal Negotiations\r\nEND:VCALENDAR\r\n"
    assert "one, two;\nEstate Disposal Negotiations" in ics_values(ics)
    assert "Estate Disposal Negotiations" in ics_values(ics)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("index.html", page("<h2>3. Estate   disposal <span>negotiations</span></h2>")),
        ("index.html", page('<img src="x.png" alt="estate disposal negotiations">')),
        ("index.html", page('<a href="x.html" title="Estate Disposal Negotiations">Item 3</a>')),
        ("index.html", page("<ul><li>Minutes<li>Estate Disposal &#78;egotiations</ul>")),
        ("meeting.json", json.dumps({"agenda": [{"title": "4. Estate Disposal Negotiations"}]})),
        (
            "meeting.ics",
            "BEGIN:VCALENDAR\r\nDESCRIPTION:Agenda:\\n1. Minutes\\n2. Estate Dis\r\n posal Negotiations\r\n",
        ),
    ],
    ids=["heading", "alt", "title-attribute", "unclosed-li", "json", "ics"],
)
def test_restricted_title_is_caught(tmp_path, name, content):
    root = site(tmp_path, {name: content})
    problems = check(root)
    assert [p.message for p in problems] == [f"names restricted '{TITLE}'"]
    assert problems[0].where.file.name == name


def test_boilerplate_shared_with_a_public_text_is_no_leak(tmp_path):
    root = site(tmp_path, {"index.html": page(f"<p>{BOILERPLATE}</p>")})
    assert check(root) == []
    assert len(site_leaks(root, [BOILERPLATE], set())) == 1  # without the public text it would be one


def test_binary_files_and_symlinks_do_not_break_the_check(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text(SECRET, encoding="utf-8")
    root = site(tmp_path, {"chart.png": b"\x89PNG\r\n\x1a\n\x00\xff\xfe" * 50})
    (root / "link.txt").symlink_to(outside)
    assert check(root) == []


def test_a_title_the_public_agenda_prints_is_no_leak(tmp_path):
    root = site(tmp_path, {"index.html": page("<ol><li>Estate Disposal Negotiations</li></ol>")})
    assert len(check(root)) == 1
    assert site_leaks(root, [], {TITLE, "Other"}, public_titles=["3. ESTATE disposal negotiations"]) == []
