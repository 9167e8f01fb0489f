"""Make the same input give byte-identical files: fixed dates and ids in every .docx and PDF.

python-docx stamps each zip entry with the wall clock; LibreOffice writes a wall-clock /CreationDate,
a random trailer /ID and a /DocChecksum (and ignores SOURCE_DATE_EPOCH). Both are rewritten here to
the meeting's date, keeping everything else, tags included.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import zipfile
from pathlib import Path

import pikepdf

from ..convert.tags import TaggingError, complete, docx_link_targets
from ..errors import ConvertError, Problem
from ..render.properties import APP_XML
from ..util import save_pdf
from ..xmp import LANGUAGE, Described, claims_ua, describe_pdf

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


def described(pdf: pikepdf.Pdf, day: dt.date, ua: bool) -> Described:
    """What the converted *pdf* says of itself (its Info, from the .docx's properties), to be written again."""
    info = {key: str(pdf.docinfo.get(key, "")) for key in ("/Title", "/Subject", "/Author", "/Keywords")}
    language = str(pdf.Root.get("/Lang", "")) or LANGUAGE
    about = Described(info["/Title"], language, info["/Subject"], info["/Author"], info["/Keywords"], ua=ua)
    return dataclasses.replace(about, created=day)


def pdf_date(day: dt.date) -> str:
    """Return *day* as a PDF date string at midnight UTC."""
    return f"D:{day:%Y%m%d}000000Z"


def normalize_pdf(path: Path, day: dt.date, converted_from: Path | None = None) -> None:
    """Rewrite the PDF at *path* with its dates set to *day* and a content-derived /ID.

    A PDF LibreOffice *converted_from* a .docx first has its tagging completed (``convert/tags.py``:
    artifacts, list labels, row headers, link annotations, the links' targets read from the .docx).
    Its metadata is then written again by ``xmp.py`` from what LibreOffice put in the Info dictionary
    (the .docx's properties), with the PDF/UA-1 claim LibreOffice made in PDF/UA mode: Info and XMP say
    the same, with no wall-clock date, so the same input gives the same bytes.
    """
    tmp = path.with_name(path.name + ".tmp")
    with pikepdf.open(path) as pdf:
        if converted_from is not None:
            try:
                complete(pdf, docx_link_targets(converted_from.read_bytes()))
            except TaggingError as exc:  # content a screen reader would never reach: refuse the PDF
                raise ConvertError([Problem(str(path), f"LibreOffice left {exc}")]) from None
            # One writer of metadata for every PDF boardpack makes (``xmp.py``, as the packs use):
            # LibreOffice's own packet claims pdfuaid:part without declaring its extension schema.
            describe_pdf(pdf, described(pdf, day, ua=claims_ua(pdf)))
        for key in ("/DocChecksum", "/ID"):
            if key in pdf.trailer:
                del pdf.trailer[key]
        pdf.docinfo.CreationDate = pdf_date(day)
        pdf.docinfo.Creator = "boardpack"  # not "Writer": the document was written from the plan
        if "/ModDate" in pdf.docinfo:
            pdf.docinfo.ModDate = pdf_date(day)
        save_pdf(pdf, tmp, deterministic_id=True)
    os.replace(tmp, path)
