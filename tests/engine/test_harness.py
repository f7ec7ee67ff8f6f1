"""The mock-engine harness captures what the real program registers."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from meshward.engine.harness import run_function, run_program
from meshward.engine.placeholders import SECRET_PLACEHOLDER
from tests.support import ROOT, render_platform, resources_of, stack_files, stack_platform


def test_every_resource_has_the_plan_fields(dev_plan: dict[str, Any]) -> None:
    assert set(dev_plan) == {"project", "stack", "resources"}
    assert (dev_plan["project"], dev_plan["stack"]) == ("meshward", "dev")
    fields = {"urn", "type", "name", "parent", "custom", "protect", "dependencies", "inputs"}
    for resource in dev_plan["resources"]:
        assert set(resource) == fields
        assert isinstance(resource["custom"], bool)
        assert isinstance(resource["dependencies"], list)


def test_resources_are_sorted_by_urn(dev_plan: dict[str, Any]) -> None:
    urns = [r["urn"] for r in dev_plan["resources"]]
    assert urns == sorted(urns)


def test_components_are_included_and_children_point_at_their_parent(
    dev_plan: dict[str, Any],
) -> None:
    (platform,) = resources_of(dev_plan, "meshward:index:Platform")
    assert platform["custom"] is False
    children = [r for r in dev_plan["resources"] if r["parent"] == platform["urn"]]
    assert children, "the platform component registers children"
    urns = {r["urn"] for r in dev_plan["resources"]}
    assert all(r["parent"] in urns for r in dev_plan["resources"] if r["parent"])


def test_urns_follow_the_engine_rule_without_the_root_stack_type(dev_plan: dict[str, Any]) -> None:
    (platform,) = resources_of(dev_plan, "meshward:index:Platform")
    assert platform["urn"] == "urn:pulumi:dev::meshward::meshward:index:Platform::mw-dev"
    (group,) = resources_of(dev_plan, "azure-native:resources:ResourceGroup")
    assert group["urn"].startswith(
        "urn:pulumi:dev::meshward::meshward:index:Platform$azure-native:resources:ResourceGroup::"
    )


def test_same_config_renders_byte_identical_files() -> None:
    assert stack_files("dev") == stack_files("dev")


def test_secret_values_never_reach_the_plan() -> None:
    platform = stack_platform("dev")
    platform.setdefault("keyVault", {})["seedSecrets"] = [
        {"name": "orders-client-secret", "configKey": "ordersClientSecret"}
    ]
    plan = render_platform(platform, secrets={"ordersClientSecret": "hunter2-very-secret"})
    text = repr(plan)
    assert "hunter2-very-secret" not in text
    assert SECRET_PLACEHOLDER in text


def test_prod_marks_stateful_resources_protected(prod_plan: dict[str, Any]) -> None:
    (group,) = resources_of(prod_plan, "azure-native:resources:ResourceGroup")
    assert group["protect"] is True


def test_program_file_is_the_pulumi_entry_point() -> None:
    # `pulumi up` runs Pulumi.yaml's program: the project root's __main__.py.
    assert (ROOT / "__main__.py").read_text().count("Platform(") == 1


def test_mocked_names_are_the_explicit_azure_names(dev_plan: dict[str, Any]) -> None:
    # Azure reports a resource's own name, not Pulumi's logical name; children read it.
    (vault,) = resources_of(dev_plan, "azure-native:keyvault:Vault")
    secrets = resources_of(dev_plan, "azure-native:keyvault:Secret")
    assert secrets
    assert {s["inputs"]["vaultName"] for s in secrets} == {vault["inputs"]["vaultName"]}


def test_the_program_runs_as_main_and_the_process_is_restored(tmp_path: Path) -> None:
    program = tmp_path / "__main__.py"
    program.write_text(
        '"""doc"""\n'
        "import json, sys\n"
        "seen = [__name__, __file__, __doc__, sys.argv[0],\n"
        "    sys.modules['__main__'].__dict__ is globals()]\n"
        "open(__file__ + '.json', 'w').write(json.dumps(seen))\n"
    )
    main, argv0 = sys.modules.get("__main__"), sys.argv[0]
    run_program(program, "p", "s", {})
    seen = json.loads((tmp_path / "__main__.py.json").read_text())
    assert seen == ["__main__", str(program), "doc", str(program), True]
    assert (sys.modules.get("__main__"), sys.argv[0]) == (main, argv0)


def test_an_error_in_the_program_propagates_and_the_process_is_restored(tmp_path: Path) -> None:
    program = tmp_path / "__main__.py"
    program.write_text("raise RuntimeError('boom ' + __name__)\n")
    main, argv0 = sys.modules.get("__main__"), sys.argv[0]
    with pytest.raises(RuntimeError, match="boom __main__"):
        run_program(program, "p", "s", {})
    assert (sys.modules.get("__main__"), sys.argv[0]) == (main, argv0)


def _vault(name: str) -> dict[str, Any]:
    return {"vaultName": name, "resourceGroupName": "rg", "properties": {"tenantId": "t"}}


def test_get_resource_answers_the_registered_state() -> None:
    # The monitor forgets each state once registered (memory); `getResource` must still
    # answer with the state the mock gave, and refuse a URN nobody registered.
    import pulumi

    token = "azure-native:keyvault:Vault"
    seen: dict[str, Any] = {}

    def get(name: str) -> pulumi.CustomResource:
        urn = f"urn:pulumi:s::p::{token}::{name}"
        props = {"vaultName": None, "properties": None}
        return pulumi.CustomResource(token, name, props, opts=pulumi.ResourceOptions(urn=urn))

    def found(made_id: str) -> None:
        again = get("kv")
        pulumi.Output.all(again.id, again.vaultName, again.properties).apply(
            lambda values: seen.setdefault("found", [made_id, *values])
        )

    def program() -> None:
        pulumi.CustomResource(token, "kv", _vault("kv-one")).id.apply(found)

    run_function(program, "p", "s", {})
    made_id, found_id, vault_name, properties = seen["found"]
    assert found_id == made_id
    assert made_id.endswith("/providers/Microsoft.KeyVault/vaults/kv-one")
    assert vault_name == "kv-one"
    assert properties == {"tenantId": "t", "vaultUri": "https://kv-one.vault.example.invalid/"}
    with pytest.raises(Exception, match=f"unknown resource urn:pulumi:s::p::{token}::gone"):
        run_function(lambda: get("gone"), "p", "s", {})


def test_exists_resource_finds_registered_ids_by_type() -> None:
    import pulumi
    from pulumi.runtime import exists_resource

    seen: dict[str, bool] = {}

    def program() -> None:
        token = "azure-native:keyvault:Vault"
        made = pulumi.CustomResource(token, "kv", _vault("kv-one"))
        for label, ty, id_ in [
            ("same", token, made.id),
            ("other type", "azure-native:keyvault:Secret", made.id),
            ("other id", token, "/subscriptions/x/nothing"),
        ]:
            exists_resource(None, ty, id_, {}, pulumi.ResourceOptions()).apply(
                lambda found, label=label: seen.setdefault(label, found)
            )

    run_function(program, "p", "s", {})
    assert seen == {"same": True, "other type": False, "other id": False}
