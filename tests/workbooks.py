"""Make real .xlsx workbooks of actions for the tests, with openpyxl."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

from openpyxl import Workbook

from boardpack.appendix.actions import ACTION_COLUMNS, PREVIOUS_COLUMNS
from boardpack.plan.model import ActionsSource

THEMES = ("Core internal processes", "Oversight of the MPS")
SOURCE = ActionsSource(workbook="appendix.xlsx", themes=THEMES, owners=("Head of HR", "Head of Finance"))


def action(
    ref="CIP-01",
    theme=THEMES[0],
    area="HR",
    text="Refresh the code",
    owner="Head of HR",
    due=None,
    status="On track",
    progress="Started",
    previous="SEP-01",
):  # noqa: E501
    return [ref, theme, area, text, owner, due or dt.datetime(2018, 3, 31), status, progress, previous]


def previous(ref="SEP-01", source="Audit Panel, September 2017, Appendix A item 1", text="Do it", disposition=None):
    return [ref, source, text, disposition]


def make_workbook(
    path: Path, actions=None, earlier=None, action_header=ACTION_COLUMNS, previous_header=PREVIOUS_COLUMNS
) -> Path:  # noqa: E501
    """Write a workbook with an Actions and a Previous sheet; return its path."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Actions"
    sheet.append(list(action_header))
    for row in [action()] if actions is None else actions:
        sheet.append(row)
    other = book.create_sheet("Previous")
    other.append(list(previous_header))
    for row in [previous()] if earlier is None else earlier:
        other.append(row)
    book.save(path)
    return path


def patch_part(path: Path, part: str, old: bytes, new: bytes) -> Path:
    """Replace *old* by *new* in one part of the .xlsx (or .docx) at *path*, as a hand edit of its XML would."""
    with zipfile.ZipFile(path) as zin:
        items = [(info, zin.read(info)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            if info.filename == part:
                assert old in data, (part, old)
                data = data.replace(old, new, 1)
            zout.writestr(info, data)
    return path
