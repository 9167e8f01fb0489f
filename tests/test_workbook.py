"""The actions workbook: what it reads, and every check's error with its sheet and cell."""

from __future__ import annotations

import datetime as dt
import re
import time
import zipfile

import pytest
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName

from boardpack.appendix.actions import load_action_plan, parse_date
from boardpack.errors import Problems

from .workbooks import SOURCE, THEMES, action, make_workbook, patch_part, previous


def load(path, source=SOURCE):
    problems = Problems()
    plan = load_action_plan(path, source, problems)
    return plan, [str(p) for p in problems.in_order()], [str(w) for w in problems.warnings]


def test_a_good_workbook_reads_into_actions_and_earlier_items(tmp_path):
    path = make_workbook(
        tmp_path / "a.xlsx",
        actions=[
            action("CIP-01", previous="SEP-01; SEP-02"),
            [None] * 9,  # a blank row is skipped
            action("OVS-01", theme=THEMES[1], owner="Head of Finance", due="2018-06-30", previous="SEP-02,SEP-03"),
            action("OVS-02", theme=THEMES[1], due="30/09/2018", status="Complete", previous=""),
        ],
        earlier=[previous("SEP-01"), previous("SEP-02"), previous("SEP-03", disposition="Closed: done in July")],
    )
    plan, errors, warnings = load(path)
    assert errors == [] and warnings == []
    assert [(a.ref, a.due, a.previous_refs) for a in plan.actions] == [
        ("CIP-01", dt.date(2018, 3, 31), ("SEP-01", "SEP-02")),
        ("OVS-01", dt.date(2018, 6, 30), ("SEP-02", "SEP-03")),
        ("OVS-02", dt.date(2018, 9, 30), ()),
    ]
    assert plan.answers("SEP-02") == ("CIP-01", "OVS-01")
    assert [p.disposition for p in plan.previous] == ["", "", "Closed: done in July"]


def test_columns_in_any_order_and_extra_columns_warned(tmp_path):
    header = ["Status", "Ref", "Notes", "Theme", "Area", "Action", "Owner", "Due", "Progress", "Previous refs"]
    row = action()
    reordered = [row[6], row[0], "a note", row[1], row[2], row[3], row[4], row[5], row[7], row[8]]
    path = make_workbook(tmp_path / "a.xlsx", actions=[reordered], action_header=header)
    plan, errors, warnings = load(path)
    assert errors == []
    assert warnings == [f"{path}:Actions!C1: column 'Notes' ignored"]
    assert plan.actions[0].status == "On track"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (action(status="On trak"), "Actions!G2: unknown status 'On trak' (did you mean 'On track'?)"),
        (
            action(theme="Core internal process"),
            "Actions!B2: unknown theme 'Core internal process' (did you mean 'Core internal processes'?)",
        ),  # noqa: E501
        (action(owner=None), "Actions!E2: Owner is blank"),
        (action(owner="Head of H.R."), "Actions!E2: unknown owner 'Head of H.R.' (did you mean 'Head of HR'?)"),
        (
            action(due="31/02/2018"),
            "Actions!F2: due date '31/02/2018' is not a date (use a date cell, YYYY-MM-DD or DD/MM/YYYY)",
        ),  # noqa: E501
        (
            action(due="next March"),
            "Actions!F2: due date 'next March' is not a date (use a date cell, YYYY-MM-DD or DD/MM/YYYY)",
        ),  # noqa: E501
        (action(previous="SEP-01; SEP-1O"), "Actions!I2: unknown previous ref 'SEP-1O' (did you mean 'SEP-01'?)"),
        (action(text=None), "Actions!D2: Action is blank"),
        (action(ref=None), "Actions!A2: Ref is blank"),
        (action(text="x" * 5001), "Actions!D2: text of 5001 characters is longer than 5000"),
        (action(status="=A1"), "Actions!G2: formula =A1: type the value itself"),
    ],
)
def test_each_check_names_its_cell(tmp_path, row, expected):
    path = make_workbook(tmp_path / "a.xlsx", actions=[row])
    _, errors, _ = load(path)
    assert f"{path}:{expected}" in errors


def test_all_problems_are_reported_together_in_sheet_order(tmp_path):
    path = make_workbook(
        tmp_path / "a.xlsx",
        actions=[action("CIP-01"), action("CIP-01", status="Late"), action("CIP-02", due="soon", previous="")],
        earlier=[previous("SEP-01"), previous("SEP-02")],
    )
    _, errors, _ = load(path)
    assert errors == [
        f"{path}:Actions!A3: duplicate ref 'CIP-01' (first in row 2)",
        f"{path}:Actions!G3: unknown status 'Late' (one of 'Complete', 'On track', 'Some slippage', 'Off track')",
        f"{path}:Actions!F4: due date 'soon' is not a date (use a date cell, YYYY-MM-DD or DD/MM/YYYY)",
        f"{path}:Previous!A3: earlier recommendation 'SEP-02' is open but no action answers it: "
        "add it to an action's Previous refs, or give it a Disposition",
    ]


def test_a_closed_earlier_item_needs_no_answer(tmp_path):
    path = make_workbook(
        tmp_path / "a.xlsx", earlier=[previous("SEP-01"), previous("SEP-02", disposition="Closed: completed June 2017")]
    )
    _, errors, _ = load(path)
    assert errors == []


def test_missing_sheet_and_column(tmp_path):
    path = make_workbook(tmp_path / "a.xlsx", action_header=("Ref", "Theme", "Action", "Owner", "Due", "Staus"))
    book = load_workbook(path)
    book["Previous"].title = "Previus"
    book.save(path)
    _, errors, warnings = load(path)
    assert errors == [
        f"{path}: no sheet 'Previous' (sheets: Actions, Previus) (did you mean 'Previus'?)",
        f"{path}:Actions!1:1: missing column 'Status' in the header row",
    ]
    assert warnings == [f"{path}:Actions!F1: column 'Staus' ignored (did you mean 'Status'?)"]


def test_merged_cells_are_refused(tmp_path):
    path = make_workbook(tmp_path / "a.xlsx", actions=[action(), action("CIP-02")])
    book = load_workbook(path)
    book["Actions"].merge_cells("B2:B3")
    book.save(path)
    _, errors, _ = load(path)
    assert f"{path}:Actions!B2: merged cells B2:B3: unmerge them, one value per cell" in errors


def test_an_empty_actions_sheet(tmp_path):
    path = make_workbook(tmp_path / "a.xlsx", actions=[], earlier=[])
    _, errors, _ = load(path)
    assert errors == [f"{path}:Actions!A2: no actions: the sheet has a header row and nothing under it"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"Ref,Theme\nCIP-01,Core\n", "not an Excel workbook (.xlsx): File is not a zip file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "workbook is password-protected or an old .xls"),
    ],
)
def test_a_file_that_is_not_a_plain_workbook(tmp_path, content, expected):
    path = tmp_path / "a.xlsx"
    path.write_bytes(content)
    _, errors, _ = load(path)
    assert len(errors) == 1 and errors[0].startswith(f"{path}: {expected}")


def test_a_missing_workbook_is_named_in_the_yaml(tmp_path):
    _, errors, _ = load(tmp_path / "appendix.xlsx")
    assert errors == [f"{SOURCE.loc}: workbook 'appendix.xlsx' not found beside paper.yaml"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.datetime(2018, 5, 25, 0, 0), dt.date(2018, 5, 25)),
        (dt.date(2018, 5, 25), dt.date(2018, 5, 25)),
        (43245, dt.date(2018, 5, 25)),
        ("2018-05-25", dt.date(2018, 5, 25)),
        ("25/05/2018", dt.date(2018, 5, 25)),
        ("05/25/2018", None),
        ("2018-02-30", None),
    ],
)
def test_dates(value, expected):
    assert parse_date(value) == expected


def test_workbooks_are_parsed_with_defusedxml():
    """openpyxl uses defusedxml when it is installed: no entity expansion bombs from a workbook."""
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML is True


def test_a_workbook_read_again_in_the_same_process_repeats_its_problems_and_sees_edits(tmp_path, monkeypatch):
    from boardpack.appendix import actions as workbook

    reads = []
    real_open = workbook.open_workbook
    monkeypatch.setattr(workbook, "open_workbook", lambda *a: reads.append(a[0]) or real_open(*a))
    path = make_workbook(tmp_path / "a.xlsx", actions=[action("CIP-01", status="Late", previous="")], earlier=[])

    def remembered():
        problems = Problems()
        plan = workbook._load_remembered(path, SOURCE, problems)
        return plan, [str(p) for p in problems.in_order()]

    first, second = remembered(), remembered()
    assert first == second and first[1] == [
        f"{path}:Actions!G2: unknown status 'Late' (one of 'Complete', 'On track', 'Some slippage', 'Off track')"
    ]
    assert reads == [path]  # read once
    make_workbook(path, actions=[action("CIP-01", status="Off track", previous="")], earlier=[])
    plan, errors = remembered()
    assert errors == [] and plan.actions[0].status == "Off track" and reads == [path, path]


# What a workbook hides: never read into a paper, never dropped silently.

SHEET1 = "xl/worksheets/sheet1.xml"


def hide(path, edit):
    """Apply *edit* (a function of the workbook) to the workbook at *path*; return the path."""
    book = load_workbook(path)
    edit(book)
    book.save(path)
    return path


def three_actions(tmp_path):
    rows = [action("CIP-01"), action("CIP-02", text="Secret action"), action("CIP-03", previous="")]
    return make_workbook(tmp_path / "a.xlsx", actions=rows)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda b: setattr(b["Actions"].row_dimensions[3], "hidden", True), "Actions!3:3: row 3 is hidden"),
        (lambda b: b["Actions"].row_dimensions.group(3, 4, hidden=True), "Actions!3:3: rows 3-4 are hidden"),
        (lambda b: b["Actions"].column_dimensions.group("C", "E", hidden=True), "Actions!C1: columns C:E are hidden"),
        (lambda b: setattr(b["Previous"].column_dimensions["B"], "hidden", True), "Previous!B1: column B is hidden"),
        (lambda b: setattr(b["Actions"], "sheet_state", "hidden"), "Actions: sheet 'Actions' is hidden"),
        (lambda b: setattr(b["Previous"], "sheet_state", "veryHidden"), "Previous: sheet 'Previous' is hidden"),
    ],
    ids=["row", "grouped-rows", "column-range", "column", "sheet", "very-hidden-sheet"],
)
def test_hidden_rows_columns_and_sheets_of_actions_are_errors(tmp_path, edit, expected):
    path = hide(three_actions(tmp_path), edit)
    _, errors, _ = load(path)
    assert [e for e in errors if "hidden" in e] == [f"{path}:{expected}" + _fix(expected)]


def _fix(expected):
    if "sheet" in expected:
        return ": unhide it to have it printed"
    verb = "unhide or delete" if "row" in expected else "unhide"
    them = "them" if " are " in expected else "it"
    return f": {verb} {them} (boardpack publishes nothing Excel hides)"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (b'<row r="3">', b'<row r="3" ht="0" customHeight="1">', "Actions!3:3: row 3 is hidden"),
        (
            b"<sheetData>",
            b'<cols><col min="4" max="4" width="0" customWidth="1"/></cols><sheetData>',
            "Actions!D1: column D is hidden",
        ),
    ],
    ids=["zero-height-row", "zero-width-column"],
)
def test_rows_and_columns_of_no_size_are_hidden_too(tmp_path, old, new, expected):
    path = patch_part(three_actions(tmp_path), SHEET1, old, new)
    _, errors, _ = load(path)
    assert [e for e in errors if "hidden" in e] == [f"{path}:{expected}" + _fix(expected)]


def test_comments_defined_names_and_other_sheets_are_never_read(tmp_path):
    def edit(book):
        book["Actions"]["D2"].comment = Comment("SECRET comment on the action", "A. Person")
        book["Actions"]["J2"] = "SECRET beyond the header"
        book.defined_names["Secret"] = DefinedName("Secret", attr_text='"SECRET defined name"')
        book.create_sheet("Notes")["A1"] = "SECRET other sheet"
        book["Notes"].sheet_state = "hidden"

    path = hide(make_workbook(tmp_path / "a.xlsx"), edit)
    plan, errors, _ = load(path)
    assert errors == [] and len(plan.actions) == 1
    assert "SECRET" not in repr(plan)


# Characters XML cannot hold, and workbooks that unpack to far more than they weigh.


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (b"Refresh &#1; the code", "control character U+0001"),
        (b"Refresh &#x1F; the code", "control character U+001F"),
        (b"Refresh \x08 the code", "control character U+0008"),
        (b"Refresh &#xFFFE; the code", "character U+FFFE"),
        (b"Refresh \xef\xbf\xbf the code", "character U+FFFF"),
        (b"Refresh &#xD800; the code", "a surrogate character reference"),
    ],
)
def test_a_character_word_cannot_hold_is_an_error_at_its_cell(tmp_path, typed, expected):
    path = patch_part(make_workbook(tmp_path / "a.xlsx"), SHEET1, b"Refresh the code", typed)
    _, errors, _ = load(path)
    assert errors == [f"{path}:Actions!D2: {expected} in the text: delete it (Word cannot hold it)"]


def test_tab_newline_and_other_references_are_fine(tmp_path):
    path = patch_part(
        make_workbook(tmp_path / "a.xlsx"), SHEET1, b"Refresh the code", b"Refresh&#9;the&#10;code &#233;"
    )
    plan, errors, _ = load(path)
    assert errors == [] and plan.actions[0].action == "Refresh the code é"


def huge_cell_workbook(path, megabytes: int):
    """Write a workbook whose Actions!D2 holds *megabytes* MB of 'a': a few hundred KB packed."""
    make_workbook(path)
    with zipfile.ZipFile(path) as zin:
        items = [(info.filename, zin.read(info)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in items:
            if name != SHEET1:
                zout.writestr(name, data)
                continue
            head, tail = data.split(b"Refresh the code")
            with zout.open(name, "w", force_zip64=True) as entry:
                entry.write(head)
                for _ in range(megabytes):
                    entry.write(b"a" * 1_000_000)
                entry.write(tail)
    return path


def test_a_workbook_that_unpacks_too_large_is_refused_before_it_is_parsed(tmp_path):
    path = huge_cell_workbook(tmp_path / "a.xlsx", 150)
    assert path.stat().st_size < 2_000_000
    start = time.monotonic()
    _, errors, _ = load(path)
    assert time.monotonic() - start < 5
    assert errors == [
        f"{path}: workbook refused: it unpacks to 150 MB, more than 100 MB (xl/worksheets/sheet1.xml alone is 150 MB)"
    ]


def test_a_zip_bomb_under_the_size_limit_is_refused(tmp_path):
    path = huge_cell_workbook(tmp_path / "a.xlsx", 20)
    _, errors, _ = load(path)
    assert len(errors) == 1
    assert re.fullmatch(
        re.escape(f"{path}: workbook refused: xl/worksheets/sheet1.xml unpacks ")
        + r"[\d,]+ times its packed size \(a zip bomb\?\)",
        errors[0],
    )


def test_a_zip_directory_that_lies_about_sizes_is_read_no_further_than_it_says(tmp_path):
    """The directory says 2,000 bytes; the data unpacks to 150 MB. No more than 2,001 bytes are read."""
    path = huge_cell_workbook(tmp_path / "a.xlsx", 150)
    data = bytearray(path.read_bytes())
    directory = data.index(b"PK\x01\x02")  # the central directory's headers, one per entry
    while data[directory + 46 : directory + 46 + len(SHEET1)] != SHEET1.encode():
        directory = data.index(b"PK\x01\x02", directory + 4)
    data[directory + 24 : directory + 28] = (2_000).to_bytes(4, "little")  # its unpacked size
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo(SHEET1).file_size == 2_000
    start = time.monotonic()
    _, errors, _ = load(path)
    assert time.monotonic() - start < 5
    assert len(errors) == 1 and errors[0].startswith(f"{path}: not an Excel workbook (.xlsx): "), errors


@pytest.mark.parametrize(
    ("value", "number_format", "shown"),
    [(True, "General", "TRUE"), (False, "General", "FALSE"), (-5, "yyyy-mm-dd", "-5"), (0, "dd/mm/yyyy", "0")],
)
def test_booleans_and_negative_numbers_are_not_due_dates(tmp_path, value, number_format, shown):
    path = make_workbook(tmp_path / "a.xlsx", actions=[action(due=value)])
    book = load_workbook(path)
    book["Actions"]["F2"] = value
    book["Actions"]["F2"].number_format = number_format
    book.save(path)
    _, errors, _ = load(path)
    assert errors == [
        f"{path}:Actions!F2: due date '{shown}' is not a date (use a date cell, YYYY-MM-DD or DD/MM/YYYY)"
    ]
