"""The remote converter: .docx to PDF on one or more running unoservers, ``unoserver://HOST:PORT,...``.

A build's documents go, the largest first, to whichever endpoint has a free slot: one request at a
time for a unoserver (it converts one document at a time on one LibreOffice: a second request would
only queue behind the first, where the other endpoint could have taken it; ``benchmarks/converter_pool.py``
measures this), two for a ``boardpack serve`` (two warm LibreOffices), as each says in its ``info()``.

An endpoint that cannot be reached or stops answering (connection refused or reset, a timeout, an
answer that is not XML-RPC) is dropped with a one-line warning, and its documents, those it was
converting and those it would have, go to the others; the conversion fails only when no endpoint is
left, naming them and the documents not converted. A document that a live endpoint refuses (an
XML-RPC fault, an HTTP error) is a problem with that document, not with the endpoint.
"""

from __future__ import annotations

import bisect
import http.client
import sys
import threading
import xmlrpc.client
from collections.abc import Callable
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit
from xml.parsers.expat import ExpatError

from ..errors import ConvertError, Problem

SCHEME = "unoserver"
API_VERSION = "3"  # unoserver's XML-RPC API (unoserver.client.API_VERSION), which boardpack serve speaks too
EXPORT_FILTER = "writer_pdf_Export"
PROBE_TIMEOUT = 30.0  # seconds an endpoint has to answer info(), at the start and after a refusal


class EndpointDown(Exception):
    """The endpoint cannot be reached or stopped answering: its documents go to the others."""


class Refused(Exception):
    """The endpoint answered, and did not convert this document."""


class Endpoint(Protocol):
    """One converter the pool sends documents to."""

    url: str

    def slots(self, timeout: float) -> int:
        """Return how many documents it converts at once; raise EndpointDown if it cannot be used."""

    def convert(self, docx: bytes, timeout: float) -> bytes:
        """Return the PDF of *docx*; raise Refused or EndpointDown."""


def parse_endpoints(text: str) -> list[str]:
    """Return the URLs of a comma-separated list of ``unoserver://HOST:PORT``, or raise ValueError
    naming every bad entry, one a line."""
    entries = text.split(",")
    urls: list[str] = []
    bad: list[str] = []
    for n, entry in enumerate(entries, 1):
        url = entry.strip()
        if not url:
            bad.append(f"entry {n} of {len(entries)} is empty")
        elif not _is_endpoint(url):
            bad.append(f"'{url}' is not {SCHEME}://HOST:PORT")
        elif url in urls:
            bad.append(f"'{url}' is listed twice")
        else:
            urls.append(url)
    if bad:
        raise ValueError("\n".join(bad))
    return urls


def _is_endpoint(url: str) -> bool:
    parsed = urlsplit(url)
    try:
        port = parsed.port
    except ValueError:  # not a number, or out of range
        return False
    extra = parsed.path or parsed.query or parsed.fragment or parsed.username or parsed.password
    return parsed.scheme == SCHEME and bool(parsed.hostname) and bool(port) and not extra


class _Transport(xmlrpc.client.Transport):
    """HTTP with a timeout on every connect and read."""

    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout

    def make_connection(self, host):  # noqa: ANN001, ANN201 - xmlrpc.client's signature
        connection = super().make_connection(host)
        connection.timeout = self.timeout
        return connection


class XmlRpcEndpoint:
    """A unoserver (or ``boardpack serve``) at ``unoserver://HOST:PORT``, spoken to over XML-RPC."""

    def __init__(self, url: str, options: list[str]):
        self.url = url
        self.options = list(options)
        self._address = urlsplit(url).netloc

    def slots(self, timeout: float) -> int:
        info = self._call("info", timeout)
        if not isinstance(info, dict) or str(info.get("api")) != API_VERSION:
            api = info.get("api") if isinstance(info, dict) else None
            raise EndpointDown(f"speaks unoserver API {api}, not {API_VERSION}")
        if EXPORT_FILTER not in info.get("export_filters", []):
            raise EndpointDown(f"has no {EXPORT_FILTER} filter")
        return 2 if str(info.get("unoserver", "")).startswith("boardpack") else 1

    def convert(self, docx: bytes, timeout: float) -> bytes:
        args = (None, xmlrpc.client.Binary(docx), None, "pdf", EXPORT_FILTER, self.options, True, None, None)
        result = self._call("convert", timeout, *args)
        return result.data if hasattr(result, "data") else result

    def _call(self, method: str, timeout: float, *args):  # noqa: ANN202 - whatever the server returns
        proxy = xmlrpc.client.ServerProxy(f"http://{self._address}", transport=_Transport(timeout), allow_none=True)
        try:
            with proxy:
                return getattr(proxy, method)(*args)
        except (xmlrpc.client.Fault, xmlrpc.client.ProtocolError) as exc:
            raise Refused(str(exc)) from None
        except TimeoutError:
            raise EndpointDown(f"timed out after {timeout:g} s") from None
        except OSError as exc:
            raise EndpointDown(_why(exc)) from None
        except (http.client.HTTPException, xmlrpc.client.ResponseError, ExpatError) as exc:
            raise EndpointDown(f"answered something that is not XML-RPC ({type(exc).__name__})") from None


def _why(exc: OSError) -> str:
    """Say in a few words why a connection failed: "connection refused", "connection reset"."""
    if exc.strerror:
        return exc.strerror[0].lower() + exc.strerror[1:]
    return str(exc) or type(exc).__name__


def warn_on_stderr(message: str) -> None:
    print(f"boardpack: warning: {message}", file=sys.stderr, flush=True)


class Pool:
    """Documents shared among endpoints: the largest first, to whichever has a free slot.

    *slots* overrides what each endpoint says it takes at once (the benchmark compares them).
    """

    def __init__(
        self,
        endpoints: list[Endpoint],
        timeout: float,
        warn: Callable[[str], None] = warn_on_stderr,
        slots: int | None = None,
    ):
        self.endpoints, self.timeout, self.warn, self.fixed_slots = list(endpoints), timeout, warn, slots
        self._cond = threading.Condition()

    def convert(self, documents: list[Path]) -> list[Path]:
        """Convert each .docx in *documents* to a PDF beside it and return the PDF paths."""
        if not documents:
            return []
        self._sizes = {doc: doc.stat().st_size for doc in documents}
        self._todo = sorted(documents, key=self._order)
        self._live = {ep.url for ep in self.endpoints}
        self._down: dict[str, str] = {}
        self._busy = 0
        self._stopped = False
        self._converted: set[Path] = set()
        self._failed: dict[Path, str] = {}
        self._lost: dict[Path, str] = {}  # the last failure of an endpoint while it converted the document
        for ep in self.endpoints:  # daemon threads: a request that hangs must not keep boardpack from exiting
            threading.Thread(target=self._start, args=(ep,), daemon=True).start()
        try:
            with self._cond:
                while self._busy or (self._todo and self._live):
                    self._cond.wait()
        finally:
            with self._cond:
                self._stopped = True
                self._cond.notify_all()
        self._raise_if_failed(documents)
        return [doc.with_suffix(".pdf") for doc in documents]

    def _order(self, doc: Path) -> int:
        return -self._sizes[doc]

    def _start(self, ep: Endpoint) -> None:
        try:
            slots = ep.slots(min(self.timeout, PROBE_TIMEOUT))
        except (EndpointDown, Refused) as exc:
            with self._cond:
                self._drop(ep, str(exc))
            return
        for _ in range(max(1, self.fixed_slots or slots) - 1):
            threading.Thread(target=self._work, args=(ep,), daemon=True).start()
        self._work(ep)

    def _work(self, ep: Endpoint) -> None:
        while (doc := self._take(ep)) is not None:
            try:
                pdf = ep.convert(doc.read_bytes(), self.timeout)
            except Refused as exc:
                self._refused(ep, doc, str(exc))
            except EndpointDown as exc:
                self._give_back(ep, doc, str(exc))
                return
            else:
                if self._stopped:  # the build was stopped (Ctrl-C) while this one converted: deliver nothing
                    return
                try:
                    doc.with_suffix(".pdf").write_bytes(pdf)
                except OSError as exc:  # a full disk: this document's problem, said by the build
                    self._settle(doc, failure=f"cannot write its PDF: {exc.strerror or exc}")
                else:
                    self._settle(doc, converted=True)

    def _take(self, ep: Endpoint) -> Path | None:
        """The next document for *ep*, waiting while others are converting (one may come back)."""
        with self._cond:
            while not self._todo and self._busy and ep.url in self._live and not self._stopped:
                self._cond.wait()
            if not self._todo or ep.url not in self._live or self._stopped:
                return None
            self._busy += 1
            return self._todo.pop(0)

    def _settle(self, doc: Path, converted: bool = False, failure: str = "") -> None:
        with self._cond:
            self._busy -= 1
            if converted:
                self._converted.add(doc)
            else:
                self._failed[doc] = failure
            self._cond.notify_all()

    def _refused(self, ep: Endpoint, doc: Path, why: str) -> None:
        """A document refused: its fault, unless the endpoint has stopped answering altogether."""
        try:
            ep.slots(min(self.timeout, PROBE_TIMEOUT))
        except (EndpointDown, Refused) as exc:
            self._give_back(ep, doc, f"{why}, then {exc}")
            return
        self._settle(doc, failure=f"{ep.url} cannot convert {doc.name}: {why}")

    def _give_back(self, ep: Endpoint, doc: Path, why: str) -> None:
        with self._cond:
            self._busy -= 1
            self._lost[doc] = f"{why} converting {doc.name} on {ep.url}"
            bisect.insort(self._todo, doc, key=self._order)
            self._drop(ep, why)
            self._cond.notify_all()

    def _drop(self, ep: Endpoint, why: str) -> None:
        """Take *ep* out of the pool (the caller holds the lock), saying so once."""
        if ep.url not in self._live:
            return
        self._live.discard(ep.url)
        self._down[ep.url] = why
        after = "its documents go to the others" if self._live else "no converter is left"
        self.warn(f"converter {ep.url} dropped: {why}; {after}")
        self._cond.notify_all()

    def _raise_if_failed(self, documents: list[Path]) -> None:
        problems = []
        down = ", ".join(f"{url} ({why})" for url, why in self._down.items())
        for doc in documents:
            if doc in self._failed:
                problems.append(Problem(str(doc), self._failed[doc]))
            elif doc not in self._converted:
                lost = self._lost.get(doc, f"{doc.name} not converted")
                problems.append(Problem(str(doc), f"{lost}; no converter is left: {down}"))
        if problems:
            raise ConvertError(problems)


def convert_remote(
    spec: str, documents: list[Path], timeout: float, options: list[str], warn: Callable[[str], None] = warn_on_stderr
) -> list[Path]:
    """Convert *documents* on the endpoints of *spec* (``unoserver://HOST:PORT``, comma-separated)."""
    try:
        urls = parse_endpoints(spec)
    except ValueError as exc:
        raise ConvertError([Problem("converter", line) for line in str(exc).splitlines()]) from None
    return Pool([XmlRpcEndpoint(url, options) for url in urls], timeout, warn).convert(documents)
