"""The build: every stage in order, its cache, the record of changes, the manifest and the output folder."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .builder import BuildResult, Prepared, build, check

__all__ = ["BuildResult", "Prepared", "build", "check"]


def __getattr__(name: str):  # noqa: ANN202 - whichever the builder gives
    """The builder's names, imported when first asked for: importing a stage of the pipeline imports no other."""
    if name in __all__:
        from . import builder

        return getattr(builder, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
