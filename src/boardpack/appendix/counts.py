"""Count an action plan's actions and its trail: the one place the report's and the appendix's figures come from.

``[[gip:closed]]`` in a paper and the appendix's trail sentence both read these counts, so the two
cannot disagree.
"""

from __future__ import annotations

from ..plan.model import ActionPlan

TRAIL_COUNTS = ("total", "previous", "closed", "answered", "new")


def counts(plan: ActionPlan) -> dict[str, int]:
    """Return the counts of *plan* by name.

    ``total`` actions; ``previous`` earlier recommendations (rows of the Previous sheet); ``closed`` those
    with a Disposition, whether or not an action also cites them; ``answered`` the open ones that at
    least one action answers; ``new`` actions that answer no earlier recommendation; then each status's
    and each theme's count of actions. A status or theme that shares a name with one of the first five
    does not replace it.
    """
    cited = {ref for a in plan.actions for ref in a.previous_refs}
    out = {s.name: sum(1 for a in plan.actions if a.status == s.name) for s in plan.source.statuses}
    out.update({theme: sum(1 for a in plan.actions if a.theme == theme) for theme in plan.source.themes})
    fixed = {
        "total": len(plan.actions),
        "previous": len(plan.previous),
        "closed": sum(1 for p in plan.previous if p.disposition),
        "answered": sum(1 for p in plan.previous if not p.disposition and p.ref in cited),
        "new": sum(1 for a in plan.actions if not a.previous_refs),
    }
    return fixed | {k: v for k, v in out.items() if k not in fixed}
