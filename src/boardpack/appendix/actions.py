"""Read a workbook of actions (sheets ``Actions`` and ``Previous``) and check it, cell by cell.

Each problem names the workbook, sheet and cell (``appendix.xlsx:Actions!G14``); all of them are
reported together. Columns are found by their header, in any order; other columns are ignored with a
warning; blank rows are skipped. The trail is checked here too: every earlier recommendation that
is still open must be answered by at least one action.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from openpyxl.utils.datetime import from_excel, to_excel

from ..errors import CellLocation, Location, Problems
from ..plan.model import Action, ActionPlan, ActionsSource, Plan, PreviousItem
from ..plan.sheets import REPORTED, Row, open_workbook, read_rows
from ..util import did_you_mean, sha256
from .cells import general

ACTIONS, PREVIOUS = "Actions", "Previous"
ACTION_COLUMNS = ("Ref", "Theme", "Area", "Action", "Owner", "Due", "Status", "Progress", "Previous refs")
PREVIOUS_COLUMNS = ("Ref", "Source", "Recommendation", "Disposition")
OPTIONAL = frozenset({"Area", "Progress", "Previous refs", "Disposition"})
EARLIEST = dt.date(1900, 1, 1)  # Excel's first day


def load_action_plans(plan: Plan, problems: Problems) -> dict[tuple[str, int], ActionPlan]:
    """Return the action plan of every appendix built from a workbook, keyed by (paper, appendix index)."""
    plans = {}
    for paper in plan.papers:
        for index, appendix in enumerate(paper.appendices):
            if appendix.actions is not None:
                path = paper.loc.file.parent / appendix.actions.workbook
                loaded = _load_remembered(path, appendix.actions, problems)
                if loaded is not None:
                    plans[(paper.slug, index)] = loaded
    return plans


_remembered: dict[tuple, tuple[ActionPlan | None, list, list]] = {}
_read_here: set[tuple] = set()  # the workbooks this process read itself (not remembered from its parent)
REMEMBERED = 8


def read_here() -> dict[tuple, tuple[ActionPlan | None, list, list]]:
    """The workbooks this process read itself, as remembered: what a fork server's build hands back to
    the server (``pipeline/forkserver.py``), so that the next build it forks finds them read."""
    return {key: _remembered[key] for key in _read_here if key in _remembered}


def remember(entries: dict[tuple, tuple[ActionPlan | None, list, list]]) -> None:
    """Remember *entries* (``read_here`` of another process, keyed by the workbook's bytes) as read."""
    for key, value in entries.items():
        _remembered.pop(key, None)
        while len(_remembered) >= REMEMBERED:
            del _remembered[next(iter(_remembered))]
        _remembered[key] = value


def _load_remembered(path: Path, source: ActionsSource, problems: Problems) -> ActionPlan | None:
    """``load_action_plan``, remembered by the workbook's bytes: a process that builds again (``watch``,
    a benchmark), or the fork server its builds are forked from, reads an unchanged workbook once. Its
    problems and warnings are recorded again each time."""
    try:
        key = (str(path), source, source.loc, sha256(path))
    except OSError:
        return load_action_plan(path, source, problems)
    entry = _remembered.get(key)
    if entry is None:
        found = Problems()
        entry = (load_action_plan(path, source, found), found.items, found.warnings)
        if _unchanged(path, key[3]):  # saved again while it was read: what was read is not those bytes'
            remember({key: entry})
            _read_here.add(key)
    loaded, items, warnings = entry
    problems.items += items
    problems.warnings += warnings
    return loaded


def _unchanged(path: Path, digest: str) -> bool:
    try:
        return sha256(path) == digest
    except OSError:
        return False


def load_action_plan(path: Path, source: ActionsSource, problems: Problems) -> ActionPlan | None:
    """Return the checked action plan in the workbook at *path*; record every problem found."""
    book = open_workbook(path, source.workbook, source.loc, problems)
    if book is None:
        return None
    sheets = {}
    for name, columns in ((ACTIONS, ACTION_COLUMNS), (PREVIOUS, PREVIOUS_COLUMNS)):
        if name not in book.sheetnames:
            present = ", ".join(book.sheetnames)
            problems.add(Location(path), f"no sheet '{name}' (sheets: {present}){did_you_mean(name, book.sheetnames)}")
            continue
        rows = read_rows(path, book[name], columns, problems, OPTIONAL)
        if rows is not None:
            sheets[name] = rows
    if len(sheets) < 2:
        return None  # a sheet that cannot be read: checking its rows would only repeat that
    checker = _Checker(path, source, problems)
    previous = tuple(p for p in (checker.previous(row) for row in sheets[PREVIOUS]) if p)
    actions = tuple(a for a in (checker.action(row) for row in sheets[ACTIONS]) if a)
    plan = ActionPlan(source=source, actions=actions, previous=previous)
    if not sheets[ACTIONS]:
        problems.add(CellLocation(path, ACTIONS, 2, 1), "no actions: the sheet has a header row and nothing under it")
        return plan  # with no actions at all, every earlier item is unanswered: that one problem says it
    # Answers are read from every row, checked or not: a row with a typo elsewhere still answers.
    answered = {ref for row in sheets[ACTIONS] for ref in split_refs(_cell_text(row.values.get("Previous refs")))}
    checker.trail(plan, answered)
    return plan


def _as_excel_shows(value) -> str:
    """Return a Due cell that is not a date as its user typed it: TRUE, or -5 (not 1899-12-26)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.date | dt.time):
        return general(to_excel(value))
    return str(value)


def _cell_text(value) -> str:
    return "" if value is None or value is REPORTED else str(value)


def split_refs(text: str) -> tuple[str, ...]:
    """Return the refs in a Previous refs cell, separated by ';' or ','."""
    return tuple(r for r in (part.strip() for part in re.split(r"[;,]", text)) if r)


class _Checker:
    """Turn rows into actions and earlier items, recording every problem with its cell."""

    def __init__(self, path: Path, source: ActionsSource, problems: Problems):
        self.path, self.source, self.problems = path, source, problems
        self.refs: dict[str, dict[str, int]] = {ACTIONS: {}, PREVIOUS: {}}
        self.previous_refs: set[str] = set()

    def where(self, sheet: str, row: Row, column: str) -> CellLocation:
        """Return the location of *column* in *row* (the row's first cell when the column is absent)."""
        return CellLocation(self.path, sheet, row.number, row.columns.get(column, 1))

    def text(self, sheet: str, row: Row, column: str, required: bool = True) -> str | None:
        """Return a cell as text; a required one that is blank is a problem."""
        value = row.values.get(column)
        if value is REPORTED:
            return None
        if value is None:
            if required:
                self.problems.add(self.where(sheet, row, column), f"{column} is blank")
            return None if required else ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return value.strftime("%Y-%m-%d") if isinstance(value, dt.date) else str(value)

    def ref(self, sheet: str, row: Row) -> str | None:
        """Return the row's Ref, recording a duplicate."""
        ref = self.text(sheet, row, "Ref")
        if ref is None:
            return None
        seen = self.refs[sheet]
        if ref in seen:
            self.problems.add(self.where(sheet, row, "Ref"), f"duplicate ref '{ref}' (first in row {seen[ref]})")
            return None
        seen[ref] = row.number
        return ref

    def one_of(self, sheet: str, row: Row, column: str, allowed: tuple[str, ...]) -> str | None:
        """Return a cell that must be one of *allowed*."""
        value = self.text(sheet, row, column)
        if value is not None and allowed and value not in allowed:
            self.problems.add(
                self.where(sheet, row, column),
                f"unknown {column.lower()} '{value}'{did_you_mean(value, allowed) or _one_of(allowed)}",
            )
            return None
        return value

    def due(self, row: Row) -> dt.date | None:
        """Return the Due date: an Excel date, or text YYYY-MM-DD or DD/MM/YYYY."""
        value = row.values.get("Due")
        where = self.where(ACTIONS, row, "Due")
        if value is REPORTED:
            return None
        if value is None:
            self.problems.add(where, "Due is blank")
            return None
        parsed = parse_date(value)
        if parsed is None:
            shown = _as_excel_shows(value)
            self.problems.add(where, f"due date '{shown}' is not a date (use a date cell, YYYY-MM-DD or DD/MM/YYYY)")
        return parsed

    def previous(self, row: Row) -> PreviousItem | None:
        """Return one earlier item from a row of the Previous sheet."""
        ref = self.ref(PREVIOUS, row)
        source = self.text(PREVIOUS, row, "Source")
        recommendation = self.text(PREVIOUS, row, "Recommendation")
        disposition = self.text(PREVIOUS, row, "Disposition", required=False) or ""
        if None in (ref, source, recommendation):
            return None
        self.previous_refs.add(ref)
        loc = self.where(PREVIOUS, row, "Ref")
        return PreviousItem(ref, source, recommendation, disposition, loc)

    def action(self, row: Row) -> Action | None:
        """Return one action from a row of the Actions sheet."""
        values = {
            "ref": self.ref(ACTIONS, row),
            "theme": self.one_of(ACTIONS, row, "Theme", self.source.themes),
            "area": self.text(ACTIONS, row, "Area", required=False),
            "action": self.text(ACTIONS, row, "Action"),
            "owner": self.one_of(ACTIONS, row, "Owner", self.source.owners),
            "due": self.due(row),
            "status": self.one_of(ACTIONS, row, "Status", tuple(s.name for s in self.source.statuses)),
            "progress": self.text(ACTIONS, row, "Progress", required=False),
            "previous_refs": self.earlier(row),
        }
        if any(v is None for v in values.values()):
            return None
        return Action(**values, loc=self.where(ACTIONS, row, "Ref"))

    def earlier(self, row: Row) -> tuple[str, ...] | None:
        """Return the Previous refs an action carries, each checked against the Previous sheet."""
        refs = split_refs(self.text(ACTIONS, row, "Previous refs", required=False) or "")
        unknown = [r for r in refs if r not in self.previous_refs]
        for ref in unknown:
            hint = did_you_mean(ref, self.previous_refs)
            self.problems.add(self.where(ACTIONS, row, "Previous refs"), f"unknown previous ref '{ref}'{hint}")
        return None if unknown else refs

    def trail(self, plan: ActionPlan, answered: set[str]) -> None:
        """Record every open earlier item that no action answers."""
        for item in plan.previous:
            if not item.disposition and item.ref not in answered:
                self.problems.add(
                    item.loc,
                    f"earlier recommendation '{item.ref}' is open but no action answers it: "
                    "add it to an action's Previous refs, or give it a Disposition",
                )


def parse_date(value) -> dt.date | None:
    """Return a date from an Excel date, an Excel serial number, or text YYYY-MM-DD or DD/MM/YYYY.

    TRUE and FALSE are not dates (though Excel keeps them as 1 and 0), nor is a negative number in a
    date cell (openpyxl reads it as a day before 1900; Excel shows it as ######).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value if value >= EARLIEST else None
    if isinstance(value, int | float) and 1 <= value < 2958466:
        return from_excel(value).date()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(str(value).strip(), pattern).date()
        except ValueError:
            continue
    return None


def _one_of(allowed: tuple[str, ...], most: int = 8) -> str:
    """Return ` (one of 'a', 'b' …)` naming what the plan allows, when the list is short enough to read."""
    return f" (one of {', '.join(repr(a) for a in allowed)})" if len(allowed) <= most else ""
