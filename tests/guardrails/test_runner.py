"""Where the runner locates plan resources in `plan.json`."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from meshward.guardrails.runner import plan_resource_lines, plan_subjects


def split_lines(text: str) -> dict[int, int]:
    """The definition: every line that is exactly `    {`, numbered as `splitlines` does."""
    numbers = [n for n, line in enumerate(text.splitlines(), start=1) if line == "    {"]
    return dict(enumerate(numbers))


def test_resources_are_located_at_their_entries_in_the_written_plan() -> None:
    plan = {
        "resources": [
            {"type": "azure-native:network:VirtualNetwork", "custom": True, "name": "vnet"},
            {"type": "pulumi:providers:azure-native", "custom": True, "name": "default"},
            {"type": "azure-native:keyvault:Vault", "custom": True, "name": "kv", "x": [1]},
        ]
    }
    text = json.dumps(plan, indent=2) + "\n"
    subjects = plan_subjects(plan, "plan.json", text)
    lines = text.splitlines()
    assert [(s.name, s.line) for s in subjects] == [("vnet", 3), ("kv", 13)]
    assert all(lines[s.line - 1] == "    {" for s in subjects)


def test_a_plan_with_crlf_line_ends_is_located_as_splitlines_numbers_it() -> None:
    text = json.dumps({"resources": [{"a": 1}, {"b": [2, 3]}]}, indent=2) + "\n"
    crlf = text.replace("\n", "\r\n")
    assert plan_resource_lines(crlf) == plan_resource_lines(text) == {0: 3, 1: 6}


@given(st.lists(st.sampled_from(["\n", "    {", "    {\n", " ", "{", "x", "\r\n", "\u2028"])))
def test_entry_lines_are_the_lines_splitlines_finds(parts: list[str]) -> None:
    text = "".join(parts)
    assert plan_resource_lines(text) == split_lines(text)
