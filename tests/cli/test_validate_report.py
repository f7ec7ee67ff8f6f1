"""`meshward validate` as a report: `--format json` and `-q` keep the exit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from meshward.cli.main import main

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


def test_json_lists_every_problem_with_file_and_first_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    text_code = main(["validate", str(bad)])
    text = capsys.readouterr().out.splitlines()
    assert main(["validate", "--format", "json", str(bad)]) == text_code == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["checked"], report["skipped"]) == (1, 1)
    assert len(report["problems"]) == len(text) >= 1
    first = report["problems"][0]
    assert (first["file"], first["line"], first["object"], first["severity"]) == (
        str(bad),
        5,
        "AuthorizationPolicy/foo/bad",
        "error",
    )
    assert text[0].startswith(f"{bad}:5: AuthorizationPolicy/foo/bad: ")


def test_quiet_prints_nothing_and_keeps_the_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    assert main(["validate", "-q", str(bad)]) == 1
    assert capsys.readouterr() == ("", "")
