"""Issue #13: the HTML edition in each build's ``site/``, opened in a real browser (Debian's chromium).

Both example meetings are built once with the real LibreOffice, then EVERY .html file under each
``site/`` is opened in headless chromium (tests/browser.py) and must have: no axe-core violation of
WCAG 2.1 A or AA; no relative or #fragment link that leads nowhere; no sideways scrolling at 320 CSS
px nor in a 1280 px window at 400% zoom (a wide table may scroll in its own region); ``<html lang>``;
exactly one ``<h1>``; no request to any other host. Each page is photographed whole at 1280 and 320
px; the folder is printed (run with ``-s`` or see the "screenshots" line). docs/site-testing.md.

The harness itself is tested first, on the hand-made pages of tests/site_sample/: ``good/`` passes
every check and ``broken/index.html`` fails each one for its own defect. So a broken harness cannot
make the real site look accessible.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from boardpack.pipeline.builder import build

from .browser import (
    OUTSIDE,
    audit_site,
    chromium_browser,  # noqa: F401 (the session fixture, used by name)
    failures,
    find_chromium,
    horizontal_scroll,
    internal_links,
    site_page,
    zoom_scroll,
)

ROOT = Path(__file__).resolve().parents[1]
PLANS = [ROOT / "plans" / "2017-12-19-audit-panel", ROOT / "plans" / "2018-03-14-audit-governance"]
SAMPLE = Path(__file__).resolve().parent / "site_sample"
CHECKS = ["axe", "links", "scroll", "lang", "h1", "external"]


def _none_fail(site_reports, *checks: str) -> None:
    """Fail listing every page that fails any of *checks*, one problem a line."""
    found = [line for check in checks for line in failures(site_reports[1], check)]
    if found:
        pytest.fail("\n".join([f"{len(found)} problems:", *found]), pytrace=False)


# --- the harness, on the sample site ---------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_reports(chromium_browser, tmp_path_factory):  # noqa: F811
    shots = tmp_path_factory.mktemp("sample-screenshots")
    return {r.page: r for r in audit_site(chromium_browser, SAMPLE, shots)}


def test_the_good_sample_passes_every_check(sample_reports):
    good = {page: r for page, r in sample_reports.items() if page.startswith("good/")}
    assert set(good) == {"good/index.html", "good/audit-report/index.html"}
    for check in CHECKS:
        assert not failures(list(good.values()), check), check
    for report in good.values():
        assert len(report.screenshots) == 2 and all(p.stat().st_size > 1000 for p in report.screenshots)


def test_the_broken_sample_fails_each_check_for_its_own_defect(sample_reports):
    problems = sample_reports["broken/index.html"].problems()
    assert set(problems) == set(CHECKS), problems
    rules = {line.split(" ", 1)[0] for line in problems["axe"]}
    assert {"image-alt", "html-has-lang"} <= rules, problems["axe"]
    assert problems["links"] == [
        "'#no-such-anchor': no element with id 'no-such-anchor' in broken/index.html",
        "'missing.html': no such file",
    ]
    assert len(problems["scroll"]) == 2 and "div is 2000px wide" in problems["scroll"][0], problems["scroll"]
    assert problems["h1"] == ["2 <h1> elements, not exactly one"]
    assert problems["external"] == ["https://cdn.example.com/tracker.gif"]


def test_a_wide_table_in_its_own_scrolling_region_is_no_horizontal_scroll(chromium_browser):  # noqa: F811
    page = (SAMPLE / "good" / "audit-report" / "index.html").as_uri()
    with site_page(chromium_browser, page) as visit:
        assert visit.page.evaluate("() => document.querySelector('.table-scroll').scrollWidth > 320")
        assert not horizontal_scroll(visit.page, 320)
        visit.page.add_style_tag(content=".table-scroll { overflow-x: visible; }")
        assert horizontal_scroll(visit.page, 320)
    assert not zoom_scroll(chromium_browser, page)


def test_links_to_other_pages_fragments_are_checked_in_the_target(chromium_browser, tmp_path):  # noqa: F811
    (tmp_path / "a.html").write_text(
        '<html lang="en"><a href="b.html#here">ok</a> <a href="b.html#gone">gone</a> <a href="b.html#x%20y">'
        'spaced</a> <a href="../outside.html">out</a> <a href="#">empty</a> <a href="https://x.invalid/">x</a>',
        encoding="utf-8",
    )
    (tmp_path / "b.html").write_text('<html lang="en"><p id="here">b</p><p id="x y">c</p>', encoding="utf-8")
    with site_page(chromium_browser, (tmp_path / "a.html").as_uri()) as visit:
        assert internal_links(visit.page, tmp_path) == [
            "'b.html#gone': no element with id 'gone' in b.html",
            f"'../outside.html': {OUTSIDE}",
            "'#': an empty link goes nowhere",
        ]


def test_a_missing_chromium_fails_saying_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("BOARDPACK_CHROMIUM", str(tmp_path / "no-chromium"))
    with pytest.raises(FileNotFoundError, match=r"is not an executable file; .*\./dev test installs"):
        find_chromium()
    monkeypatch.delenv("BOARDPACK_CHROMIUM")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"apt-get"):
        find_chromium()


# --- the real site, of both example meetings ------------------------------------------------------


@pytest.fixture(scope="module")
def built_sites(tmp_path_factory) -> dict[str, Path]:
    """Both examples built once with the real LibreOffice: meeting -> its output's site/ folder."""
    base = tmp_path_factory.mktemp("site-builds")
    sites = {}
    for plan in PLANS:
        build(plan, base / plan.name)
        sites[plan.name] = base / plan.name / "site"
    return sites


@pytest.fixture(scope="module")
def site_reports(built_sites, chromium_browser, tmp_path_factory):  # noqa: F811
    """Every page of both sites audited once; each check's test below reads the reports."""
    missing = [name for name, site in built_sites.items() if not (site.is_dir() and any(site.rglob("*.html")))]
    assert not missing, f"the build wrote no HTML site (issue #13) in site/ of: {', '.join(missing)}"
    shots = tmp_path_factory.mktemp("site-screenshots")
    reports, started = [], time.monotonic()
    for name, site in built_sites.items():
        for report in audit_site(chromium_browser, site, shots / name):
            report.page = f"{name}/site/{report.page}"
            reports.append(report)
    return shots, reports, time.monotonic() - started


def test_every_page_of_both_sites_was_opened_and_photographed(site_reports, capsys):
    shots, reports, seconds = site_reports
    for report in reports:
        assert [p.name[-8:] for p in report.screenshots] == ["1280.png", "-320.png"], report.page
        assert all(p.is_file() for p in report.screenshots), report.page
    slowest = max(reports, key=lambda r: r.seconds)
    with capsys.disabled():
        print(f"\nsite: {len(reports)} pages checked in {seconds:.1f} s", end="")
        print(f" (the slowest {slowest.page}, {slowest.seconds:.1f} s)")
        print(f"screenshots at 1280 and 320 px in {shots}")


def test_no_page_has_an_axe_violation_of_wcag_21_a_or_aa(site_reports):
    _none_fail(site_reports, "axe")


def test_no_internal_link_or_fragment_leads_nowhere(site_reports):
    _none_fail(site_reports, "links")


def test_no_page_scrolls_sideways_at_320_px_or_at_400_percent_zoom(site_reports):
    _none_fail(site_reports, "scroll")


def test_every_page_has_a_language_and_exactly_one_h1(site_reports):
    _none_fail(site_reports, "lang", "h1")


def test_no_page_requests_anything_from_another_host(site_reports):
    _none_fail(site_reports, "external")
