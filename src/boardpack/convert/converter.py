"""Convert .docx to tagged PDF with LibreOffice (``soffice --headless``).

One soffice call converts every document of a build, each call with a profile of its own (two
soffice processes sharing a profile lose PDFs silently). The PDF is tagged, its title comes from
the .docx core properties and its language from the docx style defaults (en-GB).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConvertError, Problem
from . import client, endpoints, warm

INSTALL_HINT = "install LibreOffice: sudo apt-get install -y libreoffice-writer-nogui (or set BOARDPACK_SOFFICE)"
DEFAULT_TIMEOUT = 300.0
PDF_FILTER = "pdf:writer_pdf_Export:" + json.dumps(
    {
        "UseTaggedPDF": {"type": "boolean", "value": "true"},
        "PDFUACompliance": {"type": "boolean", "value": "true"},
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


_running: set[subprocess.Popen] = set()  # the soffice runs under way, for interrupt()
_stopping = threading.Event()


def interrupt() -> None:
    """Kill every LibreOffice this process runs, warm or not (the build is stopped); safe in a signal handler.

    The conversion waiting for them raises KeyboardInterrupt at once, without retrying.
    """
    _stopping.set()
    for proc in list(_running):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    warm.interrupt()
    client.interrupt()


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
        _stopping.clear()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            failures = [f for f in pool.map(lambda b: _batch(soffice, work, b, timeout), batches) if f]
        if _stopping.is_set():
            raise KeyboardInterrupt
        originals = {copy: doc for doc, copy in staged.items()}
        if failures:  # name the document, not its working copy
            raise ConvertError([Problem(str(originals[copy]), str(exc.problems[0])) for copy, exc in failures])
        for doc, copy in staged.items():
            pdf = copy.with_suffix(".pdf")
            if not pdf.is_file():  # an empty or unreadable one is the verifier's (verify.py) to name
                raise ConvertError([Problem(str(doc.with_suffix(".pdf")), "LibreOffice did not write a PDF")])
            shutil.move(pdf, doc.with_suffix(".pdf"))
    return [doc.with_suffix(".pdf") for doc in documents]


def _batch(soffice: str, work: Path, docs: list[Path], timeout: float) -> tuple[Path, ConvertError] | None:
    """Convert *docs* in one soffice run; after a hang or a crash, restart LibreOffice for each
    unconverted document alone, once, with a fresh profile. Return the failure that remains, if any."""
    with tempfile.TemporaryDirectory(prefix="boardpack-lo-") as profile:
        try:
            _run(soffice, profile, work, docs, timeout * len(docs))
            if all(doc.with_suffix(".pdf").is_file() for doc in docs):
                return None
        except ConvertError:
            pass  # retried below, document by document
    for doc in (d for d in docs if not d.with_suffix(".pdf").is_file()):
        with tempfile.TemporaryDirectory(prefix="boardpack-lo-") as profile:
            try:
                _run(soffice, profile, work, [doc], timeout)
            except ConvertError as exc:
                return doc, exc
            if not doc.with_suffix(".pdf").is_file():
                return doc, ConvertError([Problem("soffice", "LibreOffice wrote no PDF, twice")])
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
    if _stopping.is_set():
        raise ConvertError([Problem("soffice", "stopped")])
    try:
        # A session of its own, so that a timeout kills soffice.bin too, not just the launcher; its
        # temporary files in the profile's folder, removed with it even after a kill.
        env = {**os.environ, "TMPDIR": profile}
        proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, env=env
        )
    except OSError as exc:
        raise ConvertError([Problem("soffice", f"cannot run {soffice}: {exc}; {INSTALL_HINT}")]) from None
    _running.add(proc)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        names = ", ".join(d.name.split("-", 1)[-1] for d in docs)
        raise ConvertError([Problem("soffice", f"timed out after {timeout:g} s converting {names}")]) from None
    finally:
        _running.discard(proc)
    if proc.returncode != 0:
        detail = " ".join((stderr or stdout).split())[:300]
        how = f"crashed (signal {-proc.returncode})" if proc.returncode < 0 else f"exit {proc.returncode}"
        command_line = " ".join(command[:1] + command[2:5])
        raise ConvertError([Problem("soffice", f"{how} from `{command_line} …`" + (f": {detail}" if detail else ""))])


REMOTE_OPTIONS = ["UseTaggedPDF=true", "PDFUACompliance=true", "DisplayPDFDocTitle=true", "ExportBookmarks=true"]


MODES = ("auto", "service", "warm", "soffice")  # the --converter names; "local" is the library's default


@dataclass(frozen=True)
class Converter:
    """How this build converts.

    *mode* ``service`` converts on this user's conversion service (``service.py``), warm LibreOffices
    kept across processes, started on demand; ``warm`` keeps LibreOffice running between documents
    and between builds of this process (both need python3-uno, see ``warm.py``); ``soffice`` starts
    soffice once per build (per worker). ``auto`` (the command line's default) is the service when
    python3-uno is there, else soffice; ``local`` (the library's default: a caller such as the tests
    builds many times in one process) is warm when python3-uno is there, else soffice. Both defaults
    give way to ``BOARDPACK_CONVERTER``. *remote* (``unoserver://HOST:PORT``, or several,
    comma-separated) sends every conversion to those unoservers instead, shared among them.
    """

    timeout: float | None = None
    workers: int | None = None
    remote: str | None = None  # "unoserver://HOST:PORT[,unoserver://HOST:PORT...]"
    mode: str = "local"

    def convert(self, documents: list[Path]) -> list[Path]:
        """Convert each .docx in *documents* to a PDF beside it and return the PDF paths."""
        if not documents:
            return []
        timeout = self.timeout or float(os.environ.get("BOARDPACK_CONVERT_TIMEOUT", DEFAULT_TIMEOUT))
        if self.remote:
            return _convert_remote(self.remote, documents, timeout)
        how = self.how()
        if how == "soffice":
            return convert_to_pdf(documents, timeout, self.workers)
        python, soffice = warm.find_uno_python(), find_soffice()
        workers = self.workers or int(os.environ.get("BOARDPACK_CONVERT_WORKERS", 2))
        in_process = warm.pool(python, soffice, workers)
        if how == "warm":
            return in_process.convert(documents, timeout)
        where = {"python": python, "soffice": soffice, "workers": workers}
        return client.convert(documents, timeout, workers, where, lambda left: in_process.convert(left, timeout))

    def concurrent(self) -> bool:
        """Whether a build may make several calls of ``convert`` at once, sharing the LibreOffices: the
        service's, or the warm ones of this process. ``soffice`` starts one a call; unoservers are
        shared within one call (a dead one is dropped, and said so, once a build): one call a build."""
        return not self.remote and self.how() != "soffice"

    def how(self) -> str:
        """Which converter runs: ``service``, ``warm`` or ``soffice`` (raise ConvertError when it cannot)."""
        mode = self.mode
        if mode in ("auto", "local"):
            mode = os.environ.get("BOARDPACK_CONVERTER") or mode
        if mode not in (*MODES, "local"):
            choices = ", ".join(MODES)
            raise ConvertError([Problem("BOARDPACK_CONVERTER", f"'{mode}' is not a converter: {choices}")])
        if mode == "soffice":
            return mode
        if warm.find_uno_python() is None:
            if mode in ("warm", "service"):
                raise ConvertError([Problem("converter", f"{mode} mode needs python3-uno; {UNO_HINT}")])
            return "soffice"
        return {"auto": "service", "local": "warm"}.get(mode, mode)


UNO_HINT = "sudo apt-get install -y python3-uno (or set BOARDPACK_UNO_PYTHON to a Python that can import uno)"


def parse_remote(spec: str) -> list[str]:
    """Return the URLs of ``unoserver://HOST:PORT`` (comma-separated, any number), or raise ValueError
    naming every bad entry, one a line."""
    return endpoints.parse_endpoints(spec)


def _convert_remote(spec: str, documents: list[Path], timeout: float) -> list[Path]:
    """Send the documents to the running unoservers of *spec*, shared among them (``endpoints.py``)."""
    return endpoints.convert_remote(spec, documents, timeout, REMOTE_OPTIONS)
