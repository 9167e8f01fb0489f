"""Stand-ins for s-data's ``site/data.py`` and ``site/leaks.py`` (issue 13), for tests only.

Installed by ``tests/conftest.py`` only while the real modules are missing from this clone; once they
are merged this module is unused and goes.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import types
from dataclasses import asdict
from pathlib import Path


def meeting_json(site) -> str:
    return json.dumps(asdict(site), default=str, indent=2, sort_keys=True) + "\n"


def meeting_ics(site) -> bytes:
    day = site.date.strftime("%Y%m%d")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//boardpack//site//EN", "BEGIN:VEVENT"]
    lines += [
        f"UID:{day}-boardpack",
        f"DTSTAMP:{day}T000000Z",
        f"DTSTART;VALUE=DATE:{day}",
        f"SUMMARY:{site.committee}",
    ]
    return ("\r\n".join([*lines, "END:VEVENT", "END:VCALENDAR"]) + "\r\n").encode()


def _words(text: str) -> list[str]:
    return re.findall(r"[0-9a-z£]+", text.lower())


def site_leaks(site_dir: Path, restricted_texts: list[str], restricted_titles: set[str]) -> list:
    """A crude check: a run of 25 words of a restricted text in a page, in no public document's .docx beside
    the site, and in no other page (boilerplate)."""
    from boardpack.convert.verify import docx_text
    from boardpack.errors import Problem

    runs = set()
    for text in restricted_texts:
        words = _words(text)
        runs |= {tuple(words[i : i + 25]) for i in range(len(words) - 24)}
    for docx in site_dir.parent.glob("*/*.docx"):
        text = docx_text(docx)
        if text not in restricted_texts:
            words = _words(text)
            runs -= {tuple(words[i : i + 25]) for i in range(len(words) - 24)}
    pages = {}
    for page in sorted(site_dir.rglob("*.html")):
        words = _words(re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8")))
        pages[page] = {tuple(words[i : i + 25]) for i in range(len(words) - 24)}
    seen: dict[tuple, int] = {}
    for found in pages.values():
        for run in found:
            seen[run] = seen.get(run, 0) + 1
    return [
        Problem(str(page), "holds restricted text")
        for page, found in pages.items()
        if any(run in runs and seen[run] == 1 for run in found)
    ]


def install() -> None:
    """Put the stand-ins where the real modules would be, if they are missing (before boardpack is imported)."""
    spec = importlib.util.find_spec("boardpack")  # finds the package without importing it
    assert spec is not None and spec.origin is not None
    site = Path(spec.origin).parent / "site"
    for name, functions in (
        ("data", {"meeting_json": meeting_json, "meeting_ics": meeting_ics}),
        ("leaks", {"site_leaks": site_leaks}),
    ):
        if not (site / f"{name}.py").is_file():
            module = types.ModuleType(f"boardpack.site.{name}")
            module.__dict__.update(functions)
            sys.modules[f"boardpack.site.{name}"] = module
