"""Reading worksheets cell by cell: every problem names the workbook, sheet and cell (``book.xlsx:Sheet!C4``).

Shared by every appendix kind that reads a workbook. A workbook is refused before it is parsed when it
is too large, password-protected or an old .xls; merged cells and formulas are problems in their cell.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from ..errors import CellLocation, Location, Problems
from ..util import did_you_mean

MAX_BYTES = 20_000_000
MAX_CELL = 5_000
OLE_MAGIC = b"\xd0\xcf\x11\xe0"


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
    if path.stat().st_size > MAX_BYTES:
        problems.add(Location(path), f"workbook is larger than {MAX_BYTES // 1_000_000} MB")
        return None
    with path.open("rb") as f:
        if f.read(4) == OLE_MAGIC:
            problems.add(
                Location(path), "workbook is password-protected or an old .xls: save it as an unprotected .xlsx"
            )
            return None
    try:
        return openpyxl.load_workbook(path, data_only=data_only)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        problems.add(Location(path), f"not an Excel workbook (.xlsx): {exc}")
        return None


def read_rows(
    path: Path, sheet, columns: tuple[str, ...], problems: Problems, optional: frozenset[str] = frozenset()
) -> list[Row] | None:
    """Return the data rows of *sheet* with their values by header, or None if its header is unusable."""
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
    return rows


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
    if isinstance(value, str):
        value = " ".join(value.split())
        if len(value) > MAX_CELL:
            problems.add(where, f"text of {len(value)} characters is longer than {MAX_CELL}")
            return REPORTED
    return value


def _norm(name: str) -> str:
    return " ".join(name.lower().split())
