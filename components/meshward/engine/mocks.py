"""Pulumi mocks that stand in for the Azure and Kubernetes providers.

Resources echo their inputs plus the computed outputs the program reads (ids, principal ids,
endpoints), all derived from the resource name so that two runs give identical results.
"""

from __future__ import annotations

import base64
from typing import Any

import pulumi

from meshward.engine import placeholders as ph
from meshward.engine.tls_mocks import tls_outputs

# Azure resource-ID segments for the types meshward registers; others get a generic segment.
_ARM_TYPES: dict[str, str] = {
    "resources:ResourceGroup": "",
    "network:VirtualNetwork": "Microsoft.Network/virtualNetworks",
    "network:Subnet": "Microsoft.Network/virtualNetworks/subnets",
    "network:NetworkSecurityGroup": "Microsoft.Network/networkSecurityGroups",
    "network:PublicIPAddress": "Microsoft.Network/publicIPAddresses",
    "network:ApplicationGateway": "Microsoft.Network/applicationGateways",
    "network:WebApplicationFirewallPolicy": (
        "Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies"
    ),
    "network:PrivateEndpoint": "Microsoft.Network/privateEndpoints",
    "privatedns:PrivateZone": "Microsoft.Network/privateDnsZones",
    "containerservice:ManagedCluster": "Microsoft.ContainerService/managedClusters",
    "keyvault:Vault": "Microsoft.KeyVault/vaults",
    "managedidentity:UserAssignedIdentity": "Microsoft.ManagedIdentity/userAssignedIdentities",
    "apimanagement:ApiManagementService": "Microsoft.ApiManagement/service",
    "operationalinsights:Workspace": "Microsoft.OperationalInsights/workspaces",
    "containerservice:AgentPool": "Microsoft.ContainerService/managedClusters/agentPools",
    "containerservice:MaintenanceConfiguration": (
        "Microsoft.ContainerService/managedClusters/maintenanceConfigurations"
    ),
    "managedidentity:FederatedIdentityCredential": (
        "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials"
    ),
    "authorization:RoleAssignment": "Microsoft.Authorization/roleAssignments",
    "keyvault:Secret": "Microsoft.KeyVault/vaults/secrets",
    "network:PrivateDnsZoneGroup": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
    "privatedns:VirtualNetworkLink": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
    "privatedns:PrivateRecordSet": "Microsoft.Network/privateDnsZones/A",
    "apimanagement:Api": "Microsoft.ApiManagement/service/apis",
    "apimanagement:ApiOperation": "Microsoft.ApiManagement/service/apis/operations",
    "apimanagement:ApiPolicy": "Microsoft.ApiManagement/service/apis/policies",
    "apimanagement:Backend": "Microsoft.ApiManagement/service/backends",
    "apimanagement:NamedValue": "Microsoft.ApiManagement/service/namedValues",
    "monitor:ActionGroup": "Microsoft.Insights/actionGroups",
    "monitor:DataCollectionRule": "Microsoft.Insights/dataCollectionRules",
    "eventgrid:SystemTopic": "Microsoft.EventGrid/systemTopics",
}

# The Azure name input of each type, so mock ids end in the real Azure name.
_NAME_INPUTS = (
    "virtualNetworkName",
    "subnetName",
    "networkSecurityGroupName",
    "publicIpAddressName",
    "applicationGatewayName",
    "policyName",
    "privateEndpointName",
    "privateZoneName",
    "resourceName",
    "vaultName",
    "serviceName",
    "workspaceName",
    "actionGroupName",
    "dataCollectionRuleName",
    "systemTopicName",
)


def _own_name(token: str, name: str, inputs: dict[str, Any]) -> str:
    """The Azure name a top-level resource gets: its explicit `<x>Name` input, as in Azure."""
    _, module, kind = token.split(":", 2)
    if module == "resources" and kind == "ResourceGroup":
        return str(inputs.get("resourceGroupName") or name)
    default = f"Microsoft.{module.title()}/{kind[0].lower()}{kind[1:]}s"
    if _ARM_TYPES.get(f"{module}:{kind}", default).count("/") != 1:
        return name
    return next((str(inputs[k]) for k in _NAME_INPUTS if inputs.get(k)), name)


def _arm_id(token: str, name: str, inputs: dict[str, Any]) -> str:
    _, module, kind = token.split(":", 2)
    subscription = f"/subscriptions/{ph.SUBSCRIPTION_ID}"
    if f"{module}:{kind}" == "resources:ResourceGroup":
        return f"{subscription}/resourceGroups/{inputs.get('resourceGroupName', name)}"
    default = f"Microsoft.{module.title()}/{kind[0].lower()}{kind[1:]}s"
    segment = _ARM_TYPES.get(f"{module}:{kind}", default)
    group = inputs.get("resourceGroupName") or "rg"
    if f"{module}:{kind}" == "network:Subnet":
        vnet, subnet = inputs.get("virtualNetworkName", "vnet"), inputs.get("subnetName", name)
        return (
            f"{subscription}/resourceGroups/{group}/providers/Microsoft.Network/"
            f"virtualNetworks/{vnet}/subnets/{subnet}"
        )
    own = _own_name(token, name, inputs)
    return f"{subscription}/resourceGroups/{group}/providers/{segment}/{own}"


def _computed(token: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Outputs Azure computes that the program reads (camelCase, as the provider returns)."""
    kind = token.split(":")[-1]
    seed = f"{token}/{name}"
    if kind == "UserAssignedIdentity":
        return {
            "clientId": ph.fake_guid(seed + "/client"),
            "principalId": ph.fake_guid(seed),
            "tenantId": ph.TENANT_ID,
        }
    if kind == "ManagedCluster":
        return {
            "fqdn": f"{name}.hcp.example.invalid",
            "privateFQDN": f"{name}.privatelink.example.invalid",
            "oidcIssuerProfile": {
                **(inputs.get("oidcIssuerProfile") or {}),
                "issuerURL": f"https://oidc.example.invalid/{name}/",
            },
            "identity": {
                **(inputs.get("identity") or {}),
                "principalId": ph.fake_guid(seed),
                "tenantId": ph.TENANT_ID,
            },
            "addonProfiles": {
                key: {
                    **(value or {}),
                    "identity": {
                        "clientId": ph.fake_guid(f"{seed}/{key}/client"),
                        "objectId": ph.fake_guid(f"{seed}/{key}"),
                        "resourceId": f"{seed}/{key}",
                    },
                }
                for key, value in (inputs.get("addonProfiles") or {}).items()
            },
            "identityProfile": {
                "kubeletidentity": {
                    "clientId": ph.fake_guid(seed + "/kubelet"),
                    "objectId": ph.fake_guid(seed + "/kubelet-obj"),
                    "resourceId": f"{seed}/kubelet",
                }
            },
        }
    if kind == "Vault":
        props = dict(inputs.get("properties") or {})
        props["vaultUri"] = f"https://{inputs.get('vaultName', name)}.vault.example.invalid/"
        return {"properties": props}
    if kind == "ApiManagementService":
        return {
            "gatewayUrl": f"https://{inputs.get('serviceName', name)}.azure-api.example.invalid",
            "privateIPAddresses": [".".join(ph.fake_ip(seed, "10.40.17").split(".")[:4])],
            "publicIPAddresses": [],
            "identity": {
                **(inputs.get("identity") or {}),
                "principalId": ph.fake_guid(seed),
                "tenantId": ph.TENANT_ID,
            },
        }
    if kind == "PublicIPAddress":
        return {"ipAddress": "203.0.113.10", "dnsSettings": inputs.get("dnsSettings")}
    return {}


def _identity_state(identity: Any) -> Any:
    """Azure answers user-assigned identities as a map id → {clientId, principalId}, while
    several input types take a plain list of ids."""
    if not isinstance(identity, dict):
        return identity
    assigned = identity.get("userAssignedIdentities")
    if isinstance(assigned, list):
        identity = {
            **identity,
            "userAssignedIdentities": {
                str(i): {
                    "clientId": ph.fake_guid(f"{i}/client"),
                    "principalId": ph.fake_guid(str(i)),
                }
                for i in assigned
            },
        }
    return identity


class PlanMocks(pulumi.runtime.Mocks):
    """Deterministic stand-ins for every provider call the platform makes."""

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        token, name, inputs = args.typ, args.name, dict(args.inputs)
        if token.startswith("azure-native:"):
            resource_id = _arm_id(token, name, inputs)
            state = {**inputs, **_computed(token, name, inputs), "id": resource_id}
            state["identity"] = _identity_state(state.get("identity"))
            state.setdefault("name", _own_name(token, name, inputs))
            return resource_id, state
        if token.startswith("tls:"):
            return f"{name}-id", {**inputs, **tls_outputs(token, name, inputs)}
        if token.startswith("pulumi:providers:"):
            return f"{name}-provider-id", inputs
        return f"{name}-id", inputs

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        # Pulumi iterates the failures, so "no failures" must be an empty list, not None.
        return self._answer(args), []

    def _answer(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        token = args.token
        if token == "azure-native:authorization:getClientConfig":
            return {
                "clientId": ph.CLIENT_ID,
                "objectId": ph.OBJECT_ID,
                "subscriptionId": ph.SUBSCRIPTION_ID,
                "tenantId": ph.TENANT_ID,
            }
        if token in (
            "azure-native:containerservice:listManagedClusterUserCredentials",
            "azure-native:containerservice:listManagedClusterAdminCredentials",
        ):
            cluster = str(args.args.get("resourceName", "cluster"))
            value = base64.b64encode(ph.kubeconfig(cluster).encode()).decode()
            return {"kubeconfigs": [{"name": "clusterUser", "value": value}]}
        return {}
