"""`meshward diff` over two plans of configs that differ in one access rule, one Azure setting
and one create-only input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from meshward.cli.main import main
from meshward.engine.planner import plan_config, render_stack
from tests.support import ROOT, stack_platform


def _write_plan(platform: dict[str, Any], out: Path) -> Path:
    config = {"meshward:platform": platform}
    files = render_stack(plan_config(ROOT / "__main__.py", "meshward", "dev", config)).files
    for name, text in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text)
    return out


def _rule(platform: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in platform["mesh"]["access"] if r["name"] == name)


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = stack_platform("dev")
    head = stack_platform("dev")
    _rule(head, "public-web")["to"]["methods"] = ["GET", "HEAD", "POST"]  # access rule
    head["appGateway"]["waf"]["mode"] = "Prevention"  # Azure setting
    head["location"] = "northeurope"  # create-only input of every Azure resource
    root = tmp_path_factory.mktemp("plans")
    return _write_plan(base, (root / "base")), _write_plan(head, (root / "head"))


def _diff(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main(["diff", *argv, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_diff_reports_gained_edge_changed_input_and_replacement(
    plans: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    base, head = plans
    code, doc = _diff(capsys, str(base), str(head))
    assert code == 0
    assert set(doc) == {"stack", "resources", "access", "findings"}
    changed = {c["urn"].rsplit("::", 1)[1]: c for c in doc["resources"]["changed"]}
    # The WAF policy moves with the location (replaced) and changes its mode.
    assert changed["mw-dev-appgw-waf"]["paths"] == ["location", "policySettings.mode"]
    allow = changed["mw-dev-mesh-security-web-authorizationpolicy-frontend-allow"]
    assert allow["paths"] == ["spec.rules[0].to[0].operation.methods[2]"]
    assert allow["replace"] is False
    group = changed["mw-dev-rg"]
    assert group["paths"] == ["location"] and group["replace"] is True
    gained = doc["access"]["gained"]
    assert {
        "from": "ingress-gateway",
        "to": "web/frontend",
        "port": 8080,
        "protocol": "http",
        "methods": ["POST"],
        "paths": ["*"],
    } in gained
    assert {(e["to"], tuple(e["methods"])) for e in gained} == {("web/frontend", ("POST",))}
    assert doc["access"]["lost"] == []


def test_fail_on_access_widened_exits_1_when_an_edge_is_gained(
    plans: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    base, head = plans
    assert main(["diff", str(base), str(head), "-q", "--fail-on", "access-widened"]) == 1
    assert capsys.readouterr().out == ""


def test_narrowing_is_a_loss_only(
    plans: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    base, head = plans
    code, doc = _diff(capsys, str(head), str(base), "--fail-on", "access-widened")
    assert code == 0
    assert doc["access"]["gained"] == []
    assert {(e["from"], e["to"], tuple(e["methods"])) for e in doc["access"]["lost"]} >= {
        ("ingress-gateway", "web/frontend", ("POST",))
    }


def test_markdown_names_the_gained_edge_and_the_replacement(
    plans: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    base, head = plans
    assert main(["diff", str(base), str(head)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("<!-- meshward-diff:dev -->")
    assert "**replaced** `azure-native:resources:ResourceGroup::mw-dev-rg`: `location`" in text
    assert "`policySettings.mode`" in text
    assert "```mermaid" in text and '-->|"+ 8080: POST any path"|' in text


def test_neither_folder_nor_revision_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", str(tmp_path / "nope"), "no-such-revision-xyz"]) == 2
    assert "BASE" in capsys.readouterr().err


def test_a_plan_from_before_destination_labels_is_asked_with_the_other_sides_labels(
    plans: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Dev's ledger-db is selected by `tier: data` as well as `app`: guessing the default
    # selector for the older plan would report its two edges as gained.
    base, _ = plans
    old = tmp_path / "old"
    shutil.copytree(base, old)
    access = json.loads((old / "access.json").read_text())
    for dest in access["destinations"]:
        dest.pop("labels", None)
    (old / "access.json").write_text(json.dumps(access))
    code, doc = _diff(capsys, str(old), str(base))
    assert code == 0
    assert doc["access"] == {"gained": [], "lost": []}
