"""Build `components/meshward/export/arm_catalog.json`: how azure-native inputs land in ARM.

Run at build time (not by users), from the repository root, whenever a resource type is added
or pulumi-azure-native is upgraded:

    .venv/bin/python tools/arm_catalog.py [--schemas ../shared/azure/arm-schemas]

Sources, and what each one decides:
- the installed pulumi-azure-native SDK: the REST API version each resource token uses
  (its docstring "Uses Azure REST API version X"), so the catalog follows the SDK in use;
- the official ARM JSON schemas (github.com/Azure/azure-resource-manager-schemas, the same REST
  specs azure-native is generated from): for every object the resource body contains, which
  keys sit on the object itself and which under its `properties` envelope. azure-native
  flattens `x-ms-client-flatten` envelopes into one input object; the export nests them again.
- `RESOURCE_TYPES` below: the ARM type of each token and which inputs form its ARM name
  (path parameters). The schemas cannot say this (they know types, not SDK tokens).

The catalog keeps only the shape of those objects (key names and nesting), not the schemas.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import pulumi_azure_native

CATALOG = Path("components/meshward/export/arm_catalog.json")

#: token → (ARM type, inputs naming it parent-first, input holding the scope of an extension
#: resource). `{input}` in a type is filled from that input (private DNS record types).
RESOURCE_TYPES: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "azure-native:resources:ResourceGroup": (
        "Microsoft.Resources/resourceGroups",
        ("resourceGroupName",),
        None,
    ),
    "azure-native:network:VirtualNetwork": (
        "Microsoft.Network/virtualNetworks",
        ("virtualNetworkName",),
        None,
    ),
    "azure-native:network:Subnet": (
        "Microsoft.Network/virtualNetworks/subnets",
        ("virtualNetworkName", "subnetName"),
        None,
    ),
    "azure-native:network:NetworkSecurityGroup": (
        "Microsoft.Network/networkSecurityGroups",
        ("networkSecurityGroupName",),
        None,
    ),
    "azure-native:network:PublicIPAddress": (
        "Microsoft.Network/publicIPAddresses",
        ("publicIpAddressName",),
        None,
    ),
    "azure-native:network:ApplicationGateway": (
        "Microsoft.Network/applicationGateways",
        ("applicationGatewayName",),
        None,
    ),
    "azure-native:network:WebApplicationFirewallPolicy": (
        "Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies",
        ("policyName",),
        None,
    ),
    "azure-native:network:VirtualNetworkPeering": (
        "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
        ("virtualNetworkName", "virtualNetworkPeeringName"),
        None,
    ),
    "azure-native:network:PrivateEndpoint": (
        "Microsoft.Network/privateEndpoints",
        ("privateEndpointName",),
        None,
    ),
    "azure-native:network:PrivateDnsZoneGroup": (
        "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
        ("privateEndpointName", "privateDnsZoneGroupName"),
        None,
    ),
    "azure-native:privatedns:PrivateZone": (
        "Microsoft.Network/privateDnsZones",
        ("privateZoneName",),
        None,
    ),
    "azure-native:privatedns:VirtualNetworkLink": (
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        ("privateZoneName", "virtualNetworkLinkName"),
        None,
    ),
    "azure-native:privatedns:PrivateRecordSet": (
        "Microsoft.Network/privateDnsZones/{recordType}",
        ("privateZoneName", "relativeRecordSetName"),
        None,
    ),
    "azure-native:containerservice:ManagedCluster": (
        "Microsoft.ContainerService/managedClusters",
        ("resourceName",),
        None,
    ),
    "azure-native:containerservice:AgentPool": (
        "Microsoft.ContainerService/managedClusters/agentPools",
        ("resourceName", "agentPoolName"),
        None,
    ),
    "azure-native:containerservice:MaintenanceConfiguration": (
        "Microsoft.ContainerService/managedClusters/maintenanceConfigurations",
        ("resourceName", "configName"),
        None,
    ),
    "azure-native:keyvault:Vault": ("Microsoft.KeyVault/vaults", ("vaultName",), None),
    "azure-native:keyvault:Secret": (
        "Microsoft.KeyVault/vaults/secrets",
        ("vaultName", "secretName"),
        None,
    ),
    "azure-native:keyvault:Key": ("Microsoft.KeyVault/vaults/keys", ("vaultName", "keyName"), None),
    "azure-native:managedidentity:UserAssignedIdentity": (
        "Microsoft.ManagedIdentity/userAssignedIdentities",
        ("resourceName",),
        None,
    ),
    "azure-native:managedidentity:FederatedIdentityCredential": (
        "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
        ("resourceName", "federatedIdentityCredentialResourceName"),
        None,
    ),
    "azure-native:authorization:RoleAssignment": (
        "Microsoft.Authorization/roleAssignments",
        ("roleAssignmentName",),
        "scope",
    ),
    "azure-native:operationalinsights:Workspace": (
        "Microsoft.OperationalInsights/workspaces",
        ("workspaceName",),
        None,
    ),
    "azure-native:apimanagement:ApiManagementService": (
        "Microsoft.ApiManagement/service",
        ("serviceName",),
        None,
    ),
    "azure-native:apimanagement:Api": (
        "Microsoft.ApiManagement/service/apis",
        ("serviceName", "apiId"),
        None,
    ),
    "azure-native:apimanagement:ApiOperation": (
        "Microsoft.ApiManagement/service/apis/operations",
        ("serviceName", "apiId", "operationId"),
        None,
    ),
    "azure-native:apimanagement:ApiPolicy": (
        "Microsoft.ApiManagement/service/apis/policies",
        ("serviceName", "apiId", "policyId"),
        None,
    ),
    "azure-native:apimanagement:Backend": (
        "Microsoft.ApiManagement/service/backends",
        ("serviceName", "backendId"),
        None,
    ),
    "azure-native:apimanagement:NamedValue": (
        "Microsoft.ApiManagement/service/namedValues",
        ("serviceName", "namedValueId"),
        None,
    ),
    "azure-native:apimanagement:Certificate": (
        "Microsoft.ApiManagement/service/certificates",
        ("serviceName", "certificateId"),
        None,
    ),
    "azure-native:apimanagement:Logger": (
        "Microsoft.ApiManagement/service/loggers",
        ("serviceName", "loggerId"),
        None,
    ),
    "azure-native:apimanagement:Diagnostic": (
        "Microsoft.ApiManagement/service/diagnostics",
        ("serviceName", "diagnosticId"),
        None,
    ),
    "azure-native:apimanagement:ApiDiagnostic": (
        "Microsoft.ApiManagement/service/apis/diagnostics",
        ("serviceName", "apiId", "diagnosticId"),
        None,
    ),
    "azure-native:apimanagement:Product": (
        "Microsoft.ApiManagement/service/products",
        ("serviceName", "productId"),
        None,
    ),
    "azure-native:apimanagement:ProductApi": (
        "Microsoft.ApiManagement/service/products/apis",
        ("serviceName", "productId", "apiId"),
        None,
    ),
    "azure-native:apimanagement:ProductPolicy": (
        "Microsoft.ApiManagement/service/products/policies",
        ("serviceName", "productId", "policyId"),
        None,
    ),
    "azure-native:apimanagement:Subscription": (
        "Microsoft.ApiManagement/service/subscriptions",
        ("serviceName", "sid"),
        None,
    ),
    "azure-native:network:RouteTable": (
        "Microsoft.Network/routeTables",
        ("routeTableName",),
        None,
    ),
    "azure-native:network:NatGateway": (
        "Microsoft.Network/natGateways",
        ("natGatewayName",),
        None,
    ),
    "azure-native:network:ApplicationSecurityGroup": (
        "Microsoft.Network/applicationSecurityGroups",
        ("applicationSecurityGroupName",),
        None,
    ),
    "azure-native:network:PublicIPPrefix": (
        "Microsoft.Network/publicIPPrefixes",
        ("publicIpPrefixName",),
        None,
    ),
    "azure-native:containerservice:TrustedAccessRoleBinding": (
        "Microsoft.ContainerService/managedClusters/trustedAccessRoleBindings",
        ("resourceName", "trustedAccessRoleBindingName"),
        None,
    ),
    "azure-native:monitor:DiagnosticSetting": (
        "Microsoft.Insights/diagnosticSettings",
        ("name",),
        "resourceUri",
    ),
    "azure-native:monitor:DataCollectionRule": (
        "Microsoft.Insights/dataCollectionRules",
        ("dataCollectionRuleName",),
        None,
    ),
    "azure-native:monitor:DataCollectionEndpoint": (
        "Microsoft.Insights/dataCollectionEndpoints",
        ("dataCollectionEndpointName",),
        None,
    ),
    "azure-native:monitor:DataCollectionRuleAssociation": (
        "Microsoft.Insights/dataCollectionRuleAssociations",
        ("associationName",),
        "resourceUri",
    ),
    "azure-native:monitor:ActionGroup": (
        "Microsoft.Insights/actionGroups",
        ("actionGroupName",),
        None,
    ),
    "azure-native:monitor:ScheduledQueryRule": (
        "Microsoft.Insights/scheduledQueryRules",
        ("ruleName",),
        None,
    ),
    "azure-native:eventgrid:SystemTopic": (
        "Microsoft.EventGrid/systemTopics",
        ("systemTopicName",),
        None,
    ),
    "azure-native:eventgrid:SystemTopicEventSubscription": (
        "Microsoft.EventGrid/systemTopics/eventSubscriptions",
        ("systemTopicName", "eventSubscriptionName"),
        None,
    ),
}

_SECTIONS = (
    "resourceDefinitions",
    "extension_resourceDefinitions",
    "subscription_resourceDefinitions",
    "unknown_resourceDefinitions",
)
_API_VERSION = re.compile(r"Uses Azure REST API version ([0-9A-Za-z-]+)\.")


def sdk_api_version(token: str) -> str | None:
    """The REST API version the installed azure-native SDK uses for `token`."""
    _, module, _kind = token.split(":")
    folder = Path(pulumi_azure_native.__file__).parent / module
    marker = f'@pulumi.type_token("{token}")'
    for path in sorted(folder.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        if marker in text:
            match = _API_VERSION.search(text)
            return match.group(1) if match else None
    return None


class _Schemas:
    """The ARM schema files of one API version folder, with `$ref` resolution."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: dict[str, dict[str, Any]] = {}

    def load(self, relative: str) -> dict[str, Any]:
        if relative not in self.files:
            text = (self.root / relative).read_text(encoding="utf-8")
            self.files[relative] = json.loads(text) if text.strip() else {}
        return self.files[relative]

    def resource(self, api_version: str, arm_type: str) -> tuple[str, str] | None:
        """(file, JSON pointer) of the resource definition of `arm_type`, if any."""
        for path in sorted((self.root / api_version).glob("*.json")):
            relative = f"{api_version}/{path.name}"
            doc = self.load(relative)
            for section in _SECTIONS:
                for key, definition in (doc.get(section) or {}).items():
                    enum = (definition.get("properties", {}).get("type") or {}).get("enum", [])
                    if any(t.lower() == arm_type.lower() for t in enum):
                        return relative, f"/{section}/{key}"
        return None

    def resolve(self, file: str, ref: str) -> tuple[str, str]:
        """(file, pointer) a `$ref` found in `file` points to."""
        location, _, pointer = ref.partition("#")
        if location.startswith("https://schema.management.azure.com/schemas/"):
            file = location.removeprefix("https://schema.management.azure.com/schemas/")
        elif location:
            file = str(Path(file).parent / location)
        return file, pointer

    def node(self, file: str, pointer: str) -> dict[str, Any]:
        value: Any = self.load(file)
        for part in pointer.strip("/").split("/"):
            value = value[part]
        return dict(value)


class _Builder:
    """Walks schema definitions into compact shapes, one per definition."""

    def __init__(self, schemas: _Schemas) -> None:
        self.schemas = schemas
        self.shapes: dict[str, dict[str, Any]] = {}
        self._unions: dict[tuple[str, str], str] = {}

    def shape_of(self, file: str, pointer: str) -> str | None:
        shape_id = f"{file}#{pointer}"
        if shape_id in self.shapes:
            return shape_id
        self.shapes[shape_id] = {}  # placeholder: recursive definitions refer back to it
        shape = self._object_shape(file, self.schemas.node(file, pointer))
        if shape is None:
            del self.shapes[shape_id]
            return None
        self.shapes[shape_id] = shape
        return shape_id

    def _parts(self, file: str, schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """The schema objects whose keys an object has: itself, its `allOf` bases, and every
        alternative of a discriminated `oneOf` (following `$ref`s)."""
        if "$ref" in schema:
            if _is_expr(schema):
                return []
            target_file, pointer = self.schemas.resolve(file, schema["$ref"])
            return self._parts(target_file, self.schemas.node(target_file, pointer))
        parts = [(file, schema)]
        for key in ("allOf", "oneOf", "anyOf"):
            for option in schema.get(key, []):
                parts.extend(self._parts(file, option))
        return parts

    def _child(self, file: str, schema: dict[str, Any]) -> str | None:
        """Shape id of a property's value (objects, arrays of objects, maps of objects)."""
        if "$ref" in schema:
            if _is_expr(schema):
                return None
            target_file, pointer = self.schemas.resolve(file, schema["$ref"])
            return self.shape_of(target_file, pointer)
        for key in ("oneOf", "anyOf"):
            for option in schema.get(key, []):
                child = self._child(file, option)
                if child is not None:
                    return child
        if isinstance(schema.get("items"), dict):
            return self._child(file, schema["items"])
        if "properties" in schema or "allOf" in schema or "additionalProperties" in schema:
            shape = self._object_shape(file, schema)
            if shape is not None:
                inline_id = f"{file}#/inline/{len(self.shapes)}"
                self.shapes[inline_id] = shape
                return inline_id
        return None

    def _merged(self, first: str, second: str) -> str:
        """A shape with the keys of both (the first wins where both name a key)."""
        if first == second:
            return first
        union_id = self._unions.get((first, second))
        if union_id is not None:
            return union_id
        # Named like an inline shape of the first one's file (`<version>/<n>` once renumbered).
        shape_id = f"{first.split('#', 1)[0]}#/union/{len(self.shapes)}"
        self._unions[(first, second)] = shape_id
        if shape_id not in self.shapes:
            a, b = self.shapes.get(first) or {}, self.shapes.get(second) or {}
            keys = {**(b.get("keys") or {}), **(a.get("keys") or {})}
            shape: dict[str, Any] = {"keys": dict(sorted(keys.items()))} if keys else {}
            if a.get("map") or b.get("map"):
                shape["map"] = a.get("map") or b.get("map")
            self.shapes[shape_id] = shape
        return shape_id

    def _object_shape(self, file: str, schema: dict[str, Any]) -> dict[str, Any] | None:
        keys: dict[str, str | None] = {}
        map_of: str | None = None
        for part_file, part in self._parts(file, schema):
            for name, prop in (part.get("properties") or {}).items():
                child = self._child(part_file, prop)
                known = keys.get(name)
                # Alternatives of a discriminated union share key names with different
                # shapes (Event Grid destinations all nest a `properties`): keep every key.
                keys[name] = self._merged(known, child) if known and child else known or child
            extra = part.get("additionalProperties")
            if isinstance(extra, dict) and not part.get("properties"):
                map_of = map_of or self._child(part_file, extra)
        if not keys and map_of is None:
            return None
        shape: dict[str, Any] = {}
        if keys:
            shape["keys"] = dict(sorted(keys.items()))
        if map_of is not None:
            shape["map"] = map_of
        return shape


def _is_expr(schema: dict[str, Any]) -> bool:
    return str(schema.get("$ref", "")).endswith("/definitions/expression")


def _expand(arm_type: str, schemas: _Schemas, api_version: str) -> list[str]:
    """Concrete ARM types of a templated one (`…/{recordType}` → every record type)."""
    if "{" not in arm_type:
        return [arm_type]
    prefix = arm_type.split("{", 1)[0]
    found: list[str] = []
    for path in sorted((schemas.root / api_version).glob("*.json")):
        doc = schemas.load(f"{api_version}/{path.name}")
        for definition in (doc.get("resourceDefinitions") or {}).values():
            for t in (definition.get("properties", {}).get("type") or {}).get("enum", []):
                rest = t[len(prefix) :]
                if t.startswith(prefix) and rest and "/" not in rest:
                    found.append(t)
    return sorted(set(found))


def build(schema_root: Path) -> tuple[dict[str, Any], list[str]]:
    """The catalog document and the tokens left out (with why)."""
    schemas = _Schemas(schema_root)
    builder = _Builder(schemas)
    resources: dict[str, Any] = {}
    skipped: list[str] = []
    for token, (arm_type, names, scope) in sorted(RESOURCE_TYPES.items()):
        api_version = sdk_api_version(token)
        if api_version is None:
            skipped.append(f"{token}: not in the installed pulumi-azure-native")
            continue
        shapes: dict[str, str] = {}
        for concrete in _expand(arm_type, schemas, api_version):
            where = schemas.resource(api_version, concrete)
            if where is None:
                continue
            shape = builder.shape_of(*where)
            if shape is not None:
                shapes[concrete] = shape
        if not shapes:
            skipped.append(f"{token}: no ARM schema for {arm_type} at {api_version}")
            continue
        resources[token] = {
            "type": arm_type,
            "apiVersion": api_version,
            "names": list(names),
            "scope": scope,
            "shapes": shapes,
        }
    used = _reachable(builder.shapes, [s for r in resources.values() for s in r["shapes"].values()])
    compact = _renumber(builder.shapes, used, resources)
    return compact, skipped


def _reachable(shapes: dict[str, dict[str, Any]], roots: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    stack = list(roots)
    while stack:
        shape_id = stack.pop()
        if shape_id in seen:
            continue
        seen[shape_id] = None
        shape = shapes[shape_id]
        stack.extend(v for v in (shape.get("keys") or {}).values() if v)
        if shape.get("map"):
            stack.append(shape["map"])
    return sorted(seen)


def _renumber(
    shapes: dict[str, dict[str, Any]], used: list[str], resources: dict[str, Any]
) -> dict[str, Any]:
    """Short, stable shape ids (definition names) so the shipped file stays small."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for shape_id in used:
        file, pointer = shape_id.split("#", 1)
        base = f"{Path(file).parent.name}/{pointer.rsplit('/', 1)[-1]}"
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}~{n}"
        taken.add(name)
        names[shape_id] = name

    def rename(shape: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "keys" in shape:
            out["keys"] = {k: names[v] if v else None for k, v in shape["keys"].items()}
        if "map" in shape:
            out["map"] = names[shape["map"]]
        return out

    for entry in resources.values():
        entry["shapes"] = {t: names[s] for t, s in entry["shapes"].items()}
    return {
        "source": {
            "pulumi-azure-native": pulumi_azure_native_version(),
            "arm-schemas": "github.com/Azure/azure-resource-manager-schemas (MIT), schemas/",
        },
        "resources": resources,
        "shapes": {names[s]: rename(shapes[s]) for s in used},
    }


def pulumi_azure_native_version() -> str:
    plugin = Path(pulumi_azure_native.__file__).parent / "pulumi-plugin.json"
    return str(json.loads(plugin.read_text(encoding="utf-8"))["version"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schemas", type=Path, default=Path("../shared/azure/arm-schemas"))
    parser.add_argument("--out", type=Path, default=CATALOG)
    args = parser.parse_args(argv)
    catalog, skipped = build(args.schemas)
    args.out.write_text(json.dumps(catalog, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    for line in skipped:
        print(f"skipped {line}", file=sys.stderr)
    print(
        f"{args.out}: {len(catalog['resources'])} resource types, {len(catalog['shapes'])} shapes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
