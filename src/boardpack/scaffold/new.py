"""Start a meeting or a paper: ``boardpack new meeting`` and ``boardpack new paper`` (issue 15).

What is written is boardpack's scaffold files (``files/``) with the committee, date, title and folder
filled in, and a workbook with the sheets an actions appendix reads; it passes ``check`` and builds as
it is. A new meeting may instead be a copy of an earlier one, its date moved on. Nothing that exists
is ever overwritten: a meeting is written into a hidden folder beside its place and renamed into it
whole, a paper's folder likewise before its item is added to ``meeting.yaml`` (as text, so the
author's comments and layout stay).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from ..errors import Location, PlanError, Problem
from ..plan.load import OUTPUT_NAMES
from ..plan.templates import PLAN_TEMPLATES
from ..plan.yamlguard import read_text
from ..plan.yamlsrc import compose_file
from . import DEFAULT_COMMITTEE, DEFAULT_PAPER
from .workbook import write_actions_workbook
from .yamltext import append_agenda_item, fill, scaffold_text, scalar, set_top_level, top_level

MEETING, PAPER, WORKBOOK = "meeting.yaml", "paper.yaml", "appendix.xlsx"
_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_DATED = re.compile(r"(\d{4}-\d{2}-\d{2})")


def new_meeting(
    folder: Path, date: dt.date, committee: str = DEFAULT_COMMITTEE, paper: str = DEFAULT_PAPER
) -> list[Path]:
    """Write a new meeting into *folder*: meeting.yaml with one paper, *paper*, on its agenda; return the files."""
    _check_slug(paper, folder / paper)
    values = {"committee": _one_line(committee, "--committee"), "date": date.isoformat()}
    values |= {"title": scalar(title_of(paper)), "slug": paper}
    with _new_folder(folder) as staging:
        (staging / MEETING).write_text(fill(scaffold_text(MEETING), values), encoding="utf-8")
        (staging / paper).mkdir()
        _write_paper(staging / paper, title_of(paper), date)
    return [folder / MEETING, *(folder / paper / name for name in (PAPER, WORKBOOK))]


def copy_meeting(source: Path, folder: Path, date: dt.date, committee: str | None = None) -> list[Path]:
    """Write into *folder* a copy of the meeting *source*, dated *date*; return the files changed in the copy.

    Everything in the plan folder is copied (papers, workbooks, attached files, its own templates and
    wording) but hidden files; the meeting's ``date`` and each paper's ``meeting_date`` (and, given
    *committee*, every ``committee``) are set, their comments and layout kept. Other text is the
    author's: a title that names the old date is theirs to change.
    """
    meeting = source / MEETING
    if not meeting.is_file():
        raise PlanError([Problem(Location(meeting), "missing: --from needs a meeting folder")])
    if folder.resolve().is_relative_to(source.resolve()):
        raise PlanError([Problem(Location(folder), "is inside the meeting it would copy: choose a folder beside it")])
    committee_value = None if committee is None else _one_line(committee, "--committee")
    edits = {MEETING: {"date": date.isoformat()}}
    papers = {p.relative_to(source).as_posix(): {"meeting_date": date.isoformat()} for p in source.glob(f"*/{PAPER}")}
    edits |= papers
    if committee_value:
        for changes in edits.values():
            changes["committee"] = committee_value
    texts = {name: _edited(source / name, changes) for name, changes in edits.items()}  # every problem first
    with _new_folder(folder) as staging:
        shutil.copytree(source, staging, ignore=shutil.ignore_patterns(".*"), dirs_exist_ok=True)
        for name, text in texts.items():
            (staging / name).write_text(text, encoding="utf-8")
    return [folder / name for name in texts]


def new_paper(paper_dir: Path, title: str | None = None) -> list[Path]:
    """Add the paper *paper_dir* (``MEETING/SLUG``) to its meeting: its folder, and an item at the agenda's end."""
    meeting_dir, slug = paper_dir.parent, paper_dir.name
    meeting = meeting_dir / MEETING
    if not meeting.is_file():
        raise PlanError([Problem(Location(meeting), "missing: a paper is added to a meeting folder")])
    _check_slug(slug, paper_dir)
    _refuse_existing(paper_dir)
    title = title_of(slug) if title is None else title
    values = {"title": _one_line(title, "--title"), "slug": slug}
    root = compose_file(meeting)
    if slug in _agenda_papers(root):
        raise PlanError([Problem(Location(meeting), f"the agenda has a paper '{slug}' already")])
    text = append_agenda_item(meeting, read_text(meeting), root, fill(scaffold_text("agenda-item.yaml"), values))
    with _new_folder(paper_dir) as staging:
        _write_paper(staging, title, _meeting_date(root))
    _replace(meeting, text)
    return [meeting, paper_dir / PAPER, paper_dir / WORKBOOK]


def dated_folder(folder: Path) -> dt.date | None:
    """Return the date a folder's name starts with (``2026-03-10-audit-panel``), or None."""
    found = _DATED.match(folder.name)
    try:
        return dt.date.fromisoformat(found.group(1)) if found else None
    except ValueError:
        return None


def title_of(slug: str) -> str:
    """Return a first title for the paper folder *slug*: ``risk-update`` is "Risk update"."""
    return re.sub(r"[-_.]+", " ", slug).strip().capitalize()


def _write_paper(folder: Path, title: str, due: dt.date) -> None:
    text = fill(scaffold_text(PAPER), {"title": scalar(title)})
    (folder / PAPER).write_text(text, encoding="utf-8")
    write_actions_workbook(folder / WORKBOOK, due)


def _edited(path: Path, changes: dict[str, str]) -> str:
    text, root = read_text(path), compose_file(path)
    for key, value in changes.items():  # each edit moves what follows it: compose again
        text = set_top_level(path, text, root, key, value)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    return text


def _agenda_papers(root) -> set[str]:
    found = top_level(root, "agenda")
    items = found[1].value if found and isinstance(found[1].value, list) else []
    return {v.value for item in items if isinstance(item.value, list) for k, v in item.value if k.value == "paper"}


def _meeting_date(root) -> dt.date:
    """Return the meeting's date, the example action's due date (today when meeting.yaml has none yet)."""
    found = top_level(root, "date")
    try:
        return dt.date.fromisoformat(found[1].value) if found else dt.date.today()
    except (TypeError, ValueError):
        return dt.date.today()


def _one_line(text: str, option: str) -> str:
    """Return *text* as a YAML scalar, or raise PlanError when it is empty or holds a line break or control."""
    if not text.strip() or not text.isprintable():
        raise PlanError([Problem(option, "must be one line of printable text")])
    return scalar(text.strip())


def _check_slug(slug: str, where: Path) -> None:
    if not _SLUG.fullmatch(slug) or slug.lower() in OUTPUT_NAMES | {PLAN_TEMPLATES}:
        message = "a paper's folder is named with letters, digits, '-', '_' and '.', and not as a file a build writes"
        raise PlanError([Problem(Location(where), f"{message} or the plan's templates folder")])


def _refuse_existing(folder: Path) -> None:
    """Raise PlanError naming *folder* when it exists and is not an empty folder."""
    if folder.exists() and not (folder.is_dir() and not any(folder.iterdir())):
        raise PlanError([Problem(Location(folder), "exists already: boardpack new never overwrites")])


@contextmanager
def _new_folder(folder: Path) -> Iterator[Path]:
    """Yield a hidden folder beside *folder*, renamed to *folder* when the block ends well, else removed.

    *folder* may not exist (an empty folder is taken as not there): nothing is overwritten.
    """
    _refuse_existing(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        yield staging
        os.rename(staging, folder)  # whole or not at all; an empty folder there is replaced
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _replace(path: Path, text: str) -> None:
    """Write *text* to *path* through a file beside it, so a reader never sees half of it."""
    partial = path.with_name(f".{path.name}.new")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
