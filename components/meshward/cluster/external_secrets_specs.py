"""External Secrets Operator: Helm values, the Key Vault ClusterSecretStore and ExternalSecret
specs (pure)."""

from __future__ import annotations

from typing import Any

from meshward.config.keyvault import ExternalSecretRef, ExternalSecretsConfig

STORE_NAME = "azure-key-vault"
"""Name of the ClusterSecretStore every ExternalSecret reads through."""
API_VERSION = "external-secrets.io/v1"
WORKLOAD_IDENTITY_CLIENT_ID = "azure.workload.identity/client-id"
WORKLOAD_IDENTITY_TENANT_ID = "azure.workload.identity/tenant-id"


def helm_values(cfg: ExternalSecretsConfig) -> dict[str, Any]:
    """Chart values: CRDs from the chart, two replicas of the controller, no process namespace
    sharing; the controller itself holds no Azure identity (the store names one)."""
    return {
        "installCRDs": True,
        "replicaCount": 2,
        "leaderElect": True,
        "podDisruptionBudget": {"enabled": True, "minAvailable": 1},
        "serviceMonitor": {"enabled": False},
    }


def service_account_annotations(client_id: str, tenant_id: str) -> dict[str, str]:
    """Annotations binding the store's service account to the user-assigned identity."""
    return {WORKLOAD_IDENTITY_CLIENT_ID: client_id, WORKLOAD_IDENTITY_TENANT_ID: tenant_id}


def vault_objects(refs: list[ExternalSecretRef]) -> list[str]:
    """Every Key Vault secret the ExternalSecrets read (the store's identity may read only
    these), sorted and without repeats."""
    names = {ref.certificate for ref in refs if ref.certificate is not None}
    names.update(secret for ref in refs for secret in ref.keys.values())
    return sorted(names)


def store_namespaces(refs: list[ExternalSecretRef]) -> list[str]:
    """Namespaces with an ExternalSecret: the only ones the store serves."""
    return sorted({ref.namespace for ref in refs})


def cluster_secret_store_spec(
    cfg: ExternalSecretsConfig,
    vault_url: str,
    tenant_id: str,
    namespaces: list[str] | None = None,
) -> dict[str, Any]:
    """Azure Key Vault provider authenticating with workload identity via `serviceAccountRef`;
    with `namespaces`, `spec.conditions` refuses ExternalSecrets from any other namespace."""
    conditions = {} if namespaces is None else {"conditions": [{"namespaces": namespaces}]}
    return {
        **conditions,
        "provider": {
            "azurekv": {
                "authType": "WorkloadIdentity",
                "vaultUrl": vault_url,
                "tenantId": tenant_id,
                "serviceAccountRef": {"name": cfg.service_account, "namespace": cfg.namespace},
            }
        },
    }


def gateway_tls_secret(cfg: ExternalSecretsConfig, namespace: str) -> ExternalSecretRef:
    """The internal ingress gateway's TLS secret (always synced)."""
    return ExternalSecretRef(
        name=cfg.gateway_certificate,
        namespace=namespace,
        type="kubernetes.io/tls",
        certificate=cfg.gateway_certificate,
    )


def all_secrets(cfg: ExternalSecretsConfig, gateway_namespace: str) -> list[ExternalSecretRef]:
    """The gateway certificate (and client CA), plus the configured secrets, in a stable
    order."""
    refs = [gateway_tls_secret(cfg, gateway_namespace), *cfg.secrets]
    if cfg.gateway_client_ca is not None:
        refs.append(
            ExternalSecretRef(
                name=f"{cfg.gateway_certificate}-cacert",
                namespace=gateway_namespace,
                keys={"ca.crt": cfg.gateway_client_ca},
            )
        )
    return sorted(refs, key=lambda r: (r.namespace, r.name))


def external_secret_spec(ref: ExternalSecretRef) -> dict[str, Any]:
    """One ExternalSecret: Opaque keys from Key Vault secrets, or a TLS secret from a Key Vault
    certificate (its PKCS#12 secret split into `tls.crt` and `tls.key`)."""
    spec: dict[str, Any] = {
        "refreshInterval": ref.refresh_interval,
        "secretStoreRef": {"kind": "ClusterSecretStore", "name": STORE_NAME},
    }
    target: dict[str, Any] = {
        "name": ref.name,
        "creationPolicy": "Owner",
        "deletionPolicy": "Retain",
    }
    if ref.type == "kubernetes.io/tls":
        spec["data"] = [{"secretKey": "bundle", "remoteRef": {"key": f"secret/{ref.certificate}"}}]
        target["template"] = {
            "type": "kubernetes.io/tls",
            "engineVersion": "v2",
            "data": {
                "tls.crt": "{{ .bundle | b64dec | pkcs12cert }}",
                "tls.key": "{{ .bundle | b64dec | pkcs12key }}",
            },
        }
    else:
        spec["data"] = [
            {"secretKey": key, "remoteRef": {"key": f"secret/{secret}"}}
            for key, secret in sorted(ref.keys.items())
        ]
    spec["target"] = target
    return spec
