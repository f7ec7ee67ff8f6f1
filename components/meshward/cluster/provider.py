"""Where in-cluster components register: a given Kubernetes provider, or the inherited one."""

from __future__ import annotations

import pulumi


def with_provider(
    opts: pulumi.ResourceOptions | None, provider: pulumi.ProviderResource | None
) -> pulumi.ResourceOptions | None:
    """`opts` plus `provider` for the component and its children. Without one, children use
    the provider in `opts.providers` or, failing that, Pulumi's default Kubernetes provider
    (the ambient kubeconfig), which is how a cluster meshward did not create is reached."""
    if provider is None:
        return opts
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(providers=[provider]))
