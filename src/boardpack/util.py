"""Small helpers every stage may use: dates as papers print them, did-you-mean hints, file digests.

This module sits below every stage and imports none of them, so that each stage imports only downward.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
from collections.abc import Iterable
from pathlib import Path


def long_date(day: dt.date) -> str:
    """Return a date as MOPAC prints it: "Tuesday, 19 December 2017"."""
    return f"{day:%A}, {day.day} {day:%B %Y}"


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """Return the candidate closest to *word*, if any is close enough to be a typo of it."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """Return ` (did you mean 'x'?)` for the closest candidate, or an empty string."""
    match = closest(word, candidates)
    return f" (did you mean '{match}'?)" if match else ""


def sha256(path: Path) -> str:
    """Return the hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
