"""Convert .docx to tagged PDF with LibreOffice (``soffice --headless``).

One soffice call converts every document of a build, each call with a profile of its own (two
soffice processes sharing a profile lose PDFs silently). The PDF is tagged, its title comes from
the .docx core properties and its language from the docx style defaults (en-GB).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from .errors import ConvertError, Problem

INSTALL_HINT = "install LibreOffice: sudo apt-get install -y libreoffice-writer-nogui (or set BOARDPACK_SOFFICE)"
DEFAULT_TIMEOUT = 300.0
PDF_FILTER = "pdf:writer_pdf_Export:" + json.dumps(
    {
        "UseTaggedPDF": {"type": "boolean", "value": "true"},
        "DisplayPDFDocTitle": {"type": "boolean", "value": "true"},
        "ExportBookmarks": {"type": "boolean", "value": "true"},
    },
    separators=(",", ":"),
)


def find_soffice() -> str:
    """Return the soffice executable: ``BOARDPACK_SOFFICE`` if set, else from PATH."""
    configured = os.environ.get("BOARDPACK_SOFFICE")
    if configured:
        found = shutil.which(configured)
        if not found:
            raise ConvertError([Problem("BOARDPACK_SOFFICE", f"'{configured}' is not an executable; {INSTALL_HINT}")])
        return found
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise ConvertError([Problem("soffice", f"LibreOffice not found on PATH; {INSTALL_HINT}")])


def convert_to_pdf(documents: list[Path], timeout: float | None = None) -> list[Path]:
    """Convert each .docx in *documents* to a PDF beside it and return the PDF paths."""
    if not documents:
        return []
    soffice = find_soffice()
    timeout = timeout or float(os.environ.get("BOARDPACK_CONVERT_TIMEOUT", DEFAULT_TIMEOUT))
    by_folder: dict[Path, list[Path]] = {}
    for doc in documents:
        by_folder.setdefault(doc.parent, []).append(doc)
    with tempfile.TemporaryDirectory(prefix="boardpack-lo-") as profile:
        for folder, docs in by_folder.items():
            _run(soffice, profile, folder, docs, timeout)
    pdfs = [doc.with_suffix(".pdf") for doc in documents]
    missing = [p for p in pdfs if not p.is_file() or p.stat().st_size == 0]
    if missing:
        names = ", ".join(p.name for p in missing)
        raise ConvertError([Problem("soffice", f"LibreOffice did not write {names}")])
    return pdfs


def _run(soffice: str, profile: str, folder: Path, docs: list[Path], timeout: float) -> None:
    command = [
        soffice,
        f"-env:UserInstallation={Path(profile).as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        PDF_FILTER,
        "--outdir",
        str(folder),
        *[str(d) for d in docs],
    ]
    try:
        # A session of its own, so that a timeout kills soffice.bin too, not just the launcher.
        proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
    except OSError as exc:
        raise ConvertError([Problem("soffice", f"cannot run {soffice}: {exc}; {INSTALL_HINT}")]) from None
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise ConvertError([Problem("soffice", f"timed out after {timeout:g} s converting {docs[0].name}")]) from None
    if proc.returncode != 0:
        detail = " ".join((stderr or stdout).split())[:300]
        command_line = " ".join(command[:1] + command[2:7])
        raise ConvertError([Problem("soffice", f"exit {proc.returncode} from `{command_line} …`: {detail}")])
