"""``boardpack serve``: a warm LibreOffice for builds in other processes, speaking unoserver's protocol.

Each ``boardpack build`` is a process of its own, and LibreOffice's start (about a second) comes back
with each. ``boardpack serve`` keeps two LibreOffices running (``warm.py``) behind an XML-RPC server
with the API of unoserver (``info`` and ``convert``, API version 3), so that builds given
``--converter unoserver://HOST:PORT`` convert there: the same client works with a real unoserver
on a shared server. It converts .docx to boardpack's tagged PDF only, whatever options are sent,
keeps nothing (each document goes through a temporary folder removed at once), and listens on
loopback unless told otherwise: restricted papers pass through it.

What it is sent comes from outside: a request over ``MAX_REQUEST`` is refused (HTTP 413) before it
is read; anything but a .docx is refused with a fault saying why; and every document is sanitised
(``sanitize.py``) so that nothing it links is fetched or included while it converts.
"""

from __future__ import annotations

import signal
import sys
import tempfile
import xmlrpc.client
from pathlib import Path
from socketserver import ThreadingMixIn
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer

from .. import __version__
from ..errors import ConvertError, Problem
from ..sanitize import NotWordDocument, sanitize_docx
from . import warm
from .converter import DEFAULT_TIMEOUT, UNO_HINT, find_soffice

API_VERSION = "3"
EXPORT_FILTERS = ["writer_pdf_Export"]
MAX_REQUEST = 50_000_000  # bytes of XML-RPC request: a .docx of about 37 MB, base64-encoded


class _Server(ThreadingMixIn, SimpleXMLRPCServer):
    daemon_threads = True


class _Handler(SimpleXMLRPCRequestHandler):
    """The XML-RPC handler, quiet, refusing a request too large before reading a byte of it."""

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the name the base class uses
        pass

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        length = self.headers.get("content-length", "")
        if not length.isdigit():
            self._refuse(411, "a request must say its length (Content-Length)")
        elif int(length) > MAX_REQUEST:
            limit = MAX_REQUEST // 1_000_000
            self._refuse(413, f"a request of {int(length):,} bytes: boardpack serve takes at most {limit} MB")
        else:
            super().do_POST()

    def _refuse(self, status: int, why: str) -> None:
        body = why.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True  # the body, unread, must not be taken for the next request


class ConvertService:
    """What the XML-RPC server offers: unoserver's ``info`` and ``convert``, on a warm pool."""

    def __init__(self, pool: warm.WarmPool, timeout: float):
        self.pool, self.timeout = pool, timeout

    def info(self) -> dict:
        return {
            "unoserver": f"boardpack {__version__}",
            "api": API_VERSION,
            "import_filters": [],
            "export_filters": EXPORT_FILTERS,
        }

    def convert(
        self, inpath, indata, outpath, convert_to, filtername, filter_options, update_index, infiltername, password=None
    ):  # noqa: E501, PLR0913 - unoserver's signature
        if indata is None or outpath is not None or convert_to != "pdf" or filtername not in (None, *EXPORT_FILTERS):
            raise ValueError("boardpack serve converts .docx sent as data to PDF, returned as data")
        try:
            clean = sanitize_docx(indata.data if hasattr(indata, "data") else indata)
        except NotWordDocument as exc:
            raise ValueError(f"boardpack serve converts .docx only: {exc}") from None
        with tempfile.TemporaryDirectory(prefix="boardpack-serve-") as tmp:
            docx = Path(tmp) / "document.docx"
            docx.write_bytes(clean)
            (pdf,) = self.pool.convert([docx], self.timeout)
            return xmlrpc.client.Binary(pdf.read_bytes())


def serve(interface: str, port: int, timeout: float | None = None, ready=print) -> None:
    """Serve conversions on *interface*:*port* until interrupted; call *ready* with the URL once listening."""
    python = warm.find_uno_python()
    if python is None:
        raise ConvertError([Problem("serve", f"boardpack serve needs python3-uno; {UNO_HINT}")])
    pool = warm.pool(python, find_soffice(), 2)
    service = ConvertService(pool, timeout or DEFAULT_TIMEOUT)
    try:
        server = _Server((interface, port), requestHandler=_Handler, allow_none=True, logRequests=False)
    except OSError as exc:
        raise ConvertError([Problem("serve", f"cannot listen on {interface}:{port}: {exc.strerror or exc}")]) from None
    with server:
        server.register_function(service.info, "info")
        server.register_function(service.convert, "convert")
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop as on Ctrl-C: LibreOffice stops too
        host, bound = server.server_address[:2]
        ready(f"unoserver://{host}:{bound}")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            warm.close_all()
