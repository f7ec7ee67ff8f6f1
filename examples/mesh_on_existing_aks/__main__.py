"""Mesh security on an AKS cluster that meshward did not create.

The cluster already runs Istio (here the AKS add-on). This stack only declares the security
objects compiled from the intent in the stack config: a mesh-wide STRICT PeerAuthentication,
deny-by-default AuthorizationPolicies, JWT rules and NetworkPolicies.

Which cluster: with `clusterId` set, a Kubernetes provider is built from that cluster's Entra ID
user credentials (`meshward.Aks` reads the cluster, it does not manage it); without it, Pulumi's
default Kubernetes provider (your current kubeconfig context) is used.
"""

import pulumi

from meshward import Aks, JwtIssuer, MeshIntent, MeshSecurity

config = pulumi.Config()
intent = MeshIntent.model_validate(config.require_object("mesh"))
issuers = [JwtIssuer.model_validate(i) for i in config.get_object("jwtIssuers") or []]

cluster_id = config.get("clusterId")
provider = Aks("cluster", {"existing_cluster_id": cluster_id}).provider if cluster_id else None

security = MeshSecurity(
    "mesh-security",
    {
        "intent": intent,
        "issuers": issuers,
        # The facts of the Istio installation (defaults: the AKS add-on's).
        "root_namespace": config.get("rootNamespace") or "aks-istio-system",
        "trust_domain": config.get("trustDomain") or "cluster.local",
        "ingress_namespace": config.get("ingressNamespace") or "aks-istio-ingress",
        # What the cluster's MeshConfig says; deny rules on paths need slash merging.
        "path_normalization": config.get("pathNormalization") or "BASE",
        "kubernetes_provider": provider,
    },
)
pulumi.export("objectCount", security.object_count)
