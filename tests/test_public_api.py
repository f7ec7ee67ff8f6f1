"""The package's small public surface: what other stacks `import components` for."""

from __future__ import annotations

import subprocess
import sys

import pytest

import components


@pytest.mark.parametrize("name", components.__all__)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(components, name) is not None


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = components.Nope  # type: ignore[attr-defined]


def test_config_core_imports_without_pulumi() -> None:
    # The pure core must stay usable (and fast) without the Pulumi SDKs.
    code = (
        "import sys, components.config, components.mesh.compiler, components.mesh.simulation;"
        "print(sorted(m for m in sys.modules if m.split('.')[0].startswith('pulumi')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
