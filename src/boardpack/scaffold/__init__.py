"""Scaffolding: start a meeting (new, or copied from an earlier one) and add a paper to it.

The files written are package data (``files/``: meeting.yaml, paper.yaml, an agenda item and the
example rows of the actions workbook), never strings in code.
"""

from __future__ import annotations

DEFAULT_COMMITTEE = "Audit Committee"
DEFAULT_PAPER = "first-paper"
_LAZY = {"copy_meeting", "dated_folder", "new_meeting", "new_paper", "title_of"}


def __getattr__(name: str):  # noqa: ANN202 - PEP 562: the command line's --help reads only the defaults above
    if name in _LAZY:
        from . import new

        return getattr(new, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["DEFAULT_COMMITTEE", "DEFAULT_PAPER", "copy_meeting", "dated_folder", "new_meeting", "new_paper", "title_of"]
