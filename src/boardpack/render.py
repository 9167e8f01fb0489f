"""Render a numbered, resolved paper into a .docx through its docxtpl template.

Plan text only ever enters as context values: it is escaped (``autoescape=True``) and never parsed as
a template, so ``{{ }}``, ``&`` and ``<`` print as typed. The Jinja environment is sandboxed and
strict: a template can read nothing but its context, and a misspelt field is an error.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jinja2
from docxtpl import DocxTemplate
from jinja2.sandbox import SandboxedEnvironment

from .errors import Location, Problem, RenderError
from .model import Meeting, NumberedPaper

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
REPORT_TEMPLATE = "report.docx"


def long_date(day: dt.date) -> str:
    """Return a date as MOPAC prints it: "Tuesday, 19 December 2017"."""
    return f"{day:%A}, {day.day} {day:%B %Y}"


def report_context(paper: NumberedPaper, meeting: Meeting) -> dict:
    """Return the template context of a covering report: plain values only."""
    src = paper.paper
    return {
        "committee": meeting.committee,
        "date_long": long_date(meeting.date),
        "title": src.title,
        "report_by": src.report_by,
        "marking": src.marking,
        "summary": [(heading, list(blocks)) for heading, blocks in paper.summary],
        "sections": list(paper.sections),
    }


def render_report(paper: NumberedPaper, meeting: Meeting, out: Path, template_dir: Path = TEMPLATES_DIR) -> Path:
    """Render *paper*'s covering report to *out* (.docx) and return the path."""
    template = template_dir / REPORT_TEMPLATE
    doc = _render(template, report_context(paper, meeting))
    _set_properties(doc, paper, meeting)
    doc.save(out)
    return out


def _environment() -> jinja2.Environment:
    return SandboxedEnvironment(autoescape=True, undefined=jinja2.StrictUndefined)


def _render(template: Path, context: dict) -> DocxTemplate:
    if not template.is_file():
        raise RenderError([Problem(Location(template), "template not found")])
    try:
        doc = DocxTemplate(template)
        doc.render(context, jinja_env=_environment(), autoescape=True)
    except jinja2.TemplateError as exc:
        around = " ".join(" ".join(getattr(exc, "docx_context", [])).split())
        detail = f" near: {around[:160]}" if around else ""
        raise RenderError([Problem(Location(template), f"template error: {exc.message}{detail}")]) from None
    except Exception as exc:  # a .docx that is not a zip, a part that is not XML …
        raise RenderError([Problem(Location(template), f"cannot read template: {exc}")]) from None
    return doc


def _set_properties(doc: DocxTemplate, paper: NumberedPaper, meeting: Meeting) -> None:
    """Fill the core properties from the plan alone: set after rendering so none is a template."""
    src = paper.paper
    props = doc.docx.core_properties
    props.title = src.title
    props.subject = src.properties.subject or f"{meeting.committee}, {long_date(meeting.date)}"
    props.author = src.properties.author or src.report_by
    props.keywords = ", ".join(src.properties.keywords)
    props.comments = ""
    props.category = ""
    props.last_modified_by = ""
    props.language = "en-GB"
    props.revision = 1
    stamp = dt.datetime.combine(meeting.date, dt.time())
    props.created = props.modified = stamp
