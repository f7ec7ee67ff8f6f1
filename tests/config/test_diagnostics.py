"""Pure helpers behind readable config errors."""

from __future__ import annotations

from meshward.config.diagnostics import format_path
from meshward.naming import azure_name, global_name


def test_format_path_renders_indices_in_brackets() -> None:
    assert (
        format_path("platform", ["aks", "userPools", 2, "name"]) == "platform.aks.userPools[2].name"
    )


def test_format_path_without_root() -> None:
    assert format_path("", ["a", 0]) == "a[0]"


def test_azure_name_joins_prefix_environment_and_kind() -> None:
    assert azure_name("mw", "dev", "aks") == "mw-dev-aks"


def test_global_name_is_stable_and_bounded() -> None:
    first = global_name("mw", "prod", "westeurope", "kv", 24)
    assert first == global_name("mw", "prod", "westeurope", "kv", 24)
    assert first != global_name("mw", "prod", "northeurope", "kv", 24)
    assert len(global_name("longprefix", "prod", "westeurope", "apimgateway", 24)) <= 24
