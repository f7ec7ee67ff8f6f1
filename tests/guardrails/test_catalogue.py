"""Every guardrail fires on its failing input, at the right object, and not on its passing one."""

from __future__ import annotations

import pytest

from meshward.guardrails import (
    RULES,
    Report,
    Severity,
    manifest_subjects,
    plan_subjects,
    run_guardrails,
)
from tests.guardrails.cases import Case, case_table, settings_of

CASES = case_table()


def _run(case: Case, docs: list[dict[str, object]], rule_id: str, *, good: bool = False) -> Report:
    manifests = [d for d in docs if "urn" not in d]
    resources = [d for d in docs if "urn" in d]
    subjects = manifest_subjects((d, "in.yaml", 1) for d in manifests)
    subjects += plan_subjects({"resources": resources})
    settings = settings_of(case)
    if rule_id == "MW001" and good:
        settings = settings_of(CASES["MW001-valid"])
    return run_guardrails(subjects, settings=settings, select=lambda r: r.id == rule_id)


def test_every_rule_has_a_case() -> None:
    assert set(RULES) <= set(CASES)


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_fires_on_its_failing_input(rule_id: str) -> None:
    case = CASES[rule_id]
    report = _run(case, case.bad, rule_id)
    assert report.rules_run == (rule_id,)
    refs = {f.ref for f in report.findings if f.rule == rule_id}
    assert case.at in refs, [f.to_dict() for f in report.findings]


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_is_silent_on_its_passing_input(rule_id: str) -> None:
    case = CASES[rule_id]
    report = _run(case, case.good, rule_id, good=True)
    assert report.rules_run == (rule_id,)
    assert [f.to_dict() for f in report.findings] == []


def test_every_rule_documents_itself() -> None:
    for rule in RULES.values():
        assert rule.title and rule.rationale and rule.fix, rule.id
        assert "\n" not in rule.title, rule.id
        assert rule.severity in Severity
        prefix = {"azure": "MW2", "waivers": "MW0"}.get(rule.family, "MW1")
        assert rule.id.startswith(prefix), (rule.id, rule.family)
