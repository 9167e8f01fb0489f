"""Count an action plan's actions by theme and status: the covering report's table and chart."""

from __future__ import annotations

from ..plan.model import NumberedAppendix, StatusCount, StatusTable


def status_table(appendix: NumberedAppendix) -> StatusTable:
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
    totals = StatusCount("Total", tuple(int(n) for n in counts.sum(axis=0)), int(counts.values.sum()))
    title = f"{appendix.appendix.title}: actions by theme and status (Appendix {appendix.number})"
    return StatusTable(title=title, statuses=statuses, rows=rows, totals=totals)
