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
from concurrent.futures import ThreadPoolExecutor
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


def convert_to_pdf(documents: list[Path], timeout: float | None = None, workers: int | None = None) -> list[Path]:
    """Convert each .docx in *documents* to a PDF beside it and return the PDF paths.

    The documents are converted in one batch per worker (LibreOffice starts once per batch, not once
    per document), by up to two soffice processes at once, each with a profile of its own. *timeout*
    is per document; a batch that times out is retried document by document, once.
    """
    if not documents:
        return []
    soffice = find_soffice()
    timeout = timeout or float(os.environ.get("BOARDPACK_CONVERT_TIMEOUT", DEFAULT_TIMEOUT))
    workers = max(1, min(workers or int(os.environ.get("BOARDPACK_CONVERT_WORKERS", 2)), len(documents)))
    with tempfile.TemporaryDirectory(prefix="boardpack-convert-") as tmp:
        work = Path(tmp)
        # Unique names in one folder: papers' files share names (report.docx) across folders.
        staged = {doc: work / f"{i:04d}-{doc.name}" for i, doc in enumerate(documents)}
        for doc, copy in staged.items():
            shutil.copyfile(doc, copy)
        batches = [list(staged.values())[i::workers] for i in range(workers)]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            failures = [f for f in pool.map(lambda b: _batch(soffice, work, b, timeout), batches) if f]
        if failures:
            raise failures[0]
        for doc, copy in staged.items():
            pdf = copy.with_suffix(".pdf")
            if not pdf.is_file() or pdf.stat().st_size == 0:
                raise ConvertError([Problem("soffice", f"LibreOffice did not write a PDF of {doc}")])
            shutil.move(pdf, doc.with_suffix(".pdf"))
    return [doc.with_suffix(".pdf") for doc in documents]


def _batch(soffice: str, work: Path, docs: list[Path], timeout: float) -> ConvertError | None:
    """Convert *docs* in one soffice run; on a timeout, retry each unconverted one alone. Return any failure."""
    with tempfile.TemporaryDirectory(prefix="boardpack-lo-") as profile:
        try:
            _run(soffice, profile, work, docs, timeout * len(docs))
            return None
        except ConvertError as exc:
            if "timed out" not in str(exc):
                return exc
        for doc in docs:
            if not doc.with_suffix(".pdf").is_file():
                try:
                    _run(soffice, profile, work, [doc], timeout)
                except ConvertError as exc:
                    return exc
    return None


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
        names = ", ".join(d.name.split("-", 1)[-1] for d in docs)
        raise ConvertError([Problem("soffice", f"timed out after {timeout:g} s converting {names}")]) from None
    if proc.returncode != 0:
        detail = " ".join((stderr or stdout).split())[:300]
        command_line = " ".join(command[:1] + command[2:7])
        raise ConvertError([Problem("soffice", f"exit {proc.returncode} from `{command_line} …`: {detail}")])
