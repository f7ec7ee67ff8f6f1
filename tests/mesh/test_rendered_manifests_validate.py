"""Every object the dev and prod plans render passes Istio's CRD schema + CEL (validate.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import VALIDATE_PY

pytestmark = pytest.mark.skipif(
    not VALIDATE_PY.is_file(), reason=f"{VALIDATE_PY} is absent (needs the ../shared checkout)"
)


def _validate(files: dict[str, str], out: Path) -> subprocess.CompletedProcess[str]:
    for relative, text in files.items():
        if relative.startswith("manifests/"):
            target = out / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(VALIDATE_PY), str(out / "manifests")],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_rendered_manifests_pass_validate_py(
    stack: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    files: dict[str, str] = request.getfixturevalue(f"{stack}_files")
    assert any("/AuthorizationPolicy-" in p for p in files)
    result = _validate(files, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 with problems" in result.stderr
