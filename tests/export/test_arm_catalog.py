"""The shipped ARM catalog follows the installed SDK and the official ARM schemas."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from meshward.export.catalog import CATALOG_FILE, load_catalog
from tests.support import ROOT, SHARED

SCHEMAS = SHARED / "azure" / "arm-schemas"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("arm_catalog", ROOT / "tools" / "arm_catalog.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_catalog_api_versions_are_the_installed_sdks() -> None:
    generator = _generator()
    for token, kind in load_catalog().resources.items():
        assert kind.api_version == generator.sdk_api_version(token), token


@pytest.mark.skipif(not SCHEMAS.is_dir(), reason=f"{SCHEMAS} is absent (needs ../shared)")
def test_shipped_catalog_is_what_the_generator_builds_from_the_schemas(tmp_path: Path) -> None:
    out = tmp_path / CATALOG_FILE
    assert _generator().main(["--schemas", str(SCHEMAS), "--out", str(out)]) == 0
    shipped = (ROOT / "components" / "meshward" / "export" / CATALOG_FILE).read_text()
    assert json.loads(out.read_text()) == json.loads(shipped), (
        "regenerate: .venv/bin/python tools/arm_catalog.py"
    )
