"""What each page of the HTML edition shows: a public paper, its appendices, made from the numbered model.

Plain frozen values only (no dicts: in Jinja ``b.items`` on a dict is its method); the templates
under ``templates/site/`` print them, escaped.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..appendix.actions_context import appendix_context
from ..plan.model import (
    ActionsSource,
    AttachedFile,
    Meeting,
    NumberedAppendix,
    NumberedBlock,
    NumberedPaper,
    NumberedSection,
    SheetTable,
    StatusTable,
    Target,
    Written,
)
from ..util import long_date
from .text import Run, anchor, linked

PAGE_KINDS = (ActionsSource, SheetTable, Written)  # appendices boardpack writes from data get a page


@dataclass(frozen=True)
class ItemView:
    marker: str
    runs: tuple[Run, ...]


@dataclass(frozen=True)
class TableView:
    """A status summary as a table: caption, column headers, and rows led by their theme."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]
    chart: int  # which chart of the page draws it


@dataclass(frozen=True)
class BlockView:
    kind: str
    number: str
    id: str
    runs: tuple[Run, ...]
    items: tuple[ItemView, ...] = ()
    letters: bool = False
    table: TableView | None = None


@dataclass(frozen=True)
class SectionView:
    number: str
    id: str
    heading: str
    blocks: tuple[BlockView, ...]


@dataclass(frozen=True)
class Link:
    text: str
    href: str


@dataclass(frozen=True)
class PaperPage:
    """A public paper's page, or one of its appendices' (then *sections* or *table* or *actions*)."""

    title: str
    lead: str  # "Report by: …" or the appendix's paper line
    marking: str
    summary: tuple[tuple[str, str, tuple[BlockView, ...]], ...]  # heading, id, blocks
    sections: tuple[SectionView, ...]
    files: tuple[Link, ...]
    parent: Link | None = None  # an appendix's paper
    table: tuple | None = None  # a table appendix: caption, header, rows, numeric
    actions: dict | None = None  # a public actions appendix: its context, as the .docx prints it


def appendix_links(paper: NumberedPaper, public: bool) -> dict[str, str]:
    """Return each public appendix's link from its paper's page: its page, else its PDF."""
    if not public:
        return {}
    links = {}
    for a in paper.appendices:
        if a.appendix.restricted:
            continue
        kind = type(a.appendix.source)
        links[a.number] = f"appendix-{a.number}.html" if kind in PAGE_KINDS else f"appendix-{a.number}.pdf"
    return links


class PaperPages:
    """Make the pages of one public paper from its resolved model and the model as written."""

    def __init__(self, paper: NumberedPaper, raw: NumberedPaper, meeting: Meeting):
        self.paper, self.raw, self.meeting = paper, raw, meeting
        self.links = appendix_links(paper, True)
        self.charts: list[StatusTable] = []

    def hrefs(self, document: str):
        """Return how a reference printed in *document* ("" the report, "2" Appendix 2) links."""

        def href(target: Target) -> str | None:
            if target.kind == "appendix":
                return self.links.get(target.number)
            page = self._page_of(target.document)
            if target.document == document:
                page = ""
            elif page is None or not page.endswith(".html"):
                return None
            return f"{page}#{anchor(target.kind, target.number)}"

        return href

    def _page_of(self, document: str) -> str | None:
        return "index.html" if document == "" else self.links.get(document)

    def report(self) -> PaperPage:
        src, w = self.paper.paper, self.paper.wording
        self.charts = []
        summary = tuple(
            (heading, f"summary-{i}", self._blocks(blocks, raw_blocks, ""))
            for i, ((heading, blocks), (_, raw_blocks)) in enumerate(
                zip(self.paper.summary, self.raw.summary, strict=True), 1
            )
        )
        sections = self._sections(self.paper.sections, self.raw.sections, "")
        files = (Link("report.pdf", "report.pdf"), Link("report.docx", "report.docx"))
        return PaperPage(src.title, f"{w('report.report_by')} {src.report_by}", src.marking, summary, sections, files)

    def appendix(self, appendix: NumberedAppendix, raw: NumberedAppendix) -> PaperPage:
        paper, n = self.paper, appendix.number
        self.charts = []
        date = long_date(self.meeting.date)
        lead = paper.wording(
            "appendix.paper_line", committee=self.meeting.committee, date=date, paper=paper.paper.title
        )
        files = (Link(f"appendix-{n}.pdf", f"appendix-{n}.pdf"),)
        files += (Link(f"appendix-{n}.docx", f"appendix-{n}.docx"),)
        parent = Link(paper.paper.title, "index.html")
        source = appendix.appendix.source
        page = PaperPage(appendix.heading, lead, appendix.marking, (), (), files, parent)
        if isinstance(source, Written):
            return _with(page, sections=self._sections(appendix.sections, raw.sections, n))
        if isinstance(source, SheetTable) and appendix.table is not None:
            data = appendix.table
            caption = paper.wording("appendix.table_caption", title=appendix.appendix.title)
            return _with(page, table=(caption, data.header, data.rows, data.numeric))
        return _with(page, actions=appendix_context(appendix, paper, self.meeting, date))

    def _sections(self, sections: tuple[NumberedSection, ...], raw: tuple[NumberedSection, ...], document: str):
        return tuple(
            SectionView(s.number, anchor("section", s.number), s.heading, self._blocks(s.blocks, r.blocks, document))
            for s, r in zip(sections, raw, strict=True)
        )

    def _blocks(self, blocks, raw, document: str) -> tuple[BlockView, ...]:
        return tuple(self._block(b, r, document) for b, r in zip(blocks, raw, strict=True))

    def _block(self, b: NumberedBlock, raw: NumberedBlock, document: str) -> BlockView:
        def runs(text: str, written: str) -> tuple[Run, ...]:
            return linked(written, text, self.paper.labels, self.hrefs(document), (b.label, document))

        items = tuple(ItemView(i.marker, runs(i.text, r.text)) for i, r in zip(b.items, raw.items, strict=True))
        letters = any(i.marker for i in b.items)
        ident = anchor("paragraph", b.number) if b.kind == "paragraph" else ""
        text = runs(b.text, raw.text)
        if b.kind == "text" and document == "" and b.text in self._headings():
            text = (Run(b.text, self._headings()[b.text]),)
        table = self._table(b.table) if b.table is not None else None
        return BlockView(b.kind, b.number, ident, text, items, letters, table)

    def _headings(self) -> dict[str, str]:
        """Public appendices' headings as the report's list of appendices prints them, with their links."""
        return {a.heading: self.links[a.number] for a in self.paper.appendices if a.number in self.links}

    def _table(self, table: StatusTable) -> TableView:
        w = self.paper.wording
        self.charts.append(table)
        columns = (w("report.status_theme"), *(s.name for s in table.statuses), w("report.status_total"))
        rows = tuple((r.theme, (*map(str, r.counts), str(r.total))) for r in (*table.rows, table.totals))
        return TableView(table.caption or table.title, columns, rows, len(self.charts))


def _with(page: PaperPage, **values) -> PaperPage:
    from dataclasses import replace

    return replace(page, **values)


def attached(appendix: NumberedAppendix) -> bool:
    """Whether *appendix* is an attached document (linked as its PDF, no page)."""
    return isinstance(appendix.appendix.source, AttachedFile)
