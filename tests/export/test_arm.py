"""The ARM export: names joined, inputs nested as the ARM schema has them, placeholders turned
into ARM expressions, and every planned Azure resource accounted for."""

from __future__ import annotations

import json
from typing import Any

import pytest

from meshward.engine import placeholders as ph
from meshward.export.arm import ExportError, arm_template, id_expression
from meshward.export.catalog import load_catalog

SUB = f"/subscriptions/{ph.SUBSCRIPTION_ID}"
RG = "rg-test"
STACK = "urn:pulumi:test::meshward::"


def _resource(
    token: str, name: str, inputs: dict[str, Any], deps: list[str] | None = None
) -> dict[str, Any]:
    return {
        "urn": f"{STACK}{token}::{name}",
        "type": token,
        "name": name,
        "parent": None,
        "custom": True,
        "protect": False,
        "dependencies": deps or [],
        "inputs": inputs,
    }


def _plan(*resources: dict[str, Any]) -> dict[str, Any]:
    group = _resource(
        "azure-native:resources:ResourceGroup",
        RG,
        {"resourceGroupName": RG, "location": "westeurope", "tags": {"env": "test"}},
    )
    return {"project": "meshward", "stack": "test", "resources": [group, *resources]}


def _by_name(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in template["resources"]}


def test_resource_ids_become_resource_id_expressions() -> None:
    subnet = f"{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
    assert (
        id_expression(subnet, RG)
        == "resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 's')"
    )
    other = f"{SUB}/resourceGroups/other/providers/Microsoft.KeyVault/vaults/kv"
    assert id_expression(other, RG) == "resourceId('other', 'Microsoft.KeyVault/vaults', 'kv')"
    role = f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/abc"
    assert (
        id_expression(role, RG)
        == "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'abc')"
    )
    assert id_expression(f"{SUB}/resourceGroups/{RG}", RG) == "resourceGroup().id"
    assert id_expression("/subscriptions/1234/resourceGroups/x", RG) is None


def test_child_names_are_joined_and_flattened_inputs_nested_under_properties() -> None:
    vnet = _resource(
        "azure-native:network:VirtualNetwork",
        "vnet",
        {
            "resourceGroupName": RG,
            "virtualNetworkName": "v",
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "subnets": [{"name": "inline", "addressPrefix": "10.0.1.0/24"}],
        },
    )
    subnet = _resource(
        "azure-native:network:Subnet",
        "snet",
        {
            "resourceGroupName": RG,
            "virtualNetworkName": "v",
            "subnetName": "s",
            "addressPrefix": "10.0.0.0/24",
            "defaultOutboundAccess": False,
        },
        deps=[vnet["urn"]],
    )
    exported = arm_template(_plan(vnet, subnet))
    resources = _by_name(exported.template)
    assert resources["v/s"]["type"] == "Microsoft.Network/virtualNetworks/subnets"
    assert resources["v/s"]["properties"] == {
        "addressPrefix": "10.0.0.0/24",
        "defaultOutboundAccess": False,
    }
    assert "location" not in resources["v/s"]
    assert resources["v/s"]["dependsOn"] == [
        "[resourceId('Microsoft.Network/virtualNetworks', 'v')]"
    ]
    vnet_out = resources["v"]
    # A top-level resource without a location gets the group's, as azure-native does.
    assert vnet_out["location"] == "[resourceGroup().location]"
    assert vnet_out["properties"]["subnets"] == [
        {"name": "inline", "properties": {"addressPrefix": "10.0.1.0/24"}}
    ]
    assert exported.unmapped == []


def test_agent_pool_type_input_is_the_pool_property_not_the_resource_type() -> None:
    pool = _resource(
        "azure-native:containerservice:AgentPool",
        "pool",
        {
            "resourceGroupName": RG,
            "resourceName": "aks",
            "agentPoolName": "apps",
            "type": "VirtualMachineScaleSets",
            "enableEncryptionAtHost": True,
        },
    )
    out = _by_name(arm_template(_plan(pool)).template)["aks/apps"]
    assert out["type"] == "Microsoft.ContainerService/managedClusters/agentPools"
    assert out["properties"] == {"type": "VirtualMachineScaleSets", "enableEncryptionAtHost": True}


def test_an_explicit_properties_input_stays_where_it_is() -> None:
    vault = _resource(
        "azure-native:keyvault:Vault",
        "kv",
        {
            "resourceGroupName": RG,
            "vaultName": "kv1",
            "location": "westeurope",
            "properties": {"tenantId": ph.TENANT_ID, "sku": {"family": "A", "name": "premium"}},
        },
    )
    out = _by_name(arm_template(_plan(vault)).template)["kv1"]
    assert out["properties"] == {
        "tenantId": "[subscription().tenantId]",
        "sku": {"family": "A", "name": "premium"},
    }


def test_deploy_time_outputs_become_references_and_secrets_parameters() -> None:
    identity = _resource(
        "azure-native:managedidentity:UserAssignedIdentity",
        "uami",
        {"resourceGroupName": RG, "resourceName": "id1", "location": "westeurope"},
    )
    principal = ph.fake_guid("azure-native:managedidentity:UserAssignedIdentity/uami")
    identity_id = (
        f"{SUB}/resourceGroups/{RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1"
    )
    vault = _resource(
        "azure-native:keyvault:Vault",
        "kv",
        {"resourceGroupName": RG, "vaultName": "kv1", "properties": {"tenantId": ph.TENANT_ID}},
    )
    vault_uri = "https://kv1.vault.example.invalid/"
    grant = _resource(
        "azure-native:authorization:RoleAssignment",
        "grant",
        {
            "roleAssignmentName": "7f1d5e3c-0000-5000-8000-000000000001",
            "principalId": principal,
            "principalType": "ServicePrincipal",
            "roleDefinitionId": f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/r1",
            "scope": f"{SUB}/resourceGroups/{RG}/providers/Microsoft.KeyVault/vaults/kv1",
        },
    )
    secret = _resource(
        "azure-native:keyvault:Secret",
        "secret",
        {
            "resourceGroupName": RG,
            "vaultName": "kv1",
            "secretName": "s1",
            "properties": {"value": ph.SECRET_PLACEHOLDER, "contentType": "text/plain"},
        },
    )
    service = _resource(
        "azure-native:apimanagement:NamedValue",
        "nv",
        {
            "resourceGroupName": RG,
            "serviceName": "apim",
            "namedValueId": "nv1",
            "displayName": "nv1",
            "secret": True,
            "keyVault": {"secretIdentifier": f"{vault_uri}secrets/s1"},
        },
    )
    cluster = _resource(
        "azure-native:containerservice:ManagedCluster",
        "aks",
        {
            "resourceGroupName": RG,
            "resourceName": "aks1",
            "identity": {"type": "UserAssigned", "userAssignedIdentities": [identity_id]},
        },
    )
    exported = arm_template(_plan(identity, vault, grant, secret, service, cluster))
    resources = _by_name(exported.template)
    uami = "resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'id1')"
    out = resources["7f1d5e3c-0000-5000-8000-000000000001"]
    assert out["properties"]["principalId"] == f"[reference({uami}, '2023-01-31').principalId]"
    assert out["scope"] == "Microsoft.KeyVault/vaults/kv1"
    assert f"[{uami}]" in out["dependsOn"]
    assert resources["apim/nv1"]["properties"]["keyVault"]["secretIdentifier"] == (
        "[format('{0}secrets/s1', reference(resourceId('Microsoft.KeyVault/vaults', 'kv1'), "
        "'2024-11-01').vaultUri)]"
    )
    secret_out = resources["kv1/s1"]["properties"]
    assert secret_out["contentType"] == "text/plain"
    parameter = secret_out["value"].removeprefix("[parameters('").removesuffix("')]")
    assert exported.template["parameters"][parameter]["type"] == "securestring"
    assert resources["aks1"]["identity"]["userAssignedIdentities"] == {f"[{uami}]": {}}
    # Nothing the mock engine made up is left as a literal.
    text = json.dumps(exported.template["resources"])
    assert principal not in text and vault_uri not in text and "/subscriptions/" not in text


def test_literal_strings_that_look_like_expressions_are_escaped() -> None:
    api = _resource(
        "azure-native:apimanagement:Api",
        "api",
        {
            "resourceGroupName": RG,
            "serviceName": "apim",
            "apiId": "a",
            "path": "a",
            "description": "[not an expression]",
        },
    )
    out = _by_name(arm_template(_plan(api)).template)["apim/a"]
    assert out["properties"]["description"] == "[[not an expression]"


def test_a_type_without_an_arm_mapping_is_named() -> None:
    odd = _resource("azure-native:cdn:Profile", "cdn", {"resourceGroupName": RG})
    with pytest.raises(ExportError, match="no ARM mapping for azure-native:cdn:Profile"):
        arm_template(_plan(odd))


def plan_group(plan: dict[str, Any]) -> str:
    [group] = [r for r in plan["resources"] if r["type"] == "azure-native:resources:ResourceGroup"]
    return str(group["inputs"]["resourceGroupName"])


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_planned_azure_resource_is_exported_with_its_sdk_api_version(
    stack: str, request: pytest.FixtureRequest
) -> None:
    plan: dict[str, Any] = request.getfixturevalue(f"{stack}_plan")
    exported = arm_template(plan)
    catalog = load_catalog()
    azure = [
        r
        for r in plan["resources"]
        if r["custom"]
        and r["type"].startswith("azure-native:")
        and r["type"] != "azure-native:resources:ResourceGroup"
    ]
    # A resource of another resource group (prod's runner-side peering) rides in a nested
    # deployment targeting that group.
    top = exported.template["resources"]
    nested = [r for r in top if r["type"] == "Microsoft.Resources/deployments"]
    assert all(r["resourceGroup"] != plan_group(plan) for r in nested)
    exported_resources = [
        *(r for r in top if r not in nested),
        *(inner for r in nested for inner in r["properties"]["template"]["resources"]),
    ]
    assert len(exported_resources) == len(azure)
    assert sorted(r["apiVersion"] for r in exported_resources) == sorted(
        catalog.resources[r["type"]].api_version for r in azure
    )
    assert exported.unmapped == []
    text = json.dumps(exported.template["resources"])
    assert f"/subscriptions/{ph.SUBSCRIPTION_ID}" not in text
    assert ph.SECRET_PLACEHOLDER not in text
    # Extension resources (diagnostic settings) share a name on different scopes.
    rendered_names = {(r["type"], r["name"], r.get("scope")) for r in exported_resources}
    assert len(rendered_names) == len(azure), "two resources would collide in ARM"


def test_the_template_does_not_depend_on_the_order_inputs_arrive_in(
    prod_plan: dict[str, Any],
) -> None:
    def reverse(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: reverse(value[k]) for k in reversed(list(value))}
        if isinstance(value, list):
            return [reverse(v) for v in value]
        return value

    shuffled = {
        **prod_plan,
        "resources": [{**r, "inputs": reverse(r["inputs"])} for r in prod_plan["resources"]],
    }
    first = json.dumps(arm_template(prod_plan).template, indent=2)
    assert json.dumps(arm_template(shuffled).template, indent=2) == first


def test_a_resource_of_another_group_rides_in_a_nested_deployment(
    prod_plan: dict[str, Any],
) -> None:
    template = arm_template(prod_plan).template
    [deployment] = [
        r for r in template["resources"] if r["type"] == "Microsoft.Resources/deployments"
    ]
    assert deployment["resourceGroup"] == "rg-ci-runners"
    [peering] = deployment["properties"]["template"]["resources"]
    assert peering["name"] == "vnet-ci-runners/runner-to-mw-prod"
    assert "dependsOn" not in peering
    # Outer expression scope: the stack's VNet is named in the stack's group.
    assert peering["properties"]["remoteVirtualNetwork"]["id"] == (
        "[resourceId('Microsoft.Network/virtualNetworks', 'mw-prod-vnet')]"
    )
    assert (
        "[resourceId('Microsoft.Network/virtualNetworks/virtualNetworkPeerings', "
        "'mw-prod-vnet', 'mw-prod-to-runner')]"
    ) in deployment["dependsOn"]
