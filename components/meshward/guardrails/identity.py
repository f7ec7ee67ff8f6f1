"""Peer identities in AuthorizationPolicies: forms that never match or match too much."""

from __future__ import annotations

import re
from collections.abc import Iterator

from meshward.guardrails.index import Index
from meshward.guardrails.model import Hit, Severity, Subject, rule
from meshward.guardrails.walk import Located, not_name
from meshward.mesh.simulation.settings import LOCAL_TRUST_DOMAIN


def _values(index: Index, s: Subject, field: str, key: str) -> Located:
    """(path, value) of a source field, its not-form, and the matching `when` key."""
    return (
        index.values(s, "from", field)
        + index.values(s, "from", not_name(field))
        + index.values(s, "when", key)
    )


@rule(
    "MW140",
    Severity.ERROR,
    title="Principal written with `spiffe://`",
    rationale="istiod prepends `spiffe://` itself, so a principal that carries it never matches: "
    "an ALLOW grants nothing and a DENY denies nothing (SEMANTICS §4.3, §6.1).",
    fix="Write principals as `<trust-domain>/ns/<namespace>/sa/<service-account>`.",
    beyond="The webhook accepts it; no peer tool flags it.",
)
def spiffe_prefix(index: Index) -> Iterator[Hit]:
    for s in index.of_kind("AuthorizationPolicy"):
        for path, value in _values(index, s, "principals", "source.principal"):
            if value.startswith("spiffe://"):
                yield Hit(s, path, f"{value!r} never matches: drop the spiffe:// prefix")


@rule(
    "MW141",
    Severity.WARNING,
    title="Principal or trust domain outside the mesh's trust domains",
    rationale="A principal naming a trust domain that is neither the mesh's, an alias nor "
    "`cluster.local` only matches peers of that foreign domain (SEMANTICS §4.3); usually a typo "
    "or a leftover from another cluster.",
    fix="Use the mesh trust domain (or `cluster.local`), or add the domain to "
    "`trustDomainAliases` if it is really federated.",
    peers=("Kiali KIA0108",),
    beyond="Also checks `trustDomains`/`source.trustDomain`, where `cluster.local` is not special.",
    context=True,
)
def foreign_trust_domain(index: Index) -> Iterator[Hit]:
    local = set(index.mesh.local_trust_domains)
    for s in index.of_kind("AuthorizationPolicy"):
        for path, value in _values(index, s, "principals", "source.principal"):
            parts = value.removeprefix("spiffe://").split("/")
            if len(parts) < 2 or "*" in parts[0]:
                continue
            if parts[0] not in local and parts[0] != LOCAL_TRUST_DOMAIN:
                yield Hit(s, path, f"trust domain {parts[0]!r} is not the mesh's ({_show(local)})")
        for path, value in _values(index, s, "trustDomains", "source.trustDomain"):
            if "*" not in value and value not in local:
                yield Hit(s, path, f"trust domain {value!r} is not the mesh's ({_show(local)})")


def _show(domains: set[str]) -> str:
    return ", ".join(sorted(domains))


@rule(
    "MW142",
    Severity.WARNING,
    title='`principals: ["*"]` or `namespaces: ["*"]` in an ALLOW',
    rationale="`*` means any authenticated peer of any namespace, not a named caller: every "
    "workload in the mesh (and any federated one) is allowed (SEMANTICS §4.3).",
    fix="Name the callers (principals or namespaces) that need access.",
    peers=("ASM SourceNotAllAuthz (partial)",),
)
def wildcard_peer(index: Index) -> Iterator[Hit]:
    for s in index.of_kind("AuthorizationPolicy"):
        if index.action(s) != "ALLOW":
            continue
        for name in ("principals", "namespaces"):
            for path, value in index.values(s, "from", name):
                if value == "*":
                    yield Hit(s, path, "allows any mTLS peer")


_REGEX_META = re.compile(r"[.\[\]()+?{}^$|\\]")


@rule(
    "MW143",
    Severity.WARNING,
    title="Service account or namespace pattern with regex metacharacters",
    rationale="Istio 1.25.0-1.29.1 turned `serviceAccounts` into regexes without escaping, so "
    "`cert-manager.io` also matched `cert-managerXio` (CVE-2026-39350); unescaped metacharacters "
    "in namespace and principal wildcards had the same bug (istio/istio release note 59992).",
    fix="Run an Istio version with the fix, and avoid `.` in service account names used in "
    "policies (or name the principal exactly).",
    beyond="Version-independent: flags the input that the advisory is about.",
)
def regex_metacharacters(index: Index) -> Iterator[Hit]:
    for s in index.of_kind("AuthorizationPolicy"):
        for path, value in _values(index, s, "serviceAccounts", "source.serviceAccount"):
            if "." in value.rpartition("/")[2]:
                yield Hit(s, path, f"{value!r}: `.` acts as a wildcard on affected versions")
        for path, value in _values(index, s, "namespaces", "source.namespace"):
            if "*" in value and _REGEX_META.search(value):
                yield Hit(s, path, f"{value!r}: metacharacters in a wildcard pattern")
        for path, value in _values(index, s, "principals", "source.principal"):
            if value.startswith("*") and _REGEX_META.search(value[1:].rsplit("/", 1)[-1] or ""):
                yield Hit(s, path, f"{value!r}: metacharacters in a suffix pattern")
