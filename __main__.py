"""The meshward Pulumi program: load config, build the platform, export its outputs.

`pulumi up` runs this file; `meshward plan` runs the very same file under Pulumi's mock engine.
"""

import pulumi

from meshward import Platform
from meshward.stack import (
    load_alert_webhooks,
    load_certificate_secrets,
    load_platform_config,
    load_seed_secrets,
)

config = load_platform_config()
platform = Platform(
    f"{config.prefix}-{config.environment}",
    {
        "config": config,
        "seed_secrets": load_seed_secrets(config),
        "alert_webhooks": load_alert_webhooks(config),
        "certificate_secrets": load_certificate_secrets(config),
    },
)
pulumi.export("resourceGroupName", platform.resource_group_name)
pulumi.export("edgeHostname", platform.edge_hostname)
pulumi.export("publicIp", platform.public_ip)
pulumi.export("apimGatewayHostname", platform.apim_gateway_hostname)
pulumi.export("apimPrivateIp", platform.apim_private_ip)
pulumi.export("meshGatewayUrl", platform.mesh_gateway_url)
pulumi.export("meshRootNamespace", platform.mesh.root_namespace)
pulumi.export("keyVaultUri", platform.key_vault_uri)
pulumi.export("clusterName", platform.cluster_name)
pulumi.export("oidcIssuerUrl", platform.oidc_issuer_url)
pulumi.export("externalSecretsClientId", platform.external_secrets_client_id)
pulumi.export("kubeconfig", platform.kubeconfig)
