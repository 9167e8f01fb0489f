"""The context of an appendix built from a workbook: actions by theme, and both cross-reference tables."""

from __future__ import annotations

from ..plan.model import Action, Meeting, NumberedAppendix, NumberedPaper
from .counts import counts


def due(action: Action) -> str:
    """Return the due date as the appendix prints it: "31 Mar 2018"."""
    return f"{action.due.day} {action.due:%b %Y}"


def appendix_context(appendix: NumberedAppendix, paper: NumberedPaper, meeting: Meeting, date_long: str) -> dict:
    """Return the template context of *appendix*: plain values only."""
    plan = appendix.plan
    assert plan is not None
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
            "disposition": p.disposition or "Open",
        }
        for p in plan.previous
    ]
    statuses = ", ".join(f"{s.name} ({s.colour})" for s in plan.source.statuses)
    title = appendix.appendix.title
    return {
        "heading": appendix.heading,
        "title": title,
        "marking": appendix.marking,
        "paper_line": f"{meeting.committee}, {date_long} – {paper.paper.title}",
        "intro": (
            f"This appendix sets out the {len(plan.actions)} actions of the {title} in {len(themes)} themes. "
            f"Each action's status is written in words and shown by colour: {statuses}."
        ),
        "trail_intro": _trail_summary(appendix),
        "themes": themes,
        "previous": previous,
    }


def _trail_summary(appendix: NumberedAppendix) -> str:
    plan = appendix.plan
    assert plan is not None
    count = counts(plan)
    answered, closed = count["answered"], count["closed"]
    return (
        f"All {count['previous']} earlier recommendations are accounted for: {answered} {_is(answered)} answered by "
        f"at least one action and {closed} {_is(closed)} closed, with the reason given. None has been removed."
    )


def _is(count: int) -> str:
    """Return the verb that agrees with *count*: "1 is", "3 are"."""
    return "is" if count == 1 else "are"
