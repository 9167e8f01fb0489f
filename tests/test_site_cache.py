"""The site with a warm build cache: the leak check keeps what it reads and never what it finds; a page
rendered once from the same values is not rendered again."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from markupsafe import Markup

import boardpack.site.leaks as leaks
import boardpack.site.write as write
from boardpack.pipeline.cache import Cache
from boardpack.site.leaks import Memory, Prints, site_leaks
from boardpack.site.write import PageHead, page_key
from tests.conftest import PAPER
from tests.test_site_leaks import BOILERPLATE, PUBLIC, SECRET, TITLE, page, site

OTHER = "Members asked for the county lines briefing to be circulated before the next meeting of the Panel."


class Builds:
    """Build after build, each with the cache the one before left (as ``pipeline.build`` does)."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.count = 0

    def cache(self) -> Cache:
        self.count += 1
        return Cache(self.tmp_path / f"build-{self.count - 1}", self.tmp_path / f"build-{self.count}")


@pytest.fixture
def reads(monkeypatch) -> list[Path]:
    """The files the check reads in full (parses), in order."""
    seen: list[Path] = []
    readings = leaks.readings

    def counted(path: Path):
        seen.append(path)
        return readings(path)

    monkeypatch.setattr(leaks, "readings", counted)
    return seen


def check(root: Path, cache: Cache, restricted=SECRET, public=PUBLIC + " " + BOILERPLATE, titles=(TITLE,)) -> list:
    return site_leaks(root, [restricted + " " + BOILERPLATE], set(titles), [public], store=cache)


def test_an_unchanged_file_is_not_read_again(tmp_path, reads):
    root = site(tmp_path, {"index.html": page(f"<p>{PUBLIC}</p>"), "paper/index.html": page(f"<p>{OTHER}</p>")})
    builds = Builds(tmp_path)
    assert check(root, builds.cache()) == []
    assert len(reads) == 2
    reads.clear()
    assert check(root, builds.cache()) == [] and reads == []  # both kept, by their bytes' digest
    (root / "paper" / "index.html").write_text(page(f"<p>{OTHER} Edited late.</p>"), encoding="utf-8")
    assert check(root, builds.cache()) == []
    assert reads == [root / "paper" / "index.html"]


def test_a_warm_cache_still_catches_restricted_text_newly_on_a_page(tmp_path):
    root = site(tmp_path, {"index.html": page(f"<p>{PUBLIC}</p>"), "paper/index.html": page(f"<p>{OTHER}</p>")})
    builds = Builds(tmp_path)
    assert check(root, builds.cache()) == []
    (root / "paper" / "index.html").write_text(page(f"<p>{OTHER}</p><p>{SECRET}</p>"), encoding="utf-8")
    (problem,) = check(root, builds.cache())
    assert problem.where.file == root / "paper" / "index.html"
    assert "holds text of a restricted document" in problem.message


def test_a_warm_cache_catches_an_unchanged_page_when_the_restricted_text_changes(tmp_path, reads):
    root = site(tmp_path, {"index.html": page(f"<p>{PUBLIC}</p>"), "paper/index.html": page(f"<p>{OTHER}</p>")})
    builds = Builds(tmp_path)
    assert check(root, builds.cache()) == []
    reads.clear()
    (problem,) = check(root, builds.cache(), restricted=SECRET + " " + OTHER)  # the page's text is now restricted
    assert problem.where.file == root / "paper" / "index.html"
    assert reads == [root / "paper" / "index.html"]  # the kept prints sent it to be read in full


def test_a_warm_cache_catches_text_no_longer_shared_with_a_public_document(tmp_path):
    root = site(tmp_path, {"index.html": page(f"<p>{BOILERPLATE}</p>")})
    builds = Builds(tmp_path)
    assert check(root, builds.cache()) == []  # the boilerplate is in a public text too
    (problem,) = check(root, builds.cache(), public=PUBLIC)  # no longer: it is the restricted document's alone
    assert problem.where.file == root / "index.html"


def test_a_warm_cache_catches_a_title_newly_restricted(tmp_path):
    root = site(tmp_path, {"index.html": page("<h2>County Lines Briefing</h2>")})
    builds = Builds(tmp_path)
    assert check(root, builds.cache()) == []
    problems = check(root, builds.cache(), titles=(TITLE, "County lines briefing"))
    assert [p.message for p in problems] == ["names restricted 'County lines briefing'"]


def test_a_shared_print_is_settled_by_the_words_themselves(tmp_path, monkeypatch, reads):
    root = site(tmp_path, {"index.html": page(f"<p>{OTHER}</p>")})
    monkeypatch.setattr(leaks, "stable", lambda text: 7)  # every run, every title the same print
    assert check(root, Builds(tmp_path).cache(), public="") == []
    assert reads == [root / "index.html"] * 2  # its prints matched: read again, and its words compared


def test_prints_round_trip_and_a_damaged_entry_is_read_again(tmp_path, reads):
    prints = Prints.of([SECRET, PUBLIC], [TITLE, "Minutes"])
    assert Prints.load(prints.dump()) == prints and len(prints.labels) == 2
    assert Prints.load(b"\x01") is None and Prints.load((9).to_bytes(8, "little")) is None
    root = site(tmp_path, {"index.html": page(f"<p>{SECRET}</p>")})
    builds = Builds(tmp_path)
    assert len(check(root, builds.cache())) == 1
    for entry in (tmp_path / "build-1").rglob(f"*{leaks.FILE_SUFFIX}"):
        entry.write_bytes(b"\x05")
    reads.clear()
    assert len(check(root, builds.cache())) == 1 and reads.count(root / "index.html") == 2  # re-read, then exact


def test_a_page_is_rendered_once_for_the_same_template_and_values(tmp_path, monkeypatch):
    context = {"site": PageHead("Audit Panel", "Pack", "OFFICIAL"), "date_long": "19 December 2017", "root": "../"}
    context["page"] = (Markup("<b>kept as markup</b>"), "a <plain> string", ("two", 2))
    again = {
        k: (v if k != "page" else (Markup("<b>kept as" + " markup</b>"), "a <plain> string", ("two", 2)))
        for k, v in context.items()
    }
    assert page_key("paper.html", context) == page_key("paper.html", again)  # equal values, other objects
    assert page_key("paper.html", context) != page_key("index.html", context)
    as_text = {**context, "page": ("<b>kept as markup</b>", *context["page"][1:])}  # a str prints escaped
    assert page_key("paper.html", context) != page_key("paper.html", as_text)
    changed = {**context, "site": PageHead("Audit Panel", "Pack", "OFFICIAL-SENSITIVE")}
    assert page_key("paper.html", context) != page_key("paper.html", changed)

    rendered = []

    class Template:
        def render(self, given):
            rendered.append(given)
            return f"<p>{given['site'].marking} – {given['root']}</p>\n"

    monkeypatch.setattr(write, "environment", lambda: SimpleNamespace(get_template=lambda name: Template()))
    store = Memory()
    first, second = tmp_path / "first.html", tmp_path / "second.html"
    write._page(first, "paper.html", context, store)
    write._page(second, "paper.html", again, store)
    assert len(rendered) == 1 and second.read_bytes() == first.read_bytes() == "<p>OFFICIAL – ../</p>\n".encode()
    write._page(second, "paper.html", changed, store)
    assert len(rendered) == 2 and "OFFICIAL-SENSITIVE" in second.read_text(encoding="utf-8")


@pytest.mark.parametrize("words", [0, 7, 8, 9, 60, 3000])
def test_a_texts_run_prints_are_its_runs_one_for_one(words):
    """The prints made over the text's words are the prints of ``pack/leaks.runs``'s runs, one a run."""
    import random

    from boardpack.pack.leaks import runs

    rng = random.Random(words)
    vocabulary = "Panel noted £5m progress on 2017 governance, risk; audit oversight. Ünïcode a b".split()
    text = " ".join(rng.choice(vocabulary) for _ in range(words))
    found = leaks.run_prints(text)
    assert found == {hash(tuple(leaks.stable(w) or 1 for w in run)) for run in runs(text)}
    assert len(found) == len(runs(text))  # no two runs of one text share a print


@pytest.mark.e2e
def test_the_paper_pages_are_rendered_while_libreoffice_converts_and_not_again(plan_copy, tmp_path, monkeypatch):
    """A build renders the site's paper pages into its cache while LibreOffice converts (they print
    nothing of the packs); the site written after the packs takes every one of them from there."""
    from boardpack.pipeline.builder import build

    # (template, rendered while writing the site after the packs), logged to a file: the site is written
    # by the public side's child process (pipeline/public.py)
    log = tmp_path / "rendered.log"
    writing = {"site": False}
    real_environment, real_write_site = write.environment, write.write_site

    class Counted:
        def get_template(self, name):
            template = real_environment().get_template(name)
            with log.open("a", encoding="utf-8") as lines:
                lines.write(f"{name} {writing['site']}\n")
            return template

    def write_site(*args, **kwargs):
        writing["site"] = True
        try:
            return real_write_site(*args, **kwargs)
        finally:
            writing["site"] = False

    monkeypatch.setattr(write, "environment", Counted)
    monkeypatch.setattr(write, "write_site", write_site)
    result = build(plan_copy, tmp_path / "out")
    rendered = [(name, late == "True") for name, late in (line.split() for line in log.read_text().splitlines())]
    early = [name for name, late in rendered if name == "paper.html" and not late]
    assert len(early) >= 4  # the example's public papers' pages, while converting
    assert [name for name, late in rendered if late] == ["index.html"]  # after the packs: the index alone
    pages = [d for d in result.documents if d.kind == "site" and d.path.endswith(".html")]
    assert len(pages) == len(early) + 1
    text = (tmp_path / "out" / "site" / PAPER / "index.html").read_text(encoding="utf-8")
    assert "MOPAC Governance Improvement Plan" in text
