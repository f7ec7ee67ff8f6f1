"""`meshward validate`: exit codes, one line per problem located by the document's first line,
stdin, directories, and the edges (binary, non-YAML, empty input) run as a real command."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from meshward.cli.main import main
from tests.cli.process import TIMEOUT, command_env, meshward_argv, run_meshward

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
        f"{file}:5: AuthorizationPolicy/foo/bad: "
        "spec.rules[0].from[0].source.serviceAccounts[0]: "
        "'a/b/c' must be 'sa' or 'namespace/sa' [A14]"
    ]
    assert "checked 1 object (0 warnings), skipped 1 other kinds" in err


def test_warning_prints_but_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "w.yml"
    file.write_text(WARN, encoding="utf-8")
    assert main(["validate", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"{file}:1: AuthorizationPolicy/foo/w: spec.selector: warning: ")
    assert "(1 warnings)" in err


def test_stdin_uses_dash_as_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(BAD))
    assert main(["validate", "-"]) == 1
    assert capsys.readouterr().out.startswith("-:5: AuthorizationPolicy/foo/bad: ")


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


def test_line_is_the_first_line_of_each_document_and_list_item(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: p}\n"
    file = tmp_path / "many.yaml"
    file.write_text(
        "# a comment\n---\n"  # lines 1-2
        + policy  # lines 3-5
        + "spec: {mtls: {mode: strict}}\n---\n"  # 6-7
        + "apiVersion: v1\nkind: List\nitems:\n"  # 8-10
        + "- apiVersion: security.istio.io/v1\n  kind: PeerAuthentication\n"  # 11-12
        + "  metadata: {name: q}\n  spec: {mtls: {mode: loose}}\n",  # 13-14
        encoding="utf-8",
    )
    assert main(["validate", str(file)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [f"{file}:3", f"{file}:11"]
    assert "items[0].spec.mtls.mode" in lines[1]


def _one_line(text: str) -> str:
    lines = text.splitlines()
    assert len(lines) == 1, text
    return lines[0]


def test_binary_file_exits_2_with_one_line(tmp_path: Path) -> None:
    file = tmp_path / "image.yaml"
    file.write_bytes(b"apiVersion: v1\n\x89PNG\x00\x01\x02")
    result = run_meshward("validate", str(file))
    assert result.returncode == 2
    assert _one_line(result.stderr) == f"{file}:2:5: binary file (NUL byte), not YAML or JSON"
    assert result.stdout == ""


def test_non_utf8_text_exits_2_naming_the_position(tmp_path: Path) -> None:
    file = tmp_path / "latin1.yaml"
    file.write_bytes("kind: caf\u00e9\n".encode("latin-1"))
    result = run_meshward("validate", str(file))
    assert result.returncode == 2
    assert _one_line(result.stderr).startswith(f"{file}:1:10: not UTF-8 text")


def test_non_yaml_text_exits_2_with_one_line(tmp_path: Path) -> None:
    file = tmp_path / "notes.yaml"
    file.write_text("title: notes\nitems: [one, two\nthree: 3\n", encoding="utf-8")
    result = run_meshward("validate", str(file))
    assert result.returncode == 2
    line = _one_line(result.stderr)
    assert line.startswith(f"{file}:3:")
    assert "not valid YAML" in line
    assert "Traceback" not in result.stderr


def test_empty_inputs_exit_2_unless_allowed(tmp_path: Path) -> None:
    (tmp_path / "README.txt").write_text("no manifests here\n", encoding="utf-8")
    (tmp_path / "deploy.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n", encoding="utf-8"
    )
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    for target in (tmp_path, empty):
        result = run_meshward("validate", str(target))
        assert result.returncode == 2
        assert _one_line(result.stderr).startswith(f"no Istio objects found in {target}")
    allowed = run_meshward("validate", "--allow-empty", str(tmp_path))
    assert allowed.returncode == 0, allowed.stderr


def test_missing_file_exits_2_with_one_line(tmp_path: Path) -> None:
    result = run_meshward("validate", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert _one_line(result.stderr).startswith(f"{tmp_path / 'nope.yaml'}: cannot read:")


def test_binary_stdin_exits_2_with_one_line() -> None:
    result = subprocess.run(
        meshward_argv("validate", "-"),
        input=b"\x00\x01",
        capture_output=True,
        env=command_env(),
        check=False,
        timeout=TIMEOUT,
    )
    assert result.returncode == 2
    assert _one_line(result.stderr.decode()) == "-:1:1: binary file (NUL byte), not YAML or JSON"
