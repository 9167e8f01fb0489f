"""The real-browser layer of the HTML site's tests (issue #13): Debian's chromium, driven by Playwright.

No browser is downloaded, ever: ``playwright install`` is never run and ``PLAYWRIGHT_BROWSERS_PATH`` is
not used. The browser is the system's chromium (``./dev test`` installs it with apt-get):
``$BOARDPACK_CHROMIUM`` if set, else ``chromium`` or ``chromium-browser`` on PATH. When there is none
the tests FAIL saying so; they never skip, so CI cannot pass without running them.

What a page is checked for, and why, is in docs/site-testing.md. The helpers:

- ``chromium_browser``: a session fixture, one headless chromium for every test, closed at the end;
- ``site_page(browser, ...)``: a page in a fresh context whose every request to something other than
  a local file is aborted and recorded;
- ``axe_violations(page)``: axe-core's WCAG 2.1 A and AA violations, one readable line each;
- ``internal_links(page, site_root)``: relative and fragment links that lead nowhere;
- ``horizontal_scroll(page, width=320)``: whether the page scrolls sideways at that width (1.4.10);
- ``zoom_scroll(browser, url)``: the same for a 1280 x 1024 window zoomed to 400%;
- ``screenshot(page, path)``: the whole page, as a PNG;
- ``audit_site(browser, site_root, shots)``: all of it, for every .html file under a folder.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit
from urllib.request import url2pathname

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Route, sync_playwright

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]  # WCAG 2.0 and 2.1, levels A and AA
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
DESKTOP = {"width": 1280, "height": 1024}
REFLOW_WIDTH = 320  # WCAG 1.4.10: 320 CSS px, which is 1280 px at 400% zoom
ZOOM = 4
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
# The site is published on its own: the output folder around it also holds the restricted papers.
OUTSIDE = "leads outside site/, which must stand alone (the output folder around it is not published)"
NO_CHROMIUM = (
    "no chromium for the site's browser tests: ./dev test installs Debian's `chromium` with apt-get; "
    "or set BOARDPACK_CHROMIUM to a chromium executable (`playwright install` is never used)"
)

_axe = Axe()  # axe-core as bundled by axe-playwright-python: nothing is fetched


def find_chromium() -> str:
    """The system chromium: ``$BOARDPACK_CHROMIUM``, else ``chromium`` or ``chromium-browser`` on PATH."""
    override = os.environ.get("BOARDPACK_CHROMIUM")
    if override:
        if Path(override).is_file() and os.access(override, os.X_OK):
            return override
        raise FileNotFoundError(f"BOARDPACK_CHROMIUM={override} is not an executable file; {NO_CHROMIUM}")
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise FileNotFoundError(NO_CHROMIUM)


def launch_args() -> list[str]:
    """Chromium's own sandbox cannot start as root (a container's CI); as anyone else it stays on."""
    return ["--no-sandbox"] if os.geteuid() == 0 else []


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Browser]:
    """One headless chromium for the whole session; closed, and Playwright stopped, at the end."""
    try:
        executable = find_chromium()
    except FileNotFoundError as exc:
        pytest.fail(str(exc), pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=launch_args())
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Visit:
    """A page open in its own browser context, and what it asked the network for."""

    page: Page
    external: list[str] = field(default_factory=list)


@contextmanager
def site_page(browser: Browser, url: str | None = None, *, viewport=None, scale: float = 1) -> Iterator[Visit]:
    """A page in a fresh context, *url* loaded; every request that is not for a local file is aborted
    and recorded in ``external`` (the site must work offline and tell no third party who reads it)."""
    context = browser.new_context(viewport=viewport or DESKTOP, device_scale_factor=scale, service_workers="block")
    visit = Visit(context.new_page())

    def block(route: Route) -> None:
        if route.request.url.startswith(LOCAL_SCHEMES):
            route.continue_()
        else:
            visit.external.append(route.request.url)
            route.abort("blockedbyclient")

    def block_socket(ws) -> None:
        visit.external.append(ws.url)
        ws.close()

    context.route("**/*", block)
    context.route_web_socket("**/*", block_socket)
    try:
        if url:
            visit.page.goto(url, wait_until="load")
        yield visit
    finally:
        context.close()


def axe_violations(page: Page) -> list[str]:
    """axe-core's violations of WCAG 2.1 A and AA on *page*, one line per rule and element:
    ``rule (impact) at selector: help [help URL]``."""
    results = _axe.run(page, options=AXE_OPTIONS).response
    found = []
    for rule in results["violations"]:
        for node in rule["nodes"]:
            target = " > ".join(str(t) for t in node["target"])
            found.append(f"{rule['id']} ({rule['impact']}) at {target}: {rule['help']} [{rule['helpUrl']}]")
    return found


_HREFS = "els => els.map(e => e.getAttribute('href'))"
_IDS = "() => Array.from(document.querySelectorAll('[id]'), e => e.id)"


def _target(page_url: str, href: str, root: Path) -> tuple[Path | None, str, str]:
    """(the file *href* leads to, its fragment, what is wrong with the link or '')."""
    url, fragment = urldefrag(urljoin(page_url, href))
    path = Path(url2pathname(urlsplit(url).path))  # url2pathname unquotes
    if not path.resolve().is_relative_to(root):
        return None, fragment, OUTSIDE
    if path.is_dir():
        path = path / "index.html"
    if not path.is_file():
        return None, fragment, "no such file"
    return path, unquote(fragment), ""


def internal_links(page: Page, site_root: Path, ids: dict[Path, set[str]] | None = None) -> list[str]:
    """Every ``<a href>`` (and ``<area href>``) on *page* that is relative or a bare fragment and leads
    nowhere: its file is not under *site_root* (a folder counts when it has an index.html), or its
    #fragment is no element's id in the target page, which is opened in the browser to see (so ids
    that a script adds count). *ids* caches each page's ids across calls."""
    root = site_root.resolve()
    ids = {} if ids is None else ids
    broken = []
    for href in page.eval_on_selector_all("a[href], area[href]", _HREFS):
        if urlsplit(href).scheme or href.startswith("//"):
            continue  # an address elsewhere, mailto: or tel:; not internal
        if href.strip() in ("", "#"):
            broken.append(f"{href!r}: an empty link goes nowhere")
            continue
        path, fragment, wrong = _target(page.url, href, root)
        if wrong:
            broken.append(f"{href!r}: {wrong}")
        elif fragment and path.suffix in (".html", ".htm") and fragment not in _ids_of(page, path, ids):
            broken.append(f"{href!r}: no element with id {fragment!r} in {path.relative_to(root)}")
    return list(dict.fromkeys(broken))  # a link repeated on the page is one problem


def _ids_of(page: Page, path: Path, cache: dict[Path, set[str]]) -> set[str]:
    key = path.resolve()
    if key not in cache:
        if Path(url2pathname(urlsplit(page.url).path)).resolve() == key:
            cache[key] = set(page.evaluate(_IDS))
        else:
            other = page.context.new_page()
            try:
                other.goto(key.as_uri(), wait_until="load")
                cache[key] = set(other.evaluate(_IDS))
            finally:
                other.close()
    return cache[key]


# Whether the document scrolls sideways. A region that scrolls itself (overflow auto or scroll: a wide
# table in its own box, which WCAG 1.4.10 allows) holds its overflow and so never widens the document.
_SCROLLS = "() => { const d = document.scrollingElement; return d.scrollWidth > d.clientWidth; }"

# What sticks out past the right edge, outside any region that scrolls itself: for the failure message.
_WIDE = """() => {
  const edge = document.scrollingElement.clientWidth;
  const scrolls = e => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
    if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) return true; } return false; };
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    (typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
  const wide = Array.from(document.body.querySelectorAll('*')).filter(
    e => e.getBoundingClientRect().right > edge + 1 && !scrolls(e));
  return wide.filter(e => !wide.includes(e.parentElement)).slice(0, 5)
    .map(e => `${name(e)} is ${Math.round(e.getBoundingClientRect().width)}px wide`);
}"""


def horizontal_scroll(page: Page, width: int = REFLOW_WIDTH, height: int = 800) -> bool:
    """Whether *page*, at a viewport *width* CSS px wide, scrolls sideways (WCAG 1.4.10 Reflow: 320 CSS
    px is a 1280 px window at 400% zoom). The viewport stays at that size afterwards."""
    page.set_viewport_size({"width": width, "height": height})
    return page.evaluate(_SCROLLS)


def wide_elements(page: Page) -> list[str]:
    """The outermost elements that stick out past the viewport's right edge, for a failure message."""
    return page.evaluate(_WIDE)


def zoom_scroll(browser: Browser, url: str, zoom: int = ZOOM) -> bool:
    """Whether *url* scrolls sideways in a 1280 x 1024 window zoomed to *zoom* x 100%, as chromium
    zooms: the CSS viewport shrinks to 1280/zoom x 1024/zoom and each CSS px is *zoom* device pixels.
    The same width as ``horizontal_scroll(page, 320)`` but a short window, as a zoomed desktop has."""
    viewport = {"width": DESKTOP["width"] // zoom, "height": DESKTOP["height"] // zoom}
    with site_page(browser, url, viewport=viewport, scale=zoom) as visit:
        return visit.page.evaluate(_SCROLLS)


def screenshot(page: Page, path: Path) -> Path:
    """The whole page (not only the viewport) as a PNG at *path*."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=True, animations="disabled")
    return path


@dataclass
class PageReport:
    """What the browser found on one page of a site; ``problems()`` is empty when it passes."""

    page: str  # relative to the site root
    lang: str = ""
    h1: int = 0
    axe: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    scroll: list[str] = field(default_factory=list)  # empty when the page reflows at 320 px and 400%
    external: list[str] = field(default_factory=list)
    screenshots: list[Path] = field(default_factory=list)
    seconds: float = 0.0  # how long the browser took over the page, every check and screenshot included

    def problems(self) -> dict[str, list[str]]:
        found = {
            "axe": self.axe,
            "links": self.links,
            "scroll": self.scroll,
            "lang": [] if self.lang.strip() else ["<html> has no lang"],
            "h1": [] if self.h1 == 1 else [f"{self.h1} <h1> elements, not exactly one"],
            "external": self.external,
        }
        return {check: lines for check, lines in found.items() if lines}


def audit_page(browser: Browser, path: Path, site_root: Path, shots: Path, ids: dict) -> PageReport:
    """Open *path* once at 1280 px and check everything; then at 320 px and at 400% zoom for reflow.
    Full-page screenshots at 1280 and 320 px go to *shots*, named after the page."""
    started = time.monotonic()
    rel = path.relative_to(site_root)
    report = PageReport(rel.as_posix())
    stem = "__".join(rel.with_suffix("").parts)
    with site_page(browser, path.resolve().as_uri()) as visit:
        page = visit.page
        report.lang = page.evaluate("() => document.documentElement.lang")
        report.h1 = page.locator("h1").count()
        report.axe = axe_violations(page)
        report.links = internal_links(page, site_root, ids)
        report.screenshots.append(screenshot(page, shots / f"{stem}-1280.png"))
        if horizontal_scroll(page, REFLOW_WIDTH):
            report.scroll.append(f"scrolls sideways at {REFLOW_WIDTH} px: " + "; ".join(wide_elements(page)))
        report.screenshots.append(screenshot(page, shots / f"{stem}-{REFLOW_WIDTH}.png"))
        external = visit.external
    if zoom_scroll(browser, path.resolve().as_uri()):
        report.scroll.append(f"scrolls sideways in a {DESKTOP['width']} px window at {ZOOM * 100}% zoom")
    report.external = sorted(set(external))
    report.seconds = time.monotonic() - started
    return report


def audit_site(browser: Browser, site_root: Path, shots: Path) -> list[PageReport]:
    """Every .html file under *site_root*, audited (``audit_page``), in path order."""
    pages = sorted(site_root.rglob("*.html"))
    assert pages, f"no .html file under {site_root}"
    ids: dict[Path, set[str]] = {}
    return [audit_page(browser, p, site_root, shots, ids) for p in pages]


def failures(reports: list[PageReport], check: str) -> list[str]:
    """One line per page failing *check* (a key of ``PageReport.problems``), each problem indented."""
    lines = []
    for report in reports:
        for problem in report.problems().get(check, []):
            lines.append(f"{report.page}: {problem}")
    return lines
