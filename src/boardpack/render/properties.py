"""How every .docx boardpack writes describes itself: core and extended properties from the plan alone.

A rendered paper's template and an attached Word document both come with properties of their own (an
author, a company, custom fields). Every core property is replaced by the plan's, and the extended
properties become just "boardpack" (``pipeline/normalize.py`` writes the same part into each .docx).
"""

from __future__ import annotations

import datetime as dt

from ..plan.load import MAX_PROPERTY

APP_XML = (
    b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    b"<Application>boardpack</Application></Properties>"
)


def describe(doc, title: str, subject: str, author: str, day: dt.date) -> None:
    """Replace every core property of the python-docx *doc* with the plan's: its title, subject, author and date."""
    props = doc.core_properties
    for element in list(props._element):  # identifier, version, content status …: none is the plan's
        props._element.remove(element)
    props.title, props.subject, props.author = fit(title), fit(subject), fit(author)
    props.keywords = props.comments = props.category = props.last_modified_by = ""
    props.language = "en-GB"
    props.revision = 1
    props.created = props.modified = dt.datetime.combine(day, dt.time())


def fit(text: str) -> str:
    """Return *text* cut to what a document property holds (255 characters), at a word, marked with "…".

    The paper prints its title and author in full; the properties are a copy for file lists and search, so
    a long one is shortened there rather than refused (text that is only a property is checked on loading).
    """
    if len(text) <= MAX_PROPERTY:
        return text
    cut = text[: MAX_PROPERTY - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut[MAX_PROPERTY // 2 :] else cut).rstrip(" ,;:-–") + "…"
