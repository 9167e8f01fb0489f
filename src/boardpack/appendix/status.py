"""Count an action plan's actions by theme and status: the covering report's table and chart."""

from __future__ import annotations

from collections import Counter

from ..plan.model import NumberedAppendix, StatusCount, StatusTable
from ..plan.wording import Wording


def status_table(appendix: NumberedAppendix, wording: Wording, number: str = "") -> StatusTable:
    """Return the actions of *appendix* counted by theme (rows, in plan order) and status (columns).

    Counted with a Counter, not pandas: a build that only counts need not import it (half a second)."""
    plan = appendix.plan
    assert plan is not None
    themes, names = plan.source.themes, [s.name for s in plan.source.statuses]
    counted = Counter((a.theme, a.status) for a in plan.actions)
    by_theme = [tuple(counted[theme, name] for name in names) for theme in themes]
    rows = tuple(StatusCount(theme, counts, sum(counts)) for theme, counts in zip(themes, by_theme, strict=True))
    columns = tuple(sum(counted[theme, name] for theme in themes) for name in names)
    total = wording("report.status_total")
    totals = StatusCount(total, columns, sum(columns))
    title = wording("report.status_title", title=appendix.appendix.title, appendix=appendix.number)
    caption = wording("report.status_caption", number=number, title=title)
    return StatusTable(title=title, statuses=plan.source.statuses, rows=rows, totals=totals, caption=caption)
