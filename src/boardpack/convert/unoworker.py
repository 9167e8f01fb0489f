"""A warm LibreOffice: one soffice kept running, driven over UNO, converting .docx to tagged PDF.

Run by a Python that can ``import uno`` (Debian's python3 with python3-uno), never imported by
boardpack itself: ``python3 unoworker.py SOFFICE SCRATCH_DIR``. It starts soffice with a profile
in the scratch folder, prints ``{"ready": true}`` once connected, then reads one JSON request a line on stdin
(``{"in": DOCX, "out": PDF}``) and answers each with one JSON line (``{"ok": true}`` or
``{"error": "..."}``). At the end of stdin (boardpack finished, or died) it stops soffice, removes
the scratch folder and exits; if boardpack dies while a document is converting (stdin unread), it
kills soffice, removes the folder and exits within a second.
Only the standard library and uno: nothing else is installed for that Python.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

CONNECT_TIMEOUT = 60.0
PARENT_CHECK = 0.5  # seconds between looks at whether boardpack is still there
PR_SET_PDEATHSIG = 1
RESTART = 81  # soffice.bin's exit code after making a new profile: start me again (oosplash's job)


class _Restart(Exception):
    pass


FILTER = "writer_pdf_Export"
# Loading: no macro runs, no link is updated (a picture or text linked outside is not fetched).
NEVER_EXECUTE, NO_UPDATE = 0, 0  # com.sun.star.document.MacroExecMode, UpdateDocMode
# The profile's settings: "stealth mode" (no remote content for documents not trusted), links never
# updated on load, macros at the highest security level.
SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="BlockUntrustedRefererLinks" \
oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" \
oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Writer/Content/Update"><prop oor:name="Link" \
oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""
FILTER_DATA = {"UseTaggedPDF": True, "PDFUACompliance": True, "DisplayPDFDocTitle": True, "ExportBookmarks": True}


def prop(name: str, value) -> PropertyValue:
    found = PropertyValue()
    found.Name, found.Value = name, value
    return found


def launch(soffice: str, profile: Path) -> tuple[subprocess.Popen, str]:
    """Start soffice listening on a pipe of its own; return the process and the pipe's name.

    soffice.bin itself is started where it can be found (not the launcher script and oosplash in
    front of it), so that the process here is LibreOffice, and it is killed by the kernel when this
    worker dies, however it dies.
    """
    pipe = f"boardpack-{os.getpid()}"
    settings = profile / "user" / "registrymodifications.xcu"
    if not settings.exists():
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(SETTINGS, encoding="utf-8")
    temp = profile.parent / "tmp"  # LibreOffice's own temporary files: removed with the scratch folder, even
    temp.mkdir(parents=True, exist_ok=True)  # after a kill (its lu*.tmp folders would stay behind in /tmp)
    binary = Path(os.path.realpath(soffice)).with_name("soffice.bin")
    program = str(binary) if os.access(binary, os.X_OK) else soffice
    proc = subprocess.Popen(
        [
            program,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nolockcheck",
            "--nologo",
            "--nodefault",
            f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "TMPDIR": str(temp)},
        preexec_fn=_die_with_parent,
    )
    return proc, pipe


def _prctl():
    try:
        return ctypes.CDLL(None).prctl
    except (OSError, AttributeError):  # not Linux: the worker's own clean-up still stops soffice
        return None


_PRCTL = _prctl()  # looked up here, not between fork and exec, where the loader's lock may be held


def _die_with_parent() -> None:
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL)


def connect(proc: subprocess.Popen, pipe: str):
    """Return soffice's Desktop once it accepts a connection."""
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + CONNECT_TIMEOUT
    while True:
        try:
            context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except NoConnectException:
            if proc.poll() == RESTART:
                raise _Restart from None
            if proc.poll() is not None:
                raise RuntimeError(f"soffice exited ({proc.returncode}) before it accepted a connection") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"soffice did not accept a connection in {CONNECT_TIMEOUT:g} s") from None
            time.sleep(0.05)
    return context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)


def convert(desktop, source: str, target: str) -> None:
    doc = desktop.loadComponentFromURL(
        uno.systemPathToFileUrl(source),
        "_blank",
        0,
        (
            prop("Hidden", True),
            prop("ReadOnly", True),
            prop("MacroExecutionMode", NEVER_EXECUTE),
            prop("UpdateDocMode", NO_UPDATE),
        ),
    )
    if doc is None:
        raise RuntimeError("LibreOffice could not load the document")
    try:
        _update_indexes(doc)
        data = uno.Any("[]com.sun.star.beans.PropertyValue", tuple(prop(k, v) for k, v in FILTER_DATA.items()))
        args = (prop("FilterName", FILTER), prop("FilterData", data))
        uno.invoke(doc, "storeToURL", (uno.systemPathToFileUrl(target), args))
    finally:
        doc.close(True)


def _update_indexes(doc) -> None:
    """Refresh tables of contents and other indexes, which Word leaves as last saved (and
    ``soffice --convert-to`` never updates): a template with a contents list shows this paper's."""
    supplier = getattr(doc, "getDocumentIndexes", None)
    if supplier is None:
        return
    indexes = supplier()
    for i in range(indexes.getCount()):
        indexes.getByIndex(i).update()


def stop(proc: subprocess.Popen, desktop) -> None:
    if desktop is not None:
        try:
            desktop.terminate()
        except Exception:  # noqa: BLE001 - a dead or hung soffice is killed below
            pass
    try:
        proc.wait(timeout=5 if desktop is not None else 0)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def watch_parent(soffice: list[subprocess.Popen], scratch: Path) -> None:
    """Kill soffice, remove *scratch* and exit as soon as boardpack is gone, even mid-conversion.

    A thread that looks at the parent's pid: PR_SET_PDEATHSIG cannot serve here, as boardpack starts
    this worker from a thread that ends long before boardpack does. *soffice* holds the running one.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK)
        for proc in soffice:
            proc.kill()
            proc.wait()
        shutil.rmtree(scratch, ignore_errors=True)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def reply(**answer) -> None:
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()


def main() -> int:
    soffice, scratch = sys.argv[1], Path(sys.argv[2])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    proc = desktop = None
    running: list[subprocess.Popen] = []
    watch_parent(running, scratch)
    try:
        for _ in range(2):
            proc, pipe = launch(soffice, scratch / "profile")
            running[:] = [proc]
            try:
                desktop = connect(proc, pipe)
                break
            except _Restart:
                continue
            except Exception as exc:  # noqa: BLE001 - reported to boardpack, which names the document
                reply(error=str(exc))
                return 1
        if desktop is None:
            reply(error="soffice asked to be restarted twice")
            return 1
        reply(ready=True)
        for line in sys.stdin:
            request = json.loads(line)
            try:
                convert(desktop, request["in"], request["out"])
            except Exception as exc:  # noqa: BLE001 - a UNO error names nothing boardpack can use but its text
                reply(error=" ".join(str(getattr(exc, "Message", "") or exc).split())[:300] or type(exc).__name__)
            else:
                reply(ok=True)
    except (BrokenPipeError, KeyboardInterrupt):  # boardpack went away
        return 1
    finally:
        if proc is not None:
            stop(proc, desktop)
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
