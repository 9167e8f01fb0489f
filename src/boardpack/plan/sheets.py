"""Reading worksheets cell by cell: every problem names the workbook, sheet and cell (``book.xlsx:Sheet!C4``).

Shared by every appendix kind that reads a workbook. A workbook is refused before it is parsed when it
is too large (packed or unpacked), password-protected or an old .xls; merged cells, formulas and
characters Word cannot hold are problems in their cell. What Excel hides (sheets, rows, columns) is
never published: here, where every row is data, a hidden one is a problem; comments, defined names
and the other sheets are never read.
"""

from __future__ import annotations

import datetime as dt
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import ParseError

import openpyxl
from openpyxl.utils import column_index_from_string
from openpyxl.utils.exceptions import InvalidFileException

from ..errors import CellLocation, Location, Problems, column_letter
from ..util import did_you_mean
from .xlsxfile import bad_character, checked_source

MAX_CELL = 5_000


class _Reported:
    """A cell whose problem (a formula, a merge, an overlong text) is reported already: not "blank" too."""

    def __bool__(self) -> bool:
        return True


REPORTED = _Reported()


@dataclass(frozen=True)
class Row:
    """One non-blank data row: its number and its values by column header."""

    number: int
    values: dict[str, str | dt.date | dt.datetime | float | int]
    columns: dict[str, int]


def open_workbook(path: Path, name: str, loc: Location, problems: Problems, data_only: bool = False):
    """Return the workbook at *path* (named *name* in the plan at *loc*), or None after recording why not."""
    if not path.is_file():
        problems.add(loc, f"workbook '{name}' not found beside paper.yaml")
        return None
    source, why = checked_source(path)
    if source is None:
        problems.add(Location(path), why)
        return None
    try:
        with warnings.catch_warnings():  # a date cell out of range: the cell reads '#VALUE!', reported at the cell
            warnings.filterwarnings("ignore", "Cell .* is marked as a date", UserWarning)
            return openpyxl.load_workbook(source, data_only=data_only)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, ParseError) as exc:
        problems.add(Location(path), f"not an Excel workbook (.xlsx): {exc}")
        return None


def hidden_rows(sheet) -> set[int]:
    """Return the numbers of the rows Excel does not show: hidden (by hand, a filter or a closed group) or 0 high."""
    return {n for n, dim in sheet.row_dimensions.items() if dim.hidden or dim.height == 0}


def hidden_columns(sheet) -> set[int]:
    """Return the 1-based numbers of the columns Excel does not show: hidden or 0 wide, each of a range."""
    hidden = set()
    for dim in sheet.column_dimensions.values():
        if dim.hidden or dim.width == 0:
            first = dim.min or column_index_from_string(dim.index)
            hidden |= set(range(first, max(dim.max or first, first) + 1))
    return hidden


def hidden_sheet(path: Path, sheet, problems: Problems) -> bool:
    """Return True, recording it, if *sheet* is hidden or very hidden: what a workbook hides is never read."""
    if sheet.sheet_state == "visible":
        return False
    problems.add(CellLocation(path, sheet.title), f"sheet '{sheet.title}' is hidden: unhide it to have it printed")
    return True


def numbers(found, letters: bool = False) -> str:
    """Return row or column numbers as ranges: "3-5, 9" (or "B:D, F")."""
    spans: list[list[int]] = []
    for n in sorted(found):
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    name = column_letter if letters else str
    joint = ":" if letters else "-"
    return ", ".join(name(a) if a == b else f"{name(a)}{joint}{name(b)}" for a, b in spans)


def read_rows(
    path: Path, sheet, columns: tuple[str, ...], problems: Problems, optional: frozenset[str] = frozenset()
) -> list[Row] | None:
    """Return the data rows of *sheet* with their values by header, or None if its header is unusable."""
    if hidden_sheet(path, sheet, problems):
        return None
    covered = set()
    for merged in sheet.merged_cells.ranges:
        where = CellLocation(path, sheet.title, merged.min_row, merged.min_col)
        problems.add(where, f"merged cells {merged.coord}: unmerge them, one value per cell")
        covered |= {(r, c) for r, c in merged.cells} - {(merged.min_row, merged.min_col)}
    header = _header(path, sheet, columns, problems, optional)
    if header is None:
        return None
    rows = []
    for cells in sheet.iter_rows(min_row=2):
        values = {}
        for name, col in header.items():
            cell = cells[col - 1] if col <= len(cells) else None
            value = REPORTED if cell is not None and (cell.row, cell.column) in covered else None
            value = value or cell_value(path, sheet.title, cell, problems)
            if value not in (None, ""):
                values[name] = value
        if values:
            rows.append(Row(cells[0].row, values, header))
    _hidden_data(path, sheet, header, rows, problems)
    return rows


def _hidden_data(path: Path, sheet, header: dict[str, int], rows: list[Row], problems: Problems) -> None:
    """Record the hidden rows and columns that hold data: hiding a row in Excel does not delete it, and
    boardpack never publishes what Excel hides, so neither reading nor dropping it silently is safe."""
    rows_hidden = hidden_rows(sheet) & {row.number for row in rows}
    if rows_hidden:
        where = CellLocation(path, sheet.title, min(rows_hidden))
        problems.add(where, _hidden("row", numbers(rows_hidden), len(rows_hidden), "unhide or delete"))
    columns_hidden = hidden_columns(sheet) & set(header.values())
    if columns_hidden:
        where = CellLocation(path, sheet.title, 1, min(columns_hidden))
        problems.add(where, _hidden("column", numbers(columns_hidden, letters=True), len(columns_hidden), "unhide"))


def _hidden(kind: str, which: str, count: int, fix: str) -> str:
    if count == 1:
        return f"{kind} {which} is hidden: {fix} it (boardpack publishes nothing Excel hides)"
    return f"{kind}s {which} are hidden: {fix} them (boardpack publishes nothing Excel hides)"


def _header(path: Path, sheet, columns: tuple[str, ...], problems: Problems, optional) -> dict[str, int] | None:
    wanted = {_norm(c): c for c in columns}
    found: dict[str, int] = {}
    first_row = next(sheet.iter_rows(min_row=1, max_row=1), ())
    for cell in first_row:
        if cell.value is None or str(cell.value).strip() == "":
            continue
        where = CellLocation(path, sheet.title, cell.row, cell.column)
        name = wanted.get(_norm(str(cell.value)))
        if name is None:
            problems.warn(where, f"column '{cell.value}' ignored{did_you_mean(str(cell.value), columns)}")
        elif name in found:
            problems.add(where, f"column '{name}' appears twice")
        else:
            found[name] = cell.column
    missing = [c for c in columns if c not in found and c not in optional]
    for name in missing:
        problems.add(CellLocation(path, sheet.title, 1), f"missing column '{name}' in the header row")
    return None if missing else found


def cell_value(path: Path, sheet: str, cell, problems: Problems):
    """Return a cell's value, whitespace collapsed; a formula or an overlong text is recorded and REPORTED."""
    if cell is None or cell.value is None:
        return None
    where = CellLocation(path, sheet, cell.row, cell.column)
    if cell.data_type == "f":
        problems.add(where, f"formula {str(cell.value)[:40]}: type the value itself")
        return REPORTED
    value = cell.value
    if cell.data_type == "e":
        problems.add(where, f"the cell shows {value}: a value outside what Excel can show, or an error; type the value")
        return REPORTED
    if isinstance(value, str):
        value = " ".join(value.split())
        if len(value) > MAX_CELL:
            problems.add(where, f"text of {len(value)} characters is longer than {MAX_CELL}")
            return REPORTED
        bad = bad_character(value)
        if bad is not None:
            problems.add(where, f"{bad} in the text: delete it (Word cannot hold it)")
            return REPORTED
    return value


def _norm(name: str) -> str:
    return " ".join(name.lower().split())
