"""Make the same input give byte-identical files: fixed dates and ids in every .docx and PDF.

python-docx stamps each zip entry with the wall clock; LibreOffice writes a wall-clock /CreationDate,
a random trailer /ID and a /DocChecksum (and ignores SOURCE_DATE_EPOCH). Both are rewritten here to
the meeting's date, keeping everything else, tags included.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from pathlib import Path

import pikepdf

from ..render.properties import APP_XML
from ..util import save_pdf

THUMBNAIL = "docProps/thumbnail.jpeg"


def normalize_docx(path: Path, day: dt.date) -> None:
    """Rewrite the .docx at *path* with every zip entry dated *day*, in the same order.

    Nothing but the plan describes the document: the extended properties python-docx's default
    template carries ("Microsoft Macintosh Word", its statistics) become just "boardpack", and its
    thumbnail (a picture of someone else's page) goes.
    """
    stamp = (min(max(day.year, 1980), 2107), day.month, day.day, 0, 0, 0)  # what a zip entry can be dated
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename == THUMBNAIL:
                continue
            data = src.read(item.filename)
            if item.filename == "docProps/app.xml":
                data = APP_XML
            elif item.filename == "_rels/.rels":
                data = re.sub(rb"<Relationship [^>]*Target=\"docProps/thumbnail\.jpeg\"/>", b"", data)
            info = zipfile.ZipInfo(item.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, data)
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
        pdf.docinfo.Creator = "boardpack"  # not "Writer": the document was written from the plan
        if "/ModDate" in pdf.docinfo:
            pdf.docinfo.ModDate = pdf_date(day)
        save_pdf(pdf, tmp, deterministic_id=True)
    os.replace(tmp, path)
