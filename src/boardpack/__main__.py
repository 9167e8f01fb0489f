"""Run boardpack as ``python -m boardpack``."""

import sys

from .cli import main

sys.exit(main())
