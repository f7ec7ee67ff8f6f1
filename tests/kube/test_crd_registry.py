"""Any CRD file is a validator: structural schema keywords, null pruning, unknown fields,
ObjectMeta and CEL rules, each problem located and naming its rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from meshward.kube import crd
from meshward.kube.crd import CrdFileError, CrdRegistry, crd_documents

WIDGET_CRD = """\
# Not Istio: a made-up kind, to show the loader takes any CRD file.
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            x-kubernetes-validations:
            - rule: "!has(self.min) || self.min <= self.size"
              message: min must not exceed size
              fieldPath: .min
            properties:
              size: {type: integer, minimum: 1, maximum: 10}
              min: {type: integer}
              mode: {type: string, enum: [fast, slow]}
              name: {type: string, pattern: '^[a-z]+$', maxLength: 5}
              port: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}
              note: {type: string, nullable: true}
              tags:
                type: array
                maxItems: 2
                x-kubernetes-list-type: set
                items: {type: string}
              labels:
                type: object
                additionalProperties:
                  type: string
                  x-kubernetes-validations: [{rule: "self != 'x'"}]
              extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
  - name: v0
    served: false
    storage: false
    schema: {openAPIV3Schema: {type: object}}
"""


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> CrdRegistry:
    file = tmp_path_factory.mktemp("crds") / "widgets.yaml"
    file.write_text(WIDGET_CRD, encoding="utf-8")
    return CrdRegistry.from_files(file)


def widget(spec: Any, **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": "ns", **meta},
        "spec": spec,
    }


def found(registry: CrdRegistry, obj: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p.path, p.message) for p in registry.problems(obj)]


def test_valid_object_has_no_problem(registry: CrdRegistry) -> None:
    obj = widget(
        {
            "size": 3,
            "min": 1,
            "mode": "fast",
            "port": "http",
            "note": None,
            "tags": ["a", "b"],
            "labels": {"a.b/c": "y"},
            "extra": {"any": [1]},
        }
    )
    assert registry.owns(obj)
    assert found(registry, obj) == []


@pytest.mark.parametrize(
    ("spec", "path", "rule"),
    [
        ({}, "spec.size", "[CRD schema: required]"),
        ({"size": "3"}, "spec.size", "[CRD schema: type]"),
        ({"size": True}, "spec.size", "[CRD schema: type]"),
        ({"size": 11}, "spec.size", "[CRD schema: maximum]"),
        ({"size": 1, "mode": "FAST"}, "spec.mode", "[CRD schema: enum]"),
        ({"size": 1, "name": "ABC"}, "spec.name", "[CRD schema: pattern]"),
        ({"size": 1, "name": "abcdef"}, "spec.name", "[CRD schema: maxLength]"),
        ({"size": 1, "port": 1.5}, "spec.port", "[CRD schema: type]"),
        (
            {"size": 1, "tags": ["a", "a"]},
            "spec.tags[1]",
            "[CRD schema: x-kubernetes-list-type=set]",
        ),
        ({"size": 1, "tags": ["a", "b", "c"]}, "spec.tags", "[CRD schema: maxItems]"),
        ({"size": 1, "tags": [None]}, "spec.tags[0]", "[CRD schema: type]"),
        ({"size": 1, "colour": "red"}, "spec.colour", "[CRD schema: unknown field]"),
        ({"size": 1, "labels": {"k": "x"}}, 'spec.labels["k"]', "[CRD rule: self != 'x']"),
        ({"size": 2, "min": 3}, "spec.min", "[CRD rule: !has(self.min) || self.min <= self.size]"),
    ],
)
def test_each_schema_rule_is_located_and_named(
    registry: CrdRegistry, spec: dict[str, Any], path: str, rule: str
) -> None:
    [(where, message)] = found(registry, widget(spec))
    assert where == path
    assert message.endswith(rule)


def test_cel_rule_uses_its_message(registry: CrdRegistry) -> None:
    [(_, message)] = found(registry, widget({"size": 2, "min": 3}))
    assert message.startswith("min must not exceed size ")


def test_null_of_a_non_nullable_field_is_pruned_before_the_rules(registry: CrdRegistry) -> None:
    # The API server drops `min: null`; the rule then sees no `min` at all.
    assert found(registry, widget({"size": 2, "min": None})) == []
    assert found(registry, widget({"size": None})) == [
        ("spec.size", "Required value [CRD schema: required]")
    ]


def test_cel_rules_skip_values_of_the_wrong_type(registry: CrdRegistry) -> None:
    # The type error is reported; the value's own rule is not also run on an integer.
    [(where, message)] = found(registry, widget({"size": 2, "labels": {"k": 1}}))
    assert where == 'spec.labels["k"]'
    assert message.endswith("[CRD schema: type]")


@pytest.mark.parametrize(
    ("meta", "path"),
    [
        ({"name": "Bad_Name"}, "metadata.name"),
        ({"namespace": "NS"}, "metadata.namespace"),
        ({"labels": {"app": "a b"}}, 'metadata.labels["app"]'),
        ({"labels": {"bad key!": "a"}}, 'metadata.labels["bad key!"]'),
        ({"annotations": {"x/y/z": "a"}}, 'metadata.annotations["x/y/z"]'),
        ({"labels": {"n": 1}}, 'metadata.labels["n"]'),
    ],
)
def test_object_meta_rules(registry: CrdRegistry, meta: dict[str, Any], path: str) -> None:
    [(where, message)] = found(registry, widget({"size": 1}, **meta))
    assert where == path
    assert message.endswith("[ObjectMeta]")


def test_unserved_version_and_unknown_kind(registry: CrdRegistry) -> None:
    obj = widget({"size": 1}) | {"apiVersion": "example.com/v0"}
    [(where, message)] = found(registry, obj)
    assert where == "apiVersion"
    assert "use one of: example.com/v1" in message
    [(where, _)] = found(registry, widget({}) | {"kind": "Gadget"})
    assert where == "kind"


def test_other_groups_are_not_owned(registry: CrdRegistry) -> None:
    assert not registry.owns({"apiVersion": "apps/v1", "kind": "Deployment"})
    assert not registry.owns(["not", "a", "mapping"])


def test_file_without_crds_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "empty.yaml"
    file.write_text("apiVersion: v1\nkind: ConfigMap\n", encoding="utf-8")
    with pytest.raises(CrdFileError, match="no CustomResourceDefinition"):
        CrdRegistry.from_files(file)


SHARED_ALL = Path(__file__).parents[2] / "../shared/istio/crd-all.gen.yaml"


def test_every_istio_crd_loads_and_every_rule_compiles() -> None:
    # Adding kinds (Telemetry, ServiceEntry, ...) is one vendored file: Istio's full CRD file
    # loads, and none of its 36 distinct CEL rules falls outside the evaluator.
    if not SHARED_ALL.exists():
        pytest.skip(f"../shared not present: {SHARED_ALL.resolve()} is missing")
    registry = CrdRegistry.from_files(SHARED_ALL)
    assert ("telemetry.istio.io", "Telemetry") in registry.kinds
    assert ("networking.istio.io", "ServiceEntry") in registry.kinds
    unsupported = []
    for kind in registry.kinds.values():
        for version in kind.versions.values():
            stack = [version.schema]
            while stack:
                node = stack.pop()
                unsupported += [r.text for r in node.rules if r.program is None]
                stack += [*(node.properties or {}).values(), *node.one_of, *node.any_of]
                stack += [n for n in (node.items, node.additional, node.not_) if n]
    assert unsupported == []
    entry = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "ServiceEntry",
        "metadata": {"name": "se", "namespace": "ns"},
        "spec": {
            "hosts": ["a.example"],
            "ports": [{"number": 0, "name": "http"}],
            "resolution": "DNS",
            "addresses": ["10.0.0.0/24"],
        },
    }
    paths = {p.path for p in registry.problems(entry)}
    assert "spec.ports[0].number" in paths  # CEL: 0 < self && self <= 65535
    assert "spec" in paths  # CEL: CIDR addresses need resolution NONE or STATIC


GADGET_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.example.com
spec:
  group: example.com
  names:
    kind: Gadget
    plural: gadgets
  scope: Cluster
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer, maximum: 3}
"""


def test_deferred_registry_answers_as_the_eager_one() -> None:
    # One document in the usual layout (read when used), one in flow style (read at once),
    # a non-CRD document, and a later definition of a kind replacing the earlier one.
    text = "\n---\n".join([GADGET_CRD, WIDGET_CRD, "apiVersion: v1\nkind: ConfigMap\n", GADGET_CRD])
    eager = CrdRegistry(crd_documents(text, "all.yaml"))
    deferred = CrdRegistry.deferred([(text, "all.yaml")])
    assert list(deferred.kinds) == list(eager.kinds)
    assert deferred.groups == eager.groups
    gadget = {"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}}
    for obj in (
        widget({"size": 11}),
        widget({}) | {"kind": "Nope"},
        gadget | {"spec": {"size": 4}},
    ):
        assert deferred.problems(obj) == eager.problems(obj)
        assert deferred.problems(obj)


def test_deferred_registry_reads_a_kind_only_when_used() -> None:
    broken = GADGET_CRD.replace("    served: true", "    served: [true")
    registry = CrdRegistry.deferred([(f"---\n{WIDGET_CRD}---\n{broken}", "crds.yaml")])
    assert ("example.com", "Gadget") in registry.kinds
    assert found(registry, widget({"size": 1})) == []
    with pytest.raises(CrdFileError, match=r"crds\.yaml document 2: not valid YAML"):
        registry.problems({"apiVersion": "example.com/v1", "kind": "Gadget"})


def test_a_deferred_document_must_hold_the_kind_its_lines_name() -> None:
    # The lines name Gadget, but YAML's last `kind:` wins: Gizmo.
    lying = GADGET_CRD.replace("    plural: gadgets", "    plural: gadgets\n    kind: Gizmo")
    assert crd._crd_key(lying) is None
    # Its lines name example.com/Gadget, but YAML's last `spec:` wins.
    lying = GADGET_CRD + "spec: {group: other.io, names: {kind: Gadget}, versions: []}\n"
    assert crd._crd_key(lying) == ("example.com", "Gadget")
    with pytest.raises(CrdFileError, match="not the one CustomResourceDefinition"):
        crd._read_one(lying, "x.yaml", ("example.com", "Gadget"))
