"""Numbering: sections, paragraphs across sub-headings, lettered items, appendices, labels."""

from __future__ import annotations

from boardpack.errors import Problems
from boardpack.paper.number import letter, number_paper
from boardpack.plan.load import load_plan

from .conftest import EXAMPLE, paper_of


def numbered_example():
    problems = Problems()
    paper = number_paper(paper_of(load_plan(EXAMPLE).papers), problems)
    assert not problems
    return paper


def test_sections_are_numbered_with_contact_and_appendices_last():
    paper = numbered_example()
    assert [(s.number, s.heading) for s in paper.sections] == [
        ("1", "Supporting Information"),
        ("2", "Equality and Diversity Impact"),
        ("3", "Financial Implications"),
        ("4", "Legal Implications"),
        ("5", "Contact Details"),
        ("6", "Appendices and Background Papers"),
    ]


def test_paragraph_numbers_carry_on_across_the_subheading():
    blocks = numbered_example().sections[0].blocks
    assert [(b.kind, b.number) for b in blocks] == [("paragraph", f"1.{i}") for i in range(1, 6)] + [
        ("subheading", "")
    ] + [("paragraph", f"1.{i}") for i in range(6, 10)]


def test_labels_know_their_numbers():
    labels = numbered_example().labels
    assert {k: (t.kind, t.number) for k, t in labels.items()} == {
        "supporting": ("section", "1"),
        "plan-attached": ("paragraph", "1.1"),
        "september-request": ("paragraph", "1.2"),
        "trail": ("paragraph", "1.4"),
        "core-processes": ("paragraph", "1.6"),
        "delivery": ("paragraph", "1.7"),
        "oversight": ("paragraph", "1.8"),
        "convening": ("paragraph", "1.9"),
        "gip": ("appendix", "1"),
    }


def test_appendices_section_lists_each_appendix_with_its_number():
    last = numbered_example().sections[-1]
    assert [b.text for b in last.blocks] == ["Appendix 1 – Governance Improvement Plan (Restricted)"]


def test_letters_run_past_z():
    # Word's lowerLetter numbering, which prints the list: after z come aa, bb … zz, then aaa
    assert [letter(i) for i in (0, 1, 25, 26, 27, 51, 52)] == ["a", "b", "z", "aa", "bb", "zz", "aaa"]


def test_duplicate_label_names_both_places(tmp_path):
    from .test_load import MINIMAL, write_plan

    paper_yaml = MINIMAL.replace(
        "      - First.", "      - text: First.\n        label: x\n      - text: Two.\n        label: x"
    )
    plan = write_plan(tmp_path, paper_yaml)
    problems = Problems()
    number_paper(load_plan(plan).papers[0], problems)
    path = plan / "p" / "paper.yaml"
    assert [str(p) for p in problems.items] == [f"{path}:13:9: label 'x' is already used at {path}:11:9"]


def lists_paper(tmp_path, recommendations: str, background: str):
    from boardpack.pipeline.builder import check

    plan = tmp_path / "plan"
    (plan / "p").mkdir(parents=True)
    (plan / "meeting.yaml").write_text(
        "committee: Audit Panel\ndate: 2017-12-19\nagenda:\n  - title: Item\n    paper: p\n", encoding="utf-8"
    )
    (plan / "p" / "paper.yaml").write_text(
        "title: A paper\nreport_by: Someone\nsummary:\n  purpose: P.\n  key_considerations: K.\n"
        f"  interdependencies: I.\n  recommendations:{recommendations}\nsections:\n  - heading: S\n"
        f"    text: T.\n    label: s\ncontact:\n  author: A. Person\nbackground_papers:{background}\n",
        encoding="utf-8",
    )
    (paper,) = check(plan).papers
    return paper


def test_recommendations_as_a_lettered_list_under_a_lead_in(tmp_path):
    recommendations = (
        '\n    lead_in: "The Panel is recommended to:"\n    item_style: letters\n    items: [note, "see [[s]]"]'
    )
    paper = lists_paper(tmp_path, recommendations, " [Plan 2017]")
    heading, (block,) = paper.summary[3]
    assert heading == "Recommendations"
    assert block.text == "The Panel is recommended to:"
    assert [(i.marker, i.text) for i in block.items] == [("(a)", "note"), ("(b)", "see section 1")]


def test_recommendations_as_a_plain_list_and_background_papers_under_their_lead_in(tmp_path):
    paper = lists_paper(tmp_path, " [note, agree]", '\n  lead_in: "Held by the clerk:"\n  items: [Plan 2017, Minutes]')
    (block,) = paper.summary[3][1]
    assert block.text == "" and [(i.marker, i.text) for i in block.items] == [("", "note"), ("", "agree")]
    closing = paper.sections[-1].blocks[-1]
    assert closing.text == "Held by the clerk:" and [i.text for i in closing.items] == ["Plan 2017", "Minutes"]
    default = lists_paper(tmp_path / "2", " To note.", " [Plan 2017]").sections[-1].blocks
    assert [b.text for b in default] == ["Background papers:"]
