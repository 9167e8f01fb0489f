"""The preview server of ``watch --serve``: site/ only, 127.0.0.1 only, a reload after each rebuild."""

from __future__ import annotations

import http.client
import socket
from pathlib import Path

import pytest

from boardpack.cli import main
from boardpack.convert.converter import Converter
from boardpack.errors import PlanError
from boardpack.pipeline.watch import watch
from boardpack.site.serve import PortError, PreviewServer, resolve

from .conftest import EXAMPLE

PAGE = '<!DOCTYPE html><html lang="en-GB"><head><title>Audit Panel</title></head><body><p>Agenda</p></body></html>'


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "out" / "site"
    (root / "paper").mkdir(parents=True)
    (root / "index.html").write_text(PAGE, encoding="utf-8")
    (root / "paper" / "index.html").write_text(PAGE.replace("Agenda", "Paper"), encoding="utf-8")
    (root / "site.css").write_text("body { margin: 0 }\n", encoding="utf-8")
    (root / "meeting.json").write_text('{"committee": "Audit Panel"}\n', encoding="utf-8")
    (root / "meeting.ics").write_bytes(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    (tmp_path / "out" / "members-pack.pdf").write_bytes(b"%PDF-1.7 secret")
    (tmp_path / "passwd").write_text("root:x:0:0\n", encoding="utf-8")
    return root


@pytest.fixture
def server(site: Path):
    with PreviewServer(site, port=0) as preview:
        yield preview


def get(server: PreviewServer, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)  # the path as given: no client-side clean-up
        conn.endheaders()
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_serves_the_index_with_the_reload_script_injected(server):
    assert server.url == f"http://127.0.0.1:{server.port}/"
    status, headers, body = get(server, "/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert body.endswith(b'<script src="/__boardpack/reload.js?g=0" defer></script>\n</body></html>')
    assert int(headers["Content-Length"]) == len(body)
    assert get(server, "/index.html")[2] == body


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/site.css", "text/css; charset=utf-8"),
        ("/meeting.json", "application/json"),
        ("/meeting.ics", "text/calendar; charset=utf-8"),
        ("/__boardpack/reload.js", "text/javascript; charset=utf-8"),
    ],
)
def test_content_types(server, path, content_type):
    status, headers, body = get(server, path)
    assert (status, headers["Content-Type"]) == (200, content_type)
    assert b"<script" not in body  # only HTML gets the script


def test_a_folder_redirects_to_its_slash_then_serves_its_index(server):
    status, headers, _ = get(server, "/paper")
    assert status == 301 and headers["Location"] == "/paper/"
    status, _, body = get(server, "/paper/")
    assert status == 200 and b"<p>Paper</p>" in body


def test_head_sends_no_body(server):
    status, headers, body = get(server, "/site.css", method="HEAD")
    assert status == 200 and body == b"" and headers["Content-Length"] == "19"


@pytest.mark.parametrize(
    "path",
    [
        "/../../passwd",
        "/../members-pack.pdf",
        "/%2e%2e/members-pack.pdf",
        "/%2E%2E/%2e%2e/passwd",
        "/paper/..%2f..%2fmembers-pack.pdf",
        "//etc/passwd",
        "/../../../../../../etc/passwd",
        "/%00index.html",
        "/%ff",
        "/missing.html",
        "/link-out/members-pack.pdf",
        "/passwd-link",
    ],
)
def test_nothing_outside_site_is_served(server, site, path):
    (site / "link-out").symlink_to(site.parent, target_is_directory=True)
    (site / "passwd-link").symlink_to(site.parent.parent / "passwd")
    status, headers, body = get(server, path)
    assert status == 404 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"root:x" not in body and b"%PDF" not in body
    assert b"/__boardpack/reload.js" in body  # a page opened before the first build reloads after it


def test_resolve_keeps_inside(site):
    assert resolve(site, "/paper/index.html") == (site / "paper" / "index.html").resolve()
    assert resolve(site, "/paper/../site.css") == (site / "site.css").resolve()  # still inside
    assert resolve(site, "/../site/site.css") == (site / "site.css").resolve()
    assert resolve(site, "/%2e%2e") is None


def test_a_symlink_inside_site_is_served(server, site):
    (site / "style.css").symlink_to(site / "site.css")
    assert get(server, "/style.css")[0] == 200


def test_the_site_folder_is_looked_up_on_every_request(tmp_path):
    site = tmp_path / "site"
    with PreviewServer(site, port=0) as preview:
        assert get(preview, "/")[0] == 404  # not built yet
        site.mkdir()
        (site / "index.html").write_text(PAGE, encoding="utf-8")
        assert get(preview, "/")[0] == 200


def read_event(stream) -> list[bytes]:
    lines = []
    while (line := stream.readline()) not in (b"\n", b""):
        lines.append(line.rstrip(b"\n"))
    return lines


def test_the_event_stream_delivers_a_reload_after_notify(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", "/__boardpack/events?since=0")
        response = conn.getresponse()
        assert response.status == 200 and response.getheader("Content-Type") == "text/event-stream"
        assert read_event(response) == [b"retry: 1000"]
        server.notify()
        assert read_event(response) == [b"event: rebuilt", b"data: 1"]
        server.notify()
        assert read_event(response) == [b"event: rebuilt", b"data: 2"]
    finally:
        conn.close()
    assert get(server, "/")[2].count(b"reload.js?g=2") == 1  # pages now served are of build 2


def test_a_page_that_missed_a_rebuild_reloads_at_once(server):
    server.notify()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", "/__boardpack/events?since=0")
        response = conn.getresponse()
        assert read_event(response) == [b"retry: 1000"]
        assert read_event(response) == [b"event: rebuilt", b"data: 1"]
    finally:
        conn.close()


def test_stop_ends_open_event_streams(site):
    preview = PreviewServer(site, port=0).start()
    conn = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=10)
    try:
        conn.request("GET", "/__boardpack/events")
        response = conn.getresponse()
        assert read_event(response) == [b"retry: 1000"]
        preview.stop()  # returns: the stream's thread ended
        assert response.read() == b""
    finally:
        conn.close()
    assert not preview.thread.is_alive()


def test_binds_127_0_0_1_only(server):
    assert server.httpd.server_address[0] == "127.0.0.1"
    with pytest.raises(ValueError, match="127.0.0.1 only"):
        PreviewServer(Path("."), port=0, host="0.0.0.0")
    with pytest.raises(ValueError):
        PreviewServer(Path("."), port=0, host="")


def test_a_busy_port_moves_to_the_next_free_one(site):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        try:
            with PreviewServer(site, port=taken) as preview:
                assert preview.port != taken and taken < preview.port < taken + 20
        except PortError:  # the next twenty were all taken too: unlikely, but not this test's point
            pytest.skip("no free port after the busy one")


def test_watch_notifies_after_each_build_that_succeeded(tmp_path, monkeypatch):
    results = iter(["built", PlanError("paper.yaml:3:1: bad"), "built again"])

    def build(*args, **kwargs):
        result = next(results)
        if isinstance(result, PlanError):
            raise result
        return result

    monkeypatch.setattr("boardpack.pipeline.watch.build", build)
    events = []
    watch(
        tmp_path,
        tmp_path / "out",
        tmp_path,
        Converter(),
        lambda result, seconds: events.append("report"),
        changes=[{1}, {2}],
        rebuilt=lambda: events.append("rebuilt"),
    )
    assert events == ["report", "rebuilt", "report", "report", "rebuilt"]  # after the report; not after a failure


def test_watch_serve_prints_the_url_serves_and_stops_with_ctrl_c(tmp_path, monkeypatch, capsys):
    site = tmp_path / "out" / "site"
    seen = {}

    def fake_watch(plan_dir, out_dir, templates, converter, report, force=False, rebuilt=None, **options):
        preview = rebuilt.__self__  # the preview's notify()
        seen["preview"] = preview
        site.mkdir(parents=True)
        (site / "index.html").write_text(PAGE, encoding="utf-8")
        rebuilt()
        seen["address"] = preview.httpd.server_address
        seen["index"] = get(preview, "/")
        raise KeyboardInterrupt  # Ctrl-C

    monkeypatch.setattr("boardpack.pipeline.watch.watch", fake_watch)
    assert main(["watch", str(EXAMPLE), "--out", str(tmp_path / "out"), "--serve", "--port", "0"]) == 130
    preview = seen["preview"]
    assert seen["address"][0] == "127.0.0.1"
    status, _, body = seen["index"]
    assert status == 200 and b"reload.js?g=1" in body
    assert f"previewing the site at http://127.0.0.1:{preview.port}/" in capsys.readouterr().out
    assert not preview.thread.is_alive()  # stopped with the watch
    with pytest.raises(OSError):
        get(preview, "/")


@pytest.mark.parametrize("port", ["-1", "65536"])
def test_watch_serve_refuses_a_port_out_of_range(tmp_path, capsys, port):
    assert main(["watch", str(EXAMPLE), "--out", str(tmp_path / "out"), "--serve", "--port", port]) == 2
    assert "--port from 0 to 65535" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
