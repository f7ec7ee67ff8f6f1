"""Which input changes replace a resource."""

from __future__ import annotations

from meshward.diff.resources import changed_paths, forces_replace, resource_diff


def test_paths_are_dotted_with_list_indices() -> None:
    base = {"securityRules": [{"access": "Allow"}, {"access": "Deny"}], "policy": {"mode": "D"}}
    head = {"securityRules": [{"access": "Allow"}, {"access": "Allow"}], "policy": {"mode": "P"}}
    assert list(changed_paths(base, head)) == ["policy.mode", "securityRules[1].access"]


def test_azure_setting_updates_in_place_but_name_and_location_replace() -> None:
    waf = "azure-native:network:WebApplicationFirewallPolicy"
    assert not forces_replace(waf, "policySettings.mode")
    assert forces_replace(waf, "location")
    assert forces_replace("azure-native:keyvault:Vault", "vaultName")
    assert not forces_replace("azure-native:apimanagement:Api", "displayName")


def test_kubernetes_identity_replaces() -> None:
    ap = "kubernetes:security.istio.io/v1:AuthorizationPolicy"
    assert forces_replace(ap, "metadata.name")
    assert forces_replace(ap, "metadata.namespace")
    assert not forces_replace(ap, "spec.action")


def test_added_removed_and_changed_by_urn() -> None:
    def res(urn: str, **inputs: object) -> dict[str, object]:
        return {"urn": urn, "type": "azure-native:keyvault:Vault", "inputs": inputs}

    base = {"resources": [res("a", vaultName="v1"), res("b")]}
    head = {"resources": [res("a", vaultName="v2"), res("c")]}
    diff = resource_diff(base, head).to_dict()
    assert diff["added"] == ["c"] and diff["removed"] == ["b"]
    assert diff["changed"] == [{"urn": "a", "paths": ["vaultName"], "replace": True}]
