"""The rule table in docs/guardrails.md is generated from the catalogue and kept fresh."""

from __future__ import annotations

from pathlib import Path

from meshward.guardrails import RULES
from meshward.guardrails.docs import rules_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_rule_table_is_up_to_date() -> None:
    page = (ROOT / "docs" / "guardrails.md").read_text(encoding="utf-8")
    assert page == rules_markdown(), "run `make docs`"


def test_table_has_a_row_per_rule_with_peers() -> None:
    page = rules_markdown()
    for rule_id, rule in RULES.items():
        row = next(line for line in page.splitlines() if line.startswith(f"| [{rule_id}]"))
        for peer in rule.peers:
            assert peer.replace("|", "\\|") in row
