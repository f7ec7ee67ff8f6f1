"""AKS profiles computed from config (no Pulumi)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from meshward.azure import aks_profiles as p
from meshward.config.aks import AksConfig, ApiServerAccess, NodePool
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


def test_every_pool_is_encrypted_at_the_host_unless_config_says_otherwise() -> None:
    cfg = AksConfig()
    assert p.system_pool_profile(cfg, "snet")["enable_encryption_at_host"] is True
    off = NodePool(name="apps", host_encryption=False)
    assert p.node_pool_profile(off, "User", "snet")["enable_encryption_at_host"] is False


def test_auto_os_disk_is_ephemeral_and_fits_the_local_disk() -> None:
    # Standard_D4ds_v5: 150 GiB temp disk, no cache disk; AKS's default 128 GiB fits.
    assert p.os_disk_profile(NodePool(name="apps")) == {
        "os_disk_type": "Ephemeral",
        "os_disk_size_gb": 128,
    }
    # Standard_D2ds_v5: 75 GiB temp disk, so the OS disk is 75 GiB, not the default.
    small = NodePool(name="apps", vm_size="Standard_D2ds_v5")
    assert p.os_disk_profile(small) == {"os_disk_type": "Ephemeral", "os_disk_size_gb": 75}
    # Standard_DS2_v2: 86 GiB cache disk (larger than its 14 GiB temp disk).
    cached = NodePool(name="apps", vm_size="Standard_DS2_v2")
    assert p.os_disk_profile(cached)["os_disk_size_gb"] == 86


def test_auto_os_disk_is_managed_without_a_known_local_disk() -> None:
    for size in ("Standard_D4s_v5", "Standard_X9000_v9"):
        assert p.os_disk_profile(NodePool(name="apps", vm_size=size)) == {"os_disk_type": "Managed"}
    managed = NodePool(name="apps", os_disk="Managed")
    assert p.os_disk_profile(managed) == {"os_disk_type": "Managed"}


@pytest.mark.parametrize(
    ("size", "why"),
    [
        ("Standard_D4s_v5", "has no local disk"),
        ("Standard_X9000_v9", "not in meshward's table"),
    ],
)
def test_explicit_ephemeral_on_a_size_without_room_is_a_config_error(size: str, why: str) -> None:
    with pytest.raises(ValidationError) as error:
        NodePool(name="apps", vm_size=size, os_disk="Ephemeral")
    message = str(error.value)
    assert "osDisk: 'Ephemeral'" in message and why in message and "'Managed'" in message


def test_container_insights_off_disables_the_monitoring_addon() -> None:
    on = p.addon_profiles(AksConfig(), "/ws")["omsagent"]
    assert on == {
        "enabled": True,
        "config": {"logAnalyticsWorkspaceResourceID": "/ws", "useAADAuth": "true"},
    }
    off = p.addon_profiles(AksConfig(container_insights=False), "/ws")["omsagent"]
    assert off == {"enabled": False}


def test_container_insights_rule_sends_the_extension_stream_to_the_workspace() -> None:
    rule = p.container_insights_rule("/ws")
    [source] = rule["data_sources"]["extensions"]
    assert source["extension_name"] == "ContainerInsights"
    assert source["streams"] == ["Microsoft-ContainerInsights-Group-Default"]
    [destination] = rule["destinations"]["log_analytics"]
    assert destination["workspace_resource_id"] == "/ws"
    assert rule["data_flows"] == [
        {"streams": source["streams"], "destinations": [destination["name"]]}
    ]
    assert p.container_insights_rule_name("westeurope", "mw-prod-aks") == (
        "MSCI-westeurope-mw-prod-aks"
    )
