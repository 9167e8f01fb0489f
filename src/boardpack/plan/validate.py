"""Check what no single file can: that the papers agree with their meeting."""

from __future__ import annotations

import datetime as dt

from ..errors import Problems
from ..util import long_date
from .model import Plan


def validate_plan(plan: Plan, problems: Problems) -> None:
    """Record in *problems* every paper whose committee or date contradicts meeting.yaml."""
    meeting = plan.meeting
    for paper in plan.papers:  # a meeting value that failed to load (a placeholder) proves nothing
        if paper.committee is not None and meeting.committee and paper.committee != meeting.committee:
            problems.add(paper.loc, f"committee '{paper.committee}' differs from meeting.yaml's '{meeting.committee}'")
        if paper.meeting_date is not None and meeting.date != dt.date.min and paper.meeting_date != meeting.date:
            problems.add(
                paper.loc,
                f"meeting_date {paper.meeting_date} ({long_date(paper.meeting_date)}) differs from "
                f"meeting.yaml's {meeting.date}",
            )
