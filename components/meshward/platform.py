"""The top-level component: the whole platform from one `PlatformConfig`.

Internet → Application Gateway + WAF → API Management (internal) → Istio internal gateway →
services on AKS; Key Vault holds every certificate and secret, External Secrets syncs them in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import resources

from meshward.azure.aks import Aks
from meshward.azure.apim import ApiManagement
from meshward.azure.appgw import AppGateway
from meshward.azure.certificate_specs import chain_specs
from meshward.azure.certificates import Certificates
from meshward.azure.dns import KEY_VAULT_ZONE, apim_zones
from meshward.azure.identity import ManagedIdentity
from meshward.azure.keyvault import KeyVault
from meshward.azure.monitoring import SecurityMonitoring
from meshward.azure.network import Network, NetworkArgs
from meshward.cluster.external_secrets import ExternalSecrets
from meshward.cluster.istio import IstioMesh
from meshward.cluster.mesh_security import MeshSecurity
from meshward.cluster.mesh_traffic import MeshTraffic
from meshward.cluster.ordering import kubernetes_after
from meshward.config import PlatformConfig
from meshward.config.certificates import CertificateRole
from meshward.naming import azure_name, global_name


class PlatformArgs(TypedDict):
    """Inputs of `Platform`."""

    config: PlatformConfig
    """The validated stack configuration."""
    certificate_secrets: NotRequired[Mapping[CertificateRole, pulumi.Input[str]]]
    """`certificates.source: stackSecrets`: each certificate's value (read with
    `require_secret`)."""
    seed_secrets: NotRequired[Mapping[str, pulumi.Input[str]]]
    """Values of `keyVault.seedSecrets` by secret name (read with `require_secret`)."""
    resource_group_name: NotRequired[pulumi.Input[str]]
    """An existing resource group to build in, instead of creating `<prefix>-<env>-rg`."""
    alert_webhooks: NotRequired[Mapping[str, pulumi.Input[str]]]
    """URIs of `monitoring.actionGroup.webhooks` by receiver name (read with
    `require_secret`)."""


class Platform(pulumi.ComponentResource):
    """AppGW+WAF → APIM → Istio ingress → services, on AKS, with Key Vault and External Secrets."""

    resource_group_name: pulumi.Output[str]
    """Resource group holding the platform (created, or the one given in the args)."""
    public_ip: pulumi.Output[str]
    """Public IP of the Application Gateway (the only public entry point)."""
    edge_hostname: str
    """Public host name served by the Application Gateway."""
    apim_private_ip: pulumi.Output[str]
    """Private IP of API Management."""
    apim_gateway_hostname: str
    """Internal host name of API Management."""
    mesh_gateway_url: str
    """URL APIM forwards to (the mesh's internal gateway)."""
    key_vault_uri: pulumi.Output[str]
    """Key Vault URI."""
    cluster_name: pulumi.Output[str]
    """AKS cluster name."""
    oidc_issuer_url: pulumi.Output[str]
    """AKS OIDC issuer (for further workload-identity federations)."""
    kubeconfig: pulumi.Output[str]
    """User kubeconfig (Entra ID via kubelogin), secret."""
    external_secrets_client_id: pulumi.Output[str]
    """Client id of the identity External Secrets reads Key Vault with."""
    mesh: IstioMesh
    """The Istio installation (root namespace, revision, gateway, CRD dependencies)."""
    mesh_security: MeshSecurity
    """The mesh security objects compiled from `platform.mesh`."""
    mesh_traffic: MeshTraffic
    """Access-log Telemetry, ServiceEntries and the optional egress gateway."""
    monitoring: SecurityMonitoring
    """Diagnostic settings, Sentinel, the action group and certificate expiry alerts."""

    def __init__(
        self, name: str, args: PlatformArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("meshward:index:Platform", name, None, opts)
        cfg = args["config"]
        base = f"{cfg.prefix}-{cfg.environment}"
        tags = {**cfg.tags, "managed-by": "meshward", "environment": cfg.environment}
        protect = cfg.protect_stateful_resources
        child = pulumi.ResourceOptions(parent=self)
        # `generation` moves both names after a destroy (soft-deleted ones keep theirs).
        gen = cfg.generation
        vault_name = global_name(cfg.prefix, cfg.environment, cfg.location, "kv", 24, gen)
        apim_name = global_name(cfg.prefix, cfg.environment, cfg.location, "apim", 50, gen)
        internal_zone = cfg.network.internal_dns_zone
        ingress = cfg.mesh.ingress
        mesh_host = f"{ingress.hostname}.{internal_zone}"
        apim_client_subject = f"{cfg.certificates.client_subject}.{internal_zone}"

        rg: pulumi.Input[str]
        if "resource_group_name" in args:
            rg = args["resource_group_name"]
        else:
            rg = resources.ResourceGroup(
                f"{name}-rg",
                resource_group_name=azure_name(cfg.prefix, cfg.environment, "rg"),
                location=cfg.location,
                tags=tags,
                opts=pulumi.ResourceOptions(parent=self, protect=protect),
            ).name

        # --- Network and private DNS -------------------------------------------------------
        zones = [internal_zone, *apim_zones(apim_name)]
        if cfg.key_vault.private_endpoint:
            zones.insert(0, KEY_VAULT_ZONE)
        network_args: NetworkArgs = {
            "config": cfg.network,
            "base_name": base,
            "resource_group_name": rg,
            "location": cfg.location,
            "tags": tags,
            "private_dns_zones": zones,
            "a_records": {internal_zone: {ingress.hostname: ingress.internal_ip}},
            "ingress_ip": ingress.internal_ip,
        }
        if cfg.aks.api_server.runner_vnet_id is not None:
            # The deployer's runner VNet: peered both ways (the API server's zone is linked to
            # it by Aks), so a private cluster is reachable from where `pulumi up` runs.
            network_args["peer_vnet_id"] = cfg.aks.api_server.runner_vnet_id
        network = Network(f"{name}-network", network_args, opts=child)

        # --- Identities that read Key Vault, then the vault --------------------------------
        appgw_identity, apim_identity = (
            ManagedIdentity(
                f"{name}-{kind}-identity",
                {
                    "identity_name": f"{base}-{kind}",
                    "resource_group_name": rg,
                    "location": cfg.location,
                    "tags": tags,
                },
                opts=child,
            )
            for kind in ("appgw", "apim")
        )
        vault = KeyVault(
            f"{name}-kv",
            {
                "config": cfg.key_vault,
                "vault_name": vault_name,
                "resource_group_name": rg,
                "location": cfg.location,
                "tags": tags,
                "private_endpoint_subnet_id": network.private_endpoints_subnet_id,
                "private_dns_zone_id": network.zone_ids.get(KEY_VAULT_ZONE, ""),
                "secret_readers": {
                    "appgw": appgw_identity.principal_id,
                    "apim": apim_identity.principal_id,
                },
                "seed_secrets": dict(args.get("seed_secrets", {})),
                "protect": protect,
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[network]),
        )

        # --- Certificates of the chain, written into the vault by this run ------------------
        certs = Certificates(
            f"{name}-certs",
            {
                "config": cfg.certificates,
                "specs": chain_specs(
                    edge_hostname=cfg.app_gateway.hostname,
                    edge_secret=cfg.app_gateway.certificate_name,
                    apim_hostname=cfg.apim.gateway_hostname,
                    apim_secret=cfg.apim.gateway_certificate_name,
                    mesh_hostname=mesh_host,
                    mesh_secret=cfg.external_secrets.gateway_certificate,
                    client_subject=apim_client_subject,
                    client_secret=cfg.certificates.client_certificate_name,
                    ca_secret=cfg.certificates.ca_secret_name,
                    ca_name=f"{base} internal CA",
                ),
                "vault_name": vault.vault_name,
                "resource_group_name": rg,
                "provided": dict(args.get("certificate_secrets", {})),
            },
            opts=child,
        )
        cert_secret = certs.secrets

        # --- AKS (with the Istio add-on when chosen) and in-cluster components -------------
        aks = Aks(
            f"{name}-aks",
            {
                "config": cfg.aks,
                "mesh": cfg.mesh,
                "base_name": base,
                "resource_group_name": rg,
                "location": cfg.location,
                "tags": tags,
                "node_subnet_id": network.aks_nodes_subnet_id,
                "api_server_subnet_id": network.api_server_subnet_id,
                "vnet_id": network.vnet_id,
                "key_vault_id": vault.vault_id,
                "protect": protect,
                **(
                    {"log_analytics_workspace_id": cfg.monitoring.workspace_id}
                    if cfg.monitoring.workspace_id
                    else {}
                ),
            },
            opts=child,
        )
        # Every Kubernetes object waits for the cluster-admin grants and, on a private cluster
        # reached from a peered runner VNet, for the peering (and is deleted before them).
        cluster_access = [*aks.admin_grants, *network.peerings]
        in_cluster = pulumi.ResourceOptions(
            parent=self,
            providers=[aks.provider],
            transformations=[kubernetes_after(cluster_access)],
        )
        self.mesh = IstioMesh(
            f"{name}-mesh",
            {
                "config": cfg.mesh,
                "cluster": aks.cluster,
                "gateway_hostname": mesh_host,
                "gateway_credential_name": cfg.external_secrets.gateway_certificate,
                # APIM → mesh is mutual TLS: only APIM's client certificate gets through...
                "gateway_client_subject": apim_client_subject,
                # ...and only from the APIM subnet (when meshward knows its range).
                "gateway_source_cidrs": (
                    [cfg.network.subnets.apim] if cfg.network.existing is None else []
                ),
                "workload_namespaces": cfg.workload_namespaces,
            },
            opts=in_cluster,
        )
        self.mesh_security = MeshSecurity(
            f"{name}-mesh-security",
            {
                "intent": cfg.mesh,
                "issuers": cfg.jwt_issuers,
                "root_namespace": self.mesh.root_namespace,
                "trust_domain": self.mesh.trust_domain,
                "ingress_namespace": self.mesh.ingress_namespace,
                "path_normalization": cfg.mesh.path_normalization,
                # The edges `kubernetes_after` adds, given once for thousands of objects
                # rather than merged into each one's options (the same dependencies).
                "installation": [*self.mesh.installation, *cluster_access],
                "namespaces": self.mesh.namespaces,
            },
            opts=in_cluster,
        )

        self.mesh_traffic = MeshTraffic(
            f"{name}-mesh-traffic",
            {
                "config": cfg.mesh,
                "issuers": cfg.jwt_issuers,
                "trust_domain": self.mesh.trust_domain,
                "token_namespaces": [*cfg.mesh.namespace_names, self.mesh.ingress_namespace],
                "injection_labels": self.mesh.injection_labels,
                "installation": [*self.mesh.installation, *self.mesh.namespaces.values()],
            },
            opts=in_cluster,
        )

        eso_config = cfg.external_secrets
        if eso_config.gateway_client_ca is None:
            # The mesh gateway requires client certificates issued by the chain's private CA.
            eso_config = eso_config.model_copy(
                update={"gateway_client_ca": cfg.certificates.ca_secret_name}
            )
        secrets = ExternalSecrets(
            f"{name}-eso",
            {
                "config": eso_config,
                "base_name": base,
                "resource_group_name": rg,
                "location": cfg.location,
                "tags": tags,
                "oidc_issuer_url": aks.oidc_issuer_url,
                "key_vault_id": vault.vault_id,
                "key_vault_uri": vault.vault_uri,
                "gateway_namespace": self.mesh.ingress_namespace,
                "namespaces": self.mesh.namespaces,
                "target_dependencies": self.mesh.installation,
                "secret_dependencies": [
                    cert_secret[cfg.external_secrets.gateway_certificate],
                    cert_secret[cfg.certificates.ca_secret_name],
                    *vault.seeded,
                ],
            },
            opts=in_cluster,
        )

        # --- The edge: APIM (internal) behind Application Gateway + WAF --------------------
        apim = ApiManagement(
            f"{name}-apim",
            {
                "config": cfg.apim,
                "jwt_issuers": cfg.jwt_issuers,
                "service_name": apim_name,
                "resource_group_name": rg,
                "location": cfg.location,
                "tags": tags,
                "subnet_id": network.apim_subnet_id,
                "identity_id": apim_identity.id,
                "identity_client_id": apim_identity.client_id,
                "key_vault_uri": vault.vault_uri,
                "backend_url": f"https://{mesh_host}",
                "internal_zone": internal_zone,
                "service_zones": apim_zones(apim_name),
                "trusted_ca_pem": certs.ca_pem,
                "client_certificate_secret": cfg.certificates.client_certificate_name,
                "key_vault_dependencies": [
                    *vault.reader_grants,
                    cert_secret[cfg.apim.gateway_certificate_name],
                    cert_secret[cfg.certificates.client_certificate_name],
                    *vault.seeded,
                ],
                "protect": protect,
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[network, vault]),
        )
        appgw = AppGateway(
            f"{name}-appgw",
            {
                "config": cfg.app_gateway,
                "base_name": base,
                "resource_group_name": rg,
                "location": cfg.location,
                "tags": tags,
                "subnet_id": network.app_gateway_subnet_id,
                "identity_id": appgw_identity.id,
                "key_vault_uri": vault.vault_uri,
                "backend_hostname": apim.gateway_hostname,
                "backend_ip": apim.private_ip,
                "trusted_root_secret": certs.ca_pfx_secret_name,
                "key_vault_dependencies": [
                    *vault.reader_grants,
                    cert_secret[cfg.app_gateway.certificate_name],
                    cert_secret[certs.ca_pfx_secret_name],
                ],
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[vault]),
        )

        # --- Security logs, alerts --------------------------------------------------------
        self.monitoring = SecurityMonitoring(
            f"{name}-monitoring",
            {
                "config": cfg.monitoring,
                "base_name": base,
                "resource_group_name": rg,
                "location": cfg.location,
                "tags": tags,
                "workspace_id": aks.workspace_id,
                "diagnostic_targets": {
                    "aks": aks.cluster_id,
                    "appGateway": appgw.gateway_id,
                    "apim": apim.service_id,
                    "keyVault": vault.vault_id,
                },
                "key_vault_id": vault.vault_id,
                "watched_objects": cfg.watched_vault_objects,
                "webhook_uris": dict(args.get("alert_webhooks", {})),
            },
            opts=child,
        )

        self.resource_group_name = pulumi.Output.from_input(rg)
        self.public_ip = appgw.public_ip
        self.edge_hostname = cfg.app_gateway.hostname
        self.apim_private_ip = apim.private_ip
        self.apim_gateway_hostname = apim.gateway_hostname
        self.mesh_gateway_url = f"https://{mesh_host}"
        self.key_vault_uri = vault.vault_uri
        self.cluster_name = aks.cluster_name
        self.oidc_issuer_url = aks.oidc_issuer_url
        self.kubeconfig = aks.kubeconfig
        self.external_secrets_client_id = secrets.identity_client_id
        self.register_outputs(
            {
                "resource_group_name": self.resource_group_name,
                "public_ip": self.public_ip,
                "apim_private_ip": self.apim_private_ip,
                "key_vault_uri": self.key_vault_uri,
                "cluster_name": self.cluster_name,
                "oidc_issuer_url": self.oidc_issuer_url,
                "kubeconfig": self.kubeconfig,
                "external_secrets_client_id": self.external_secrets_client_id,
            }
        )
