"""External Secrets Operator syncing Key Vault into the cluster through workload identity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi
import pulumi_kubernetes as k8s

from meshward.azure.identity import ManagedIdentity, assign_role
from meshward.cluster import external_secrets_specs as specs
from meshward.cluster.provider import with_provider
from meshward.config.keyvault import ExternalSecretsConfig


class ExternalSecretsArgs(TypedDict):
    """Inputs of `ExternalSecrets`."""

    config: ExternalSecretsConfig
    """Chart version, namespace and the secrets to sync."""
    base_name: str
    """Prefix of Azure names, e.g. `mw-dev`."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the identity."""
    location: str
    """Azure region."""
    oidc_issuer_url: pulumi.Input[str]
    """The cluster's OIDC issuer (the identity trusts its tokens)."""
    key_vault_id: pulumi.Input[str]
    """Vault the identity may read secrets from."""
    key_vault_uri: pulumi.Input[str]
    """Data-plane URI of that vault."""
    gateway_namespace: str
    """Namespace of the mesh ingress gateway (gets the gateway TLS secret)."""
    namespaces: NotRequired[Mapping[str, pulumi.Resource]]
    """Namespaces other components create, by name: ExternalSecrets wait for them."""
    target_dependencies: NotRequired[Sequence[pulumi.Resource]]
    """Resources that create namespaces owned elsewhere (e.g. the Istio add-on)."""
    secret_dependencies: NotRequired[Sequence[pulumi.Resource]]
    """The Key Vault secrets (or what writes them) the ExternalSecrets read."""
    tags: NotRequired[Mapping[str, str]]
    """Tags on Azure resources."""
    kubernetes_provider: NotRequired[pulumi.ProviderResource | None]
    """Provider of the target cluster. Default: the provider in `opts.providers`, else
    Pulumi's default Kubernetes provider (the ambient kubeconfig)."""


class ExternalSecrets(pulumi.ComponentResource):
    """ESO chart + federated identity + ClusterSecretStore + ExternalSecrets."""

    identity_client_id: pulumi.Output[str]
    """Client id of the identity the store uses."""
    identity_principal_id: pulumi.Output[str]
    """Principal id of that identity."""
    chart: k8s.helm.v4.Chart
    """The chart that installs the ESO CRDs: custom resources must depend on it."""
    store_name: str
    """Name of the ClusterSecretStore."""
    gateway_tls_secret_name: str
    """Kubernetes Secret holding the internal gateway's certificate."""

    def __init__(
        self, name: str, args: ExternalSecretsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(
            "meshward:index:ExternalSecrets",
            name,
            None,
            with_provider(opts, args.get("kubernetes_provider")),
        )
        cfg = args["config"]
        identity = ManagedIdentity(
            f"{name}-identity",
            {
                "identity_name": f"{args['base_name']}-eso",
                "resource_group_name": args["resource_group_name"],
                "location": args["location"],
                "tags": dict(args.get("tags", {})),
                "federations": {
                    "eso-keyvault-reader": {
                        "issuer": args["oidc_issuer_url"],
                        "namespace": cfg.namespace,
                        "service_account": cfg.service_account,
                    }
                },
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        refs = specs.all_secrets(cfg, args["gateway_namespace"])
        # Secrets User on each synced secret, not on the vault: the store cannot read the
        # edge's private keys or anything else nobody asked for.
        grants: list[pulumi.Resource] = []
        for index, secret in enumerate(specs.vault_objects(refs)):
            grants.append(
                assign_role(
                    f"{name}-kv-reader-{secret}",
                    role="Key Vault Secrets User",
                    scope=pulumi.Output.concat(args["key_vault_id"], f"/secrets/{secret}"),
                    principal_id=identity.principal_id,
                    parent=self,
                    # The first one takes over the former vault-wide assignment's URN.
                    aliases=[pulumi.Alias(name=f"{name}-kv-reader")] if index == 0 else [],
                )
            )
        secret_waits = list(args.get("secret_dependencies", []))
        namespace = k8s.core.v1.Namespace(
            f"{name}-ns",
            metadata={
                "name": cfg.namespace,
                "labels": {"pod-security.kubernetes.io/enforce": "restricted"},
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.chart = k8s.helm.v4.Chart(
            f"{name}-chart",
            name="external-secrets",
            chart="external-secrets",
            version=cfg.chart_version,
            namespace=cfg.namespace,
            repository_opts={"repo": cfg.repository},
            values=specs.helm_values(cfg),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[namespace]),
        )
        account = k8s.core.v1.ServiceAccount(
            f"{name}-sa",
            metadata={
                "name": cfg.service_account,
                "namespace": cfg.namespace,
                "annotations": pulumi.Output.all(identity.client_id, identity.tenant_id).apply(
                    lambda ids: specs.service_account_annotations(str(ids[0]), str(ids[1]))
                ),
            },
            automount_service_account_token=False,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[namespace]),
        )
        self.store_name = specs.STORE_NAME
        store = k8s.apiextensions.CustomResource(
            f"{name}-store",
            api_version=specs.API_VERSION,
            kind="ClusterSecretStore",
            metadata={"name": specs.STORE_NAME},
            spec=pulumi.Output.all(args["key_vault_uri"], identity.tenant_id).apply(
                lambda v: specs.cluster_secret_store_spec(
                    cfg, str(v[0]), str(v[1]), specs.store_namespaces(refs)
                )
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.chart, account, *grants]),
        )
        known = dict(args.get("namespaces", {}))
        for ref in refs:
            waits: list[pulumi.Resource] = [
                self.chart,
                store,
                *grants,
                *secret_waits,
                *args.get("target_dependencies", []),
            ]
            if ref.namespace in known:
                waits.append(known[ref.namespace])
            k8s.apiextensions.CustomResource(
                f"{name}-es-{ref.namespace}-{ref.name}",
                api_version=specs.API_VERSION,
                kind="ExternalSecret",
                metadata={"name": ref.name, "namespace": ref.namespace},
                spec=specs.external_secret_spec(ref),
                opts=pulumi.ResourceOptions(parent=self, depends_on=waits),
            )
        self.gateway_tls_secret_name = cfg.gateway_certificate
        self.identity_client_id = identity.client_id
        self.identity_principal_id = identity.principal_id
        self.register_outputs(
            {
                "identity_client_id": self.identity_client_id,
                "identity_principal_id": self.identity_principal_id,
            }
        )
