"""Every Kubernetes object of a component tree waits for the resources given to
`kubernetes_after`, whether its own `depends_on` lists them already or not."""

from __future__ import annotations

import pulumi

from meshward.cluster.ordering import kubernetes_after
from meshward.engine.harness import run_function


class _Thing(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("meshward:test:Thing", name, None, opts)
        self.register_outputs({})


def test_kubernetes_objects_depend_on_the_resources_once_listed_or_not() -> None:
    def program() -> None:
        # Custom resources: a component dependency stands for the custom resources inside it.
        first, second, own = (
            pulumi.CustomResource("test:index:Grant", n, {}) for n in ("first", "second", "own")
        )
        tree = _Thing(
            "tree", pulumi.ResourceOptions(transformations=[kubernetes_after([first, second])])
        )
        for name, depends_on in [
            ("bare", None),
            ("own", [own]),
            ("listed", [own, second, first]),
            ("some", [first, own]),
            ("output", pulumi.Output.from_input([own])),
        ]:
            pulumi.CustomResource(
                "kubernetes:core/v1:ConfigMap",
                name,
                {},
                pulumi.ResourceOptions(parent=tree, depends_on=depends_on),
            )
        pulumi.CustomResource(
            "azure-native:resources:ResourceGroup", "rg", {}, pulumi.ResourceOptions(parent=tree)
        )

    capture = run_function(program, "p", "s", {})
    deps = {r.name: {d.rsplit("::", 1)[1] for d in r.dependencies} for r in capture.registrations}
    assert deps["bare"] == {"first", "second"}
    assert (
        deps["own"]
        == deps["listed"]
        == deps["some"]
        == deps["output"]
        == {"first", "second", "own"}
    )
    assert deps["rg"] == set()


def test_options_that_list_every_resource_are_left_as_they_are() -> None:
    seen: list[pulumi.ResourceTransformationResult | None] = []

    def program() -> None:
        first, own = _Thing("first"), _Thing("own")  # identity is all that is compared
        transform = kubernetes_after([first])
        for depends_on in ([own, first], [own]):
            opts = pulumi.ResourceOptions(depends_on=depends_on)
            args = pulumi.ResourceTransformationArgs(
                own, "kubernetes:core/v1:ConfigMap", "x", {}, opts
            )
            seen.append(transform(args))

    run_function(program, "p", "s", {})
    listed, missing = seen
    assert listed is None
    assert missing is not None and isinstance(missing.opts.depends_on, list)
    assert [r._name for r in missing.opts.depends_on] == ["own", "first"]
