"""References: [[label]] and [[#label]] become numbers; unknown labels are errors where used."""

from __future__ import annotations

from pathlib import Path

import pytest

from boardpack.errors import Location, Problems
from boardpack.paper.refs import resolve_text
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
