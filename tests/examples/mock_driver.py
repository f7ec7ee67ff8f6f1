"""Run one Pulumi program under Pulumi's own mock engine and print what it registered.

`python mock_driver.py PROJECT_DIR STACK` reads `PROJECT_DIR/Pulumi.yaml` (project name) and
`Pulumi.<STACK>.yaml` (config), runs `PROJECT_DIR/__main__.py` with plain
`pulumi.runtime.set_mocks`, and prints one JSON document: the resources the program asked to
create (`created`) and the existing ones it read by ID (`read`), each with type, name and
provider reference, and the files `meshward`, `pulumi` and `pulumi_azure_native` were
imported from (empty when not imported). Deliberately independent of meshward's own test
and plan helpers: it is what any user could write, so the examples are proven against the
installed wheel alone.

The mocks answer like an empty Azure subscription would, with obvious placeholders.
"""

from __future__ import annotations

import base64
import json
import runpy
import sys
from pathlib import Path
from typing import Any

import pulumi
import yaml

SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
TENANT = "00000000-0000-0000-0000-000000000001"
KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://cluster.example.invalid:443"}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
users: [{name: u, user: {token: placeholder}}]
"""


class Mocks(pulumi.runtime.Mocks):
    """Records every registration; computes the few outputs the programs read."""

    def __init__(self) -> None:
        self.created: list[dict[str, str]] = []
        self.read: list[dict[str, str]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        entry = {"type": args.typ, "name": args.name, "provider": args.provider or ""}
        state = dict(args.inputs)
        if args.resource_id:  # `Resource.get(name, id)`: an existing resource, read
            self.read.append({**entry, "id": args.resource_id})
            own_name = args.resource_id.rstrip("/").rsplit("/", 1)[-1]
            state = {"name": own_name}
            if args.typ == "azure-native:keyvault:Vault":
                state["properties"] = {"vaultUri": f"https://{own_name}.vault.azure.net/"}
            return args.resource_id, state
        self.created.append(entry)
        identity = state.get("identity")
        if isinstance(identity, dict) and isinstance(identity.get("userAssignedIdentities"), list):
            # ARM takes a list of identity IDs and answers with a map keyed by them.
            ids = identity["userAssignedIdentities"]
            state["identity"] = {**identity, "userAssignedIdentities": {i: {} for i in ids}}
        if args.typ == "azure-native:managedidentity:UserAssignedIdentity":
            state |= {"principalId": f"{args.name}-principal", "clientId": f"{args.name}-client"}
            state["tenantId"] = TENANT
        return f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        if args.token == "azure-native:authorization:getClientConfig":
            return {"subscriptionId": SUBSCRIPTION, "tenantId": TENANT}, []
        if args.token == "azure-native:containerservice:listManagedClusterUserCredentials":
            value = base64.b64encode(KUBECONFIG.encode()).decode()
            return {"kubeconfigs": [{"name": "clusterUser", "value": value}]}, []
        return {}, []


def main(project_dir: Path, stack: str) -> None:
    project = yaml.safe_load((project_dir / "Pulumi.yaml").read_text())["name"]
    config = yaml.safe_load((project_dir / f"Pulumi.{stack}.yaml").read_text())["config"]
    mocks = Mocks()
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False)
    # The CLI hands the program structured values as JSON strings.
    pulumi.runtime.set_all_config(
        {
            key: value if isinstance(value, str) else json.dumps(value)
            for key, value in config.items()
        }
    )

    @pulumi.runtime.test
    def program() -> None:
        runpy.run_path(str(project_dir / "__main__.py"), run_name="__main__")

    program()
    # Where the program's library came from, so a caller can tell an installed copy apart.
    origins = {
        name: str(getattr(sys.modules.get(name), "__file__", ""))
        for name in ("meshward", "pulumi", "pulumi_azure_native")
    }
    json.dump({"created": mocks.created, "read": mocks.read, "origins": origins}, sys.stdout)


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve(), sys.argv[2])
