"""Fuzzing: whatever is done to a plan, boardpack answers with an exit code and a message, never a crash.

Each example breaks a copy of the example plan in one to three ways — bytes inserted, deleted or replaced in a
YAML file; keys renamed, deleted or duplicated; values swapped for another type, made very long, or filled
with control characters, escapes of surrogates, right-to-left text, emoji, ``{{ }}``, ``&`` and ``<``; cells,
types and hidden rows and columns in the workbook — and runs ``boardpack check`` in-process; a few run
``boardpack build`` with a stand-in converter. Each must exit 0, 1 or 3, print no traceback and no internal
error, and, when it fails, leave the output folder exactly as it was.

Bounded (60 checks, 5 builds) and derandomized, so CI runs the same examples every time;
``scripts/fuzz.py`` runs these strategies for as long as asked (``python scripts/fuzz.py --examples 2000``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from boardpack.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "plans" / "2017-12-19-audit-panel"
YAML_FILES = sorted(p.relative_to(EXAMPLE).as_posix() for p in EXAMPLE.rglob("*.yaml"))
WORKBOOK = "governance-improvement-plan/appendix.xlsx"
ALLOWED_EXITS = (0, 1, 3)
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# -- what a plan can be broken with ------------------------------------------------------------------------

TRICKY = [
    *("\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f", "\x85", "\x9f", "\u2028", "\ufeff", "\ufffe", "\uffff"),
    *("\ud800", "\udfff", "\ud83d\ude00", "\u202e", "\u200f", "\u0301", "שלום", "مرحبا", "😀", "👩‍👩‍👧"),
    *("{{ 7*7 }}", "{% if x %}", "{#", "{_{", "{x}", "{{", "}}", "&", "&amp;", "<b>", "]]>", "$5m and $3m", "$\\foo$"),
    *("\\", '"', "'", "[[", "]]", "[[gip]]", "[[count:", "%", ": ", "- ", "# ", "*a", "&a ", "!!python/object", "\t"),
    *("\r\n", "\n", "\n\n", "---", "..."),
]
KNOWN_KEYS = ["title", "paper", "label", "text", "items", "sections", "appendices", "restricted", "reason", "date"]
OTHER_VALUES = [
    *("true", "false", "null", "~", "yes", "no", "on", "0", "-1", "1e400", ".inf", ".nan", "0x1F", "[]", "{}", "''"),
    *('""', "[a, b]", "{a: b}", "[[a]]", "2017-12-19", "2017-02-30", "-2017-12-19", "0001-01-01", "9999-12-31"),
    *("14:00", "&x anchored", "*x", "!!binary aGVsbG8=", "!!int 3", "|", ">", "? a", "- a", '"\\U7FFFFFFF"'),
]

text = st.lists(st.one_of(st.sampled_from(TRICKY), st.text(max_size=6)), min_size=1, max_size=6).map("".join)
yaml_values = st.one_of(
    st.sampled_from(OTHER_VALUES),
    st.integers(-(10**12), 10**12).map(str),
    st.floats().map(repr),
    text.map(json.dumps),  # a double-quoted scalar: controls and lone surrogates as escapes
    text.map(lambda t: "'" + t.replace("'", "''").replace("\n", " ") + "'"),
    text.filter(lambda t: "\n" not in t and "\r" not in t),  # as typed, raw
    st.builds(
        lambda word, n: word * n, st.sampled_from(["x", "Word ", "Ünïcödé ", "\\u263A "]), st.integers(200, 40_000)
    ),
)
cell_values = st.one_of(
    st.none(),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 1, 1)),
    st.dates(min_value=dt.date(1900, 3, 1)),
    text,
    st.sampled_from(["", " ", "=1+1", "=SUM(A1:A3)", "Complete", "On track", "CIP-01", "#N/A", "x" * 6000]),
)


@dataclass(frozen=True)
class ByteEdit:
    """Insert, delete or replace bytes at a place in a YAML file."""

    file: str
    where: float  # 0..1 through the file
    op: str
    data: bytes

    def apply(self, plan: Path) -> None:
        path = plan / self.file
        raw = path.read_bytes()
        at = int(self.where * len(raw))
        cut = len(self.data) if self.op != "insert" else 0
        path.write_bytes(raw[:at] + (b"" if self.op == "delete" else self.data) + raw[at + cut :])


def as_bytes(text: str) -> str:
    """Return *text* as its UTF-8 bytes, one character each (lone surrogates too), to splice into a file read
    as Latin-1."""
    return text.encode("utf-8", "surrogatepass").decode("latin-1")


KEY_LINE = re.compile(r"^(\s*(?:- )?)([A-Za-z_][\w-]*)(:)(?=\s|$)", re.M)
VALUE_LINE = re.compile(r"^(\s*(?:- )?(?:[A-Za-z_][\w-]*: )?)(\S.*)$", re.M)


@dataclass(frozen=True)
class KeyEdit:
    """Rename, delete or duplicate a `key:` line of a YAML file."""

    file: str
    pick: int
    op: str
    new: str

    def apply(self, plan: Path) -> None:
        path = plan / self.file
        source = path.read_bytes().decode("latin-1")  # byte for byte, whatever an earlier edit left
        found = list(KEY_LINE.finditer(source))
        m = found[self.pick % len(found)]
        line_end = source.find("\n", m.start()) + 1 or len(source)
        line = source[m.start() : line_end]
        if self.op == "rename":
            line = m.group(1) + as_bytes(self.new) + line[len(m.group(1)) + len(m.group(2)) :]
        changed = {"rename": line, "delete": "", "duplicate": line + line}[self.op]
        path.write_bytes((source[: m.start()] + changed + source[line_end:]).encode("latin-1"))


@dataclass(frozen=True)
class ValueEdit:
    """Replace a value (after `key: ` or `- `) of a YAML file with another, of any type, length or script."""

    file: str
    pick: int
    value: str

    def apply(self, plan: Path) -> None:
        path = plan / self.file
        source = path.read_bytes().decode("latin-1")  # byte for byte, whatever an earlier edit left
        found = [m for m in VALUE_LINE.finditer(source) if not m.group(2).startswith("#")]
        m = found[self.pick % len(found)]
        path.write_bytes((source[: m.start(2)] + as_bytes(self.value) + source[m.end(2) :]).encode("latin-1"))


@dataclass(frozen=True)
class Everywhere:
    """Replace a text in every YAML file of the plan: the meeting's date, say, so that the papers still agree."""

    old: str
    new: str

    def apply(self, plan: Path) -> None:
        for name in YAML_FILES:
            path = plan / name
            path.write_bytes(path.read_bytes().replace(self.old.encode(), self.new.encode("utf-8", "surrogatepass")))


@dataclass(frozen=True)
class CellEdit:
    """Change the workbook: a cell's value (of any type), or hide a row or a column."""

    sheet: int
    row: int
    col: int
    op: str
    value: object = None

    def apply(self, plan: Path) -> None:
        book = load_workbook(plan / WORKBOOK)
        sheet = book.worksheets[self.sheet % len(book.worksheets)]
        row, col = 1 + self.row % (sheet.max_row + 2), 1 + self.col % (sheet.max_column + 2)
        if self.op == "hide row":
            sheet.row_dimensions[row].hidden = True
        elif self.op == "hide column":
            sheet.column_dimensions[get_column_letter(col)].hidden = True
        elif self.op == "delete row":
            sheet.delete_rows(row)
        else:
            value = self.value
            if isinstance(value, str):  # what no workbook can hold (openpyxl would not save it) as "?"
                value = NOT_IN_XML.sub("?", value)
            sheet.cell(row, col).value = value
        book.save(plan / WORKBOOK)


files = st.sampled_from(YAML_FILES)
picks = st.integers(0, 10_000)
mutation = st.one_of(
    st.builds(
        ByteEdit,
        files,
        st.floats(0, 1),
        st.sampled_from(["insert", "delete", "replace"]),
        st.binary(min_size=1, max_size=8),
    ),
    st.builds(
        KeyEdit,
        files,
        picks,
        st.sampled_from(["rename", "delete", "duplicate"]),
        st.one_of(st.sampled_from(KNOWN_KEYS), st.from_regex(r"[A-Za-z_][\w-]{0,12}", fullmatch=True)),
    ),
    st.builds(ValueEdit, files, picks, yaml_values),
    st.builds(ValueEdit, files, picks, yaml_values),  # values twice as often: they reach furthest
    st.builds(CellEdit, picks, picks, picks, st.just("value"), cell_values),
    st.builds(Everywhere, st.just("2017-12-19"), st.dates().map(dt.date.isoformat)),  # the meeting's date
    st.builds(CellEdit, picks, picks, picks, st.sampled_from(["hide row", "hide column", "delete row"])),
)
mutations = st.lists(mutation, min_size=1, max_size=3)
meeting_dates = st.builds(Everywhere, st.just("2017-12-19"), st.dates().map(dt.date.isoformat))


# -- running boardpack on it -------------------------------------------------------------------------------


def run(argv: list[str]) -> tuple[int, str]:
    """Run the command line in-process; return its exit code and everything it printed."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue() + err.getvalue()


def assert_answered(code: int, printed: str) -> None:
    """Assert that boardpack answered as it must: a known exit code, no traceback, no internal error."""
    assert code in ALLOWED_EXITS, (code, printed)
    assert "Traceback" not in printed, printed
    assert "internal error" not in printed, printed  # the last-resort guard must never be what catches it


def check_once(edits: list, root: Path) -> tuple[int, str]:
    """Break a copy of the example with *edits* and check it: boardpack must answer, never crash."""
    plan = root / EXAMPLE.name
    shutil.copytree(EXAMPLE, plan)
    for edit in edits:
        edit.apply(plan)
    code, printed = run(["check", str(plan)])
    assert_answered(code, printed)
    return code, printed


def build_once(edits: list, root: Path) -> tuple[int, str]:
    """Break a copy of the example with *edits* and build it: on failure, the output folder is untouched."""
    plan = root / EXAMPLE.name
    shutil.copytree(EXAMPLE, plan)
    for edit in edits:
        edit.apply(plan)
    out = root / "out"
    out.mkdir()
    (out / "public-pack.pdf").write_bytes(PREVIOUS_PACK)  # a previous output of boardpack's, that must survive
    (out / "manifest.json").write_text(json.dumps([PREVIOUS_ENTRY]), encoding="utf-8")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    code, printed = run(["build", str(plan), "--out", str(out), "--converter", "soffice", "-q"])
    assert_answered(code, printed)
    if code != 0:
        assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before, printed
    return code, printed


PREVIOUS_PACK = b"the previous pack"
PREVIOUS_ENTRY = {"path": "public-pack.pdf", "kind": "pack", "sha256": hashlib.sha256(PREVIOUS_PACK).hexdigest()}

FAKE_SOFFICE = f"""#!{sys.executable}
# A stand-in for LibreOffice, at once: a PDF of each document's words in Helvetica, 60 lines a page,
# so that boardpack's check of what a converter returns accepts it and the build goes on to the packs.
import re
import sys
from pathlib import Path
import pikepdf
from boardpack.convert.verify import docx_text
args = sys.argv[1:]
out = Path(args[args.index("--outdir") + 1])
for doc in (a for a in args if a.endswith(".docx")):
    words = docx_text(Path(doc)).split()
    lines = [" ".join(words[i : i + 12]) for i in range(0, len(words), 12)] or [""]
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                             BaseFont=pikepdf.Name.Helvetica, Encoding=pikepdf.Name.WinAnsiEncoding))
    for start in range(0, len(lines), 60):
        shown = [re.sub("[^A-Za-z0-9 .,;:-]", " ", line) for line in lines[start : start + 60]]
        text = " T* ".join("(" + line + ") Tj" for line in shown)
        pdf.add_blank_page()
        page = pdf.pages[-1]
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.Contents = pdf.make_stream(("BT /F1 8 Tf 10 TL 36 760 Td " + text + " ET").encode("latin-1"))
    pdf.save(out / (Path(doc).stem + ".pdf"))
"""


def fake_soffice(folder: Path) -> Path:
    """Write the stand-in converter into *folder* and return its path."""
    script = folder / "fake-soffice"
    script.write_text(FAKE_SOFFICE, encoding="utf-8")
    script.chmod(0o755)
    return script


# -- the tests ---------------------------------------------------------------------------------------------

CI = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)


@settings(CI, max_examples=60)
@given(edits=mutations)
def test_check_answers_whatever_the_plan(edits):
    with tempfile.TemporaryDirectory(prefix="boardpack-fuzz-") as root:
        check_once(edits, Path(root))


@settings(CI, max_examples=4)
@given(
    edits=st.lists(st.one_of(st.builds(ValueEdit, files, picks, yaml_values), meeting_dates), min_size=1, max_size=2)
)
@example(edits=[Everywhere("2017-12-19", "9999-12-31")])  # zip entries cannot be dated after 2107
def test_build_answers_whatever_the_plan(edits, tmp_path_factory, monkeypatch):
    monkeypatch.setenv("BOARDPACK_SOFFICE", str(fake_soffice(tmp_path_factory.mktemp("soffice"))))
    with tempfile.TemporaryDirectory(prefix="boardpack-fuzz-") as root:
        build_once(edits, Path(root))


def test_the_stand_in_converter_lets_a_valid_plan_build_to_its_packs(tmp_path, monkeypatch):
    """The build fuzz must reach the packs: a stand-in whose PDFs the converter check refused, or a previous
    output the ownership rule refused, would make every build stop early and the fuzz test prove little."""
    (tmp_path / "soffice").mkdir()
    monkeypatch.setenv("BOARDPACK_SOFFICE", str(fake_soffice(tmp_path / "soffice")))
    code, printed = build_once([Everywhere("2017-12-19", "9999-12-31")], tmp_path)
    assert code == 0, printed
    assert (tmp_path / "out" / "public-pack.pdf").read_bytes() != PREVIOUS_PACK
    assert (tmp_path / "out" / "members-pack.pdf").is_file()
