"""The context of an appendix built from a workbook: actions by theme, and both cross-reference tables."""

from __future__ import annotations

from ..plan.model import Action, Meeting, NumberedAppendix, NumberedPaper
from ..plan.wording import Wording
from .counts import counts


def due(action: Action) -> str:
    """Return the due date as the appendix prints it: "31 Mar 2018"."""
    return f"{action.due.day} {action.due:%b %Y}"


def appendix_context(appendix: NumberedAppendix, paper: NumberedPaper, meeting: Meeting, date_long: str) -> dict:
    """Return the template context of *appendix*: plain values only."""
    plan = appendix.plan
    assert plan is not None
    w = paper.wording
    fills = {s.name: s.fill for s in plan.source.statuses}

    def action(a: Action) -> dict:
        values = {"ref": a.ref, "area": a.area, "action": a.action, "owner": a.owner, "due": due(a)}
        values.update(
            status=a.status, fill=fills[a.status], progress=a.progress, previous=", ".join(a.previous_refs) or "–"
        )
        return values

    themes = [
        {"theme": theme, "actions": [action(a) for a in plan.actions if a.theme == theme]}
        for theme in plan.source.themes
        if any(a.theme == theme for a in plan.actions)
    ]
    previous = [
        {
            "ref": p.ref,
            "source": p.source,
            "recommendation": p.recommendation,
            "answered": ", ".join(plan.answers(p.ref)) or "–",
            "disposition": p.disposition or w("actions.open"),
        }
        for p in plan.previous
    ]
    statuses = ", ".join(f"{s.name} ({s.colour})" for s in plan.source.statuses)
    title = appendix.appendix.title
    return {
        "heading": appendix.heading,
        "title": title,
        "marking": appendix.marking,
        "paper_line": w("appendix.paper_line", committee=meeting.committee, date=date_long, paper=paper.paper.title),
        "intro": w.count(
            "actions.intro",
            len(plan.actions),
            total=len(plan.actions),
            title=title,
            themes=len(themes),
            statuses=statuses,
        ),
        "caption_by_theme": w("actions.caption_by_theme", title=title),
        "trail_intro": _trail_summary(appendix, w),
        "themes": themes,
        "previous": previous,
    }


def _trail_summary(appendix: NumberedAppendix, w: Wording) -> str:
    plan = appendix.plan
    assert plan is not None
    count = counts(plan)
    return w(
        "actions.trail",
        previous=count["previous"],
        answered=w.count("actions.trail_answered", count["answered"]),
        closed=w.count("actions.trail_closed", count["closed"]),
    )
