"""Package metadata: ranges for the library, exact pins for the program, one version."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import meshward
from tests.support import ROOT


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep, f"requirements.txt: {line!r} is not an exact pin (name==version)"
            pins[canonicalize_name(name)] = version
    return pins


def _metadata() -> dict[str, object]:
    return dict(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"])


def test_library_dependencies_are_ranges_that_the_program_pins_satisfy() -> None:
    pins = _pins()
    for spec in _metadata()["dependencies"]:  # type: ignore[attr-defined]
        req = Requirement(spec)
        assert any(s.operator == "<" for s in req.specifier), f"{spec}: no upper bound"
        assert any(s.operator == ">=" for s in req.specifier), f"{spec}: no lower bound"
        pinned = pins.get(canonicalize_name(req.name))
        assert pinned is not None, f"{req.name} is not pinned in requirements.txt"
        assert req.specifier.contains(pinned), f"{req.name}=={pinned} is outside {spec}"


def test_version_is_semantic_and_has_a_changelog_entry() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", meshward.__version__)
    assert "version" in _metadata()["dynamic"]  # type: ignore[operator]
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    entry = changelog.split(f"## [{meshward.__version__}]", 1)[1].split("\n## [", 1)[0]
    assert "### Breaking" in entry and "`meshward`" in entry


def test_readme_needs_nothing_outside_the_repository() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../shared" not in readme
    assert "[`examples/`](examples/)" in readme
    for example in ("mesh_on_existing_aks", "edge_in_existing_vnet"):
        project = ROOT / "examples" / example
        for name in ("Pulumi.yaml", "__main__.py", "requirements.txt", "README.md"):
            assert (project / name).is_file(), f"examples/{example}/{name}"
