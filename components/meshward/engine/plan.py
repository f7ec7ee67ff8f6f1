"""Turn a captured program run into the plan artifacts (pure: data in, file texts out)."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Mapping
from typing import Any

import yaml

from meshward.engine.harness import Capture
from meshward.json_text import indented_json
from meshward.yaml_text import BlockYaml

PLAN_FILE = "plan.json"
MANIFEST_DIR = "manifests"
HELM_TYPES = ("kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Release")
CLUSTER_DIR = "_cluster"
_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml's emitter where PyYAML has it (about 5× faster, the same text byte for byte)."""


def plan_document(capture: Capture) -> dict[str, Any]:
    """The `plan.json` structure: every registered resource, sorted by URN."""
    resources = [
        {
            "urn": r.urn,
            "type": r.type,
            "name": r.name,
            "parent": r.parent,
            "custom": r.custom,
            "protect": r.protect,
            "dependencies": list(r.dependencies),
            "inputs": r.inputs,
        }
        for r in sorted(capture.registrations, key=lambda r: r.urn)
    ]
    return {"project": capture.project, "stack": capture.stack, "resources": resources}


def _is_kubernetes_object(resource: dict[str, Any]) -> bool:
    kind = str(resource["type"])
    return (kind.startswith("kubernetes:") and resource["custom"]) or kind in HELM_TYPES


def kubernetes_objects(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Kubernetes object the plan declares; Helm charts as `HelmChart` documents."""
    objects: list[dict[str, Any]] = []
    for resource in plan["resources"]:
        if not _is_kubernetes_object(resource):
            continue
        inputs = resource["inputs"]
        if resource["type"] in HELM_TYPES:
            objects.append(
                {
                    "apiVersion": "meshward.io/v1",
                    "kind": "HelmChart",
                    "metadata": {
                        "name": inputs.get("name", resource["name"]),
                        "namespace": inputs.get("namespace"),
                    },
                    "chart": inputs.get("chart"),
                    "version": inputs.get("version"),
                    "repository": (inputs.get("repositoryOpts") or {}).get("repo"),
                    "values": inputs.get("values", {}),
                }
            )
            continue
        obj = {k: v for k, v in inputs.items() if k not in ("apiVersion", "kind", "metadata")}
        metadata = dict(inputs.get("metadata") or {})
        metadata.setdefault("name", resource["name"])
        kind = str(inputs.get("kind", resource["type"].rsplit(":", 1)[-1]))
        if resource["type"].endswith("Patch"):
            kind = f"{kind}Patch"
        objects.append(
            {"apiVersion": inputs.get("apiVersion"), "kind": kind, "metadata": metadata, **obj}
        )
    return objects


def manifest_path(obj: dict[str, Any]) -> str:
    """`manifests/<namespace or _cluster>/<Kind>-<name>.yaml`."""
    metadata = obj["metadata"]
    namespace = metadata.get("namespace") or CLUSTER_DIR
    return f"{MANIFEST_DIR}/{namespace}/{obj['kind']}-{metadata['name']}.yaml"


def _ordered(obj: dict[str, Any]) -> dict[str, Any]:
    first = ["apiVersion", "kind", "metadata"]
    return {
        **{k: obj[k] for k in first if k in obj},
        **{k: obj[k] for k in sorted(obj) if k not in first},
    }


def to_yaml(obj: dict[str, Any]) -> str:
    """Block-style YAML with Kubernetes' conventional top-level key order."""
    text: str = yaml.dump(
        _ordered(obj), Dumper=_DUMPER, sort_keys=False, default_flow_style=False, width=100
    )
    return text


def manifest_yaml(obj: dict[str, Any]) -> str:
    """A manifest's text: `to_yaml` of `obj` with every nested mapping's keys sorted, the
    same text byte for byte: written directly for plain data (`BlockYaml`), else through
    libyaml with the node graph built directly (`_ManifestDumper`)."""
    if type(obj) is dict:
        text = _BLOCK_YAML.dump(_ordered(obj), sort_keys=False)
        if text is not None:
            return text
    if {kind: _DUMPER.yaml_representers.get(kind) for kind in _PLAIN} != _SAFE_REPRESENTERS:
        return to_yaml(_sort_nested(obj))  # someone registered their own representers
    stream = io.StringIO()
    dumper = _ManifestDumper(stream, default_flow_style=False, width=100, sort_keys=False)
    root = _ordered(obj)
    dumper.unsorted = id(root)
    try:
        dumper.open()
        dumper.represent(root)
        dumper.close()
    except _UnplainError:
        return to_yaml(_sort_nested(obj))
    finally:
        dumper.dispose()
    return stream.getvalue()


_PLAIN = (str, dict, list, bool, int, float, type(None))
_SAFE_REPRESENTERS = {kind: yaml.SafeDumper.yaml_representers[kind] for kind in _PLAIN}
_STR_TAG, _MAP_TAG, _SEQ_TAG = (
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
)


_BLOCK_YAML = BlockYaml(_DUMPER)


class _UnplainError(Exception):
    """A value other than plain JSON-like data: `manifest_yaml` falls back to `to_yaml`."""


_PLAIN_TAGS: dict[str, str] = {}
"""What the resolver makes of each plain scalar seen so far (its tag), by text."""
_PLAIN_TAGS_KEPT = 200_000


class _ManifestDumper(_DUMPER):  # type: ignore[misc]
    """`_DUMPER` for plain data (dict, list, str, int, float, bool, None): builds the node
    graph PyYAML's `SafeRepresenter` builds for `_ordered(_sort_nested(obj))` (each nested
    mapping's keys sorted; every container a fresh copy there, so never an alias), i.e. what
    `to_yaml(_sort_nested(obj))` feeds libyaml, without the copies and the generic
    representer's dispatch per value; and answers libyaml's resolver questions (two per
    scalar) from a cache: with no path resolvers the resolver is a pure function of the text.
    Anything else raises `_UnplainError`."""

    unsorted = 0
    # Its own copy of the resolver's table, so the cache stays true whatever else registers.
    yaml_implicit_resolvers = {k: list(v) for k, v in _DUMPER.yaml_implicit_resolvers.items()}

    def represent_data(self, data: Any) -> Any:
        kind = type(data)
        if kind is str:
            return yaml.ScalarNode(_STR_TAG, data, style=self.default_style)
        if kind is dict:
            pairs: list[tuple[Any, Any]] = []
            mapping = yaml.MappingNode(_MAP_TAG, pairs, flow_style=None)
            keys = list(data) if id(data) == self.unsorted else sorted(data)
            represent, scalar, style = self.represent_data, yaml.ScalarNode, self.default_style
            for name in keys:
                value = data[name]
                pairs.append(
                    (
                        scalar(_STR_TAG, name, style=style)
                        if type(name) is str
                        else represent(name),
                        scalar(_STR_TAG, value, style=style)
                        if type(value) is str
                        else represent(value),
                    )
                )
            mapping.flow_style = self._flow_style(pairs, True)
            return mapping
        if kind is list:
            items: list[Any] = []
            sequence = yaml.SequenceNode(_SEQ_TAG, items, flow_style=None)
            represent, scalar, style = self.represent_data, yaml.ScalarNode, self.default_style
            for item in data:
                items.append(
                    scalar(_STR_TAG, item, style=style) if type(item) is str else represent(item)
                )
            sequence.flow_style = self._flow_style(items, False)
            return sequence
        if kind in _PLAIN:  # bool, int, float, None: as SafeRepresenter does
            return super().represent_data(data)
        raise _UnplainError

    def _flow_style(self, children: list[Any], pairs: bool) -> Any:
        if self.default_flow_style is not None:
            return self.default_flow_style
        nodes = [n for pair in children for n in pair] if pairs else children
        return all(isinstance(n, yaml.ScalarNode) and not n.style for n in nodes)

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if self.yaml_path_resolvers:
            return super().resolve(kind, value, implicit)
        if kind is yaml.ScalarNode:
            if not implicit[0]:
                return self.DEFAULT_SCALAR_TAG
            tag = _PLAIN_TAGS.get(value)
            if tag is None:
                if len(_PLAIN_TAGS) >= _PLAIN_TAGS_KEPT:
                    _PLAIN_TAGS.clear()
                tag = _PLAIN_TAGS[value] = super().resolve(kind, value, implicit)
            return tag
        return self.DEFAULT_MAPPING_TAG if kind is yaml.MappingNode else self.DEFAULT_SEQUENCE_TAG

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        if self.yaml_path_resolvers:
            super().descend_resolver(current_node, current_index)

    def ascend_resolver(self) -> None:
        if self.yaml_path_resolvers:
            super().ascend_resolver()


def plan_files(
    plan: dict[str, Any],
    extra_files: Mapping[str, str] | None = None,
    objects: list[dict[str, Any]] | None = None,
) -> dict[str, str]:
    """All files `meshward plan` writes for the `plan_document` `plan`, by path relative to the
    output directory; `extra_files` (e.g. `access.json`/`access.md`) are added as they are.
    `objects` is `kubernetes_objects(plan)` where the caller has it already."""
    # `json.dumps(plan, indent=2, sort_keys=True)`, byte for byte, about 3x faster.
    files = {PLAN_FILE: indented_json(plan, sort_keys=True) + "\n"}
    for path, text in sorted((extra_files or {}).items()):
        if path in files or path.startswith(f"{MANIFEST_DIR}/"):
            raise ValueError(f"extra plan file {path} collides with a generated one")
        files[path] = text
    for obj in kubernetes_objects(plan) if objects is None else objects:
        path = manifest_path(obj)
        if path in files:
            raise ValueError(f"two Kubernetes objects would be written to {path}")
        files[path] = manifest_yaml(obj)
    return files


def _sort_nested(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sort_nested(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sort_nested(v) for v in value]
    return value


def type_counts(plan: dict[str, Any]) -> Counter[str]:
    """How many resources of each type the plan declares."""
    return Counter(r["type"] for r in plan["resources"])
