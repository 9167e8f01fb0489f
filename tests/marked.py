"""Content painted outside marked content: what PDF/UA-1 (7.1) forbids, found by walking content streams.

Every operator that paints (shows text, strokes or fills a path, paints a shading, an image or a
form) must sit inside a BDC/BMC … EMC span: a structure element's marked content or an /Artifact.
A form drawn inside a span is inside it, whatever it holds, so forms are not walked.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf

PAINTING = frozenset("Tj TJ ' \" S s f F f* B B* b b* sh Do EI INLINE IMAGE".split())


def unmarked(pdf: Path) -> list[str]:
    """Return one line per page of *pdf* with painting operators outside any marked content, and which."""
    found = []
    with pikepdf.open(pdf) as doc:
        for number, page in enumerate(doc.pages, 1):
            outside: dict[str, int] = {}
            depth = 0
            for operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if op in ("BDC", "BMC"):
                    depth += 1
                elif op == "EMC":
                    depth = max(depth - 1, 0)
                elif depth == 0 and (op in PAINTING or isinstance(operands, pikepdf.PdfInlineImage)):
                    outside[op] = outside.get(op, 0) + 1
            if outside:
                found.append(f"{pdf.name} page {number}: outside marked content: {outside}")
    return found
