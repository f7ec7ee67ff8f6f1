"""Mesh access logging through Istio's Telemetry API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from meshward.config._base import ConfigModel

K8sName = Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=63)]
AccessLogMode = Literal["securityEvents", "all", "off"]


class MeshTelemetryConfig(ConfigModel):
    """Envoy access logs, written to the proxies' stdout (collected by Container Insights)."""

    access_logs: AccessLogMode = "securityEvents"
    """Mesh-wide: `securityEvents` logs only what security needs to see (requests answered
    4xx/5xx, which includes every authorization denial, and connections without mutual TLS),
    so normal traffic costs nothing; `all` logs every request; `off` logs nothing (weaker;
    reported)."""
    namespaces: dict[K8sName, AccessLogMode] = {}
    """Per-namespace overrides of `accessLogs`."""
    provider: Annotated[str, Field(pattern=r"^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$")] = "envoy"
    """Access-log provider: `envoy` is Istio's built-in stdout logger; another name must be an
    `extensionProviders` entry of `meshConfig`."""
