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
        opts = pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(depends_on=after))
        return pulumi.ResourceTransformationResult(args.props, opts)

    return transform
