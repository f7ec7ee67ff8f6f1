"""The device-code kubeconfig AKS returns becomes one that never waits for a person."""

from __future__ import annotations

import pytest
import yaml

from meshward.azure.kubeconfig import (
    AKS_SERVER_ID,
    LOGIN_MODES,
    KubeconfigError,
    LoginMode,
    is_interactive,
    noninteractive_kubeconfig,
)
from meshward.engine.placeholders import AKS_DEVICE_CODE_CLIENT_ID, kubeconfig

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
AKS_KUBECONFIG = kubeconfig("mw-dev-aks", TENANT)
"""Byte for byte the shape `listClusterUserCredential` returns for an Entra ID cluster."""


def _exec(doc: str) -> dict[str, object]:
    user = yaml.safe_load(doc)["users"][0]["user"]
    assert isinstance(user["exec"], dict)
    return user["exec"]


def test_what_aks_returns_waits_for_a_person() -> None:
    exec_block = _exec(AKS_KUBECONFIG)
    assert exec_block["args"][-2:] == ["--login", "devicecode"]
    assert is_interactive(AKS_KUBECONFIG)


@pytest.mark.parametrize("mode", LOGIN_MODES)
def test_every_login_mode_gives_a_non_interactive_kubeconfig(mode: LoginMode) -> None:
    converted = noninteractive_kubeconfig(AKS_KUBECONFIG, mode)
    exec_block = _exec(converted)
    args = exec_block["args"]
    assert isinstance(args, list)
    assert args[:5] == ["get-token", "--login", mode, "--server-id", AKS_SERVER_ID]
    assert "devicecode" not in args
    assert AKS_DEVICE_CODE_CLIENT_ID not in args  # the device-code public client is dropped
    assert exec_block["interactiveMode"] == "Never"
    assert exec_block["command"] == "kubelogin"
    assert not is_interactive(converted)
    # Cluster, context and CA stay as AKS wrote them.
    before, after = yaml.safe_load(AKS_KUBECONFIG), yaml.safe_load(converted)
    assert before["clusters"] == after["clusters"]
    assert before["current-context"] == after["current-context"]


def test_service_principal_keeps_the_cluster_tenant_and_never_holds_a_secret() -> None:
    args = _exec(noninteractive_kubeconfig(AKS_KUBECONFIG, "spn"))["args"]
    assert args == [
        "get-token",
        "--login",
        "spn",
        "--server-id",
        AKS_SERVER_ID,
        "--tenant-id",
        TENANT,
        "--environment",
        "AzurePublicCloud",
    ]


def test_configured_client_id_selects_the_identity() -> None:
    client = "11111111-2222-3333-4444-555555555555"
    for mode in ("msi", "workloadidentity", "spn"):
        args = _exec(noninteractive_kubeconfig(AKS_KUBECONFIG, mode, client))["args"]
        assert isinstance(args, list)
        assert args[args.index("--client-id") + 1] == client
    azurecli = _exec(noninteractive_kubeconfig(AKS_KUBECONFIG, "azurecli", client))["args"]
    assert "--client-id" not in azurecli  # the CLI's signed-in account decides


def test_conversion_is_deterministic() -> None:
    assert noninteractive_kubeconfig(AKS_KUBECONFIG, "azurecli") == noninteractive_kubeconfig(
        AKS_KUBECONFIG, "azurecli"
    )


def test_a_kubeconfig_without_kubelogin_is_left_as_it_is() -> None:
    static = "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user: {token: abc}\n"
    assert noninteractive_kubeconfig(static, "azurecli") == static
    assert not is_interactive(static)
    with pytest.raises(KubeconfigError, match="not a kubeconfig"):
        noninteractive_kubeconfig("- just a list", "azurecli")
