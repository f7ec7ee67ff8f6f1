"""The package's small public surface: what other stacks `import meshward` for."""

from __future__ import annotations

import subprocess
import sys

import pytest

import meshward


@pytest.mark.parametrize("name", meshward.__all__)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(meshward, name) is not None


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = meshward.Nope  # type: ignore[attr-defined]


def test_config_core_imports_without_pulumi() -> None:
    # The pure core must stay usable (and fast) without the Pulumi SDKs.
    code = (
        "import sys, meshward.config, meshward.mesh.compiler, meshward.mesh.simulation;"
        "print(sorted(m for m in sys.modules if m.split('.')[0].startswith('pulumi')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
