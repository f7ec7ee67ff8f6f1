"""Istio on AKS: the managed add-on or upstream Helm charts, behind one typed choice."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NotRequired, TypedDict, cast

import pulumi
import pulumi_kubernetes as k8s

from meshward.cluster import istio_values as values
from meshward.cluster.provider import with_provider
from meshward.config.mesh import (
    ADDON_INGRESS_NAMESPACE,
    HELM_INGRESS_NAMESPACE,
    MeshInstallConfig,
)


class IstioMeshArgs(TypedDict):
    """Inputs of `IstioMesh`."""

    config: MeshInstallConfig
    """How Istio is installed."""
    cluster: NotRequired[pulumi.Resource]
    """The AKS cluster resource, when this program manages it (for the add-on, the resource
    that installs Istio). Leave it out for a cluster made elsewhere (its add-on enabled there)."""
    gateway_hostname: str
    """Host name APIM calls the internal gateway by."""
    gateway_credential_name: str
    """TLS secret of the internal gateway (in the ingress namespace)."""
    gateway_client_subject: NotRequired[str]
    """DNS SAN of the client certificate the gateway requires (mutual TLS, CA from
    `<credential>-cacert`); without it the gateway is server-side TLS only."""
    gateway_source_cidrs: NotRequired[Sequence[str]]
    """Only these source ranges may call the gateway (an AuthorizationPolicy on it)."""
    workload_namespaces: NotRequired[Sequence[str]]
    """Namespaces to create with sidecar injection on."""
    kubernetes_provider: NotRequired[pulumi.ProviderResource | None]
    """Provider of the target cluster. Default: the provider in `opts.providers`, else
    Pulumi's default Kubernetes provider (the ambient kubeconfig)."""


class IstioMesh(pulumi.ComponentResource):
    """The Istio installation and what mesh-security code needs to know about it."""

    root_namespace: str
    """Istio root namespace: `aks-istio-system` (add-on) or `istio-system` (Helm)."""
    trust_domain: str
    """SPIFFE trust domain."""
    revision: str
    """Revision workloads are injected with (empty for the default Helm revision)."""
    ingress_namespace: str
    """Namespace of the ingress gateways."""
    ingress_selector: dict[str, str]
    """Labels selecting the internal ingress gateway."""
    injection_labels: dict[str, str]
    """Labels that enable injection on a namespace."""
    gateway_name: str
    """`<namespace>/<name>` of the internal Istio Gateway (for VirtualServices)."""
    installation: list[pulumi.Resource]
    """Resources that install the Istio CRDs and control plane: every Istio custom resource
    must `depends_on` these."""
    namespaces: dict[str, k8s.core.v1.Namespace]
    """Namespaces this component created with injection labels (workloads, Helm gateways)."""

    def __init__(
        self, name: str, args: IstioMeshArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(
            "meshward:index:IstioMesh",
            name,
            None,
            with_provider(opts, args.get("kubernetes_provider")),
        )
        mesh = args["config"]
        cluster = args.get("cluster")
        self.root_namespace = mesh.root_namespace
        self.trust_domain = mesh.trust_domain
        self.revision = mesh.revision
        self.ingress_namespace = mesh.ingress_namespace
        self.ingress_selector = values.ingress_selector(mesh)
        self.injection_labels = values.injection_labels(mesh)
        self.gateway_name = f"{self.ingress_namespace}/{values.INTERNAL_GATEWAY_RESOURCE}"
        self.namespaces = {}

        if mesh.install == "addon":
            self.installation = [cluster] if cluster is not None else []
            self._configure_addon(name, mesh)
        else:
            self.installation = self._install_helm(name, mesh, cluster)

        k8s.apiextensions.CustomResource(
            f"{name}-internal-gateway",
            api_version="networking.istio.io/v1",
            kind="Gateway",
            metadata={
                "name": values.INTERNAL_GATEWAY_RESOURCE,
                "namespace": self.ingress_namespace,
            },
            spec=values.internal_gateway_spec(
                mesh,
                args["gateway_hostname"],
                args["gateway_credential_name"],
                args.get("gateway_client_subject"),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=self.installation),
        )
        if args.get("gateway_source_cidrs"):
            policy = values.gateway_source_policy(mesh, list(args.get("gateway_source_cidrs", [])))
            k8s.apiextensions.CustomResource(
                f"{name}-internal-gateway-sources",
                api_version=policy["apiVersion"],
                kind=policy["kind"],
                metadata=policy["metadata"],
                spec=policy["spec"],
                opts=pulumi.ResourceOptions(parent=self, depends_on=self.installation),
            )
        for ns in sorted(set(args.get("workload_namespaces", [])) - set(self.namespaces)):
            self.namespaces[ns] = k8s.core.v1.Namespace(
                f"{name}-ns-{ns}",
                metadata={"name": ns, "labels": dict(self.injection_labels)},
                opts=pulumi.ResourceOptions(parent=self, depends_on=self.installation),
            )
        self.register_outputs(
            {
                "root_namespace": self.root_namespace,
                "trust_domain": self.trust_domain,
                "revision": self.revision,
                "ingress_namespace": self.ingress_namespace,
            }
        )

    def _configure_addon(self, name: str, mesh: MeshInstallConfig) -> None:
        # One shared MeshConfig per revision: during a canary both revisions get the same one.
        for revision in mesh.revisions:
            k8s.core.v1.ConfigMap(
                f"{name}-meshconfig-{revision}",
                metadata={
                    "name": values.shared_configmap_name(revision),
                    "namespace": mesh.root_namespace,
                },
                data=values.shared_configmap_data(mesh),
                opts=pulumi.ResourceOptions(parent=self, depends_on=self.installation),
            )
        # The add-on owns the gateway Service; only allow-listed annotations may be patched.
        k8s.core.v1.ServicePatch(
            f"{name}-internal-gateway-ip",
            metadata={
                "name": values.ADDON_INTERNAL_GATEWAY_SERVICE,
                "namespace": ADDON_INGRESS_NAMESPACE,
                "annotations": values.addon_gateway_service_annotations(mesh),
            },
            spec=cast(Any, values.addon_gateway_service_spec()),
            opts=pulumi.ResourceOptions(parent=self, depends_on=self.installation),
        )

    def _install_helm(
        self, name: str, mesh: MeshInstallConfig, cluster: pulumi.Resource | None
    ) -> list[pulumi.Resource]:
        after_cluster = [cluster] if cluster is not None else []
        system = k8s.core.v1.Namespace(
            f"{name}-ns-system",
            metadata={"name": mesh.root_namespace},
            opts=pulumi.ResourceOptions(parent=self, depends_on=after_cluster),
        )
        ingress = k8s.core.v1.Namespace(
            f"{name}-ns-ingress",
            metadata={"name": HELM_INGRESS_NAMESPACE, "labels": self.injection_labels},
            opts=pulumi.ResourceOptions(parent=self, depends_on=after_cluster),
        )
        self.namespaces[HELM_INGRESS_NAMESPACE] = ingress

        def chart(
            suffix: str,
            release: str,
            chart_name: str,
            namespace: str,
            chart_values: dict[str, Any],
            after: list[pulumi.Resource],
        ) -> pulumi.Resource:
            # One pinned version and repository for every Istio chart: they must move together.
            return k8s.helm.v4.Chart(
                f"{name}-{suffix}",
                name=release,
                chart=chart_name,
                version=mesh.helm.version,
                namespace=namespace,
                repository_opts={"repo": mesh.helm.repository},
                values=chart_values,
                opts=pulumi.ResourceOptions(parent=self, depends_on=after),
            )

        root = mesh.root_namespace
        base = chart("base", "istio-base", "base", root, values.base_values(mesh), [system])
        istiod_release = f"istiod-{mesh.helm.revision}" if mesh.helm.revision else "istiod"
        istiod = chart("istiod", istiod_release, "istiod", root, values.istiod_values(mesh), [base])
        gateways = [(values.HELM_INTERNAL_GATEWAY, True)]
        if mesh.ingress.external:
            gateways.append((values.HELM_EXTERNAL_GATEWAY, False))
        for release, internal in gateways:
            chart(
                release.removeprefix("istio-"),
                release,
                "gateway",
                HELM_INGRESS_NAMESPACE,
                values.gateway_values(mesh, internal=internal),
                [istiod, ingress],
            )
        return [base, istiod]
