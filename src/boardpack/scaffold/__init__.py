"""Scaffolding: start a meeting (new, or copied from an earlier one) and add a paper to it.

The files written are package data (``files/``: meeting.yaml, paper.yaml, an agenda item and the
example rows of the actions workbook), never strings in code.
"""

from __future__ import annotations

from .new import DEFAULT_COMMITTEE, DEFAULT_PAPER, copy_meeting, dated_folder, new_meeting, new_paper, title_of

__all__ = ["DEFAULT_COMMITTEE", "DEFAULT_PAPER", "copy_meeting", "dated_folder", "new_meeting", "new_paper", "title_of"]
