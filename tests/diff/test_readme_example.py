"""The README's example PR comment is what `meshward diff` prints for the change it describes."""

from __future__ import annotations

from pathlib import Path

import pytest

from meshward.cli.main import main
from tests.diff.test_diff_cli import _rule, _write_plan
from tests.support import ROOT, stack_platform

SECTION = "## `meshward diff` (pull request previews)"


def _readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index(SECTION) :]
    start = section.index("````markdown\n") + len("````markdown\n")
    return section[start : section.index("\n````", start) + 1]


def test_readme_example_comment_is_what_the_command_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As the README says: dev, and dev with POST added to `public-web` and the WAF switched to
    # Prevention.
    base, head = stack_platform("dev"), stack_platform("dev")
    _rule(head, "public-web")["to"]["methods"] = ["GET", "HEAD", "POST"]
    head["appGateway"]["waf"]["mode"] = "Prevention"
    (tmp_path / "base").mkdir()
    (tmp_path / "head").mkdir()
    old, new = _write_plan(base, tmp_path / "base"), _write_plan(head, tmp_path / "head")
    assert main(["diff", str(old), str(new)]) == 0
    assert capsys.readouterr().out == _readme_example()
