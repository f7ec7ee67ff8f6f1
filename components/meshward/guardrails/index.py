"""The runner's one pass over the input: objects by kind and namespace, workloads by label,
mesh settings and inventory, so every rule looks things up instead of scanning."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any

import yaml

from meshward.guardrails.model import Subject
from meshward.guardrails.walk import (
    Located,
    WalkedPolicy,
    WalkedRule,
    selector_labels,
    walk_policy,
)

if TYPE_CHECKING:
    from meshward.guardrails.waivers import Waiver
from meshward.mesh.simulation.authn import MtlsMode, resolve_mtls
from meshward.mesh.simulation.scope import DEFAULT_NAMESPACE, ObjectRef, as_mapping, describe
from meshward.mesh.simulation.settings import PATH_NORMALIZATIONS, MeshSettings

WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod"})
SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})
MESH_LABELS = ("istio-injection", "istio.io/rev", "istio.io/dataplane-mode")
_SECURITY = frozenset({"AuthorizationPolicy", "RequestAuthentication", "PeerAuthentication"})
_HTTP_PROTOCOLS = ("http", "http2", "grpc", "grpc-web", "h2c")
_TCP_PROTOCOLS = ("tcp", "mongo", "mysql", "redis", "tls")


@dataclass(frozen=True, slots=True)
class WorkloadPort:
    """A container port and what speaks on it."""

    port: int
    protocol: str
    """`http`, `tcp` or `unknown` (no Service or config says)."""


@dataclass(frozen=True, slots=True)
class Workload:
    """A meshed workload the input (or the stack) knows."""

    namespace: str
    name: str
    service_account: str
    labels: Mapping[str, str]
    ports: tuple[WorkloadPort, ...]
    subject: Subject | None = None
    """The Deployment (or similar) it came from; `None` when the stack config declared it."""


@dataclass(frozen=True, slots=True)
class ServicePort:
    """One Service port and the workload port it forwards to."""

    port: int
    target_port: int | str | None
    name: str
    app_protocol: str | None


@dataclass(frozen=True, slots=True)
class Service:
    """A Kubernetes Service reduced to routing facts."""

    namespace: str
    name: str
    selector: Mapping[str, str]
    ports: tuple[ServicePort, ...]


@dataclass(frozen=True)
class Inventory:
    """What exists besides the security objects. Unknown parts are empty, and the rules that need
    them stay silent rather than guess (offline istioctl analyze gives false positives there)."""

    namespaces: frozenset[str] | None = None
    """Known namespaces; `None` when the input names none."""
    meshed_namespaces: frozenset[str] | None = None
    """Namespaces known to be in the mesh (injection or ambient label); `None`: unknown, assume
    every known namespace is."""
    workloads: tuple[Workload, ...] = ()
    services: tuple[Service, ...] = ()
    gateway_namespaces: frozenset[str] = frozenset()
    """Namespaces of ingress/egress gateways (their service accounts are known as `*`)."""


@dataclass(frozen=True)
class Settings:
    """Mesh-wide facts and run parameters."""

    mesh: MeshSettings = field(default_factory=MeshSettings)
    mesh_config_known: bool = False
    """Whether a mesh config was given (CUSTOM providers can only be checked then)."""
    environment: str | None = None
    """`dev`/`prod` for a stack; `None` for `meshward check`."""
    today: date = field(default_factory=date.today)
    waivers: tuple[Waiver, ...] = ()
    """Accepted findings (rule, object, reason, expiry)."""


def _str_map(value: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in as_mapping(value).items()}


def subject_of(doc: Mapping[str, Any], file: str | None = None, line: int = 0) -> Subject:
    """A Kubernetes manifest as a rule subject."""
    meta = as_mapping(doc.get("metadata"))
    kind = str(doc.get("kind") or "-")
    namespace = meta.get("namespace")
    if kind in {"Namespace", "ClusterRole", "ClusterRoleBinding", "ClusterSecretStore"}:
        ns: str | None = None
    elif isinstance(namespace, str) and namespace:
        ns = namespace
    else:
        ns = DEFAULT_NAMESPACE
    name = meta.get("name") or meta.get("generateName") or "-"
    return Subject(kind, ns, str(name), doc, file, line)


def mesh_settings_from(configmap: Mapping[str, Any], base: MeshSettings) -> MeshSettings:
    """MeshConfig of the `istio` ConfigMap (`data.mesh`, YAML) over `base`."""
    data = as_mapping(configmap.get("data"))
    try:
        mesh = as_mapping(yaml.safe_load(str(data.get("mesh") or "")) or {})
    except yaml.YAMLError:
        mesh = {}
    namespace = str(as_mapping(configmap.get("metadata")).get("namespace") or base.root_namespace)
    aliases = mesh.get("trustDomainAliases")
    providers = mesh.get("extensionProviders")
    normalization = as_mapping(mesh.get("pathNormalization")).get("normalization", "BASE")
    return MeshSettings(
        root_namespace=str(mesh.get("rootNamespace") or namespace),
        trust_domain=str(mesh.get("trustDomain") or base.trust_domain),
        trust_domain_aliases=tuple(str(a) for a in aliases) if isinstance(aliases, list) else (),
        extension_providers=frozenset(
            str(as_mapping(p).get("name")) for p in providers if as_mapping(p).get("name")
        )
        if isinstance(providers, list)
        else frozenset(),
        path_normalization=normalization if normalization in PATH_NORMALIZATIONS else "BASE",
    )


def is_mesh_configmap(doc: Mapping[str, Any]) -> bool:
    """The mesh config ConfigMap: `istio`, `istio-<revision>` or the AKS add-on's
    `istio-shared-configmap-<revision>`, carrying `data.mesh`."""
    if doc.get("kind") != "ConfigMap" or "mesh" not in as_mapping(doc.get("data")):
        return False
    name = str(as_mapping(doc.get("metadata")).get("name") or "")
    return name == "istio" or name.startswith("istio-")


def _port_protocol(port: ServicePort) -> str:
    declared = (port.app_protocol or port.name.split("-", 1)[0]).lower()
    if declared in _HTTP_PROTOCOLS or declared.startswith("http"):
        return "http"
    if declared in _TCP_PROTOCOLS:
        return "tcp"
    return "unknown"


def _services(subjects: Iterable[Subject]) -> list[Service]:
    out = []
    for s in subjects:
        spec = as_mapping(s.doc.get("spec"))
        ports = []
        for raw in spec.get("ports") or []:
            p = as_mapping(raw)
            if isinstance(p.get("port"), int):
                target = p.get("targetPort")
                ports.append(
                    ServicePort(
                        p["port"],
                        target if isinstance(target, int | str) else None,
                        str(p.get("name") or ""),
                        str(p["appProtocol"]) if p.get("appProtocol") else None,
                    )
                )
        out.append(
            Service(
                s.namespace or DEFAULT_NAMESPACE,
                s.name,
                _str_map(spec.get("selector")),
                tuple(ports),
            )
        )
    return out


def _workload(s: Subject, services: Sequence[Service]) -> Workload:
    spec = as_mapping(s.doc.get("spec"))
    template = spec if s.kind == "Pod" else as_mapping(spec.get("template"))
    meta = s.doc.get("metadata") if s.kind == "Pod" else template.get("metadata")
    labels = _str_map(as_mapping(meta).get("labels"))
    pod = as_mapping(template.get("spec")) if s.kind != "Pod" else spec
    account = str(pod.get("serviceAccountName") or pod.get("serviceAccount") or "default")
    namespace = s.namespace or DEFAULT_NAMESPACE
    named: dict[str, int] = {}
    numbers: list[int] = []
    for container in pod.get("containers") or []:
        for raw in as_mapping(container).get("ports") or []:
            p = as_mapping(raw)
            if isinstance(p.get("containerPort"), int):
                numbers.append(p["containerPort"])
                if p.get("name"):
                    named[str(p["name"])] = p["containerPort"]
    protocols: dict[int, str] = {}
    for svc in services:
        if svc.namespace != namespace or not svc.selector:
            continue
        if any(labels.get(k) != v for k, v in svc.selector.items()):
            continue
        for sp in svc.ports:
            target = sp.target_port if sp.target_port is not None else sp.port
            number = named.get(target) if isinstance(target, str) else target
            if isinstance(number, int):
                protocols.setdefault(number, _port_protocol(sp))
    ports = tuple(WorkloadPort(n, protocols.get(n, "unknown")) for n in dict.fromkeys(numbers))
    return Workload(namespace, s.name, account, labels, ports, s)


def inventory_from(subjects: Sequence[Subject]) -> Inventory:
    """What Namespace, Service and workload manifests in the input tell."""
    namespaces = [s for s in subjects if s.kind == "Namespace"]
    services = _services(s for s in subjects if s.kind == "Service")
    workloads = tuple(_workload(s, services) for s in subjects if s.kind in WORKLOAD_KINDS)
    # A namespace that objects of the input live in exists too (e.g. the gateway's namespace,
    # created by the add-on, holds the Gateway); security objects are what is checked, so
    # they do not count.
    known = (
        (
            {s.name for s in namespaces}
            | {w.namespace for w in workloads}
            | {s.namespace for s in subjects if s.namespace and s.doc.get("kind") not in _SECURITY}
        )
        if namespaces
        else set()
    )
    meshed = {
        s.name
        for s in namespaces
        if any(k in _str_map(as_mapping(s.doc.get("metadata")).get("labels")) for k in MESH_LABELS)
    }
    return Inventory(
        namespaces=frozenset(known) if known else None,
        meshed_namespaces=frozenset(meshed) if namespaces else None,
        workloads=workloads,
        services=tuple(services),
    )


class Index:
    """Objects indexed once; rules read it, never scan the input in loops."""

    def __init__(
        self, subjects: Sequence[Subject], inventory: Inventory, settings: Settings
    ) -> None:
        self.subjects = subjects
        self.inventory = inventory
        self.settings = settings
        self.by_kind: dict[str, list[Subject]] = defaultdict(list)
        self.by_kind_ns: dict[tuple[str, str | None], list[Subject]] = defaultdict(list)
        self.refs: dict[int, ObjectRef] = {}
        for position, s in enumerate(subjects):
            self.by_kind[s.kind].append(s)
            self.by_kind_ns[(s.kind, s.namespace)].append(s)
            ref = describe(s.doc, position)
            if ref is not None:
                self.refs[id(s)] = ref
        self.workloads_by_ns: dict[str, list[Workload]] = defaultdict(list)
        self._by_label: dict[tuple[str, str], set[int]] = defaultdict(set)
        for i, w in enumerate(inventory.workloads):
            self.workloads_by_ns[w.namespace].append(w)
            for k, v in w.labels.items():
                self._by_label[(k, v)].add(i)
        self._mtls_cache: dict[tuple[str, tuple[tuple[str, str], ...], int], MtlsMode] = {}
        # Most rules read every AuthorizationPolicy's action and rules: walk them once here.
        self._policies: dict[int, WalkedPolicy] = {
            id(s): walk_policy(s) for s in self.by_kind.get("AuthorizationPolicy", [])
        }
        self._selected: dict[int, list[Workload]] = {}

    @property
    def mesh(self) -> MeshSettings:
        """Mesh settings (root namespace, trust domain, normalization, providers)."""
        return self.settings.mesh

    @property
    def root(self) -> str:
        """The mesh root namespace."""
        return self.settings.mesh.root_namespace

    def of_kind(self, kind: str) -> list[Subject]:
        """Every subject of `kind`, in input order."""
        return self.by_kind.get(kind, [])

    def in_namespace(self, kind: str, namespace: str | None) -> list[Subject]:
        """Subjects of `kind` in `namespace`."""
        return self.by_kind_ns.get((kind, namespace), [])

    def ref(self, subject: Subject) -> ObjectRef | None:
        """The scoping view of a security object (`None` for other kinds)."""
        return self.refs.get(id(subject))

    def policy(self, policy: Subject) -> WalkedPolicy:
        """An AuthorizationPolicy walked (`walk.walk_policy`), once for the input's own."""
        walked = self._policies.get(id(policy))
        return walked if walked is not None else walk_policy(policy)

    def action(self, policy: Subject) -> str:
        """An AuthorizationPolicy's action (unset: ALLOW)."""
        return self.policy(policy).action

    def rules(self, policy: Subject) -> tuple[WalkedRule, ...]:
        """An AuthorizationPolicy's rules with their parts."""
        return self.policy(policy).rules

    def values(self, policy: Subject, side: str, name: str) -> Located:
        """(path, value) of the strings an AuthorizationPolicy lists in field `name` of its
        sources (`side` `from`) or operations (`to`), or in the `values` and `notValues` of
        conditions on key `name` (`when`), in document order."""
        # Asked tens of thousands of times on a large stack: `policy` inlined.
        walked = self._policies.get(id(policy))
        if walked is None:
            walked = walk_policy(policy)
        return walked.values.get((side, name), ())

    def selector(self, subject: Subject) -> Mapping[str, str] | None:
        """`walk.selector_labels`, read from the scoping view of a security object (which
        holds the same labels) instead of again from its spec."""
        ref = self.ref(subject)
        return ref.selector if ref is not None else selector_labels(subject)

    @cached_property
    def known_workloads(self) -> bool:
        """Whether the input (or stack) names any workload."""
        return bool(self.inventory.workloads)

    def selected_workloads(self, subject: Subject) -> list[Workload]:
        """Known workloads a sidecar policy in `subject` applies to (SEMANTICS §4.2); several
        rules ask for the same policy, so the answer is kept (callers do not change it)."""
        ref = self.ref(subject)
        if ref is None or ref.targeted:
            return []
        chosen = self._selected.get(id(subject))
        if chosen is None:
            chosen = self._selected[id(subject)] = self._select(ref)
        return chosen

    def _select(self, ref: ObjectRef) -> list[Workload]:
        everywhere = ref.namespace == self.root
        if ref.selector is None:
            if everywhere:
                return list(self.inventory.workloads)
            return list(self.workloads_by_ns.get(ref.namespace, []))
        sets = [self._by_label.get(item, set()) for item in ref.selector.items()]
        chosen = set.intersection(*sets) if sets else set()
        workloads = [self.inventory.workloads[i] for i in sorted(chosen)]
        return [w for w in workloads if everywhere or w.namespace == ref.namespace]

    def policies_for(self, kind: str, workload: Workload) -> list[Subject]:
        """Security objects of `kind` that apply to `workload` (its namespace and the root)."""
        out = []
        spaces = (
            [workload.namespace]
            if workload.namespace == self.root
            else [self.root, workload.namespace]
        )
        for namespace in spaces:
            for s in self.in_namespace(kind, namespace):
                ref = self.ref(s)
                if ref is None or ref.targeted:
                    continue
                if ref.selector is None or all(
                    workload.labels.get(k) == v for k, v in ref.selector.items()
                ):
                    out.append(s)
        return out

    def mtls(self, namespace: str, labels: Mapping[str, str], port: int) -> MtlsMode:
        """Effective mTLS mode of a workload port (workload > namespace > mesh)."""
        key = (namespace, tuple(sorted(labels.items())), port)
        cached = self._mtls_cache.get(key)
        if cached is None:
            candidates = [
                ref
                for ns in dict.fromkeys((self.root, namespace))
                for s in self.in_namespace("PeerAuthentication", ns)
                if (ref := self.ref(s)) is not None
            ]
            cached = resolve_mtls(candidates, namespace, labels, port, self.mesh)
            self._mtls_cache[key] = cached
        return cached


def namespace_subject(index: Index, namespace: str) -> Subject:
    """The Namespace object where a missing object is reported (synthetic when not in the input)."""
    for s in index.of_kind("Namespace"):
        if s.name == namespace:
            return s
    return Subject("Namespace", None, namespace, {})
