"""Properties of numbering and references, under any sequence of inserts, deletes and moves (hypothesis)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from boardpack.errors import Location, Problems
from boardpack.paper.number import number_paper
from boardpack.paper.refs import resolve_text
from boardpack.plan.model import Contact, Paper, Paragraph, Section, Subheading, Summary

HERE = Location(Path("paper.yaml"), 1, 1)
# An edit: insert a paragraph or sub-heading, delete, or move a block, at positions taken modulo length.
edits = st.lists(
    st.one_of(
        st.tuples(st.just("insert"), st.integers(0, 99), st.integers(0, 99), st.booleans()),
        st.tuples(st.just("delete"), st.integers(0, 99), st.integers(0, 99), st.booleans()),
        st.tuples(st.just("move"), st.integers(0, 99), st.integers(0, 99), st.booleans()),
    ),
    max_size=40,
)


def apply(sections: list[list], edit: tuple, counter: list[int]) -> None:
    kind, a, b, flag = edit
    section = sections[a % len(sections)]
    if kind == "insert":
        counter[0] += 1
        block = (
            Subheading(f"Heading {counter[0]}") if flag and section else Paragraph(f"P{counter[0]}", f"p{counter[0]}")
        )
        section.insert(b % (len(section) + 1), block)
    elif kind == "delete" and section:
        section.pop(b % len(section))
    elif kind == "move" and section:
        block = section.pop(a % len(section))
        target = sections[b % len(sections)]
        target.insert(b % (len(target) + 1), block)


def paper_of(sections: list[list]) -> Paper:
    summary = Summary(("x",), ("x",), ("x",), ("x",), where={k: HERE for k in Summary.__dataclass_fields__})
    parts = tuple(Section(f"Section {i}", label=f"s{i}", paragraphs=tuple(blocks)) for i, blocks in enumerate(sections))
    return Paper("T", "R", summary, parts, Contact("A"), loc=HERE)


@settings(max_examples=150, deadline=None)
@given(edits, st.integers(1, 4))
def test_numbering_is_gapless_and_every_reference_finds_its_target(history, n_sections):
    sections: list[list] = [[] for _ in range(n_sections)]
    counter = [0]
    for edit in history:
        apply(sections, edit, counter)
    problems = Problems()
    numbered = number_paper(paper_of(sections), problems)
    assert not problems
    for s, section in enumerate(numbered.sections[:n_sections], 1):
        numbers = [b.number for b in section.blocks if b.kind == "paragraph"]
        assert numbers == [f"{s}.{i}" for i in range(1, len(numbers) + 1)]  # gapless, across sub-headings
    # Every label resolves to the number of the paragraph that carries it, wherever it moved.
    for s, blocks in enumerate(sections, 1):
        paragraphs = [b for b in blocks if isinstance(b, Paragraph)]
        for i, paragraph in enumerate(paragraphs, 1):
            text = resolve_text(f"see [[{paragraph.label}]] ([[#{paragraph.label}]])", numbered.labels, HERE, problems)
            assert text == f"see paragraph {s}.{i} ({s}.{i})"
        assert resolve_text(f"[[s{s - 1}]]", numbered.labels, HERE, problems) == f"section {s}"
    assert not problems
