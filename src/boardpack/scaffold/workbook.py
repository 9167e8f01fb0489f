"""Write a new paper's actions workbook: the sheets and header rows boardpack reads, and an example row."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import yaml
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ..appendix.actions import ACTION_COLUMNS, ACTIONS, PREVIOUS, PREVIOUS_COLUMNS
from .yamltext import scaffold_text

WIDTHS = {"Action": 40, "Progress": 40, "Recommendation": 40, "Source": 30, "Disposition": 30, "Theme": 24}


def write_actions_workbook(path: Path, due: dt.date) -> None:
    """Write *path*: sheets Actions and Previous, each a bold header row, and the example rows due on *due*."""
    rows = yaml.safe_load(scaffold_text("appendix.yaml"))
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, columns in ((ACTIONS, ACTION_COLUMNS), (PREVIOUS, PREVIOUS_COLUMNS)):
        sheet = book.create_sheet(name)
        sheet.append(columns)
        for example in rows.get(name) or ():
            sheet.append([due if column == "Due" else example.get(column) or None for column in columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for number, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(number)].width = WIDTHS.get(column, 14)
        sheet.freeze_panes = "A2"
    book.save(path)
