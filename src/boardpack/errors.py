"""Errors boardpack reports: each carries one or more problems that name where they came from.

One base class, ``BoardpackError``, with a kind per pipeline stage. The CLI turns any of them into
``file:line:col: message`` lines and an exit code in one place; the library never exits.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

EXIT_OK = 0
EXIT_INPUT = 1
EXIT_USAGE = 2
EXIT_ENVIRONMENT = 3


def display_path(path: Path) -> str:
    """Return *path* relative to the working directory when it lies below it, else absolute."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Location:
    """Where a value came from: a YAML file and 1-based line and column."""

    file: Path
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{display_path(self.file)}:{self.line}:{self.col}"
        return display_path(self.file)

    def sort_key(self) -> tuple[str, str, int, int]:
        """Order problems by file, then position."""
        return (str(self.file), "", self.line, self.col)


@dataclass(frozen=True)
class CellLocation:
    """Where a value came from in a workbook: file, sheet and cell (``appendix.xlsx:Actions!G14``)."""

    file: Path
    sheet: str
    row: int = 0
    col: int = 0

    @property
    def cell(self) -> str:
        """Return the cell's A1 name, or the sheet's name alone."""
        if not self.row:
            return self.sheet
        return (
            f"{self.sheet}!{column_letter(self.col)}{self.row}" if self.col else f"{self.sheet}!{self.row}:{self.row}"
        )

    def __str__(self) -> str:
        return f"{display_path(self.file)}:{self.cell}"

    def sort_key(self) -> tuple[str, str, int, int]:
        """Order problems by file, sheet, row, column."""
        return (str(self.file), self.sheet, self.row, self.col)


def column_letter(col: int) -> str:
    """Return the spreadsheet letters of the 1-based column *col* (1 -> A, 27 -> AA)."""
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, and where."""

    where: Location | CellLocation | str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class BoardpackError(Exception):
    """Base of every error boardpack reports to its user."""

    exit_code = EXIT_INPUT

    def __init__(self, problems: list[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem("boardpack", problems)]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class PlanError(BoardpackError):
    """The plan's YAML is malformed or inconsistent."""


class DataError(BoardpackError):
    """A workbook of actions is malformed or inconsistent."""


class RenderError(BoardpackError):
    """A template could not be rendered (a broken tag, an unknown field)."""


class AssembleError(BoardpackError):
    """A pack could not be assembled, or would leak restricted material."""


class ReadError(BoardpackError):
    """A file of the plan could not be read (permissions, a disk fault): the environment's fault."""

    exit_code = EXIT_ENVIRONMENT


class ConvertError(BoardpackError):
    """LibreOffice is missing or failed to turn a document into PDF."""

    exit_code = EXIT_ENVIRONMENT


class Problems:
    """Collect problems across a stage so that all of them are reported together."""

    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.warnings: list[Problem] = []

    def warn(self, where: Location | CellLocation | str, message: str) -> None:
        """Record something worth saying that does not stop the run."""
        self.warnings.append(Problem(where, message))

    def add(self, where: Location | CellLocation | str, message: str) -> None:
        """Record one problem."""
        self.items.append(Problem(where, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def in_order(self) -> list[Problem]:
        """Return the problems ordered by file, then place in the file."""
        return sorted(self.items, key=_order)

    def raise_if_any(self, kind: type[BoardpackError] = PlanError) -> None:
        """Raise *kind* carrying every recorded problem, if there are any."""
        if self.items:
            raise kind(self.in_order())


def _order(problem: Problem) -> tuple[str, str, int, int]:
    where = problem.where
    return where.sort_key() if hasattr(where, "sort_key") else (str(where), "", 0, 0)
