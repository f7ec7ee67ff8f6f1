"""Plans are written all at once or not at all, and only over a folder meshward wrote."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from meshward.engine.writer import MARKER, check_output_dir, write_tree
from meshward.errors import UserInputError


def _snapshot(root: Path) -> dict[str, bytes | None]:
    """Every entry under `root` (hidden ones included): bytes for files, None for folders."""
    return {
        str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(root.rglob("*"))
    }


def test_writes_nested_files(tmp_path: Path) -> None:
    write_tree(tmp_path / "out", {"a.json": "{}", "m/x/y.yaml": "k: v\n"})
    assert (tmp_path / "out" / "m" / "x" / "y.yaml").read_text() == "k: v\n"


def test_files_hold_exactly_their_text_as_utf8(tmp_path: Path) -> None:
    texts = {
        "empty": "",
        "a/b/unicode.yaml": "name: é ü 中文 😀\n",
        "a/b/c/big.json": "x" * 1_000_000 + "\n",
        "a/sibling.txt": "no newline at the end",
    }
    write_tree(tmp_path / "out", texts)
    for relative, text in texts.items():
        assert (tmp_path / "out" / relative).read_bytes() == text.replace("\n", os.linesep).encode()


def test_replaces_previous_output_entirely_and_marks_it(tmp_path: Path) -> None:
    write_tree(tmp_path / "out", {"old.txt": "1"})
    write_tree(tmp_path / "out", {"new.txt": "2"})
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [MARKER, "new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_failure_leaves_previous_output_and_no_hidden_folder(tmp_path: Path) -> None:
    write_tree(tmp_path / "out", {"keep.txt": "1"})
    with pytest.raises(UserInputError, match="cannot write"):
        # A file and a directory of the same name cannot both be written.
        write_tree(tmp_path / "out", {"d/x": "1", "d": "2"})
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert (tmp_path / "out" / "keep.txt").read_text() == "1"


def test_a_folder_meshward_did_not_write_is_refused_untouched(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: mine\n")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep me")
    before = _snapshot(tmp_path)
    with pytest.raises(UserInputError, match="was not written by meshward"):
        write_tree(tmp_path, {"plan.json": "{}"})
    assert _snapshot(tmp_path) == before


def test_legacy_output_without_marker_is_recognised(tmp_path: Path) -> None:
    legacy = tmp_path / "out"
    (legacy / "manifests" / "ns").mkdir(parents=True)
    (legacy / "plan.json").write_text("{}")
    (legacy / "access.json").write_text("{}")
    check_output_dir(legacy)
    (legacy / "mine.txt").write_text("x")
    with pytest.raises(UserInputError):
        check_output_dir(legacy)


def test_empty_and_missing_folders_are_accepted(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    check_output_dir(tmp_path / "empty")
    check_output_dir(tmp_path / "missing")


def test_a_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "plan"
    target.write_text("mine")
    with pytest.raises(UserInputError, match="is not a folder"):
        write_tree(target, {"a": "1"})
    assert target.read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["plan"]


def test_ordinary_permissions_under_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_tree(tmp_path / "out", {"a.json": "{}", "m/y.yaml": "k: v\n"})
    finally:
        os.umask(old)
    modes = {
        str(p.relative_to(tmp_path)): stat.S_IMODE(p.stat().st_mode)
        for p in [tmp_path / "out", *(tmp_path / "out").rglob("*")]
    }
    assert modes == {
        "out": 0o755,
        "out/m": 0o755,
        "out/a.json": 0o644,
        "out/m/y.yaml": 0o644,
        f"out/{MARKER}": 0o644,
    }
