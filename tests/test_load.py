"""Loading plans: the model it gives, and every problem reported as file:line:col, all at once."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from boardpack.errors import PlanError, Problems, ReadError
from boardpack.pack.packs import PACKS, SUPPLEMENTS
from boardpack.pipeline.cache import CACHE_DIR
from boardpack.pipeline.manifest import MANIFEST
from boardpack.plan.load import OUTPUT_NAMES, load_plan, read_plan
from boardpack.plan.model import Paragraph, StatusSummary, Subheading

from .conftest import EXAMPLE, PAPER, paper_of


def write_plan(root: Path, paper_yaml: str, meeting_yaml: str | None = None) -> Path:
    plan = root / "plan"
    (plan / "p").mkdir(parents=True)
    (plan / "meeting.yaml").write_text(
        meeting_yaml or "committee: Audit Panel\ndate: 2017-12-19\nagenda:\n  - title: Item\n    paper: p\n",
        encoding="utf-8",
    )
    (plan / "p" / "paper.yaml").write_text(paper_yaml, encoding="utf-8")
    return plan


MINIMAL = """\
title: A paper
report_by: The Chief Executive
summary:
  purpose: To inform.
  key_considerations: None.
  interdependencies: None.
  recommendations: To note.
sections:
  - heading: Supporting Information
    paragraphs:
      - First.
contact:
  author: A. Person
"""


def problems_of(plan: Path) -> list[str]:
    with pytest.raises(PlanError) as info:
        load_plan(plan)
    return [str(p) for p in info.value.problems]


def test_example_loads_into_the_model():
    plan = load_plan(EXAMPLE)
    assert plan.meeting.committee == "Audit Panel"
    assert plan.meeting.date == dt.date(2017, 12, 19)
    assert plan.meeting.time == "14:00"  # not YAML 1.1's sexagesimal 840
    assert [p.slug for p in plan.papers] == [
        "minutes",
        "risk-management-update",
        "internal-audit-progress",
        PAPER,
        "counter-fraud-update",
    ]
    paper = paper_of(plan.papers)
    assert [(i.restricted, i.paper) for i in plan.meeting.agenda if i.restricted] == [(True, "counter-fraud-update")]
    first = paper.sections[0]
    kinds = [type(b) for b in first.paragraphs]
    assert kinds == [Paragraph] * 5 + [StatusSummary, Subheading] + [Paragraph] * 4
    assert paper.summary.interdependencies[1].startswith("In addition, this report")
    assert paper.appendices[0].restricted is True


def test_misspelt_key_is_reported_with_line_col_and_did_you_mean(tmp_path):
    plan = write_plan(tmp_path, MINIMAL.replace("report_by:", "reprot_by:"))
    assert problems_of(plan) == [
        f"{plan / 'p' / 'paper.yaml'}:2:1: paper: unknown key 'reprot_by' (did you mean 'report_by'?)"
    ]


def test_every_problem_is_reported_at_once(tmp_path):
    paper = MINIMAL.replace("      - First.", "      - First.\n      - text: Second\n        item_style: roman")
    paper = paper.replace("  author: A. Person", "  author: A. Person\n  fax: 0207")
    plan = write_plan(
        tmp_path, paper, "committee: Audit Panel\ndate: 2017-02-30\nagenda:\n  - title: X\n    paper: p\n"
    )
    found = problems_of(plan)
    where = str(plan)
    assert found == [
        f"{where}/meeting.yaml:2:7: date: impossible date '2017-02-30' (day is out of range for month)",
        f"{where}/p/paper.yaml:13:21: sections[0].paragraphs[1].item_style: 'roman' is not one of bullets, letters",
        f"{where}/p/paper.yaml:16:3: contact: unknown key 'fax'",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("title: [a\n", "2:1: YAML syntax: expected ',' or ']', but got '<stream end>'"),
        ("title: a\ntitle: b\n", "2:1: paper: duplicate key 'title' (first given at line 1)"),
        ("\tx: 1\n", "1:1: YAML syntax: found character '\\t' that cannot start any token"),
        ("", "1:1: file is empty"),
        ("- a\n- b\n", "1:1: paper: expected a set of `key: value` lines, got a list"),
    ],
)
def test_malformed_yaml_names_the_line(tmp_path, text, expected):
    plan = write_plan(tmp_path, text)
    found = problems_of(plan)
    assert f"{plan / 'p' / 'paper.yaml'}:{expected}" in found


def test_missing_required_fields_are_each_named(tmp_path):
    plan = write_plan(tmp_path, "title: A paper\n")
    found = problems_of(plan)
    prefix = f"{plan / 'p' / 'paper.yaml'}:1:1: paper: missing required key"
    assert found == [f"{prefix} '{k}'" for k in ("report_by", "summary", "sections", "contact")]


def test_wrong_types_are_named(tmp_path):
    paper = MINIMAL.replace("title: A paper", "title: [A, paper]").replace(
        "  author: A. Person",
        "  author: A. Person\nappendices:\n  - title: X\n    restricted: maybe\n    sections: [{heading: A, text: B}]",
    )
    found = problems_of(write_plan(tmp_path, paper))
    assert [f.split(":", 3)[1:] for f in found] == [
        ["1", "8", " title: expected text, got a list"],
        ["16", "17", " appendices[0].restricted: expected true or false, got 'maybe'"],
    ]


def test_text_that_is_not_utf8_names_line_and_column(tmp_path):
    plan = write_plan(tmp_path, "")
    (plan / "p" / "paper.yaml").write_bytes(b"title: ok\nreport_by: Caf\xe9\n")
    assert problems_of(plan) == [f"{plan / 'p' / 'paper.yaml'}:2:15: not UTF-8 text: save the file as UTF-8"]


def test_agenda_naming_a_missing_paper(tmp_path):
    meeting = "committee: Audit Panel\ndate: 2017-12-19\nagenda:\n  - title: Minutes\n    paper: minutes\n"
    plan = write_plan(tmp_path, MINIMAL, meeting)
    assert problems_of(plan) == [f"{plan / 'meeting.yaml'}:4:5: agenda item 'Minutes': no paper at minutes/paper.yaml"]


def test_plain_words_stay_words(tmp_path):
    """`no`, `on` and numbers are what the author typed, not booleans or integers."""
    paper = MINIMAL.replace("title: A paper", "title: no").replace("author: A. Person", "author: 1998")
    loaded = load_plan(write_plan(tmp_path, paper)).papers[0]
    assert (loaded.title, loaded.contact.author) == ("no", "1998")


FULL_MEETING = """\
committee: Audit Panel
date: 2017-12-19
time: "14:00"
venue: City Hall
author: The secretariat
agenda:
  - title: Item
    paper: p
    note: A note
    restricted: true
    reason: paragraph 3
"""

FULL_PAPER = """\
title: A paper
report_by: The Chief Executive
committee: Audit Panel
meeting_date: 2017-12-19
marking: OFFICIAL-SENSITIVE
summary:
  purpose: To inform.
  key_considerations: None.
  interdependencies: None.
  recommendations:
    lead_in: "The Panel is recommended to:"
    item_style: letters
    items: [note the report, agree the plan]
sections:
  - heading: Supporting Information
    label: s1
    text: Some text.
    paragraphs:
      - text: First.
        label: p1
        items: [one, two]
        item_style: letters
      - subheading: A sub-heading
      - status_summary: a1
contact:
  author: A. Person
  email: a@example.org
  phone: "020 7983 4000"
appendices:
  - title: Plan
    label: a1
    restricted: true
    reason: paragraph 3
    marking: SECRET
    actions:
      workbook: appendix.xlsx
      themes: [One]
      statuses:
        - name: Done
          colour: "#123456"
      owners: [Someone]
  - title: Attached
    file: attached.pdf
  - title: Tracker
    table:
      workbook: tracker.xlsx
      sheet: Tracker
  - title: Written
    sections:
      - heading: Terms
        text: Words.
background_papers:
  lead_in: "Background papers (from the clerk):"
  items: [A paper]
properties:
  author: An author
  subject: A subject
  keywords: [a, b]
"""


def test_every_documented_field_is_read(tmp_path):
    """A key the schema allows but the loader forgets would be silently dropped: set each, find each."""
    from dataclasses import MISSING, fields, is_dataclass

    from boardpack.plan.model import SCHEMA

    plan_dir = write_plan(tmp_path, FULL_PAPER, FULL_MEETING)
    (plan_dir / "p" / "attached.pdf").write_bytes(b"%PDF-1.4")
    plan = load_plan(plan_dir)
    seen: dict[type, list] = {}

    def walk(obj):
        if is_dataclass(obj):
            seen.setdefault(type(obj), []).append(obj)
            for f in fields(obj):
                walk(getattr(obj, f.name))
        elif isinstance(obj, tuple | list):
            for item in obj:
                walk(item)

    walk(plan.meeting)
    walk(plan.papers)
    assert set(SCHEMA) <= set(seen), set(SCHEMA) - set(seen)
    for cls in SCHEMA:
        for f in fields(cls):
            if "doc" not in f.metadata:
                continue
            default = f.default if f.default is not MISSING else None
            values = [getattr(obj, f.name) for obj in seen[cls]]
            assert any(v not in (default, None, ()) for v in values), f"{cls.__name__}.{f.name} is never read"


def test_a_paper_folder_not_on_the_agenda_is_a_warning(tmp_path):
    plan = write_plan(tmp_path, MINIMAL)
    (plan / "draft").mkdir()
    (plan / "draft" / "paper.yaml").write_text(MINIMAL, encoding="utf-8")
    problems = Problems()
    loaded = read_plan(plan, problems)
    assert not problems
    assert [str(w) for w in problems.warnings] == [
        f"{plan / 'draft' / 'paper.yaml'}: not on the agenda in meeting.yaml: not built"
    ]
    assert [p.slug for p in loaded.papers] == ["p"]


def laughs(levels: int, width: int = 10) -> str:
    """Return a paper whose paragraphs expand, through aliases of aliases, to width**levels entries."""
    lists = [f"x0: &l0 [{', '.join(['Words.'] * width)}]"]
    lists += [f"x{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels)]
    head, tail = MINIMAL.split("      - First.\n")
    return "\n".join(lists) + "\n" + head.replace("paragraphs:", f"paragraphs: *l{levels - 1}") + tail


def test_aliases_that_would_expand_to_a_million_paragraphs_are_refused_at_once(tmp_path):
    plan = write_plan(tmp_path, laughs(6))
    assert (plan / "p" / "paper.yaml").stat().st_size < 3_000
    started = time.monotonic()
    found = problems_of(plan)
    assert time.monotonic() - started < 5  # not the minute and the gigabytes of a million paragraphs
    alias = "alias '*l0': aliases are not allowed in a plan; write the value out in full"
    assert found[0] == f"{plan / 'p' / 'paper.yaml'}:2:10: {alias}"
    assert len(found) == 5 * 10 + 1  # every alias named once, however often it would expand


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    plan = write_plan(tmp_path, MINIMAL)
    for name in ("p/paper.yaml", "wording.yaml"):
        with (plan / name).open("wb") as f:
            f.truncate(8_000_000_000)  # sparse: reading it whole would take seconds and gigabytes
    started = time.monotonic()
    found = problems_of(plan)
    assert time.monotonic() - started < 2
    assert found == [f"{plan / name}: file is larger than 2 MB" for name in ("p/paper.yaml", "wording.yaml")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("title: " + "[" * 5000 + "]" * 5000 + "\n", "1:1007: YAML syntax: exceeded maximum nesting depth"),
        ("title:\n" + "".join(" " * i + "- \n" for i in range(1, 1200)), "1000:1000: YAML syntax: exceeded maximum"),
        ('title: "\\U7FFFFFFF"\n', "1:11: YAML syntax: found invalid Unicode character escape code"),
    ],
)
def test_yaml_beyond_what_a_reader_can_follow_is_a_syntax_error(tmp_path, text, expected):
    plan = write_plan(tmp_path, text)
    found = problems_of(plan)
    assert any(f.startswith(f"{plan / 'p' / 'paper.yaml'}:{expected}") for f in found), found


def test_an_unreadable_file_is_the_environments_fault(tmp_path, monkeypatch):
    plan = write_plan(tmp_path, MINIMAL)
    real_open = Path.open

    def refuse(path, *args, **kwargs):  # as a file the user may not read would (the tests may run as root)
        if path.name == "paper.yaml":
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(ReadError) as info:
        load_plan(plan)
    assert [str(p) for p in info.value.problems] == [f"{plan / 'p' / 'paper.yaml'}: cannot read: Permission denied"]
    assert info.value.exit_code == 3


@pytest.mark.parametrize(
    "name", ["public-pack.pdf", "members-pack.pdf", "manifest.json", "changes.md", ".boardpack-cache"]
)
def test_a_paper_folder_named_like_an_output_file_is_refused_at_the_agenda(tmp_path, name):
    meeting = f"committee: Audit Panel\ndate: 2017-12-19\nagenda:\n  - title: Item\n    paper: {name}\n"
    plan = write_plan(tmp_path, MINIMAL, meeting)
    (plan / "p").rename(plan / name)
    message = f"agenda[0].paper: '{name}' is the name of a file a build writes: rename the folder"
    assert problems_of(plan) == [f"{plan / 'meeting.yaml'}:5:12: {message}"]


@pytest.mark.e2e
def test_every_name_a_build_writes_beside_the_papers_is_reserved(built_example):
    papers = {p.slug for p in load_plan(EXAMPLE).papers}
    written = {p.name for p in built_example.iterdir()} - papers
    assert written and {n.lower() for n in written} <= OUTPUT_NAMES
    assert {n.lower() for n in (*SUPPLEMENTS.values(), *PACKS.values(), MANIFEST, CACHE_DIR)} <= OUTPUT_NAMES
