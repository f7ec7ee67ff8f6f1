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


AKS_DEVICE_CODE_CLIENT_ID = "80faf920-1908-4b52-b5ef-a8e7bedfc67a"
"""The public client AKS writes into user kubeconfigs for kubelogin's device-code flow."""


def kubeconfig(cluster: str, tenant_id: str = TENANT_ID) -> str:
    """The user kubeconfig exactly as AKS returns it for an Entra ID cluster with local
    accounts disabled: an exec block running kubelogin in *device code* mode, which needs a
    person. The program must turn it into a non-interactive one before the provider sees it."""
    return f"""apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: {base64.b64encode(b"placeholder-ca").decode()}
    server: https://{cluster}.hcp.example.invalid:443
  name: {cluster}
contexts:
- context:
    cluster: {cluster}
    user: clusterUser_rg_{cluster}
  name: {cluster}
current-context: {cluster}
kind: Config
preferences: {{}}
users:
- name: clusterUser_rg_{cluster}
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - get-token
      - --environment
      - AzurePublicCloud
      - --server-id
      - 6dae42f8-4368-4678-94ff-3960e28e3630
      - --client-id
      - {AKS_DEVICE_CODE_CLIENT_ID}
      - --tenant-id
      - {tenant_id}
      - --login
      - devicecode
      command: kubelogin
      env: null
      installHint: |2

        kubelogin is not installed which is required to connect to AAD enabled cluster.

        To learn more, please go to https://aka.ms/aks/kubelogin
      interactiveMode: IfAvailable
      provideClusterInfo: false
"""
