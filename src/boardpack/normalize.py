"""Make the same input give byte-identical files: fixed dates and ids in every .docx and PDF.

python-docx stamps each zip entry with the wall clock; LibreOffice writes a wall-clock /CreationDate,
a random trailer /ID and a /DocChecksum (and ignores SOURCE_DATE_EPOCH). Both are rewritten here to
the meeting's date, keeping everything else, tags included.
"""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from pathlib import Path

import pikepdf


def normalize_docx(path: Path, day: dt.date) -> None:
    """Rewrite the .docx at *path* with every zip entry dated *day*, in the same order."""
    stamp = (max(day.year, 1980), day.month, day.day, 0, 0, 0)
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(item.filename))
    os.replace(tmp, path)


def pdf_date(day: dt.date) -> str:
    """Return *day* as a PDF date string at midnight UTC."""
    return f"D:{day:%Y%m%d}000000Z"


def normalize_pdf(path: Path, day: dt.date) -> None:
    """Rewrite the PDF at *path* with its dates set to *day* and a content-derived /ID."""
    tmp = path.with_name(path.name + ".tmp")
    with pikepdf.open(path) as pdf:
        for key in ("/DocChecksum", "/ID"):
            if key in pdf.trailer:
                del pdf.trailer[key]
        pdf.docinfo.CreationDate = pdf_date(day)
        if "/ModDate" in pdf.docinfo:
            pdf.docinfo.ModDate = pdf_date(day)
        pdf.save(tmp, deterministic_id=True)
    os.replace(tmp, path)
