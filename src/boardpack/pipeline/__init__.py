"""The build: every stage in order, its cache, the record of changes, the manifest and the output folder."""

from .builder import BuildResult, Prepared, build, check

__all__ = ["BuildResult", "Prepared", "build", "check"]
