"""The stamp font kept in the build cache: a rebuild reads the subset back instead of cutting it again,
and a pack stamped with the stored font is byte for byte the pack stamped with a freshly cut one."""

from __future__ import annotations

import shutil

import pikepdf
import pytest

from boardpack import stampfont
from boardpack.pack.assemble import PackInfo, Part, assemble
from boardpack.stampfont import STORED, stamp_font


class Store(dict):
    """A build cache's read/write, in memory."""

    def read(self, key, suffix):
        return self.get(key + suffix)

    def write(self, key, suffix, data):
        self[key + suffix] = data


@pytest.fixture
def fresh(monkeypatch):
    """A process that has made no stamp font yet."""
    monkeypatch.setattr(stampfont, "_made", {})
    return lambda: monkeypatch.setattr(stampfont, "_made", {})


def no_subsetting(monkeypatch):
    def refuse(*args):
        raise AssertionError("subset again, though the store held the font")

    monkeypatch.setattr(stampfont, "_subset", refuse)


def test_a_font_made_once_is_kept_and_read_back_the_same(fresh, monkeypatch):
    store = Store()
    made = stamp_font("Page 0123456789", store=store)
    assert list(store) and all(key.endswith(STORED) for key in store)
    fresh()
    no_subsetting(monkeypatch)
    assert stamp_font("Page 0123456789", store=store) == made


def test_a_font_made_before_a_store_was_given_is_still_kept(fresh):
    made = stamp_font("Page 0123456789")
    store = Store()
    assert stamp_font("Page 0123456789", store=store) is made
    assert len(store) == 1  # so that the next build finds it


def test_other_characters_or_weight_are_another_font(fresh):
    store = Store()
    regular = stamp_font("Page 0123456789", store=store)
    stamp_font("Seite 0123456789", store=store)
    bold = stamp_font("0123456789", bold=True, store=store)
    assert len(store) == 3
    assert bold.data != regular.data and "Seite" not in regular.widths


def test_another_font_file_is_another_key(tmp_path):
    font = stampfont._font_path(False)
    changed = tmp_path / font.name
    shutil.copyfile(font, changed)
    with changed.open("ab") as f:
        f.write(b"\0")
    assert stampfont._font_key(font, "Page 0", False) != stampfont._font_key(changed, "Page 0", False)
    assert stampfont._font_key(font, "Page 0", False) != stampfont._font_key(font, "Page 0", True)


@pytest.mark.parametrize("damage", [b"", b"not json\n\0\1", b'{"name": "x"}\n\0\1'])
def test_a_damaged_entry_is_made_again_and_replaced(fresh, damage):
    store = Store()
    made = stamp_font("Page 0123456789", store=store)
    (key,) = store
    store[key] = damage
    fresh()
    assert stamp_font("Page 0123456789", store=store) == made
    assert store[key] != damage


def test_a_pack_stamped_with_the_stored_font_is_the_same_pack(fresh, monkeypatch, tmp_path):
    source = tmp_path / "source.pdf"
    with pikepdf.new() as pdf:
        for _ in range(3):
            pdf.add_blank_page(page_size=(595, 842))
        pdf.save(source)
    parts, info = [Part(source, "1. An item", title="An item")], PackInfo("A pack", "A meeting", "A committee")
    assemble(parts, tmp_path / "uncached.pdf", info)
    fresh()
    store = Store()
    assemble(parts, tmp_path / "kept.pdf", info, fonts=store)
    fresh()
    no_subsetting(monkeypatch)
    assemble(parts, tmp_path / "stored.pdf", info, fonts=store)
    uncached = (tmp_path / "uncached.pdf").read_bytes()
    assert (tmp_path / "kept.pdf").read_bytes() == uncached
    assert (tmp_path / "stored.pdf").read_bytes() == uncached
    with pikepdf.open(tmp_path / "stored.pdf") as pack:
        font = pack.pages[0].Resources.Font.BPStamp
        assert bytes(font.FontDescriptor.FontFile2.read_bytes()) == stamp_font("Page 0123456789").data


@pytest.mark.e2e
def test_a_rebuild_stamps_its_packs_with_the_font_its_cache_kept(fresh, monkeypatch, plan_copy, tmp_path):
    from boardpack.pipeline.builder import build
    from boardpack.pipeline.cache import CACHE_DIR

    out = tmp_path / "out"
    build(plan_copy, out)
    assert list((out / CACHE_DIR).glob(f"*{STORED}"))
    paper = plan_copy / "minutes" / "paper.yaml"
    text = paper.read_text(encoding="utf-8")
    paper.write_text(text.replace("No interests were declared.", "One interest was declared."), "utf-8")
    fresh()  # a new process: only the cache remembers the font
    # Every cut is logged to a file, as the packs are written in this process or in a child it forks (the
    # public side, the second pack): a list here would not see the child's.
    log, real = tmp_path / "cut.log", stampfont._subset

    def logged(path, text):
        with log.open("a", encoding="utf-8") as cuts:
            cuts.write(text + "\n")
        return real(path, text)

    def cut() -> list[str]:
        return [text for text in log.read_text("utf-8").splitlines() if text.startswith("Page")]

    log.touch()
    monkeypatch.setattr(stampfont, "_subset", logged)
    assert build(plan_copy, out).rebuilt == ("minutes report",)
    assert not cut()  # the packs' font came from the cache, in every process that wrote a pack
    assert list((out / CACHE_DIR).glob(f"*{STORED}"))  # and is kept for the next build
    fresh()
    build(plan_copy, tmp_path / "cold")
    # The cold build cut its own: in each process that stamped a pack, or in the first alone when the
    # other found the font already kept in the cache (CI saw that: a list here saw no cut at all).
    assert cut()
    for pack in ("public-pack.pdf", "members-pack.pdf"):  # a cold build has no supplement
        assert (out / pack).read_bytes() == (tmp_path / "cold" / pack).read_bytes(), pack
