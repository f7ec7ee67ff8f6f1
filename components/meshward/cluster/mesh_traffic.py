"""`MeshTraffic`: access-log Telemetry and egress control objects, registered on the cluster.

What the objects say is decided in `telemetry_specs` and `egress_specs`; the outbound traffic
policy itself is MeshConfig and lives with the installation (`IstioMesh`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NotRequired, TypedDict

import pulumi
import pulumi_kubernetes as k8s
from pulumi_kubernetes.apiextensions import CustomResource

from meshward.cluster import egress_specs, telemetry_specs
from meshward.config.jwt import JwtIssuer
from meshward.config.mesh import MeshInstallConfig


class MeshTrafficArgs(TypedDict):
    """Inputs of `MeshTraffic`. Pass the cluster's Kubernetes provider in `opts.providers`."""

    config: MeshInstallConfig
    """The installation with its `telemetry` and `egress` settings."""
    issuers: Sequence[JwtIssuer]
    """Token issuers (their JWKS hosts are registered when Envoy fetches keys)."""
    trust_domain: str
    """Trust domain of the principals the egress gateway admits."""
    token_namespaces: Sequence[str]
    """Namespaces whose proxies validate tokens (the JWKS ServiceEntries are exported there)."""
    injection_labels: NotRequired[dict[str, str]]
    """Labels that enable sidecar injection (for the egress gateway's namespace)."""
    installation: NotRequired[Sequence[pulumi.Resource]]
    """Istio's CRDs, control plane and namespaces: every object depends on them."""


class MeshTraffic(pulumi.ComponentResource):
    """Telemetry (security access logs), ServiceEntries and the optional egress gateway."""

    object_count: pulumi.Output[int]
    """How many Istio objects the component declares."""

    def __init__(
        self, name: str, args: MeshTrafficArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("meshward:index:MeshTraffic", name, None, opts)
        mesh = args["config"]
        after = list(args.get("installation") or [])
        if mesh.egress.gateway.enabled:
            after.extend(self._egress_gateway(name, mesh, args, after))
        objects = [
            *telemetry_specs.telemetry_objects(mesh),
            *egress_specs.egress_objects(
                mesh.egress,
                args["issuers"],
                root_namespace=mesh.root_namespace,
                trust_domain=args["trust_domain"],
                token_namespaces=args["token_namespaces"],
            ),
        ]
        child = pulumi.ResourceOptions(parent=self, depends_on=after)
        for obj in objects:
            meta = obj["metadata"]
            CustomResource(
                f"{name}-{meta['namespace']}-{obj['kind'].lower()}-{meta['name']}",
                api_version=obj["apiVersion"],
                kind=obj["kind"],
                metadata=meta,
                spec=obj["spec"],
                opts=child,
            )
        self.object_count = pulumi.Output.from_input(len(objects))
        self.register_outputs({"object_count": self.object_count})

    def _egress_gateway(
        self,
        name: str,
        mesh: MeshInstallConfig,
        args: MeshTrafficArgs,
        after: list[pulumi.Resource],
    ) -> list[pulumi.Resource]:
        """Namespace and Helm release of the egress gateway (upstream Helm installs only; the
        config refuses it with the add-on)."""
        namespace = k8s.core.v1.Namespace(
            f"{name}-ns-egress",
            metadata={
                "name": mesh.egress.gateway.namespace,
                "labels": dict(args.get("injection_labels", {})),
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=after),
        )
        chart = k8s.helm.v4.Chart(
            f"{name}-egressgateway",
            name=egress_specs.EGRESS_GATEWAY_RELEASE,
            chart="gateway",
            version=mesh.helm.version,
            namespace=mesh.egress.gateway.namespace,
            repository_opts={"repo": mesh.helm.repository},
            values=egress_specs.egress_gateway_values(mesh.helm.revision),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*after, namespace]),
        )
        return [namespace, chart]
