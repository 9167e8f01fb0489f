"""The model: frozen dataclasses that every stage after loading works on.

Raw YAML never gets past ``load``; these classes are the schema. The docstring under each field is
what the README documents for the author (a test keeps the two in step). Every object remembers the
``Location`` it came from so that later stages can name the file and line of a problem.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .errors import Location


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


Block = Paragraph | Subheading


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
class Summary:
    """The Report Summary block at the top of the report."""

    purpose: tuple[str, ...] = doc("Overall Summary of the Purpose of the Report.")
    key_considerations: tuple[str, ...] = doc("Key Considerations for the Panel.")
    interdependencies: tuple[str, ...] = doc("Interdependencies/Cross Cutting Issues.")
    recommendations: tuple[str, ...] = doc("Recommendations.")
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
class Appendix:
    """An appendix to the report, numbered 1, 2 … in the order listed."""

    title: str = doc("The appendix title, e.g. `Governance Improvement Plan`.")
    label: str | None = doc("A name other text can refer to: `[[label]]` prints `Appendix 1`.", default=None)
    restricted: bool = doc("`true` if the appendix is not for publication.", default=False)
    loc: Location = field(default=Location(__file__), compare=False)


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
    background_papers: tuple[str, ...] = doc("Background papers, listed after the appendices.", default=())
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
    loc: Location = field(default=Location(__file__), compare=False)


@dataclass(frozen=True)
class Meeting:
    """A meeting: `meeting.yaml` at the top of the plan folder."""

    committee: str = doc("The committee, e.g. `Audit Panel`.")
    date: dt.date = doc("The meeting date, YYYY-MM-DD.")
    time: str | None = doc("The start time, e.g. `14:00`.", default=None)
    venue: str | None = doc("Where the meeting is held.", default=None)
    agenda: tuple[AgendaItem, ...] = doc("The agenda items, numbered 1, 2 … in order.", default=())
    slug: str = field(default="", compare=False)
    loc: Location = field(default=Location(__file__), compare=False)


@dataclass(frozen=True)
class Plan:
    """A whole meeting plan: the meeting and its papers, in agenda order."""

    meeting: Meeting
    papers: tuple[Paper, ...]


SCHEMA = (Meeting, AgendaItem, Paper, Summary, Section, Paragraph, Subheading, Contact, Appendix, Properties)


# --- After numbering: what the renderer receives -------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Something a reference can point at: its kind and the number boardpack gave it."""

    kind: str  # "section", "paragraph" or "appendix"
    number: str
    loc: Location


@dataclass(frozen=True)
class Item:
    """A sub-item of a numbered paragraph; *marker* is "(a)" for lettered items, "" for bullets."""

    marker: str
    text: str


@dataclass(frozen=True)
class NumberedBlock:
    """A printed block of a section: a numbered paragraph, a sub-heading or unnumbered text."""

    kind: str  # "paragraph", "subheading" or "text"
    text: str
    loc: Location
    number: str = ""
    items: tuple[Item, ...] = ()


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


@dataclass(frozen=True)
class NumberedPaper:
    """A paper with every section, paragraph and appendix numbered and every label known."""

    paper: Paper
    summary: tuple[tuple[str, tuple[NumberedBlock, ...]], ...]
    sections: tuple[NumberedSection, ...]
    appendices: tuple[NumberedAppendix, ...]
    labels: dict[str, Target] = field(compare=False)
