"""The bad-input corpus: one folder per failure mode, each with the exact messages it must give.

Each case folder holds ``case.yaml`` (how to break the valid plan in ``_base/``) and ``expected.txt``
(the whole of stderr, ``{plan}`` standing for the plan's folder). Every case must exit 1, print
exactly those lines (one problem a line, all of them at once, no traceback) and leave an existing
output folder exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from boardpack.cli import main
from boardpack.render.docx import TEMPLATES_DIR

from ..workbooks import action, make_workbook, patch_part, previous

HERE = Path(__file__).resolve().parent
CASES = sorted(p for p in HERE.iterdir() if (p / "case.yaml").is_file())


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 40


def base_plan(dest: Path) -> Path:
    """Copy the valid base plan to *dest*, with its workbook."""
    plan = dest / "plan"
    shutil.copytree(HERE / "_base", plan)
    actions = [action("CIP-01", previous="SEP-01"), action("OVS-01", theme="Oversight of the MPS", previous="SEP-02")]
    make_workbook(plan / "p" / "appendix.xlsx", actions=actions, earlier=[previous("SEP-01"), previous("SEP-02")])
    return plan


def test_the_base_plan_is_valid(tmp_path, capsys):
    assert main(["check", str(base_plan(tmp_path))]) == 0


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Path, tmp_path, capsys):
    spec = yaml.safe_load((case / "case.yaml").read_text(encoding="utf-8"))
    plan = base_plan(tmp_path)
    templates = apply(spec, plan, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "public-pack.pdf").write_bytes(b"the previous pack")  # a previous output that must survive
    pack = {"path": "public-pack.pdf", "kind": "pack", "sha256": hashlib.sha256(b"the previous pack").hexdigest()}
    (out / "manifest.json").write_text(json.dumps([pack]), encoding="utf-8")  # boardpack's, so a build may replace it
    before = {p: p.read_bytes() for p in out.rglob("*")}
    capsys.readouterr()
    code = main(["build", str(plan), "--out", str(out), "--templates", str(templates), "-q"])
    err = capsys.readouterr().err
    expected = (case / "expected.txt").read_text(encoding="utf-8").replace("{plan}", str(plan))
    expected = expected.replace("{templates}", str(templates))
    assert (code, err) == (1, expected)
    assert "Traceback" not in err
    assert {p: p.read_bytes() for p in out.rglob("*")} == before
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock"))
    assert left == sorted(["plan", "out"] + (["templates"] if spec.get("template") else []))  # no staging left


def apply(spec: dict, plan: Path, tmp: Path) -> Path:
    """Break the plan as *spec* says; return the template folder to build with."""
    for name, text in (spec.get("files") or {}).items():
        (plan / name).parent.mkdir(parents=True, exist_ok=True)
        (plan / name).write_text(text, encoding="utf-8")
    for patch in spec.get("patch") or []:
        path = plan / patch["file"]
        text = path.read_text(encoding="utf-8")
        assert patch["old"] in text, patch
        path.write_text(text.replace(patch["old"], patch["new"], 1), encoding="utf-8")
    for name, encoding in (spec.get("encode") or {}).items():
        path = plan / name
        path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))
    for name, size in (spec.get("pad") or {}).items():
        with (plan / name).open("a", encoding="utf-8") as f:
            f.write("# " + "x" * size + "\n")
    for name in spec.get("remove") or []:
        (plan / name).unlink()
    if spec.get("workbook"):
        edit_workbook(plan / "p" / "appendix.xlsx", spec["workbook"])
    return edit_template(spec["template"], tmp) if spec.get("template") else TEMPLATES_DIR


def edit_workbook(path: Path, edits: dict) -> None:
    if "raw" in edits:
        path.write_bytes(edits["raw"].encode("latin-1"))
        return
    book = load_workbook(path)
    for ref, value in (edits.get("cells") or {}).items():
        sheet, cell = ref.split("!")
        book[sheet][cell] = "x" * int(value[2:]) if str(value).startswith("x*") else value
    for row in edits.get("append") or []:
        book["Actions"].append(row)
    for ref in edits.get("merge") or []:
        sheet, cells = ref.split("!")
        book[sheet].merge_cells(cells)
    for name in edits.get("delete_sheet") or []:
        del book[name]
    for name in edits.get("clear_sheet") or []:
        book[name].delete_rows(2, book[name].max_row)
    hide(book, edits.get("hide") or [])
    book.save(path)
    if edits.get("xml"):  # a hand edit of the first sheet's XML
        patch_part(path, "xl/worksheets/sheet1.xml", edits["xml"]["old"].encode(), edits["xml"]["new"].encode())


def hide(book, refs: list[str]) -> None:
    """Hide each of *refs*: a sheet (``Previous``), a row (``Actions!3``) or a column (``Actions!H``)."""
    for ref in refs:
        sheet, _, what = ref.partition("!")
        if not what:
            book[sheet].sheet_state = "hidden"
        elif what.isdigit():
            book[sheet].row_dimensions[int(what)].hidden = True
        else:
            book[sheet].column_dimensions[what].hidden = True


def edit_template(edit: dict, tmp: Path) -> Path:
    folder = tmp / "templates"
    shutil.copytree(TEMPLATES_DIR, folder, ignore=shutil.ignore_patterns("*.py"))
    src = TEMPLATES_DIR / "report.docx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(folder / "report.docx", "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "word/document.xml":
                assert edit["old"].encode() in data
                data = data.replace(edit["old"].encode(), edit["new"].encode(), 1)
            zout.writestr(item, data)
    return folder
