"""The configuration reference in README.md is generated, never hand-edited."""

from __future__ import annotations

from meshward.config.reference import END, START, reference_markdown, splice
from tests.support import ROOT


def test_readme_reference_is_up_to_date() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert splice(readme, reference_markdown()) == readme, "run `make docs`"


def test_every_field_is_documented() -> None:
    rows = [line for line in reference_markdown().splitlines() if line.startswith("| `")]
    undocumented = [row.split("|")[1].strip() for row in rows if row.rstrip().endswith("|  |")]
    assert undocumented == []


def test_splice_replaces_only_between_markers() -> None:
    doc = f"a\n{START}\nold\n{END}\nb\n"
    assert splice(doc, "new\n") == f"a\n{START}\nnew\n{END}\nb\n"
