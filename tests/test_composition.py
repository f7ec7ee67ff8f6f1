"""Components compose from outside: existing resources by ID, any cluster running Istio."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pytest
from pulumi.runtime import settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from meshward import Aks, IstioMesh, KeyVault, MeshSecurity, Network, Platform
from meshward.config.mesh import MeshInstallConfig
from meshward.engine.mocks import PlanMocks
from meshward.mesh.intent import MeshIntent
from tests.support import stack_platform

SUB = "/subscriptions/11111111-2222-3333-4444-555555555555"
CLUSTER_ID = (
    f"{SUB}/resourceGroups/team-rg/providers/Microsoft.ContainerService/managedClusters/aks1"
)
VAULT_ID = f"{SUB}/resourceGroups/kv-rg/providers/Microsoft.KeyVault/vaults/team-kv"
VNET_ID = f"{SUB}/resourceGroups/net-rg/providers/Microsoft.Network/virtualNetworks/hub"
ADDON_FACTS = {
    "root_namespace": "aks-istio-system",
    "trust_domain": "cluster.local",
    "ingress_namespace": "aks-istio-ingress",
}


@dataclass
class Seen:
    """What the engine was asked: registrations (creates), reads and invokes."""

    created: list[pulumi.runtime.MockResourceArgs] = field(default_factory=list)
    read: list[pulumi.runtime.MockResourceArgs] = field(default_factory=list)
    calls: list[pulumi.runtime.MockCallArgs] = field(default_factory=list)

    def types(self) -> list[str]:
        return [a.typ for a in self.created]

    def of(self, typ: str) -> list[pulumi.runtime.MockResourceArgs]:
        return [a for a in self.created if a.typ == typ]


class _Recording(PlanMocks):
    def __init__(self, seen: Seen) -> None:
        self.seen = seen

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        (self.seen.read if args.resource_id else self.seen.created).append(args)
        return super().new_resource(args)

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        self.seen.calls.append(args)
        return super().call(args)


def run(program: Callable[[], None]) -> Seen:
    """Run `program` under Pulumi's mock engine; return what it asked the engine for."""
    seen = Seen()
    settings.ROOT.set(None)
    pulumi.runtime.set_mocks(_Recording(seen), project="compose", stack="test", preview=False)
    settings.SETTINGS.rpc_manager.clear()
    settings.SETTINGS.outputs.clear()
    _sync_await(run_pulumi_func(program))
    return seen


def intent(**extra: Any) -> MeshIntent:
    return MeshIntent.model_validate(
        {
            "workloads": [{"name": "api", "namespace": "shop", "ports": [{"port": 8080}]}],
            "access": [
                {
                    "name": "self",
                    "from": {"workloads": ["shop/api"]},
                    "to": {"workloads": ["shop/api"]},
                }
            ],
            **extra,
        }
    )


def test_existing_cluster_is_read_not_created_and_gets_a_provider() -> None:
    seen = run(lambda: Aks("team", {"existing_cluster_id": CLUSTER_ID}) and None)
    assert seen.types() == ["meshward:index:Aks", "pulumi:providers:kubernetes"]
    assert [(r.typ, r.resource_id) for r in seen.read] == [
        ("azure-native:containerservice:ManagedCluster", CLUSTER_ID)
    ]
    (creds,) = [c for c in seen.calls if c.token.endswith("listManagedClusterUserCredentials")]
    assert creds.args["resourceGroupName"] == "team-rg"


def test_creating_a_cluster_names_the_missing_arguments() -> None:
    with pytest.raises(
        ValueError, match=r"AksArgs: config, mesh, base_name, .*existing_cluster_id"
    ):
        run(lambda: Aks("team", {"resource_group_name": "rg"}) and None)


def test_existing_vault_gets_readers_and_secrets_only() -> None:
    def program() -> None:
        KeyVault(
            "kv",
            {
                "existing_vault_id": VAULT_ID,
                "secret_readers": {"app": "principal-1"},
                "seed_secrets": {"token": pulumi.Output.secret("s3cret")},
            },
        )

    seen = run(program)
    assert "azure-native:keyvault:Vault" not in seen.types()
    assert "azure-native:network:PrivateEndpoint" not in seen.types()
    assert [r.resource_id for r in seen.read] == [VAULT_ID]
    (grant,) = seen.of("azure-native:authorization:RoleAssignment")
    assert grant.inputs["scope"] == VAULT_ID
    (secret,) = seen.of("azure-native:keyvault:Secret")
    assert secret.inputs["resourceGroupName"] == "kv-rg"


def test_existing_vnet_gets_only_private_dns() -> None:
    def program() -> None:
        Network(
            "edge",
            {
                "existing": {"vnet_id": VNET_ID, "apim_subnet_id": f"{VNET_ID}/subnets/apim"},
                "base_name": "edge",
                "resource_group_name": "edge-rg",
                "location": "westeurope",
                "private_dns_zones": ["internal.example"],
            },
        )

    seen = run(program)
    assert not seen.of("azure-native:network:VirtualNetwork")
    assert not seen.of("azure-native:network:Subnet")
    (link,) = seen.of("azure-native:privatedns:VirtualNetworkLink")
    assert link.inputs["virtualNetwork"] == {"id": VNET_ID}


def test_mesh_security_registers_every_object_through_the_given_provider() -> None:
    def program() -> None:
        provider = pulumi.ProviderResource("kubernetes", "theirs", {})
        MeshSecurity(
            "ms",
            {"intent": intent(), "issuers": [], "kubernetes_provider": provider, **ADDON_FACTS},
        )

    seen = run(program)
    objects = [
        a for a in seen.created if a.typ.startswith("kubernetes:") and "provider" not in a.typ
    ]
    assert {a.typ.rsplit(":", 1)[-1] for a in objects} == {
        "PeerAuthentication",
        "AuthorizationPolicy",
        "NetworkPolicy",
    }
    assert all("::theirs::" in (a.provider or "") for a in objects)


def test_mesh_security_without_a_provider_uses_the_default_one() -> None:
    seen = run(
        lambda: MeshSecurity("ms", {"intent": intent(), "issuers": [], **ADDON_FACTS}) and None
    )
    policies = seen.of("kubernetes:security.istio.io/v1:AuthorizationPolicy")
    assert policies and all(not p.provider or "default" in p.provider for p in policies)


def test_mesh_security_refuses_deny_paths_on_a_cluster_without_slash_merging() -> None:
    deny = {"deny": [{"name": "no-admin", "to": {"workloads": ["shop/api"], "paths": ["/admin"]}}]}
    with pytest.raises(ValueError, match="MERGE_SLASHES"):
        run(
            lambda: (
                MeshSecurity("ms", {"intent": intent(**deny), "issuers": [], **ADDON_FACTS})
                and None
            )
        )
    seen = run(
        lambda: (
            MeshSecurity(
                "ms",
                {
                    "intent": intent(**deny),
                    "issuers": [],
                    "path_normalization": "MERGE_SLASHES",
                    **ADDON_FACTS,
                },
            )
            and None
        )
    )
    assert seen.of("kubernetes:security.istio.io/v1:AuthorizationPolicy")


def test_mesh_security_writes_principals_in_the_given_trust_domain() -> None:
    facts = {**ADDON_FACTS, "trust_domain": "corp.example", "root_namespace": "istio-config"}
    seen = run(lambda: MeshSecurity("ms", {"intent": intent(), "issuers": [], **facts}) and None)
    (allow,) = [
        p
        for p in seen.of("kubernetes:security.istio.io/v1:AuthorizationPolicy")
        if p.inputs["metadata"]["name"] == "api-allow"
    ]
    assert "corp.example/ns/shop/sa/api" in str(allow.inputs["spec"])
    (mtls,) = seen.of("kubernetes:security.istio.io/v1:PeerAuthentication")
    assert mtls.inputs["metadata"]["namespace"] == "istio-config"


def test_istio_on_a_cluster_made_elsewhere_depends_on_nothing_of_ours() -> None:
    def program() -> None:
        IstioMesh(
            "mesh",
            {
                "config": MeshInstallConfig(),
                "gateway_hostname": "mesh.internal.example",
                "gateway_credential_name": "mesh-tls",
                "workload_namespaces": ["shop"],
            },
        )

    seen = run(program)
    assert seen.of("kubernetes:networking.istio.io/v1:Gateway")
    assert seen.of("kubernetes:core/v1:Namespace")
    assert not [t for t in seen.types() if t.startswith("azure-native:")]


def test_platform_builds_in_an_existing_resource_group() -> None:
    from meshward.config import parse_platform_config

    config = parse_platform_config(stack_platform("dev"))
    seen = run(
        lambda: Platform("mw-dev", {"config": config, "resource_group_name": "given-rg"}) and None
    )
    assert not seen.of("azure-native:resources:ResourceGroup")
    groups = {
        a.inputs["resourceGroupName"] for a in seen.created if "resourceGroupName" in a.inputs
    }
    assert groups == {"given-rg"}


def test_resource_ids_are_parsed_case_insensitively_and_bad_ones_named() -> None:
    from meshward.azure.existing import name_of, resource_group_of

    assert resource_group_of(CLUSTER_ID.replace("resourceGroups", "resourcegroups")) == "team-rg"
    assert name_of(VAULT_ID) == "team-kv"
    with pytest.raises(ValueError, match="'team-kv' is not an Azure resource ID"):
        resource_group_of("team-kv")
