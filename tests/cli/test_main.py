"""What every command offers: --help with an example and the exit codes, and --version."""

from __future__ import annotations

import json

import pytest

import meshward
from meshward.cli.main import COMMANDS, main
from tests.cli.process import run_meshward


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help_with_an_example_and_exit_codes(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    examples = out.split("examples:\n", 1)[1]
    assert f"  meshward {command}" in examples
    assert "130 interrupted" in out


@pytest.mark.parametrize("argv", [["--version"], ["plan", "--version"]])
def test_version(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 0
    assert capsys.readouterr().out == f"meshward {meshward.__version__}\n"


def test_the_real_command_prints_its_version() -> None:
    result = run_meshward("--version")
    assert (result.returncode, result.stdout) == (0, f"meshward {meshward.__version__}\n")


def test_an_unknown_option_is_a_usage_error_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["plan", "--nope"])
    assert info.value.code == 2
    assert "unrecognized arguments: --nope" in capsys.readouterr().err


def test_preflight_reports_as_json_or_quietly_with_the_same_exit_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tests.support import ROOT

    base = ["preflight", "--stack", "prod", "--no-tools", "--project", str(ROOT)]
    text = main(base)
    capsys.readouterr()
    assert main([*base, "--format", "json"]) == text
    report = json.loads(capsys.readouterr().out)
    assert report["stack"] == "prod"
    assert report["blocked"] == (text == 1)
    assert {"section", "item", "status", "detail"} == set(report["findings"][0])
    assert main([*base, "-q"]) == text
    assert capsys.readouterr().out == ""
