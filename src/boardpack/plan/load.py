"""Load a plan folder (``meeting.yaml`` and each paper's ``paper.yaml``) into the model.

Every problem in every file is collected before anything is raised, so the author sees them all
at once. Paths resolve against the plan folder, never the working directory.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import MISSING, fields
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import Location, PlanError, Problem, Problems
from .model import (
    RAG_COLOURS,
    ActionsSource,
    AgendaItem,
    Appendix,
    Block,
    Contact,
    LeadList,
    Meeting,
    Paper,
    Paragraph,
    Plan,
    Properties,
    Section,
    SheetTable,
    Status,
    StatusSummary,
    Subheading,
    Summary,
)
from .templates import TEMPLATES_DIR, TemplateFolders
from .wording import WORDING_FILE, read_wording
from .yamlsrc import Reader, compose_file

MEETING_FILE = "meeting.yaml"
PAPER_FILE = "paper.yaml"
ITEM_STYLES = ("bullets", "letters")
LABEL = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")
HEX_COLOUR = re.compile(r"#?[0-9A-Fa-f]{6}")
# A .docx document property holds 255 characters at most (Word's limit too). Text printed in the paper as
# well (a title) goes into the properties cut short; text that is only a property must fit.
MAX_PROPERTY = 255
_PROPERTY_LIMIT = f"a document property holds at most {MAX_PROPERTY}"
# What a build writes into the output folder beside the papers' folders (lower case: some disks ignore case).
OUTPUT_NAMES = frozenset(
    {"manifest.json", "changes.json", "changes.md", ".boardpack-cache", "site"}
    | {"public-pack.pdf", "members-pack.pdf", "supplement-public.pdf", "supplement-members.pdf"}
)


def load_plan(plan_dir: Path, templates: Path | TemplateFolders = TEMPLATES_DIR) -> Plan:
    """Return the plan in *plan_dir*, or raise PlanError listing every problem found."""
    problems = Problems()
    plan = read_plan(Path(plan_dir), problems, templates)
    problems.raise_if_any()
    return plan


def read_plan(plan_dir: Path, problems: Problems, templates: Path | TemplateFolders = TEMPLATES_DIR) -> Plan:
    """Return what can be read of the plan in *plan_dir*, recording every problem in *problems*.

    What is missing or wrong is replaced by a placeholder (already reported) so that later stages can
    check the rest in the same run; raise PlanError only when there is no meeting to read at all.
    """
    meeting_path = plan_dir / MEETING_FILE
    if not plan_dir.is_dir():
        raise PlanError([_where(plan_dir, "is not a folder")])
    if not meeting_path.is_file():
        raise PlanError([_where(meeting_path, "missing: every plan folder needs a meeting.yaml")])
    meeting = _read(meeting_path, problems, read_meeting)
    if meeting is None:
        problems.raise_if_any()
    papers: list[Paper] = []
    for item in meeting.agenda if meeting else ():
        if item.paper is None:
            continue
        paper_path = plan_dir / item.paper / PAPER_FILE
        if not paper_path.is_file():
            problems.add(item.loc, f"agenda item '{item.title}': no paper at {item.paper}/{PAPER_FILE}")
            continue
        paper = _read(paper_path, problems, read_paper)
        if paper is not None:
            papers.append(paper)
    on_agenda = {item.paper for item in meeting.agenda} if meeting else set()
    for stray in sorted(p.parent.name for p in plan_dir.glob(f"*/{PAPER_FILE}")):
        if stray not in on_agenda:
            problems.warn(Location(plan_dir / stray / PAPER_FILE), "not on the agenda in meeting.yaml: not built")
    wording = read_wording(_wording_layers(plan_dir, templates), problems)
    own = {p.slug: read_wording([p.loc.file.parent / WORDING_FILE], problems, wording) for p in papers}
    own = {slug: w for slug, w in own.items() if w is not wording}
    return Plan(meeting=meeting, papers=tuple(papers), wording=wording, paper_wording=own)


def _wording_layers(plan_dir: Path, templates: Path | TemplateFolders) -> list[Path]:
    """Return the wording files that stack for a meeting: boardpack's (every phrase), the template
    folders' from the last to the first, then the meeting's own beside meeting.yaml."""
    shipped = TEMPLATES_DIR / WORDING_FILE
    folders = TemplateFolders.for_plan(plan_dir, templates).layers(WORDING_FILE)
    return [shipped, *(p for p in folders if p.resolve() != shipped.resolve()), plan_dir / WORDING_FILE]


def _where(path: Path, message: str) -> Problem:
    return Problem(Location(path), message)


def _read(path: Path, problems: Problems, reader_fn):
    try:
        node = compose_file(path)
    except PlanError as exc:
        problems.items.extend(exc.problems)
        return None
    return reader_fn(Reader(path, problems), node)


def _keys(cls) -> tuple[list[str], list[str]]:
    """Return the keys a YAML mapping for *cls* may have, and those it must have."""
    names = [f.name for f in fields(cls) if "doc" in f.metadata]
    required = [f.name for f in fields(cls) if "doc" in f.metadata and _is_required(f)]
    return names, required


def _mapping(r: Reader, node: Node, what: str, cls) -> dict[str, Node] | None:
    """Return the keys of a mapping read as a *cls*: unknown, duplicate and missing keys reported."""
    allowed, required = _keys(cls)
    return r.mapping(node, what, allowed, required)


def _is_required(f) -> bool:
    return f.default is MISSING and f.default_factory is MISSING


def read_meeting(r: Reader, node: Node) -> Meeting | None:
    """Return the meeting described by the root node of meeting.yaml."""
    keys = _mapping(r, node, "meeting", Meeting)
    if keys is None:
        return None
    values = {
        "committee": _opt(keys, "committee", r.string, "committee"),
        "date": _opt(keys, "date", r.date, "date"),
        "time": _opt(keys, "time", r.string, "time"),
        "venue": _opt(keys, "venue", r.string, "venue"),
        "author": _opt(keys, "author", _with(r, _property), "author"),
    }
    agenda = []
    for i, entry in enumerate(r.sequence(keys["agenda"], "agenda") if "agenda" in keys else ()):
        item = _agenda_item(r, entry, f"agenda[{i}]")
        if item is not None:
            agenda.append(item)
    # Placeholders stand in for missing values so that the papers are still read and their
    # problems reported too; a recorded problem stops the run before a placeholder is used.
    values = {"committee": "", "date": dt.date.min, **_clean(values)}
    return Meeting(**values, agenda=tuple(agenda), slug=r.path.parent.name, loc=r.loc(node))


def _agenda_item(r: Reader, node: Node, what: str) -> AgendaItem | None:
    keys = _mapping(r, node, what, AgendaItem)
    if keys is None:
        return None
    title = _opt(keys, "title", r.string, f"{what}.title")
    paper = _paper_folder(r, keys, what)
    note = _opt(keys, "note", r.string, f"{what}.note")
    restricted, reason = _restriction(r, node, keys, what)
    if title is None:
        return None
    return AgendaItem(title=title, paper=paper, note=note, restricted=restricted, reason=reason, loc=r.loc(node))


def _paper_folder(r: Reader, keys: dict[str, Node], what: str) -> str | None:
    """Return an agenda item's `paper`: the name of a folder beside meeting.yaml, and not one a build writes."""
    paper = _opt(keys, "paper", r.string, f"{what}.paper")
    if paper is None:
        return None
    parts = Path(paper).parts
    if Path(paper).is_absolute() or "/" in paper or parts in ((), ("..",)):
        r.error(keys["paper"], f"{what}.paper: must be the name of a folder beside meeting.yaml")
        return None
    if paper.lower() in OUTPUT_NAMES:
        r.error(keys["paper"], f"{what}.paper: '{paper}' is the name of a file a build writes: rename the folder")
        return None
    return paper


def _restriction(r: Reader, node: Node, keys: dict[str, Node], what: str) -> tuple[bool, str | None]:
    """Return `restricted` and its `reason`; a restricted item or appendix must say why."""
    restricted = _opt(keys, "restricted", r.boolean, f"{what}.restricted") or False
    reason = _opt(keys, "reason", r.string, f"{what}.reason")
    if restricted and reason is None:
        r.error(node, f"{what}: restricted, so it needs a `reason` (the exemption from publication)")
    return restricted, reason


def read_paper(r: Reader, node: Node) -> Paper | None:
    """Return the paper described by the root node of a paper.yaml."""
    keys = _mapping(r, node, "paper", Paper)
    if keys is None:
        return None
    values = {
        "title": _opt(keys, "title", r.string, "title"),
        "report_by": _opt(keys, "report_by", r.string, "report_by"),
        "committee": _opt(keys, "committee", r.string, "committee"),
        "meeting_date": _opt(keys, "meeting_date", r.date, "meeting_date"),
        "marking": _opt(keys, "marking", r.string, "marking"),
        "summary": _opt(keys, "summary", _with(r, _summary), "summary"),
        "contact": _opt(keys, "contact", _with(r, _contact), "contact"),
        "background_papers": _opt(keys, "background_papers", _with(r, _lead_list), "background_papers"),
        "properties": _opt(keys, "properties", _with(r, _properties), "properties"),
    }
    sections = _list(r, keys.get("sections"), "sections", _section)
    appendices = _list(r, keys.get("appendices"), "appendices", _appendix)
    if isinstance(keys.get("sections"), SequenceNode) and not keys["sections"].value:
        r.error(keys["sections"], "sections: a paper needs at least one section")
    # Placeholders stand in for what is missing or wrong (already reported), so that its numbering,
    # references and workbook are still checked, and their problems reported, in the same run.
    placeholders = {"title": "", "report_by": "", "summary": Summary((), (), (), ()), "contact": Contact("")}
    values = {**placeholders, **_clean(values)}
    return Paper(**values, sections=sections, appendices=appendices, slug=r.path.parent.name, loc=r.loc(node))


def _summary(r: Reader, node: Node, what: str) -> Summary | None:
    keys = _mapping(r, node, what, Summary)
    if keys is None:
        return None
    values = {k: r.text(node, f"{what}.{k}") for k, node in keys.items() if k != "recommendations"}
    if "recommendations" in keys:
        recommendations = keys["recommendations"]
        is_text = isinstance(recommendations, ScalarNode)
        read = r.text if is_text else lambda n, w: _lead_list(r, n, w)
        values["recommendations"] = read(recommendations, f"{what}.recommendations")
    if set(_keys(Summary)[1]) - {k for k, v in values.items() if v is not None}:
        return None
    return Summary(**values, loc=r.loc(node), where={k: r.loc(keys[k]) for k in values})


def _lead_list(r: Reader, node: Node, what: str) -> LeadList | None:
    """Read a list, or a mapping of `lead_in`, `items` and `item_style`."""
    lead_in, style, where = None, None, (node, what)
    if isinstance(node, MappingNode):
        keys = _mapping(r, node, what, LeadList) or {}
        lead_in = _opt(keys, "lead_in", r.string, f"{what}.lead_in")
        items = _opt(keys, "items", r.strings, f"{what}.items") or ()
        style = _opt(keys, "item_style", lambda n, w: r.choice(n, w, ITEM_STYLES), f"{what}.item_style")
        if "items" not in keys:
            return None  # reported as a missing key
        where = (keys["items"], f"{what}.items")
    else:
        items = r.strings(node, what)
    if not items:
        r.error(where[0], f"{where[1]}: the list is empty")
        return None
    return LeadList(items=items, lead_in=lead_in, item_style=style or "bullets", loc=r.loc(node))


def _contact(r: Reader, node: Node, what: str) -> Contact | None:
    keys = _mapping(r, node, what, Contact)
    if keys is None:
        return None
    values = {k: r.string(node, f"{what}.{k}") for k, node in keys.items()}
    if values.get("author") is None:
        return None
    return Contact(**_clean(values), loc=r.loc(node))


def _properties(r: Reader, node: Node, what: str) -> Properties | None:
    keys = _mapping(r, node, what, Properties)
    if keys is None:
        return None
    values = {
        "author": _opt(keys, "author", _with(r, _property), f"{what}.author"),
        "subject": _opt(keys, "subject", _with(r, _property), f"{what}.subject"),
        "keywords": _opt(keys, "keywords", r.strings, f"{what}.keywords"),
    }
    joined = len(", ".join(values["keywords"] or ()))
    if joined > MAX_PROPERTY:
        r.error(keys["keywords"], f"{what}.keywords: {joined} characters together; {_PROPERTY_LIMIT}")
        values["keywords"] = None
    return Properties(**_clean(values), loc=r.loc(node))


def _property(r: Reader, node: Node, what: str) -> str | None:
    """Return text that is only ever a document property, which holds at most MAX_PROPERTY characters."""
    text = r.string(node, what)
    if text is not None and len(text) > MAX_PROPERTY:
        r.error(node, f"{what}: {len(text)} characters; {_PROPERTY_LIMIT}")
        return None
    return text


def _section(r: Reader, node: Node, what: str) -> Section | None:
    keys = _mapping(r, node, what, Section)
    if keys is None:
        return None
    heading = _opt(keys, "heading", r.string, f"{what}.heading")
    label = _label(r, keys.get("label"), f"{what}.label")
    text = _opt(keys, "text", r.text, f"{what}.text")
    blocks = _list(r, keys.get("paragraphs"), f"{what}.paragraphs", _block)
    if "text" not in keys and "paragraphs" not in keys:
        r.error(node, f"{what}: a section needs `text` or `paragraphs`")
    if heading is None:
        return None
    text_loc = r.loc(keys["text"]) if "text" in keys else r.loc(node)
    return Section(heading=heading, label=label, text=text or (), paragraphs=blocks, loc=r.loc(node), text_loc=text_loc)


def _block(r: Reader, node: Node, what: str) -> Block | None:
    if isinstance(node, ScalarNode):
        text = r.string(node, what)
        return Paragraph(text=text, loc=r.loc(node), text_loc=r.loc(node)) if text else None
    for kind in (Subheading, StatusSummary):
        (key,) = _keys(kind)[0]
        if isinstance(node, MappingNode) and any(k.value == key for k, _ in node.value if isinstance(k, ScalarNode)):
            keys = r.mapping(node, what, [key], [key])
            text = _opt(keys or {}, key, r.string, f"{what}.{key}")
            return kind(text, loc=r.loc(node)) if text else None
    keys = _mapping(r, node, what, Paragraph)
    if keys is None:
        return None
    text = _opt(keys, "text", r.string, f"{what}.text")
    items = _opt(keys, "items", r.strings, f"{what}.items") or ()
    style = _opt(keys, "item_style", lambda n, w: r.choice(n, w, ITEM_STYLES), f"{what}.item_style")
    label = _label(r, keys.get("label"), f"{what}.label")
    if text is None:
        return None
    return Paragraph(
        text=text,
        label=label,
        items=items,
        item_style=style or "bullets",
        loc=r.loc(node),
        text_loc=r.loc(keys["text"]),
    )


APPENDIX_KINDS = ("actions", "file", "table", "sections")


def _appendix(r: Reader, node: Node, what: str) -> Appendix | None:
    keys = _mapping(r, node, what, Appendix)
    if keys is None:
        return None
    title = _opt(keys, "title", r.string, f"{what}.title")
    label = _label(r, keys.get("label"), f"{what}.label")
    restricted, reason = _restriction(r, node, keys, what)
    marking = _opt(keys, "marking", r.string, f"{what}.marking")
    kinds = [k for k in APPENDIX_KINDS if k in keys]
    if len(kinds) != 1:
        given = f"it has {' and '.join(f'`{k}`' for k in kinds)}" if kinds else "it has none"
        r.error(node, f"{what}: an appendix needs exactly one of `actions`, `file`, `table` or `sections` ({given})")
    content = {
        "actions": _opt(keys, "actions", _with(r, _actions), f"{what}.actions"),
        "file": _opt(keys, "file", _with(r, _attached), f"{what}.file"),
        "table": _opt(keys, "table", _with(r, _sheet_table), f"{what}.table"),
        "sections": _appendix_sections(r, keys.get("sections"), f"{what}.sections"),
    }
    if title is None:
        return None
    source_loc = r.loc(keys[kinds[0]]) if kinds else r.loc(node)
    return Appendix(
        title=title,
        label=label,
        restricted=restricted,
        reason=reason,
        marking=marking,
        **content,
        loc=r.loc(node),
        source_loc=source_loc,
    )


ATTACHABLE = (".pdf", ".docx")


def _attached(r: Reader, node: Node, what: str) -> str | None:
    name = r.string(node, what)
    if name is None:
        return None
    if Path(name).name != name or Path(name).suffix.lower() not in ATTACHABLE:
        r.error(node, f"{what}: must be the name of a .pdf or .docx file beside paper.yaml, got '{name}'")
        return None
    if not (r.path.parent / name).is_file():
        r.error(node, f"{what}: '{name}' not found beside paper.yaml")
        return None
    return name


def _workbook(r: Reader, keys: dict[str, Node], what: str) -> str | None:
    """Return the `workbook` key: the name of an .xlsx file beside paper.yaml, no folder."""
    workbook = _opt(keys, "workbook", r.string, f"{what}.workbook")
    if workbook and (Path(workbook).name != workbook or not workbook.lower().endswith(".xlsx")):
        r.error(keys["workbook"], f"{what}.workbook: must be the name of an .xlsx file beside paper.yaml")
        return None
    return workbook


def _sheet_table(r: Reader, node: Node, what: str) -> SheetTable | None:
    keys = _mapping(r, node, what, SheetTable)
    if keys is None:
        return None
    workbook = _workbook(r, keys, what)
    sheet = _opt(keys, "sheet", r.string, f"{what}.sheet")
    if not workbook or not sheet:
        return None
    return SheetTable(workbook=workbook, sheet=sheet, loc=r.loc(node))


def _appendix_sections(r: Reader, node: Node | None, what: str) -> tuple[Section, ...] | None:
    if node is None:
        return None
    empty = (isinstance(node, SequenceNode) and not node.value) or (
        isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null"
    )
    if empty:
        r.error(node, f"{what}: a written appendix needs at least one section")
    return _list(r, node, what, _section)


def _actions(r: Reader, node: Node, what: str) -> ActionsSource | None:
    reported = len(r.problems.items)
    source = _read_actions(r, node, what)
    # A workbook is read against this configuration: a flawed one would only breed false problems.
    return source if len(r.problems.items) == reported else None


def _read_actions(r: Reader, node: Node, what: str) -> ActionsSource | None:
    keys = _mapping(r, node, what, ActionsSource)
    if keys is None:
        return None
    workbook = _workbook(r, keys, what)
    themes = _opt(keys, "themes", r.strings, f"{what}.themes")
    statuses = _list(r, keys.get("statuses"), f"{what}.statuses", _status)
    owners = _opt(keys, "owners", r.strings, f"{what}.owners") or ()
    for name, values in (("themes", themes or ()), ("statuses", [s.name for s in statuses]), ("owners", owners)):
        for value in {v for v in values if list(values).count(v) > 1}:
            r.error(keys[name], f"{what}.{name}: '{value}' is listed twice")
    if not workbook or not themes:
        return None
    extra = {"statuses": statuses} if statuses else {}
    return ActionsSource(workbook=workbook, themes=themes, owners=owners, loc=r.loc(node), **extra)


def _status(r: Reader, node: Node, what: str) -> Status | None:
    keys = _mapping(r, node, what, Status)
    if keys is None:
        return None
    name = _opt(keys, "name", r.string, f"{what}.name")
    colour = _opt(keys, "colour", r.string, f"{what}.colour")
    if colour and colour.lower() not in RAG_COLOURS and not HEX_COLOUR.fullmatch(colour):
        names = ", ".join(RAG_COLOURS)
        r.error(keys["colour"], f"{what}.colour: '{colour}' is not one of {names} or a hex colour like #92D050")
        colour = None
    if name is None or colour is None:
        return None
    return Status(name=name, colour=colour, loc=r.loc(node))


def _label(r: Reader, node: Node | None, what: str) -> str | None:
    if node is None:
        return None
    label = r.string(node, what)
    if label is not None and not LABEL.fullmatch(label):
        # Reported, and still kept: references to it resolve, so the one mistake is said once.
        r.error(node, f"{what}: '{label}' is not a label: use letters, digits, '-' or '_', starting with a letter")
    return label


def _list(r: Reader, node: Node | None, what: str, read_one) -> tuple:
    if node is None:
        return ()
    out = (read_one(r, entry, f"{what}[{i}]") for i, entry in enumerate(r.sequence(node, what)))
    return tuple(x for x in out if x is not None)


def _opt(keys: dict[str, Node], key: str, fn, what: str):
    """Return fn(node, what) for an optional key, or None when the key is absent."""
    return fn(keys[key], what) if key in keys else None


def _with(r: Reader, fn):
    """Adapt a ``fn(reader, node, what)`` reader to the ``fn(node, what)`` shape of ``_opt``."""
    return lambda node, what: fn(r, node, what)


def _clean(values: dict) -> dict:
    return {k: v for k, v in values.items() if v is not None}
