"""`meshward check`: every pitfall at its object, nothing on secure input, exit codes, formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from meshward.cli.main import main

DATA = Path(__file__).parent / "data"


def _expected() -> set[tuple[str, str]]:
    lines = (DATA / "risky" / "expected.txt").read_text().splitlines()
    return {tuple(line.split()) for line in lines if line and not line.startswith("#")}  # type: ignore[misc]


def test_risky_manifests_report_each_pitfall_at_its_object(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check", str(DATA / "risky"), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    found = {(f["rule"], f["object"]) for f in report["findings"]}
    assert found == _expected()


def test_secure_manifests_report_no_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(DATA / "secure")]) == 0
    out = capsys.readouterr()
    assert "ERROR" not in out.out
    assert "0 errors" in out.err


def test_text_lines_carry_file_line_object_field_severity_and_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["check", str(DATA / "risky" / "jwt.yaml"), str(DATA / "risky" / "context.yaml")])
    lines = capsys.readouterr().out.splitlines()
    jwks = next(line for line in lines if " MW132: " in line)
    assert jwks.startswith(f"{DATA / 'risky' / 'jwt.yaml'}:1: RequestAuthentication/shop/api-jwt: ")
    assert ": spec.jwtRules[0].jwksUri: ERROR MW132: " in jwks


def test_line_is_the_first_line_of_the_objects_document(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["check", str(DATA / "risky" / "mtls.yaml"), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    lines = {f["object"]: f["line"] for f in report["findings"]}
    text = (DATA / "risky" / "mtls.yaml").read_text().splitlines()
    assert (
        text[lines["PeerAuthentication/shop/shop-second"] - 1] == "apiVersion: security.istio.io/v1"
    )
    assert text[lines["PeerAuthentication/shop/shop-second"] + 2] == "  name: shop-second"


def test_sarif_is_2_1_0_with_rules_and_locations(capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", str(DATA / "risky"), "--format", "sarif"])
    sarif = json.loads(capsys.readouterr().out)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    result = run["results"][0]
    assert ids[result["ruleIndex"]] == result["ruleId"]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1


def test_waived_finding_does_not_fail_and_is_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n"
        "- rule: MW132\n  object: RequestAuthentication/shop/*\n"
        "  reason: issuer only serves http inside the lab\n  expires: '2999-01-01'\n"
    )
    only = ["--waivers", str(waivers), str(DATA / "risky" / "jwt.yaml")]
    main(["check", *only])
    out = capsys.readouterr().out
    assert "ERROR MW132: " in out and "[waived: issuer only serves http" in out
    assert (
        f"waiver {waivers}.waivers[0]: MW132 RequestAuthentication/shop/* until 2999-01-01" in out
    )


def test_expired_waiver_is_a_violation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n- rule: MW101\n  object: PeerAuthentication/*\n  reason: migration to STRICT\n"
        "  expires: '2020-01-01'\n"
    )
    assert main(["check", "--waivers", str(waivers), str(DATA / "secure")]) == 1
    assert "ERROR MW001: waiver of MW101" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"bad.yaml": "a: [1,\n"}, "not valid YAML"),
        ({"plan/plan.json": "{"}, "not valid JSON"),
    ],
)
def test_bad_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], files: dict[str, str], message: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    target = tmp_path / next(iter(files)).split("/")[0]
    assert main(["check", str(target)]) == 2
    assert message in capsys.readouterr().err


def test_bad_waiver_file_exits_2_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    waivers = tmp_path / "w.yaml"
    waivers.write_text("waivers:\n- rule: MW999\n  object: x/y\n  reason: r\n  expires: soon\n")
    assert main(["check", "--waivers", str(waivers), str(DATA / "secure")]) == 2
    err = capsys.readouterr().err
    assert f"{waivers}.waivers[0].rule: unknown guardrail 'MW999'" in err
    assert f"{waivers}.waivers[0].expires" in err


def test_plan_folder_reads_plan_json_and_manifests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = {
        "project": "p",
        "stack": "s",
        "resources": [
            {
                "urn": "urn:pulumi:s::p::azure-native:keyvault:Vault::kv",
                "type": "azure-native:keyvault:Vault",
                "name": "kv",
                "custom": True,
                "protect": False,
                "parent": None,
                "dependencies": [],
                "inputs": {"properties": {"enableRbacAuthorization": True}},
            }
        ],
    }
    (tmp_path / "plan.json").write_text(json.dumps(plan, indent=2, sort_keys=True) + "\n")
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "pa.yaml").write_text((DATA / "risky" / "mtls.yaml").read_text())
    assert main(["check", str(tmp_path), "--environment", "prod"]) == 1
    out = capsys.readouterr().out
    assert f"{tmp_path / 'plan.json'}:4: Vault/kv: inputs.properties.enablePurgeProtection: " in out
    assert "ERROR MW214: " in out  # prod-only rule ran
    assert f"{tmp_path / 'manifests' / 'pa.yaml'}:1: PeerAuthentication/shop/shop-permissive" in out
