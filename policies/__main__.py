"""meshward's CrossGuard pack: every guardrail of `meshward.guardrails` as a Pulumi policy.

    pulumi preview --policy-pack policies --policy-pack-config policies/<stack>.json

The policies are built by `meshward.guardrails.crossguard.policies()` and call the same rule
functions as `meshward check` and `meshward plan`; `policies/<stack>.json` sets each stack's
enforcement and waivers (generated from `Pulumi.<stack>.yaml`, kept in step by a test).
"""

from pulumi_policy import EnforcementLevel, PolicyPack

from meshward.guardrails.crossguard import PACK_NAME, policies

PolicyPack(
    name=PACK_NAME,
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=policies(),
)
