"""`meshward preflight` as a user runs it on the shipped stacks and on a filled-in copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from meshward.cli.main import main
from tests.support import ROOT

REAL_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
SHIPPED_DEV_PLACEHOLDERS = (
    "203.0.113.0/24",
    "api.dev.meshward.example",
    "00000000-0000-0000-0000-000000000001",
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml", "__main__.py"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


@pytest.fixture
def no_tools_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)


def fill_in(project: Path) -> None:
    """What a user does before the first deploy: real values, and the secrets set."""
    path = project / "Pulumi.dev.yaml"
    text = path.read_text()
    for old, new in (
        ("00000000-0000-0000-0000-000000000001", REAL_TENANT),
        ("api.dev.meshward.example", "api.dev.contoso.com"),
        ("203.0.113.0/24", "20.50.1.0/24"),
        ("platform-oncall@example.invalid", "platform-oncall@contoso.com"),
    ):
        text = text.replace(old, new)
    text += (
        "  meshward:apimBackendClientSecret:\n    secure: AAABAHkq\n"
        "  meshward:ordersPaymentsApiToken:\n    secure: AAABAJx1\n"
    )
    path.write_text(text)


def test_shipped_dev_stack_names_each_placeholder_and_blocks(
    project: Path, capsys: pytest.CaptureFixture[str], no_tools_on_path: None
) -> None:
    assert main(["preflight", "--stack", "dev", "--project", str(project)]) == 1
    out = capsys.readouterr().out
    for placeholder in SHIPPED_DEV_PLACEHOLDERS:
        assert placeholder in out
    for path in (
        "platform.aks.apiServer.authorizedIpRanges[0]",
        "platform.appGateway.hostname",
        "platform.jwtIssuers[0].issuer",
        "platform.jwtIssuers[0].entraTenantId",
        "meshward:ordersPaymentsApiToken",
    ):
        assert path in out


def test_filled_in_copy_has_no_blocking_stack_value(
    project: Path, capsys: pytest.CaptureFixture[str], no_tools_on_path: None
) -> None:
    fill_in(project)
    code = main(["preflight", "--stack", "dev", "--project", str(project)])
    rows = [line for line in capsys.readouterr().out.splitlines() if "│" in line]
    blocked = [r for r in rows if " block " in r]
    # Only the machine's missing tools block, and they are in their own section.
    assert blocked and all(r.split("│")[1].strip() == "tools" for r in blocked)
    assert code == 1
    assert main(["preflight", "--stack", "dev", "--project", str(project), "--no-tools"]) == 0
    out = capsys.readouterr().out
    assert " block " not in out
    assert "tools" not in [line.split("│")[1].strip() for line in out.splitlines() if "│" in line]


def test_shipped_prod_stack_blocks_on_placeholders_and_missing_certificates(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["preflight", "--stack", "prod", "--project", str(project), "--no-tools"]) == 1
    out = capsys.readouterr().out
    assert "00000000-0000-0000-0000-00000000000a" in out
    assert "meshward:certEdgePfx" in out


def test_bad_input_exits_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["preflight", "--stack", "staging", "--project", str(project)]) == 2
    assert "known stacks: dev, prod" in capsys.readouterr().err
    path = project / "Pulumi.dev.yaml"
    path.write_text(path.read_text().replace("mode: Detection", "mode: Detect"))
    assert main(["preflight", "--stack", "dev", "--project", str(project)]) == 2
    assert "platform.appGateway.waf.mode" in capsys.readouterr().err
