"""Counts of an action plan, in figures or words: one function feeds both the report's references and the appendix."""

from __future__ import annotations

import re

import pytest

from boardpack.appendix.actions import load_action_plan
from boardpack.appendix.actions_context import _trail_summary
from boardpack.appendix.counts import counts
from boardpack.errors import Problems
from boardpack.paper.number import number_paper
from boardpack.pipeline.builder import check
from boardpack.plan.load import load_plan
from boardpack.plan.model import Appendix, NumberedAppendix
from boardpack.plan.wording import shipped_wording
from boardpack.util import number_words

from .conftest import EXAMPLE, PAPER, paper_of
from .workbooks import SOURCE, THEMES, action, make_workbook, previous


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "zero"),
        (1, "one"),
        (3, "three"),
        (13, "thirteen"),
        (20, "twenty"),
        (21, "twenty-one"),
        (99, "ninety-nine"),
        (100, "one hundred"),
        (105, "one hundred and five"),
        (340, "three hundred and forty"),
        (1000, "one thousand"),
        (1005, "one thousand and five"),
        (1100, "one thousand one hundred"),
        (2345, "two thousand three hundred and forty-five"),
        (21000, "twenty-one thousand"),
        (1_000_050, "one million and fifty"),
        (-4, "minus four"),
    ],
)
def test_number_words_british_style(n, words):
    assert number_words(n) == words


def test_number_words_are_distinct_and_well_formed_to_two_thousand():
    words = [number_words(n) for n in range(2000)]
    assert len(set(words)) == len(words)
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)?( [a-z]+(-[a-z]+)?)*", w) for w in words)
    assert all(("and" in w.split()) == (n % 100 != 0 and n > 100) for n, w in enumerate(words))


def small_plan(tmp_path, earlier=None):
    """Four actions, four earlier recommendations: SEP-01 closed yet cited, SEP-04 closed and not cited."""
    path = make_workbook(
        tmp_path / "a.xlsx",
        actions=[
            action("CIP-01", previous="SEP-01; SEP-02"),
            action("CIP-02", status="Complete", previous="SEP-02"),
            action("OVS-01", theme=THEMES[1], status="Off track", previous="SEP-03"),
            action("OVS-02", theme=THEMES[1], previous=""),
        ],
        earlier=earlier
        or [
            previous("SEP-01", disposition="Closed: merged into CIP-01"),
            previous("SEP-02"),
            previous("SEP-03"),
            previous("SEP-04", disposition="Closed: no longer needed"),
        ],
    )
    problems = Problems()
    plan = load_action_plan(path, SOURCE, problems)
    assert not problems, problems.in_order()
    return plan


def test_counts_of_a_small_plan(tmp_path):
    plan = small_plan(tmp_path)
    assert counts(plan) == {
        "total": 4,
        "previous": 4,
        "closed": 2,  # SEP-01 counts as closed although CIP-01 cites it
        "answered": 2,  # SEP-02 and SEP-03
        "new": 1,
        "Complete": 1,
        "On track": 2,
        "Some slippage": 0,
        "Off track": 1,
        THEMES[0]: 2,
        THEMES[1]: 2,
    }


def trail_figures(sentence: str) -> dict[str, int]:
    found = re.fullmatch(
        r"All (\d+) earlier recommendations are accounted for: (\d+) (is|are) answered by at least one action "
        r"and (\d+) (is|are) closed, with the reason given\. None has been removed\.",
        sentence,
    )
    assert found, sentence
    previous, answered, verb_answered, closed, verb_closed = found.groups()
    assert verb_answered == ("is" if answered == "1" else "are")
    assert verb_closed == ("is" if closed == "1" else "are")
    return {"previous": int(previous), "answered": int(answered), "closed": int(closed)}


@pytest.mark.parametrize("closed", [(), ("SEP-01",), ("SEP-04",), ("SEP-01", "SEP-04")])
def test_the_trail_sentence_gives_the_same_figures_as_counts(tmp_path, closed):
    refs = ["SEP-01", "SEP-02", "SEP-03"] + (["SEP-04"] if "SEP-04" in closed else [])  # no action cites SEP-04
    earlier = [previous(ref, disposition="Closed: done" if ref in closed else None) for ref in refs]
    plan = small_plan(tmp_path, earlier)
    appendix = NumberedAppendix("1", Appendix(title="Plan"), "OFFICIAL", "Appendix 1 – Plan", plan)
    sentence = _trail_summary(appendix, shipped_wording())
    want = counts(plan)
    assert trail_figures(sentence) == {k: want[k] for k in ("previous", "answered", "closed")}
    assert want["closed"] == len(closed)
    assert want["answered"] + want["closed"] == want["previous"] == len(refs)


def test_every_count_is_a_label_of_its_appendix():
    plan = check(EXAMPLE).plan.action_plans[(PAPER, 0)]
    problems = Problems()
    numbered = number_paper(paper_of(load_plan(EXAMPLE).papers), problems, {0: plan})
    assert not problems
    found = {k.removeprefix("gip:"): int(t.number) for k, t in numbered.labels.items() if t.kind == "count"}
    assert found == counts(plan)
