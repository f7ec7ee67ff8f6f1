"""checkov over the exports: waivers classify findings (with reasons), prod passes with only
documented waivers and pending fixes, and a weakened prod setting is caught."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from meshward.config import parse_platform_config, weakened_settings
from meshward.engine.plan import kubernetes_objects, manifest_path
from meshward.export.arm import arm_template
from meshward.export.scan import Waiver, classify, load_waivers, render, run_checkov
from meshward.guardrails.stack import check_plan
from tests.support import ROOT, render_platform, stack_platform

CHECKOV = ROOT / ".venv-scan" / "bin" / "checkov"
WAIVERS = ROOT / "checkov-waivers.yaml"
needs_checkov = pytest.mark.skipif(
    not CHECKOV.is_file(),
    reason=f"{CHECKOV} is absent (.ci/run creates .venv-scan from requirements-scan.txt)",
)


def _report(passed: list[tuple[str, str]], failed: list[tuple[str, str]]) -> dict[str, Any]:
    def check(check_id: str, resource: str) -> dict[str, str]:
        return {"check_id": check_id, "check_name": f"name of {check_id}", "resource": resource}

    return {
        "check_type": "arm",
        "results": {
            "passed_checks": [check(*p) for p in passed],
            "failed_checks": [check(*f) for f in failed],
        },
        "summary": {"parsing_errors": 0},
    }


def test_findings_are_waived_pending_or_failed_and_reasons_printed() -> None:
    waivers = [
        Waiver("CKV_A", "does not apply here", resource="Microsoft.X/y.*"),
        Waiver("CKV_B", "real, being fixed", pending="#9"),
        Waiver("CKV_C", "passes without seeing it", blind=True),
    ]
    scan = classify(
        _report(
            passed=[("CKV_C", "Microsoft.X/y.a")],
            failed=[
                ("CKV_A", "Microsoft.X/y.a"),
                ("CKV_A", "Microsoft.Z/w.a"),
                ("CKV_B", "Microsoft.X/y.a"),
                ("CKV_C", "Microsoft.X/y.b"),
            ],
        ),
        waivers,
        "prod",
    )
    assert [f.check_id for f in scan.waived] == ["CKV_A"]
    assert [f.check_id for f in scan.pending] == ["CKV_B"]
    assert [(f.check_id, f.resource) for f in scan.unwaived] == [
        ("CKV_A", "Microsoft.Z/w.a"),
        ("CKV_B", "Microsoft.X/y.a"),
        ("CKV_C", "Microsoft.X/y.b"),
    ]
    text = render(scan)
    assert "does not apply here" in text and "fix pending in #9" in text
    assert "CKV_C passed BLIND: Microsoft.X/y.a: passes without seeing it" in text


def test_every_waiver_in_the_repository_has_a_reason(tmp_path: Path) -> None:
    waivers = load_waivers(WAIVERS)
    assert waivers and all(len(w.reason) > 40 for w in waivers)
    assert all(w.pending == "#9" for w in waivers if w.pending)
    bad = tmp_path / "w.yaml"
    bad.write_text("waivers:\n  - id: CKV_AZURE_1\n")
    with pytest.raises(Exception, match=r"waivers\[0\]: needs `id` and a non-empty `reason`"):
        load_waivers(bad)


def _scan(plan: dict[str, Any], tmp_path: Path, stack: str) -> Any:
    target = tmp_path / f"{stack}.arm.json"
    target.write_text(json.dumps(arm_template(plan).template, indent=2))
    return classify(run_checkov(CHECKOV, target, "arm"), load_waivers(WAIVERS), stack)


@needs_checkov
def test_checkov_passes_prod_with_only_documented_waivers(
    prod_plan: dict[str, Any], tmp_path: Path
) -> None:
    scan = _scan(prod_plan, tmp_path, "prod")
    assert scan.parsing_errors == 0
    assert scan.passed >= 20
    assert scan.unwaived == []
    assert scan.pending == []
    # Host encryption and ephemeral OS disks on every pool, seeded secrets typed: they pass.
    assert not {"CKV_AZURE_226", "CKV_AZURE_227"} & {f.check_id for f in scan.findings}


@needs_checkov
def test_turning_off_host_encryption_in_prod_is_flagged_by_checkov_and_the_guardrails(
    tmp_path: Path,
) -> None:
    platform = stack_platform("prod")
    platform["aks"]["userPools"] = [{"name": "apps", "hostEncryption": False}]
    plan = render_platform(platform, stack="prod")
    scan = _scan(plan, tmp_path, "prod")
    flagged = {(f.check_id, f.resource) for f in scan.unwaived}
    pool = "Microsoft.ContainerService/managedClusters/agentPools.mw-prod-aks/apps"
    assert ("CKV_AZURE_227", pool) in flagged
    cfg = parse_platform_config(platform)
    objects = kubernetes_objects(plan)
    report = check_plan(plan, [(o, manifest_path(o)) for o in objects], cfg)
    blocking = report.blocking(cfg.guardrails.to_enforcement())
    assert [(f.rule, f.ref) for f in blocking] == [("MW203", "AgentPool/mw-prod-aks-pool-apps")]


@needs_checkov
def test_opening_prod_key_vault_to_the_internet_is_flagged(tmp_path: Path) -> None:
    platform = stack_platform("prod")
    platform["keyVault"]["publicNetworkAccess"] = True
    scan = _scan(render_platform(platform, stack="prod"), tmp_path, "prod")
    flagged = {f.check_id for f in scan.unwaived if f.resource.startswith("Microsoft.KeyVault/")}
    assert "CKV_AZURE_189" in flagged
    # meshward's own report of weakened settings names it too.
    weak = weakened_settings(parse_platform_config(platform))
    assert "platform.keyVault.publicNetworkAccess" in {w.path for w in weak}


@needs_checkov
def test_turning_on_prod_aks_local_accounts_is_flagged_by_checkov_and_the_guardrails(
    prod_plan: dict[str, Any], tmp_path: Path
) -> None:
    # The config offers no switch for it, so the planned input itself is flipped.
    plan = copy.deepcopy(prod_plan)
    cluster = next(r for r in plan["resources"] if r["type"].endswith(":ManagedCluster"))
    cluster["inputs"]["disableLocalAccounts"] = False
    scan = _scan(plan, tmp_path, "prod")
    flagged = {f.check_id for f in scan.unwaived if "managedClusters." in f.resource}
    assert "CKV_AZURE_141" in flagged
    cfg = parse_platform_config(stack_platform("prod"))
    objects = kubernetes_objects(plan)
    report = check_plan(plan, [(o, manifest_path(o)) for o in objects], cfg)
    assert "MW206" in {f.rule for f in report.blocking(cfg.guardrails.to_enforcement())}
    unflipped = check_plan(prod_plan, [(o, manifest_path(o)) for o in objects], cfg)
    assert "MW206" not in {f.rule for f in unflipped.findings}
