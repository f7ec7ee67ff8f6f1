"""`meshward simulate` as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from meshward.cli.main import main

POLICIES = """\
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec: {mtls: {mode: STRICT}}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow-orders, namespace: payments}
spec:
  selector: {matchLabels: {app: payment-service}}
  rules:
  - from: [{source: {principals: ["cluster.local/ns/orders/sa/order-service"]}}]
    to: [{operation: {methods: ["POST"], paths: ["/api/*"]}}]
---
apiVersion: v1
kind: Service
metadata: {name: payments, namespace: payments}
"""

DEST = {"namespace": "payments", "labels": {"app": "payment-service"}, "port": 8080}
ORDERS = {"principal": "cluster.local/ns/orders/sa/order-service", "ip": "10.0.1.5"}
POST = {"destination": DEST, "source": ORDERS, "method": "POST", "path": "/api/payments"}
GET = {**POST, "method": "GET"}
PLAIN = {**POST, "source": {"principal": None}}


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    path = tmp_path / "mesh" / "policies.yaml"
    path.parent.mkdir()
    path.write_text(POLICIES)
    return path


def _jsonl(tmp_path: Path, *lines: object) -> Path:
    path = tmp_path / "requests.jsonl"
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines))
    return path


def _lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines()]


def test_prints_one_json_line_per_request(
    manifests: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requests = _jsonl(tmp_path, POST, GET, "", PLAIN)
    assert main(["simulate", "--manifests", str(manifests), "--requests", str(requests)]) == 0
    assert _lines(capsys.readouterr().out) == [
        {
            "decision": "ALLOW",
            "status": 200,
            "policy": "payments/allow-orders",
            "reason": "ALLOW policy payments/allow-orders matched",
        },
        {
            "decision": "DENY",
            "status": 403,
            "policy": None,
            "reason": "no ALLOW policy matched (payments/allow-orders apply)",
        },
        {
            "decision": "DENY",
            "status": 403,
            "policy": "istio-system/default",
            "reason": "STRICT mTLS refuses the plaintext connection",
        },
    ]


def test_single_request_and_directory_of_manifests(
    manifests: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["simulate", "--manifests", str(manifests.parent), "--request", json.dumps(GET)]
    assert main(args) == 0
    assert _lines(capsys.readouterr().out)[0]["decision"] == "DENY"


def test_explain_adds_the_trace(manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["simulate", "--manifests", str(manifests), "--request", json.dumps(GET), "--explain"]
    assert main(args) == 0
    (line,) = _lines(capsys.readouterr().out)
    trace = line["trace"]
    assert isinstance(trace, list)
    assert {"step": "PeerAuthentication", "policy": "istio-system/default"}.items() <= trace[
        0
    ].items()
    allow = [entry for entry in trace if entry["step"] == "ALLOW"]
    assert allow[0]["result"] == "not-matched"
    assert "methods" in allow[0]["detail"]


def test_without_explain_there_is_no_trace(
    manifests: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["simulate", "--manifests", str(manifests), "--request", json.dumps(GET)])
    assert "trace" not in _lines(capsys.readouterr().out)[0]


def test_bad_jsonl_exits_2_naming_line_and_field_and_prints_nothing(
    manifests: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad_port = {**POST, "destination": {**DEST, "port": "8080"}}
    requests = _jsonl(tmp_path, POST, {**POST, "extra": 1}, bad_port, "{nope")
    assert main(["simulate", "--manifests", str(manifests), "--requests", str(requests)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    errors = captured.err.splitlines()
    assert f"{requests}:2: extra: extra inputs are not permitted" in errors
    assert f"{requests}:3: destination.port: input should be a valid integer" in errors
    assert any(line.startswith(f"{requests}:4: invalid JSON") for line in errors)
    assert "Traceback" not in captured.err


def test_model_level_request_error_names_the_line(
    manifests: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tcp_with_path = {"destination": DEST, "protocol": "TCP", "path": "/"}
    requests = _jsonl(tmp_path, tcp_with_path)
    assert main(["simulate", "--manifests", str(manifests), "--requests", str(requests)]) == 2
    assert f"{requests}:1: a TCP request has no path" in capsys.readouterr().err


def test_kubectl_list_documents_are_expanded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = tmp_path / "list.yaml"
    listing.write_text(
        "apiVersion: v1\nkind: List\nitems:\n"
        "- apiVersion: security.istio.io/v1\n  kind: AuthorizationPolicy\n"
        "  metadata: {name: deny-all, namespace: payments}\n"
        "  spec: {action: DENY, rules: [{}]}\n"
    )
    assert main(["simulate", "--manifests", str(listing), "--request", json.dumps(POST)]) == 0
    assert _lines(capsys.readouterr().out)[0]["policy"] == "payments/deny-all"


def test_extension_provider_flag_makes_undefined_providers_deny(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "custom.json"
    policy.write_text(
        json.dumps(
            {
                "apiVersion": "security.istio.io/v1",
                "kind": "AuthorizationPolicy",
                "metadata": {"name": "ext", "namespace": "payments"},
                "spec": {"action": "CUSTOM", "provider": {"name": "opa"}, "rules": [{}]},
            }
        )
    )
    req = json.dumps({**POST, "custom_provider_decision": "ALLOW"})
    base = ["simulate", "--manifests", str(policy), "--request", req]
    assert main(base) == 0
    assert main([*base, "--extension-provider", "other"]) == 0
    first, second = _lines(capsys.readouterr().out)
    assert first["decision"] == "ALLOW"
    assert (second["decision"], second["policy"]) == ("DENY", "payments/ext")


def test_trust_domain_flags(manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    aliased = {**POST, "source": {"principal": "old.example/ns/orders/sa/order-service"}}
    base = ["simulate", "--manifests", str(manifests), "--request", json.dumps(aliased)]
    assert main(base) == 0
    assert (
        main([*base, "--trust-domain", "new.example", "--trust-domain-alias", "old.example"]) == 0
    )
    first, second = _lines(capsys.readouterr().out)
    assert (first["decision"], second["decision"]) == ("DENY", "ALLOW")


def test_missing_manifest_and_bad_yaml_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("kind: [unclosed\n")
    args = [
        "simulate",
        "--manifests",
        str(tmp_path / "absent.yaml"),
        str(broken),
        "--request",
        "{}",
    ]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'absent.yaml'}: no such file or directory" in err
    assert f"{broken}:" in err
    assert "Traceback" not in err


def test_request_or_requests_is_required(manifests: Path) -> None:
    with pytest.raises(SystemExit) as info:
        main(["simulate", "--manifests", str(manifests)])
    assert info.value.code == 2


def test_cli_normalization_choices_match_the_simulator() -> None:
    # The CLI keeps its own copy so `meshward --help` need not import the simulator.
    from meshward.cli.simulate import NORMALIZATIONS
    from meshward.mesh.simulation.settings import PATH_NORMALIZATIONS

    assert NORMALIZATIONS == PATH_NORMALIZATIONS
