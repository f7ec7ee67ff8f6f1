"""Proof that compiled policies enforce exactly the intent (issue #5).

Random intents (1–3 namespaces, 1–4 workloads with 1–2 http/tcp ports, 0–4 access rules from
workloads / namespaces / the ingress gateway / IP blocks / tokens with subjects and claims,
0–2 deny rules with `unless`, 0–1 break-glass grant, mTLS overrides down to port level,
default deny on/off per namespace, 0–2 issuers with or without audiences) are compiled with
the real compiler; random requests (every workload, the ingress gateway, a stranger in the
mesh, plaintext, foreign trust domains; no / valid / expired / badly signed / wrong-audience
tokens with random subjects and claims; random methods, paths, declared and undeclared ports)
are decided by the simulator over the compiled objects and by `Oracle`, written from the intent
docstring only. They must agree on every request.

Settings: the `meshward-proof` hypothesis profile below — 600 intents of 10–30 requests each,
`derandomize=True` (the same examples on every run, so CI is reproducible; explore other
examples by running with another profile, never by relying on luck in CI), `deadline=None`,
`database=None`, `too_slow`/`filter_too_much` health checks off (compiling runs the admission
checks). About 15 s on one core. Shrunk counterexamples live in `test_compiler_counterexamples.py`.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from meshward.config.jwt import JwtIssuer
from meshward.mesh.compiler import compile_mesh
from meshward.mesh.intent import MeshIntent, mesh_problem
from meshward.mesh.simulation import MeshSettings, Request, Simulator
from tests.mesh.intent_oracle import INGRESS_NAMESPACE, TRUST_DOMAIN, Oracle

ROOT_NAMESPACE = "aks-istio-system"
EXAMPLES = 600
REQUESTS = 30
settings.register_profile(
    "meshward-proof",
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,
)
PROOF = settings.get_profile("meshward-proof")

NAMESPACES = ("alpha", "beta", "gamma")
NAMES = ("api", "db", "web", "job")
PORTS = ((8080, "http"), (9090, "http"), (5432, "tcp"), (7070, "grpc"))
UNDECLARED_PORT = 7777
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
RULE_PATHS = ("/api", "/api/*", "/admin", "/admin/*", "/v1/items/*")
PATHS = (
    "/",
    "/api",
    "/api/",
    "/api/x",
    "/api?x=1",
    "/apix",
    "/admin",
    "/admin/x",
    "/administrator",
    "/admin%2Fx",
    "//admin",
    "/x/../admin",
    "/v1/items/7",
    "/v1/items",
    "/other",
)
BLOCK = "10.1.0.0/16"
IPS = ("10.1.2.3", "10.9.9.9", None)
MODES = ("STRICT", "PERMISSIVE", "DISABLE")
ISSUERS = (
    {"name": "corp", "issuer": "https://corp.example", "jwksUri": "https://corp.example/keys"},
    {"name": "partner", "issuer": "https://partner.example/v2", "jwksUri": "https://p.example/k"},
)
SUBJECTS = ("alice", "bob")
SOURCE_IP = {"key": "source.ip", "values": [BLOCK]}
HEADER = {"key": "request.headers[X-Env]", "values": ["prod"]}
HOSTS = ("shop.example", "SHOP.example:8080", "other.example", "shop.example.evil")
CLAIMS = ({"groups": ["admins"]}, {"scope": ["write"]}, {"groups": ["admins", "ops"]})


def _subset(draw: st.DrawFn, items: Any, max_size: int | None = None) -> list[Any]:
    return list(draw(st.lists(st.sampled_from(list(items)), unique=True, max_size=max_size)))


@st.composite
def intents(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A mesh intent (camelCase dict) and the issuers it may name."""
    namespaces = draw(st.lists(st.sampled_from(NAMESPACES), min_size=1, max_size=3, unique=True))
    workloads: list[dict[str, Any]] = []
    for name in draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True)):
        ports = draw(st.lists(st.sampled_from(PORTS), min_size=1, max_size=2, unique=True))
        workload: dict[str, Any] = {
            "name": name,
            "namespace": draw(st.sampled_from(namespaces)),
            "ports": [{"port": p, "protocol": proto} for p, proto in ports],
        }
        if draw(st.booleans()) and draw(st.booleans()):
            workload["serviceAccount"] = "shared"
        workloads.append(workload)
    refs = [f"{w['namespace']}/{w['name']}" for w in workloads]
    by_ref = dict(zip(refs, workloads, strict=True))
    issuers = list(ISSUERS[: draw(st.integers(0, 2))])
    for issuer in issuers:
        if draw(st.booleans()):
            issuer["audiences"] = ["api://mesh"]

    def http_ports(ref: str) -> list[int]:
        return [p["port"] for p in by_ref[ref]["ports"] if p["protocol"] != "tcp"]

    def target(http_fields: bool) -> dict[str, Any] | None:
        ref = draw(st.sampled_from(refs))
        to: dict[str, Any] = {"workloads": [ref]}
        if http_fields:
            if not http_ports(ref):
                return None
            to["ports"] = _subset(draw, http_ports(ref)) or http_ports(ref)
        elif draw(st.booleans()):
            to["ports"] = _subset(draw, [p["port"] for p in by_ref[ref]["ports"]], 1)
            if not to["ports"]:
                del to["ports"]
        return to

    access: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, 4))):
        source: dict[str, Any] = {}
        if draw(st.booleans()):
            source["workloads"] = _subset(draw, refs, 2)
        if draw(st.integers(0, 3)) == 0:
            source["namespaces"] = _subset(draw, NAMESPACES, 1)
        if draw(st.booleans()):
            source["ingressGateway"] = True
        if draw(st.integers(0, 4)) == 0:
            source["ipBlocks"] = [BLOCK]
        jwt = bool(issuers) and draw(st.booleans())
        if jwt:
            req: dict[str, Any] = {"issuer": draw(st.sampled_from(issuers))["name"]}
            if draw(st.integers(0, 2)) == 0:
                req["subjects"] = ["alice"]
            if draw(st.booleans()):
                req["claims"] = draw(st.sampled_from(CLAIMS))
            source["jwt"] = req
        source = {k: v for k, v in source.items() if v}
        if not source:
            source = {"workloads": [draw(st.sampled_from(refs))]}
        methods = _subset(draw, METHODS, 3)
        paths = _subset(draw, RULE_PATHS, 2)
        to = target(jwt or bool(methods or paths))
        if to is None:
            continue
        if methods:
            to["methods"] = methods
        if paths:
            to["paths"] = paths
        rule: dict[str, Any] = {"name": f"allow-{i}", "from": source, "to": to}
        if "ports" in to and draw(st.integers(0, 3)) == 0:
            to["hosts"] = ["Shop.example"]
        when = draw(st.sampled_from(((), (SOURCE_IP,), (HEADER,)) if "ports" in to else ((),)))
        if when or draw(st.integers(0, 5)) == 0:
            rule["when"] = list(when) or [SOURCE_IP]
        access.append(rule)

    deny: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, 2))):
        methods = _subset(draw, METHODS, 2)
        paths = _subset(draw, ("/admin", "/api/x"), 1)
        to = target(bool(methods or paths))
        if to is None:
            continue
        if not draw(st.booleans()) and "ports" in to and not (methods or paths):
            del to["ports"]
        if methods:
            to["methods"] = methods
        if paths:
            to["paths"] = paths
        rule = {"name": f"deny-{i}", "to": to}
        for part in ("from", "unless"):
            if draw(st.booleans()):
                peers: dict[str, Any] = {}
                if draw(st.booleans()):
                    peers["workloads"] = _subset(draw, refs, 1) or [refs[0]]
                if draw(st.integers(0, 2)) == 0:
                    peers["namespaces"] = [draw(st.sampled_from(NAMESPACES))]
                if draw(st.integers(0, 3)) == 0:
                    peers["ipBlocks"] = [BLOCK]
                rule[part] = peers or {"namespaces": [draw(st.sampled_from(NAMESPACES))]}
        deny.append(rule)

    grants: list[dict[str, Any]] = []
    if draw(st.integers(0, 3)) == 0:
        grants.append(
            {
                "name": "grant-0",
                "from": {"workloads": [draw(st.sampled_from(refs))]},
                "to": {"workloads": [draw(st.sampled_from(refs))]},
                "reason": "incident repair access",
                "ticket": "INC-1",
                "expires": "2099-12-31",
            }
        )

    mtls: dict[str, Any] = {"mode": draw(st.sampled_from(MODES))}
    ns_modes = {ns: draw(st.sampled_from(MODES)) for ns in _subset(draw, namespaces, 2)}
    if ns_modes:
        mtls["namespaces"] = ns_modes
    overrides = []
    for ref in _subset(draw, refs, 2):
        override: dict[str, Any] = {"workload": ref}
        if draw(st.booleans()):
            override["mode"] = draw(st.sampled_from(MODES))
        declared = [p["port"] for p in by_ref[ref]["ports"]]
        port_modes = {p: draw(st.sampled_from(MODES)) for p in _subset(draw, declared, 1)}
        if port_modes:
            override["ports"] = port_modes
        if "mode" in override or "ports" in override:
            overrides.append(override)
    if overrides:
        mtls["workloads"] = overrides

    intent: dict[str, Any] = {
        "mtls": mtls,
        "workloads": workloads,
        "defaultDeny": draw(st.booleans()),
        "networkPolicies": False,
        "access": access,
        "deny": deny,
        "breakGlass": grants,
    }
    switches = {ns: {"defaultDeny": draw(st.booleans())} for ns in _subset(draw, namespaces, 1)}
    if switches:
        intent["namespaces"] = switches
    return intent, issuers


@st.composite
def requests(draw: st.DrawFn, intent: MeshIntent, issuers: list[JwtIssuer]) -> Request:
    """A request to one of the intent's workloads, from any kind of caller."""
    workload = draw(st.sampled_from(intent.workloads))
    ports = [(p.port, p.protocol) for p in workload.ports] + [(UNDECLARED_PORT, "http")]
    port, protocol = draw(st.sampled_from(ports))
    kind = draw(st.sampled_from(("workload", "ingress", "stranger", "plaintext", "foreign")))
    principal: str | None
    if kind == "workload":
        caller = draw(st.sampled_from(intent.workloads))
        principal = f"{TRUST_DOMAIN}/ns/{caller.namespace}/sa/{caller.sa}"
    elif kind == "ingress":
        principal = f"{TRUST_DOMAIN}/ns/{INGRESS_NAMESPACE}/sa/gateway"
    elif kind == "stranger":
        principal = f"{TRUST_DOMAIN}/ns/{draw(st.sampled_from(NAMESPACES))}/sa/stranger"
    elif kind == "foreign":
        caller = draw(st.sampled_from(intent.workloads))
        ns = draw(st.sampled_from((caller.namespace, INGRESS_NAMESPACE)))
        principal = f"evil.example/ns/{ns}/sa/{caller.sa}"
    else:
        principal = None
    body: dict[str, Any] = {
        "destination": {"namespace": workload.namespace, "labels": workload.selector, "port": port},
        "source": {"principal": principal, "ip": draw(st.sampled_from(IPS))},
    }
    if protocol == "tcp":
        return Request.model_validate({**body, "protocol": "TCP"})
    body.update(
        protocol="HTTP",
        method=draw(st.sampled_from(METHODS)),
        path=draw(st.sampled_from(PATHS)),
        host=draw(st.sampled_from((f"{workload.name}.{workload.namespace}.svc", *HOSTS))),
    )
    env = draw(st.sampled_from((None, "prod", "dev")))
    if env is not None:
        body["headers"] = {draw(st.sampled_from(("X-Env", "x-env"))): env}
    token = draw(
        st.sampled_from(("none", "valid", "valid", "expired", "signature", "audience"))
        if issuers
        else st.just("none")
    )
    if token != "none":
        issuer = draw(st.sampled_from(issuers))
        claims: dict[str, Any] = {"iss": issuer.issuer, "sub": draw(st.sampled_from(SUBJECTS))}
        if issuer.audiences:
            claims["aud"] = "api://other" if token == "audience" else issuer.audiences[0]
        elif token == "audience":
            claims["aud"] = "api://other"
        groups = draw(st.sampled_from((None, "admins", ["ops", "admins"], ["ops"])))
        if groups is not None:
            claims["groups"] = groups
        scope = draw(st.sampled_from((None, "read write", "read")))
        if scope is not None:
            claims["scope"] = scope
        body["jwt"] = {
            "header": "Authorization",
            "prefix": "Bearer ",
            "claims": claims,
            "expired": token == "expired",
            "signature_valid": token != "signature",
        }
    return Request.model_validate(body)


@st.composite
def aimed_requests(draw: st.DrawFn, intent: MeshIntent, issuers: list[JwtIssuer]) -> Request:
    """A request shaped after one allow rule (its target, caller, method, path and token), with
    random deviations left to `requests`: most random requests miss every rule."""
    rules = [r for _, r in intent.allow_rules]
    if not rules:
        return draw(requests(intent, issuers))
    rule = draw(st.sampled_from(rules))
    workload = intent.workload(draw(st.sampled_from(rule.to.workloads)))
    assert workload is not None
    port = draw(st.sampled_from(intent.target_ports(rule.to, workload)))
    src = rule.from_
    options: list[tuple[str | None, str | None]] = []
    for ref in src.workloads:
        w = intent.workload(ref)
        assert w is not None
        options.append((f"{TRUST_DOMAIN}/ns/{w.namespace}/sa/{w.sa}", None))
    options += [(f"{TRUST_DOMAIN}/ns/{ns}/sa/stranger", None) for ns in src.namespaces]
    if src.ingress_gateway or not src.has_peers:
        options.append((f"{TRUST_DOMAIN}/ns/{INGRESS_NAMESPACE}/sa/gateway", None))
    if src.ip_blocks:
        options += [(None, "10.1.2.3"), (f"{TRUST_DOMAIN}/ns/gamma/sa/x", "10.1.2.3")]
    principal, ip = draw(st.sampled_from(options))
    ip = ip or draw(st.sampled_from(IPS))
    body: dict[str, Any] = {
        "destination": {
            "namespace": workload.namespace,
            "labels": workload.selector,
            "port": port.port,
        },
        "source": {"principal": principal, "ip": ip},
    }
    if not port.is_http:
        return Request.model_validate({**body, "protocol": "TCP"})
    paths = [
        p[:-1] + draw(st.sampled_from(("", "x", "x/y"))) if p.endswith("*") else p
        for p in rule.to.paths
    ] or list(PATHS)
    body.update(
        protocol="HTTP",
        method=draw(st.sampled_from(rule.to.methods or METHODS)),
        path=draw(st.sampled_from(paths)),
        host=draw(st.sampled_from(HOSTS[:2])) if rule.to.hosts else "x.svc",
        headers={"x-env": "prod"},
    )
    if src.jwt is not None:
        issuer = next(i for i in issuers if i.name == src.jwt.issuer)
        claims: dict[str, Any] = {
            "iss": issuer.issuer,
            "sub": draw(st.sampled_from(src.jwt.subjects or SUBJECTS)),
        }
        if issuer.audiences:
            claims["aud"] = issuer.audiences[0]
        for claim, values in src.jwt.claims.items():
            value = draw(st.sampled_from(values))
            claims[claim] = draw(st.sampled_from((value, [value, "other"], f"{value} other")))
        body["jwt"] = {"header": "Authorization", "prefix": "Bearer ", "claims": claims}
    return Request.model_validate(body)


def compiled(
    raw: dict[str, Any], raw_issuers: list[dict[str, Any]]
) -> tuple[MeshIntent, list[JwtIssuer], list[dict[str, Any]]] | None:
    """The validated intent, its issuers and the compiled objects; None for invalid configs."""
    try:
        issuers = [JwtIssuer.model_validate(i) for i in raw_issuers]
        intent = MeshIntent.model_validate(raw)
    except ValidationError:
        return None
    problem = mesh_problem(
        intent,
        issuers,
        root_namespace=ROOT_NAMESPACE,
        ingress_namespace=INGRESS_NAMESPACE,
        path_normalization="MERGE_SLASHES",
    )
    if problem:
        return None
    objects = compile_mesh(
        intent,
        issuers,
        root_namespace=ROOT_NAMESPACE,
        trust_domain=TRUST_DOMAIN,
        ingress_namespace=INGRESS_NAMESPACE,
    )
    return intent, issuers, objects


SIMULATOR_SETTINGS = MeshSettings(
    root_namespace=ROOT_NAMESPACE, trust_domain=TRUST_DOMAIN, path_normalization="MERGE_SLASHES"
)


def disagreements(
    intent: MeshIntent,
    issuers: list[JwtIssuer],
    objects: list[dict[str, Any]],
    batch: list[Request],
) -> list[str]:
    """Requests where the simulator and the oracle disagree, described."""
    simulator = Simulator(objects, SIMULATOR_SETTINGS)
    oracle = Oracle(intent, issuers)
    out = []
    for request in batch:
        decision = simulator.evaluate(request)
        expected = oracle.allows(request)
        event(f"{decision.decision} {decision.status} by {decision.policy or '-'}".split("/")[0])
        if (decision.decision == "ALLOW") != expected:
            out.append(
                f"intent says {'ALLOW' if expected else 'refuse'}, simulator "
                f"{decision.decision} ({decision.reason}) for "
                f"{request.model_dump_json(exclude_defaults=True)}"
            )
    return out


@PROOF
@given(data=st.data(), spec=intents())
def test_compiled_policies_allow_exactly_what_the_intent_allows(
    data: st.DataObject, spec: tuple[dict[str, Any], list[dict[str, Any]]]
) -> None:
    result = compiled(*spec)
    assume(result is not None)
    assert result is not None
    intent, issuers, objects = result
    either = st.one_of(requests(intent, issuers), aimed_requests(intent, issuers))
    batch = data.draw(st.lists(either, min_size=10, max_size=REQUESTS))
    assert disagreements(intent, issuers, objects, batch) == []
