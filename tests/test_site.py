"""The HTML edition (site/): its pages' structure, links that resolve, nothing restricted, text as data.

Read with the standard library's html.parser; no browser (the browser tests are ``./dev``'s).
"""

from __future__ import annotations

import json
import os
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from boardpack.cli import _parser
from boardpack.convert.verify import docx_text
from boardpack.errors import AssembleError, Problem
from boardpack.pack.leaks import runs
from boardpack.pipeline.builder import build
from boardpack.pipeline.manifest import read_manifest
from boardpack.site.svg import inline
from boardpack.site.text import Run, linked
from boardpack.site.write import environment
from boardpack.util import sha256
from tests.conftest import EXAMPLE

pytestmark = pytest.mark.e2e
PLAN = Path(__file__).resolve().parent / "site_plan"  # a small meeting: one public paper, one exempt


class Page(HTMLParser):
    """A page's elements: (tag, attributes, text inside) in document order, and its ids and links."""

    def __init__(self, path: Path):
        super().__init__(convert_charrefs=True)
        self.path, self.elements, self.open, self.text = path, [], [], []
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        element = [tag, dict(attrs), ""]
        self.elements.append(element)
        if tag not in ("meta", "link", "br", "img", "input"):
            self.open.append(element)

    def handle_endtag(self, tag):
        while self.open:
            element = self.open.pop()
            if element[0] == tag:
                break

    def handle_data(self, data):
        self.text.append(data)
        for element in self.open:
            element[2] += data

    def all(self, tag: str, **attrs) -> list:
        return [e for e in self.elements if e[0] == tag and all(e[1].get(k) == v for k, v in attrs.items())]

    @property
    def ids(self) -> set[str]:
        return {e[1]["id"] for e in self.elements if "id" in e[1]}

    @property
    def words(self) -> str:
        return " ".join("".join(self.text).split())


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "out"
    build(PLAN, out)
    return out


def test_index_lists_the_agenda_exempt_items_and_public_downloads(small):
    page = Page(small / "site" / "index.html")
    assert page.all("html")[0][1]["lang"] == "en-GB"
    assert page.all("main", id="content") and page.all("a", href="#content")
    (h1,) = page.all("h1")
    assert "Test Panel" in h1[2]
    (agenda,) = page.all("ol", **{"class": "agenda"})
    items = [e for e in page.elements if e[0] == "li" and e[1].get("id", "").startswith("item-")]
    assert [i[1]["value"] for i in items] == ["1", "2", "3"]
    exempt = items[2]
    assert "Secret item" in exempt[2] and "paragraph 3 of Part 1 of Schedule 12A" in exempt[2]
    hrefs = [e[1]["href"] for e in page.all("a")]
    assert "open/index.html" in hrefs and "open/appendix-1.html" in hrefs
    assert not any("secret" in h for h in hrefs)
    assert "public-pack.pdf" in hrefs and not any("members" in h for h in hrefs)
    assert "meeting.json" in hrefs and "meeting.ics" in hrefs
    (download,) = [e for e in page.all("a") if e[1]["href"] == "public-pack.pdf"]
    assert "KB" in download[2] and "pages" in download[2]
    assert "Appendix 2 – Annex (Restricted) – not for publication" in page.words


def test_paper_page_structure(small):
    page = Page(small / "site" / "open" / "index.html")
    assert [h[2] for h in page.all("h1")] == ["Open report"]
    (summary,) = page.all("section", **{"class": "summary"})
    assert summary[1]["aria-labelledby"] in page.ids
    headings = [h[2] for h in page.all("h2")]
    assert "1. Background" in [" ".join(h.split()) for h in headings]
    assert {"p1-1", "p1-2", "p1-3", "p1-4", "s1"} <= page.ids
    (letters,) = page.all("ol", type="a")
    assert "alpha item" in letters[2] and "beta item" in letters[2]
    assert "one bullet" in page.all("ul")[-1][2] or any("one bullet" in u[2] for u in page.all("ul"))
    links = {e[2]: e[1]["href"] for e in page.all("a")}
    assert links["paragraph 1.4"] == "#p1-4"
    assert links["Appendix 1"] == "appendix-1.html"
    assert links["paragraph 1.1 of Appendix 1"] == "appendix-1.html#p1-1"
    assert "report.pdf" in links.values() and "report.docx" in links.values()
    appendix = Page(small / "site" / "open" / "appendix-1.html")
    assert {e[2]: e[1]["href"] for e in appendix.all("a")}["section 1 of the covering report"] == "index.html#s1"


def test_text_is_data(small):
    html = (small / "site" / "open" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }} &amp; more." in html
    assert "<script" not in html and "49" not in html


def test_status_table_and_chart(built_example):
    page = Page(built_example / "site" / "governance-improvement-plan" / "index.html")
    (table,) = page.all("table")
    assert page.all("caption")[0][2].startswith("Table 1:")
    assert len(page.all("th", scope="col")) >= 3 and len(page.all("th", scope="row")) >= 2
    (region,) = page.all("div", role="region")
    assert region[1]["tabindex"] == "0" and region[1]["aria-label"]
    (svg,) = page.all("svg")
    assert svg[1]["role"] == "img"
    title, desc = page.all("title")[1], page.all("desc")[0]
    assert title[2] == desc[2] and title[2].startswith("Stacked bar chart of")
    assert svg[1]["aria-labelledby"] == title[1]["id"]


def _site_pages(out: Path) -> list[Path]:
    return sorted((out / "site").rglob("*.html"))


@pytest.mark.parametrize("which", ["small", "built_example"])
def test_every_link_resolves(which, request):
    out = request.getfixturevalue(which)
    for path in _site_pages(out):
        page = Page(path)
        for tag, attrs, _ in page.elements:
            href = attrs.get("href") if tag in ("a", "link") else None
            if not href or href.startswith(("mailto:", "http:", "https:")):
                continue
            parts = urlsplit(href)
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            assert target.is_file(), f"{path.relative_to(out)}: {href}"
            assert target.is_relative_to(out.resolve()), href
            if parts.fragment:
                assert parts.fragment in Page(target).ids, f"{path.relative_to(out)}: {href}"


def _restricted_runs(out: Path) -> set:
    """Runs of eight words of the restricted documents that no public document has."""
    documents = [d for d in read_manifest(out) if d.path.endswith(".docx")]
    restricted = set().union(*(runs(docx_text(out / d.path)) for d in documents if d.restricted))
    public = set().union(*(runs(docx_text(out / d.path)) for d in documents if not d.restricted))
    return restricted - public


@pytest.mark.parametrize("which", ["small", "built_example"])
def test_no_restricted_text_in_the_site(which, request):
    out = request.getfixturevalue(which)
    secret = _restricted_runs(out)
    assert secret
    for path in _site_pages(out) + [out / "site" / "meeting.json"]:
        text = Page(path).words if path.suffix == ".html" else path.read_text(encoding="utf-8")
        assert not runs(text) & secret, (path, sorted(runs(text) & secret)[:3])
        for word in ("walrus", "zebra", "flamingo"):
            assert word not in text.lower(), path
    assert not (out / "site" / "secret").exists()


def test_manifest_lists_every_site_file_once(small):
    documents = [d for d in read_manifest(small) if d.kind == "site"]
    paths = [d.path for d in documents]
    files = sorted(p.relative_to(small).as_posix() for p in (small / "site").rglob("*") if p.is_file())
    assert sorted(paths) == files and len(set(paths)) == len(paths)
    assert "site/site.css" in paths and "site/meeting.ics" in paths
    for d in documents:
        assert d.sha256 == sha256(small / d.path) and not d.restricted
    assert {d.paper for d in documents} == {None, "open"}


def test_no_site_then_site_again_same_bytes(small, tmp_path):
    plan = tmp_path / "plan"
    shutil.copytree(PLAN, plan)
    out = tmp_path / "out"
    result = build(plan, out, site=False)
    assert not (out / "site").exists() and not [d for d in result.documents if d.kind == "site"]
    build(plan, out)  # the folder is ours: the next build replaces it, now with the site
    for path in (small / "site").rglob("*"):
        if path.is_file():
            assert (out / path.relative_to(small)).read_bytes() == path.read_bytes(), path
    build(plan, out, site=False)
    assert not (out / "site").exists()


def test_anchors_and_links_follow_a_late_edit(tmp_path):
    plan = tmp_path / "plan"
    shutil.copytree(PLAN, plan)
    out = tmp_path / "out"
    build(plan, out)
    paper = plan / "open" / "paper.yaml"
    text = paper.read_text(encoding="utf-8")
    paper.write_text(
        text.replace("    paragraphs:\n", "    paragraphs:\n      - Inserted late.\n", 1), encoding="utf-8"
    )
    build(plan, out)
    page = Page(out / "site" / "open" / "index.html")
    assert {"p1-1", "p1-5"} <= page.ids
    (later,) = [e for e in page.elements if e[1].get("id") == "p1-5"]
    assert "Later paragraph words." in later[2]
    links = {e[2]: e[1]["href"] for e in page.all("a")}
    assert links["paragraph 1.5"] == "#p1-5" and "paragraph 1.4" not in links


def test_a_leak_in_the_site_fails_the_build_and_keeps_the_output(small, tmp_path, monkeypatch):
    import boardpack.site.leaks as leaks

    out = tmp_path / "out"
    shutil.copytree(small, out)
    manifest = out / "manifest.json"  # touched, so this is a real build (nothing changed would skip it)
    os.utime(manifest, ns=(manifest.stat().st_atime_ns, manifest.stat().st_mtime_ns + 1_000_000))
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    calls = []

    def leaking(site_dir, texts, titles, **public):
        calls.append((site_dir, texts, titles))
        return [Problem(str(site_dir / "index.html"), "holds restricted text")]

    monkeypatch.setattr(leaks, "site_leaks", leaking)
    with pytest.raises(AssembleError) as caught:
        build(PLAN, out)
    assert str(caught.value.problems[0].where) == str(out / "site" / "index.html")
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    (site_dir, texts, titles) = calls[0]
    assert site_dir.name == "site" and any("Walrus xylophone" in t for t in texts)
    assert "secret item" in titles and "appendix 2 – annex (restricted)" in titles


def test_no_site_option_on_build_and_watch():
    for command in ("build", "watch"):
        assert _parser().parse_args([command, str(EXAMPLE), "--no-site"]).no_site
        assert not _parser().parse_args([command, str(EXAMPLE)]).no_site


def test_runs_link_references_and_addresses():
    runs_ = linked("see [[x]] or a@b.org", "see paragraph 1.2 or a@b.org", {}, lambda t: None, (None, ""))
    assert runs_ == (Run("see paragraph 1.2 or "), Run("a@b.org", "mailto:a@b.org"))  # unresolvable: plain
    template = environment().from_string("{{ x }}")
    assert template.render(x="<b>") == "&lt;b&gt;"


def test_inline_svg_has_its_alternative_text():
    svg = inline(
        '<svg width="1pt" height="2pt" viewBox="0 0 1 2"><g id="a"><use xlink:href="#a"/></g></svg>', "c1", "A & B"
    )
    assert 'role="img"' in svg and '<title id="c1-title">A &amp; B</title>' in svg
    assert 'id="c1-a"' in svg and 'href="#c1-a"' in svg and "width=" not in svg


def test_meeting_json_names_no_members_pack(small):
    text = (small / "site" / "meeting.json").read_text(encoding="utf-8")
    assert "members-pack" not in text
    json.loads(text)


def test_public_table_and_actions_appendices_get_pages(tmp_path):
    plan = tmp_path / "plan"
    shutil.copytree(EXAMPLE.parent / "2018-03-14-audit-governance", plan)
    paper = plan / "internal-audit-progress" / "paper.yaml"
    text = paper.read_text(encoding="utf-8").replace("restricted [[iar]]", "[[iar]]")
    text = text.replace("    label: iar\n    restricted: true\n", "    label: iar\n    restricted: false\n")
    paper.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    build(plan, out)
    folder = out / "site" / "internal-audit-progress"
    table = Page(folder / "appendix-1.html")
    assert table.all("caption") and table.all("th", scope="col") and table.all("th", scope="row")
    actions = Page(folder / "appendix-2.html")
    assert len(actions.all("th", scope="row")) >= 10 and actions.all("th", scope="colgroup")
    assert "appendix-2.html" in {e[1]["href"] for e in Page(folder / "index.html").all("a")}
    governance = Page(out / "site" / "governance" / "index.html")
    hrefs = {e[1]["href"] for e in governance.all("a")}
    assert "appendix-2.pdf" in hrefs  # an attached document: its PDF
