"""Office files (.xlsx, .docx) are zips: their sizes are checked before anything unpacks them.

A zip's directory says how large each entry unpacks to, and a small file can say gigabytes (a
workbook of 1 MB with a cell of 1 GB). The directory is checked against limits first: entries,
the total unpacked, and the ratio of an entry's unpacked to packed size. A directory can lie, so
every entry is also read through ``read_entry``, which takes no more than the directory says (and
Python's zipfile itself stops there, failing the entry's CRC if its data runs on). Imports no stage.
"""

from __future__ import annotations

import zipfile

MAX_UNZIPPED = 100_000_000  # bytes, all entries together
MAX_ENTRIES = 10_000
MAX_RATIO = 200  # unpacked : packed, for entries over RATIO_FROM bytes
RATIO_FROM = 1_000_000


class ZipTooLarge(Exception):
    """An entry read unpacks to more than the zip's directory said."""


def zip_problem(zf: zipfile.ZipFile, limit: int = MAX_UNZIPPED) -> str | None:
    """Return why *zf* is refused before it is unpacked (too many entries, too large, a zip bomb), or None."""
    entries = zf.infolist()
    if len(entries) > MAX_ENTRIES:
        return f"it holds {len(entries):,} files, more than {MAX_ENTRIES:,}"
    total = sum(info.file_size for info in entries)
    if total > limit:
        largest = max(entries, key=lambda info: info.file_size)
        return (
            f"it unpacks to {_mb(total)}, more than {_mb(limit)} ({largest.filename} alone is {_mb(largest.file_size)})"
        )
    for info in entries:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FROM and ratio > MAX_RATIO:
            return f"{info.filename} unpacks {ratio:,.0f} times its packed size (a zip bomb?)"
    return None


def read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Return the unpacked bytes of *info*, never more than the directory says it holds."""
    with zf.open(info) as entry:
        data = entry.read(info.file_size + 1)
    if len(data) > info.file_size:
        raise ZipTooLarge(f"{info.filename} unpacks to more than its stated {info.file_size:,} bytes")
    return data


def _mb(size: int) -> str:
    return f"{size / 1_000_000:,.0f} MB" if size >= 1_000_000 else f"{size:,} bytes"
