"""Policies checked against what exists: namespaces, service accounts, workloads, Services,
and break-glass grants."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from meshward.guardrails.index import Index, Workload
from meshward.guardrails.model import Hit, Severity, Subject, rule
from meshward.guardrails.walk import (
    annotation,
    is_gateway_selector,
    spec,
)
from meshward.mesh.simulation.scope import as_mapping

BREAK_GLASS = "meshward.io/break-glass"
_BREAK_GLASS = re.compile(
    r"^(?P<name>[^:]+):\s*expires (?P<expires>\d{4}-\d{2}-\d{2}),\s*ticket (?P<ticket>[^,]+),\s*"
    r"(?P<reason>.+)$",
    re.DOTALL,
)


def _service_ports(index: Index, workloads: list[Workload]) -> dict[int, int | str]:
    """Service port → target port, for Services that select `workloads`, where they differ."""
    out: dict[int, int | str] = {}
    for svc in index.inventory.services:
        if not svc.selector:
            continue
        if not any(
            w.namespace == svc.namespace
            and all(w.labels.get(k) == v for k, v in svc.selector.items())
            for w in workloads
        ):
            continue
        for p in svc.ports:
            if p.target_port is not None and p.target_port != p.port:
                out[p.port] = p.target_port
    return out


@rule(
    "MW150",
    Severity.ERROR,
    title="Service port used where the workload port applies",
    rationale="AuthorizationPolicy `ports` and PeerAuthentication `portLevelMtls` match the "
    "workload (container) port, not the Service port; a policy on the Service port silently never "
    "applies (ISTIO-SECURITY-2021-002: gateway ports moved 80→8080; SEMANTICS §4.3).",
    fix="Use the Service's targetPort (the container port).",
    beyond="No peer tool compares policy ports with Services (IST0114 was removed in 2020).",
    context=True,
)
def service_port(index: Index) -> Iterator[Hit]:
    if not index.inventory.services:
        return
    for s in index.of_kind("AuthorizationPolicy"):
        workloads = index.selected_workloads(s)
        mapping = _service_ports(index, workloads)
        container = {p.port for w in workloads for p in w.ports}
        if not mapping:
            continue
        for name in ("ports", "notPorts"):
            for path, value in index.values(s, "to", name):
                port = int(value) if value.isdecimal() else None
                if port in mapping and port not in container:
                    yield Hit(
                        s,
                        path,
                        f"{port} is a Service port; the workload listens on {mapping[port]}",
                    )
    for s in index.of_kind("PeerAuthentication"):
        workloads = index.selected_workloads(s) if index.selector(s) else []
        mapping = _service_ports(index, workloads)
        container = {p.port for w in workloads for p in w.ports}
        for key in as_mapping(spec(s).get("portLevelMtls")):
            port = int(key) if str(key).isdecimal() else None
            if port in mapping and port not in container:
                yield Hit(
                    s,
                    f"spec.portLevelMtls.{key}",
                    f"{port} is a Service port; the workload listens on {mapping[port]}",
                )


def break_glass(s: Subject) -> tuple[str, date | None, bool] | None:
    """(annotation, expiry, justified) of a break-glass policy; `None` when it is not one."""
    value = annotation(s, BREAK_GLASS)
    intent = str(annotation(s, "meshward.io/intent") or "")
    if value is None and "breakGlass:" not in intent:
        return None
    text = str(value or "")
    match = _BREAK_GLASS.match(text)
    if match is None:
        return text, None, False
    try:
        expires = date.fromisoformat(match["expires"])
    except ValueError:
        return text, None, False
    return text, expires, bool(match["reason"].strip() and match["ticket"].strip())


@rule(
    "MW151",
    Severity.ERROR,
    title="Expired break-glass grant",
    rationale="A break-glass ALLOW is an emergency exception with an expiry; past it the grant is "
    "standing access nobody reviewed (NIST SP 800-53 AC-2(2), temporary accounts).",
    fix="Remove the grant (or renew it with a new ticket, reason and expiry).",
    beyond="No peer tool knows break-glass grants.",
)
def expired_break_glass(index: Index) -> Iterator[Hit]:
    for s in index.of_kind("AuthorizationPolicy"):
        found = break_glass(s)
        if found and found[1] is not None and found[1] < index.settings.today:
            yield Hit(
                s,
                f"metadata.annotations.{BREAK_GLASS}",
                f"break-glass grant expired on {found[1].isoformat()}",
            )


@rule(
    "MW152",
    Severity.ERROR,
    title="Break-glass grant without expiry, ticket or reason",
    rationale="An emergency grant must say why, under which ticket and until when, or it cannot "
    "be reviewed or expired (NIST SP 800-53 AC-2(2)).",
    fix=f"Annotate `{BREAK_GLASS}: '<name>: expires YYYY-MM-DD, ticket <id>, <reason>'` (meshward "
    "writes this from `mesh.breakGlass`).",
)
def unjustified_break_glass(index: Index) -> Iterator[Hit]:
    for s in index.of_kind("AuthorizationPolicy"):
        found = break_glass(s)
        if found and not found[2]:
            yield Hit(
                s,
                f"metadata.annotations.{BREAK_GLASS}",
                "break-glass grant lacks an expiry, ticket or reason",
            )


def _namespace_refs(index: Index, s: Subject) -> Iterator[tuple[str, str, str | None]]:
    """(path, namespace, service account or None) named by a policy's sources."""
    own = s.namespace or "default"
    for name in ("namespaces", "notNamespaces"):
        for path, value in index.values(s, "from", name):
            yield path, value, None
    for name in ("principals", "notPrincipals"):
        for path, value in index.values(s, "from", name):
            parts = value.split("/")
            if len(parts) == 5 and parts[1] == "ns" and parts[3] == "sa":
                yield path, parts[2], parts[4]
    for name in ("serviceAccounts", "notServiceAccounts"):
        for path, value in index.values(s, "from", name):
            ns, _, sa = value.rpartition("/")
            yield path, ns or own, sa
    for path, value in index.values(s, "when", "source.namespace"):
        yield path, value, None


@rule(
    "MW153",
    Severity.ERROR,
    title="Policy names a namespace that does not exist",
    rationale="A source namespace nobody runs in is a typo or a leftover: an ALLOW grants nothing "
    "and a DENY (or `notNamespaces`) protects nothing (IST0101, KIA0101).",
    fix="Correct the namespace, or add the Namespace if it is new.",
    peers=("istioctl IST0101", "Kiali KIA0101"),
    beyond="Also checks the namespaces inside principals and serviceAccounts.",
    context=True,
)
def unknown_namespace(index: Index) -> Iterator[Hit]:
    known = index.inventory.namespaces
    if known is None:
        return
    known = known | {index.root} | index.inventory.gateway_namespaces
    patterns = [n for n in known if "*" not in n]
    for s in index.of_kind("AuthorizationPolicy"):
        for path, ns, _ in _namespace_refs(index, s):
            if "*" in ns:
                regex = re.compile(".*".join(re.escape(p) for p in ns.split("*")))
                if not any(regex.fullmatch(n) for n in patterns):
                    yield Hit(s, path, f"no namespace matches {ns!r}")
            elif ns not in known:
                yield Hit(s, path, f"namespace {ns!r} is not known")


@rule(
    "MW154",
    Severity.ERROR,
    title="Policy names a service account no workload runs as",
    rationale="A principal or serviceAccounts entry for an account no workload uses is a typo or "
    "a stale grant (KIA0106; CVE-2026-39350 shows how near-miss names behave).",
    fix="Correct the service account, or remove the stale entry.",
    peers=("Kiali KIA0106 (principals only)",),
    beyond="Also checks serviceAccounts (Istio 1.25+), which Kiali does not.",
    context=True,
)
def unknown_service_account(index: Index) -> Iterator[Hit]:
    if not index.known_workloads:
        return
    accounts: dict[str, set[str]] = {}
    for w in index.inventory.workloads:
        accounts.setdefault(w.namespace, set()).add(w.service_account)
    skip = index.inventory.gateway_namespaces
    for s in index.of_kind("AuthorizationPolicy"):
        for path, ns, sa in _namespace_refs(index, s):
            if sa is None or "*" in sa or "*" in ns or ns in skip or ns not in accounts:
                continue
            if sa not in accounts[ns]:
                known = ", ".join(sorted(accounts[ns]))
                yield Hit(s, path, f"no workload runs as {ns}/{sa} (known in {ns}: {known})")


@rule(
    "MW155",
    Severity.WARNING,
    title="Selector matches no known workload",
    rationale="A policy whose selector selects nothing protects nothing; with a typo in a DENY "
    "or a RequestAuthentication the intended workload stays open (IST0127, KIA0004).",
    fix="Correct the selector labels to those of the workload's pods.",
    peers=("istioctl IST0127 (AuthorizationPolicy only)", "Kiali KIA0004"),
    beyond="Covers PeerAuthentication and RequestAuthentication too.",
    context=True,
)
def selector_matches_nothing(index: Index) -> Iterator[Hit]:
    if not index.known_workloads:
        return
    for kind in ("AuthorizationPolicy", "RequestAuthentication", "PeerAuthentication"):
        for s in index.of_kind(kind):
            labels = index.selector(s)
            if not labels or is_gateway_selector(labels, s):
                continue
            if s.namespace in index.inventory.gateway_namespaces:
                continue
            if not index.selected_workloads(s):
                shown = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
                yield Hit(s, "spec.selector.matchLabels", f"no known workload has {shown}")
