"""The package's small public surface: what other stacks `import meshward` for."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys

import pytest

import meshward
from meshward.api_reference import reference_markdown
from tests.support import ROOT

INIT = ROOT / "components" / "meshward" / "__init__.py"


def _modules_after(code: str) -> list[str]:
    """Top-level packages a fresh interpreter has imported after running `code`."""
    probe = f"{code}; import sys; print(sorted({{m.split('.')[0] for m in sys.modules}}))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return list(ast.literal_eval(out.stdout.strip()))


def _declared() -> dict[str, str]:
    """Name → module of the `if TYPE_CHECKING:` imports, as a type checker reads them."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    (block,) = [
        n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"
    ]
    return {
        alias.asname or alias.name: str(node.module)
        for node in block.body
        if isinstance(node, ast.ImportFrom) and str(node.module).startswith("meshward")
        for alias in node.names
    }


@pytest.mark.parametrize("name", meshward.__all__)
def test_every_public_name_resolves_to_a_documented_object(name: str) -> None:
    obj = getattr(meshward, name)
    own_doc = obj.__dict__.get("__doc__") if isinstance(obj, type) else obj.__doc__
    assert own_doc and own_doc.strip(), f"{name} has no docstring of its own"
    assert getattr(importlib.import_module(_declared()[name]), name) is obj


def test_runtime_names_are_exactly_what_type_checkers_see() -> None:
    # A line the run-time reader misses (e.g. `import X` without `as X`) shows up here.
    assert sorted(_declared()) == meshward.__all__
    assert len(meshward.__all__) >= 40


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = meshward.Nope  # type: ignore[attr-defined]


def test_import_meshward_loads_nothing_but_itself() -> None:
    baseline = set(_modules_after("pass"))
    assert set(_modules_after("import meshward")) - baseline == {"meshward"}


def test_the_pure_core_imports_without_the_pulumi_sdks() -> None:
    loaded = _modules_after(
        "import meshward; meshward.compile_mesh, meshward.simulate, meshward.validate_document,"
        " meshward.PlatformConfig, meshward.access_matrix, meshward.run_guardrails"
    )
    assert "pydantic" in loaded
    assert [m for m in loaded if m.startswith("pulumi")] == []


def test_mesh_security_does_not_load_azure_native() -> None:
    loaded = _modules_after("import meshward; meshward.MeshSecurity, meshward.IstioMesh")
    assert "pulumi_kubernetes" in loaded
    assert "pulumi_azure_native" not in loaded


def test_star_import_gives_the_public_names() -> None:
    namespace: dict[str, object] = {}
    exec("from meshward import *", namespace)
    assert set(meshward.__all__) <= set(namespace)


def test_version_is_the_package_metadata_version() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'version = { attr = "meshward.__version__" }' in pyproject
    major, minor, patch = meshward.__version__.split(".")
    assert all(part.isdigit() for part in (major, minor, patch))


def test_api_reference_is_up_to_date() -> None:
    page = (ROOT / "docs" / "API.md").read_text(encoding="utf-8")
    assert reference_markdown() == page, "run `make docs`"


def test_api_reference_names_every_public_name_with_its_signature() -> None:
    page = reference_markdown()
    for name in meshward.__all__:
        assert f"### `{name}`" in page
    signature = inspect.signature(meshward.compile_mesh)
    assert (
        "compile_mesh(intent: MeshIntent, issuers: Sequence[JwtIssuer], *, root_namespace" in page
    )
    assert "trust_domain" in signature.parameters
    assert "| `existing_cluster_id` | `pulumi.Input[str]` | no |" in page


def test_py_typed_ships_with_the_package() -> None:
    assert (INIT.parent / "py.typed").is_file()
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'meshward = ["py.typed", ' in pyproject
