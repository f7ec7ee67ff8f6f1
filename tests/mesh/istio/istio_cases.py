"""Admission cases shared by the rule tests: (rule id, manifest) pairs, rejected or accepted.

Each rejected case names the rule whose tag must appear on one of its errors; every accepted
case must produce no error (istiod and the API server admit it).
"""

from __future__ import annotations

import re
from typing import Any

from meshward.errors import Problem

AP = "AuthorizationPolicy"
RA = "RequestAuthentication"
PA = "PeerAuthentication"

JWKS = (
    '{"keys":[{"kty":"EC","crv":"P-256","kid":"k","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",'
    '"y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}'
)
PRIVATE_JWKS = '{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","d":"secret"}]}'
SYMMETRIC_JWKS = '{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}'


def manifest(
    kind: str,
    spec: Any = None,
    annotations: dict[str, Any] | None = None,
    **top: Any,
) -> dict[str, Any]:
    """A minimal namespaced manifest of `kind`."""
    metadata: dict[str, Any] = {"name": "p", "namespace": "ns"}
    if annotations is not None:
        metadata["annotations"] = annotations
    doc: dict[str, Any] = {"apiVersion": "security.istio.io/v1", "kind": kind, "metadata": metadata}
    if spec is not None:
        doc["spec"] = spec
    doc.update(top)
    return doc


def ap_rule(**rule: Any) -> dict[str, Any]:
    """An ALLOW policy with one rule."""
    return manifest(AP, {"rules": [rule]})


def source(**fields: Any) -> dict[str, Any]:
    """An ALLOW policy whose single rule has one source."""
    return ap_rule(**{"from": [{"source": fields}]})


def operation(**fields: Any) -> dict[str, Any]:
    """An ALLOW policy whose single rule has one operation."""
    return ap_rule(to=[{"operation": fields}])


def when(key: str, **fields: Any) -> dict[str, Any]:
    """An ALLOW policy whose single rule has one condition."""
    return ap_rule(when=[{"key": key, **fields}])


def custom(rule: dict[str, Any]) -> dict[str, Any]:
    """A CUSTOM policy with a provider and one rule."""
    return manifest(AP, {"action": "CUSTOM", "provider": {"name": "ext"}, "rules": [rule]})


def jwt(**rule: Any) -> dict[str, Any]:
    """A RequestAuthentication with one JWT rule."""
    return manifest(RA, {"jwtRules": [rule]})


def pa(**spec: Any) -> dict[str, Any]:
    """A PeerAuthentication."""
    return manifest(PA, spec)


GATEWAY = {"kind": "Gateway", "group": "gateway.networking.k8s.io", "name": "gw"}
LABELS = {"matchLabels": {"app": "a"}}

#: Rejected by istiod's webhook (SEMANTICS.md §2).
REJECTED: list[tuple[str, dict[str, Any]]] = [
    ("M1", manifest(RA, {}, {"istio.io/dry-run": "true"})),
    ("M1", manifest(PA, {}, {"istio.io/dry-run": "false"})),
    ("M2", manifest(AP, {"action": "AUDIT"}, {"istio.io/dry-run": "true"})),
    ("M2", custom({}) | {"metadata": {"name": "p", "annotations": {"istio.io/dry-run": "true"}}}),
    ("M3", manifest(AP, {}, {"istio.io/dry-run": "yes"})),
    ("M4", manifest(AP, {}, {"internal.istio.io/webhook-always-reject": ""})),
    ("M5", manifest(AP, {}, {"internal.istio.io/parents": "HTTPRoute/x.y"})),
    ("M5", manifest(PA, {}, {"internal.istio.io/parent-namespace": "x"})),
    ("M6", manifest(AP, {}, data={"x": "y"})),
    ("M7", jwt(issuer="i", timeout="5 s")),
    ("M7", jwt(issuer="i", timeout="5")),
    ("S1", manifest(AP, {"selector": LABELS, "targetRefs": [GATEWAY]})),
    ("S1", manifest(RA, {"selector": LABELS, "targetRef": GATEWAY})),
    ("S1", manifest(AP, {"targetRef": GATEWAY, "targetRefs": [GATEWAY]})),
    ("S2", manifest(AP, {"selector": {"matchLabels": {"": "v1"}}})),
    ("S3", manifest(AP, {"selector": {"matchLabels": {"app": "httpbin-*"}}})),
    ("S3", manifest(RA, {"selector": {"matchLabels": {"app*": "x"}}})),
    ("T1", manifest(AP, {"targetRef": {"kind": "Service", "group": "", "name": ""}})),
    ("T2", manifest(AP, {"targetRefs": [GATEWAY | {"namespace": "bar"}]})),
    ("T3", manifest(AP, {"targetRef": {"group": "apps", "kind": "Deployment", "name": "x"}})),
    ("T3", manifest(RA, {"targetRefs": [{"kind": "Gateway", "name": "gw"}]})),
    ("T3", manifest(AP, {"targetRef": {"kind": "ServiceEntry", "name": "x"}})),
    ("A1", manifest(AP, {"action": "CUSTOM", "provider": {"name": "ext"}})),
    ("A1", manifest(AP, {"action": "CUSTOM", "provider": {"name": "ext"}, "rules": []})),
    ("A2", manifest(AP, {"action": "CUSTOM", "rules": [{}]})),
    ("A2", manifest(AP, {"action": "CUSTOM", "provider": {"name": ""}, "rules": [{}]})),
    ("A3", custom({"from": [{"source": {"principals": ["x"]}}]})),
    ("A3", custom({"from": [{"source": {"notRequestPrincipals": ["*"]}}]})),
    ("A3", custom({"from": [{"source": {"trustDomains": ["td"]}}]})),
    ("A4", custom({"when": [{"key": "request.auth.claims[a]", "values": ["x"]}]})),
    ("A4", custom({"when": [{"key": "source.principal", "values": ["x"]}]})),
    ("A5", manifest(AP, {"action": "ALLOW", "provider": {"name": "x"}})),
    ("A5", manifest(AP, {"provider": {"name": "x"}, "rules": [{}]})),
    ("A5", manifest(AP, {"action": "DENY", "provider": {}, "rules": [{}]})),
    ("A6", manifest(AP, {"action": "DENY"})),
    ("A6", manifest(AP, {"action": "DENY", "rules": []})),
    ("A7", manifest(AP, {"rules": [None]})),
    ("A9", ap_rule(**{"from": [{}]})),
    ("A9", ap_rule(**{"from": [None]})),
    ("A10", source()),
    ("A10", source(principals=[])),
    ("A11", source(serviceAccounts=["sa"], namespaces=["ns"])),
    ("A11", source(notServiceAccounts=["sa"], principals=["p"])),
    ("A12", source(ipBlocks=["ip1"])),
    ("A12", source(notIpBlocks=["10.0.0.0/33"])),
    ("A12", source(remoteIpBlocks=["10.0.0.0/255.255.255.0"])),
    ("A12", source(notRemoteIpBlocks=["010.0.0.1"])),
    ("A13", source(principals=[""])),
    ("A13", source(notRequestPrincipals=[""])),
    ("A13", source(namespaces=["ns", ""])),
    ("A13", source(ipBlocks=[""])),
    ("A14", source(serviceAccounts=["a/b/c"])),
    ("A14", source(serviceAccounts=["/sa"])),
    ("A14", source(notServiceAccounts=["ns/"])),
    ("A14", source(serviceAccounts=["sa-*"])),
    ("A14", source(serviceAccounts=[""])),
    ("A15", source(trustDomains=["fo*-bar"])),
    ("A15", source(trustDomains=["cluster.local/ns/foo"])),
    ("A15", source(notTrustDomains=["spiffe://cluster.local"])),
    ("A15", source(trustDomains=["*a*"])),
    ("A15", source(trustDomains=[""])),
    ("A17", ap_rule(to=[{}])),
    ("A18", operation()),
    ("A18", operation(paths=[])),
    ("A19", operation(ports=["80-90"])),
    ("A19", operation(notPorts=["http"])),
    ("A19", operation(ports=["*"])),
    ("A19", operation(ports=["65536"])),
    ("A19", operation(ports=["+80"])),
    ("A20", operation(methods=[""])),
    ("A20", operation(notHosts=[""])),
    ("A20", operation(paths=[""])),
    ("A20", operation(ports=[""])),
    ("A21", operation(paths=["/api/{id}"])),
    ("A21", operation(paths=["/foo/{*}/bar/*"])),
    ("A21", operation(notPaths=["/{**}/foo/{*}"])),
    ("A21", operation(paths=["/foo/{*}.txt"])),
    ("A21", operation(paths=["/foo/{**}buzz/bar"])),
    ("A21", operation(paths=["/a/{**}/b/{**}"])),
    ("A22", when("", values=["x"])),
    ("A23", when("source.principal")),
    ("A23", when("source.principal", values=[], notValues=[])),
    ("A24", when("destination.labels[app]", values=["x"])),
    ("A24", when("destination.namespace", values=["x"])),
    ("A24", when("destination.name", values=["x"])),
    ("A24", when("destination.user", values=["x"])),
    ("A24", when("source.user", values=["x"])),
    ("A24", when("key1", values=["x"])),
    ("A25", when("request.headers[x]", values=[""])),
    ("A25", when("source.namespace", notValues=["a", ""])),
    ("A26", when("source.ip", values=["a.b.c.d"])),
    ("A26", when("remote.ip", notValues=["1.2.3.4/40"])),
    ("A26", when("destination.port", values=["x"])),
    ("A26", when("request.auth.claims[]", values=["v"])),
    ("A26", when("request.headers[]", values=["v"])),
    ("A26", when("experimental.envoy.filters.a.b.x", values=["v"])),
    ("A26", when("source.serviceAccount", values=["a/b/c"])),
    ("A26", when("source.trustDomain", values=["fo*o"])),
    ("R1", jwt(issuer="i", audiences=[""])),
    ("R2", jwt()),
    ("R2", jwt(jwks=JWKS)),
    ("R3", jwt(jwksUri="foo.com")),
    ("R3", jwt(jwksUri="https://foo.com:not-a-number/jwks")),
    # strconv.Atoi overflows past Go's int although url() accepts the digits (SEMANTICS R3).
    ("R3", jwt(jwksUri="https://foo.com:9223372036854775808/jwks")),
    # The map key is read as a JSON number: no leading zeros (SEMANTICS M7).
    ("M7", pa(selector=LABELS, portLevelMtls={"08080": {"mode": "STRICT"}})),
    ("R3", jwt(jwks_uri="ftp://example.com/jwks")),
    ("R4", jwt(issuer="i", jwks="foo")),
    ("R4", jwt(issuer="i", jwks='{"keys":[{"kty":"RSA"}]}')),
    ("R5", jwt(issuer="i", fromHeaders=[{"name": ""}])),
    ("R5", jwt(issuer="i", fromHeaders=[None])),
    ("R6", jwt(issuer="i", fromParams=[""])),
    ("R7", jwt(issuer="i", fromCookies=[""])),
    ("R8", jwt(issuer="i", outputClaimToHeaders=[{"claim": "sub", "header": "abc%123"}])),
    ("R8", jwt(issuer="i", outputClaimToHeaders=[{"claim": "sub", "header": ":authority"}])),
    ("R8", jwt(issuer="i", outputClaimToHeaders=[{"claim": "", "header": "x-sub"}])),
    ("R9", jwt(issuer="i", timeout="500us")),
    ("R9", jwt(issuer="i", timeout="1.5ms")),
    ("R9", jwt(issuer="i", timeout="1500us")),
    ("R9", jwt(issuer="i", timeout="0")),
    ("P1", pa(portLevelMtls={"8080": {"mode": "DISABLE"}})),
    ("P1", pa(selector={}, portLevelMtls={"8080": {"mode": "DISABLE"}})),
    ("P2", pa(selector=LABELS, portLevelMtls={})),
    ("P3", pa(selector=LABELS, portLevelMtls={"0": {"mode": "STRICT"}})),
    ("P3", pa(selector=LABELS, portLevelMtls={65536: {"mode": "STRICT"}})),
    ("P3", pa(selector=LABELS, portLevelMtls={"http": {"mode": "STRICT"}})),
    ("P3", pa(selector=LABELS, portLevelMtls={"-80": {"mode": "STRICT"}})),
    ("P4", pa(selector={"matchLabels": {"app*": "x"}})),
    ("P4", pa(selector={"matchLabels": {"": "x"}})),
]

#: Admitted by istiod (and, where the CRD is involved, the API server), keyed by the rule they
#: sit next to: each shows the rule is not stricter than istiod.
ACCEPTED: list[tuple[str, dict[str, Any]]] = [
    ("M1", manifest(AP, {}, {"istio.io/dry-run": "true"})),
    ("M2", manifest(AP, {"action": "DENY", "rules": [{}]}, {"istio.io/dry-run": "false"})),
    ("M3", manifest(AP, {"action": "ALLOW"}, {"istio.io/dry-run": "T"})),
    ("M4", manifest(AP, {}, {"example.com/owner": "team-a"})),
    ("M5", manifest(AP, {}, {"istio.io/rev": "default"})),
    ("M6", manifest(AP, {}, status={"observedGeneration": 1})),
    ("M7", jwt(issuer="i", timeout="1h30m")),
    ("M7", pa(selector=LABELS, portLevelMtls={"8080": {"mode": "STRICT"}})),
    ("R3", jwt(jwksUri="https://foo.com:9223372036854775807/jwks")),
    ("M7", manifest(AP, {"selector": None, "rules": [{"from": None, "to": None}]})),
    ("S1", manifest(AP, {"targetRefs": [GATEWAY]})),
    ("S1", manifest(RA, {"targetRef": GATEWAY})),
    ("S1", manifest(AP, {"selector": LABELS})),
    ("S2", manifest(AP, {"selector": {"matchLabels": {"app.kubernetes.io/name": "a"}}})),
    ("S3", manifest(AP, {"selector": {"matchLabels": {"app": "httpbin-v1"}}})),
    ("T1", manifest(AP, {"targetRef": {"kind": "Service", "group": "", "name": "svc"}})),
    ("T2", manifest(AP, {"targetRefs": [GATEWAY | {"namespace": ""}]})),
    ("T3", manifest(AP, {"targetRef": {"kind": "Service", "group": "core", "name": "x"}})),
    ("T3", manifest(AP, {"targetRef": {"kind": "Service", "name": "x"}})),
    (
        "T3",
        manifest(
            AP,
            {
                "targetRefs": [
                    {"kind": "ServiceEntry", "group": "networking.istio.io", "name": "se"},
                    {"kind": "GatewayClass", "group": "gateway.networking.k8s.io", "name": "c"},
                ]
            },
        ),
    ),
    ("A1", custom({})),
    ("A2", manifest(AP, {"action": "CUSTOM", "provider": {"name": "ext"}, "rules": [{}]})),
    ("A3", custom({"from": [{"source": {"ipBlocks": ["1.2.3.4"], "notRemoteIpBlocks": ["::1"]}}]})),
    ("A3", custom({"to": [{"operation": {"paths": ["/admin"], "notMethods": ["GET"]}}]})),
    ("A4", custom({"when": [{"key": "request.headers[x]", "values": ["y"]}]})),
    ("A4", custom({"when": [{"key": "source.ip", "values": ["10.0.0.0/8"]}]})),
    ("A5", manifest(AP, {"action": "ALLOW", "rules": [{}]})),
    ("A6", manifest(AP, {"action": "DENY", "rules": [{}]})),
    ("A6", manifest(AP, {"action": "AUDIT"})),
    ("A6", manifest(AP, {"action": "ALLOW"})),
    ("A7", manifest(AP, {"rules": [{}]})),
    ("A8", ap_rule(**{"from": []})),
    ("A9", source(principals=["cluster.local/ns/a/sa/b"])),
    ("A10", source(notIpBlocks=["10.0.0.0/8"])),
    ("A11", source(serviceAccounts=["sa"], ipBlocks=["10.0.0.1"], trustDomains=["td"])),
    ("A12", source(ipBlocks=["10.1.2.3/24", "::1", "2001:db8::/32", "0.0.0.0/0", "fe80::1%eth0"])),
    ("A13", source(principals=["spiffe://cluster.local/ns/a/sa/b", "a*b", "*"])),
    ("A13", source(requestPrincipals=["*"], namespaces=["team-*"])),
    ("A14", source(serviceAccounts=["ns/sa", "sa"])),
    ("A15", source(trustDomains=["*", "*.local", "cluster.*"], notTrustDomains=["td"])),
    ("A16", ap_rule(to=[])),
    ("A17", ap_rule(to=[{"operation": {"hosts": ["Example.COM"]}}])),
    ("A18", operation(notPaths=["/x"])),
    ("A19", operation(ports=["0", "65535", "080"])),
    ("A20", operation(methods=["get"], hosts=["*"])),
    ("A21", operation(paths=["/foo/{*}/bar/{**}", "/store/{**}/cart", "api/*", "/a/*/c", "/"])),
    ("A21", operation(paths=["/v1/{*}/x-y_z~.%20!$&'()+,;:@="])),
    ("A22", when("source.namespace", values=["ns"])),
    ("A23", when("request.headers[version]", notValues=["v1"])),
    ("A24", when("request.auth.principal", values=["a/b"])),
    ("A24", when("request.auth.audiences", values=["a"])),
    ("A24", when("request.auth.presenter", values=["a"])),
    ("A24", when("request.auth.claims[nested][claim]", values=["a"])),
    ("A24", when("connection.sni", values=["*.example.com"])),
    ("A24", when("destination.ip", values=["10.0.0.1"])),
    ("A24", when("experimental.envoy.filters.network.mysql_proxy[db.table]", values=["[x]"])),
    ("A24", when("request.headersX[y]", values=["a"])),
    ("A25", when("source.principal", values=["cluster.local/ns/a/sa/b"])),
    ("A26", when("source.trustDomain", values=["cluster.local/ns", "*.local"])),
    ("A26", when("destination.port", notValues=["0", "65535"])),
    ("A26", when("source.serviceAccount", values=["ns/sa"])),
    ("A26", when("remote.ip", values=["192.0.2.0/24"])),
    ("R1", jwt(issuer="i", audiences=["a"])),
    ("R2", jwt(issuer="i")),
    ("R2", jwt(jwksUri="https://example.com/jwks")),
    ("R3", jwt(issuer="i", jwksUri="http://foo.com:8080/jwks?x=1")),
    ("R3", jwt(issuer="i", jwks_uri="HTTPS://foo.com/jwks")),
    ("R3", jwt(issuer="i", jwksUri="https:example.com/jwks#keys")),
    ("R4", jwt(issuer="i", jwks=JWKS)),
    ("R5", jwt(issuer="i", fromHeaders=[{"name": "x-token", "prefix": ""}])),
    ("R6", jwt(issuer="i", fromParams=["token"])),
    ("R7", jwt(issuer="i", fromCookies=["session"])),
    ("R8", jwt(issuer="i", outputClaimToHeaders=[{"claim": "a.b", "header": "X_Claim-1"}])),
    ("R8", jwt(issuer="i", outputPayloadToHeader=":not-checked")),
    ("R9", jwt(issuer="i", timeout="1s")),
    ("R9", jwt(issuer="i", timeout="1.5s")),
    ("R9", jwt(issuer="i", timeout="1ms")),
    ("P1", pa(selector=LABELS, portLevelMtls={"8080": {"mode": "DISABLE"}})),
    ("P2", pa(selector=LABELS, mtls={"mode": "STRICT"})),
    ("P3", pa(selector=LABELS, portLevelMtls={1: {"mode": "STRICT"}, "65535": {}})),
    ("P4", pa(selector=LABELS, mtls={})),
]

#: Admitted with a warning (S4, A27, R10), and near misses admitted without one.
WARNED: list[tuple[str, dict[str, Any]]] = [
    ("S4", manifest(AP, {"selector": {}})),
    ("S4", pa(selector={"matchLabels": {}})),
    (
        "A27",
        manifest(AP, {"action": "DENY", "rules": [{"to": [{"operation": {"methods": ["GET"]}}]}]}),
    ),
    (
        "A27",
        manifest(
            AP,
            {"action": "DENY", "rules": [{"from": [{"source": {"requestPrincipals": ["x/y"]}}]}]},
        ),
    ),
    (
        "A27",
        manifest(
            AP, {"action": "DENY", "rules": [{"from": [{"source": {"trustDomains": ["t"]}}]}]}
        ),
    ),
    ("R10", jwt(issuer="i", jwks=PRIVATE_JWKS)),
    ("R10", jwt(issuer="i", jwks=SYMMETRIC_JWKS)),
]
NOT_WARNED: list[tuple[str, dict[str, Any]]] = [
    ("S4", manifest(AP, {"selector": LABELS})),
    (
        "A27",
        manifest(
            AP,
            {
                "action": "DENY",
                "rules": [{"to": [{"operation": {"methods": ["GET"], "ports": ["80"]}}]}],
            },
        ),
    ),
    (
        "A27",
        manifest(AP, {"action": "DENY", "rules": [{"from": [{"source": {"principals": ["*"]}}]}]}),
    ),
    ("A27", manifest(AP, {"action": "DENY", "rules": [{}]})),
    (
        "A27",
        manifest(AP, {"action": "ALLOW", "rules": [{"to": [{"operation": {"methods": ["GET"]}}]}]}),
    ),
    ("R10", jwt(issuer="i", jwks=JWKS)),
]

#: Rejected by the API server (CRD schema and CEL rules, SEMANTICS.md §2.7).
CRD_REJECTED: list[tuple[str, dict[str, Any]]] = [
    ("C1", manifest(AP, {"action": "allow"})),
    ("C1", manifest(AP, {"action": "LOG"})),
    ("C2", manifest(AP, {"selector": LABELS, "targetRefs": []})),
    ("C2", manifest(RA, {"selector": {}, "targetRef": GATEWAY})),
    ("C3", manifest(AP, {"selector": {"matchLabels": {"app": "a" * 64}}})),
    ("C3", manifest(AP, {"selector": {"matchLabels": {"app": 1}}})),
    ("C4", manifest(AP, {"targetRef": {"kind": "Service"}})),
    ("C4", manifest(AP, {"targetRefs": [{"name": "gw", "group": "gateway.networking.k8s.io"}]})),
    ("C4", manifest(AP, {"targetRefs": [GATEWAY | {"kind": "1Gateway"}]})),
    ("C4", manifest(AP, {"targetRefs": [GATEWAY | {"group": "Gateway.Networking"}]})),
    ("C4", manifest(AP, {"targetRefs": [GATEWAY] * 17})),
    ("C4", manifest(AP, {"targetRef": GATEWAY | {"name": "n" * 254}})),
    ("C5", ap_rule(when=[{"values": ["x"]}])),
    ("C5", manifest(AP, {"rules": [{}] * 513})),
    ("C5", ap_rule(**{"from": [{"source": {"principals": ["p"]}}] * 513})),
    ("C6", source(serviceAccounts=[f"sa{i}" for i in range(17)])),
    ("C6", source(serviceAccounts=["s" * 321])),
    ("C6", source(serviceAccounts=[], principals=["p"])),
    ("C7", operation(ports=[8080])),
    ("C7", source(principals="cluster.local/ns/a/sa/b")),
    ("C8", pa(mtls={"mode": "strict"})),
    ("C8", pa(selector=LABELS, portLevelMtls={"80": {"mode": "MUTUAL"}})),
    ("C9", pa(selector=LABELS, portLevelMtls={"abc": {"mode": "STRICT"}})),
    ("C9", pa(portLevelMtls={"80": {"mode": "STRICT"}})),
    ("C10", jwt(issuer="")),
    ("C10", jwt(issuer="i", spaceDelimitedClaims=[f"c{i}" for i in range(65)])),
    ("C10", jwt(issuer="i", spaceDelimitedClaims=[""])),
    ("C10", jwt(issuer="i", fromHeaders=[{"prefix": "Bearer "}])),
    ("C10", manifest(RA, {"jwtRules": [{"issuer": "i"}] * 4097})),
    ("C11", jwt(jwksUri="ftp://example.com/jwks")),
    ("C11", jwt(jwksUri="https://example.com/" + "a" * 2048)),
    ("C11", jwt(issuer="i", jwks_uri="")),
    ("C12", jwt(issuer="i", jwks=JWKS, jwksUri="https://example.com/jwks")),
    ("C12", jwt(issuer="i", jwks_uri="https://a/jwks", jwksUri="https://a/jwks")),
    ("C13", jwt(issuer="i", timeout="apple")),
    ("C13", jwt(issuer="i", timeout="-1s")),
    ("C14", jwt(issuer="i", outputClaimToHeaders=[{"header": "x-sub"}])),
    ("C14", jwt(issuer="i", outputClaimToHeaders=[{"claim": "sub", "header": ""}])),
    ("C15", jwt(issuer="i", presence="MANDATORY")),
    ("C16", source(principal=["x"])),
    ("C16", operation(not_paths=["/x"])),
    ("C16", jwt(issuer="i", jwksURI="https://a/jwks")),
    ("C16", pa(mtls={"mode": "STRICT"}, targetRef=GATEWAY)),
    ("C16", manifest(AP, {"rules": [{"from": [{"source": {"principals": ["p"]}, "x": 1}]}]})),
]


def case_ids(cases: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Pytest ids `<rule>-<n>`, numbering the cases of each rule."""
    seen: dict[str, int] = {}
    out = []
    for rule, _ in cases:
        seen[rule] = seen.get(rule, 0) + 1
        out.append(f"{rule}-{seen[rule]}")
    return out


def rule_ids(problems: list[Problem]) -> set[str]:
    """The rule ids tagged on problems, e.g. `[A11/C6]` gives A11 and C6."""
    ids: set[str] = set()
    for problem in problems:
        match = re.search(r"\[([^\]]+)\]$", problem.message)
        if match:
            ids.update(match.group(1).split("/"))
    return ids
