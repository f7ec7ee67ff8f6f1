"""AKS profiles computed from config (no Pulumi)."""

from __future__ import annotations

from meshward.azure import aks_profiles as p
from meshward.config.aks import AksConfig, ApiServerAccess
from meshward.config.mesh import MeshInstallConfig, PluginCa


def test_private_api_server_has_no_public_fqdn_and_no_run_command() -> None:
    profile = p.api_server_access_profile(AksConfig(), "subnet")
    assert profile["enable_private_cluster"] is True
    assert profile["enable_private_cluster_public_fqdn"] is False
    assert profile["disable_run_command"] is True
    assert profile["enable_vnet_integration"] is True


def test_public_api_server_is_limited_to_authorized_ranges() -> None:
    cfg = AksConfig(
        api_server=ApiServerAccess(mode="authorizedRanges", authorized_ip_ranges=["203.0.113.0/24"])
    )
    profile = p.api_server_access_profile(cfg, None)
    assert profile["authorized_ip_ranges"] == ["203.0.113.0/24"]
    assert "enable_private_cluster" not in profile


def test_network_is_overlay_with_cilium_by_default() -> None:
    profile = p.network_profile(AksConfig())
    assert (profile["network_plugin"], profile["network_plugin_mode"]) == ("azure", "overlay")
    assert profile["network_policy"] == profile["network_dataplane"] == "cilium"


def test_system_pool_is_tainted_and_autoscaled() -> None:
    profile = p.system_pool_profile(AksConfig(), "subnet")
    assert profile["mode"] == "System"
    assert profile["node_taints"] == [p.SYSTEM_POOL_TAINT]
    assert profile["enable_auto_scaling"] is True


def test_autoscaled_counts_and_upgraded_versions_never_diff() -> None:
    ignored = p.cluster_ignore_changes(AksConfig())
    assert "agentPoolProfiles[0].count" in ignored
    assert "kubernetesVersion" in ignored
    assert "kubernetesVersion" not in p.cluster_ignore_changes(AksConfig(upgrade_channel="none"))


def test_both_upgrade_channels_get_the_maintenance_window() -> None:
    configs = p.maintenance_configurations(AksConfig())
    assert set(configs) == {p.AUTO_UPGRADE_SCHEDULE, p.NODE_OS_UPGRADE_SCHEDULE}
    assert configs[p.AUTO_UPGRADE_SCHEDULE]["duration_hours"] == 4


def test_addon_mesh_profile_carries_revisions_gateways_and_plugin_ca() -> None:
    mesh = MeshInstallConfig(revisions=["asm-1-29", "asm-1-30"], plugin_ca=PluginCa())
    profile = p.service_mesh_profile(mesh, "kv-id")
    assert profile["mode"] == "Istio"
    assert profile["istio"]["revisions"] == ["asm-1-29", "asm-1-30"]
    assert profile["istio"]["components"]["ingress_gateways"] == [
        {"enabled": True, "mode": "Internal"}
    ]
    assert profile["istio"]["certificate_authority"]["plugin"]["key_vault_id"] == "kv-id"


def test_helm_installs_disable_the_addon() -> None:
    assert p.service_mesh_profile(MeshInstallConfig(install="helm"), None) == {"mode": "Disabled"}
