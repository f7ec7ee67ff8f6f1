"""PeerAuthentication (security.istio.io/v1): the typed model and rules P1–P4."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, StrictInt, StrictStr

from meshward.mesh.istio._base import IstioModel
from meshward.mesh.istio.envelope import IstioObjectBase
from meshward.mesh.istio.formats import MAX_PORT
from meshward.mesh.istio.metadata import check_metadata
from meshward.mesh.istio.problems import Findings, map_key
from meshward.mesh.istio.selector import WorkloadSelector, check_selector


class MtlsMode(StrEnum):
    """How a workload accepts connections; UNSET inherits from the next wider level."""

    UNSET = "UNSET"
    DISABLE = "DISABLE"
    PERMISSIVE = "PERMISSIVE"
    STRICT = "STRICT"


class MutualTLS(IstioModel):
    """An mTLS setting."""

    mode: MtlsMode | None = None
    """Absent means UNSET."""


def _port_key(value: Any) -> Any:
    # YAML writes `8080:` as an int key and `"8080":` as a string; both reach the API server as
    # the JSON key "8080". Accept both and keep the type so the manifest round-trips unchanged.
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("port key must be a number")
    return value


PortKey = Annotated[StrictInt | StrictStr, BeforeValidator(_port_key)]
"""A `portLevelMtls` key as written: `8080` or `"8080"`."""


class PeerAuthenticationSpec(IstioModel):
    """Which workloads accept which kind of connections."""

    selector: WorkloadSelector | None = None
    """Workloads by label; absent makes this a namespace (or, in the root namespace, mesh)
    policy."""
    mtls: MutualTLS | None = None
    """Mode for the whole workload/namespace/mesh."""
    port_level_mtls: dict[PortKey, MutualTLS] | None = None
    """Per workload port overrides (workload-level policies only)."""

    def port_modes(self) -> dict[int, MtlsMode | None]:
        """`portLevelMtls` with integer ports, for consumers that do not care how YAML wrote
        them (only meaningful on a validated object)."""
        return {int(port): mtls.mode for port, mtls in (self.port_level_mtls or {}).items()}


class PeerAuthentication(IstioObjectBase):
    """A `security.istio.io` PeerAuthentication."""

    KIND = "PeerAuthentication"
    kind: Literal["PeerAuthentication"] = "PeerAuthentication"
    """Always `PeerAuthentication`."""
    spec: PeerAuthenticationSpec | None = None
    """The policy."""

    def _check(self, out: Findings, *, decoded: bool) -> None:
        spec = self.spec or PeerAuthenticationSpec()
        check_metadata(self.metadata, self.KIND, None, "metadata", out)
        check_peer_authentication_spec(spec, "spec", out)


def check_peer_authentication_spec(spec: PeerAuthenticationSpec, path: str, out: Findings) -> None:
    """P1–P4 and the CRD rules C3, C8, C9 for one spec."""
    check_selector(spec.selector, f"{path}.selector", out, also="P4")
    ports = spec.port_level_mtls
    if ports is None:
        return
    at = f"{path}.portLevelMtls"
    if not ports:
        out.error(at, "portLevelMtls must not be empty when set (omit it instead)", "P2/C9")
        return
    labels = spec.selector.match_labels if spec.selector is not None else None
    if not labels:
        out.error(
            at,
            "mesh/namespace peer authentication cannot have port level mTLS; it requires a "
            "selector with at least one label",
            "P1/C9",
        )
    for port in ports:
        text = str(port)
        if not text.isascii() or not text.isdigit() or not 0 < int(text) <= MAX_PORT:
            out.error(map_key(at, port), f"port {port!r} must be an integer 1-65535", "P3/C9")
        elif len(text) > 1 and text.startswith("0"):
            # istiod reads the map key as a JSON number: leading zeros do not decode, although
            # the CRD's CEL int() accepts them.
            out.error(
                map_key(at, port),
                f"port key {port!r} must be plain decimal digits without leading zeros",
                "M7",
            )
