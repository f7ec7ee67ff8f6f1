"""The shared manifest loader: documents with their first lines, the same values PyYAML's own
constructor builds, duplicates located, and one-line errors with positions."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from meshward.yaml_documents import (
    DocumentSyntaxError,
    decode,
    read_documents,
    read_text,
    safe_load,
)
from tests.support import ROOT

STREAM = """\
# leading comment
---
apiVersion: v1
kind: ConfigMap
data: {a: "1", b: 2, c: 1.5, d: true, e: null, f: 2024-01-01, g: 0x10, h: ~, 8080: x}
---
---
base: &base {x: 1, list: [1, 2]}
merged: {<<: *base, y: 2}
again: *base
tagged: !!str 123
binary: !!binary aGVsbG8=
set: !!set {a, b}
"""


class _NoTimestamps(yaml.SafeLoader):
    pass


_NoTimestamps.yaml_implicit_resolvers = {
    k: [(t, r) for t, r in v if t != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def test_values_equal_pyyamls_without_timestamps() -> None:
    docs = read_documents(STREAM, "s.yaml")
    assert [d.value for d in docs] == list(yaml.load_all(STREAM, Loader=_NoTimestamps))
    assert docs[0].value["data"]["f"] == "2024-01-01"  # Kubernetes keeps dates as strings
    assert docs[1].value is None  # the empty document between two `---`


def test_each_document_knows_its_first_content_line() -> None:
    assert [d.line for d in read_documents(STREAM, "s.yaml")] == [3, 7, 8]


def test_list_items_know_their_lines() -> None:
    text = "kind: List\nitems:\n- {kind: A}\n-\n  kind: B\n"
    [doc] = read_documents(text, "l.yaml")
    assert doc.item_lines == (3, 5)


def test_duplicate_keys_are_located() -> None:
    [doc] = read_documents("a: 1\nspec:\n  x: 1\n  x: 2\n", "d.yaml")
    assert [(p.path, p.message) for p in doc.duplicates] == [
        ("spec.x", "duplicate key 'x' (line 4) [schema]")
    ]


def test_syntax_error_is_one_line_with_position() -> None:
    with pytest.raises(DocumentSyntaxError) as info:
        read_documents("a: [1,\nb: 2\n", "bad.yaml")
    rendered = info.value.render()
    assert "\n" not in rendered
    assert rendered.startswith("bad.yaml:3:1: not valid YAML: ")  # where the sequence ends


def test_json_errors_have_positions() -> None:
    with pytest.raises(DocumentSyntaxError) as info:
        read_documents('{\n  "a": 1,\n}', "x.json", json_input=True)
    assert info.value.render().startswith("x.json:3:1: not valid JSON")


def test_binary_and_non_utf8_are_refused_by_position(tmp_path: Path) -> None:
    with pytest.raises(DocumentSyntaxError, match=r"^b:2:3: binary file"):
        decode(b"ok\nab\x00", "b")
    file = tmp_path / "l1.yaml"
    file.write_bytes(b"a: \xe9\n")
    with pytest.raises(DocumentSyntaxError, match=r"l1.yaml:1:4: not UTF-8 text"):
        read_text(file)
    assert decode("\ufeffa: 1".encode(), "bom") == "a: 1"


def _documents_of(stream: str) -> list[str]:
    return [d for d in stream.split("---\n") if d.strip()]


@pytest.mark.parametrize(
    "text",
    [
        *_documents_of(STREAM),  # timestamps, anchors, merge keys, tags, int keys, hex
        *(p.read_text() for p in sorted(ROOT.glob("Pulumi.*.yaml"))),
        "",
        "# only a comment\n",
        "[1, 2.5, .inf, -.inf, 0o17, 1_000, 1:30, yes, No, ~, '', \"x\"]\n",
        "a: 1\na: 2\nb: {a: [1, {c: d}]}\n",  # a repeated key: the last value, the first place
        "x: &x [1, 2]\ny: *x\n",  # an alias: the same list object, as PyYAML shares it
        "k: !!timestamp 2001-12-14t21:59:43.10-05:00\n",
    ],
)
def test_safe_load_is_pyyamls_safe_load(text: str) -> None:
    assert safe_load(text) == yaml.safe_load(text)


def test_safe_load_shares_an_aliased_object_as_pyyaml_does() -> None:
    loaded = safe_load("x: &x [1, 2]\ny: *x\n")
    assert loaded["x"] is loaded["y"]


@pytest.mark.parametrize(
    "text", ["a: 1\n---\nb: 2\n", "a: [1\n", "? [1, 2]\n: x\n", "!!python/name:os.system\n"]
)
def test_safe_load_refuses_what_pyyaml_refuses(text: str) -> None:
    with pytest.raises(yaml.YAMLError) as ours:
        safe_load(text)
    with pytest.raises(yaml.YAMLError) as theirs:
        yaml.safe_load(text)
    assert type(ours.value) is type(theirs.value)
