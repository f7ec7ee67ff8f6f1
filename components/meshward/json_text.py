"""`json.dumps(value, indent=2)` text, byte for byte, without the pure-Python encoder.

With `indent`, CPython's `json` never uses its C encoder: every value goes through the
generators of `json.encoder._make_iterencode` (0.35 s of CPU for a 1,000-workload `plan.json`
of 9 MB). `indented_json` writes the same text with one recursive function over the plain
JSON types, using the C string escaper and the same number formatting; anything else (other
types, subclasses, non-string keys, cycles, nesting too deep for the recursion) is left to
`json.dumps` itself, so the text, or the error, is always exactly what `json.dumps` gives.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii
from typing import Any

_INDENT = "  "


class _UnsupportedError(Exception):
    """A value this encoder leaves to `json.dumps`."""


def _float_text(value: float) -> str:
    # `json.encoder`'s floatstr with the default `allow_nan=True`.
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == -float("inf"):
        return "-Infinity"
    return float.__repr__(value)


def indented_json(value: Any, *, sort_keys: bool = False) -> str:
    """Exactly `json.dumps(value, indent=2, sort_keys=sort_keys)`."""
    try:
        return _encode(value, sort_keys)
    except (_UnsupportedError, RecursionError):
        return json.dumps(value, indent=2, sort_keys=sort_keys)


def _encode(value: Any, sort_keys: bool) -> str:
    chunks: list[str] = []
    append = chunks.append
    escape = encode_basestring_ascii
    int_text = int.__repr__
    # Separators per depth: "\n" plus the indent, computed once per depth.
    newlines: list[str] = ["\n"]

    def scalar(item: Any, kind: type) -> str:
        if kind is str:
            return escape(item)
        if item is None:
            return "null"
        if item is True:
            return "true"
        if item is False:
            return "false"
        if kind is int:
            return int_text(item)
        if kind is float:
            return _float_text(item)
        raise _UnsupportedError

    def container(item: Any, kind: type, depth: int) -> None:
        if depth + 1 == len(newlines):
            newlines.append(newlines[-1] + _INDENT)
        inner = newlines[depth + 1]
        if kind is dict:
            if not item:
                append("{}")
                return
            keys = list(item)
            if sort_keys:
                try:
                    keys.sort()
                except TypeError:  # keys of mixed types: json.dumps raises the same
                    raise _UnsupportedError from None
            separator = "{" + inner
            following = "," + inner
            for key in keys:
                if type(key) is not str:
                    raise _UnsupportedError  # json.dumps converts int, float, bool, None keys
                member = item[key]
                member_kind = type(member)
                if member_kind is str:
                    append(f"{separator}{escape(key)}: {escape(member)}")
                elif member_kind is dict or member_kind is list or member_kind is tuple:
                    append(f"{separator}{escape(key)}: ")
                    container(member, member_kind, depth + 1)
                else:
                    append(f"{separator}{escape(key)}: {scalar(member, member_kind)}")
                separator = following
            append(newlines[depth])
            append("}")
            return
        if not item:
            append("[]")
            return
        separator = "[" + inner
        following = "," + inner
        for member in item:
            member_kind = type(member)
            if member_kind is str:
                append(separator + escape(member))
            elif member_kind is dict or member_kind is list or member_kind is tuple:
                append(separator)
                container(member, member_kind, depth + 1)
            else:
                append(separator + scalar(member, member_kind))
            separator = following
        append(newlines[depth])
        append("]")

    kind = type(value)
    if kind is dict or kind is list or kind is tuple:
        container(value, kind, 0)
    else:
        append(scalar(value, kind))
    return "".join(chunks)
