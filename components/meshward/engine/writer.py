"""Write a set of files as one folder, atomically (all of them or none), and only over a folder
meshward wrote itself.

A large set of files can be written while the caller goes on rendering (`staged_tree`): a
helper process (`python -m meshward.engine.writer <staging>`) fills the hidden staging folder
with the files handed to it, and the caller swaps the folder into place once everything is
there. Not a thread: creating a file is three system calls, and after each one a thread must
win the interpreter lock back from a busy caller (up to 5 ms each time), so a writer thread
beside CPU-bound rendering wrote a few dozen files a second.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import secrets
import shutil
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from meshward import interrupts
from meshward.cores import usable_cores
from meshward.engine.pickle_child import PickleChild
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
    with staged_tree(out_dir) as tree:
        tree.add(files)
        tree.commit()


HELPER_MIN_FILES = 500
"""A first `StagedTree.add` of this many files or more gets a helper process, when this
process may use a second core (fewer files are written in less time than a start costs)..."""
HELPER_MAX_CHARS = 48 * 2**20
"""... and of at most this many characters in all (a 1,000-workload plan writes about 20
million): the helper holds what it was handed, and a larger plan's files are written here as
before rather than add that much memory beside the plan's own peak."""


def _worth_a_count(count: int) -> bool:
    return count >= HELPER_MIN_FILES and usable_cores() >= 2


def _worth_a_helper(files: Mapping[str, str]) -> bool:
    return _worth_a_count(len(files)) and sum(map(len, files.values())) <= HELPER_MAX_CHARS


class _Helper(PickleChild):
    """The helper process of one staging folder (protocol: pickles on its stdin, the staging
    folder's path first, then each a mapping of files, then None for the end; one answer on
    its stdout, `("ok",)` or `("error", errno, strerror, filename)`)."""

    @classmethod
    def start(cls) -> _Helper | None:
        process = cls.spawn(__name__)
        return None if process is None else cls(process)

    def finish(self) -> tuple[Any, ...] | None:
        """Its answer once every file is written, or None if it died."""
        if not self.send(None):
            return None
        answer = self.receive()
        return answer if isinstance(answer, tuple) and answer else None


class StagedTree:
    """The files of one `staged_tree`: `add` them as they are rendered, then `commit`."""

    def __init__(self, out_dir: Path) -> None:
        self._out_dir = out_dir
        self.staging: Path | None = None
        self._helper: _Helper | None = None
        self._handed: dict[str, str] = {}
        """Everything given to the helper, to be written here should it die."""
        self.committed = False

    def expect(self, count: int) -> None:
        """About `count` files will come: if that many are worth a helper, start it now, so
        that its start (an interpreter and its imports, about 0.2 s) overlaps the rendering of
        the files instead of delaying their writing. The first `add` still decides whether
        the helper writes them."""
        if self.staging is None and self._helper is None and _worth_a_count(count):
            self._helper = _Helper.start()

    def add(self, files: Mapping[str, str]) -> None:
        """Write `files` (relative path → text) into the staging folder: by the helper, while
        the caller goes on, when there is one; here and now otherwise."""
        try:
            if self.staging is None:
                self.staging = self._begin()
                self._choose_helper(self.staging, files)
            if self._helper is not None:
                self._handed.update(files)
                if self._helper.send(dict(files)):
                    return
                self._helper_failed()
                return
            _write_files(self.staging, files)
        except OSError as exc:
            raise _cannot_write(self._out_dir, exc) from None

    def _choose_helper(self, staging: Path, first: Mapping[str, str]) -> None:
        if not _worth_a_helper(first):
            self.stop_helper()  # one started by `expect`, for files that came out too large
            return
        if self._helper is None:
            self._helper = _Helper.start()
        if self._helper is not None and not self._helper.send(os.fspath(staging)):
            self.stop_helper()

    def _begin(self) -> Path:
        self._out_dir.parent.mkdir(parents=True, exist_ok=True)
        return _new_sibling(self._out_dir, "tmp")

    def _helper_failed(self) -> None:
        assert self._helper is not None and self.staging is not None
        self._helper.stop()
        self._helper = None
        _write_files(self.staging, self._handed)  # again, whatever the helper had written

    def stop_helper(self) -> None:
        """Stop the helper, if any, without waiting for its files (the run is ending)."""
        if self._helper is not None:
            self._helper.stop()
            self._helper = None

    def commit(self) -> None:
        """Wait for the helper's files, add the `MARKER` and put the folder in place."""
        try:
            if self.staging is None:
                self.staging = self._begin()
            if self._helper is not None:
                answer = self._helper.finish()
                if answer is None:
                    self._helper_failed()
                else:
                    self.stop_helper()
                    if answer[0] != "ok":
                        _, errno, strerror, filename = answer
                        raise OSError(errno, strerror, filename)
            _write_files(self.staging, {MARKER: MARKER_TEXT})
            with interrupts.deferred():
                _swap(self.staging, self._out_dir)
            self.committed = True
        except OSError as exc:
            raise _cannot_write(self._out_dir, exc) from None


def _cannot_write(out_dir: Path, exc: OSError) -> UserInputError:
    return UserInputError([Problem(str(out_dir), f"cannot write: {exc.strerror or exc}")])


@contextlib.contextmanager
def staged_tree(out_dir: Path) -> Iterator[StagedTree]:
    """`write_tree` in steps: the block adds files as it renders them (`StagedTree.add`) and
    ends with `StagedTree.commit`, which replaces `out_dir` with exactly those files and the
    `MARKER`. The same guarantees: a folder meshward did not write is refused on entry
    (nothing made); a block that raises, is interrupted or does not commit leaves the previous
    output (or nothing), no hidden folder and no helper still writing. Nothing is made (not
    even `out_dir`'s parent) before the first file."""
    check_output_dir(out_dir)
    tree = StagedTree(out_dir.resolve())

    def discard() -> None:
        # The helper first: it must not create files in a folder being removed.
        tree.stop_helper()
        if tree.staging is not None:
            shutil.rmtree(tree.staging, ignore_errors=True)

    with interrupts.cleaned_up_on_interrupt(discard):
        try:
            yield tree
        finally:
            if not tree.committed:
                discard()


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
_CREATE |= getattr(os, "O_BINARY", 0)  # newlines are translated below, as text mode does


def _write_files(staging: Path, files: Mapping[str, str]) -> None:
    """Write `files` below `staging` as `Path.write_text(text, encoding="utf-8")` would, with
    fewer system calls: each folder made once, each file one open, write and close (a 1,000-
    workload plan writes 3,259 files into about 100 folders)."""
    # Plain strings, not `Path`s: building two `Path`s per file cost more than the writes' own
    # Python work.
    made = {os.fspath(staging)}  # made by the caller
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


def _serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The helper's side: the staging folder, then write each mapping of files received until
    None, then answer. After a failure it reads on without writing, so the caller never blocks
    on a full pipe."""
    failed: OSError | None = None
    try:
        staging = Path(pickle.load(stdin))
        while (files := pickle.load(stdin)) is not None:
            if failed is None:
                try:
                    _write_files(staging, files)
                except OSError as exc:
                    failed = exc
    except EOFError:  # the caller no longer wants an answer
        return
    answer: tuple[Any, ...] = (
        ("ok",) if failed is None else ("error", failed.errno, failed.strerror, failed.filename)
    )
    pickle.dump(answer, stdout, pickle.HIGHEST_PROTOCOL)
    stdout.flush()


if __name__ == "__main__":
    _serve(sys.stdin.buffer, sys.stdout.buffer)
