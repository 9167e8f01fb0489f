"""The names a build gives its output: the default output folder, the manifest, boardpack's own folders.

Imported by the command line before it knows whether there is anything to build, so it imports nothing.
"""

from __future__ import annotations

from pathlib import Path

OUTPUT_ROOT = Path("output")
MANIFEST = "manifest.json"
OWN_PREFIX = ".boardpack-"  # boardpack's own folders inside an output folder (cache, staging on a mount)
CACHE_DIR = OWN_PREFIX + "cache"


def default_out(plan_dir: Path) -> Path:
    """Return ``output/<meeting folder name>``."""
    return OUTPUT_ROOT / Path(plan_dir).resolve().name
