"""External Secrets: pure specs and the planned wiring."""

from __future__ import annotations

from typing import Any

from meshward.cluster import external_secrets_specs as specs
from meshward.config.keyvault import ExternalSecretRef, ExternalSecretsConfig
from meshward.versions import EXTERNAL_SECRETS_CHART_VERSION
from tests.support import one, resources_of

ES = "kubernetes:external-secrets.io/v1:ExternalSecret"
STORE = "kubernetes:external-secrets.io/v1:ClusterSecretStore"


def test_store_uses_workload_identity_through_its_service_account() -> None:
    spec = specs.cluster_secret_store_spec(ExternalSecretsConfig(), "https://v/", "tenant")
    azure = spec["provider"]["azurekv"]
    assert azure["authType"] == "WorkloadIdentity"
    assert azure["serviceAccountRef"] == {
        "name": "eso-keyvault-reader",
        "namespace": "external-secrets",
    }


def test_tls_secrets_come_from_a_key_vault_certificate() -> None:
    ref = specs.gateway_tls_secret(ExternalSecretsConfig(), "aks-istio-ingress")
    spec = specs.external_secret_spec(ref)
    assert spec["data"] == [
        {"secretKey": "bundle", "remoteRef": {"key": "secret/mesh-gateway-tls"}}
    ]
    assert spec["target"]["template"]["type"] == "kubernetes.io/tls"


def test_opaque_secrets_map_keys_to_vault_secrets() -> None:
    ref = ExternalSecretRef(name="db", namespace="orders", keys={"password": "orders-db"})
    assert specs.external_secret_spec(ref)["data"] == [
        {"secretKey": "password", "remoteRef": {"key": "secret/orders-db"}}
    ]


def test_identity_is_federated_with_the_cluster_issuer(dev_plan: dict[str, Any]) -> None:
    federated = [
        r
        for r in resources_of(dev_plan, "azure-native:managedidentity:FederatedIdentityCredential")
        if "eso" in r["name"]
    ]
    (credential,) = federated
    assert credential["inputs"]["subject"] == (
        "system:serviceaccount:external-secrets:eso-keyvault-reader"
    )
    assert credential["inputs"]["audiences"] == ["api://AzureADTokenExchange"]
    assert credential["inputs"]["issuer"].startswith("https://oidc.example.invalid/")


def test_custom_resources_depend_on_the_chart_that_installs_their_crds(
    dev_plan: dict[str, Any],
) -> None:
    (chart,) = [
        r
        for r in resources_of(dev_plan, "kubernetes:helm.sh/v4:Chart")
        if r["inputs"]["chart"] == "external-secrets"
    ]
    assert chart["inputs"]["version"] == EXTERNAL_SECRETS_CHART_VERSION == "2.10.0"
    assert chart["inputs"]["values"]["installCRDs"] is True
    store = one(dev_plan, STORE)
    secrets = resources_of(dev_plan, ES)
    assert secrets
    for resource in [store, *secrets]:
        assert chart["urn"] in resource["dependencies"]
    gateway_tls = next(s for s in secrets if s["inputs"]["metadata"]["name"] == "mesh-gateway-tls")
    assert gateway_tls["inputs"]["metadata"]["namespace"] == "aks-istio-ingress"


def test_store_conditions_and_vault_objects_come_from_the_synced_secrets() -> None:
    from meshward.cluster import external_secrets_specs as specs
    from meshward.config.keyvault import ExternalSecretRef, ExternalSecretsConfig

    cfg = ExternalSecretsConfig(
        gateway_client_ca="internal-ca",
        secrets=[ExternalSecretRef(name="t", namespace="orders", keys={"token": "orders-token"})],
    )
    refs = specs.all_secrets(cfg, "aks-istio-ingress")
    assert specs.store_namespaces(refs) == ["aks-istio-ingress", "orders"]
    assert specs.vault_objects(refs) == ["internal-ca", "mesh-gateway-tls", "orders-token"]
    spec = specs.cluster_secret_store_spec(cfg, "https://kv/", "tenant", ["orders"])
    assert spec["conditions"] == [{"namespaces": ["orders"]}]
