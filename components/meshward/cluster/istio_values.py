"""Everything computed for the Istio installation (pure): namespaces, labels, Helm values,
the add-on's shared MeshConfig ConfigMap and the internal Gateway."""

from __future__ import annotations

from typing import Any

import yaml

from meshward.config.mesh import MeshInstallConfig

ADDON_INTERNAL_GATEWAY_SERVICE = "aks-istio-ingressgateway-internal"
"""The add-on's internal gateway Service (and its `istio` selector label)."""
HELM_INTERNAL_GATEWAY = "istio-ingressgateway-internal"
"""Release and Service name of the Helm internal gateway."""
HELM_EXTERNAL_GATEWAY = "istio-ingressgateway-external"
"""Release and Service name of the optional Helm external gateway."""
INTERNAL_GATEWAY_RESOURCE = "internal-gateway"
"""Name of the Istio `Gateway` APIM's traffic enters through."""
ILB_IP_ANNOTATION = "service.beta.kubernetes.io/azure-load-balancer-ipv4"
ILB_INTERNAL_ANNOTATION = "service.beta.kubernetes.io/azure-load-balancer-internal"


def ingress_selector(mesh: MeshInstallConfig) -> dict[str, str]:
    """Labels selecting the internal ingress gateway pods (Gateway and policy selectors)."""
    if mesh.install == "addon":
        return {"istio": ADDON_INTERNAL_GATEWAY_SERVICE}
    return {"istio": HELM_INTERNAL_GATEWAY.removeprefix("istio-")}


def injection_labels(mesh: MeshInstallConfig) -> dict[str, str]:
    """Namespace labels that turn on sidecar injection for the target revision. The add-on
    ignores `istio-injection=enabled`; it needs `istio.io/rev`."""
    if mesh.install == "addon" or mesh.helm.revision:
        return {"istio.io/rev": mesh.revision}
    return {"istio-injection": "enabled"}


def shared_configmap_name(revision: str) -> str:
    """The add-on's MeshConfig ConfigMap of one revision."""
    return f"istio-shared-configmap-{revision}"


def mesh_config(mesh: MeshInstallConfig) -> dict[str, Any]:
    """MeshConfig: the configured overrides plus the egress policy
    (`outboundTrafficPolicy`, which the add-on lists as supported in its shared ConfigMap);
    Helm installs also set the trust domain (the add-on blocks `trustDomain` and always uses
    `cluster.local`)."""
    config = {
        **mesh.mesh_config,
        "outboundTrafficPolicy": {"mode": mesh.egress.outbound_traffic_policy},
    }
    if mesh.install == "addon":
        return config
    return {**config, "trustDomain": mesh.trust_domain}


def shared_configmap_data(mesh: MeshInstallConfig) -> dict[str, str]:
    """`data` of `istio-shared-configmap-<revision>`: the MeshConfig as YAML under `mesh`."""
    return {"mesh": yaml.safe_dump(mesh_config(mesh), sort_keys=True)}


def gateway_service_annotations(mesh: MeshInstallConfig, *, internal: bool) -> dict[str, str]:
    """Service annotations: internal load balancer on the static IP the private DNS points at."""
    if not internal:
        return {}
    return {ILB_INTERNAL_ANNOTATION: "true", ILB_IP_ANNOTATION: mesh.ingress.internal_ip}


def addon_gateway_service_annotations(mesh: MeshInstallConfig) -> dict[str, str]:
    """Annotations patched onto the add-on's internal gateway Service: only the static IP. The
    add-on already makes that Service an internal load balancer, and
    `azure-load-balancer-internal` is not on its allow-list of customisable annotations
    (MicrosoftDocs/azure-aks-docs articles/aks/istio-deploy-ingress.md, "Annotations")."""
    return {ILB_IP_ANNOTATION: mesh.ingress.internal_ip}


def base_values(mesh: MeshInstallConfig) -> dict[str, Any]:
    """Values of the `base` chart (CRDs). `Fail` keeps server-side apply from fighting istiod
    over the webhook's failure policy."""
    return {
        "defaultRevision": mesh.helm.revision or "default",
        "base": {"validationFailurePolicy": "Fail"},
    }


def istiod_values(mesh: MeshInstallConfig) -> dict[str, Any]:
    """Values of the `istiod` chart: revision, MeshConfig, HA control plane."""
    values: dict[str, Any] = {
        "meshConfig": mesh_config(mesh),
        "pilot": {"autoscaleMin": 2, "replicaCount": 2},
        "global": {"istioNamespace": mesh.root_namespace},
        # The istiod chart renders its own `istio-validator-*` webhook; like `base`, it must
        # render `Fail` or each server-side apply fights istiod over `failurePolicy`.
        "base": {"validationFailurePolicy": "Fail"},
    }
    if mesh.egress.jwks_fetched_by == "envoy":
        # Each proxy fetches the JWKS itself (egress_specs registers the hosts).
        values["pilot"]["env"] = {"PILOT_JWT_ENABLE_REMOTE_JWKS": "envoy"}
    if mesh.helm.revision:
        values["revision"] = mesh.helm.revision
    return values


def gateway_values(mesh: MeshInstallConfig, *, internal: bool) -> dict[str, Any]:
    """Values of one `gateway` chart release."""
    name = HELM_INTERNAL_GATEWAY if internal else HELM_EXTERNAL_GATEWAY
    values: dict[str, Any] = {
        "labels": {"istio": name.removeprefix("istio-")},
        "service": {
            "type": "LoadBalancer",
            "annotations": gateway_service_annotations(mesh, internal=internal),
            "externalTrafficPolicy": "Local",
        },
        "autoscaling": {"minReplicas": 2},
        "podDisruptionBudget": {"minAvailable": 1},
    }
    if mesh.helm.revision:
        values["revision"] = mesh.helm.revision
    return values


def addon_gateway_service_spec() -> dict[str, Any]:
    """Spec fields patched onto the add-on's internal gateway Service: `Local` keeps the
    caller's address (APIM's), so the gateway's AuthorizationPolicy can check it; `Cluster`
    would replace it with a node's address."""
    return {"externalTrafficPolicy": "Local"}


def gateway_source_policy_spec(mesh: MeshInstallConfig, source_cidrs: list[str]) -> dict[str, Any]:
    """AuthorizationPolicy on the internal gateway: ALLOW only from `source_cidrs` (the APIM
    subnet), so nothing else in the VNet gets through even past the NSG."""
    return {
        "selector": {"matchLabels": ingress_selector(mesh)},
        "action": "ALLOW",
        "rules": [{"from": [{"source": {"ipBlocks": sorted(source_cidrs)}}]}],
    }


def gateway_source_policy(mesh: MeshInstallConfig, source_cidrs: list[str]) -> dict[str, Any]:
    """The whole AuthorizationPolicy object of `gateway_source_policy_spec`, as `IstioMesh`
    registers it."""
    return {
        "apiVersion": "security.istio.io/v1",
        "kind": "AuthorizationPolicy",
        "metadata": {
            "name": f"{INTERNAL_GATEWAY_RESOURCE}-sources",
            "namespace": mesh.ingress_namespace,
            "labels": {"app.kubernetes.io/managed-by": "meshward"},
        },
        "spec": gateway_source_policy_spec(mesh, source_cidrs),
    }


def internal_gateway_spec(
    mesh: MeshInstallConfig,
    hostname: str,
    credential_name: str,
    client_subject: str | None = None,
) -> dict[str, Any]:
    """The Istio `Gateway` APIM calls: HTTPS only, certificate from the synced TLS secret.
    With `client_subject`, mutual TLS: the client must present a certificate issued by the CA in
    `<credentialName>-cacert` (`ca.crt`) whose SAN is `client_subject` (APIM's)."""
    tls: dict[str, Any] = {
        "mode": "SIMPLE",
        "credentialName": credential_name,
        "minProtocolVersion": "TLSV1_2",
    }
    if client_subject is not None:
        tls |= {"mode": "MUTUAL", "subjectAltNames": [client_subject]}
    return {
        "selector": ingress_selector(mesh),
        "servers": [
            {
                "port": {"number": 443, "name": "https", "protocol": "HTTPS"},
                "hosts": [hostname],
                "tls": tls,
            }
        ],
    }
