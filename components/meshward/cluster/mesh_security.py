"""`MeshSecurity`: the compiled mesh security objects, registered on the cluster.

It needs only the facts of an Istio installation (root namespace, trust domain, ingress
namespace, path normalization), so it works on any cluster running Istio, including one
meshward did not create: pass `kubernetes_provider`, or none for Pulumi's default provider.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
from pulumi_kubernetes.apiextensions import CustomResource
from pulumi_kubernetes.meta.v1 import ObjectMetaArgs
from pulumi_kubernetes.networking.v1 import NetworkPolicy

from meshward.cluster.provider import with_provider
from meshward.config.jwt import JwtIssuer
from meshward.mesh.compiler import compile_mesh
from meshward.mesh.intent import MeshIntent, mesh_problem
from meshward.mesh.network_policy import compile_network_policies
from meshward.phases import phase


class MeshSecurityArgs(TypedDict):
    """Inputs of `MeshSecurity`."""

    intent: MeshIntent
    """The validated mesh intent (`platform.mesh`)."""
    issuers: Sequence[JwtIssuer]
    """`platform.jwtIssuers` (the same issuers APIM validates)."""
    root_namespace: str
    """The Istio installation's root namespace (`aks-istio-system` for the AKS add-on,
    `istio-system` for upstream Helm, or whatever `istiod --rootNamespace` says)."""
    trust_domain: str
    """The mesh trust domain principals are written in (MeshConfig `trustDomain`)."""
    ingress_namespace: str
    """Namespace of the ingress gateways (`from.ingressGateway`): `aks-istio-ingress` for the
    add-on, wherever the gateway runs otherwise."""
    path_normalization: NotRequired[str]
    """MeshConfig `pathNormalization.normalization` of the cluster. Default: the intent's own
    setting when it is a `MeshConfig`, else Istio's default `BASE` (deny paths then refuse to
    compile, because `//admin` would bypass them)."""
    installation: NotRequired[Sequence[pulumi.Resource]]
    """Resources that install Istio's CRDs and istiod, and any other the objects must wait
    for (e.g. the cluster's admin grants); every object depends on them."""
    namespaces: NotRequired[Mapping[str, pulumi.Resource]]
    """Namespaces created alongside, by name: each object depends on its own namespace only
    (depending on all of them would add objects × namespaces edges: 8.5 million at 5,000
    workloads, every one of them in the Pulumi state)."""
    kubernetes_provider: NotRequired[pulumi.ProviderResource | None]
    """Provider of the target cluster. Default: the provider in `opts.providers`, else
    Pulumi's default Kubernetes provider (the ambient kubeconfig)."""


def _meta(obj: dict[str, Any]) -> ObjectMetaArgs:
    meta = obj["metadata"]
    return ObjectMetaArgs(
        name=meta["name"],
        namespace=meta["namespace"],
        labels=meta.get("labels"),
        annotations=meta.get("annotations"),
    )


class MeshSecurity(pulumi.ComponentResource):
    """PeerAuthentication, RequestAuthentication, AuthorizationPolicy and NetworkPolicy objects
    compiled from the mesh intent (`meshward.mesh.compiler`)."""

    object_count: pulumi.Output[int]
    """How many Kubernetes objects the component declares."""

    def __init__(
        self, name: str, args: MeshSecurityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(
            "meshward:index:MeshSecurity",
            name,
            None,
            with_provider(opts, args.get("kubernetes_provider")),
        )
        installation = list(args.get("installation") or [])
        intent = args["intent"]
        # The same cross-checks the stack config runs, against this cluster's facts.
        with phase("mesh-checks"):
            problem = mesh_problem(
                intent,
                args["issuers"],
                root_namespace=args["root_namespace"],
                ingress_namespace=args["ingress_namespace"],
                path_normalization=args.get(
                    "path_normalization", str(getattr(intent, "path_normalization", "BASE"))
                ),
            )
        if problem is not None:
            raise ValueError(f"MeshSecurity {name}: {problem}")
        with phase("compile"):
            istio_objects = compile_mesh(
                args["intent"],
                args["issuers"],
                root_namespace=args["root_namespace"],
                trust_domain=args["trust_domain"],
                ingress_namespace=args["ingress_namespace"],
            )
        with phase("network-policies"):
            network_policies = compile_network_policies(
                args["intent"], ingress_namespace=args["ingress_namespace"]
            )
        # Istio's CRDs come from the installation and each object's namespace from the
        # namespaces: nothing here may race them, and each is deleted before them.
        namespaces = args.get("namespaces") or {}
        children: dict[str, pulumi.ResourceOptions] = {}

        def child(namespace: str) -> pulumi.ResourceOptions:
            if namespace not in children:
                own = [namespaces[namespace]] if namespace in namespaces else []
                children[namespace] = pulumi.ResourceOptions(
                    parent=self, depends_on=[*installation, *own]
                )
            return children[namespace]

        for obj in istio_objects:
            meta = obj["metadata"]
            CustomResource(
                f"{name}-{meta['namespace']}-{obj['kind'].lower()}-{meta['name']}",
                api_version=obj["apiVersion"],
                kind=obj["kind"],
                metadata=_meta(obj),
                spec=obj["spec"],
                opts=child(meta["namespace"]),
            )
        for obj in network_policies:
            meta = obj["metadata"]
            NetworkPolicy(
                f"{name}-{meta['namespace']}-networkpolicy-{meta['name']}",
                metadata=_meta(obj),
                spec=obj["spec"],
                opts=child(meta["namespace"]),
            )
        self.object_count = pulumi.Output.from_input(len(istio_objects) + len(network_policies))
        self.register_outputs({"object_count": self.object_count})
