"""What every command offers: --help with an example and the exit codes, and --version."""

from __future__ import annotations

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
