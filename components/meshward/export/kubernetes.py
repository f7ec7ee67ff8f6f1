"""The plan's Kubernetes objects as what `kubectl` and `helm` take (pure: plan document in,
file texts out).

- Plain objects and custom resources: one multi-document YAML stream, each document a real
  kind at its real apiVersion.
- Patches (`kubernetes:…:ServicePatch` and the like, Pulumi's server-side-apply patches): a
  document of the patched kind holding only the fields meshward owns, marked as a patch to apply
  with `kubectl apply --server-side --field-manager=meshward` (it is not a complete object).
- Helm releases: not Kubernetes objects, so not in the stream; each chart's values file, with
  the chart, repository, version and namespace in its header.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from meshward.engine.plan import HELM_TYPES

FIELD_MANAGER = "meshward"
#: Apply order: what others live in or refer to comes first.
_KIND_ORDER = {
    "Namespace": 0,
    "CustomResourceDefinition": 1,
    "ServiceAccount": 2,
    "ConfigMap": 2,
    "Secret": 2,
}


@dataclass(frozen=True)
class HelmRelease:
    """One Helm release: where the chart comes from and the values meshward passes."""

    name: str
    namespace: str
    chart: str
    version: str
    repository: str
    values: dict[str, Any]


@dataclass(frozen=True)
class KubernetesExport:
    """The object stream and the Helm releases of one plan."""

    objects: list[dict[str, Any]]
    patches: frozenset[int]
    """Indexes into `objects` of the documents that are server-side-apply patches."""
    releases: list[HelmRelease]


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def _object(resource: dict[str, Any]) -> dict[str, Any]:
    inputs = resource["inputs"]
    metadata = dict(inputs.get("metadata") or {})
    metadata.setdefault("name", resource["name"])
    kind = str(inputs.get("kind") or resource["type"].rsplit(":", 1)[-1].removesuffix("Patch"))
    rest = {k: v for k, v in inputs.items() if k not in ("apiVersion", "kind", "metadata")}
    return {
        "apiVersion": inputs.get("apiVersion"),
        "kind": kind,
        "metadata": _sorted(metadata),
        **_sorted(rest),
    }


def kubernetes_export(plan: dict[str, Any]) -> KubernetesExport:
    """Every Kubernetes object and Helm release the plan declares, in apply order."""
    found: list[tuple[tuple[int, str, str, str], dict[str, Any], bool]] = []
    releases: list[HelmRelease] = []
    for resource in plan["resources"]:
        kind_token = str(resource["type"])
        if kind_token in HELM_TYPES:
            inputs = resource["inputs"]
            releases.append(
                HelmRelease(
                    name=str(inputs.get("name") or resource["name"]),
                    namespace=str(inputs.get("namespace") or "default"),
                    chart=str(inputs.get("chart")),
                    version=str(inputs.get("version")),
                    repository=str((inputs.get("repositoryOpts") or {}).get("repo") or ""),
                    values=_sorted(inputs.get("values") or {}),
                )
            )
            continue
        if not (kind_token.startswith("kubernetes:") and resource["custom"]):
            continue
        obj = _object(resource)
        metadata = obj["metadata"]
        key = (
            _KIND_ORDER.get(obj["kind"], 3),
            str(metadata.get("namespace") or ""),
            str(obj["kind"]),
            str(metadata["name"]),
        )
        found.append((key, obj, kind_token.endswith("Patch")))
    found.sort(key=lambda item: item[0])
    objects = [obj for _, obj, _ in found]
    patches = frozenset(i for i, (_, _, patch) in enumerate(found) if patch)
    releases.sort(key=lambda r: (r.namespace, r.name))
    return KubernetesExport(objects, patches, releases)


def _dump(value: Any) -> str:
    text: str = yaml.safe_dump(value, sort_keys=False, default_flow_style=False, width=100)
    return text


def objects_yaml(export: KubernetesExport, stack: str) -> str:
    """The multi-document stream; patches carry a comment saying how to apply them."""
    parts = [
        f"# meshward export --stack {stack} --format k8s: every Kubernetes object of the plan.\n"
        f"# Helm releases are not objects: their values files are written beside this file.\n"
        f"# Values Azure assigns at deploy time are the plan's placeholders (00000000-... GUIDs,\n"
        f"# *.example.invalid hosts); `pulumi up` fills in the real ones.\n"
    ]
    for index, obj in enumerate(export.objects):
        header = "---\n"
        if index in export.patches:
            header += (
                f"# server-side-apply patch of an existing {obj['kind']} (only the fields "
                f"meshward owns):\n# kubectl apply --server-side "
                f"--field-manager={FIELD_MANAGER} -f -\n"
            )
        parts.append(header + _dump(obj))
    return "".join(parts)


def values_file_name(release: HelmRelease) -> str:
    """`<namespace>.<release>.values.yaml`."""
    return f"{release.namespace}.{release.name}.values.yaml"


def values_yaml(release: HelmRelease) -> str:
    """A chart's values, headed by the command that installs it with them."""
    repo = f" --repo {release.repository}" if release.repository else ""
    header = (
        f"# Helm values of release {release.name} (chart {release.chart} {release.version}).\n"
        f"# helm upgrade --install {release.name} {release.chart}{repo} "
        f"--version {release.version} --namespace {release.namespace} "
        f"-f {values_file_name(release)}\n"
    )
    return header + _dump(release.values)
