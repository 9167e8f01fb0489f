"""Count an action plan's actions by theme and status: the covering report's table and chart."""

from __future__ import annotations

from ..plan.model import NumberedAppendix, StatusCount, StatusTable
from ..plan.wording import Wording


def status_table(appendix: NumberedAppendix, wording: Wording, number: str = "") -> StatusTable:
    """Return the actions of *appendix* counted by theme (rows, in plan order) and status (columns)."""
    import pandas as pd  # imported here: only a plan with an actions workbook needs it

    plan = appendix.plan
    assert plan is not None
    themes, statuses = plan.source.themes, plan.source.statuses
    names = [s.name for s in statuses]
    frame = pd.DataFrame(
        {
            "theme": pd.Categorical([a.theme for a in plan.actions], categories=themes),
            "status": pd.Categorical([a.status for a in plan.actions], categories=names),
        }
    )
    counts = pd.crosstab(frame["theme"], frame["status"], dropna=False).reindex(
        index=themes, columns=names, fill_value=0
    )
    rows = tuple(
        StatusCount(theme, tuple(int(n) for n in counts.loc[theme]), int(counts.loc[theme].sum())) for theme in themes
    )
    total = wording("report.status_total")
    totals = StatusCount(total, tuple(int(n) for n in counts.sum(axis=0)), int(counts.values.sum()))
    title = wording("report.status_title", title=appendix.appendix.title, appendix=appendix.number)
    caption = wording("report.status_caption", number=number, title=title)
    return StatusTable(title=title, statuses=statuses, rows=rows, totals=totals, caption=caption)
