"""Edge only: Application Gateway + WAF in front of an internal API Management, placed in a
VNet, a resource group and a Key Vault that someone else manages.

Created here: two user-assigned identities (they must hold *Key Vault Secrets User* before
APIM and the gateway read their certificates), the role assignments on the existing vault,
private DNS for APIM linked to the existing VNet, API Management (internal VNet mode, JWT
validation at the edge) and the Application Gateway with its WAF policy and public IP.
Nothing else is touched: the VNet, its subnets (with their NSGs), the resource group and the
vault are only referred to by ID.
"""

import pulumi

from meshward import (
    ApiManagement,
    ApimConfig,
    AppGateway,
    AppGatewayConfig,
    JwtIssuer,
    KeyVault,
    ManagedIdentity,
    Network,
)

config = pulumi.Config()
name = config.get("name") or "edge"
location = config.require("location")
resource_group = config.require("resourceGroupName")
apim_config = ApimConfig.model_validate(config.get_object("apim") or {})
appgw_config = AppGatewayConfig.model_validate(config.get_object("appGateway") or {})
issuers = [JwtIssuer.model_validate(i) for i in config.require_object("jwtIssuers")]
service_name = config.require("apimServiceName")  # globally unique
internal_zone = config.require("internalDnsZone")  # holds apim.gatewayHostname
# APIM in internal mode has no public DNS: one private zone per default host name
# (<svc>.azure-api.net, <svc>.portal.azure-api.net, ...).
service_zones = [
    f"{service_name}.{endpoint}.azure-api.net" if endpoint else f"{service_name}.azure-api.net"
    for endpoint in ("", "portal", "developer", "management", "scm")
]

appgw_identity, apim_identity = (
    ManagedIdentity(
        f"{name}-{kind}-identity",
        {
            "identity_name": f"{name}-{kind}",
            "resource_group_name": resource_group,
            "location": location,
        },
    )
    for kind in ("appgw", "apim")
)
vault = KeyVault(
    f"{name}-kv",
    {
        "existing_vault_id": config.require("keyVaultId"),
        "secret_readers": {
            "appgw": appgw_identity.principal_id,
            "apim": apim_identity.principal_id,
        },
    },
)
network = Network(
    f"{name}-network",
    {
        "existing": {
            "vnet_id": config.require("vnetId"),
            "app_gateway_subnet_id": config.require("appGatewaySubnetId"),
            "apim_subnet_id": config.require("apimSubnetId"),
        },
        "base_name": name,
        "resource_group_name": resource_group,
        "location": location,
        "private_dns_zones": [internal_zone, *service_zones],
    },
)
apim = ApiManagement(
    f"{name}-apim",
    {
        "config": apim_config,
        "jwt_issuers": issuers,
        "service_name": service_name,
        "resource_group_name": resource_group,
        "location": location,
        "subnet_id": network.apim_subnet_id,
        "identity_id": apim_identity.id,
        "identity_client_id": apim_identity.client_id,
        "key_vault_uri": vault.vault_uri,
        "backend_url": config.require("backendUrl"),
        "internal_zone": internal_zone,
        "service_zones": service_zones,
    },
    # The identity must be able to read the certificates when the service is created.
    opts=pulumi.ResourceOptions(depends_on=[network, *vault.reader_grants]),
)
appgw = AppGateway(
    f"{name}-appgw",
    {
        "config": appgw_config,
        "base_name": name,
        "resource_group_name": resource_group,
        "location": location,
        "subnet_id": network.app_gateway_subnet_id,
        "identity_id": appgw_identity.id,
        "key_vault_uri": vault.vault_uri,
        "backend_hostname": apim.gateway_hostname,
        "backend_ip": apim.private_ip,
    },
    opts=pulumi.ResourceOptions(depends_on=vault.reader_grants),
)
pulumi.export("publicIp", appgw.public_ip)
pulumi.export("apimPrivateIp", apim.private_ip)
pulumi.export("wafPolicyId", appgw.waf_policy_id)
