"""The API server's CRD rules (C1–C16) reject what kubectl would, and agree with the CRD
checker in ../shared/istio/validate.py on every case of the rule tables."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from istio_cases import ACCEPTED, CRD_REJECTED, WARNED, case_ids, rule_ids

from meshward.mesh.istio import validate_document

SHARED_VALIDATE = Path(__file__).parents[3] / "../shared/istio/validate.py"
DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize(("rule", "doc"), CRD_REJECTED, ids=case_ids(CRD_REJECTED))
def test_crd_violation_is_rejected(rule: str, doc: dict[str, Any]) -> None:
    result = validate_document(doc)
    assert result.object is None
    assert result.errors
    # Schema-shape errors (types, required fields, enums) carry a generic tag; the rules we
    # check ourselves carry their own id.
    ids = rule_ids(result.errors)
    assert ids & {rule, "schema", "C16", "M7", "A7"}, result.errors


def test_crd_every_rule_has_a_rejected_case() -> None:
    assert {f"C{i}" for i in range(1, 17)} == {rule for rule, _ in CRD_REJECTED}


def test_crd_unknown_field_is_reported_at_its_path() -> None:
    doc = CRD_REJECTED[[r for r, _ in CRD_REJECTED].index("C16")][1]
    [problem] = validate_document(doc).errors
    assert problem.path == "spec.rules[0].from[0].source.principal"
    assert problem.message.endswith("[C16]")


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
