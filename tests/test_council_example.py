"""End to end, with the real LibreOffice: the second example meeting, whose papers use every appendix kind.

Kingsmere's Audit and Governance Committee (plans/2018-03-14-audit-governance) is built once; the tests read
its manifest, its packs' bookmarks and front sheets, and the text of its PDFs, and compare the figures the
papers print with the workbooks they came from.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from boardpack.pack.pdftext import page_texts
from boardpack.pipeline.builder import build

pytestmark = pytest.mark.e2e

COUNCIL = Path(__file__).resolve().parents[1] / "plans" / "2018-03-14-audit-governance"
IAP, GOV, EXT, FRAUD = "internal-audit-progress", "governance", "external-audit", "fraud-investigations"

# Each appendix: (paper, number, kind, restricted, words its first page must show)
APPENDICES = {
    "table": (IAP, 1, False, "Appendix 1 – Audit Plan 2017/18 delivery tracker"),
    "actions": (IAP, 2, True, "Appendix 2 – Internal audit management actions (Restricted)"),
    "sections": (GOV, 1, False, "Appendix 1 – Terms of Reference of the Audit and Governance Committee"),
    "docx": (GOV, 2, False, "Appendix 2 – Counter-Fraud and Corruption Policy"),
    "pdf": (EXT, 1, False, "Audit Progress Report and Sector Update"),
}
# Sentences only the restricted item and the restricted appendix hold.
RESTRICTED_TEXT = [
    "Riverside Gardens estate",
    "short-stay website for £1,650",
    "blue badge by a relative",
    "licence for the duplicate-checking tool delayed",
    "Automated feed from HR delayed by the system upgrade",
    "Trail from earlier recommendations",
]


@pytest.fixture(scope="module")
def council(tmp_path_factory) -> Path:
    """The council example built once, with the real LibreOffice."""
    out = tmp_path_factory.mktemp("council") / COUNCIL.name
    build(COUNCIL, out)
    return out


def squash(text: str) -> str:
    """Return *text* without whitespace, to compare words across line breaks."""
    return re.sub(r"\s+", "", text)


def flat(text: str) -> str:
    """Return *text* with every run of whitespace one space, to compare sentences across line breaks."""
    return " ".join(text.split())


def outline(pdf: Path) -> list[tuple[str, int, list[tuple[str, int]]]]:
    """Return the top-level bookmarks of *pdf* as (title, page index, [(child title, page index)])."""
    reader = PdfReader(pdf)
    marks: list[tuple[str, int, list[tuple[str, int]]]] = []
    for entry in reader.outline:
        if isinstance(entry, list):
            assert marks, "nested bookmarks before any agenda item"
            assert all(not isinstance(child, list) for child in entry), "nested more than one level"
            marks[-1][2].extend((child.title, reader.get_destination_page_number(child)) for child in entry)
        else:
            marks.append((entry.title, reader.get_destination_page_number(entry), []))
    return marks


def agenda_pages(front: str) -> dict[str, str]:
    """Return the page the front sheet prints for each agenda line ("3 Internal …", "Appendix 1 – …")."""
    lines = [line.strip() for line in front.splitlines()]
    pages: dict[str, str] = {}
    for index, line in enumerate(lines):
        if not re.match(r"(\d+ |Appendix \d+ – )", line):
            continue
        found = re.match(r"(.*?) (\d+|–)$", line)
        if found:
            pages[found.group(1)] = found.group(2)
            continue
        following = next(x for x in lines[index + 1 :] if re.fullmatch(r"\d+|–", x))
        pages[line] = following
    return pages


def test_every_appendix_kind_is_in_the_manifest_with_its_pdf(council):
    manifest = json.loads((council / "manifest.json").read_text(encoding="utf-8"))
    listed = {d["path"]: d for d in manifest}
    for paper, number, restricted, _ in APPENDICES.values():
        entry = listed[f"{paper}/appendix-{number}.pdf"]
        assert (entry["kind"], entry["paper"], entry["restricted"]) == ("appendix", paper, restricted)
        assert entry["pages"] == len(PdfReader(council / entry["path"]).pages) >= 1
    assert listed[f"{IAP}/appendix-2.pdf"]["marking"] == "OFFICIAL-SENSITIVE"
    # A Word appendix is converted from a .docx boardpack writes; an attached PDF is only stamped.
    assert f"{GOV}/appendix-2.docx" in listed
    assert f"{EXT}/appendix-1.docx" not in listed


def test_members_pack_bookmarks_one_per_item_with_appendices_nested(council):
    meeting = ["1. Apologies", "2. Minutes", "3. Internal Audit", "4. Annual Governance", "5. External Audit"]
    meeting += ["6. Any other", "7. Exclusion", "8. Counter-Fraud Investigations"]
    marks = outline(council / "members-pack.pdf")
    assert len(marks) == len(meeting)
    for (title, _, _), start in zip(marks, meeting, strict=True):
        assert title.startswith(start)
    children = {title.split(".")[0]: [c for c, _ in kids] for title, _, kids in marks}
    assert children["3"] == [APPENDICES["table"][3], APPENDICES["actions"][3]]
    assert children["4"] == [APPENDICES["sections"][3], APPENDICES["docx"][3]]
    assert children["5"] == ["Appendix 1 – Audit Progress Report and Sector Update, Harwood Ashby LLP"]
    assert all(not kids for number, kids in children.items() if number not in "345")


@pytest.mark.parametrize("kind", list(APPENDICES))
def test_each_appendix_bookmark_points_at_its_first_page(council, kind):
    paper, number, _, words = APPENDICES[kind]
    pages = page_texts(council / "members-pack.pdf")
    marks = {child: page for _, _, kids in outline(council / "members-pack.pdf") for child, page in kids}
    bookmark = next(title for title in marks if title.startswith(f"Appendix {number} – ") and words[:30] in title)
    text = pages[marks[bookmark]]
    assert squash(words) in squash(text)
    assert squash(page_texts(council / paper / f"appendix-{number}.pdf")[0]) in squash(text)  # + pack page no.
    if kind == "pdf":  # the auditor's own words, and the stamp boardpack adds
        assert "Our interim audit visit took place in February 2018 and no significant" in text
        assert re.search(r"\bAppendix 1\b", text.replace("Appendix 1 –", ""))
        assert "Harwood Ashby LLP | Page 1 of 2" in text
    if kind == "docx":
        assert "The Council has a zero tolerance approach to fraud" in flat(text)
    if kind == "table":
        assert "Table 1: Audit Plan 2017/18 delivery tracker" in text


def test_front_sheet_page_numbers_are_where_the_bookmarks_point(council):
    for pack in ("members-pack.pdf", "public-pack.pdf"):
        pages = page_texts(council / pack)
        printed = agenda_pages(pages[0])
        for title, page, kids in outline(council / pack):
            number, _, name = title.partition(". ")
            row = next((v for k, v in printed.items() if k.startswith(f"{number} ")), None)
            assert row is not None, f"{pack}: item {number} not on the front sheet"
            if page == 0:  # an item without a paper: no page, the bookmark points at the front sheet
                assert row == "–", f"{pack}: {title}"
                continue
            assert row == str(page + 1), f"{pack}: {title} printed at page {row}, bookmarked at {page + 1}"
            assert pages[page].rstrip().splitlines()[-1] == f"Page {page + 1}"
            for child, child_page in kids:
                heading = child.split(" (not for publication)")[0]
                row = next(v for k, v in printed.items() if k.startswith(heading))
                assert row == str(child_page + 1), f"{pack}: {child}"


def test_public_pack_withholds_the_restricted_item_and_appendix(council):
    public = page_texts(council / "public-pack.pdf")
    members = squash(" ".join(page_texts(council / "members-pack.pdf")))
    everything = squash(" ".join(public))
    for sentence in RESTRICTED_TEXT:
        assert squash(sentence) in members, sentence
        assert squash(sentence) not in everything, f"restricted text in the public pack: {sentence}"
    marks = outline(council / "public-pack.pdf")
    item8 = marks[-1]
    assert item8[0] == "8. Not for publication"
    withheld_item = flat(public[item8[1]])
    assert "Exempt information" in withheld_item  # the council's own wording (its templates/wording.yaml)
    assert "Not for publication" not in withheld_item
    assert "paragraphs 1, 2 and 7 of Part 1 of Schedule 12A to the Local Government Act 1972" in withheld_item
    (appendix_page,) = [page for _, _, kids in marks for title, page in kids if "not for publication" in title]
    withheld_appendix = flat(public[appendix_page])
    assert "Appendix 2 to item 3 is not for publication by virtue of paragraph 7 of Part 1 of Schedule 12A" in (
        withheld_appendix
    )
    assert len(public) < len(page_texts(council / "members-pack.pdf"))


def hidden_cells(workbook: Path, sheet: str) -> list[str]:
    """Return the text of every cell in a hidden row or column of the worksheet."""
    ws = openpyxl.load_workbook(workbook)[sheet]
    hidden_cols = {letter for letter, dim in ws.column_dimensions.items() if dim.hidden}
    hidden_rows = {number for number, dim in ws.row_dimensions.items() if dim.hidden}
    found = []
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            hidden = cell.column_letter in hidden_cols or cell.row in hidden_rows
            if hidden and isinstance(cell.value, str) and len(cell.value) >= 12:  # "Q2" is in a shown row too
                found.append(cell.value)
    return found


def test_table_appendix_shows_cells_as_excel_does_and_never_the_hidden_ones(council):
    text = flat(" ".join(page_texts(council / IAP / "appendix-1.pdf")))
    assert "Payroll Q1 15 16.5 -1.5 Final report Reasonable 21/07/2017 100%" in text
    assert "Contract management Q3 15 13.0 2.0 Draft report Reasonable 90%" in text
    assert "Data protection readiness Q4 12 5.0 7.0 Fieldwork 35%" in text
    assert "Fixed assets Q4 8 0.0 8.0 Not started 0%" in text
    assert "Days remaining" in text  # the formula column prints the value saved with it
    assert "Notes" not in text
    secrets = hidden_cells(COUNCIL / IAP / "audit-plan.xlsx", "Tracker")
    assert "Head of ICT asked us to soften the wording" in secrets
    assert "Mayor's charity account" in secrets
    for pdf in (council / IAP / "appendix-1.pdf", council / "public-pack.pdf", council / "members-pack.pdf"):
        everything = squash(" ".join(page_texts(pdf)))
        for secret in secrets:
            assert squash(secret) not in everything, f"hidden cell {secret!r} printed in {pdf.name}"


def test_written_appendix_numbering_and_references_resolve(council):
    appendix = flat(" ".join(page_texts(council / GOV / "appendix-1.pdf")))
    assert "2.1. The Committee has six councillors" in appendix
    assert "Governance, risk and counter-fraud 3.3. To review the Annual Governance Statement" in appendix
    assert "3.4. To review the Counter-Fraud and Corruption Policy every two years" in appendix
    # Inside the appendix a reference to its own paragraph needs no "of Appendix 1".
    assert "alongside the counter-fraud activity in paragraph 3.4." in appendix
    report = flat(" ".join(page_texts(council / GOV / "report.pdf")))
    assert "every two years (paragraph 3.4 of Appendix 1)" in report
    assert "membership is unchanged (paragraph 2.1 of Appendix 1)" in report
    assert "The revised terms of reference are attached at Appendix 1." in report
    assert "Policy is attached at Appendix 2." in report
    assert "[[" not in report and "[[" not in appendix


def test_counts_in_the_report_are_the_workbooks(council):
    ws = openpyxl.load_workbook(COUNCIL / IAP / "recommendations.xlsx")["Actions"]
    header = [cell.value for cell in ws[1]]
    status = header.index("Status")
    counts = Counter(row[status] for row in ws.iter_rows(min_row=2, values_only=True) if row[0])
    total = sum(counts.values())
    assert total == 30 and set(counts) == {"Implemented", "On track", "Revised date agreed", "Overdue"}
    report = flat(" ".join(page_texts(council / IAP / "report.pdf")))
    assert f"The register holds {total} actions" in report
    assert (
        f"Of the {total} actions, {counts['Implemented']} have been implemented and {counts['On track']} are on "
        f"track, while {counts['Revised date agreed']} have a revised date agreed with the Head of Audit and Risk "
        f"and {counts['Overdue']} are overdue." in report
    )
    assert f"limited assurance, and {counts['Overdue']} management actions are overdue" in report
    order = ("Implemented", "On track", "Revised date agreed", "Overdue")
    assert "Total " + " ".join(str(counts[s]) for s in order) + f" {total}" in report


def test_the_councils_template_folder_and_wording_are_used(council):
    report = flat(" ".join(page_texts(council / "internal-audit-progress" / "report.pdf")))
    assert "KINGSMERE" in report and "MOPAC" not in report and "METROPOLITAN" not in report
    assert "Report of:" in report and "Report by:" not in report
    assert "Key matters for the Committee" in report and "for the Panel" not in report
    front = flat(page_texts(council / "members-pack.pdf")[0])
    assert "KINGSMERE" in front and "Agenda and reports, with exempt information" in front
