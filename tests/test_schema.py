"""docs/plan-format.md documents every plan field: its tables are the model's, generated."""

from __future__ import annotations

import re
import subprocess
import sys

from boardpack.plan.schema import schema_markdown

from .conftest import ROOT


def test_plan_format_tables_equal_the_model():
    readme = (ROOT / "docs" / "plan-format.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- schema:begin -->\n(.*)<!-- schema:end -->", readme, re.S)
    assert found, "docs/plan-format.md lost its schema markers"
    assert found.group(1) == schema_markdown(), "run: python -m boardpack.plan.schema --update docs/plan-format.md"


def test_code_passes_ruff():
    for args in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *args, "src", "tests", "templates", "scripts", "benchmarks"],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_wording_doc_lists_every_phrase_of_the_wording_file():
    from boardpack.plan.wording import wording_markdown

    doc = (ROOT / "docs" / "wording.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- wording:begin -->\n(.*)<!-- wording:end -->", doc, re.S)
    assert found, "docs/wording.md lost its wording markers"
    assert found.group(1) == wording_markdown(), "run: python -m boardpack.plan.wording --update docs/wording.md"
