"""References: [[label]] and [[#label]] become numbers; unknown labels are errors where used."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from boardpack.errors import Location, PlanError, Problems
from boardpack.paper.refs import resolve_text
from boardpack.pipeline.builder import check
from boardpack.plan.model import Target

HERE = Location(Path("paper.yaml"), 7, 9)
LABELS = {
    "gip": Target("appendix", "1", HERE, text="Appendix 1"),
    "trail": Target("paragraph", "1.4", HERE, text="paragraph 1.4"),
    "legal": Target("section", "4", HERE, text="section 4"),
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("attached at [[gip]].", "attached at Appendix 1."),
        ("see [[trail]] and [[legal]]", "see paragraph 1.4 and section 4"),
        ("paragraphs [[#trail]] to [[ #trail ]]", "paragraphs 1.4 to 1.4"),
        (r"literal \[[gip]] stays", "literal [[gip]] stays"),
        ("no references {{ here }} & <there>", "no references {{ here }} & <there>"),
    ],
)
def test_references_resolve(text, expected):
    problems = Problems()
    assert resolve_text(text, LABELS, HERE, problems) == expected
    assert not problems


def test_unknown_label_is_named_where_it_was_used():
    problems = Problems()
    resolve_text("see [[trial]] and [[nowhere]]", LABELS, HERE, problems)
    assert [str(p) for p in problems.items] == [
        "paper.yaml:7:9: unknown reference 'trial' (did you mean 'trail'?)",
        "paper.yaml:7:9: unknown reference 'nowhere'",
    ]


def test_unclosed_reference_is_an_error():
    problems = Problems()
    resolve_text("see [[trail", LABELS, HERE, problems)
    assert [p.message for p in problems.items] == ["'[[' without a closing ']]': write \\[[ for a literal '[['"]


COUNTS = {
    **LABELS,
    "gip:total": Target("count", "21", HERE),
    "gip:closed": Target("count", "3", HERE),
    "gip:new": Target("count", "0", HERE),
    "gip:On track": Target("count", "12", HERE),
}


def test_counts_in_figures_or_words():
    problems = Problems()
    text = "[[gip:closed|Words]] closed of [[gip:total|words]], [[gip:new | Words]] new, [[gip:On track]] on track"
    assert resolve_text(text, COUNTS, HERE, problems) == "Three closed of twenty-one, Zero new, 12 on track"
    assert not problems and not problems.warnings


def test_words_only_for_counts_and_known_formats():
    problems = Problems()
    resolve_text("[[gip|words]] and [[gip:total|word]] and [[gip:total|]]", COUNTS, HERE, problems)
    assert [p.message for p in problems.items] == [
        "reference 'gip': '|words' is only for counts, and 'gip' is not one",
        "reference 'gip:total': unknown format '|word': write |words or |Words (did you mean 'words'?)",
        "reference 'gip:total': unknown format '|': write |words or |Words",
    ]


def test_unknown_count_suggests_among_that_appendixs_counts():
    problems = Problems()
    resolve_text("[[gip:closd]], [[gip:on track]], [[gip:xyzzy]], [[gpi]]", COUNTS, HERE, problems)
    assert [p.message for p in problems.items] == [
        "unknown reference 'gip:closd' (did you mean 'gip:closed'?)",
        "unknown reference 'gip:on track' (did you mean 'gip:On track'?)",
        "unknown reference 'gip:xyzzy' ('gip' counts: total, closed, new, On track)",
        "unknown reference 'gpi' (did you mean 'gip'?)",
    ]


@pytest.mark.parametrize(
    ("text", "doubled"),
    [
        ("as paragraph [[trail]] says", "paragraph paragraph 1.4"),
        ("see Paragraphs\t [[trail]]", "Paragraphs paragraph 1.4"),
        ("under section [[legal]]", "section section 4"),
        ("at appendix [[gip]]", "appendix Appendix 1"),
        ("at Appendix [[gip]]", "Appendix Appendix 1"),
        ("see paragraph [[#trail]]", None),
        ("see subparagraph [[trail]]", None),
        ("the paragraph, [[trail]]", None),
        ("see [[trail]]", None),
        ("section [[gip:total]] counts", None),
    ],
)
def test_a_word_the_reference_prints_itself_is_a_warning(text, doubled):
    problems = Problems()
    resolve_text(text, COUNTS, HERE, problems)
    assert not problems
    label = re.search(r"\[\[#?([^\]|]*)", text).group(1)
    word = doubled.split()[0] if doubled else ""
    expected = f'{HERE}: text would read "{doubled}": write "{word} [[#{label}]]" or drop the word'
    assert [str(w) for w in problems.warnings] == ([expected] if doubled else [])


LOCATED = """\
title: A paper
report_by: The Chief Executive
summary:
  purpose: To inform.
  key_considerations: None.
  interdependencies: None.
  recommendations: To note [[elsewhere]].
sections:
  - heading: Supporting Information
    label: support
    text:
      - See [[elsewhere]] first.

      - Then [[elsewhere]] again, and [[elsewhere]].
    paragraphs:
      - text: >
          The first line, and
          a second with [[elsewhere]] and [[support]],
          then [[elsewhere]]
          and [[
          elsewhere ]] and paragraph [[own]].
        label: own
        items:
          - an item citing [[elsewhere]]
      - "quoted, over
        two lines: [[elsewhere]]"
      - text: |
          Literal [[first]]
          and [[elsewhere
contact:
  author: A. Person
"""


def test_each_reference_is_located_at_its_own_line_and_column(tmp_path):
    from .test_load import write_plan

    plan = write_plan(tmp_path, LOCATED)
    with pytest.raises(PlanError) as info:
        check(plan)
    path = plan / "p" / "paper.yaml"
    # Every "[[" that is not a good reference, found by scanning the file line by line.
    expected = [
        (number, found.start() + 1)
        for number, line in enumerate(LOCATED.splitlines(), 1)
        for found in re.finditer(r"\[\[(?!support\]\])", line)
    ]
    assert len(expected) == 12
    got = [(p.where.line, p.where.col) for p in info.value.problems]
    assert got == expected
    assert all(p.where.file == path for p in info.value.problems)
    assert [p.message.split("'")[1] for p in info.value.problems].count("elsewhere") == 9
    lines = LOCATED.splitlines()
    said = {lines[p.where.line - 1][p.where.col - 1 :]: p.message for p in info.value.problems}
    assert said["[[own]]."] == "reference 'own' refers to the paragraph it is in"
    assert said["[[first]]"] == "unknown reference 'first'"
    assert said["[[elsewhere"] == "'[[' without a closing ']]': write \\[[ for a literal '[['"


def test_a_doubled_word_is_warned_at_the_reference(tmp_path):
    from .test_load import write_plan

    paper = LOCATED.split("  recommendations:")[0] + "  recommendations: To note.\nsections:\n"
    paper += "  - heading: A\n    label: a\n    text: >\n      Folded over\n      two lines: see section [[a]].\n"
    paper += "contact:\n  author: A. Person\n"
    prepared = check(write_plan(tmp_path, paper))
    path = plan_file = tmp_path / "plan" / "p" / "paper.yaml"
    col = plan_file.read_text(encoding="utf-8").splitlines()[12].index("[[a]]") + 1
    assert [str(w) for w in prepared.warnings] == [
        f'{path}:13:{col}: text would read "section section 1": write "section [[#a]]" or drop the word'
    ]


def test_a_reference_not_found_in_the_source_falls_back_to_its_texts_start(tmp_path):
    from .test_load import MINIMAL, write_plan

    paper = MINIMAL.replace("      - First.", '      - "Escaped: [[\\x65lsewhere]]"\n      - And [[elsewhere]] plain.')
    plan = write_plan(tmp_path, paper)
    with pytest.raises(PlanError) as info:
        check(plan)
    lines = paper.splitlines()
    escaped = next(i for i, line in enumerate(lines, 1) if "Escaped" in line)
    assert [(p.where.line, p.where.col, p.message) for p in info.value.problems] == [
        (escaped, lines[escaped - 1].index('"') + 1, "unknown reference 'elsewhere'"),  # not the next paragraph's
        (escaped + 1, lines[escaped].index("[[") + 1, "unknown reference 'elsewhere'"),
    ]
