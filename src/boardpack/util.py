"""Small helpers every stage may use: dates as papers print them, numbers in words, did-you-mean hints,
file digests.

This module sits below every stage and imports none of them, so that each stage imports only downward.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import hashlib
import io
import os
import shutil
from collections.abc import Iterable
from pathlib import Path


def long_date(day: dt.date) -> str:
    """Return a date as MOPAC prints it: "Tuesday, 19 December 2017"."""
    return f"{day:%A}, {day.day} {day:%B %Y}"


_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ("", " thousand", " million", " billion", " trillion", " quadrillion", " quintillion")


def number_words(n: int) -> str:
    """Return *n* in English words, British style: "twenty-one", "one hundred and five", "zero".

    Numbers past the quintillions (no count ever is) come back in figures.
    """
    if n < 0:
        return f"minus {number_words(-n)}"
    if n == 0:
        return "zero"
    groups: list[int] = []  # in threes from the units up
    rest = n
    while rest:
        rest, group = divmod(rest, 1000)
        groups.append(group)
    if len(groups) > len(_SCALES):
        return f"{n:,}"  # beyond the named scales: figures
    words = [f"{_hundreds(g)}{_SCALES[i]}" for i, g in reversed(list(enumerate(groups))) if g]
    if len(groups) > 1 and 0 < groups[0] < 100:  # "one thousand and five"
        words[-1] = f"and {words[-1]}"
    return " ".join(words)


def _hundreds(n: int) -> str:
    """Return 1 ≤ *n* < 1000 in words."""
    hundreds, rest = divmod(n, 100)
    if not hundreds:
        return _tens(rest)
    head = f"{_ONES[hundreds]} hundred"
    return f"{head} and {_tens(rest)}" if rest else head


def _tens(n: int) -> str:
    """Return 1 ≤ *n* < 100 in words."""
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return f"{_TENS[tens]}-{_ONES[ones]}" if ones else _TENS[tens]


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


def save_pdf(pdf, path: Path, **options) -> None:
    """Save the pikepdf *pdf* at *path* by way of memory.

    QPDF writing a file itself aborts the whole process (a C++ exception escaping a destructor)
    when the disk fills up as it closes the file; written by Python, a full disk is an OSError.

    The memory is an anonymous file where the system has them (``memfd_create``, Linux): QPDF saves a
    288-page pack into one four times faster than into a ``BytesIO`` (0.09 s against 0.36 s), which it
    writes a Python call at a time.
    """
    try:
        memory_fd = os.memfd_create("boardpack-pdf")
    except (AttributeError, OSError):  # no such call here, or a sandbox that refuses it: a BytesIO does
        buffer = io.BytesIO()
        pdf.save(buffer, **options)
        Path(path).write_bytes(buffer.getbuffer())
        return
    with os.fdopen(memory_fd, "w+b") as memory:
        pdf.save(memory, **options)
        memory.seek(0)
        with open(path, "wb") as out:
            shutil.copyfileobj(memory, out, 1 << 20)


@functools.cache
def code_digest() -> str:
    """Return a digest of boardpack's version and its own source: a document made by other code is rebuilt.

    Keyed by the version alone, a fix to the layout (or anything) left every cached document as the
    old code made it until the version number changed. Reading the package's ~80 modules takes ~5 ms.
    The build cache keys documents by it, and the conversion service its socket.
    """
    from . import __version__  # set before the package imports any stage

    root = Path(__file__).resolve().parent
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
