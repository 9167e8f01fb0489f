"""Watch mode: build, then rebuild on every save of the plan or the templates."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from ..convert.converter import Converter
from ..errors import BoardpackError
from .builder import BuildResult, build

Report = Callable[[BuildResult | BoardpackError, float], None]


def watch(
    plan_dir: Path,
    out_dir: Path,
    templates: Path,
    converter: Converter,
    report: Report,
    changes: Iterable[object] | None = None,
    force: bool = False,
    site: bool = True,
    rebuilt: Callable[[], None] = lambda: None,
) -> None:
    """Build once, then once per batch of file changes (from watchfiles unless *changes* is given).

    *force*: replace *out_dir* even if it is not this meeting's output (``build``); *site*: write site/.
    *rebuilt* is called after each build that succeeded, once it is reported (``watch --serve``: the
    preview's pages reload).
    """
    if changes is None:
        import watchfiles

        changes = watchfiles.watch(plan_dir, templates, debounce=400, step=100, watch_filter=_interesting)
    rebuild(plan_dir, out_dir, templates, converter, report, force, site, rebuilt)
    for _ in changes:
        rebuild(plan_dir, out_dir, templates, converter, report, site=site, rebuilt=rebuilt)  # the folder is ours now


def rebuild(
    plan_dir: Path,
    out_dir: Path,
    templates: Path,
    converter: Converter,
    report: Report,
    force: bool = False,
    site: bool = True,
    rebuilt: Callable[[], None] = lambda: None,
) -> None:
    """Build and report the result, or the error: a bad save must not end the watch."""
    start = time.monotonic()
    try:
        result: BuildResult | BoardpackError = build(
            plan_dir, out_dir, templates, converter=converter, force=force, site=site
        )
    except BoardpackError as exc:
        result = exc
    report(result, time.monotonic() - start)
    if not isinstance(result, BoardpackError):
        rebuilt()


def _interesting(change: object, path: str) -> bool:
    """Skip editors' lock and backup files (~$paper.docx, .#paper.yaml, paper.yaml~)."""
    name = Path(path).name
    return not (name.startswith(("~$", ".#", ".~lock")) or name.endswith(("~", ".swp", ".tmp")))
