"""Azure built-in roles meshward assigns (pure data)."""

from __future__ import annotations

from typing import Literal

Role = Literal[
    "Key Vault Secrets User",
    "Key Vault Certificate User",
    "Network Contributor",
    "Managed Identity Operator",
    "Azure Kubernetes Service RBAC Cluster Admin",
    "Private DNS Zone Contributor",
]

#: Built-in role definition GUIDs (identical in every tenant).
BUILT_IN_ROLES: dict[Role, str] = {
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Key Vault Certificate User": "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba",
    "Network Contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7",
    "Managed Identity Operator": "f1a07417-d97a-45cb-824c-7a7467783830",
    # Kubernetes data plane with Azure RBAC: full access to every namespace.
    "Azure Kubernetes Service RBAC Cluster Admin": "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
    "Private DNS Zone Contributor": "b12aa53e-6015-4669-85d0-8515ebb3ae7f",
}


def role_definition_id(subscription_id: str, role: Role) -> str:
    """The ARM id of a built-in role definition in `subscription_id`."""
    return (
        f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/"
        f"roleDefinitions/{BUILT_IN_ROLES[role]}"
    )
