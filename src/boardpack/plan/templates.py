"""Where templates are found: a committee's own template folder first, then the shipped one.

A plan may carry its own ``templates/`` folder beside ``meeting.yaml`` (another body's banner,
layout and wording); each template it holds replaces the one of the same name, and a template it
lacks comes from the folder given with ``--templates`` (by default, boardpack's own). A template
path is asked for as ``folders / "report.docx"``, so stages that only read templates see a folder.

boardpack's own templates are package data (``boardpack/templates/``), found with importlib.resources,
so an installed wheel finds them from any working directory as an editable install does.
"""

from __future__ import annotations

import zipfile
from importlib.resources import files
from pathlib import Path

from ..sanitize import NotWordDocument, outside_links
from ..zipcheck import ZipTooLarge


def shipped_templates() -> Path:
    """Return the folder of boardpack's own templates, a real folder (docxtpl, LibreOffice and Jinja2 read files).

    pip installs a wheel unpacked, and an editable install points at src/, so this is a folder on disk;
    a boardpack imported from a zip is the one case it is not, and is refused in words.
    """
    folder = files("boardpack") / "templates"
    if not isinstance(folder, Path) or not folder.is_dir():
        raise RuntimeError(f"boardpack's templates are not a folder on disk ({folder}): install boardpack with pip")
    return folder


TEMPLATES_DIR = shipped_templates()
PLAN_TEMPLATES = "templates"
# Every template a build may use: a folder given with --templates is the last resort, so it holds them all.
TEMPLATE_NAMES = ("report.docx", "appendix.docx", "table.docx", "written.docx", "frontsheet.docx", "withheld.docx")


def template_folder_problem(folder: Path) -> str | None:
    """Return what makes *folder* unfit to be the template folder of a build, or None if it is fit."""
    if not folder.exists():
        return f"{folder}: no such folder"
    if not folder.is_dir():
        return f"{folder}: not a folder"
    missing = [name for name in TEMPLATE_NAMES if not (folder / name).is_file()]
    if missing:
        return f"{folder}: has no {', '.join(missing)} (a template folder needs {', '.join(TEMPLATE_NAMES)})"
    found = linking_template(folder)
    return f"{found[0]}: {found[1]}" if found else None


def linking_template(folder: Path) -> tuple[Path, str] | None:
    """Return a template of *folder* that links outside itself (or is no Word file), and what is wrong."""
    for name in TEMPLATE_NAMES:
        path = folder / name
        if not path.is_file():
            continue
        try:
            links = outside_links(path)
        except (OSError, zipfile.BadZipFile, NotWordDocument, ZipTooLarge) as exc:
            return path, f"not a Word template ({exc})"
        if links:
            return path, f"the template links outside itself ({links[0]}): embed the picture or remove the link"
    return None


class TemplateFolders:
    """Template folders searched in order; ``folders / name`` is the first that holds *name*."""

    def __init__(self, *folders: Path):
        self.folders = tuple(Path(f) for f in folders)

    @classmethod
    def for_plan(cls, plan_dir: Path, templates: Path | TemplateFolders = TEMPLATES_DIR) -> TemplateFolders:
        """Return the folders a plan's build uses: its own ``templates/`` when it has one, then *templates*."""
        base = templates.folders if isinstance(templates, TemplateFolders) else (Path(templates),)
        own = Path(plan_dir) / PLAN_TEMPLATES
        return cls(*((own,) if own.is_dir() and own.resolve() not in {b.resolve() for b in base} else ()), *base)

    def __truediv__(self, name: str) -> Path:
        for folder in self.folders:
            if (folder / name).is_file():
                return folder / name
        return self.folders[-1] / name

    def layers(self, name: str) -> list[Path]:
        """Return every folder's *name*, the last folder's first: the order in which overrides stack."""
        return [folder / name for folder in reversed(self.folders)]

    def __str__(self) -> str:
        return str(self.folders[0])
