"""User-assigned managed identities, their federated credentials and role assignments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import authorization, managedidentity

from meshward.azure.roles import Role, role_definition_id
from meshward.naming import stable_guid

#: Audience of tokens exchanged through Entra workload identity federation.
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"


def service_account_subject(namespace: str, service_account: str) -> str:
    """The federated credential subject of a Kubernetes service account."""
    return f"system:serviceaccount:{namespace}:{service_account}"


def assign_role(
    name: str,
    *,
    role: Role,
    scope: pulumi.Input[str],
    principal_id: pulumi.Input[str],
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
    principal_type: str = "ServicePrincipal",
    aliases: Sequence[pulumi.Alias] = (),
) -> authorization.RoleAssignment:
    """Grant `role` on `scope` to a principal (by default a managed identity).

    The assignment's GUID derives from the Pulumi name, so it is stable across runs; the
    principal type is always set (`User`, `Group` or `ServicePrincipal`): it spares a freshly
    created identity the replication lag, and azure-native would otherwise send `User`.
    """
    subscription = authorization.get_client_config_output().subscription_id
    return authorization.RoleAssignment(
        name,
        role_assignment_name=stable_guid(name),
        role_definition_id=subscription.apply(lambda sub: role_definition_id(sub, role)),
        principal_id=principal_id,
        principal_type=principal_type,
        scope=scope,
        opts=pulumi.ResourceOptions(
            parent=parent, depends_on=list(depends_on), aliases=list(aliases)
        ),
    )


class Federation(TypedDict):
    """A workload-identity federation of a Kubernetes service account."""

    issuer: pulumi.Input[str]
    """The cluster's OIDC issuer URL."""
    namespace: str
    """Namespace of the service account."""
    service_account: str
    """Name of the service account."""


class ManagedIdentityArgs(TypedDict):
    """Inputs of `ManagedIdentity`."""

    identity_name: str
    """Azure name of the identity."""
    resource_group_name: pulumi.Input[str]
    """Resource group to create it in."""
    location: str
    """Azure region."""
    tags: NotRequired[Mapping[str, str]]
    """Tags on the identity."""
    federations: NotRequired[Mapping[str, Federation]]
    """Federated credentials by short name (workload identity)."""


class ManagedIdentity(pulumi.ComponentResource):
    """A user-assigned identity plus its federated credentials."""

    id: pulumi.Output[str]
    """Resource id of the identity."""
    client_id: pulumi.Output[str]
    """Client (application) id, used by workloads to ask for tokens."""
    principal_id: pulumi.Output[str]
    """Object id, the subject of role assignments."""
    tenant_id: pulumi.Output[str]
    """Entra tenant of the identity."""

    def __init__(
        self, name: str, args: ManagedIdentityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("meshward:index:ManagedIdentity", name, None, opts)
        identity = managedidentity.UserAssignedIdentity(
            f"{name}-uami",
            resource_name_=args["identity_name"],
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            tags=dict(args.get("tags", {})),
            opts=pulumi.ResourceOptions(parent=self),
        )
        previous: list[pulumi.Resource] = []
        for short, fed in sorted(args.get("federations", {}).items()):
            # Azure rejects concurrent writes of federated credentials on one identity.
            credential = managedidentity.FederatedIdentityCredential(
                f"{name}-fic-{short}",
                federated_identity_credential_resource_name=short,
                resource_name_=identity.name,
                resource_group_name=args["resource_group_name"],
                issuer=fed["issuer"],
                subject=service_account_subject(fed["namespace"], fed["service_account"]),
                audiences=[TOKEN_EXCHANGE_AUDIENCE],
                opts=pulumi.ResourceOptions(parent=self, depends_on=previous),
            )
            previous = [credential]
        self.id = identity.id
        self.client_id = identity.client_id
        self.principal_id = identity.principal_id
        self.tenant_id = identity.tenant_id
        self.register_outputs(
            {
                "id": self.id,
                "client_id": self.client_id,
                "principal_id": self.principal_id,
                "tenant_id": self.tenant_id,
            }
        )
