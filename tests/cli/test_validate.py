"""`meshward validate`: exit codes, one line per problem, stdin, directories."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from meshward.cli.main import main

VALID_DIR = Path(__file__).parents[1] / "mesh" / "istio" / "data" / "valid"
BAD = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: bad, namespace: foo}
spec:
  action: DENY
  rules:
  - from:
    - source: {serviceAccounts: ["a/b/c"]}
"""
WARN = """\
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: w, namespace: foo}
spec:
  selector: {}
"""


def test_valid_directory_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(VALID_DIR)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("checked 14 objects (0 warnings), skipped 0 other kinds")


def test_problem_exits_1_with_located_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "bad.yaml"
    file.write_text(BAD, encoding="utf-8")
    assert main(["validate", str(file)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"{file}:1: AuthorizationPolicy/foo/bad: "
        "spec.rules[0].from[0].source.serviceAccounts[0]: "
        "'a/b/c' must be 'sa' or 'namespace/sa' [A14]"
    ]
    assert "checked 1 object (0 warnings), skipped 1 other kinds" in err


def test_warning_prints_but_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "w.yml"
    file.write_text(WARN, encoding="utf-8")
    assert main(["validate", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"{file}:0: AuthorizationPolicy/foo/w: spec.selector: warning: ")
    assert "(1 warnings)" in err


def test_stdin_uses_dash_as_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(BAD))
    assert main(["validate", "-"]) == 1
    assert capsys.readouterr().out.startswith("-:1: AuthorizationPolicy/foo/bad: ")


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "nope.yaml: cannot read" in capsys.readouterr().err


def test_unparsable_yaml_exits_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "broken.yaml"
    file.write_text("spec: [unclosed\n", encoding="utf-8")
    assert main(["validate", str(file)]) == 2
    err = capsys.readouterr().err
    assert "not valid YAML" in err
    assert "Traceback" not in err


def test_json_file_is_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "p.json"
    file.write_text(
        '{"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",'
        ' "metadata": {"name": "d"}, "spec": {"mtls": {"mode": "strict"}}}',
        encoding="utf-8",
    )
    assert main(["validate", str(file)]) == 1
    assert "spec.mtls.mode" in capsys.readouterr().out


def test_validate_does_not_import_pulumi(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom meshward.cli.main import main\n"
        f"rc = main(['validate', {str(VALID_DIR)!r}])\n"
        "assert 'pulumi' not in sys.modules, 'pulumi imported'\nsys.exit(rc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
