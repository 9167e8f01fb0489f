"""What a committee's own template would lose a reader: checked before anything is built.

boardpack's own templates are made accessible by ``templates/make_templates.py`` and proven so by the
test suite (``tests/test_pdfua.py``). A template a committee brings — an older copy, or one restyled
in Word — may lack what that depends on; then the build would go through and write PDFs a screen
reader cannot follow, or lettered items that print without their letters. :func:`audit_template`
says so at ``check``, naming the template:

- an **error** when list items would print without their markers: a list style with no Word
  numbering in a template that does not print ``{{ i.marker }}`` either (nothing may be dropped);
- a **warning** when the PDF would not be accessible: the Title style is not outline level 0 (no H1),
  a table in the body has no header row (a layout table, such as a banner, belongs in the page
  header), or the protective marking is only in headers and footers (artifacts a screen reader skips).
"""

from __future__ import annotations

import re
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn

from .accessible import Numbering, outline_level

LIST_STYLES = ("List Letter", "Summary Letter", "List Bullet", "Summary Bullet")
PRINTS_MARKER = re.compile(r"\{\{-?\s*i\.marker\s*-?\}\}")  # an older template types the letters itself


def audit_template(path: Path) -> tuple[list[str], list[str]]:
    """Return (errors, warnings) about the Word template at *path*, each a sentence for its reader."""
    doc = Document(str(path))
    body = doc.element.body
    text = "".join(t.text or "" for t in body.iter(qn("w:t")))
    used = {p.get(qn("w:val")) for p in body.iter(qn("w:pStyle"))}
    styles = {s.style_id: s for s in doc.styles if s.type == WD_STYLE_TYPE.PARAGRAPH}
    numbering = Numbering(doc)
    unmarked = [
        styles[sid].name
        for sid in sorted(used & styles.keys())
        if styles[sid].name in LIST_STYLES and numbering.style_list(sid) is None
    ]
    errors = [
        f"list items in style '{name}' would print without their (a), (b) … or bullets: the style has no "
        "Word numbering and the template does not print {{ i.marker }}; give the style a numbered list, as "
        "boardpack's own templates do"
        for name in ([] if PRINTS_MARKER.search(text) else unmarked)
    ]
    warnings = []
    title = next((s for s in styles.values() if s.name == "Title"), None)
    if title is not None and title.style_id in used and outline_level(title) != 0:
        warnings.append(
            "the Title style is not a heading (in Word: Paragraph, Outline level: Level 1), so the PDF has no H1 "
            "for a screen reader to find the paper by"
        )
    headless = sum(1 for table in body.iter(qn("w:tbl")) if not has_header_row(table))
    if headless:
        warnings.append(
            f"{headless} table(s) in the body have no header row ('Repeat as header row'), so a screen reader "
            "announces them as data with nothing to say what a column holds; a banner belongs in the page header"
        )
    if "marking" not in text:
        warnings.append(
            "the protective marking is only in the page headers and footers, which a screen reader skips: add "
            "a first line such as {{ w.marking.line }} {{ marking }}"
        )
    return errors, warnings


def has_header_row(table) -> bool:
    """Whether the w:tbl *table*'s first row repeats as a header row (w:tblHeader), as a data table's must."""
    first = table.find(qn("w:tr"))
    return first is not None and first.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
