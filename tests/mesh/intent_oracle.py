"""An independent oracle for the mesh intent, written from `meshward.mesh.intent.models`'s
module docstring (never from the compiler): does the intent allow this request?

It decides from the intent alone, so comparing it with the simulator over the *compiled*
objects checks the compiler end to end. Requests are the simulator's `Request` model.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from meshward.config.jwt import JwtIssuer
from meshward.mesh.intent import (
    AccessRule,
    DenyRule,
    DenySource,
    MeshIntent,
    Source,
    Workload,
)
from meshward.mesh.simulation import Request

TRUST_DOMAIN = "cluster.local"
INGRESS_NAMESPACE = "aks-istio-ingress"
SPACE_SPLIT = ("scope", "permission")


def normalize(path: str) -> str:
    """The path rules compare: no query, slashes merged, `.`/`..` resolved."""
    path = path.split("?", 1)[0]
    while "//" in path:
        path = path.replace("//", "/")
    out: list[str] = []
    segments = path.split("/")[1:]
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == ".":
            if last:
                out.append("")
        elif segment == "..":
            if out:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(segment)
    return "/" + "/".join(out)


class Oracle:
    """The intent's decision for requests to its workloads."""

    def __init__(self, intent: MeshIntent, issuers: Sequence[JwtIssuer]) -> None:
        self.intent = intent
        self.issuers = {i.name: i for i in issuers}

    # ---- who is the caller ---------------------------------------------------------------

    def mtls_mode(self, workload: Workload, port: int) -> str:
        """Narrowest wins: workload port > workload > namespace > mesh."""
        mtls = self.intent.mtls
        mode = mtls.namespaces.get(workload.namespace, mtls.mode)
        for override in mtls.workloads:
            if self.intent.workload(override.workload) == workload:
                mode = override.ports.get(port, override.mode or mode)
        return mode

    @staticmethod
    def identity(principal: str | None) -> tuple[str, str, str] | None:
        """(trust domain, namespace, service account) of an mTLS principal."""
        if principal is None:
            return None
        parts = principal.removeprefix("spiffe://").split("/")
        return (parts[0], parts[2], parts[4])

    def is_workload(self, ident: tuple[str, str, str] | None, refs: Sequence[str]) -> bool:
        if ident is None or ident[0] != TRUST_DOMAIN:
            return False
        for ref in refs:
            w = self.intent.workload(ref)
            if w is not None and (w.namespace, w.sa) == ident[1:]:
                return True
        return False

    @staticmethod
    def in_namespaces(ident: tuple[str, str, str] | None, namespaces: Sequence[str]) -> bool:
        return ident is not None and ident[0] == TRUST_DOMAIN and ident[1] in namespaces

    @staticmethod
    def in_blocks(ip: str | None, blocks: Sequence[str]) -> bool:
        if ip is None:
            return False
        address = ipaddress.ip_address(ip)
        return any(address in ipaddress.ip_network(b) for b in blocks)

    def peer_matches(
        self, src: Source | DenySource, ident: tuple[str, str, str] | None, ip: str | None
    ) -> bool:
        namespaces = list(src.namespaces)
        if isinstance(src, Source) and src.ingress_gateway:
            namespaces.append(INGRESS_NAMESPACE)
        return (
            self.is_workload(ident, src.workloads)
            or self.in_namespaces(ident, namespaces)
            or self.in_blocks(ip, src.ip_blocks)
        )

    # ---- rules ---------------------------------------------------------------------------

    def targets(self, rule: AccessRule | DenyRule, workload: Workload) -> bool:
        return any(self.intent.workload(r) == workload for r in rule.to.workloads)

    def allow_rules(self, workload: Workload) -> list[AccessRule]:
        access = [r for r in self.intent.access if self.targets(r, workload)]
        protected = bool(access) or self.intent.default_deny_in(workload.namespace)
        # A grant "behaves the same" as an access rule; on an unprotected workload it adds
        # nothing, because that workload already accepts everything.
        grants: list[AccessRule] = [
            g for g in self.intent.break_glass if protected and self.targets(g, workload)
        ]
        return access + grants

    @staticmethod
    def claim_holds(value: object, accepted: Sequence[str], split: bool) -> bool:
        if isinstance(value, str):
            items = value.split(" ") if split else [value]
        elif isinstance(value, list):
            items = [v for v in value if isinstance(v, str)]
        else:
            return False
        return any(i in accepted for i in items)

    def token_matches(self, rule: AccessRule, token: dict[str, object] | None) -> bool:
        req = rule.from_.jwt
        assert req is not None
        if token is None or token.get("iss") != self.issuers[req.issuer].issuer:
            return False
        if req.subjects and token.get("sub") not in req.subjects:
            return False
        return all(
            self.claim_holds(token.get(claim), values, claim in SPACE_SPLIT)
            for claim, values in req.claims.items()
        )

    def allows(self, request: Request) -> bool:
        """Whether the intent allows `request` (to one of its workloads)."""
        dest = request.destination
        workload = next(
            w
            for w in self.intent.workloads
            if w.namespace == dest.namespace and w.selector == dict(sorted(dest.labels.items()))
        )
        port = dest.port
        declared = workload.port(port)
        http = request.protocol == "HTTP"
        mode = self.mtls_mode(workload, port)
        principal = request.source.principal
        if mode == "STRICT" and principal is None:
            return False
        ident = None if mode == "DISABLE" else self.identity(principal)
        ip = request.source.ip
        rules = self.allow_rules(workload)
        jwt_rules = [r for r in rules if r.from_.jwt is not None]

        # Tokens: validated when a jwt rule targets the workload; a bad one is refused.
        token: dict[str, object] | None = None
        if http and jwt_rules and request.jwt is not None:
            names = {r.from_.jwt.issuer for r in jwt_rules if r.from_.jwt}
            claims = dict(request.jwt.claims)
            issuer = next(
                (self.issuers[n] for n in names if self.issuers[n].issuer == claims.get("iss")),
                None,
            )
            if issuer is None or request.jwt.expired or not request.jwt.signature_valid:
                return False
            aud = claims.get("aud")
            given = aud if isinstance(aud, list) else [aud]
            if issuer.audiences and not set(issuer.audiences) & set(given):
                return False
            token = claims

        path = normalize(request.path) if request.path else None

        # Deny rules win.
        for deny in self.intent.deny:
            if not self.targets(deny, workload):
                continue
            http_fields = bool(deny.to.methods or deny.to.paths)
            if deny.to.ports or http_fields:
                ports = [
                    p.port
                    for p in self.intent.target_ports(deny.to, workload)
                    if p.is_http or not http_fields
                ]
                if port not in ports:
                    continue
            if deny.to.methods and request.method not in deny.to.methods:
                continue
            if deny.to.paths and not any(
                path is not None and path.startswith(p.rstrip("*")) for p in deny.to.paths
            ):
                continue
            if deny.from_ is not None and not self.peer_matches(deny.from_, ident, ip):
                continue
            if deny.unless is not None and self.peer_matches(deny.unless, ident, ip):
                continue
            return False

        # A caller of a jwt rule without a valid token is refused on that rule's ports.
        for rule in jwt_rules:
            ports = [p.port for p in self.intent.target_ports(rule.to, workload)]
            callers = not rule.from_.has_peers or self.peer_matches(rule.from_, ident, ip)
            if port in ports and callers and token is None:
                return False

        targeted = any(self.targets(r, workload) for r in self.intent.access)
        if not (targeted or self.intent.default_deny_in(workload.namespace)):
            return True
        if declared is None:
            return False
        return any(self.rule_allows(r, workload, port, ident, ip, token, request) for r in rules)

    def rule_allows(
        self,
        rule: AccessRule,
        workload: Workload,
        port: int,
        ident: tuple[str, str, str] | None,
        ip: str | None,
        token: dict[str, object] | None,
        request: Request,
    ) -> bool:
        src, to = rule.from_, rule.to
        if port not in [p.port for p in self.intent.target_ports(to, workload)]:
            return False
        if src.has_peers and not self.peer_matches(src, ident, ip):
            return False
        if src.jwt is not None and not self.token_matches(rule, token):
            return False
        if to.methods and request.method not in to.methods:
            return False
        if to.paths:
            path = normalize(request.path or "")
            if not any(path.startswith(p[:-1]) if p.endswith("*") else path == p for p in to.paths):
                return False
        if to.hosts:
            host = (request.host or "").lower()
            bare = host.rsplit(":", 1)[0] if ":" in host else host
            if bare not in {h.lower() for h in to.hosts}:
                return False
        for cond in rule.when:
            if cond.key == "source.ip":
                if not self.in_blocks(ip, cond.values):
                    return False
            elif cond.key == "remote.ip":
                if not self.in_blocks(request.source.remote_ip or ip, cond.values):
                    return False
            else:
                name = cond.key[len("request.headers[") : -1].lower()
                headers = {k.lower(): v for k, v in (request.headers or {}).items()}
                if headers.get(name) not in cond.values:
                    return False
        return True
