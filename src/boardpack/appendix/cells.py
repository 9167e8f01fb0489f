"""A worksheet cell as Excel shows it: its value through its number format (dates, thousands, %, £).

Covers the formats people type and Excel's built-ins: General, 0, 0.00, #,##0, #,##0.00, 0%, 0.0%,
currency with a literal symbol, dates and times from d/m/y/h/mm/ss codes, and text (@). A format it
does not understand falls back to General, which is never wrong about the value, only its look.
"""

from __future__ import annotations

import datetime as dt
import re

_SECTIONS = re.compile(r';(?=(?:[^"]*"[^"]*")*[^"]*$)')  # split on ';' outside quotes
_DATE_CODES = re.compile(r"yyyy|yy|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|am/pm", re.I)


def shown(cell) -> str:
    """Return *cell*'s value as Excel would display it."""
    value = cell.value
    if value is None:
        return ""
    fmt = cell.number_format or "General"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return format_date(value, fmt)
    if isinstance(value, int | float):
        return format_number(float(value), fmt)
    return " ".join(str(value).split())


def format_number(value: float, fmt: str) -> str:
    """Return *value* through the number format *fmt*."""
    sections = _SECTIONS.split(fmt)
    if value < 0 and len(sections) > 1:
        section, value, sign = sections[1], -value, ""
    elif value == 0 and len(sections) > 2:
        section, sign = sections[2], ""
    else:
        section, sign = sections[0], "-" if value < 0 else ""
        value = abs(value)
    section = re.sub(r"\[[^\]]*\]", "", section)  # colours and conditions: [Red], [>=100]
    if section.strip().lower() in ("general", ""):
        return sign + general(value)
    numbers = re.findall(r"[#0?][#0?,]*(?:\.[#0?]*)?|\.[#0?]+", _unquoted(section))
    if not numbers:
        return _literal(section)  # a section of text alone, e.g. "-" for zero
    numeric = max(numbers, key=len)
    if "%" in section:
        value *= 100
    decimals = len(numeric.split(".")[1]) if "." in numeric else 0
    digits = f"{value:,.{decimals}f}" if "," in numeric.split(".")[0] else f"{value:.{decimals}f}"
    start = section.find(numeric)
    return f"{sign}{_literal(section[:start])}{digits}{_literal(section[start + len(numeric) :])}"


def _unquoted(section: str) -> str:
    """Return *section* with quoted text blanked out, so that digits in it are not taken for codes."""
    return re.sub(r'"[^"]*"', lambda m: " " * len(m.group(0)), section)


def general(value: float) -> str:
    """Excel's General: integers as integers, others to at most ten significant digits."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.10g}"


def _literal(text: str) -> str:
    """Return the literal characters of a format section: quoted text, escaped characters, symbols."""
    out = re.sub(r'"([^"]*)"', r"\1", text)
    out = re.sub(r"\\(.)", r"\1", out)
    out = re.sub(r"_.", " ", out)  # "_)" leaves the width of ")" blank
    return out.replace("*", "")


def format_date(value: dt.date | dt.time, fmt: str) -> str:
    """Return a date or time through the date format *fmt* (d, dd, ddd, dddd, m … mmmm, yy, yyyy, h, mm, ss)."""
    section = re.sub(r"\[[^\]]*\]", "", _SECTIONS.split(fmt)[0])
    if not _DATE_CODES.search(section) or section.strip().lower() == "general":
        section = "yyyy-mm-dd" if not isinstance(value, dt.time) else "hh:mm"
    if isinstance(value, dt.datetime) and value.time() != dt.time() and section == "yyyy-mm-dd":
        section = "yyyy-mm-dd hh:mm"
    codes = _DATE_CODES.findall(section)
    has_time = any(c.lower() in ("h", "hh", "s", "ss") for c in codes)
    out, pos = [], 0
    for i, found in enumerate(_DATE_CODES.finditer(section)):
        out.append(_literal(section[pos : found.start()]))
        out.append(_code(value, found.group(0), codes, i, has_time))
        pos = found.end()
    out.append(_literal(section[pos:]))
    return "".join(out)


def _code(value, code: str, codes: list[str], index: int, has_time: bool) -> str:
    lower = code.lower()
    if lower in ("m", "mm") and has_time and _is_minutes(codes, index):
        return f"{getattr(value, 'minute', 0):0{len(lower)}d}"
    parts = {
        "yyyy": lambda v: f"{v.year:04d}",
        "yy": lambda v: f"{v.year % 100:02d}",
        "mmmm": lambda v: f"{v:%B}",
        "mmm": lambda v: f"{v:%b}",
        "mm": lambda v: f"{v.month:02d}",
        "m": lambda v: str(v.month),
        "dddd": lambda v: f"{v:%A}",
        "ddd": lambda v: f"{v:%a}",
        "dd": lambda v: f"{v.day:02d}",
        "d": lambda v: str(v.day),
        "hh": lambda v: f"{getattr(v, 'hour', 0):02d}",
        "h": lambda v: str(getattr(v, "hour", 0)),
        "ss": lambda v: f"{getattr(v, 'second', 0):02d}",
        "s": lambda v: str(getattr(v, "second", 0)),
        "am/pm": lambda v: "AM" if getattr(v, "hour", 0) < 12 else "PM",
    }
    try:
        return parts[lower](value)
    except (AttributeError, ValueError):
        return code


def _is_minutes(codes: list[str], index: int) -> bool:
    """An m after an hour or before a second is minutes, as Excel reads it."""
    before = codes[index - 1].lower() if index else ""
    after = codes[index + 1].lower() if index + 1 < len(codes) else ""
    return before in ("h", "hh") or after in ("s", "ss")
