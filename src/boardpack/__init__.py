"""boardpack: build public-sector board papers and meeting packs from a structured plan."""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import BoardpackError, ConvertError, PlanError, RenderError  # noqa: E402
from .pipeline.builder import BuildResult, Prepared, build, check  # noqa: E402

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
