"""Plans are written all at once or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from meshward.engine.writer import write_tree


def test_writes_nested_files(tmp_path: Path) -> None:
    write_tree(tmp_path / "out", {"a.json": "{}", "m/x/y.yaml": "k: v\n"})
    assert (tmp_path / "out" / "m" / "x" / "y.yaml").read_text() == "k: v\n"


def test_replaces_previous_output_entirely(tmp_path: Path) -> None:
    write_tree(tmp_path / "out", {"old.txt": "1"})
    write_tree(tmp_path / "out", {"new.txt": "2"})
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["new.txt"]


def test_failure_leaves_previous_output_and_no_staging(tmp_path: Path) -> None:
    write_tree(tmp_path / "out", {"keep.txt": "1"})
    with pytest.raises(OSError):
        # A file and a directory of the same name cannot both be written.
        write_tree(tmp_path / "out", {"d/x": "1", "d": "2"})
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert (tmp_path / "out" / "keep.txt").read_text() == "1"
