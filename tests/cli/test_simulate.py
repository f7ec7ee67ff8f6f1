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
    requests = _jsonl(tmp_path, POST, GET, PLAIN)
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


def test_every_line_gets_an_output_line_and_bad_lines_exit_2_at_the_end(
    manifests: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad_port = {**POST, "destination": {**DEST, "port": "8080"}}
    tcp_with_path = {"destination": DEST, "protocol": "TCP", "path": "/"}
    requests = _jsonl(
        tmp_path, POST, {**POST, "extra": 1}, bad_port, "{nope", "", tcp_with_path, "[1]", GET
    )
    assert main(["simulate", "--manifests", str(manifests), "--requests", str(requests)]) == 2
    captured = capsys.readouterr()
    lines = _lines(captured.out)
    assert [line.get("decision") for line in lines] == [
        "ALLOW",
        None,
        None,
        None,
        None,
        None,
        None,
        "DENY",
    ]
    errors = {line["line"]: line["error"] for line in lines if "error" in line}
    assert errors == {
        2: "extra: extra inputs are not permitted",
        3: "destination.port: input should be a valid integer",
        4: "invalid JSON: Expecting property name enclosed in double quotes at column 2",
        5: "empty line: expected one JSON request",
        6: "a TCP request has no path",
        7: "expected a JSON object, got list",
    }
    assert captured.err.splitlines()[-1] == (
        f"{requests}: 6 of 8 lines invalid (their output lines say why)"
    )


def test_a_bad_single_request_exits_2_naming_the_field(
    manifests: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = json.dumps({**POST, "destination": {**DEST, "port": 70000}})
    assert main(["simulate", "--manifests", str(manifests), "--request", bad]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "--request: destination.port: input should be less than or equal to 65535\n"
    )


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
    req = json.dumps({**POST, "customProviderDecision": "ALLOW"})
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


def test_request_or_requests_is_required(
    manifests: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", "--manifests", str(manifests)]) == 2
    assert "give --request JSON or --requests FILE.jsonl" in capsys.readouterr().err


def test_cli_normalization_choices_match_the_simulator() -> None:
    # The CLI keeps its own copy so `meshward --help` need not import the simulator.
    from meshward.cli.simulate import NORMALIZATIONS
    from meshward.mesh.simulation.settings import PATH_NORMALIZATIONS

    assert NORMALIZATIONS == PATH_NORMALIZATIONS


def test_without_a_plan_the_assumed_defaults_are_printed_once(
    manifests: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requests = _jsonl(tmp_path, POST, GET)
    args = ["simulate", "--manifests", str(manifests), "--requests", str(requests)]
    assert main([*args, "--root-namespace", "istio-system"]) == 0
    (note,) = capsys.readouterr().err.splitlines()
    assert note.startswith("simulate: assuming trust domain cluster.local, no trust domain")
    assert "path normalization BASE" in note
    assert "root namespace" not in note  # given, so not assumed
    assert main([*args, "-q"]) == 0
    assert capsys.readouterr().err == ""


def test_manifests_without_istio_objects_are_warned_about(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("apiVersion: v1\nkind: Service\nmetadata: {name: x, namespace: y}\n")
    assert main(["simulate", "-q", "--manifests", str(empty), "--request", json.dumps(GET)]) == 0
    captured = capsys.readouterr()
    assert captured.err == (
        f"warning: no Istio security objects found in {empty}; every request is decided by "
        "Istio's defaults alone (no policy: allowed, mTLS PERMISSIVE)\n"
    )
    assert _lines(captured.out)[0]["decision"] == "ALLOW"


def test_snake_case_keys_still_work_with_one_warning_per_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "custom.yaml"
    policy.write_text(
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
        "metadata: {name: ext, namespace: payments}\n"
        "spec: {action: CUSTOM, provider: {name: opa}, rules: [{}]}\n"
    )
    old = {**POST, "custom_provider_decision": "ALLOW"}
    requests = _jsonl(tmp_path, old, old, {**POST, "customProviderDecision": "ALLOW"})
    assert main(["simulate", "-q", "--manifests", str(policy), "--requests", str(requests)]) == 0
    captured = capsys.readouterr()
    assert [line["decision"] for line in _lines(captured.out)] == ["ALLOW"] * 3
    assert captured.err == (
        "warning: request key custom_provider_decision is deprecated; write "
        "customProviderDecision (camelCase, as in access.json; snake_case is accepted until "
        "0.3)\n"
    )


def test_a_token_without_location_is_sent_as_authorization_bearer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "jwt.yaml"
    policy.write_text(
        "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\n"
        "metadata: {name: jwt, namespace: payments}\n"
        "spec: {jwtRules: [{issuer: https://issuer.example, jwksUri: https://issuer.example/k}]}\n"
    )
    token = {"claims": {"iss": "https://issuer.example"}, "signatureValid": False}
    args = ["simulate", "-q", "--manifests", str(policy), "--request"]
    assert main([*args, json.dumps({**POST, "jwt": token})]) == 0
    in_param = json.dumps({**POST, "jwt": {**token, "param": "token"}})
    assert main([*args, in_param]) == 0
    bearer, param = _lines(capsys.readouterr().out)
    assert bearer["status"] == 401  # found where Istio looks by default, and refused
    assert param["status"] == 200  # not where Istio looks: no token at all


def test_schema_is_camel_case_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "Request"
    assert "customProviderDecision" in schema["properties"]
    assert "signatureValid" in schema["$defs"]["Jwt"]["properties"]
    assert "remoteIp" in schema["$defs"]["Source"]["properties"]
    assert schema["additionalProperties"] is False


def test_readme_documents_every_request_field() -> None:
    from meshward.config.reference import REQUEST_END, REQUEST_START, request_reference, splice
    from tests.support import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert splice(readme, request_reference(), REQUEST_START, REQUEST_END) == readme, (
        "run `make docs`"
    )
    assert "`signatureValid`" in request_reference()


def test_manifest_problems_say_file_and_line_like_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = tmp_path / "list.yaml"
    listing.write_text(
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n- [1, 2]\n"
    )
    binary = tmp_path / "blob.yaml"
    binary.write_bytes(b"\0\1\2")
    args = ["simulate", "--manifests", str(listing), str(binary), "--request", json.dumps(GET)]
    assert main(args) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{listing}:6: expected a mapping, got list",
        f"{binary}:1:1: binary file (NUL byte), not YAML or JSON",
    ]
