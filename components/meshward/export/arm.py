"""The plan's Azure resources as one ARM deployment template (pure: plan document in, template
out).

azure-native takes one flat input object per resource: the ARM name split into path
parameters (`virtualNetworkName`, `subnetName`), and every `x-ms-client-flatten` envelope
(`properties`) merged into its parent. The export undoes both with the shipped catalog
(`catalog.py`): names are joined as ARM expects (`vnet/subnet`), and each input key goes where
the ARM schema has it, on the object or under its `properties`, at every nesting level.

Values Azure only knows after deploy (ids, principal ids, endpoints: the mock engine's
placeholders) become ARM expressions (`resourceId(...)`, `reference(...)`); secrets become
`securestring` parameters. The template targets the stack's resource group, which ARM cannot
create from a resource-group deployment: it is described under `metadata`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from meshward.engine import placeholders as ph
from meshward.errors import Problem, UserInputError
from meshward.export.catalog import ArmResourceType, Catalog, load_catalog

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
CONTENT_VERSION = "1.0.0.0"
RESOURCE_GROUP_TOKEN = "azure-native:resources:ResourceGroup"
#: Template keys of a resource that an input never sets directly (azure-native's `type` input
#: on an agent pool is the pool's `properties.type`, not the resource type).
_TEMPLATE_KEYS = frozenset(
    {"type", "apiVersion", "name", "id", "dependsOn", "scope", "copy", "condition", "resources"}
)
_FIRST_KEYS = (
    "type",
    "apiVersion",
    "name",
    "scope",
    "location",
    "kind",
    "sku",
    "identity",
    "zones",
    "tags",
    "properties",
    "dependsOn",
)
_SUBSCRIPTION = f"/subscriptions/{ph.SUBSCRIPTION_ID}"
_ARM_ID = re.compile(re.escape(_SUBSCRIPTION) + r"(?:/[^/\s\"'<>,;{}\[\]()]+)*", re.IGNORECASE)
_FAKE_GUID = re.compile(r"^00000000-0000-4000-8000-[0-9a-f]{12}$")
_CONSTANTS = {
    ph.TENANT_ID: "subscription().tenantId",
    ph.SUBSCRIPTION_ID: "subscription().subscriptionId",
    ph.OBJECT_ID: "deployer().objectId",
}
_IP = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ExportError(UserInputError):
    """The plan holds something the export cannot express in ARM."""


@dataclass(frozen=True)
class _Resource:
    urn: str
    token: str
    kind: ArmResourceType
    arm_type: str
    names: tuple[str, ...]
    scope_id: str | None
    inputs: dict[str, Any]
    resource_group: str | None = None
    """Another resource group than the stack's (the runner VNet's half of a peering): the
    resource goes into a nested deployment targeting that group."""

    @property
    def name(self) -> str:
        return "/".join(self.names)

    @property
    def deployment(self) -> str:
        """Name of the nested deployment that carries a resource of another group."""
        return re.sub(r"[^A-Za-z0-9_.()-]", "-", f"{self.resource_group}-{self.name}")[:64]


@dataclass
class ArmExport:
    """The template and what a reader should know about it."""

    template: dict[str, Any]
    unmapped: list[str] = field(default_factory=list)
    """Inputs the ARM schema does not know (kept where azure-native would send them)."""


def _q(text: str) -> str:
    """An ARM string literal."""
    return "'" + text.replace("'", "''") + "'"


def _split_id(segments: list[str]) -> tuple[str, list[str]] | None:
    """`[NS, t1, n1, t2, n2]` → (`NS/t1/t2`, [n1, n2])."""
    if len(segments) < 3 or len(segments) % 2 == 0:
        return None
    types = [segments[0], *segments[1::2]]
    return "/".join(types), segments[2::2]


def id_expression(arm_id: str, resource_group: str) -> str | None:
    """An ARM expression (without brackets) for a placeholder resource ID, or None."""
    if not arm_id.lower().startswith(_SUBSCRIPTION.lower()):
        return None
    segments = [s for s in arm_id[len(_SUBSCRIPTION) :].split("/") if s]
    if not segments:
        return "subscription().id"
    group: str | None = None
    if segments[0].lower() == "resourcegroups" and len(segments) >= 2:
        group, segments = segments[1], segments[2:]
        if not segments:
            if group == resource_group:
                return "resourceGroup().id"
            return f"subscriptionResourceId('Microsoft.Resources/resourceGroups', {_q(group)})"
    chunks: list[list[str]] = []
    for segment in segments:
        if segment.lower() == "providers":
            chunks.append([])
        elif chunks:
            chunks[-1].append(segment)
        else:
            return None
    expression: str | None = None
    for chunk in chunks:
        split = _split_id(chunk)
        if split is None:
            return None
        arm_type, names = split
        args = ", ".join(_q(n) for n in [arm_type, *names])
        if expression is not None:
            expression = f"extensionResourceId({expression}, {args})"
        elif group is None:
            expression = f"subscriptionResourceId({args})"
        elif group == resource_group:
            expression = f"resourceId({args})"
        else:
            expression = f"resourceId({_q(group)}, {args})"
    return expression


#: Keys azure-native renames from ARM's wire names (`x-ms-client-name`), e.g. Key Vault's
#: `SecretAttributes.exp`/`nbf`, which the SDK calls `expires`/`notBefore`.
_SDK_RENAMES = {"expires": "exp", "notBefore": "nbf"}


def _arm_key(key: str, keys: dict[str, str | None], inner_keys: dict[str, str | None]) -> str:
    """ARM's name for an SDK input key of a shape with `keys` (and `inner_keys`)."""
    wire = _SDK_RENAMES.get(key)
    known = key in keys or key in inner_keys
    if wire is not None and not known and (wire in keys or wire in inner_keys):
        return wire
    return key


def _place(
    value: Any,
    shape_id: str | None,
    catalog: Catalog,
    path: str,
    unmapped: list[str],
    top: bool = False,
) -> Any:
    """`value` (azure-native's flattened input) nested as the ARM shape `shape_id` has it."""
    if shape_id is None or value is None:
        return value
    if isinstance(value, list):
        return [_place(v, shape_id, catalog, f"{path}[{i}]", unmapped) for i, v in enumerate(value)]
    if not isinstance(value, dict):
        return value
    assigned = value.get("userAssignedIdentities")
    if isinstance(assigned, list):
        # azure-native takes user-assigned identities as a list of ids; ARM as a map.
        value = {**value, "userAssignedIdentities": {str(i): {} for i in assigned}}
    shape = catalog.shapes[shape_id]
    keys: dict[str, str | None] = shape.get("keys") or {}
    map_of: str | None = shape.get("map")
    if not keys and map_of is not None:
        return {k: _place(v, map_of, catalog, f"{path}.{k}", unmapped) for k, v in value.items()}
    inner_id = keys.get("properties")
    inner_keys: dict[str, str | None] = (
        (catalog.shapes[inner_id].get("keys") or {}) if inner_id else {}
    )
    out: dict[str, Any] = {}
    inner: dict[str, Any] = {}
    for sdk_key, item in value.items():
        where = f"{path}.{sdk_key}" if path else sdk_key
        key = _arm_key(sdk_key, keys, inner_keys)
        if key in keys and not (top and key in _TEMPLATE_KEYS):
            out[key] = _place(item, keys[key], catalog, where, unmapped)
        elif key in inner_keys:
            inner[key] = _place(item, inner_keys[key], catalog, where, unmapped)
        elif map_of is not None:
            out[key] = _place(item, map_of, catalog, where, unmapped)
        else:
            unmapped.append(where)
            (inner if inner_id else out)[key] = item
    if inner:
        given = out.get("properties")
        if isinstance(given, dict) or given is None:
            out["properties"] = {**(given or {}), **inner}
        else:  # a whole secret envelope: what else was flattened stays beside it
            unmapped.extend(f"{path}.{k}" if path else k for k in inner)
            out.update(inner)
    return out


def _reference_path(path: list[str | int]) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _IDENTIFIER.match(part):
            text += f".{part}"
        else:
            text += f"[{_q(part)}]"
    return text


def _leaves(value: Any, path: list[str | int]) -> Iterable[tuple[list[str | int], Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, [*path, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, [*path, index])
    else:
        yield path, value


def _is_placeholder(value: str) -> bool:
    return bool(_FAKE_GUID.match(value)) or ".example.invalid" in value


def _deploy_time_values(
    resources: list[_Resource], catalog: Catalog, resource_group: str
) -> dict[str, tuple[str, str]]:
    """Placeholder value → (ARM expression, urn of the resource that produces it).

    Each resource's outputs are re-derived with the plan's own mocks, mapped through the same
    catalog shape as its inputs, and every placeholder leaf becomes a `reference()` path."""
    from pulumi.runtime.mocks import MockResourceArgs

    from meshward.engine.mocks import PlanMocks

    mocks = PlanMocks()
    found: dict[str, tuple[str, str]] = {}
    for resource in resources:
        name = resource.urn.rsplit("::", 1)[-1]
        _, state = mocks.new_resource(MockResourceArgs(resource.token, name, resource.inputs))
        echoed = {v for _, v in _leaves(resource.inputs, []) if isinstance(v, str)}
        body = {k: v for k, v in state.items() if k not in _path_inputs(resource)}
        body.pop("id", None)
        body.pop("name", None)
        placed = _place(body, resource.kind.shapes[resource.arm_type], catalog, "", [], top=True)
        own = _own_id(resource, resource_group)
        api = _q(resource.kind.api_version)
        top_keys = catalog.shapes[resource.kind.shapes[resource.arm_type]].get("keys") or {}
        for path, value in _leaves(placed, []):
            if not isinstance(value, str) or value in echoed or value in found or not path:
                continue
            if not (_is_placeholder(value) or _IP.match(value)):
                continue
            if path[0] == "properties":
                expression = f"reference({own}, {api}){_reference_path(path[1:])}"
            elif path[0] in top_keys:
                expression = f"reference({own}, {api}, 'Full'){_reference_path(path)}"
            else:
                # An output the deployment schema omits (read-only): azure-native flattens
                # read-only `properties` too, so it is read from there.
                expression = f"reference({own}, {api}){_reference_path(path)}"
            found[value] = (expression, resource.urn)
    return found


def _path_inputs(resource: _Resource) -> set[str]:
    keys = {*resource.kind.names, "resourceGroupName"}
    if resource.kind.scope:
        keys.add(resource.kind.scope)
    keys.update(re.findall(r"\{(\w+)\}", resource.kind.type))
    return keys


def _own_id(resource: _Resource, resource_group: str) -> str:
    args = ", ".join(_q(n) for n in [resource.arm_type, *resource.names])
    if resource.resource_group is not None:
        return f"resourceId({_q(resource.resource_group)}, {args})"
    if resource.scope_id is None:
        return f"resourceId({args})"
    scope = id_expression(resource.scope_id, resource_group) or _q(resource.scope_id)
    return f"extensionResourceId({scope}, {args})"


def _dependency_id(resource: _Resource, resource_group: str) -> str:
    """What `dependsOn` names: the resource, or the nested deployment that carries it."""
    if resource.resource_group is not None:
        return f"resourceId('Microsoft.Resources/deployments', {_q(resource.deployment)})"
    return _own_id(resource, resource_group)


def _nested(resource: _Resource, entry: dict[str, Any], catalog: Catalog) -> dict[str, Any]:
    """A resource of another resource group, inside a deployment that targets that group (how
    one resource-group template reaches a second group). Expressions keep the outer scope, so
    `resourceId(...)` still names the stack's resources; the dependencies move outside."""
    inner = {k: v for k, v in entry.items() if k != "dependsOn"}
    wrapper: dict[str, Any] = {
        "type": "Microsoft.Resources/deployments",
        "apiVersion": catalog.resources[RESOURCE_GROUP_TOKEN].api_version,
        "name": resource.deployment,
        "resourceGroup": resource.resource_group,
        "properties": {
            "mode": "Incremental",
            "template": {
                "$schema": SCHEMA,
                "contentVersion": CONTENT_VERSION,
                "resources": [inner],
            },
        },
    }
    if "dependsOn" in entry:
        wrapper["dependsOn"] = entry["dependsOn"]
    return wrapper


def _scope_property(scope_id: str, resource_group: str) -> str | None:
    """The `scope` of an extension resource deployed at resource-group level: the target's
    type and name relative to the group (ARM's documented form), or None for the group."""
    prefix = f"{_SUBSCRIPTION}/resourceGroups/{resource_group}".lower()
    if scope_id.lower() == prefix:
        return None
    if scope_id.lower().startswith(prefix + "/providers/"):
        return scope_id[len(prefix) + len("/providers/") :]
    expression = id_expression(scope_id, resource_group)
    return f"[{expression}]" if expression else scope_id


class _Rewriter:
    """Turns placeholders in input values into ARM expressions and secret parameters."""

    def __init__(
        self,
        resource_group: str,
        deploy_time: dict[str, tuple[str, str]],
        id_to_urn: Mapping[str, str],
    ) -> None:
        self.resource_group = resource_group
        self.deploy_time = deploy_time
        self.id_to_urn = id_to_urn
        self.parameters: dict[str, dict[str, Any]] = {}
        self.referenced: set[str] = set()
        known = sorted({*deploy_time, *_CONSTANTS}, key=lambda v: (-len(v), v))
        alternatives = [_ARM_ID.pattern, *(re.escape(v) for v in known)]
        self.pattern = re.compile("|".join(alternatives), re.IGNORECASE)

    def value(self, value: Any, where: str, owner: str) -> Any:
        if isinstance(value, dict):
            return {
                self.string(k, where, owner): self.value(v, f"{where}.{k}", owner)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.value(v, f"{where}[{i}]", owner) for i, v in enumerate(value)]
        if isinstance(value, str):
            return self.string(value, where, owner)
        return value

    def _expression(self, token: str) -> str | None:
        if token in self.deploy_time:
            expression, urn = self.deploy_time[token]
            self.referenced.add(urn)
            return expression
        if token in _CONSTANTS:
            return _CONSTANTS[token]
        found = id_expression(token, self.resource_group)
        owner = self.id_to_urn.get(found) if found is not None else None
        if owner is not None:
            self.referenced.add(owner)
        return found

    def string(self, text: str, where: str, owner: str) -> str:
        if text == ph.SECRET_PLACEHOLDER:
            name = re.sub(r"[^A-Za-z0-9]+", "_", f"{owner}_{where}").strip("_")
            self.parameters[name] = {
                "type": "securestring",
                "metadata": {"description": f"secret input {where} of {owner}"},
            }
            return f"[parameters({_q(name)})]"
        pieces: list[str] = []
        args: list[str] = []
        last = 0
        for match in self.pattern.finditer(text):
            expression = self._expression(match.group(0))
            if expression is None:
                continue
            pieces.append(_format_literal(text[last : match.start()]))
            pieces.append("{" + str(len(args)) + "}")
            args.append(expression)
            last = match.end()
        if not args:
            return "[" + text if text.startswith("[") else text
        if len(args) == 1 and pieces == ["", "{0}"] and last == len(text):
            return f"[{args[0]}]"
        pieces.append(_format_literal(text[last:]))
        return f"[format({_q(''.join(pieces))}, {', '.join(args)})]"


def _format_literal(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def _ordered(resource: dict[str, Any]) -> dict[str, Any]:
    """ARM's conventional key order on the resource, sorted keys below it, so the template is
    byte-identical however the engine ordered the inputs."""
    return {
        **{k: _sorted(resource[k]) for k in _FIRST_KEYS if k in resource},
        **{k: _sorted(resource[k]) for k in sorted(resource) if k not in _FIRST_KEYS},
    }


def _descendants(plan: dict[str, Any]) -> dict[str, list[str]]:
    """URN → the custom resources at or under it (a dependency on a component means one on
    everything it contains)."""
    children: dict[str, list[str]] = {}
    for resource in plan["resources"]:
        if resource["parent"]:
            children.setdefault(resource["parent"], []).append(resource["urn"])
    custom = {r["urn"] for r in plan["resources"] if r["custom"]}
    memo: dict[str, list[str]] = {}

    def walk(urn: str) -> list[str]:
        if urn not in memo:
            found = [urn] if urn in custom else []
            for child in children.get(urn, []):
                found.extend(walk(child))
            memo[urn] = found
        return memo[urn]

    return {r["urn"]: walk(r["urn"]) for r in plan["resources"]}


def _fill_type(arm_type: str, inputs: dict[str, Any]) -> str:
    """`Microsoft.Network/privateDnsZones/{recordType}` with the input's value."""
    return re.sub(r"\{(\w+)\}", lambda m: str(inputs.get(m.group(1), "")), arm_type)


def arm_template(plan: dict[str, Any], catalog: Catalog | None = None) -> ArmExport:
    """The plan document's Azure resources as one resource-group deployment template."""
    catalog = catalog or load_catalog()
    azure = [
        r for r in plan["resources"] if r["custom"] and str(r["type"]).startswith("azure-native:")
    ]
    groups = [r for r in azure if r["type"] == RESOURCE_GROUP_TOKEN]
    problems: list[Problem] = []
    if len(groups) != 1:
        problems.append(
            Problem("resources", f"expected one resource group in the plan, found {len(groups)}")
        )
        raise ExportError(problems)
    group = groups[0]
    group_name = str(group["inputs"].get("resourceGroupName") or group["name"])
    resources: list[_Resource] = []
    for r in azure:
        if r is group:
            continue
        kind = catalog.resources.get(r["type"])
        if kind is None:
            problems.append(
                Problem(
                    r["urn"],
                    f"no ARM mapping for {r['type']}: add it to tools/arm_catalog.py and "
                    "regenerate components/meshward/export/arm_catalog.json",
                )
            )
            continue
        inputs = r["inputs"]
        arm_type = _fill_type(kind.type, inputs)
        missing = [n for n in kind.names if not inputs.get(n)]
        if arm_type not in kind.shapes or missing:
            problems.append(
                Problem(r["urn"], f"cannot name {arm_type} (missing inputs: {missing})")
            )
            continue
        other_group = inputs.get("resourceGroupName")
        if other_group not in (None, group_name) and (
            kind.scope or not isinstance(other_group, str)
        ):
            problems.append(
                Problem(r["urn"], f"in resource group {other_group}, not the stack's {group_name}")
            )
            continue
        scope_id = str(inputs[kind.scope]) if kind.scope and inputs.get(kind.scope) else None
        names = tuple(str(inputs[n]) for n in kind.names)
        resources.append(
            _Resource(
                r["urn"],
                r["type"],
                kind,
                arm_type,
                names,
                scope_id,
                inputs,
                None if other_group in (None, group_name) else str(other_group),
            )
        )
    if problems:
        raise ExportError(problems)

    own_ids = {_own_id(r, group_name): r.urn for r in resources}
    deploy_time = _deploy_time_values(resources, catalog, group_name)
    rewriter = _Rewriter(group_name, deploy_time, own_ids)
    by_urn = {r.urn: r for r in resources}
    below = _descendants(plan)
    dependencies = {r["urn"]: r["dependencies"] for r in plan["resources"]}
    unmapped: list[str] = []
    entries: list[dict[str, Any]] = []
    for resource in resources:
        body = {k: v for k, v in resource.inputs.items() if k not in _path_inputs(resource)}
        shape_id = resource.kind.shapes[resource.arm_type]
        unmapped_here: list[str] = []
        placed = _place(body, shape_id, catalog, "", unmapped_here, top=True)
        unmapped.extend(f"{resource.urn}: {u}" for u in unmapped_here)
        rewriter.referenced = set()
        placed = rewriter.value(placed, "", resource.name)
        has_location = "location" in (catalog.shapes[shape_id].get("keys") or {})
        if has_location and "location" not in placed:
            # azure-native defaults a missing location to the resource group's.
            placed["location"] = "[resourceGroup().location]"
        entry: dict[str, Any] = {
            "type": resource.arm_type,
            "apiVersion": resource.kind.api_version,
            "name": resource.name,
            **placed,
        }
        if resource.scope_id is not None:
            scope = _scope_property(resource.scope_id, group_name)
            if scope is not None:
                entry["scope"] = scope
        needs = {u for dep in dependencies[resource.urn] for u in below.get(dep, [dep])}
        needs |= rewriter.referenced
        depends = sorted(
            {
                f"[{_dependency_id(by_urn[u], group_name)}]"
                for u in needs
                if u in by_urn and u != resource.urn
            }
        )
        if depends:
            entry["dependsOn"] = depends
        entry = _ordered(entry)
        if resource.resource_group is not None:
            entry = _nested(resource, entry, catalog)
        entries.append(entry)

    metadata = {
        "generator": "meshward export --format arm",
        "project": plan["project"],
        "stack": plan["stack"],
        "resourceGroup": {
            "name": group_name,
            "location": group["inputs"].get("location"),
            "tags": _sorted(group["inputs"].get("tags") or {}),
            "note": "the deployment target (az deployment group create -g "
            f"{group_name}); a resource-group deployment cannot create its own group",
        },
        "apiVersions": "the REST API versions pulumi-azure-native "
        f"{catalog.source.get('pulumi-azure-native', '?')} uses",
        "placeholders": "values Azure assigns at deploy time are ARM expressions; "
        "secrets are securestring parameters; remaining *.example.invalid and "
        "00000000-… values are the plan's placeholders",
    }
    template = {
        "$schema": SCHEMA,
        "contentVersion": CONTENT_VERSION,
        "metadata": metadata,
        "parameters": dict(sorted(rewriter.parameters.items())),
        "resources": entries,
    }
    return ArmExport(template, sorted(unmapped))
