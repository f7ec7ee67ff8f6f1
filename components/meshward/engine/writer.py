"""Write a set of files as one folder, atomically (all of them or none), and only over a folder
meshward wrote itself."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Mapping
from pathlib import Path

from meshward import interrupts
from meshward.errors import Problem, UserInputError

MARKER = ".meshward-output"
"""The file that marks a folder as meshward's own, so a later run may replace it whole."""
MARKER_TEXT = (
    "This folder was written by `meshward plan`; the next run replaces all of it.\n"
    "Keep your own files elsewhere.\n"
)
LEGACY_REQUIRED = frozenset({"plan.json", "manifests"})
"""A folder written before the marker existed holds these ..."""
LEGACY_ALLOWED = LEGACY_REQUIRED | {"access.json", "access.md"}
"""... and nothing but these."""


def _written_by_meshward(folder: Path) -> bool:
    if (folder / MARKER).is_file():
        return True
    names = {entry.name for entry in folder.iterdir()}
    if not names:
        return True  # an empty folder holds nothing to lose
    return (
        LEGACY_REQUIRED <= names <= LEGACY_ALLOWED
        and (folder / "plan.json").is_file()
        and (folder / "manifests").is_dir()
    )


def check_output_dir(out_dir: Path) -> None:
    """Raise `UserInputError` unless `out_dir` is absent, empty or a folder meshward wrote.

    A meshward folder carries `MARKER`; one written before the marker existed holds
    `plan.json` and `manifests/` (and possibly `access.json`, `access.md`) and nothing else.
    """
    where = str(out_dir)
    try:
        if not out_dir.exists() and not out_dir.is_symlink():
            return
        if not out_dir.is_dir():
            raise UserInputError([Problem(where, "is not a folder; nothing was changed")])
        if not _written_by_meshward(out_dir):
            raise UserInputError(
                [
                    Problem(
                        where,
                        f"exists and was not written by meshward (no {MARKER} file); nothing "
                        "was changed. Choose a new or empty folder, or remove this one yourself",
                    )
                ]
            )
    except OSError as exc:
        raise UserInputError([Problem(where, f"cannot inspect: {exc.strerror or exc}")]) from None


def _new_sibling(out_dir: Path, suffix: str) -> Path:
    """A fresh hidden folder next to `out_dir`, made with ordinary permissions (under the umask;
    `tempfile.mkdtemp` would make it 0700, and it becomes the output folder)."""
    while True:
        candidate = out_dir.with_name(f".{out_dir.name}.{secrets.token_hex(4)}.{suffix}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate


def write_tree(out_dir: Path, files: Mapping[str, str]) -> None:
    """Replace `out_dir` with exactly `files` (relative path → text) plus the `MARKER` file.

    Refuses (`UserInputError`, nothing touched) a folder meshward did not write, or a file.
    Files go to a hidden sibling first, which is then renamed into place, so a failure or an
    interrupt at any point leaves the previous output (or nothing), and no hidden folder.
    """
    check_output_dir(out_dir)
    out_dir = out_dir.resolve()
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = _new_sibling(out_dir, "tmp")
    except OSError as exc:
        raise UserInputError([Problem(str(out_dir), f"cannot write: {exc.strerror}")]) from None
    with interrupts.removed_on_interrupt(staging):
        try:
            _write_files(staging, {**files, MARKER: MARKER_TEXT})
            with interrupts.deferred():
                _swap(staging, out_dir)
        except BaseException as exc:
            shutil.rmtree(staging, ignore_errors=True)
            if isinstance(exc, OSError):
                raise UserInputError(
                    [Problem(str(out_dir), f"cannot write: {exc.strerror or exc}")]
                ) from None
            raise


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
_CREATE |= getattr(os, "O_BINARY", 0)  # newlines are translated below, as text mode does


def _write_files(staging: Path, files: Mapping[str, str]) -> None:
    """Write `files` below `staging` as `Path.write_text(text, encoding="utf-8")` would, with
    fewer system calls: each folder made once, each file one open, write and close (a 1,000-
    workload plan writes 3,259 files into about 100 folders)."""
    # Plain strings, not `Path`s: building two `Path`s per file cost more than the writes' own
    # Python work.
    made = {os.fspath(staging)}
    for relative, text in sorted(files.items()):
        target = os.path.join(staging, relative)  # noqa: PTH118
        folder = os.path.dirname(target)  # noqa: PTH120
        if folder not in made:
            os.makedirs(folder, exist_ok=True)  # noqa: PTH103
            made.add(folder)
        if os.linesep != "\n":
            text = text.replace("\n", os.linesep)
        data = memoryview(text.encode("utf-8"))
        fd = os.open(target, _CREATE, 0o666)  # 0666 under the umask, as open() makes files
        try:
            while data:
                data = data[os.write(fd, data) :]
        finally:
            os.close(fd)


def _swap(staging: Path, out_dir: Path) -> None:
    """Put `staging` where `out_dir` is; on failure, put the previous folder back."""
    if not out_dir.exists():
        staging.rename(out_dir)
        return
    retired = out_dir.with_name(f".{out_dir.name}.{secrets.token_hex(4)}.old")
    out_dir.rename(retired)
    try:
        staging.rename(out_dir)
    except BaseException:
        retired.rename(out_dir)
        raise
    shutil.rmtree(retired, ignore_errors=True)
