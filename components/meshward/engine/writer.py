"""Write a set of files as one directory, atomically: all of them or none."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path


def write_tree(out_dir: Path, files: Mapping[str, str]) -> None:
    """Replace `out_dir` with exactly `files` (relative path → text).

    Files go to a temporary sibling first, which is then renamed into place, so a failure at
    any point leaves the previous output (or nothing) rather than a half-written plan.
    """
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        for relative, text in sorted(files.items()):
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        retired = None
        if out_dir.exists():
            retired = out_dir.with_name(f".{out_dir.name}.old")
            if retired.exists():
                shutil.rmtree(retired)
            out_dir.rename(retired)
        staging.rename(out_dir)
        if retired is not None:
            shutil.rmtree(retired)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
