"""Make the kubeconfig AKS returns for an Entra ID cluster usable without a person (pure).

`listClusterUserCredential` on a cluster with managed Entra ID and local accounts disabled
answers with an exec kubeconfig running `kubelogin get-token --login devicecode ...`: it waits
for someone to type a code into a browser, so every in-cluster resource of an unattended
`pulumi up` would hang. The Kubernetes provider receives the kubeconfig as a string, so
`kubelogin convert-kubeconfig` cannot be run on it; this module does the same conversion in
Python, with the argument rules of kubelogin's own converter
(Azure/kubelogin `pkg/internal/converter/convert.go`): every mode keeps `--server-id`;
`azurecli` and `msi` need nothing else; `spn` needs the tenant; `workloadidentity` reads
`AZURE_CLIENT_ID`, `AZURE_TENANT_ID` and `AZURE_FEDERATED_TOKEN_FILE` from the environment.
Secrets (a service principal's password or certificate) never go into the kubeconfig: kubelogin
reads them from `AZURE_CLIENT_SECRET` / `AZURE_CLIENT_CERTIFICATE_PATH`.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

import yaml

LoginMode = Literal["azurecli", "workloadidentity", "spn", "msi"]
"""kubelogin login modes that never prompt."""
LOGIN_MODES: tuple[LoginMode, ...] = ("azurecli", "workloadidentity", "spn", "msi")

AKS_SERVER_ID = "6dae42f8-4368-4678-94ff-3960e28e3630"
"""The application id of the AKS Entra ID server (the token audience), the same in every
tenant."""

#: Environment each mode reads, for documentation and preflight.
MODE_ENVIRONMENT: dict[LoginMode, tuple[str, ...]] = {
    "azurecli": (),
    "workloadidentity": ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE"),
    "spn": ("AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"),
    "msi": (),
}


class KubeconfigError(ValueError):
    """The kubeconfig does not have the shape AKS returns."""


def _arg_value(args: list[str], flag: str) -> str | None:
    """The value after `flag` in an exec argument list (kubelogin's `getExecArg`)."""
    for i, arg in enumerate(args[:-1]):
        if arg == flag:
            return args[i + 1]
    return None


def login_args(exec_args: list[str], mode: LoginMode, client_id: str | None = None) -> list[str]:
    """`kubelogin get-token` arguments for `mode`, from the arguments AKS wrote."""
    server_id = _arg_value(exec_args, "--server-id")
    if not server_id:
        raise KubeconfigError("kubelogin exec block has no --server-id")
    args = ["get-token", "--login", mode, "--server-id", server_id]
    environment = _arg_value(exec_args, "--environment")
    if mode == "spn":
        tenant = _arg_value(exec_args, "--tenant-id")
        if not tenant:
            raise KubeconfigError("kubelogin exec block has no --tenant-id (needed by spn)")
        # The --client-id AKS writes is its own public client for device code: wrong for a
        # service principal, so only a configured one is written (else AZURE_CLIENT_ID).
        if client_id:
            args += ["--client-id", client_id]
        args += ["--tenant-id", tenant]
        if environment:
            args += ["--environment", environment]
    elif mode in ("msi", "workloadidentity") and client_id:
        args += ["--client-id", client_id]
    return args


def _is_kubelogin(user: Any) -> bool:
    exec_block = (user or {}).get("exec") if isinstance(user, dict) else None
    return isinstance(exec_block, dict) and "kubelogin" in str(exec_block.get("command", ""))


def noninteractive_kubeconfig(
    kubeconfig: str, mode: LoginMode, client_id: str | None = None
) -> str:
    """`kubeconfig` with every kubelogin user switched to `mode` and never prompting.

    Users that do not run kubelogin are left as they are, so a kubeconfig without any (a
    cluster with local accounts, a token) is returned unchanged: nothing in it prompts.
    """
    try:
        doc = yaml.safe_load(kubeconfig)
    except yaml.YAMLError as exc:
        raise KubeconfigError(f"not YAML: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("users"), list):
        raise KubeconfigError("not a kubeconfig (no users list)")
    doc = copy.deepcopy(doc)
    converted = 0
    for entry in doc["users"]:
        user = entry.get("user") if isinstance(entry, dict) else None
        if not _is_kubelogin(user):
            continue
        assert isinstance(user, dict)
        exec_block = user["exec"]
        old_args = [str(a) for a in exec_block.get("args") or []]
        new_exec: dict[str, Any] = {
            "apiVersion": exec_block.get("apiVersion", "client.authentication.k8s.io/v1beta1"),
            "command": "kubelogin",
            "args": login_args(old_args, mode, client_id),
            "env": None,
            # client-go never offers stdin to the plugin: a prompt fails fast, never hangs.
            "interactiveMode": "Never",
            "provideClusterInfo": False,
        }
        if exec_block.get("installHint"):
            new_exec["installHint"] = exec_block["installHint"]
        user["exec"] = new_exec
        converted += 1
    if not converted:
        return kubeconfig
    return yaml.safe_dump(doc, sort_keys=False)


def is_interactive(kubeconfig: str) -> bool:
    """Whether any kubelogin user of `kubeconfig` may prompt (device code, browser, ROPC)."""
    doc = yaml.safe_load(kubeconfig) or {}
    for entry in doc.get("users") or []:
        user = entry.get("user") if isinstance(entry, dict) else None
        if not _is_kubelogin(user):
            continue
        assert isinstance(user, dict)
        args = [str(a) for a in user["exec"].get("args") or []]
        login = _arg_value(args, "--login") or _arg_value(args, "-l") or "devicecode"
        if login not in LOGIN_MODES or user["exec"].get("interactiveMode") != "Never":
            return True
    return False
