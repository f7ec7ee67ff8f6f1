"""Placeholder values are recognised inside any string, and real values are left alone."""

from __future__ import annotations

import pytest

from meshward.preflight.placeholders import find_placeholders, is_placeholder_guid, reserved_host


@pytest.mark.parametrize(
    "guid",
    ["00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-00000000000a"],
)
def test_zero_prefixed_guids_are_placeholders(guid: str) -> None:
    assert is_placeholder_guid(guid)


def test_real_guids_are_not() -> None:
    assert not is_placeholder_guid("72f988bf-86f1-41af-91ab-2d7cd011db47")
    # 27 zero digits then a non-zero one: the 28-digit prefix is not all zero.
    assert not is_placeholder_guid("00000000-0000-0000-0000-000100000000")


@pytest.mark.parametrize(
    ("host", "reserved"),
    [
        ("api.dev.meshward.example", "example"),
        ("example", "example"),
        ("shop.example.com", "example.com"),
        ("example.net", "example.net"),
        ("a.b.example.org", "example.org"),
        ("ci.test", ".test"),
        ("platform.invalid", ".invalid"),
        ("x.localhost", ".localhost"),
    ],
)
def test_reserved_host_names(host: str, reserved: str) -> None:
    assert reserved_host(host) == reserved


@pytest.mark.parametrize("host", ["contoso.com", "example-corp.com", "myexample.com", "westeurope"])
def test_real_host_names_are_not_reserved(host: str) -> None:
    assert reserved_host(host) is None


def test_placeholders_are_found_inside_urls_addresses_and_lists() -> None:
    tree = {
        "issuer": "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001/v2.0",
        "email": "ops@example.invalid",
        "ranges": ["10.0.0.0/8", "198.51.100.7", "192.0.2.0/25"],
        "fine": ["https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"],
    }
    found = [(p.path, p.value, p.kind) for p in find_placeholders(tree, "platform")]
    assert found == [
        ("platform.issuer", "00000000-0000-0000-0000-000000000001", "guid"),
        ("platform.email", "example.invalid", "host"),
        ("platform.ranges[1]", "198.51.100.7", "address"),
        ("platform.ranges[2]", "192.0.2.0/25", "address"),
    ]
