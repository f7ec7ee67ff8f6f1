"""The composed platform: security defaults and the AppGW → APIM → mesh wiring, as planned."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from meshward.azure.apim_policy import policy_issuers
from tests.conftest import Render
from tests.support import one, resources_of, stack_platform

CLUSTER = "azure-native:containerservice:ManagedCluster"
APIM = "azure-native:apimanagement:ApiManagementService"
APPGW = "azure-native:network:ApplicationGateway"
WAF = "azure-native:network:WebApplicationFirewallPolicy"
VAULT = "azure-native:keyvault:Vault"


def _apim_ip(plan: dict[str, Any]) -> str:
    # The mock answers APIM's private IP from its name, the same way on every run.
    from meshward.engine.mocks import _computed

    apim = one(plan, APIM)
    ip = _computed(apim["type"], apim["name"], apim["inputs"])["privateIPAddresses"][0]
    return str(ip)


def test_plan_lists_every_platform_resource(dev_plan: dict[str, Any]) -> None:
    types = {r["type"] for r in dev_plan["resources"]}
    expected = {
        "azure-native:resources:ResourceGroup",
        "azure-native:network:VirtualNetwork",
        "azure-native:network:Subnet",
        "azure-native:network:NetworkSecurityGroup",
        "azure-native:privatedns:PrivateZone",
        CLUSTER,
        "azure-native:containerservice:AgentPool",
        VAULT,
        "azure-native:managedidentity:UserAssignedIdentity",
        "azure-native:managedidentity:FederatedIdentityCredential",
        "azure-native:authorization:RoleAssignment",
        "kubernetes:helm.sh/v4:Chart",
        "kubernetes:external-secrets.io/v1:ClusterSecretStore",
        "kubernetes:external-secrets.io/v1:ExternalSecret",
        APIM,
        "azure-native:apimanagement:Api",
        "azure-native:apimanagement:ApiPolicy",
        WAF,
        APPGW,
        "azure-native:network:PublicIPAddress",
    }
    assert expected <= types


def test_cluster_is_entra_only_with_workload_identity(prod_plan: dict[str, Any]) -> None:
    inputs = one(prod_plan, CLUSTER)["inputs"]
    assert inputs["disableLocalAccounts"] is True
    assert inputs["aadProfile"]["managed"] is True
    assert inputs["aadProfile"]["enableAzureRBAC"] is True
    assert inputs["oidcIssuerProfile"] == {"enabled": True}
    assert inputs["securityProfile"]["workloadIdentity"] == {"enabled": True}
    assert inputs["apiServerAccessProfile"]["enablePrivateCluster"] is True
    assert inputs["addonProfiles"]["azurepolicy"]["enabled"] is True
    assert "defender" in inputs["securityProfile"]


def test_only_the_system_pool_is_inline(prod_plan: dict[str, Any]) -> None:
    (inline,) = one(prod_plan, CLUSTER)["inputs"]["agentPoolProfiles"]
    assert inline["mode"] == "System"
    pools = resources_of(prod_plan, "azure-native:containerservice:AgentPool")
    assert [p["inputs"]["mode"] for p in pools] == ["User"]
    assert pools[0]["inputs"]["availabilityZones"] == ["1", "2", "3"]


def test_prod_waf_prevents_and_dev_may_only_detect(
    prod_plan: dict[str, Any], dev_plan: dict[str, Any]
) -> None:
    assert one(prod_plan, WAF)["inputs"]["policySettings"]["mode"] == "Prevention"
    assert one(dev_plan, WAF)["inputs"]["policySettings"]["mode"] == "Detection"


def test_appgw_is_waf_v2_with_strict_tls_and_the_policy(prod_plan: dict[str, Any]) -> None:
    gateway = one(prod_plan, APPGW)["inputs"]
    assert gateway["sku"]["tier"] == "WAF_v2"
    assert gateway["sslPolicy"]["policyName"] == "AppGwSslPolicy20220101S"
    assert gateway["zones"] == ["1", "2", "3"]
    assert gateway["firewallPolicy"]["id"].endswith("/mw-prod-waf")


def test_appgw_backend_is_apims_private_ip_and_host_name(prod_plan: dict[str, Any]) -> None:
    gateway = one(prod_plan, APPGW)["inputs"]
    apim = one(prod_plan, APIM)["inputs"]
    (pool,) = gateway["backendAddressPools"]
    assert pool["backendAddresses"] == [{"ipAddress": _apim_ip(prod_plan)}]
    (settings,) = gateway["backendHttpSettingsCollection"]
    (hostname,) = apim["hostnameConfigurations"]
    assert settings["hostName"] == hostname["hostName"] == "apim.internal.meshward.example"


def test_apim_is_internal_and_its_policy_trusts_the_mesh_issuers(
    prod_plan: dict[str, Any],
) -> None:
    apim = one(prod_plan, APIM)["inputs"]
    assert apim["virtualNetworkType"] == "Internal"
    assert apim["identity"]["type"] == "SystemAssigned, UserAssigned"
    policy = one(prod_plan, "azure-native:apimanagement:ApiPolicy")["inputs"]["value"]
    issuers = [i["issuer"] for i in stack_platform("prod")["jwtIssuers"]]
    assert policy_issuers(policy) == issuers
    api = one(prod_plan, "azure-native:apimanagement:Api")["inputs"]
    assert api["serviceUrl"] == "https://mesh.internal.meshward.example"
    assert ET.fromstring(policy).find("inbound/set-backend-service") is not None


def test_private_dns_points_the_mesh_host_at_the_gateway_ip(dev_plan: dict[str, Any]) -> None:
    records = resources_of(dev_plan, "azure-native:privatedns:PrivateRecordSet")
    mesh = next(r for r in records if r["inputs"]["relativeRecordSetName"] == "mesh")
    assert mesh["inputs"]["aRecords"] == [{"ipv4Address": "10.40.15.250"}]
    zones = {
        r["inputs"]["privateZoneName"]
        for r in resources_of(dev_plan, "azure-native:privatedns:PrivateZone")
    }
    assert {"privatelink.vaultcore.azure.net", "internal.meshward.example"} <= zones


def test_vault_is_rbac_only_purge_protected_and_private(prod_plan: dict[str, Any]) -> None:
    props = one(prod_plan, VAULT)["inputs"]["properties"]
    assert props["enableRbacAuthorization"] is True
    assert props["enablePurgeProtection"] is True
    assert props["publicNetworkAccess"] == "Disabled"
    assert props["networkAcls"]["defaultAction"] == "Deny"
    assert resources_of(prod_plan, "azure-native:network:PrivateEndpoint")


def test_prod_protects_every_stateful_resource(prod_plan: dict[str, Any]) -> None:
    for type_ in ("azure-native:resources:ResourceGroup", CLUSTER, VAULT, APIM):
        assert one(prod_plan, type_)["protect"] is True


def test_prod_apim_is_premium_across_zones(prod_plan: dict[str, Any]) -> None:
    apim = one(prod_plan, APIM)["inputs"]
    assert apim["sku"] == {"capacity": 3, "name": "Premium"}
    assert apim["zones"] == ["1", "2", "3"]


def test_bring_your_own_network_creates_no_vnet(render: Render) -> None:
    platform = stack_platform("dev")
    sub = "/subscriptions/0/resourceGroups/hub/providers/Microsoft.Network/virtualNetworks/hub"
    platform["network"] = {
        "existing": {
            "vnetId": sub,
            "aksNodesSubnetId": f"{sub}/subnets/aks",
            "appGatewaySubnetId": f"{sub}/subnets/appgw",
            "apimSubnetId": f"{sub}/subnets/apim",
            "privateEndpointsSubnetId": f"{sub}/subnets/pe",
        }
    }
    plan = render(platform, stack="dev")
    assert not resources_of(plan, "azure-native:network:VirtualNetwork")
    apim = one(plan, APIM)["inputs"]
    assert apim["virtualNetworkConfiguration"]["subnetResourceId"] == f"{sub}/subnets/apim"
