"""Issue #12, the acceptance test: every PDF boardpack writes is accessible, as the checkers see it.

Both example meetings are built once with the real LibreOffice (the first twice, the second time after
an edit, so that it writes supplementary packs too). Then ``pdfua check`` and ``outloud`` (pinned in
the test extra, run from the venv as a user would) read EVERY PDF written — each paper, appendix,
both packs, both supplementary packs; front sheets and withheld pages exist only inside the packs, so
they are checked there — and must find no error. Warnings are not asserted on: outloud's TBL-014 ("a
ruled grid no /Table covers") and the like need a person's judgement (docs/accessibility.md).

No finding is filtered. Should a checker be wrong one day, filter only that finding, here, with the
evidence from the PDF's structure in a comment: never skip the rule.

Besides the checkers: nothing is painted outside marked content (``marked.py``), every file's XMP
declares PDF/UA-1 and its title, its header is at least PDF 1.6, each pack's /Sect is titled with its
agenda item, and a public pack's titles name nothing restricted.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from docx import Document
from docx.oxml.ns import qn

from boardpack.appendix.attached import NO_HEADER, UNTAGGED
from boardpack.pack.assemble import PackInfo, Part, _role_map, assemble
from boardpack.pack.leaks import _metadata_and_bookmarks, as_title, section_titles
from boardpack.pipeline.builder import build, check
from boardpack.xmp import is_tagged

from .marked import unmarked

ROOT = Path(__file__).resolve().parents[1]
PANEL = ROOT / "plans" / "2017-12-19-audit-panel"
COUNCIL = ROOT / "plans" / "2018-03-14-audit-governance"
BIN = Path(sys.executable).parent  # the venv's: pdfua and outloud come with the test extra
EDITED = "governance-improvement-plan"  # the paper edited before the second build: it makes the supplements
EDIT = ("This report outlines the progress", "This report outlines the further progress")
PACKS = {"public-pack.pdf": (False, False), "members-pack.pdf": (True, False)}
SUPPLEMENTS = {"supplement-public.pdf": (False, True), "supplement-members.pdf": (True, True)}
XMP_PART = re.compile(r"<pdfuaid:part>\s*1\s*</pdfuaid:part>|pdfuaid:part=\"1\"")
XMP_SCHEMA = re.compile(r"pdfaSchema:namespaceURI(?:>|=\")\s*http://www\.aiim\.org/pdfua/ns/id/")  # ISO 14289-1, 5


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[Path, Path]:
    """Both examples built (output folder -> the plan it came from); the panel's rebuilt after an edit."""
    base = tmp_path_factory.mktemp("pdfua")
    council = base / COUNCIL.name
    build(COUNCIL, council)
    panel_plan = base / "plans" / PANEL.name
    shutil.copytree(PANEL, panel_plan)
    panel = base / PANEL.name
    build(panel_plan, panel)
    paper = panel_plan / EDITED / "paper.yaml"
    text = paper.read_text(encoding="utf-8")
    assert EDIT[0] in text
    paper.write_text(text.replace(EDIT[0], EDIT[1], 1), encoding="utf-8")
    build(panel_plan, panel)
    return {council: COUNCIL, panel: panel_plan}


@pytest.fixture(scope="module")
def pdfs(built) -> list[Path]:
    """Every PDF the builds wrote, but for the build cache's."""
    found = sorted(p for out in built for p in out.rglob("*.pdf") if ".boardpack-cache" not in p.parts)
    names = {p.name for p in found}
    assert set(PACKS) | set(SUPPLEMENTS) <= names, names
    assert {"report.pdf", "appendix-1.pdf", "appendix-2.pdf"} <= names, names
    return found


def _json_objects(text: str) -> list[dict]:
    """Parse *text*, one JSON object after another (``pdfua check --format json`` prints one per file)."""
    decoder, objects, at = json.JSONDecoder(), [], 0
    while text[at:].strip():
        at += len(text[at:]) - len(text[at:].lstrip())
        found, at = decoder.raw_decode(text, at)
        objects.append(found)
    return objects


@pytest.fixture(scope="module")
def pdfua_reports(pdfs) -> list[dict]:
    result = subprocess.run(
        [BIN / "pdfua", "check", "--format", "json", *map(str, pdfs)], capture_output=True, text=True, check=False
    )
    reports = _json_objects(result.stdout)
    assert len(reports) == len(pdfs), result.stderr
    return reports


@pytest.fixture(scope="module")
def outloud_results(pdfs) -> list[dict]:
    result = subprocess.run(
        [BIN / "outloud", "--json", "-", "--fail-on", "never", *map(str, pdfs)],
        capture_output=True,
        text=True,
        check=False,
    )
    results = json.loads(result.stdout)["results"]
    assert len(results) == len(pdfs), result.stderr
    return results


def _where(pdf: Path, built: dict[Path, Path]) -> str:
    out = next(out for out in built if pdf.is_relative_to(out))
    return f"{out.name}/{pdf.relative_to(out)}"


@pytest.mark.e2e
def test_pdfua_check_finds_no_error_in_any_pdf_written(built, pdfs, pdfua_reports):
    errors = [
        f"{_where(pdf, built)}: {f['rule_id']} {f.get('location', '')}: {f['message']}"
        for pdf, report in zip(pdfs, pdfua_reports, strict=True)
        for f in report["findings"]
        if f["severity"] == "error"
    ]
    assert not errors, f"{len(errors)} pdfua errors:\n" + "\n".join(errors)


@pytest.mark.e2e
def test_outloud_finds_no_error_in_any_pdf_written(built, pdfs, outloud_results):
    errors = []
    for pdf, result in zip(pdfs, outloud_results, strict=True):
        if result.get("error"):  # outloud could not read it
            errors.append(f"{_where(pdf, built)}: not checked: {result['error']}")
        for f in result["findings"]:
            if f["severity"] == "error":
                where = f"p.{f['page']} " if "page" in f else ""
                element = f.get("location", {}).get("element", "")
                evidence = f" ({f['evidence']})" if f.get("evidence") else ""
                errors.append(f"{_where(pdf, built)}: {f['rule']} {where}{element}: {f['message']}{evidence}")
    assert not errors, f"{len(errors)} outloud errors:\n" + "\n".join(errors)


@pytest.mark.e2e
def test_nothing_is_painted_outside_marked_content(built, pdfs):
    found = [f"{_where(pdf, built)}: {line}" for pdf in pdfs for line in unmarked(pdf)]
    assert not found, "\n".join(found)


@pytest.mark.e2e
def test_every_pdf_declares_pdfua_title_and_language_in_xmp_matching_its_info(built, pdfs):
    wrong = []
    for pdf in pdfs:
        with pikepdf.open(pdf) as doc:
            meta = doc.open_metadata()
            xmp = str(meta)
            title = meta.get("dc:title")
            info = str(doc.docinfo.get("/Title", ""))
            if not XMP_PART.search(xmp):
                wrong.append(f"{_where(pdf, built)}: no pdfuaid:part 1 in XMP")
            if not XMP_SCHEMA.search(xmp):
                wrong.append(f"{_where(pdf, built)}: no extension schema declaring pdfuaid")
            if not title or title != info:
                wrong.append(f"{_where(pdf, built)}: XMP dc:title {title!r}, Info /Title {info!r}")
            if not str(doc.Root.get("/Lang", "")):
                wrong.append(f"{_where(pdf, built)}: no /Lang")
            if not bool(doc.Root.get("/ViewerPreferences", {}).get("/DisplayDocTitle", False)):
                wrong.append(f"{_where(pdf, built)}: DisplayDocTitle not set")
            if not is_tagged(doc):
                wrong.append(f"{_where(pdf, built)}: not tagged (/StructTreeRoot, /MarkInfo /Marked true)")
    assert not wrong, "\n".join(wrong)


@pytest.mark.e2e
def test_every_pdf_header_is_at_least_1_6(built, pdfs):
    low = []
    for pdf in pdfs:
        header = pdf.read_bytes()[:16]
        version = re.match(rb"%PDF-(\d+)\.(\d+)", header)
        if version is None or (int(version[1]), int(version[2])) < (1, 6):
            low.append(f"{_where(pdf, built)}: {header[:8]!r}")
    assert not low, "\n".join(low)


def _expected_sections(plan: Path, members: bool, supplement: bool) -> list[str]:
    """The /T of each /Sect of a pack, from the plan: its front sheet, then each item's paper and appendices."""
    prepared = check(plan)
    w = prepared.plan.wording
    side = "members" if members else "public"
    titles = [w(f"pack.supplement_{side}_title" if supplement else f"pack.{side}_title")]
    papers = {p.paper.slug: p for p in prepared.papers}
    for number, item in enumerate(prepared.plan.meeting.agenda, 1):
        if item.paper is None or (supplement and item.paper != EDITED):
            continue
        if item.restricted and not members:
            titles.append(w("pack.bookmark_withheld", number=number))
            continue
        titles.append(item.title)
        for appendix in papers[item.paper].appendices:
            withheld = appendix.appendix.restricted and not members
            titles.append(
                w("pack.bookmark_appendix_withheld", appendix=appendix.number) if withheld else appendix.heading
            )
    return titles


@pytest.mark.e2e
def test_each_pack_section_is_titled_with_its_agenda_item(built):
    for out, plan in built.items():
        for name, (members, supplement) in (PACKS | SUPPLEMENTS).items():
            if not (out / name).exists():
                continue
            with pikepdf.open(out / name) as pack:
                document = pack.Root.StructTreeRoot.K
                document = document[0] if isinstance(document, pikepdf.Array) else document
                sects = list(document.K)
                assert all(s.S == pikepdf.Name.Sect for s in sects), name
                assert [str(s.get("/T", "")) for s in sects] == _expected_sections(plan, members, supplement), name


@pytest.mark.e2e
def test_public_packs_metadata_and_section_titles_name_nothing_restricted(built):
    """As the build's leak check does (docs/packs.md), whole titles: a public "MOPAC Governance Improvement
    Plan" beside a restricted appendix "Governance Improvement Plan" names nothing restricted."""
    for out, plan in built.items():
        prepared = check(plan)
        restricted = {item.title for item in prepared.plan.meeting.agenda if item.restricted}
        for appendix in (a for p in prepared.papers for a in p.appendices if a.appendix.restricted):
            restricted |= {appendix.appendix.title, appendix.heading}
        restricted_titles = {as_title(t) for t in restricted}
        assert restricted_titles
        for name in ("public-pack.pdf", "supplement-public.pdf"):
            if not (out / name).exists():
                continue
            shown = _metadata_and_bookmarks(out / name)  # Info, XMP, bookmarks, section titles
            assert {where for where, _ in shown} >= {"XMP metadata", "bookmark", "section title"}
            leaked = [
                (where, value)
                for where, value in shown
                if {as_title(v) for v in [value, *re.split(r"\s*[;\n]\s*", value)]} & restricted_titles
            ]
            assert not leaked, f"{out.name}/{name}: {leaked}"
            assert [value for where, value in shown if where == "section title"]  # there were titles to look at


@pytest.mark.e2e
def test_packs_are_the_same_bytes_when_built_again(built, tmp_path):
    council = next(out for out, plan in built.items() if plan == COUNCIL)
    again = tmp_path / "again"
    build(COUNCIL, again)
    for name in PACKS:
        assert (again / name).read_bytes() == (council / name).read_bytes(), name


# Without LibreOffice: the rules on small PDFs made here.


def _untagged_pdf(path: Path) -> Path:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    font = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont="/Helvetica")
    )
    pdf.pages[0].Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    pdf.pages[0].Contents = pdf.make_stream(b"BT /F1 12 Tf 72 720 Td (Scanned letter) Tj ET")
    pdf.save(path)
    return path


def test_an_untagged_attached_pdf_is_warned_of_at_its_line(tmp_path):
    plan = tmp_path / COUNCIL.name
    shutil.copytree(COUNCIL, plan)
    _untagged_pdf(plan / "external-audit" / "audit-progress-report.pdf")
    warnings = [w for w in check(plan).warnings if UNTAGGED in w.message]
    assert len(warnings) == 1
    assert "audit-progress-report.pdf" in warnings[0].message
    assert str(warnings[0].where).startswith(str(plan / "external-audit" / "paper.yaml") + ":")


def test_the_example_attached_pdf_is_tagged_and_warned_of_by_nothing():
    with pikepdf.open(COUNCIL / "external-audit" / "audit-progress-report.pdf") as pdf:
        assert is_tagged(pdf)
    assert not [w for w in check(COUNCIL).warnings if UNTAGGED in w.message]


def test_an_attached_word_table_without_a_header_row_is_warned_of_at_its_line(tmp_path):
    plan = tmp_path / COUNCIL.name
    shutil.copytree(COUNCIL, plan)
    assert not [w for w in check(plan).warnings if "header row" in w.message]  # the example's table has one
    policy = plan / "governance" / "counter-fraud-policy.docx"
    doc = Document(str(policy))
    for table in doc.tables:
        for header in table.rows[0]._tr.iter(qn("w:tblHeader")):
            header.getparent().remove(header)
    doc.add_table(rows=2, cols=2)
    doc.save(str(policy))
    warnings = [w for w in check(plan).warnings if NO_HEADER.format(n=2) in w.message]
    assert len(warnings) == 1
    assert str(warnings[0].where).startswith(str(plan / "governance" / "paper.yaml") + ":")


def test_a_pack_with_an_untagged_part_does_not_claim_pdfua(tmp_path):
    tagged = COUNCIL / "external-audit" / "audit-progress-report.pdf"
    untagged = _untagged_pdf(tmp_path / "scan.pdf")
    for parts, claims in (([tagged], True), ([tagged, untagged], False)):
        out = tmp_path / "pack.pdf"
        assemble([Part(p, "x", title=f"part {i}") for i, p in enumerate(parts)], out, PackInfo("Pack", "s", "a"))
        with pikepdf.open(out) as pack:
            assert bool(XMP_PART.search(str(pack.open_metadata()))) is claims
            assert pack.pdf_version >= "1.6"
            assert section_titles(pack) == ["part 0"]  # the untagged part has no structure to title


def test_the_merged_role_map_maps_no_standard_type_and_nothing_to_a_custom_one():
    merged = pikepdf.Dictionary(
        {
            "/H1": pikepdf.Name.H1,  # LibreOffice maps standard types to themselves
            "/Table": pikepdf.Name.Table,
            "/Text body": pikepdf.Name.P,
            "/Quote Block": pikepdf.Name("/Text body"),  # a chain, to its end
            "/Loop": pikepdf.Name("/Loop"),
            "/Odd": pikepdf.Name("/Nowhere"),
        }
    )
    assert dict(_role_map(merged)) == {
        "/Text body": pikepdf.Name.P,
        "/Quote Block": pikepdf.Name.P,
        "/Loop": pikepdf.Name.Span,
        "/Odd": pikepdf.Name.Span,
    }
