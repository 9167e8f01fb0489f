"""The meeting packs, built with the real LibreOffice: pages, stamps, bookmarks, tags, and no leaks."""

from __future__ import annotations

import json
import re
import subprocess

import pikepdf
import pytest
from pypdf import PdfReader

from boardpack.cli import main
from boardpack.pack.assemble import Bookmark, page_starts
from boardpack.pack.leaks import pdf_text, runs
from boardpack.pack.packs import PackBuilder, highest_marking
from boardpack.pack.pdftext import page_texts

from .conftest import PAPER

pytestmark = pytest.mark.e2e
PUBLIC, MEMBERS = "public-pack.pdf", "members-pack.pdf"


def agenda(pdf) -> dict[str, str]:
    """Return {item number: page} read off the front sheet's agenda table (pdftotext keeps its columns)."""
    text = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True)
    return dict(re.findall(r"(?m)^\s*(\d)\s{2,}\S.*?\s{2,}(\d+|–)\s*$", text.stdout))


@pytest.fixture(scope="module")
def packs(built_example):
    return {name: page_texts(built_example / name) for name in (PUBLIC, MEMBERS)}


def test_agenda_page_numbers_land_on_the_items(built_example, packs):
    expected_first_lines = {
        "2": "Minutes of the Audit Panel held on 26 September 2017",
        "3": "Risk Management Update",
        "4": "Internal Audit Progress Report",
        "5": "MOPAC Governance Improvement Plan",
    }
    for name, pages in packs.items():
        found = agenda(built_example / name)
        assert len(found) == 8
        assert found["1"] == found["6"] == found["8"] == "–"  # no paper
        for item, title in expected_first_lines.items():
            assert title in pages[int(found[item]) - 1], (name, item)
        item7 = " ".join(pages[int(found["7"]) - 1].split())
        if name == PUBLIC:
            assert "Not for publication" in item7 and "paragraphs 1 and 7 of Part 1 of Schedule 12A" in item7
        else:
            assert "Counter-Fraud and Investigations Update" in item7 and "duplicate grant claims" in item7


def test_every_page_is_stamped_and_labelled(built_example, packs):
    for name, pages in packs.items():
        for number, text in enumerate(pages, 1):
            assert text.rstrip().splitlines()[-1] == f"Page {number}", (name, number)
        assert PdfReader(built_example / name).page_labels == [str(n) for n in range(1, len(pages) + 1)]


def test_papers_own_footers_do_not_say_page(built_example):
    papers = [d["path"] for d in read_json(built_example / "manifest.json") if d["kind"] in ("report", "appendix")]
    for path in (p for p in papers if p.endswith(".pdf")):
        assert not re.search(r"\bPage\b", pdf_text(built_example / path)), path


def test_bookmarks_one_per_item_with_appendices_nested(built_example, packs):
    for name, pages in packs.items():
        found = agenda(built_example / name)
        with pikepdf.open(built_example / name) as pdf, pdf.open_outline() as outline:
            items = [(i.title, _page(pdf, i), [(c.title, _page(pdf, c)) for c in i.children]) for i in outline.root]
        assert len(items) == 8
        for number, (title, page, _) in enumerate(items, 1):
            assert title.startswith(f"{number}. ")
            assert page == (int(found[str(number)]) if found[str(number)] != "–" else 1)
        title5, page5, children5 = items[4]
        assert title5 == "5. MOPAC Governance Improvement Plan"
        expected = (
            "Appendix 1 (not for publication)"
            if name == PUBLIC
            else "Appendix 1 – Governance Improvement Plan (Restricted)"
        )
        assert [c[0] for c in children5] == [expected]
        assert "Appendix 1" in pages[children5[0][1] - 1]
        assert children5[0][1] == page5 + 3  # after the three pages of the report


def read_json(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _page(pdf: pikepdf.Pdf, item) -> int:
    target = item.destination[0] if item.destination is not None else item.action.D[0]
    return next(i for i, p in enumerate(pdf.pages, 1) if p.obj.objgen == target.objgen)


@pytest.mark.parametrize("name", [PUBLIC, MEMBERS])
def test_pack_is_tagged_and_its_structure_resolves(built_example, name):
    with pikepdf.open(built_example / name) as pdf:
        root = pdf.Root
        assert root.Lang == "en-GB" and bool(root.MarkInfo.Marked)
        assert str(pdf.docinfo.Title).startswith("Audit Panel, Tuesday, 19 December 2017: ")
        assert pdf.docinfo.Subject and pdf.docinfo.Author == "Mayor's Office for Policing and Crime"
        meta = pdf.open_metadata()
        assert meta["dc:title"] == str(pdf.docinfo.Title)
        tree = root.StructTreeRoot
        nums = tree.ParentTree.Nums
        parent_tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        assert int(tree.ParentTreeNextKey) == max(parent_tree) + 1
        for page in pdf.pages:
            elements = parent_tree[int(page.obj.StructParents)]  # every page has its marked content mapped
            for element in elements:
                assert _page_of(element).objgen == page.obj.objgen
        parts = list(tree.K[0].K)
        assert tree.K[0].S == "/Document" and all(p.S == "/Sect" for p in parts)
        assert len(parts) >= 6  # the front sheet and one part per document


def _page_of(element):
    while "/Pg" not in element:
        element = element.P
    return element.Pg


@pytest.mark.parametrize("name", [PUBLIC, MEMBERS])
def test_stamp_is_an_artifact_in_an_embedded_font(built_example, name):
    with pikepdf.open(built_example / name) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            content = page.obj.Contents
            last = content[-1].read_bytes() if isinstance(content, pikepdf.Array) else content.read_bytes()
            assert re.search(
                rb"/Artifact <</Type /Pagination /Subtype /Footer>> BDC.*\(Page %d\) Tj.*EMC" % number, last, re.S
            )
            font = page.obj.Resources.Font.BPStamp
            assert "/FontFile2" in font.FontDescriptor


def test_public_pack_holds_no_word_of_the_restricted_papers(built_example, packs):
    public = " ".join(" ".join(packs[PUBLIC]).split())
    members = " ".join(" ".join(packs[MEMBERS]).split())
    for phrase in (
        "Trail from earlier recommendations",
        "CIP-01",
        "Template agreed by the Senior",
        "duplicate grant claims",
    ):
        assert phrase in members and phrase not in public
    # What a restricted paper shares with the public pack is only what public papers say too (the banner,
    # standard headings): the leak check's own rule, checked here against the papers on disk.
    public_papers = [
        built_example / d["path"]
        for d in read_json(built_example / "manifest.json")
        if d["kind"] == "report" and d["path"].endswith(".pdf") and not d["restricted"]
    ]
    boilerplate = set().union(*(runs(pdf_text(p)) for p in public_papers))
    front_and_withheld = " ".join(
        p for p in packs[PUBLIC] if "Agenda and public reports pack" in p or "Not for publication" in p
    )
    boilerplate |= runs(front_and_withheld)
    public_runs = runs(pdf_text(built_example / PUBLIC))
    for restricted in ("counter-fraud-update/report.pdf", f"{PAPER}/appendix-1.pdf"):
        shared = runs(pdf_text(built_example / restricted)) & public_runs
        assert shared <= boilerplate, restricted


def test_front_sheets_carry_the_highest_marking_inside(packs):
    assert packs[PUBLIC][0].splitlines()[0] == "OFFICIAL"
    assert packs[MEMBERS][0].splitlines()[0] == "OFFICIAL-SENSITIVE"


def test_a_forced_leak_fails_the_build_and_leaves_no_public_pack(plan_copy, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    real_slots = PackBuilder._slots
    monkeypatch.setattr(PackBuilder, "_slots", lambda self, plan, members: real_slots(self, plan, True))
    assert main(["build", str(plan_copy), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert (
        f"{out}/public-pack.pdf: holds text of restricted 'Appendix 1 – Governance Improvement Plan (Restricted)'"
        in err
    )
    assert "holds text of restricted 'Counter-Fraud and Investigations Update'" in err
    assert "bookmark names restricted 'Appendix 1 – Governance Improvement Plan (Restricted)'" in err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")] == [plan_copy.name]


def test_page_starts_and_markings():
    assert page_starts([1, 2, 3]) == [1, 2, 4]
    assert page_starts([3, 7], first=2) == [2, 5]
    assert highest_marking(["OFFICIAL", "OFFICIAL-SENSITIVE", "OFFICIAL"]) == "OFFICIAL-SENSITIVE"
    assert highest_marking(["OFFICIAL", "PROTECT"]) == "PROTECT"
    assert Bookmark("x", 0).children == ()


def test_the_leak_check_accounts_for_every_page_and_reads_text_only_when_it_cannot(built_example, tmp_path):
    from boardpack.pack.assemble import PackInfo, Part, assemble
    from boardpack.pack.leaks import accounted_for, find_leaks

    minutes, risk = built_example / "minutes" / "report.pdf", built_example / "risk-management-update" / "report.pdf"
    restricted = built_example / PAPER / "appendix-1.pdf"
    info = PackInfo("Pack", "subject", "author")
    pack = tmp_path / "pack.pdf"
    assemble([Part(minutes, "1"), Part(risk, "2")], pack, info)
    assert accounted_for(pack, [minutes, risk])
    assert not accounted_for(pack, [minutes])  # the risk report's pages come from nowhere allowed

    def no_text(pdf):
        raise AssertionError(f"read the text of {pdf}: the page check should have been enough")

    assert find_leaks(pack, {restricted: "Appendix 1"}, [minutes, risk], text=no_text) == []

    leaky = tmp_path / "leaky.pdf"
    assemble([Part(minutes, "1"), Part(restricted, "2")], leaky, info)
    assert not accounted_for(leaky, [minutes])
    problems = find_leaks(leaky, {restricted: "Appendix 1"}, [minutes])
    assert [p.message.split(" (")[0] for p in problems] == ["holds text of restricted 'Appendix 1'"]

    forged = tmp_path / "forged.pdf"  # a stamp that says more than "Page N" is not the assembler's
    with pikepdf.open(pack) as pdf:
        last = pikepdf.Array(pdf.pages[0].obj.Contents)[-1]
        last.write(last.read_bytes().replace(b"(Page 1)", b"(Page 1 of the restricted plan)"))
        pdf.save(forged)
    assert not accounted_for(forged, [minutes, risk])


def test_a_pack_stamped_in_its_own_wording_is_accounted_for_by_that_wording(built_example, tmp_path):
    from boardpack.pack.assemble import PackInfo, Part, assemble, stamp_pattern
    from boardpack.pack.leaks import accounted_for

    minutes = built_example / "minutes" / "report.pdf"
    phrase = "Folio {number} (Kingsmere)"
    pack = tmp_path / "pack.pdf"
    assemble([Part(minutes, "1")], pack, PackInfo("Pack", "subject", "author", page_stamp=phrase))
    assert [text.split("\n")[-1].strip() for text in page_texts(pack)][:2] == [
        "Folio 1 (Kingsmere)",
        "Folio 2 (Kingsmere)",
    ]
    assert accounted_for(pack, [minutes], stamp=stamp_pattern(phrase))
    assert not accounted_for(pack, [minutes])  # boardpack's own "Page N" pattern does not fit it
    assert not accounted_for(pack, [minutes], stamp=stamp_pattern("Folio {number}"))


def pack_titled(path, bookmarks, **docinfo):
    """A one-page PDF with *bookmarks* and document information *docinfo*, its XMP title the first bookmark."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    with pdf.open_outline() as outline:
        outline.root.extend(pikepdf.OutlineItem(title, 0) for title in bookmarks)
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:  # first: it rewrites the document information
        meta["dc:title"] = docinfo.get("Title", "Pack")
    for key, value in docinfo.items():
        pdf.docinfo[f"/{key}"] = value
    pdf.save(path)
    return path


def title_leaks(pack, title):
    from boardpack.pack.leaks import find_leaks

    return [p.message for p in find_leaks(pack, {pack.with_name("r.pdf"): title}, [], text=lambda pdf: "")]


def test_a_public_title_that_only_begins_with_a_restricted_one_is_no_leak(tmp_path):
    pack = pack_titled(
        tmp_path / "pack.pdf",
        ["3. Risk Management Update", "Appendix 1 – Risk Management Framework"],
        Title="Audit Panel: agenda and public reports pack",
        Keywords="Audit Panel; agenda; risk management update",
    )
    assert title_leaks(pack, "Risk Management") == []


@pytest.mark.parametrize(
    ("bookmarks", "docinfo", "said"),
    [
        (["3. Risk  MANAGEMENT"], {}, "bookmark"),
        (["12.1 risk management"], {}, "bookmark"),
        (["1. Minutes"], {"Subject": "Risk Management"}, "metadata /Subject"),
        (["1. Minutes"], {"Keywords": "Audit Panel; Risk Management; 2017-12-19"}, "metadata /Keywords"),
        (["1. Minutes"], {"Title": "risk management"}, "XMP metadata"),
        (["7. Risk Management; Fraud"], {}, "bookmark"),
    ],
)
def test_a_restricted_title_that_truly_appears_is_caught(tmp_path, bookmarks, docinfo, said):
    pack = pack_titled(tmp_path / "pack.pdf", bookmarks, **docinfo)
    assert f"{said} names restricted 'Risk Management'" in title_leaks(pack, "Risk Management")
    title = bookmarks[0].split(" ", 1)[1]  # a title that is a list itself is found whole
    assert f"bookmark names restricted '{title}'" in title_leaks(pack, title)


def test_a_restricted_paper_titled_like_the_start_of_a_public_one_builds(plan_copy, tmp_path, capsys):
    """The example's public item 3 is "Risk Management Update"; its restricted item 7 is now "Risk Management"."""
    for path in (plan_copy / "meeting.yaml", plan_copy / "counter-fraud-update" / "paper.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace("title: Counter-Fraud and Investigations Update", "title: Risk Management"), "utf-8"
        )
    out = tmp_path / "out"
    assert main(["build", str(plan_copy), "--out", str(out), "-q"]) == 0, capsys.readouterr().err
    with pikepdf.open(out / PUBLIC) as pdf, pdf.open_outline() as outline:
        titles = [item.title for item in outline.root]
    assert "3. Risk Management Update" in titles and "7. Risk Management" not in titles
    assert "Risk Management" in " ".join(page_texts(out / MEMBERS)[0].split())


def test_the_leak_check_reads_restricted_text_from_the_plan_not_only_from_a_pdf(built_example, tmp_path):
    """A restricted PDF swapped for a public one (as a faulty converter might) still leaves the plan's text."""
    from boardpack.convert.verify import docx_text
    from boardpack.pack.assemble import PackInfo, Part, assemble
    from boardpack.pack.leaks import find_leaks

    minutes, risk = built_example / "minutes" / "report.pdf", built_example / "risk-management-update" / "report.pdf"
    restricted = built_example / PAPER / "appendix-1.pdf"
    leaky = tmp_path / "leaky.pdf"
    assemble([Part(minutes, "1"), Part(restricted, "2")], leaky, PackInfo("Pack", "subject", "author"))
    swapped = {risk: "Appendix 1"}  # what the converter gave as the restricted appendix: a public paper
    assert find_leaks(leaky, swapped, [minutes, risk]) == []  # its PDF alone shows no leak
    plan = {risk: docx_text(restricted.with_suffix(".docx"))}
    problems = find_leaks(leaky, swapped, [minutes, risk], plan=plan.get)
    assert [p.message.split(" (")[0] for p in problems] == ["holds text of restricted 'Appendix 1'"]
