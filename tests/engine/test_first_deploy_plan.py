"""What a first `pulumi up` on an empty subscription needs, visible in both stacks' plans."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support import resources_of, stack_platform

CLUSTER_ADMIN = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"
STACKS = ["dev", "prod"]


@pytest.fixture(params=STACKS)
def plan(request: pytest.FixtureRequest) -> dict[str, Any]:
    return dict(request.getfixturevalue(f"{request.param}_plan"))


def by_urn(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["urn"]: r for r in plan["resources"]}


def test_deployer_and_admin_groups_hold_cluster_admin_before_anything_in_cluster(
    plan: dict[str, Any],
) -> None:
    grants = [
        r
        for r in resources_of(plan, "azure-native:authorization:RoleAssignment")
        if r["inputs"]["roleDefinitionId"].endswith(CLUSTER_ADMIN)
    ]
    principals = {(g["inputs"]["principalType"], g["inputs"]["principalId"]) for g in grants}
    # The deployer (getClientConfig's objectId) plus every configured admin group.
    assert ("Group", "00000000-0000-0000-0000-00000000000a") in principals or plan["stack"] == "dev"
    assert any(p[1] == "00000000-0000-0000-0000-000000000003" for p in principals)
    assert all(
        g["inputs"]["scope"].endswith("/managedClusters/mw-" + plan["stack"] + "-aks")
        for g in grants
    )
    urns = {g["urn"] for g in grants}
    in_cluster = [r for r in plan["resources"] if r["type"].startswith("kubernetes:")]
    assert in_cluster
    late = [r["urn"] for r in in_cluster if not urns <= set(r["dependencies"])]
    assert late == []


def deps_names(resource: dict[str, Any]) -> set[str]:
    return {d.rsplit("::", 1)[-1] for d in resource["dependencies"]}


def test_certificates_are_written_in_the_run_and_their_readers_wait(plan: dict[str, Any]) -> None:
    stack = plan["stack"]
    secrets = {
        r["inputs"]["secretName"]: r["name"]
        for r in resources_of(plan, "azure-native:keyvault:Secret")
        if r["name"].startswith(f"mw-{stack}-certs-")
    }
    assert set(secrets) == {
        "edge-tls",
        "apim-gateway-tls",
        "mesh-gateway-tls",
        "apim-mesh-client",
        "internal-ca",
        "internal-ca-pfx",
    }
    [appgw] = resources_of(plan, "azure-native:network:ApplicationGateway")
    [apim] = resources_of(plan, "azure-native:apimanagement:ApiManagementService")
    [client] = resources_of(plan, "azure-native:apimanagement:Certificate")
    assert {secrets["edge-tls"], secrets["internal-ca-pfx"]} <= deps_names(appgw)
    assert {secrets["apim-gateway-tls"], secrets["apim-mesh-client"]} <= deps_names(apim)
    assert secrets["apim-mesh-client"] in deps_names(client)
    gateway_tls = [
        r
        for r in resources_of(plan, "kubernetes:external-secrets.io/v1:ExternalSecret")
        if r["inputs"]["metadata"]["name"].startswith("mesh-gateway-tls")
    ]
    assert len(gateway_tls) == 2  # the certificate and its client CA
    for external_secret in gateway_tls:
        assert {secrets["mesh-gateway-tls"], secrets["internal-ca"]} <= deps_names(external_secret)


def test_apim_and_app_gateway_wait_for_their_key_vault_grants(plan: dict[str, Any]) -> None:
    stack = plan["stack"]
    grants = {f"mw-{stack}-kv-reader-apim", f"mw-{stack}-kv-reader-appgw"}
    [appgw] = resources_of(plan, "azure-native:network:ApplicationGateway")
    [apim] = resources_of(plan, "azure-native:apimanagement:ApiManagementService")
    assert grants <= deps_names(appgw)
    assert grants <= deps_names(apim)
    for named in resources_of(plan, "azure-native:apimanagement:NamedValue"):
        assert grants <= deps_names(named)


def test_apim_private_dns_answers_its_real_host_names(plan: dict[str, Any]) -> None:
    stack = plan["stack"]
    service = one_name(plan, "azure-native:apimanagement:ApiManagementService", "serviceName")
    records = {
        (r["inputs"]["privateZoneName"], r["inputs"]["relativeRecordSetName"])
        for r in resources_of(plan, "azure-native:privatedns:PrivateRecordSet")
        if r["name"].startswith(f"mw-{stack}-apim-a-")
    }
    hosts = {f"{service}.azure-api.net"} | {
        f"{service}.{endpoint}.azure-api.net"
        for endpoint in ("portal", "developer", "management", "scm")
    }
    assert {(host, "@") for host in hosts} <= records
    zones = {
        r["inputs"]["privateZoneName"]
        for r in resources_of(plan, "azure-native:privatedns:PrivateZone")
    }
    assert hosts <= zones
    assert "azure-api.net" not in zones  # would hide every other APIM from the VNet


def one_name(plan: dict[str, Any], type_: str, key: str) -> str:
    [resource] = resources_of(plan, type_)
    return str(resource["inputs"][key])


def test_only_apim_reaches_the_mesh_gateway(plan: dict[str, Any]) -> None:
    [nsg] = [
        r
        for r in resources_of(plan, "azure-native:network:NetworkSecurityGroup")
        if r["name"].endswith("nsg-aks-nodes")
    ]
    rules = sorted(nsg["inputs"]["securityRules"], key=lambda r: r["priority"])
    gateway = rules[0]["destinationAddressPrefix"]
    assert (rules[0]["name"], rules[0]["sourceAddressPrefix"], rules[0]["access"]) == (
        "AllowApimToMeshGateway",
        "10.40.17.0/24",
        "Allow",
    )
    deny = rules[-1]
    assert (deny["access"], deny["sourceAddressPrefix"], deny["destinationAddressPrefix"]) == (
        "Deny",
        "VirtualNetwork",
        gateway,
    )
    allowed_sources = {r["sourceAddressPrefix"] for r in rules if r["access"] == "Allow"}
    assert {"AzureLoadBalancer", "10.40.0.0/20"} <= allowed_sources  # probes and nodes stay
    policies = [
        r
        for r in resources_of(plan, "kubernetes:security.istio.io/v1:AuthorizationPolicy")
        if r["inputs"]["metadata"]["name"] == "internal-gateway-sources"
    ]
    [policy] = policies
    assert policy["inputs"]["spec"]["rules"] == [
        {"from": [{"source": {"ipBlocks": ["10.40.17.0/24"]}}]}
    ]


def test_mesh_gateway_requires_apims_client_certificate(plan: dict[str, Any]) -> None:
    [gateway] = resources_of(plan, "kubernetes:networking.istio.io/v1:Gateway")
    tls = gateway["inputs"]["spec"]["servers"][0]["tls"]
    assert tls["mode"] == "MUTUAL"
    assert tls["subjectAltNames"] == ["apim-client.internal.meshward.example"]
    [backend] = resources_of(plan, "azure-native:apimanagement:Backend")
    assert backend["inputs"]["credentials"] == {"certificateIds": ["/certificates/mesh-client"]}
    [apim] = resources_of(plan, "azure-native:apimanagement:ApiManagementService")
    assert apim["inputs"]["certificates"][0]["storeName"] == "Root"
    [appgw] = resources_of(plan, "azure-native:network:ApplicationGateway")
    [settings] = appgw["inputs"]["backendHttpSettingsCollection"]
    assert settings["trustedRootCertificates"][0]["id"].endswith(
        "/trustedRootCertificates/internal-ca"
    )
    assert appgw["inputs"]["trustedRootCertificates"][0]["keyVaultSecretId"].endswith(
        "/secrets/internal-ca-pfx"
    )


def test_secret_store_serves_only_namespaces_that_sync_and_reads_only_their_secrets(
    plan: dict[str, Any],
) -> None:
    [store] = resources_of(plan, "kubernetes:external-secrets.io/v1:ClusterSecretStore")
    synced = resources_of(plan, "kubernetes:external-secrets.io/v1:ExternalSecret")
    namespaces = sorted({r["inputs"]["metadata"]["namespace"] for r in synced})
    assert store["inputs"]["spec"]["conditions"] == [{"namespaces": namespaces}]
    grants = [
        r
        for r in resources_of(plan, "azure-native:authorization:RoleAssignment")
        if r["parent"].endswith("ExternalSecrets::mw-" + plan["stack"] + "-eso")
    ]
    assert grants and all("/secrets/" in g["inputs"]["scope"] for g in grants)
    grant_names = {g["name"] for g in grants}
    for external_secret in synced:
        assert grant_names <= deps_names(external_secret)


def test_every_node_pool_is_encrypted_at_the_host_with_an_ephemeral_os_disk(
    plan: dict[str, Any],
) -> None:
    [cluster] = resources_of(plan, "azure-native:containerservice:ManagedCluster")
    pools = [
        *cluster["inputs"]["agentPoolProfiles"],
        *(r["inputs"] for r in resources_of(plan, "azure-native:containerservice:AgentPool")),
    ]
    assert len(pools) >= 2  # the inline system pool and the separate user pool(s)
    for pool in pools:
        assert pool["enableEncryptionAtHost"] is True
        assert pool["osDiskType"] == "Ephemeral"
        # Prod's Standard_D4ds_v5 has a 150 GiB temp disk: AKS's default 128 GiB OS disk fits.
        # Dev's Standard_D2ds_v5 has 75 GiB: the OS disk shrinks to fit.
        assert (
            pool["osDiskSizeGB"]
            == {"Standard_D4ds_v5": 128, "Standard_D2ds_v5": 75}[pool["vmSize"]]
        )


def test_container_insights_has_its_data_collection_rule_and_association(
    plan: dict[str, Any],
) -> None:
    [cluster] = resources_of(plan, "azure-native:containerservice:ManagedCluster")
    monitoring = cluster["inputs"]["addonProfiles"]["omsagent"]
    assert monitoring["enabled"] is True and monitoring["config"]["useAADAuth"] == "true"
    workspace = monitoring["config"]["logAnalyticsWorkspaceResourceID"]
    [rule] = resources_of(plan, "azure-native:monitor:DataCollectionRule")
    [source] = rule["inputs"]["dataSources"]["extensions"]
    assert source["extensionName"] == "ContainerInsights"
    assert source["streams"] == ["Microsoft-ContainerInsights-Group-Default"]
    [destination] = rule["inputs"]["destinations"]["logAnalytics"]
    assert destination["workspaceResourceId"] == workspace
    [association] = resources_of(plan, "azure-native:monitor:DataCollectionRuleAssociation")
    assert association["inputs"]["associationName"] == "ContainerInsightsExtension"
    assert association["inputs"]["resourceUri"].endswith(f"/managedClusters/mw-{plan['stack']}-aks")
    assert association["inputs"]["dataCollectionRuleId"].endswith(
        "/Microsoft.Insights/dataCollectionRules/" + rule["inputs"]["dataCollectionRuleName"]
    )
    assert {cluster["urn"], rule["urn"]} <= set(association["dependencies"])


def test_container_insights_off_creates_no_rule_and_disables_the_addon(
    render: Callable[..., dict[str, Any]],
) -> None:
    platform = stack_platform("dev")
    platform["aks"]["containerInsights"] = False
    plan = render(platform, stack="dev")
    [cluster] = resources_of(plan, "azure-native:containerservice:ManagedCluster")
    assert cluster["inputs"]["addonProfiles"]["omsagent"] == {"enabled": False}
    assert not [r for r in plan["resources"] if r["type"].startswith("azure-native:monitor:Data")]


RUNNER_VNET = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ci-runners"
    "/providers/Microsoft.Network/virtualNetworks/vnet-ci-runners"
)
DNS_ZONE_CONTRIBUTOR = "b12aa53e-6015-4669-85d0-8515ebb3ae7f"


def test_prod_runner_vnet_reaches_the_private_api_server(prod_plan: dict[str, Any]) -> None:
    plan = prod_plan
    [cluster] = resources_of(plan, "azure-native:containerservice:ManagedCluster")
    access = cluster["inputs"]["apiServerAccessProfile"]
    assert (access["enablePrivateCluster"], access["enablePrivateClusterPublicFQDN"]) == (
        True,
        False,
    )
    # The stack's own zone, not AKS's "system" one (which AKS links to the cluster VNet only).
    [zone] = [
        r
        for r in resources_of(plan, "azure-native:privatedns:PrivateZone")
        if r["inputs"]["privateZoneName"] == "privatelink.westeurope.azmk8s.io"
    ]
    assert access["privateDNSZone"].endswith("/privateDnsZones/privatelink.westeurope.azmk8s.io")
    links = {
        r["inputs"]["virtualNetwork"]["id"]: r
        for r in resources_of(plan, "azure-native:privatedns:VirtualNetworkLink")
        if r["inputs"]["privateZoneName"] == zone["inputs"]["privateZoneName"]
    }
    platform_vnet = next(iter(set(links) - {RUNNER_VNET}))
    assert set(links) == {RUNNER_VNET, platform_vnet}
    assert platform_vnet.endswith("/virtualNetworks/mw-prod-vnet")
    # The control plane writes the API server's record there; the cluster waits for the grant
    # and both links (nodes resolve the API server while joining).
    [grant] = [
        r
        for r in resources_of(plan, "azure-native:authorization:RoleAssignment")
        if r["inputs"]["roleDefinitionId"].endswith(DNS_ZONE_CONTRIBUTOR)
    ]
    assert grant["inputs"]["scope"] == access["privateDNSZone"]
    [identity] = [
        r
        for r in resources_of(plan, "azure-native:managedidentity:UserAssignedIdentity")
        if r["inputs"]["resourceName"] == "mw-prod-aks-controlplane"
    ]
    assert identity["urn"] in grant["dependencies"]
    assert {grant["urn"], *(link["urn"] for link in links.values())} <= set(cluster["dependencies"])
    # Peered both ways: ours in the stack's group, theirs in the runner VNet's group.
    peerings = {
        (r["inputs"]["resourceGroupName"], r["inputs"]["virtualNetworkName"]): r
        for r in resources_of(plan, "azure-native:network:VirtualNetworkPeering")
    }
    assert set(peerings) == {("mw-prod-rg", "mw-prod-vnet"), ("rg-ci-runners", "vnet-ci-runners")}
    ours, theirs = (
        peerings["mw-prod-rg", "mw-prod-vnet"],
        peerings["rg-ci-runners", "vnet-ci-runners"],
    )
    assert ours["inputs"]["remoteVirtualNetwork"]["id"] == RUNNER_VNET
    assert theirs["inputs"]["remoteVirtualNetwork"]["id"] == platform_vnet
    for peering in (ours, theirs):
        assert peering["inputs"]["allowVirtualNetworkAccess"] is True
        assert peering["inputs"]["allowForwardedTraffic"] is False
    # Nothing in the cluster is attempted before the runner can reach it.
    in_cluster = [r for r in plan["resources"] if r["type"].startswith("kubernetes:")]
    assert all({ours["urn"], theirs["urn"]} <= set(r["dependencies"]) for r in in_cluster)


def test_private_cluster_without_a_runner_vnet_keeps_the_system_zone(
    render: Callable[..., dict[str, Any]],
) -> None:
    platform = stack_platform("prod")
    del platform["aks"]["apiServer"]["runnerVnetId"]
    plan = render(platform, stack="prod")
    [cluster] = resources_of(plan, "azure-native:containerservice:ManagedCluster")
    assert cluster["inputs"]["apiServerAccessProfile"]["privateDNSZone"] == "system"
    assert resources_of(plan, "azure-native:network:VirtualNetworkPeering") == []
    zones = {
        r["inputs"]["privateZoneName"]
        for r in resources_of(plan, "azure-native:privatedns:PrivateZone")
    }
    assert not any(z.endswith(".azmk8s.io") for z in zones)
    assert not [
        r
        for r in resources_of(plan, "azure-native:authorization:RoleAssignment")
        if r["inputs"]["roleDefinitionId"].endswith(DNS_ZONE_CONTRIBUTOR)
    ]


def test_runner_peering_of_an_existing_vnet_lives_in_that_vnets_group(
    render: Callable[..., dict[str, Any]],
) -> None:
    vnet = (
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-hub-net"
        "/providers/Microsoft.Network/virtualNetworks/vnet-spoke"
    )
    platform = stack_platform("prod")
    platform["network"] = {
        "existing": {
            "vnetId": vnet,
            **{
                key: f"{vnet}/subnets/{name}"
                for key, name in (
                    ("aksNodesSubnetId", "nodes"),
                    ("appGatewaySubnetId", "appgw"),
                    ("apimSubnetId", "apim"),
                    ("privateEndpointsSubnetId", "pe"),
                    ("apiServerSubnetId", "apiserver"),
                )
            },
        }
    }
    plan = render(platform, stack="prod")
    peerings = {
        (r["inputs"]["resourceGroupName"], r["inputs"]["virtualNetworkName"]): r["inputs"]
        for r in resources_of(plan, "azure-native:network:VirtualNetworkPeering")
    }
    assert peerings["rg-hub-net", "vnet-spoke"]["remoteVirtualNetwork"]["id"] == RUNNER_VNET
    assert peerings["rg-ci-runners", "vnet-ci-runners"]["remoteVirtualNetwork"]["id"] == vnet
    links = {
        r["inputs"]["virtualNetwork"]["id"]
        for r in resources_of(plan, "azure-native:privatedns:VirtualNetworkLink")
        if r["inputs"]["privateZoneName"].endswith(".azmk8s.io")
    }
    assert links == {vnet, RUNNER_VNET}
