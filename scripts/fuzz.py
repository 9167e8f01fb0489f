"""Fuzz boardpack for longer than CI does, with the strategies of tests/test_fuzz.py (for nightly use).

    python scripts/fuzz.py --examples 2000            # `check` on 2,000 broken copies of the example
    python scripts/fuzz.py --examples 50 --builds     # `build` (stand-in converter) on 50 of them
    python scripts/fuzz.py --seed 7                   # another sequence of examples

Prints how the examples ended (by exit code and first problem) and, on a crash, the smallest example
hypothesis can find and the exception; exits 1 then.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.test_fuzz import build_once, check_once, fake_soffice, mutations  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500, help="how many examples (default: 500)")
    parser.add_argument("--seed", type=int, default=0, help="the random seed (default: 0)")
    parser.add_argument("--builds", action="store_true", help="run `build` with a stand-in converter, not `check`")
    args = parser.parse_args()
    outcomes: collections.Counter[str] = collections.Counter()
    once = build_once if args.builds else check_once
    if args.builds:
        os.environ["BOARDPACK_SOFFICE"] = str(fake_soffice(Path(tempfile.mkdtemp(prefix="boardpack-soffice-"))))

    @seed(args.seed)
    @settings(
        max_examples=args.examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(edits=mutations)
    def fuzz(edits) -> None:
        with tempfile.TemporaryDirectory(prefix="boardpack-fuzz-") as root:
            outcomes[_outcome(*once(edits, Path(root)))] += 1

    try:
        fuzz()
    finally:
        for outcome, count in outcomes.most_common(40):
            print(f"{count:6}  {outcome}")
    return 0


def _outcome(code: int, printed: str) -> str:
    """Return how a run ended: its exit code and the gist of the first line it printed."""
    first = printed.splitlines()[0] if printed else ""
    gist = first.split(": ", 1)[-1] if code else "ok"
    return f"exit {code}: {gist[:90]}"


if __name__ == "__main__":
    sys.exit(main())
