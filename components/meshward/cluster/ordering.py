"""Make every Kubernetes object of a component tree wait for some Azure resources."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi


def kubernetes_after(resources: Sequence[pulumi.Resource]) -> pulumi.ResourceTransformation:
    """A transformation (inherited by every child, however deep) that adds `resources` to the
    `depends_on` of each `kubernetes:*` resource: the cluster-admin role assignments must exist
    before the API server lets anything in, and must outlive everything inside on destroy.
    Written as a client-side transformation so the edges are recorded per resource in state
    (and in `plan.json`), not only on the provider."""
    after = list(resources)

    def transform(
        args: pulumi.ResourceTransformationArgs,
    ) -> pulumi.ResourceTransformationResult | None:
        if not after or not args.type_.startswith("kubernetes:"):
            return None
        if _depends_on_all(args.opts.depends_on, after):
            # Nothing to add (the SDK keeps dependencies as a set): the same edges without
            # merging a copy of the options, for a component that declares thousands of
            # objects with these resources in their `depends_on` already.
            return None
        opts = pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(depends_on=after))
        return pulumi.ResourceTransformationResult(args.props, opts)

    return transform


def _depends_on_all(depends_on: object, resources: Sequence[pulumi.Resource]) -> bool:
    """Whether a `depends_on` option lists every one of `resources` itself."""
    return isinstance(depends_on, list) and all(
        any(listed is resource for listed in depends_on) for resource in resources
    )
