"""Plans are written all at once or not at all, and only over a folder meshward wrote."""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from meshward.engine import writer
from meshward.engine.writer import MARKER, check_output_dir, write_tree
from meshward.errors import UserInputError
from tests.cli.process import TIMEOUT, command_env


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


# ---- the staged tree and its helper process ----------------------------------------------


@pytest.fixture
def helper(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every staged tree gets a helper process (whatever its size and this machine's cores);
    returns the helpers started."""
    monkeypatch.setattr(writer, "HELPER_MIN_FILES", 1)
    monkeypatch.setattr(writer, "usable_cores", lambda: 2)
    started: list[Any] = []
    start = writer._Helper.start.__func__  # type: ignore[attr-defined]

    def recording_start(cls: type[Any]) -> Any:
        made = start(cls)
        started.append(made)
        return made

    monkeypatch.setattr(writer._Helper, "start", classmethod(recording_start))
    return started


FILES = {
    "plan.json": "{}\n",
    "manifests/a/x.yaml": "name: é 中文\n",
    "manifests/b/y.yaml": "k: v\n" * 1000,
    "findings.json": "[]\n",
}


def _files(root: Path) -> dict[str, str]:
    return {k: v.decode() for k, v in _snapshot(root).items() if v is not None}


def _hidden(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith("."))


def test_a_helper_writes_the_files_while_the_caller_goes_on(
    tmp_path: Path, helper: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    here: list[list[str]] = []  # what this process writes itself
    write_files = writer._write_files

    def spy(staging: Path, files: Any) -> None:
        here.append(sorted(files))
        write_files(staging, files)

    monkeypatch.setattr(writer, "_write_files", spy)
    with writer.staged_tree(tmp_path / "staged") as tree:
        tree.add({k: v for k, v in FILES.items() if k != "findings.json"})
        tree.add({"findings.json": FILES["findings.json"]})
        tree.commit()
    assert len(helper) == 1
    assert here == [[MARKER]]  # the helper wrote every file
    assert _files(tmp_path / "staged") == {**FILES, MARKER: writer.MARKER_TEXT}
    assert _hidden(tmp_path) == []


def test_a_helper_that_cannot_write_fails_the_commit_and_keeps_the_previous_output(
    tmp_path: Path, helper: list[Any]
) -> None:
    write_tree(tmp_path / "out", {"keep.txt": "1"})
    before = _snapshot(tmp_path)
    with (
        pytest.raises(UserInputError, match="cannot write"),
        writer.staged_tree(tmp_path / "out") as tree,
    ):
        tree.add({"d/x": "1", "d": "2"})  # a file and a folder of the same name
        tree.add({"more.txt": "3"})  # sent after the failure: the helper still reads it
        tree.commit()
    assert helper[-1]._process.returncode is not None
    assert _snapshot(tmp_path) == before


def test_a_helper_that_dies_leaves_its_files_to_the_caller(
    tmp_path: Path, helper: list[Any]
) -> None:
    with writer.staged_tree(tmp_path / "out") as tree:
        tree.add({k: v for k, v in FILES.items() if k != "findings.json"})
        helper[0]._process.kill()
        helper[0]._process.wait()
        tree.add({"findings.json": FILES["findings.json"]})
        tree.commit()
    assert _files(tmp_path / "out") == {**FILES, MARKER: writer.MARKER_TEXT}
    assert _hidden(tmp_path) == []


@pytest.mark.parametrize("ending", ["raises", "returns without commit"])
def test_a_block_that_does_not_commit_leaves_the_previous_output_and_no_helper(
    tmp_path: Path, helper: list[Any], ending: str
) -> None:
    write_tree(tmp_path / "out", {"keep.txt": "1"})
    before = _snapshot(tmp_path)
    with contextlib.suppress(RuntimeError), writer.staged_tree(tmp_path / "out") as tree:
        tree.add({f"manifests/{i}.yaml": "x: 1\n" for i in range(300)})
        if ending == "raises":
            raise RuntimeError("rendering failed")
    assert helper[-1]._process.returncode is not None  # stopped and reaped
    assert _snapshot(tmp_path) == before


def test_a_staged_tree_refuses_a_foreign_folder_before_making_anything(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.txt").write_text("keep me")
    before = _snapshot(tmp_path)
    with (
        pytest.raises(UserInputError, match="not written by meshward"),
        writer.staged_tree(tmp_path / "out"),
    ):
        pytest.fail("the block must not run")
    assert _snapshot(tmp_path) == before


def test_the_helper_answers_an_error_and_reads_on(tmp_path: Path) -> None:
    stdin = io.BytesIO()
    for message in (str(tmp_path / "staging"), {"d/x": "1", "d": "2"}, {"later.txt": "3"}, None):
        pickle.dump(message, stdin)
    stdin.seek(0)
    stdout = io.BytesIO()
    (tmp_path / "staging").mkdir()

    writer._serve(stdin, stdout)

    answer = pickle.loads(stdout.getvalue())
    assert answer[0] == "error" and answer[2]  # errno, strerror, file name
    assert not (tmp_path / "staging" / "later.txt").exists()
    assert stdin.read() == b""  # everything was read


INTERRUPTED = """\
import os, signal, sys, pathlib
from meshward import interrupts
from meshward.engine import writer
interrupts.install()
writer.HELPER_MIN_FILES = 1
writer.usable_cores = lambda: 2
with writer.staged_tree(pathlib.Path(sys.argv[1])) as tree:
    tree.add({{f"manifests/{{i}}.yaml": "x: 1\\n" * 100 for i in range({count})}})
    print(tree._helper._process.pid, flush=True)
    os.kill(os.getpid(), signal.SIGINT)
    signal.pause()
"""


def test_an_interrupt_stops_the_helper_before_removing_the_staging_folder(
    tmp_path: Path,
) -> None:
    write_tree(tmp_path / "out", {"keep.txt": "1"})
    before = _snapshot(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", INTERRUPTED.format(count=3000), str(tmp_path / "out")],
        env=command_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert (result.returncode, result.stderr) == (
        130,
        "meshward: interrupted by SIGINT; nothing was written\n",
    )
    with pytest.raises(ProcessLookupError):  # the helper was reaped by then
        os.kill(int(result.stdout), 0)
    assert _snapshot(tmp_path) == before


def test_files_too_large_for_a_helper_are_written_here(
    tmp_path: Path, helper: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer, "HELPER_MAX_CHARS", sum(map(len, FILES.values())) - 1)
    with writer.staged_tree(tmp_path / "out") as tree:
        tree.add(FILES)
        tree.commit()
    assert helper == []
    assert _files(tmp_path / "out") == {**FILES, MARKER: writer.MARKER_TEXT}


def test_a_helper_expected_is_started_before_the_first_file_and_then_writes_them(
    tmp_path: Path, helper: list[Any]
) -> None:
    with writer.staged_tree(tmp_path / "out") as tree:
        tree.expect(len(FILES))
        assert len(helper) == 1
        assert not (tmp_path / "out").exists() and _hidden(tmp_path) == []  # nothing made yet
        tree.add(FILES)
        tree.commit()
    assert len(helper) == 1  # the same helper wrote them
    assert _files(tmp_path / "out") == {**FILES, MARKER: writer.MARKER_TEXT}
    assert _hidden(tmp_path) == []


def test_a_helper_expected_for_files_that_come_too_large_is_stopped(
    tmp_path: Path, helper: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer, "HELPER_MAX_CHARS", sum(map(len, FILES.values())) - 1)
    with writer.staged_tree(tmp_path / "out") as tree:
        tree.expect(len(FILES))
        (started,) = helper
        tree.add(FILES)
        assert started._process.returncode is not None  # stopped and reaped
        tree.commit()
    assert _files(tmp_path / "out") == {**FILES, MARKER: writer.MARKER_TEXT}


def test_few_files_expected_start_no_helper(tmp_path: Path, helper: list[Any]) -> None:
    with writer.staged_tree(tmp_path / "out") as tree:
        tree.expect(writer.HELPER_MIN_FILES - 1)
        assert helper == []


def test_a_helper_expected_but_never_used_is_stopped_with_the_block(
    tmp_path: Path, helper: list[Any]
) -> None:
    with pytest.raises(RuntimeError), writer.staged_tree(tmp_path / "out") as tree:
        tree.expect(len(FILES))
        raise RuntimeError("the render failed")
    (started,) = helper
    assert started._process.returncode is not None
    assert list(tmp_path.iterdir()) == []
