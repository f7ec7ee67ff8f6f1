"""Multi-document YAML loading: other kinds, lists, duplicate keys, unparsable text."""

from __future__ import annotations

import pytest

from meshward.mesh.istio import ManifestSyntaxError, load_documents

POLICY = """\
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: allow-nothing
  namespace: foo
spec: {}
"""
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
"""


def test_other_kinds_are_returned_unchecked() -> None:
    documents = load_documents(f"{DEPLOYMENT}---\n{POLICY}---\n", "x.yaml")
    assert [(d.index, d.ref, d.result is None) for d in documents] == [
        (0, "Deployment/-/web", True),
        (1, "AuthorizationPolicy/foo/allow-nothing", False),
    ]


@pytest.mark.parametrize("kind", ["[]", "{a: 1}", "[AuthorizationPolicy]", "7"])
def test_a_kind_that_is_not_a_string_is_a_located_problem(kind: str) -> None:
    # A list or map is unhashable: it used to escape as a TypeError (a traceback).
    [doc] = load_documents(POLICY.replace("kind: AuthorizationPolicy", f"kind: {kind}"), "x.yaml")
    assert doc.result is not None and doc.result.object is None
    assert [p.path for p in doc.result.errors] == ["kind"]
    assert "does not exist in security.istio.io" in doc.result.errors[0].message


def test_duplicate_key_is_a_problem_of_its_document() -> None:
    text = POLICY.replace("spec: {}", "spec:\n  action: DENY\n  action: ALLOW")
    [doc] = load_documents(text, "x.yaml")
    assert doc.result is not None and not doc.result.ok
    assert doc.result.errors[0].path == "spec.action"
    assert "duplicate key" in doc.result.errors[0].message


def test_unparsable_yaml_raises_syntax_error() -> None:
    with pytest.raises(ManifestSyntaxError):
        load_documents("spec: [unclosed\n", "x.yaml")


def test_unparsable_json_raises_syntax_error() -> None:
    with pytest.raises(ManifestSyntaxError):
        load_documents('{"kind": ', "x.json", json_input=True)


def test_list_items_are_checked_with_item_paths() -> None:
    text = """\
apiVersion: v1
kind: List
items:
- apiVersion: security.istio.io/v1
  kind: AuthorizationPolicy
  metadata: {name: a}
  spec: {action: DENY}
"""
    [doc] = load_documents(text, "x.yaml")
    assert doc.result is not None
    assert [p.path for p in doc.result.errors] == ["items[0].spec.rules"]


def test_timestamps_stay_strings() -> None:
    text = POLICY.replace(
        "  namespace: foo", "  namespace: foo\n  creationTimestamp: 2025-01-01T00:00:00Z"
    )
    [doc] = load_documents(text, "x.yaml")
    assert doc.result is not None and doc.result.object is not None
    assert doc.result.object.metadata.creation_timestamp == "2025-01-01T00:00:00Z"
