"""boardpack: build public-sector board papers and meeting packs from a structured plan."""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

from .errors import BoardpackError, ConvertError, PlanError, RenderError  # noqa: E402

if TYPE_CHECKING:
    from .pipeline.builder import BuildResult, Prepared, build, check

__all__ = [
    "BoardpackError",
    "BuildResult",
    "ConvertError",
    "PlanError",
    "Prepared",
    "RenderError",
    "__version__",
    "build",
    "check",
]

_PIPELINE = ("BuildResult", "Prepared", "build", "check")


def __getattr__(name: str):  # noqa: ANN202 - whichever the pipeline gives
    """The pipeline's names, imported when first asked for: importing boardpack (or its CLI) costs nothing more."""
    if name in _PIPELINE:
        from .pipeline import builder

        return getattr(builder, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
