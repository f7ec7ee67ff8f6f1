"""Every pinned third-party version, in one place, each with where it was shown to exist.

Change a pin here (and its source line) and nowhere else; config defaults read these.

Sources (release lists):
- Istio Helm charts `base`, `istiod`, `gateway` 1.30.4: tag `1.30.4` of istio/istio
  (https://github.com/istio/istio/releases/tag/1.30.4, announcement
  https://istio.io/news/releases/1.30.x/announcing-1.30.4/; chart bumps 1.30.3 → 1.30.4 of all
  three charts seen on 2026-08-31 in entigolabs/entigo-infralib PRs #1655–#1657), served from
  https://istio-release.storage.googleapis.com/charts.
- External Secrets Operator chart 2.10.0: tag `helm-chart-2.10.0` of
  external-secrets/external-secrets (https://github.com/external-secrets/external-secrets/releases,
  bump 2.9.0 → 2.10.0 on 2026-08-31 in entigolabs/entigo-infralib PR #1653), served from
  https://charts.external-secrets.io. ESO supports only its latest minor, so pin the newest.
- AKS Istio add-on revisions: Azure/AKS CHANGELOG, release 2026-07-17 (Azure/AKS PR #5872:
  `asm-1-30` patched to v1.30.2-2; `asm-1-28`/`asm-1-29` patched), release 2026-05-01
  (PR #5755: `asm-1-29` available, `asm-1-26` deprecated), release 2026-05-29 (PR #5798:
  `asm-1-27` deprecated); compatible AKS versions of `asm-1-30` (1.32–1.36) from
  MicrosoftDocs/azure-aks-docs `articles/aks/istio-support-policy.md` (commit fb060ab), also
  listed live by `az aks mesh get-revisions --location <region>`.
"""

from __future__ import annotations

ISTIO_HELM_VERSION = "1.30.4"
"""Chart version of Istio's `base`, `istiod` and `gateway` (they move together)."""
ISTIO_HELM_REPOSITORY = "https://istio-release.storage.googleapis.com/charts"
EXTERNAL_SECRETS_CHART_VERSION = "2.10.0"
"""`external-secrets` chart (its app version is the same)."""
EXTERNAL_SECRETS_REPOSITORY = "https://charts.external-secrets.io"
ISTIO_ADDON_REVISION = "asm-1-30"
"""Default AKS Istio add-on revision."""
KUBERNETES_VERSION = "1.34"
"""Default AKS Kubernetes minor (inside the default add-on revision's range)."""

#: Add-on revision → (oldest, newest) compatible AKS Kubernetes minor, where a source says so.
ADDON_REVISION_KUBERNETES: dict[str, tuple[int, int]] = {"asm-1-30": (32, 36)}
#: Revisions AKS still installs, whether or not their Kubernetes range is recorded above.
ADDON_REVISIONS_AVAILABLE = frozenset({"asm-1-28", "asm-1-29", "asm-1-30"})
#: Revisions AKS no longer installs on a new mesh (deprecated).
ADDON_REVISIONS_DEPRECATED = frozenset({f"asm-1-{minor}" for minor in range(17, 28)})


def kubernetes_minor(version: str) -> int:
    """`1.34` or `1.34.2` → 34."""
    return int(version.split(".")[1])


def addon_revision_problem(revision: str, kubernetes_version: str) -> str | None:
    """Why AKS would refuse `revision` on a new cluster of `kubernetes_version`, if it would."""
    if revision in ADDON_REVISIONS_DEPRECATED:
        return (
            f"{revision} is deprecated: AKS installs no new mesh with it "
            f"(use {ISTIO_ADDON_REVISION})"
        )
    span = ADDON_REVISION_KUBERNETES.get(revision)
    minor = kubernetes_minor(kubernetes_version)
    if span is not None and not span[0] <= minor <= span[1]:
        return f"{revision} supports Kubernetes 1.{span[0]}–1.{span[1]}, not {kubernetes_version}"
    return None


def addon_revision_verified(revision: str) -> bool:
    """Whether meshward has a source saying AKS offers `revision` today."""
    return revision in ADDON_REVISIONS_AVAILABLE
