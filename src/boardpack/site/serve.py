"""The preview server of ``boardpack watch --serve``: the output's site/ on 127.0.0.1, reloaded after each rebuild.

The site itself needs no JavaScript. Only here, every HTML response gets one line before ``</body>``,
``<script src="/__boardpack/reload.js?g=N" defer>``, whose script listens to the Server-Sent Events of
``/__boardpack/events`` and reloads the page on a ``rebuilt`` event; N is the build the page was served
from, so a page whose event stream connects after a rebuild it missed reloads at once.

Files are served only from inside site/: the path is decoded, resolved (symlinks followed) and must
still be inside the resolved site/ folder; anything else is a 404. site/ is looked up afresh on every
request, since each build swaps in a new output folder. Only 127.0.0.1 is served: the preview holds
papers before their publication.
"""

from __future__ import annotations

import html
import mimetypes
import re
import threading
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ..errors import EXIT_ENVIRONMENT, BoardpackError, Problem

HOST = "127.0.0.1"
DEFAULT_PORT = 8000
PORTS_TRIED = 20
EVENTS = "/__boardpack/events"
SCRIPT = "/__boardpack/reload.js"
POLL = 0.1  # seconds: how soon stop() is noticed
KEEPALIVE = 15.0  # seconds between comments on an idle event stream: a closed tab is noticed
RELOAD_JS = b"""\
(() => {
  const built = new URL(document.currentScript.src).searchParams.get("g");
  const events = new EventSource("/__boardpack/events?since=" + built);
  events.addEventListener("rebuilt", () => { events.close(); location.reload(); });
})();
"""
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".ics": "text/calendar; charset=utf-8",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".woff2": "font/woff2",
}
BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)


class PortError(BoardpackError):
    """No port to serve the preview on."""

    exit_code = EXIT_ENVIRONMENT


class PreviewServer:
    """Serve *site_dir* on 127.0.0.1 in a thread; ``notify()`` after each rebuild reloads the open pages."""

    def __init__(self, site_dir: Path, port: int = DEFAULT_PORT, host: str = HOST):
        if host != HOST:
            raise ValueError(f"the preview is served on {HOST} only, not {host!r}")
        self.site_dir = site_dir
        self.generation = 0
        self.stopping = False
        self.changed = threading.Condition()
        self.httpd = _bind(port, self)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, args=(POLL,), name="boardpack-preview", daemon=True
        )

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def start(self) -> PreviewServer:
        self.thread.start()
        return self

    def notify(self) -> None:
        """Tell every open page that the site was rebuilt."""
        with self.changed:
            self.generation += 1
            self.changed.notify_all()

    def stop(self) -> None:
        """Stop serving, end the event streams and wait for every request's thread."""
        with self.changed:
            self.stopping = True
            self.changed.notify_all()
        if self.thread.is_alive():
            self.httpd.shutdown()
        self.httpd.server_close()  # joins the threads of requests still running
        if self.thread.is_alive():
            self.thread.join()

    def __enter__(self) -> PreviewServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def wait(self, since: int, timeout: float) -> int | None:
        """Return the generation once it is past *since*, or None after *timeout* seconds or when stopping."""
        with self.changed:
            self.changed.wait_for(lambda: self.generation > since or self.stopping, timeout)
            return None if self.stopping or self.generation <= since else self.generation


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins them: stop() leaves no thread behind
    preview: PreviewServer


def _bind(port: int, preview: PreviewServer) -> _Server:
    """Bind the first free port of *port*, *port* + 1 … (any free port for 0)."""
    tried = [port] if port == 0 else range(port, min(port + PORTS_TRIED, 65536))
    for candidate in tried:
        try:
            httpd = _Server((HOST, candidate), Handler)
        except OSError:
            continue
        httpd.preview = preview
        return httpd
    raise PortError([Problem("watch --serve", f"no free port from {port} to {port + PORTS_TRIED - 1} on {HOST}")])


class Handler(BaseHTTPRequestHandler):
    """GET and HEAD of site/'s files, the reload script and the event stream."""

    server: _Server
    server_version = "boardpack-preview"
    timeout = 30  # a client that sends nothing does not hold stop() up for long

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def log_message(self, format: str, *args) -> None:
        """Say nothing: the watch prints one line a rebuild."""

    def _respond(self, head: bool) -> None:
        url = urllib.parse.urlsplit(self.path)
        preview = self.server.preview
        if url.path == EVENTS and not head:
            self._events(url.query)
        elif url.path == SCRIPT:
            self._send(HTTPStatus.OK, TYPES[".js"], RELOAD_JS, head)
        else:
            self._file(url.path, preview, head)

    def _file(self, path: str, preview: PreviewServer, head: bool) -> None:
        found = resolve(preview.site_dir, path)
        if found is not None and found.is_dir():
            if not path.endswith("/"):  # so that the page's relative links resolve under it
                self._redirect(path + "/")
                return
            found = found / "index.html" if (found / "index.html").is_file() else None
        if found is None or not found.is_file():
            body = f"<!DOCTYPE html><title>Not found</title><body><p>Not in site/: {html.escape(path)}</p></body>"
            self._send(HTTPStatus.NOT_FOUND, TYPES[".html"], self._inject(body.encode(), preview), head)
            return
        content_type = (
            TYPES.get(found.suffix.lower()) or mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        )
        body = found.read_bytes()
        if content_type.startswith("text/html"):
            body = self._inject(body, preview)
        self._send(HTTPStatus.OK, content_type, body, head)

    def _inject(self, body: bytes, preview: PreviewServer) -> bytes:
        tag = f'<script src="{SCRIPT}?g={preview.generation}" defer></script>\n'.encode()
        ends = list(BODY_END.finditer(body))
        at = ends[-1].start() if ends else len(body)
        return body[:at] + tag + body[at:]

    def _send(self, status: HTTPStatus, content_type: str, body: bytes, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", urllib.parse.quote(location))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _events(self, query: str) -> None:
        """Stream ``rebuilt`` events until the client goes or the server stops."""
        preview = self.server.preview
        since = urllib.parse.parse_qs(query).get("since", [""])[0]
        seen = int(since) if since.isdigit() else preview.generation
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        try:
            self.wfile.write(b"retry: 1000\n\n")
            self.wfile.flush()
            while not preview.stopping:
                generation = preview.wait(seen, KEEPALIVE)
                if generation is not None:
                    seen = generation
                    self.wfile.write(f"event: rebuilt\ndata: {generation}\n\n".encode())
                elif not preview.stopping:
                    self.wfile.write(b": waiting\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page was closed or reloaded
        self.close_connection = True


def resolve(site_dir: Path, url_path: str) -> Path | None:
    """Return the file or folder *url_path* names inside *site_dir*, or None if it is not inside."""
    try:
        relative = urllib.parse.unquote(url_path, errors="strict").lstrip("/")
    except UnicodeDecodeError:
        return None
    if "\x00" in relative or "\\" in relative:
        return None
    root = site_dir.resolve()
    try:
        found = (root / relative).resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return None
    return found if found == root or found.is_relative_to(root) else None
