"""A workbook's file, checked before openpyxl parses it: its size, its zip, and characters XML cannot hold.

A cell can hold a character that XML 1.0 (and so Word) cannot: a control character such as U+0001,
written ``&#1;`` in the sheet's XML, or U+FFFE. The XML parser stops at it with no word of the cell;
so such characters are first swapped for stand-ins of the Unicode private use area that the parser
takes, and the cell that holds one is then named by ``bad_character`` like any other problem.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from ..zipcheck import ZipTooLarge, read_entry, zip_problem

MAX_BYTES = 20_000_000
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
SCANNED = re.compile(r"xl/(worksheets/[^/]+\.xml|sharedStrings\.xml)")
# A character reference, a raw C0 control byte, or U+FFFE/U+FFFF in UTF-8.
_SUSPECT = re.compile(rb"&#(x[0-9A-Fa-f]{1,8}|[0-9]{1,10});|[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")
_STAND_IN = 0xF0000  # + the code point for C0 controls; the others below
_OTHERS = {0xFFFE: 0x20, 0xFFFF: 0x21, "surrogate": 0x22, "too large": 0x23}
# What Word cannot hold (controls but tab and line breaks, U+FFFE/FFFF, surrogates) and the stand-ins for it.
_CANNOT_HOLD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff\U000f0000-\U000f0023]")


def checked_source(path: Path) -> tuple[Path | io.BytesIO | None, str | None]:
    """Return what openpyxl should read for the workbook at *path*, or None and why it is refused."""
    if path.stat().st_size > MAX_BYTES:
        return None, f"workbook is larger than {MAX_BYTES // 1_000_000} MB"
    with path.open("rb") as f:
        if f.read(4) == OLE_MAGIC:
            return None, "workbook is password-protected or an old .xls: save it as an unprotected .xlsx"
    try:
        with zipfile.ZipFile(path) as zf:
            why = zip_problem(zf)
            if why is not None:
                return None, f"workbook refused: {why}"
            return _without_bad_characters(zf) or path, None
    except (zipfile.BadZipFile, ZipTooLarge, OSError, EOFError) as exc:
        return None, f"not an Excel workbook (.xlsx): {exc}"


def _without_bad_characters(zf: zipfile.ZipFile) -> io.BytesIO | None:
    """Return a copy of the zip with every character XML cannot hold stood in for, or None if there is none."""
    parts = {info.filename: read_entry(zf, info) for info in zf.infolist() if SCANNED.fullmatch(info.filename)}
    if not any(_bad_code(m) is not None for data in parts.values() for m in _SUSPECT.finditer(data)):
        return None
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as copy:
        for info in zf.infolist():
            data = parts.get(info.filename)
            data = read_entry(zf, info) if data is None else _SUSPECT.sub(_stand_in, data)
            copy.writestr(info.filename, data)
    out.seek(0)
    return out


def _bad_code(match: re.Match) -> int | str | None:
    """Return the code point (or kind) of a character XML cannot hold, or None for one it can."""
    ref = match.group(1)
    if ref is None:
        return ord(match.group(0).decode("utf-8"))
    code = int(ref[1:], 16) if ref.startswith(b"x") else int(ref)
    if code < 0x20:
        return None if code in (0x9, 0xA, 0xD) else code
    if 0xD800 <= code <= 0xDFFF:
        return "surrogate"
    if code > 0x10FFFF:
        return "too large"
    return code if code in (0xFFFE, 0xFFFF) else None


def _stand_in(match: re.Match) -> bytes:
    code = _bad_code(match)
    if code is None:
        return match.group(0)
    offset = code if isinstance(code, int) and code < 0x20 else _OTHERS[code]
    return f"&#x{_STAND_IN + offset:X};".encode("ascii")


def bad_character(text: str) -> str | None:
    """Return a description of the first character in *text* that Word cannot hold, or None."""
    found = _CANNOT_HOLD.search(text)  # one C-level scan: every cell of a workbook passes here
    if found is None:
        return None
    code = ord(found.group())
    if code < 0x20:
        return f"control character U+{code:04X}"
    if _STAND_IN <= code <= _STAND_IN + 0x23:
        return _described(code - _STAND_IN)
    return f"character U+{code:04X}"


def _described(offset: int) -> str:
    if offset < 0x20:
        return f"control character U+{offset:04X}"
    kind = {v: k for k, v in _OTHERS.items()}[offset]
    return f"character U+{kind:04X}" if isinstance(kind, int) else f"a {kind} character reference"
