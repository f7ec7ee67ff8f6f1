"""Obvious placeholder values the mock engine hands back instead of Azure's answers."""

from __future__ import annotations

import base64
import hashlib

SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
TENANT_ID = "00000000-0000-0000-0000-000000000001"
CLIENT_ID = "00000000-0000-0000-0000-000000000002"
OBJECT_ID = "00000000-0000-0000-0000-000000000003"
SECRET_PLACEHOLDER = "[secret]"


def fake_guid(seed: str) -> str:
    """A GUID-shaped value derived from `seed`, starting with zeros so nobody mistakes it."""
    digest = hashlib.sha256(seed.encode()).hexdigest()
    return f"00000000-0000-4000-8000-{digest[:12]}"


def fake_ip(seed: str, prefix: str = "10.255") -> str:
    """A stable private IPv4 address derived from `seed`."""
    digest = hashlib.sha256(seed.encode()).digest()
    return f"{prefix}.{digest[0]}.{max(digest[1], 4)}"


def kubeconfig(cluster: str) -> str:
    """An exec (kubelogin) kubeconfig, as AKS returns for Entra ID clusters."""
    return f"""apiVersion: v1
kind: Config
clusters:
- name: {cluster}
  cluster:
    server: https://{cluster}.hcp.example.invalid:443
    certificate-authority-data: {base64.b64encode(b"placeholder-ca").decode()}
contexts:
- name: {cluster}
  context: {{cluster: {cluster}, user: clusterUser_{cluster}}}
current-context: {cluster}
users:
- name: clusterUser_{cluster}
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubelogin
      args: [get-token, --login, azurecli, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630]
"""
