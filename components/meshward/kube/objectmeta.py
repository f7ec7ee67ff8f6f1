"""The API server's ObjectMeta rules for a created object: name, namespace, labels, annotations.

Messages follow apimachinery's validation wording (`k8s.io/apimachinery/pkg/api/validation`,
`pkg/util/validation`); each ends with `[ObjectMeta]`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from meshward.errors import Problem

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")
_QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\Z")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\Z")
_ANNOTATIONS_MAX_BYTES = 256 * 1024
_TAG = "[ObjectMeta]"

SUBDOMAIN_HELP = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    r"for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_HELP = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
NAME_PART_HELP = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "
    "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
LABEL_VALUE_HELP = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)


def metadata_problems(obj: Mapping[str, Any], *, namespaced: bool = True) -> list[Problem]:
    """Why the API server would refuse this object's metadata (empty when it would not)."""
    meta = obj.get("metadata")
    if type(meta) is dict and _plainly_valid(meta, namespaced):
        return []  # the usual metadata (a compiled mesh's ~10,000 objects): nothing to word
    if meta is None:
        return [
            Problem("metadata.name", f"Required value: name or generateName is required {_TAG}")
        ]
    if type(meta) is not dict and not isinstance(meta, Mapping):
        return [Problem("metadata", f"must be an object, got {_json(meta)} {_TAG}")]
    out: list[Problem] = []
    name, generate = meta.get("name"), meta.get("generateName")
    for field in ("name", "generateName", "namespace"):
        if meta.get(field) is not None and not isinstance(meta.get(field), str):
            out.append(_bad(f"metadata.{field}", meta.get(field), "must be a string"))
    if not name and not generate:
        out.append(
            Problem("metadata.name", f"Required value: name or generateName is required {_TAG}")
        )
    if isinstance(name, str) and name:
        out += _subdomain("metadata.name", name)
    if isinstance(generate, str) and generate and not name:
        # The server appends five characters; the prefix must still make a valid name.
        prefix = generate[:-1] + "a" if generate.endswith("-") else generate
        out += _subdomain("metadata.generateName", prefix)
    namespace = meta.get("namespace")
    if isinstance(namespace, str) and namespace:
        if not namespaced:
            out.append(
                _bad("metadata.namespace", namespace, "not allowed on a cluster-scoped kind")
            )
        elif len(namespace) > 63:
            out.append(_bad("metadata.namespace", namespace, "must be no more than 63 characters"))
        elif not _DNS_LABEL.match(namespace):
            out.append(_bad("metadata.namespace", namespace, LABEL_HELP))
    out += _string_map(meta, "labels", _label_problems)
    out += _string_map(meta, "annotations", _annotation_problems)
    annotations = meta.get("annotations")
    if type(annotations) is dict or isinstance(annotations, Mapping):
        size = sum(len(str(k)) + len(str(v)) for k, v in annotations.items())
        if size > _ANNOTATIONS_MAX_BYTES:
            out.append(
                Problem(
                    "metadata.annotations",
                    f"Too long: may not be more than {_ANNOTATIONS_MAX_BYTES} bytes {_TAG}",
                )
            )
    return out


#: Label entries and annotation keys `_plainly_valid` found valid (bounded, like the
#: `qualified_name_errors` cache): a compiled mesh repeats the same few thousands of times.
_VALID_LABELS: set[tuple[str, str]] = set()
_VALID_ANNOTATION_KEYS: set[str] = set()
_VALID_LIMIT = 4096


def _plainly_valid(meta: dict[str, Any], namespaced: bool) -> bool:
    """True only if `metadata_problems` finds nothing in `meta`: a dict whose name (set, a
    string), namespace, labels and annotations are plain strings that pass every rule
    below. Anything else answers False and the checks below decide and word it."""
    name = meta.get("name")
    if type(name) is not str or not name or len(name) > 253 or not _DNS_SUBDOMAIN.match(name):
        return False
    generate = meta.get("generateName")
    if generate is not None and type(generate) is not str:
        return False  # with a name set, generateName is only type-checked
    namespace = meta.get("namespace")
    if namespace is not None:
        if type(namespace) is not str:
            return False
        if namespace and (not namespaced or len(namespace) > 63 or not _DNS_LABEL.match(namespace)):
            return False
    labels = meta.get("labels")
    if labels is not None:
        if type(labels) is not dict:
            return False
        for entry in labels.items():
            key, value = entry
            # Types first: a list or map value would make the entry unhashable.
            if type(key) is not str or type(value) is not str:
                return False
            if entry not in _VALID_LABELS:
                if _label_problems("metadata.labels", key, value):
                    return False
                if len(_VALID_LABELS) < _VALID_LIMIT:
                    _VALID_LABELS.add(entry)
    annotations = meta.get("annotations")
    if annotations is not None:
        if type(annotations) is not dict:
            return False
        size = 0
        for key, value in annotations.items():
            if type(key) is not str or type(value) is not str:
                return False
            if key not in _VALID_ANNOTATION_KEYS:
                if qualified_name_errors(key.lower()):
                    return False
                if len(_VALID_ANNOTATION_KEYS) < _VALID_LIMIT:
                    _VALID_ANNOTATION_KEYS.add(key)
            size += len(key) + len(value)
        if size > _ANNOTATIONS_MAX_BYTES:
            return False
    return True


def _string_map(meta: Mapping[str, Any], field: str, check: Any) -> list[Problem]:
    values = meta.get(field)
    if values is None:
        return []
    path = f"metadata.{field}"
    if type(values) is not dict and not isinstance(values, Mapping):
        return [_bad(path, values, "must be a map of string to string")]
    out: list[Problem] = []
    for key, value in values.items():
        if not isinstance(value, str):
            out.append(_bad(_entry(path, key), value, "must be a string (quote it in YAML)"))
            continue
        out += check(path, str(key), value)
    return out


def _entry(path: str, key: Any) -> str:
    return f"{path}[{json.dumps(str(key))}]"


def _label_problems(path: str, key: str, value: str) -> list[Problem]:
    if not qualified_name_errors(key) and len(value) <= 63 and _LABEL_VALUE.match(value):
        return []  # the usual case, without building the entry's path
    at = _entry(path, key)
    out = [
        Problem(at, f"Invalid value: {_json(key)}: {why} {_TAG}")
        for why in qualified_name_errors(key)
    ]
    if len(value) > 63:
        out.append(_bad(at, value, "must be no more than 63 characters"))
    elif not _LABEL_VALUE.match(value):
        out.append(_bad(at, value, LABEL_VALUE_HELP))
    return out


def _annotation_problems(path: str, key: str, _value: str) -> list[Problem]:
    whys = qualified_name_errors(key.lower())
    return [
        Problem(_entry(path, key), f"Invalid value: {_json(key)}: {why} {_TAG}") for why in whys
    ]


@lru_cache(maxsize=4096)
def qualified_name_errors(key: str) -> tuple[str, ...]:
    """apimachinery's IsQualifiedName: optional DNS-subdomain prefix, `/`, a 63-char name."""
    parts = key.split("/")
    if len(parts) == 1:
        prefix, name = "", parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            return ("prefix part must be non-empty",)
    else:
        return (
            "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must "
            "start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
            "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') "
            "with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
        )
    errors: list[str] = []
    if prefix:
        if len(prefix) > 253:
            errors.append("prefix part must be no more than 253 characters")
        elif not _DNS_SUBDOMAIN.match(prefix):
            errors.append(f"prefix part {SUBDOMAIN_HELP}")
    if not name:
        errors.append("name part must be non-empty")
    elif len(name) > 63:
        errors.append("name part must be no more than 63 characters")
    elif not _QUALIFIED_NAME.match(name):
        errors.append(NAME_PART_HELP)
    return tuple(errors)


def _subdomain(path: str, value: str) -> list[Problem]:
    if len(value) > 253:
        return [_bad(path, value, "must be no more than 253 characters")]
    if not _DNS_SUBDOMAIN.match(value):
        return [_bad(path, value, SUBDOMAIN_HELP)]
    return []


def _bad(path: str, value: Any, why: str) -> Problem:
    return Problem(path, f"Invalid value: {_json(value)}: {why} {_TAG}")


def _json(value: Any) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
