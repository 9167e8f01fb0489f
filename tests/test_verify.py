"""The converter is not trusted: a PDF is used only if it is readable and is the document that was sent."""

from __future__ import annotations

import itertools
import stat
import subprocess
from pathlib import Path

import pikepdf
import pytest
from docx import Document
from docx.oxml.ns import qn

from boardpack.cli import main
from boardpack.convert.verify import Unreadable, docx_text, mismatch, pdf_text, words
from boardpack.render.accessible import restart_lists
from boardpack.render.docx import TEMPLATES_DIR

from .conftest import PAPER

RESTRICTED_APPENDIX = f"{PAPER}/appendix-1.pdf"


def documents(out: Path) -> list[Path]:
    """Every .docx LibreOffice converted in a build: the papers and, in the cache, front sheets and withheld pages."""
    return sorted(out.rglob("*.docx"))


def test_words_undo_line_end_hyphens_ligatures_and_numbers():
    assert words("cross-\nreferenced, cross-referenced") == ["crossreferenced", "crossreferenced"]
    assert words("\ufb01nance Page 3 of 12 £4m") == ["finance", "page", "of", "m"]


@pytest.mark.e2e
def test_every_real_conversion_of_the_example_is_accepted(built_example):
    found = documents(built_example)
    assert len(found) >= 10  # papers, appendix, front sheets, withheld pages
    assert [d for d in found if mismatch(d, d.with_suffix(".pdf"))] == []


@pytest.mark.e2e
def test_any_other_document_of_the_meeting_is_refused(built_example):
    """Even those that differ in a few words: the public and members' front sheets, two withheld pages."""
    found = list({d.read_bytes(): d for d in documents(built_example)}.values())  # papers are cached too
    assert len(found) == 10
    for sent, returned in itertools.permutations(found, 2):
        wrong = mismatch(sent, returned.with_suffix(".pdf"))
        assert wrong and wrong.startswith("the converter returned a different document"), (sent, returned)


@pytest.mark.e2e
def test_a_truncated_garbage_or_empty_pdf_is_unreadable(built_example, tmp_path):
    real = (built_example / RESTRICTED_APPENDIX).read_bytes()
    cases = {"truncated": real[: len(real) // 2], "garbage": b"this is not a PDF\n" * 50, "empty": b""}
    for name, data in cases.items():
        pdf = tmp_path / f"{name}.pdf"
        pdf.write_bytes(data)
        with pytest.raises(Unreadable, match="an empty PDF" if name == "empty" else "an unreadable PDF"):
            pdf_text(pdf)
    # Its pages with their content gone: a PDF that poppler reads (as blank pages), but that has lost its text
    spliced = tmp_path / "spliced.pdf"
    with pikepdf.open(built_example / RESTRICTED_APPENDIX) as pdf:
        for page in pdf.pages:
            page.obj.Contents = pdf.make_stream(b"")
        pdf.save(spliced)
    assert pdf_text(spliced).strip() == ""
    with pytest.raises(Unreadable, match=r"an unreadable PDF \(no text in it\)"):
        mismatch(built_example / RESTRICTED_APPENDIX.replace(".pdf", ".docx"), spliced)


def test_docx_text_reads_body_headers_and_footers(built_example):
    text = docx_text(built_example / PAPER / "report.docx")
    assert "MOPAC Governance Improvement Plan" in text
    assert "OFFICIAL" in text.splitlines()  # the marking, in the header


def converter_writing(tmp_path: Path, body: str) -> Path:
    """A stand-in soffice whose every PDF is written by *body* (with $pdf its path)."""
    script = tmp_path / "soffice"
    script.write_text(
        '#!/bin/sh\nfor a in "$@"; do case "$a" in *.docx) pdf="${a%.docx}.pdf"; ' + body + ";; esac; done\n",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def build_with(script: Path, plan: Path, out: Path, monkeypatch, capsys) -> tuple[int, str]:
    monkeypatch.setenv("BOARDPACK_SOFFICE", str(script))
    capsys.readouterr()
    code = main(["build", str(plan), "--out", str(out), "-q", "--converter", "soffice"])
    return code, capsys.readouterr().err


@pytest.mark.e2e
def test_a_converter_returning_the_restricted_appendix_for_every_document_fails_the_build(
    built_example, plan_copy, tmp_path, monkeypatch, capsys
):
    restricted = tmp_path / "restricted.pdf"
    restricted.write_bytes((built_example / RESTRICTED_APPENDIX).read_bytes())
    out = tmp_path / "out"
    code, err = build_with(converter_writing(tmp_path, f'cp {restricted} "$pdf"'), plan_copy, out, monkeypatch, capsys)
    assert code == 3, err
    assert f"{out}/minutes/report.pdf: the converter returned a different document (" in err
    assert "instead of the minutes report" in err
    assert "withheld page for item 7: the converter returned a different document (" in err
    # Output paths, or what a document is: never a staging, work or temporary path.
    assert "building" not in err and "boardpack-convert" not in err and "boardpack-work" not in err
    assert "Traceback" not in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".lock") == [
        plan_copy.name,
        "restricted.pdf",
        "soffice",
    ]


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("body", "said"),
    [
        ('printf "%%PDF-1.4 garbage" > "$pdf"', "LibreOffice returned an unreadable PDF"),
        ('head -c 3000 {real} > "$pdf"', "LibreOffice returned an unreadable PDF"),
        (': > "$pdf"', "LibreOffice returned an empty PDF"),
    ],
    ids=["garbage", "truncated", "empty"],
)
def test_an_unreadable_pdf_is_named_by_its_output_path(
    built_example, plan_copy, tmp_path, monkeypatch, capsys, body, said
):
    out = tmp_path / "out"
    script = converter_writing(tmp_path, body.format(real=built_example / RESTRICTED_APPENDIX))
    code, err = build_with(script, plan_copy, out, monkeypatch, capsys)
    assert code == 3, err
    assert f"{out}/minutes/report.pdf: {said} of the minutes report" in err.splitlines()
    assert "Traceback" not in err and "boardpack-convert" not in err
    assert not out.exists()


@pytest.mark.e2e
def test_a_long_pdf_is_sampled_at_both_ends_and_a_shortened_one_refused(tmp_path):
    import pikepdf
    from docx import Document

    from boardpack.convert import verify
    from boardpack.convert.converter import Converter

    document = Document()
    for n in range(1, 31):
        document.add_heading(f"Section {words_of(n)}", level=1)
        document.add_paragraph(f"The {words_of(n)} section opens here. " * 40)
        document.add_page_break()
    document.add_paragraph("Signed off by the Chief Finance Officer and the Monitoring Officer.")
    docx = tmp_path / "long.docx"
    document.save(docx)
    (pdf,) = Converter().convert([docx])
    with pikepdf.open(pdf) as opened:
        pages = len(opened.pages)
        assert pages > 3 * verify.SAMPLE
        del opened.pages[pages - 2 :]  # the last two pages lost: a PDF still, but not the whole document
        opened.save(tmp_path / "short.pdf")
    assert mismatch(docx, pdf) is None
    wrong = mismatch(docx, tmp_path / "short.pdf")
    assert wrong and wrong.startswith("the converter returned a different document")


def words_of(n: int) -> str:
    """Spell *n* (1-39) in letters: the verifier counts words, never numbers."""
    ones = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen".split()
    ones += "sixteen seventeen eighteen nineteen".split()
    tens = {2: "twenty", 3: "thirty"}
    return ones[n - 1] if n < 20 else tens[n // 10] + ("" if n % 10 == 0 else "-" + ones[n % 10 - 1])


def test_hidden_text_is_not_among_the_words_a_pdf_must_show(tmp_path):
    from docx import Document

    document = Document()
    paragraph = document.add_paragraph("Shown to the Panel. ")
    paragraph.add_run("Drafting note for officers only.").font.hidden = True
    paragraph.add_run(" Also shown.").font.hidden = False
    docx = tmp_path / "hidden.docx"
    document.save(docx)
    assert words(docx_text(docx)) == ["shown", "to", "the", "panel", "also", "shown"]


def test_text_after_an_unclosed_right_to_left_override_is_the_document_sent(tmp_path):
    """An unclosed U+202E prints the rest of its paragraph reversed: the PDF's words are the .docx's, mirrored."""
    from docx import Document

    from boardpack.convert.converter import Converter

    document = Document()
    document.add_paragraph("The savings schemes are on track for the year.")
    document.add_paragraph("Schemes \u202eworth most of the target have been identified by the divisions.")
    docx = tmp_path / "rlo.docx"
    document.save(docx)
    (pdf,) = Converter().convert([docx])
    assert mismatch(docx, pdf) is None
    other = tmp_path / "other.docx"
    document = Document()
    document.add_paragraph("An entirely different paper about parking enforcement and bus lanes.")
    document.save(other)
    assert mismatch(other, pdf) is not None


def _items_docx(path: Path, numbered: bool) -> Path:
    """A document of 30 one-word items: a lettered Word list, or the same words unnumbered."""
    doc = Document(TEMPLATES_DIR / "report.docx")
    for p in list(doc.element.body.iter(qn("w:p"))):
        p.getparent().remove(p)
    for _ in range(30):
        doc.add_paragraph("item", "List Letter" if numbered else "Body Text")
    restart_lists(doc)
    doc.save(path)
    return path


@pytest.mark.e2e
def test_list_labels_printed_by_word_numbering_are_the_documents_words_and_nothing_else_is(tmp_path):
    """(a) … (z), (aa) … (dd) are in the PDF though no run holds them: they count as the .docx's words,
    worked out from its numbering; the same PDF sent for the same words unnumbered is refused."""
    numbered = _items_docx(tmp_path / "numbered.docx", numbered=True)
    profile = f"-env:UserInstallation=file://{tmp_path / 'profile'}"
    subprocess.run(
        ["soffice", profile, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(numbered)],
        check=True,
        capture_output=True,
    )
    pdf = numbered.with_suffix(".pdf")
    assert {"aa", "bb", "cc", "dd"} <= set(words(pdf_text(pdf)))
    assert mismatch(numbered, pdf) is None
    plain = _items_docx(tmp_path / "plain.docx", numbered=False)  # no numbering: the labels are stray words
    assert mismatch(plain, pdf).startswith("the converter returned a different document")


# --- the labels numbering prints, told without parsing a body that numbers nothing ---------------------------


def _labels_parsing(docx: Path, monkeypatch) -> tuple[list[str], bool]:
    """``numbering_labels`` of *docx*, and whether it parsed the document's body to find them."""
    import zipfile

    from boardpack.convert import verify

    body = zipfile.ZipFile(docx).read("word/document.xml")
    parsed = []
    real = verify._parse_xml
    monkeypatch.setattr(verify, "_parse_xml", lambda xml: parsed.append(xml == body) or real(xml))
    return verify.numbering_labels(docx), any(parsed)


def test_paragraphs_numbered_by_their_style_alone_are_labelled(tmp_path, monkeypatch):
    """No w:numPr in the body: the list is the paragraphs' style's (List Letter), and still counted."""
    from .test_accessible import lettered

    lettered(["one", "two", "three"]).save(tmp_path / "styled.docx")
    labels, parsed = _labels_parsing(tmp_path / "styled.docx", monkeypatch)
    assert labels == ["(a)", "(b)", "(c)"] and parsed


def test_a_numbered_style_with_no_id_labels_the_paragraphs_with_no_style(tmp_path, monkeypatch):
    """A numbered style with no w:styleId: every paragraph with no style is in its list, though the body
    names no style and has no numbering of its own."""
    from .test_accessible import idless_list

    idless_list().save(tmp_path / "idless.docx")
    labels, parsed = _labels_parsing(tmp_path / "idless.docx", monkeypatch)
    assert labels == ["(a)", "(b)"] and parsed


def test_a_numbered_style_whose_id_xml_escapes_is_labelled(tmp_path, monkeypatch):
    """A style id with "&" is written "&amp;" in the body: such an id is never told from the bytes."""
    from .test_accessible import lettered

    doc = lettered(["one", "two"])
    style = doc.styles["List Letter"].element
    old = style.get(qn("w:styleId"))
    style.set(qn("w:styleId"), "Letters&Co")
    for p in doc.element.body.iter(qn("w:pStyle")):
        if p.get(qn("w:val")) == old:
            p.set(qn("w:val"), "Letters&Co")
    doc.save(tmp_path / "escaped.docx")
    labels, parsed = _labels_parsing(tmp_path / "escaped.docx", monkeypatch)
    assert labels == ["(a)", "(b)"] and parsed


def test_a_body_that_numbers_nothing_is_not_parsed_for_labels(built_example, monkeypatch):
    """The actions appendix's body (a long table: no numbering, no numbered style) is not parsed for labels;
    the risk report's, which has lists, is."""
    assert _labels_parsing(built_example / PAPER / "appendix-1.docx", monkeypatch) == ([], False)
    labels, parsed = _labels_parsing(built_example / "risk-management-update" / "report.docx", monkeypatch)
    assert labels[:2] == ["(a)", "(b)"] and parsed
