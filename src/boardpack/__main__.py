"""Run boardpack as ``python -m boardpack``."""

import sys

from .cli import run

sys.exit(run())
