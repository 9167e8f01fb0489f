"""Write the input files of the second example meeting: Kingsmere's Audit and Governance Committee, 14 March 2018.

The London Borough of Kingsmere, its officers and its external auditor (Harwood Ashby LLP) are fictional.
This script writes, deterministically (fixed dates inside the files and in the zip entries):

- ``internal-audit-progress/recommendations.xlsx``: the restricted appendix of management actions (sheets
  ``Actions`` and ``Previous``), the way an internal audit team keeps its follow-up register;
- ``internal-audit-progress/audit-plan.xlsx``: the "Audit Plan 2017/18 delivery tracker" worksheet, with a
  hidden ``Notes`` column and a hidden row that must never be printed, and a ``Days remaining`` formula
  column whose value is saved with it as Excel would save it (openpyxl cannot compute a formula, so the
  script writes the value into the file's XML beside the formula);
- ``external-audit/audit-progress-report.pdf``: a two-page report from the external auditor, a tagged PDF/UA-1
  file (a Word document exported by LibreOffice, ``soffice`` on PATH);
- ``governance/counter-fraud-policy.docx``: the Counter-Fraud and Corruption Policy as a Word document.

Run ``.venv/bin/python scripts/make_council_example.py``; the generated files are committed.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pikepdf
from docx import Document
from docx.oxml.ns import qn
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from boardpack.xmp import Described, describe_pdf

PLAN = Path(__file__).resolve().parents[1] / "plans/2018-03-14-audit-governance"
STAMP = (2018, 3, 1, 9, 0, 0)  # every zip entry's date: the files come out byte for byte the same
D = dt.date

FIN = "Financial controls"
GOV = "Governance and risk management"
ICT = "Information and technology"
SCH = "Schools"
PRO = "Contracts and procurement"
OVERDUE = "Overdue"

# Ref, Source, Recommendation, Disposition ("" = still open)
PREVIOUS = [
    ("SEP17-A01", "Committee, September 2017, item 5", "Reconcile the payroll to the general ledger monthly.", ""),
    ("SEP17-A02", "Committee, September 2017, item 5", "Review creditor bank detail changes before payment.", ""),
    (
        "SEP17-A03",
        "Committee, September 2017, item 5",
        "Remove leavers' network accounts within five working days.",
        "",
    ),
    (
        "SEP17-A04",
        "Committee, September 2017, item 5",
        "Publish the Council's contract procedure rules on the intranet.",
        "Closed: published October 2017.",
    ),
    (
        "SEP17-A05",
        "Committee, September 2017, item 5",
        "Refresh the corporate risk register and report it quarterly to Cabinet.",
        "",
    ),
    (
        "JUL17-R01",
        "Committee, July 2017, Annual Internal Audit Report",
        "Tighten controls over school purchase cards.",
        "",
    ),
    (
        "JUL17-R02",
        "Committee, July 2017, Annual Internal Audit Report",
        "Agree a disaster recovery test of the revenues and benefits system.",
        "",
    ),
    (
        "JUL17-R03",
        "Committee, July 2017, Annual Internal Audit Report",
        "Record declarations of interest for all procurement panel members.",
        "Closed: declarations now recorded on every tender file (January 2018).",
    ),
    (
        "EA-2016-01",
        "Harwood Ashby LLP, Annual Audit Letter 2016/17",
        "Review the valuation of land and buildings annually.",
        "",
    ),
    (
        "EA-2016-02",
        "Harwood Ashby LLP, Annual Audit Letter 2016/17",
        "Strengthen the review of the Annual Governance Statement before publication.",
        "Closed: superseded by the Annual Governance Statement action plan (item 4 of this agenda).",
    ),
]

# Ref, Theme, Area (the audit report), Action, Owner, Due, Status, Progress, Previous refs
ACTIONS = [
    (
        "IAR-2017-01",
        FIN,
        "Payroll",
        "Reconcile the payroll to the general ledger each month and sign off the reconciliation.",
        "Head of Payroll",
        D(2017, 12, 31),
        "Implemented",
        "Monthly reconciliations signed off since November 2017.",
        "SEP17-A01",
    ),
    (
        "IAR-2017-02",
        FIN,
        "Payroll",
        "Check every new starter against an approved establishment post before first payment.",
        "Head of Payroll",
        D(2018, 1, 31),
        "Implemented",
        "Establishment check built into the starter form.",
        "",
    ),
    (
        "IAR-2017-03",
        FIN,
        "Payroll",
        "Review overtime claims over £500 a month with the service manager.",
        "Head of Payroll",
        D(2018, 3, 31),
        "On track",
        "Report designed; first review due end of March.",
        "",
    ),
    (
        "IAR-2017-04",
        FIN,
        "Creditor payments",
        "Confirm every change of supplier bank details by telephone to a known contact before it is made.",
        "Head of Exchequer Services",
        D(2017, 11, 30),
        "Implemented",
        "Call-back procedure in place; checked in February sample.",
        "SEP17-A02",
    ),
    (
        "IAR-2017-05",
        FIN,
        "Creditor payments",
        "Run a monthly duplicate payments report and recover any duplicates found.",
        "Head of Exchequer Services",
        D(2018, 2, 28),
        "Revised date agreed",
        "Software licence for the duplicate-checking tool delayed; new date 30 April 2018.",
        "SEP17-A02",
    ),
    (
        "IAR-2017-06",
        FIN,
        "Council tax",
        "Review single person discounts against the electoral register each year.",
        "Head of Revenues and Benefits",
        D(2018, 3, 31),
        "On track",
        "Data matching exercise under way.",
        "",
    ),
    (
        "IAR-2017-07",
        FIN,
        "Council tax",
        "Reconcile the council tax base to the valuation list each quarter.",
        "Head of Revenues and Benefits",
        D(2017, 12, 31),
        OVERDUE,
        "Quarter 3 reconciliation not yet completed.",
        "",
    ),
    (
        "IAR-2017-08",
        FIN,
        "Fixed assets",
        "Revalue a fifth of land and buildings each year, and all assets with a material change.",
        "Head of Financial Accounting",
        D(2018, 3, 31),
        "On track",
        "Valuer instructed for the 2017/18 programme.",
        "EA-2016-01",
    ),
    (
        "IAR-2017-09",
        FIN,
        "Treasury management",
        "Have a second officer authorise every treasury deal over £1 million.",
        "Head of Financial Accounting",
        D(2017, 10, 31),
        "Implemented",
        "Dual authorisation enforced in the banking system.",
        "",
    ),
    (
        "IAR-2017-10",
        GOV,
        "Risk management",
        "Refresh the corporate risk register and report it to Cabinet every quarter.",
        "Head of Audit and Risk",
        D(2018, 1, 31),
        "Implemented",
        "Refreshed register taken to Cabinet in January 2018.",
        "SEP17-A05",
    ),
    (
        "IAR-2017-11",
        GOV,
        "Risk management",
        "Train every directorate risk champion in the revised risk methodology.",
        "Head of Audit and Risk",
        D(2018, 4, 30),
        "On track",
        "Four of six directorates trained.",
        "SEP17-A05",
    ),
    (
        "IAR-2017-12",
        GOV,
        "Decision making",
        "Publish all key decisions on the forward plan 28 days ahead.",
        "Head of Democratic Services",
        D(2017, 12, 31),
        "Implemented",
        "Forward plan now published monthly.",
        "",
    ),
    (
        "IAR-2017-13",
        GOV,
        "Declarations of interest",
        "Collect annual declarations of interest from all senior officers.",
        "Monitoring Officer",
        D(2018, 3, 31),
        "Revised date agreed",
        "Return rate 78%; reminders issued; new date 31 May 2018.",
        "JUL17-R03",
    ),
    (
        "IAR-2017-14",
        GOV,
        "Whistleblowing",
        "Publish the revised whistleblowing policy and report concerns raised to this Committee.",
        "Monitoring Officer",
        D(2018, 6, 30),
        "On track",
        "Draft policy with the trade unions.",
        "",
    ),
    (
        "IAR-2017-15",
        GOV,
        "Partnerships",
        "Keep a register of significant partnerships with their governance arrangements.",
        "Head of Strategy",
        D(2018, 1, 31),
        OVERDUE,
        "Register started; governance details missing for half the partnerships.",
        "",
    ),
    (
        "IAR-2017-16",
        ICT,
        "Access management",
        "Remove leavers' network accounts within five working days of leaving.",
        "Head of ICT",
        D(2017, 12, 31),
        OVERDUE,
        "Automated feed from HR delayed by the system upgrade.",
        "SEP17-A03",
    ),
    (
        "IAR-2017-17",
        ICT,
        "Access management",
        "Review privileged user accounts every quarter.",
        "Head of ICT",
        D(2018, 3, 31),
        "On track",
        "First quarterly review completed in January.",
        "SEP17-A03",
    ),
    (
        "IAR-2017-18",
        ICT,
        "Disaster recovery",
        "Test the recovery of the revenues and benefits system from backup.",
        "Head of ICT",
        D(2018, 2, 28),
        "Revised date agreed",
        "Test rescheduled to May 2018 to avoid annual billing.",
        "JUL17-R02",
    ),
    (
        "IAR-2017-19",
        ICT,
        "Disaster recovery",
        "Agree recovery time objectives with each service for its critical systems.",
        "Head of ICT",
        D(2018, 6, 30),
        "On track",
        "Objectives agreed for 9 of 14 systems.",
        "JUL17-R02",
    ),
    (
        "IAR-2017-20",
        ICT,
        "Data protection",
        "Complete the record of processing activities for the General Data Protection Regulation.",
        "Information Governance Manager",
        D(2018, 5, 25),
        "On track",
        "Record 70% complete.",
        "",
    ),
    (
        "IAR-2017-21",
        ICT,
        "Data protection",
        "Train all staff who handle personal data before 25 May 2018.",
        "Information Governance Manager",
        D(2018, 5, 25),
        "On track",
        "E-learning launched; 55% complete.",
        "",
    ),
    (
        "IAR-2017-22",
        SCH,
        "Purchase cards",
        "Set a monthly limit on every school purchase card and review statements monthly.",
        "Head of Schools Finance",
        D(2018, 1, 31),
        "Implemented",
        "Limits set; statement reviews evidenced in all sampled schools.",
        "JUL17-R01",
    ),
    (
        "IAR-2017-23",
        SCH,
        "Purchase cards",
        "Withdraw purchase cards not used for six months.",
        "Head of Schools Finance",
        D(2018, 3, 31),
        "On track",
        "Twelve unused cards identified and withdrawn.",
        "JUL17-R01",
    ),
    (
        "IAR-2017-24",
        SCH,
        "School funds",
        "Have every school fund audited annually and the certificate sent to the Council.",
        "Head of Schools Finance",
        D(2017, 12, 31),
        OVERDUE,
        "Certificates outstanding from seven schools.",
        "",
    ),
    (
        "IAR-2017-25",
        SCH,
        "Schools Financial Value Standard",
        "Follow up schools that did not return the Schools Financial Value Standard.",
        "Head of Schools Finance",
        D(2018, 3, 31),
        "On track",
        "Two of three schools have now returned it.",
        "",
    ),
    (
        "IAR-2017-26",
        PRO,
        "Contract management",
        "Name a contract manager for every contract over £100,000 in the contracts register.",
        "Head of Procurement",
        D(2017, 12, 31),
        "Implemented",
        "All contracts over £100,000 now have a named manager.",
        "SEP17-A04",
    ),
    (
        "IAR-2017-27",
        PRO,
        "Contract management",
        "Hold quarterly performance meetings with suppliers of contracts over £500,000.",
        "Head of Procurement",
        D(2018, 3, 31),
        "Revised date agreed",
        "Meetings held for 6 of 11 contracts; new date 30 June 2018.",
        "",
    ),
    (
        "IAR-2017-28",
        PRO,
        "Waivers",
        "Report every waiver of the contract procedure rules to this Committee twice a year.",
        "Head of Procurement",
        D(2018, 3, 14),
        "Implemented",
        "First report appended to the internal audit progress report.",
        "",
    ),
    (
        "IAR-2017-29",
        PRO,
        "Waivers",
        "Require the Chief Finance Officer's approval for waivers over £50,000.",
        "Head of Procurement",
        D(2018, 4, 30),
        "On track",
        "Change to the contract procedure rules goes to Council in April.",
        "",
    ),
    (
        "IAR-2017-30",
        PRO,
        "Tendering",
        "Open tenders only on the e-tendering system, with two officers present.",
        "Head of Procurement",
        D(2017, 11, 30),
        "Implemented",
        "E-tendering mandatory since November 2017.",
        "JUL17-R03",
    ),
]

ACTION_HEADER = ("Ref", "Theme", "Area", "Action", "Owner", "Due", "Status", "Progress", "Previous refs")
PREVIOUS_HEADER = ("Ref", "Source", "Recommendation", "Disposition")

# The delivery tracker: Audit, Quarter, Planned days, Days used, Status, Assurance, Report issued, % complete, Notes
TRACKER_HEADER = (
    "Audit",
    "Quarter",
    "Planned days",
    "Days used",
    "Days remaining",
    "Status",
    "Assurance",
    "Report issued",
    "% complete",
    "Notes",
)
TRACKER = [
    ("Payroll", "Q1", 15, 16.5, "Final report", "Reasonable", D(2017, 7, 21), 1, "Auditor off sick two weeks"),
    ("Creditor payments", "Q1", 12, 12, "Final report", "Limited", D(2017, 8, 4), 1, "Manager disputed rating"),
    ("Council tax", "Q2", 10, 9.5, "Final report", "Reasonable", D(2017, 10, 13), 1, ""),
    ("Risk management", "Q2", 8, 8, "Final report", "Reasonable", D(2017, 11, 2), 1, ""),
    ("ICT access management", "Q2", 12, 14, "Final report", "Limited", D(2017, 12, 8), 1, "Scope widened"),
    ("School purchase cards", "Q3", 10, 10, "Final report", "Limited", D(2018, 1, 19), 1, ""),
    ("Contract management", "Q3", 15, 13, "Draft report", "Reasonable", None, 0.9, "Awaiting response"),
    ("Treasury management", "Q3", 6, 6, "Final report", "Substantial", D(2018, 2, 9), 1, ""),
    ("Disaster recovery", "Q3", 10, 4, "Fieldwork", "", None, 0.4, "Delayed by system upgrade"),
    ("Schools Financial Value Standard", "Q4", 8, 2, "Planning", "", None, 0.2, ""),
    ("Data protection readiness", "Q4", 12, 5, "Fieldwork", "", None, 0.35, ""),
    ("Fixed assets", "Q4", 8, 0, "Not started", "", None, 0, "May defer to 2018/19"),
]
NOTES_SECRET = "Head of ICT asked us to soften the wording"  # in the hidden Notes column: never printed
HIDDEN_ROW = ("Mayor's charity account", "Q2", 3, 1, "Cancelled", "", None, 0, "Cancelled at the Mayor's request")


def main() -> int:
    """Write the four files."""
    write_actions(PLAN / "internal-audit-progress" / "recommendations.xlsx")
    write_tracker(PLAN / "internal-audit-progress" / "audit-plan.xlsx")
    write_auditor_pdf(PLAN / "external-audit" / "audit-progress-report.pdf")
    write_policy_docx(PLAN / "governance" / "counter-fraud-policy.docx")
    return 0


def write_actions(out: Path) -> None:
    """The register of management actions and the earlier recommendations they answer."""
    book = Workbook()
    actions = book.active
    actions.title = "Actions"
    _sheet(actions, ACTION_HEADER, ACTIONS, widths=(13, 28, 22, 60, 28, 12, 18, 50, 22))
    for row in actions.iter_rows(min_row=2, min_col=6, max_col=6):
        row[0].number_format = "DD/MM/YYYY"
    _sheet(book.create_sheet("Previous"), PREVIOUS_HEADER, PREVIOUS, widths=(12, 45, 60, 50))
    _save(book, out, "Kingsmere Internal Audit")
    print(f"wrote {out} ({len(ACTIONS)} actions, {len(PREVIOUS)} earlier recommendations)")


def write_tracker(out: Path) -> None:
    """The audit plan delivery tracker, with a hidden column, a hidden row and a saved formula."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Tracker"
    rows = [*TRACKER[:4], HIDDEN_ROW, *TRACKER[4:]]
    notes = {row[0]: row[-1] for row in rows}
    notes["ICT access management"] = NOTES_SECRET
    sheet.append(TRACKER_HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9D9D9")
    saved = {}
    for number, (audit, quarter, planned, used, status, assurance, issued, done, _) in enumerate(rows, start=2):
        sheet.append([audit, quarter, planned, used, f"=C{number}-D{number}", status, assurance, issued, done])
        sheet.cell(number, 10, notes[audit] or None)
        saved[f"E{number}"] = planned - used
        sheet.cell(number, 3).number_format = "0"
        sheet.cell(number, 4).number_format = "0.0"
        sheet.cell(number, 5).number_format = "0.0"
        sheet.cell(number, 8).number_format = "dd/mm/yyyy"
        sheet.cell(number, 9).number_format = "0%"
    sheet.row_dimensions[rows.index(HIDDEN_ROW) + 2].hidden = True
    sheet.column_dimensions["J"].hidden = True
    for column, width in zip("ABCDEFGHIJ", (32, 9, 13, 11, 15, 14, 13, 14, 11, 40), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    summary = book.create_sheet("Summary")
    summary.append(("Planned days in total", sum(r[2] for r in TRACKER)))
    _save(book, out, "Kingsmere Internal Audit", saved_values={"xl/worksheets/sheet1.xml": saved})
    print(f"wrote {out} ({len(TRACKER)} audits shown, one row and the Notes column hidden)")


def write_auditor_pdf(out: Path) -> None:
    """A two-page report from the external auditor, as the firm would send it: a tagged PDF/UA-1 file.

    Written as a Word document and exported by LibreOffice with "UseTaggedPDF" and "PDFUACompliance"
    (what a firm that sends accessible reports does); the dates and the random document IDs are taken
    out afterwards so that the file comes out byte for byte the same each time.
    """
    doc = Document()
    _language(doc, "en-GB")
    doc.add_heading(
        "Audit Progress Report and Sector Update", level=1
    )  # "Title" has a border LibreOffice leaves untagged
    doc.add_paragraph("Harwood Ashby LLP, for the London Borough of Kingsmere")
    doc.add_paragraph("Audit and Governance Committee, 14 March 2018")
    for number, (heading, lines) in enumerate(AUDITOR_SECTIONS, start=1):
        # A page break in a paragraph of its own would leave an empty /P in the structure tree.
        doc.add_heading(f"{number}. {heading}", level=2).paragraph_format.page_break_before = number == 3
        for line in lines:
            doc.add_paragraph(line)
    doc.add_paragraph().add_run("Paul Whitcombe, Engagement Lead, Harwood Ashby LLP").italic = True
    footer = doc.sections[0].footer.paragraphs[0]
    footer.add_run("Harwood Ashby LLP | Page ")
    _field(footer, "PAGE", "1")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES", "2")
    props = doc.core_properties
    props.title, props.author = "Audit Progress Report and Sector Update", "Harwood Ashby LLP"
    props.language = "en-GB"
    props.created = props.modified = dt.datetime(2018, 3, 1, 9, 0, 0)
    with tempfile.TemporaryDirectory() as tmp:
        docx = Path(tmp) / out.with_suffix(".docx").name
        doc.save(str(docx))
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation={(Path(tmp) / 'profile').as_uri()}",
                "--headless",
                "--convert-to",
                PDF_UA_FILTER,
                "--outdir",
                tmp,
                str(docx),
            ],
            check=True,
            capture_output=True,
        )
        _deterministic(docx.with_suffix(".pdf"), out)
    print(f"wrote {out} (tagged, PDF/UA-1)")


PDF_UA_FILTER = (
    'pdf:writer_pdf_Export:{"UseTaggedPDF":{"type":"boolean","value":"true"},'
    '"PDFUACompliance":{"type":"boolean","value":"true"}}'
)

AUDITOR_SECTIONS = [
    (
        "Introduction",
        [
            "This paper provides the Committee with a report on progress in delivering our responsibilities as "
            "your external auditors for the year ending 31 March 2018.",
        ],
    ),
    (
        "Progress at March 2018",
        [
            "Our interim audit visit took place in February 2018 and no significant weaknesses in the design of "
            "key financial controls were identified.",
            "We will issue our opinion on the financial statements by 31 July 2018.",
        ],
    ),
    (
        "Value for money",
        [
            "Our risk assessment identified one significant risk: the delivery of the savings in the Medium Term "
            "Financial Strategy to 2020/21.",
        ],
    ),
    (
        "Sector update",
        [
            "From 2018/19 the deadline for publishing audited accounts moves to 31 July.",
            "Authorities should plan their closedown timetable accordingly.",
        ],
    ),
]


def _language(doc, language: str) -> None:
    """Make *language* every run's language, in the document defaults and in each style that names one."""
    styles = doc.styles.element
    for lang in styles.iter(qn("w:lang")):
        lang.set(qn("w:val"), language)
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if rpr.find(qn("w:lang")) is None:
        lang = rpr.makeelement(qn("w:lang"), {qn("w:val"): language})
        rpr.append(lang)


def _field(paragraph, instruction: str, shown: str) -> None:
    """Append a simple field (PAGE, NUMPAGES) showing *shown* until Word or LibreOffice updates it."""
    field = paragraph._p.makeelement(qn("w:fldSimple"), {qn("w:instr"): instruction})
    run = paragraph.add_run(shown)._r
    paragraph._p.remove(run)
    field.append(run)
    paragraph._p.append(field)


def _deterministic(pdf: Path, out: Path) -> None:
    """Copy *pdf* to *out* without its dates, checksum and random IDs (the XMP rewritten to say the rest)."""
    with pikepdf.open(pdf) as doc:
        for key in ("/CreationDate", "/ModDate"):
            if key in doc.docinfo:
                del doc.docinfo[key]
        for key in ("/DocChecksum", "/ID"):  # a digest of the file with its dates; a random ID QPDF would keep
            if key in doc.trailer:
                del doc.trailer[key]
        about = Described(
            str(doc.docinfo.get("/Title", "")),
            str(doc.Root.get("/Lang", "en-GB")),
            author=str(doc.docinfo.get("/Author", "")),
            creator=str(doc.docinfo.get("/Creator", "")),
        )
        describe_pdf(doc, about)
        doc.save(out, deterministic_id=True, min_version=doc.pdf_version)


def write_policy_docx(out: Path) -> None:
    """The Counter-Fraud and Corruption Policy, as the anti-fraud team keeps it in Word."""
    doc = Document()
    doc.add_heading("Counter-Fraud and Corruption Policy", level=1)
    doc.add_paragraph("London Borough of Kingsmere, version 3.0, March 2018")
    doc.add_heading("1. Our commitment", level=2)
    doc.add_paragraph(
        "The Council has a zero tolerance approach to fraud, bribery and corruption. Every member and employee "
        "is expected to act with integrity and to report any suspicion of fraud without delay."
    )
    doc.add_heading("2. Reporting a concern", level=2)
    doc.add_paragraph("Concerns can be reported in confidence to:")
    for line in (
        "your line manager or the Head of Audit and Risk;",
        "the Corporate Anti-Fraud Team fraud hotline, 020 7946 0000; or",
        "the Monitoring Officer, under the Whistleblowing Policy.",
    ):
        doc.add_paragraph(line, style="List Bullet")
    doc.add_heading("3. Responsibilities", level=2)
    table = doc.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Who", "Responsibility"
    # Its author marked the first row "Repeat as header row", as an accessible Word table needs.
    table.rows[0]._tr.get_or_add_trPr().append(table.rows[0]._tr.makeelement(qn("w:tblHeader"), {}))
    for who, what in (
        ("Audit and Governance Committee", "Reviews this policy every two years"),
        ("Chief Finance Officer", "Owns the policy as the section 151 officer"),
        ("Corporate Anti-Fraud Team", "Investigates suspected fraud and recovers losses"),
    ):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = who, what
    doc.add_heading("4. Sanctions and redress", level=2)
    doc.add_paragraph(
        "Where fraud is proven the Council will seek the strongest available sanction, including prosecution, "
        "and will always seek to recover its losses."
    )
    props = doc.core_properties
    props.author, props.last_modified_by = "Corporate Anti-Fraud Team", "Corporate Anti-Fraud Team"
    props.title = "Counter-Fraud and Corruption Policy v3.0 DRAFT"
    props.created = props.modified = dt.datetime(2018, 2, 20, 9, 0, 0)
    props.revision = 3
    buffer = io.BytesIO()
    doc.save(buffer)
    _write_zip(buffer.getvalue(), out)
    print(f"wrote {out}")


def _sheet(sheet, header, rows, widths) -> None:
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9D9D9")
    for row in rows:
        sheet.append(row)
    for column, width in zip("ABCDEFGHI", widths, strict=False):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"


def _save(book: Workbook, out: Path, creator: str, saved_values: dict[str, dict[str, float]] | None = None) -> None:
    """Save *book* to *out*, with fixed dates; *saved_values* gives formula cells the value Excel would save."""
    book.properties.creator = book.properties.lastModifiedBy = creator
    book.properties.created = book.properties.modified = dt.datetime(2018, 3, 1, 9, 0, 0)
    buffer = io.BytesIO()
    book.save(buffer)
    _write_zip(buffer.getvalue(), out, saved_values or {})


def _write_zip(data: bytes, out: Path, saved_values: dict[str, dict[str, float]] | None = None) -> None:
    """Rewrite the zip *data* to *out* with every entry dated STAMP, patching in saved formula values."""
    saved_values = saved_values or {}
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename in saved_values:
                content = _with_saved_values(content.decode("utf-8"), saved_values[info.filename]).encode("utf-8")
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" with the time of saving
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2018-03-01T09:00:00Z", content)
            target.writestr(zipfile.ZipInfo(info.filename, date_time=STAMP), content, zipfile.ZIP_DEFLATED)


def _with_saved_values(xml: str, values: dict[str, float]) -> str:
    """Give each formula cell in the sheet *xml* its value, as Excel saves it: ``<f>C2-D2</f><v>-1.5</v>``."""

    def patch(match: re.Match) -> str:
        return f"{match.group(1)}<v>{values[match.group(2)]:g}</v></c>"

    patched, count = re.subn(r'(<c r="([A-Z]+[0-9]+)"[^>]*><f>[^<]*</f>)<v\s*/?>(?:</v>)?</c>', patch, xml)
    if count != len(values):
        raise SystemExit(f"expected {len(values)} formula cells, found {count}")
    return patched


if __name__ == "__main__":
    sys.exit(main())
