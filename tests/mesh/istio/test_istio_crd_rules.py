"""The API server's CRD rules (C1–C16) reject what kubectl would: the vendored Istio CRDs'
schema and CEL rules catch every case by themselves, and agree with the independent CRD
checker in ../shared/istio/validate.py on every case of the rule tables."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from istio_cases import ACCEPTED, CRD_REJECTED, NOT_WARNED, REJECTED, WARNED, case_ids

from meshward.mesh.istio import validate_document
from meshward.mesh.istio.crd_rules import crd_problems, vendored_crd_files

SHARED_VALIDATE = Path(__file__).parents[3] / "../shared/istio/validate.py"
DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize(("rule", "doc"), CRD_REJECTED, ids=case_ids(CRD_REJECTED))
def test_crd_violation_is_rejected_by_istios_crd_alone(rule: str, doc: dict[str, Any]) -> None:
    result = validate_document(doc)
    assert result.object is None
    assert result.errors
    # The API server's layer (vendored CRD schema + CEL) finds it without istiod's rules.
    crd = crd_problems(doc)
    assert crd, f"{rule}: the CRD layer let it through"
    assert all(re.search(r"\[(CRD (schema|rule): .+|ObjectMeta)\]$", p.message) for p in crd)
    assert result.errors[: len(crd)] == crd


@pytest.mark.parametrize(
    ("rule", "doc"), ACCEPTED + WARNED + NOT_WARNED, ids=case_ids(ACCEPTED + WARNED + NOT_WARNED)
)
def test_accepted_case_passes_istios_crd(rule: str, doc: dict[str, Any]) -> None:
    assert crd_problems(doc) == []


def test_crd_every_rule_has_a_rejected_case() -> None:
    assert {f"C{i}" for i in range(1, 17)} == {rule for rule, _ in CRD_REJECTED}


def test_crd_unknown_field_is_reported_once_at_its_path() -> None:
    doc = CRD_REJECTED[[r for r, _ in CRD_REJECTED].index("C16")][1]
    [problem] = validate_document(doc).errors
    assert problem.path == "spec.rules[0].from[0].source.principal"
    assert problem.message.endswith("[CRD schema: unknown field]")


def test_lowercase_action_names_the_field_and_the_enum() -> None:
    doc = CRD_REJECTED[0][1]
    assert doc["spec"] == {"action": "allow"}
    [problem] = validate_document(doc).errors
    assert problem.path == "spec.action"
    assert problem.message == (
        'Unsupported value: "allow": supported values: "ALLOW", "DENY", "AUDIT", "CUSTOM" '
        "[CRD schema: enum]"
    )


def test_port_zero_names_the_map_and_istios_cel_rule() -> None:
    doc = {
        "apiVersion": "security.istio.io/v1beta1",
        "kind": "PeerAuthentication",
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {"selector": {"matchLabels": {"app": "a"}}, "portLevelMtls": {"0": {}}},
    }
    errors = validate_document(doc).errors
    assert errors[0].path == "spec.portLevelMtls"
    assert errors[0].message == (
        "port must be between 1-65535 [CRD rule: self.all(key, 0 < int(key) && int(key) <= 65535)]"
    )
    # istiod's own rule on the same key stays: it is a second, independent rule (P3).
    assert [p.path for p in errors[1:]] == ['spec.portLevelMtls["0"]']


def test_vendored_crd_file_is_istios_with_its_source_and_licence_line() -> None:
    [vendored] = [p for p in vendored_crd_files() if p.name == "security-crds.yaml"]
    first = vendored.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# Source: https://github.com/istio/istio ")
    assert "at commit 86c9f01fd735fb01d8192f5bcaf0d424afb7f14c" in first
    assert "(License: Apache-2.0)" in first
    shared = SHARED_VALIDATE.parent / "security-crds.yaml"
    if not shared.exists():
        pytest.skip(f"../shared not present: {shared.resolve()} is missing")
    assert vendored.read_bytes() == shared.read_bytes()


def _run_shared(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    if not SHARED_VALIDATE.exists():
        pytest.skip(f"../shared not present: {SHARED_VALIDATE.resolve()} is missing")
    return subprocess.run(
        [sys.executable, str(SHARED_VALIDATE), *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _write(tmp_path: Path, cases: list[tuple[str, dict[str, Any]]]) -> list[Path]:
    files = []
    for index, (rule, doc) in enumerate(cases):
        file = tmp_path / f"{index:03d}-{rule}.yaml"
        file.write_text(yaml.safe_dump(doc), encoding="utf-8")
        files.append(file)
    return files


def test_valid_fixtures_pass_the_shared_crd_checker() -> None:
    result = _run_shared(sorted((DATA / "valid").glob("*.yaml")))
    assert result.returncode == 0, result.stdout + result.stderr


def test_accepted_cases_pass_the_shared_crd_checker(tmp_path: Path) -> None:
    # Being no stricter than istiod also means being no stricter than the API server.
    result = _run_shared(_write(tmp_path, ACCEPTED + WARNED))
    assert result.returncode == 0, result.stdout + result.stderr


def test_crd_rejected_cases_fail_the_shared_crd_checker(tmp_path: Path) -> None:
    files = _write(tmp_path, CRD_REJECTED)
    result = _run_shared(files)
    assert result.returncode == 1
    missed = [f.name for f in files if f.name not in result.stdout]
    assert missed == [], result.stdout


def _shared_paths(stdout: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for line in stdout.splitlines():
        match = re.match(r"(\S+?):[^:]+: \S+: (\S+): ", line)
        assert match, line
        found.setdefault(match.group(1), set()).add(match.group(2))
    return found


def _as_shared_path(path: str) -> str:
    """validate.py writes map keys as `.key` (identifiers) or `[key]`; meshward as `["key"]`."""

    def key(match: re.Match[str]) -> str:
        name = json.loads(f'"{match.group(1)}"')
        return f".{name}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) else f"[{name}]"

    return re.sub(r'\["((?:[^"\\]|\\.)*)"\]', key, path) or "."


def test_crd_layer_reports_the_same_fields_as_the_shared_checker(tmp_path: Path) -> None:
    # Every case of the rule tables, valid or not: the API server's layer must flag exactly
    # the fields the independent checker (jsonschema + cel-python) flags.
    cases = REJECTED + ACCEPTED + WARNED + NOT_WARNED + CRD_REJECTED
    files = _write(tmp_path, cases)
    result = _run_shared(files)
    theirs = _shared_paths(result.stdout)
    differences = {
        file.name: (mine, theirs.get(str(file), set()))
        for file, (_, doc) in zip(files, cases, strict=True)
        if (mine := {_as_shared_path(p.path) for p in crd_problems(doc)})
        != theirs.get(str(file), set())
    }
    assert differences == {}


def test_every_vendored_crd_is_read_only_when_its_kind_is_used() -> None:
    # Each document's group and kind are told from its lines (no document is read up front),
    # and they are the ones its YAML says.
    from meshward.kube.crd import _crd_key, _documents, crd_documents

    for path in vendored_crd_files():
        text = path.read_text(encoding="utf-8")
        parsed = [(d["spec"]["group"], d["spec"]["names"]["kind"]) for d in crd_documents(text, "")]
        told = [_crd_key(chunk) for chunk in _documents(text)]
        assert [k for k in told if k is not None] == parsed
        assert all(
            k is not None or not crd_documents(c, "")
            for k, c in zip(told, _documents(text), strict=True)
        )
