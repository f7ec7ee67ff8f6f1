"""Run `../shared/istio/validate.py --crds crd-all.gen.yaml` over rendered objects."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.support import SHARED, VALIDATE_PY

CRD_ALL = SHARED / "istio" / "crd-all.gen.yaml"
AVAILABLE = VALIDATE_PY.is_file() and CRD_ALL.is_file()
REASON = f"{VALIDATE_PY} or {CRD_ALL} is absent (needs the ../shared checkout)"


def validate_with_crds(
    objects: list[dict[str, Any]], tmp: Path
) -> subprocess.CompletedProcess[str]:
    """Validate `objects` against Istio's CRD schemas and CEL rules (every Istio kind)."""
    target = tmp / "objects.yaml"
    target.write_text(yaml.safe_dump_all(objects, sort_keys=True), encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(VALIDATE_PY), "--crds", str(CRD_ALL), str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
