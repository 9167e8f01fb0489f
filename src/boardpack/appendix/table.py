"""The table appendix: any worksheet printed as a plain table, every cell as Excel shows it.

The first row is the header; every column is kept, in order. A formula prints the value Excel saved
with it. Hidden rows and columns are never printed (a workbook hides what it does not mean to
publish: hidden by hand, by a filter or a closed group, or 0 high or wide) and each is named in a
warning, so nothing is dropped silently. A hidden sheet is an error; comments, defined names and the
workbook's other sheets are never read.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import CellLocation, Problems
from ..plan.model import Paper, Plan, SheetData, SheetTable
from ..plan.sheets import MAX_CELL, hidden_columns, hidden_rows, hidden_sheet, numbers, open_workbook
from ..plan.xlsxfile import bad_character
from ..util import did_you_mean
from .cells import shown

MAX_COLUMNS = 20


def load_tables(plan: Plan, problems: Problems) -> dict[tuple[str, int], SheetData]:
    """Return the table of every table appendix, keyed by (paper folder, appendix index)."""
    tables = {}
    for paper in plan.papers:
        for index, appendix in enumerate(paper.appendices):
            if appendix.table is not None:
                found = load_table(_path(paper, appendix.table), appendix.table, problems)
                if found is not None:
                    tables[(paper.slug, index)] = found
    return tables


def _path(paper: Paper, source: SheetTable) -> Path:
    return paper.loc.file.parent / source.workbook


def load_table(path: Path, source: SheetTable, problems: Problems) -> SheetData | None:
    """Return the worksheet *source* names as a table, or None after recording every problem in it."""
    book = open_workbook(path, source.workbook, source.loc, problems, data_only=True)
    if book is None:
        return None
    if source.sheet not in book.sheetnames:
        present = ", ".join(book.sheetnames)
        hint = did_you_mean(source.sheet, book.sheetnames)
        problems.add(source.loc, f"no sheet '{source.sheet}' in {source.workbook} (sheets: {present}){hint}")
        return None
    if hidden_sheet(path, book[source.sheet], problems):
        return None
    formulas = open_workbook(path, source.workbook, source.loc, problems)  # read already: it opens
    return None if formulas is None else _read(path, book[source.sheet], formulas[source.sheet], source, problems)


def _read(path: Path, sheet, formulas, source: SheetTable, problems: Problems) -> SheetData | None:
    reported = len(problems.items)
    _unsaved_formulas(path, sheet, formulas, problems)
    for merged in sheet.merged_cells.ranges:
        where = CellLocation(path, sheet.title, merged.min_row, merged.min_col)
        problems.add(where, f"merged cells {merged.coord}: unmerge them, one value per cell")
    columns = _visible_columns(path, sheet, problems)
    rows = _shown_rows(path, sheet, problems)
    if not rows or not columns:
        problems.add(CellLocation(path, sheet.title, 1, 1), "the sheet is empty: the first row must be the header")
        return None
    header_row, data_rows = rows[0], rows[1:]
    header = tuple(_text(path, sheet, header_row, col, problems) for col in columns)
    for col, name in zip(columns, header, strict=True):
        if not name:
            problems.add(CellLocation(path, sheet.title, header_row[0].row, col), "header cell is blank")
    if len(columns) > MAX_COLUMNS:
        problems.add(
            CellLocation(path, sheet.title, 1, 1),
            f"{len(columns)} columns: a printed table takes at most {MAX_COLUMNS}",
        )
    body = [tuple(_text(path, sheet, row, col, problems) for col in columns) for row in data_rows]
    body = [row for row in body if any(row)]
    if not body:
        problems.add(CellLocation(path, sheet.title, 2, 1), "no rows: the sheet has a header row and nothing under it")
    if len(problems.items) > reported:
        return None
    numeric = tuple(all(_is_number(row, col) for row in data_rows) for col in columns)
    return SheetData(source, header, tuple(body), numeric)


def _unsaved_formulas(path: Path, sheet, formulas, problems: Problems) -> None:
    """Record every formula whose value was never saved: Excel shows a figure that the file does not hold."""
    for row in formulas.iter_rows():
        for cell in row:
            if cell.data_type == "f" and sheet.cell(cell.row, cell.column).value is None:
                where = CellLocation(path, sheet.title, cell.row, cell.column)
                problems.add(where, f"formula {str(cell.value)[:40]} has no saved value: open and save it in Excel")


def _visible_columns(path: Path, sheet, problems: Problems) -> list[int]:
    """Return the 1-based numbers of the columns that hold something and are not hidden."""
    used = sorted({cell.column for row in sheet.iter_rows() for cell in row if cell.value not in (None, "")})
    hidden = hidden_columns(sheet) & set(used)
    if hidden:
        where = CellLocation(path, sheet.title, 1, min(hidden))
        problems.warn(where, _not_printed("column", numbers(hidden, letters=True), len(hidden)))
    return [col for col in used if col not in hidden]


def _shown_rows(path: Path, sheet, problems: Problems) -> list:
    """Return the rows Excel shows; warn of the hidden ones that hold something."""
    hidden = hidden_rows(sheet)
    rows, dropped = [], []
    for row in sheet.iter_rows():
        if row[0].row not in hidden:
            rows.append(row)
        elif any(cell.value not in (None, "") for cell in row):
            dropped.append(row[0].row)
    if dropped:
        problems.warn(CellLocation(path, sheet.title, dropped[0]), _not_printed("row", numbers(dropped), len(dropped)))
    return rows


def _not_printed(kind: str, which: str, count: int) -> str:
    return f"{kind} {which} is hidden: not printed" if count == 1 else f"{kind}s {which} are hidden: not printed"


def _text(path: Path, sheet, row, col: int, problems: Problems) -> str:
    cell = row[col - 1] if col <= len(row) else None
    if cell is None or cell.value is None:
        return ""
    text = shown(cell)
    where = CellLocation(path, sheet.title, cell.row, cell.column)
    if len(text) > MAX_CELL:
        problems.add(where, f"text of {len(text)} characters is longer than {MAX_CELL}")
        return ""
    bad = bad_character(text)
    if bad is not None:
        problems.add(where, f"{bad} in the text: delete it (Word cannot hold it)")
        return ""
    return text


def _is_number(row, col: int) -> bool:
    """Return True if the cell is a number or blank: a column of such is printed flush right."""
    cell = row[col - 1] if col <= len(row) else None
    value = None if cell is None else cell.value
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))
