"""The model: frozen dataclasses that every stage after loading works on.

Raw YAML never gets past ``load``; these classes are the schema. The docstring under each field is
what the README documents for the author (a test keeps the two in step). Every object remembers the
``Location`` it came from so that later stages can name the file and line of a problem.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..errors import CellLocation, Location
from .wording import Wording


def doc(text: str, **kwargs):  # noqa: ANN201 - a dataclass field
    """Declare a field with its documentation for the plan author."""
    return field(metadata={"doc": text}, **kwargs)


@dataclass(frozen=True)
class Paragraph:
    """A numbered paragraph (1.1, 1.2 …)."""

    text: str = doc("The paragraph's words. Refer to other parts with `[[label]]`.")
    label: str | None = doc("A name other text can refer to, e.g. `attached at [[gip]]`.", default=None)
    items: tuple[str, ...] = doc("Sub-items printed under the paragraph, one per entry.", default=())
    item_style: str = doc("`bullets` (default) or `letters` for (a), (b) …", default="bullets")
    loc: Location = field(default=Location(__file__), compare=False)
    text_loc: Location = field(default=Location(__file__), compare=False)


@dataclass(frozen=True)
class Subheading:
    """A sub-heading inside a section; paragraph numbers carry on across it."""

    subheading: str = doc("The sub-heading's words, e.g. `Key Areas are Summarised Below:`.")
    loc: Location = field(default=Location(__file__), compare=False)


@dataclass(frozen=True)
class StatusSummary:
    """Where the covering report shows an action plan's progress: a table and a chart."""

    status_summary: str = doc("The label of the appendix whose actions are summarised, e.g. `gip`.")
    loc: Location = field(default=Location(__file__), compare=False)


Block = Paragraph | Subheading | StatusSummary


@dataclass(frozen=True)
class Section:
    """A numbered section (1., 2. …) of the report."""

    heading: str = doc("The section heading, e.g. `Financial Implications`.")
    label: str | None = doc("A name other text can refer to: `[[label]]` prints `section 3`.", default=None)
    text: tuple[str, ...] = doc(
        "Unnumbered text printed under the heading; a blank line starts a new paragraph.", default=()
    )
    paragraphs: tuple[Block, ...] = doc(
        "Numbered paragraphs: each is either plain text, or has `text` (and optionally `label`, "
        "`items`, `item_style`), or is a `subheading`.",
        default=(),
    )
    loc: Location = field(default=Location(__file__), compare=False)
    text_loc: Location = field(default=Location(__file__), compare=False)


@dataclass(frozen=True)
class LeadList:
    """A list printed as a real list, under an optional lead-in: recommendations, background papers."""

    items: tuple[str, ...] = doc("The entries, one per line starting with `- `.")
    lead_in: str | None = doc("A line printed before the list, e.g. `The Committee is recommended to:`.", default=None)
    item_style: str = doc("`bullets` (default) or `letters` for (a), (b) …", default="bullets")
    loc: Location = field(default=Location(__file__), compare=False)


@dataclass(frozen=True)
class Summary:
    """The Report Summary block at the top of the report."""

    purpose: tuple[str, ...] = doc("Overall Summary of the Purpose of the Report.")
    key_considerations: tuple[str, ...] = doc("Key Considerations for the Panel.")
    interdependencies: tuple[str, ...] = doc("Interdependencies/Cross Cutting Issues.")
    recommendations: tuple[str, ...] | LeadList = doc(
        "Recommendations: text, or a list (printed as a list), or `lead_in` and `items` (see LeadList)."
    )
    loc: Location = field(default=Location(__file__), compare=False)
    where: dict[str, Location] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Contact:
    """The Contact Details section, written after the author's sections."""

    author: str = doc("Name and role, printed after `Report author:`.")
    email: str | None = doc("Printed after `Email:`.", default=None)
    phone: str | None = doc("Printed after `Telephone:`.", default=None)
    loc: Location = field(default=Location(__file__), compare=False)


@dataclass(frozen=True)
class Status:
    """A status an action can have, with its RAG colour."""

    name: str = doc("The status as the workbook's `Status` column writes it, e.g. `On track`.")
    colour: str = doc("`blue`, `green`, `amber`, `red`, `grey` or a hex colour such as `#92D050`.")
    loc: Location = field(default=Location(__file__), compare=False)

    @property
    def fill(self) -> str:
        """Return the colour as six hex digits for a cell's shading."""
        return RAG_COLOURS.get(self.colour.lower(), self.colour.lstrip("#")).upper()


RAG_COLOURS = {"blue": "8DB4E2", "green": "92D050", "amber": "FFC000", "red": "FF6B6B", "grey": "BFBFBF"}
DEFAULT_STATUSES = (
    Status("Complete", "blue"),
    Status("On track", "green"),
    Status("Some slippage", "amber"),
    Status("Off track", "red"),
)


@dataclass(frozen=True)
class ActionsSource:
    """An appendix built from a workbook of actions (sheets `Actions` and `Previous`)."""

    workbook: str = doc("The workbook's file name, beside `paper.yaml`, e.g. `appendix.xlsx`.")
    themes: tuple[str, ...] = doc("The themes the `Theme` column may name, in the order the appendix prints them.")
    statuses: tuple[Status, ...] = doc(
        "The statuses the `Status` column may name, each with `name` and `colour` (default: Complete blue, "
        "On track green, Some slippage amber, Off track red).",
        default=DEFAULT_STATUSES,
    )
    owners: tuple[str, ...] = doc("If given, the only owners the `Owner` column may name.", default=())
    loc: Location = field(default=Location(__file__), compare=False)


@dataclass(frozen=True)
class AttachedFile:
    """An appendix that is an existing document: a PDF attached as it is, or a Word document converted."""

    file: str = doc(
        "A `.pdf` or `.docx` beside `paper.yaml`: a PDF's pages go in as they are, stamped with the "
        "appendix's marking and number; a Word document is converted with the papers, under the "
        "appendix's heading and marking."
    )
    loc: Location = field(default=Location(__file__), compare=False)

    @property
    def is_pdf(self) -> bool:
        """Return True for a PDF, False for a Word document."""
        return self.file.lower().endswith(".pdf")


@dataclass(frozen=True)
class SheetTable:
    """An appendix that is a plain table kept in a worksheet: the first row is the header."""

    workbook: str = doc("The workbook's file name, beside `paper.yaml`, e.g. `tracker.xlsx`.")
    sheet: str = doc("The worksheet whose table is printed, e.g. `Tracker`.")
    loc: Location = field(default=Location(__file__), compare=False)


@dataclass(frozen=True)
class Written:
    """An appendix written out in the plan, in sections like the report's, numbered within the appendix."""

    sections: tuple[Section, ...]
    loc: Location = field(default=Location(__file__), compare=False)


AppendixSource = ActionsSource | AttachedFile | SheetTable | Written


@dataclass(frozen=True)
class Appendix:
    """An appendix to the report, numbered 1, 2 … in the order listed; exactly one of `actions`, `file`,
    `table` or `sections` says what it is."""

    title: str = doc("The appendix title, e.g. `Governance Improvement Plan`.")
    label: str | None = doc("A name other text can refer to: `[[label]]` prints `Appendix 1`.", default=None)
    restricted: bool = doc("`true` if the appendix is not for publication.", default=False)
    reason: str | None = doc(
        "Why a restricted appendix is exempt from publication; required when `restricted`.", default=None
    )
    marking: str | None = doc(
        "Protective marking of the appendix (default: `OFFICIAL-SENSITIVE` if restricted, else the paper's).",
        default=None,
    )
    actions: ActionsSource | None = doc("Build the appendix from a workbook of actions.", default=None)
    file: str | None = doc(
        "Attach an existing document beside `paper.yaml`: `NAME.pdf` (its pages as they are, stamped) or "
        "`NAME.docx` (converted with the papers, under the appendix heading and marking).",
        default=None,
    )
    table: SheetTable | None = doc(
        "Print a plain table from a worksheet: `{workbook: NAME.xlsx, sheet: SHEET}`.", default=None
    )
    sections: tuple[Section, ...] | None = doc(
        "Write the appendix in the plan, in sections like the report's; its paragraphs are numbered within "
        "the appendix and can be referred to.",
        default=None,
    )
    loc: Location = field(default=Location(__file__), compare=False)
    source_loc: Location = field(default=Location(__file__), compare=False)

    @property
    def source(self) -> AppendixSource:
        """Return what the appendix is made from: one of the four kinds."""
        if self.actions is not None:
            return self.actions
        if self.file is not None:
            return AttachedFile(self.file, self.source_loc)
        if self.table is not None:
            return self.table
        return Written(self.sections or (), self.source_loc)


@dataclass(frozen=True)
class Properties:
    """Document properties written into the .docx and the PDF."""

    author: str | None = doc("The document's author property (default: `report_by`).", default=None)
    subject: str | None = doc("The subject property (default: the committee and date).", default=None)
    keywords: tuple[str, ...] = doc("Keywords, as a list.", default=())
    loc: Location = field(default=Location(__file__), compare=False)


@dataclass(frozen=True)
class Paper:
    """One paper: `paper.yaml` in its own folder of the meeting."""

    title: str = doc("The paper's title, e.g. `MOPAC Governance Improvement Plan`.")
    report_by: str = doc("Printed after `Report by:`.")
    summary: Summary = doc("The Report Summary block.")
    sections: tuple[Section, ...] = doc("The numbered sections, in order.")
    contact: Contact = doc("The Contact Details section.")
    committee: str | None = doc("The committee; must match `meeting.yaml` (default: the meeting's).", default=None)
    meeting_date: dt.date | None = doc("YYYY-MM-DD; must match `meeting.yaml` (default: the meeting's).", default=None)
    marking: str = doc("Protective marking printed at the top and bottom of every page.", default="OFFICIAL")
    appendices: tuple[Appendix, ...] = doc("Appendices, numbered in the order listed.", default=())
    background_papers: LeadList = doc(
        "Background papers, listed after the appendices under a lead-in (`report.background_papers` in the "
        "wording): a list, or `lead_in` and `items` (see LeadList).",
        default=LeadList(()),
    )
    properties: Properties = doc("Document properties.", default=Properties())
    slug: str = field(default="", compare=False)
    loc: Location = field(default=Location(__file__), compare=False)


@dataclass(frozen=True)
class AgendaItem:
    """One numbered item of the meeting's agenda."""

    title: str = doc("The item's title as the agenda prints it.")
    paper: str | None = doc(
        "The folder of the item's paper, beside `meeting.yaml`; none for an oral item.", default=None
    )
    note: str | None = doc("A line printed under the title, e.g. `Oral update`.", default=None)
    restricted: bool = doc("`true` if the item's paper is not for publication (a Part 2 item).", default=False)
    reason: str | None = doc(
        "Why a restricted item is exempt from publication, e.g. `paragraph 3 of Part 1 of Schedule 12A to the "
        "Local Government Act 1972`; required when `restricted`.",
        default=None,
    )
    loc: Location = field(default=Location(__file__), compare=False)


@dataclass(frozen=True)
class Meeting:
    """A meeting: `meeting.yaml` at the top of the plan folder."""

    committee: str = doc("The committee, e.g. `Audit Panel`.")
    date: dt.date = doc("The meeting date, YYYY-MM-DD.")
    time: str | None = doc("The start time, e.g. `14:00`.", default=None)
    venue: str | None = doc("Where the meeting is held.", default=None)
    agenda: tuple[AgendaItem, ...] = doc("The agenda items, numbered 1, 2 … in order.", default=())
    author: str | None = doc(
        "The author property of the packs, e.g. the secretariat (default: the committee).", default=None
    )
    slug: str = field(default="", compare=False)
    loc: Location = field(default=Location(__file__), compare=False)


@dataclass(frozen=True)
class Action:
    """One row of the `Actions` sheet."""

    ref: str
    theme: str
    area: str
    action: str
    owner: str
    due: dt.date
    status: str
    progress: str
    previous_refs: tuple[str, ...]
    loc: CellLocation


@dataclass(frozen=True)
class PreviousItem:
    """One row of the `Previous` sheet: an earlier recommendation the plan must still answer."""

    ref: str
    source: str
    recommendation: str
    disposition: str  # "" while the item is open
    loc: CellLocation


@dataclass(frozen=True)
class ActionPlan:
    """A workbook of actions, read and checked, with the configuration that governs it."""

    source: ActionsSource
    actions: tuple[Action, ...]
    previous: tuple[PreviousItem, ...]

    def answers(self, ref: str) -> tuple[str, ...]:
        """Return the refs of the actions that carry the earlier item *ref*."""
        return tuple(a.ref for a in self.actions if ref in a.previous_refs)


@dataclass(frozen=True)
class SheetData:
    """A worksheet read as a table: its header and rows, every cell as Excel shows it."""

    source: SheetTable
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()  # per column: every value a number, so printed flush right


@dataclass(frozen=True)
class Plan:
    """A whole meeting plan: the meeting, its papers in agenda order, and their action plans."""

    meeting: Meeting
    papers: tuple[Paper, ...]
    action_plans: dict[tuple[str, int], ActionPlan] = field(default_factory=dict)  # (paper slug, appendix index)
    tables: dict[tuple[str, int], SheetData] = field(default_factory=dict)  # (paper slug, appendix index)
    wording: Wording | None = None  # the meeting's: the packs' and every paper's unless it has its own
    paper_wording: dict[str, Wording] = field(default_factory=dict)  # by paper folder, where it has its own

    def wording_of(self, slug: str) -> Wording:
        """Return the wording in force for the paper in folder *slug*."""
        wording = self.paper_wording.get(slug, self.wording)
        assert wording is not None
        return wording


SCHEMA = (
    Meeting,
    AgendaItem,
    Paper,
    Summary,
    LeadList,
    Section,
    Paragraph,
    Subheading,
    StatusSummary,
    Contact,
    Appendix,
    ActionsSource,
    SheetTable,
    Status,
    Properties,
)


# --- After numbering: what the renderer receives -------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Something a reference can point at: its kind and the number boardpack gave it."""

    kind: str  # "section", "paragraph", "appendix" or "count"
    number: str
    loc: Location
    document: str = ""  # where it is printed: "" for the covering report, "1" for Appendix 1
    text: str = ""  # what a reference prints: "paragraph 1.4", "Appendix 2"
    elsewhere: str = ""  # what a reference from another document prints: "paragraph 1.2 of Appendix 2"


@dataclass(frozen=True)
class Item:
    """A sub-item of a numbered paragraph; *marker* is "(a)" for lettered items, "" for bullets."""

    marker: str
    text: str


@dataclass(frozen=True)
class StatusCount:
    """One row of a status summary: a theme (or "Total") and its count of actions per status."""

    theme: str
    counts: tuple[int, ...]
    total: int


@dataclass(frozen=True)
class StatusTable:
    """Actions by theme and status, for the covering report's table and chart."""

    title: str
    statuses: tuple[Status, ...]
    rows: tuple[StatusCount, ...]
    totals: StatusCount
    caption: str = ""  # "Table 1: …", in the paper's wording


@dataclass(frozen=True)
class NumberedBlock:
    """A printed block of a section: a numbered paragraph, a sub-heading, text or a status summary."""

    kind: str  # "paragraph", "subheading", "text" or "status"
    text: str
    loc: Location
    number: str = ""
    items: tuple[Item, ...] = ()
    table: StatusTable | None = None
    label: str | None = None  # the paragraph's own label, so that it cannot refer to itself
    source: str = ""  # its words (with its items) as written, before references were resolved


@dataclass(frozen=True)
class NumberedSection:
    """A section with its number and its blocks in print order."""

    number: str
    heading: str
    blocks: tuple[NumberedBlock, ...]
    loc: Location


@dataclass(frozen=True)
class NumberedAppendix:
    """An appendix with its number."""

    number: str
    appendix: Appendix
    marking: str
    heading: str  # "Appendix 1 – Title (Restricted)", in the paper's wording
    plan: ActionPlan | None = None  # an actions appendix: its workbook, read and checked
    table: SheetData | None = None  # a table appendix: its worksheet, read and formatted
    sections: tuple[NumberedSection, ...] = ()  # a written appendix: its sections, numbered


@dataclass(frozen=True)
class NumberedPaper:
    """A paper with every section, paragraph and appendix numbered and every label known."""

    paper: Paper
    summary: tuple[tuple[str, tuple[NumberedBlock, ...]], ...]
    sections: tuple[NumberedSection, ...]
    appendices: tuple[NumberedAppendix, ...]
    labels: dict[str, Target] = field(compare=False)
    wording: Wording = field(default_factory=lambda: Wording({}))
