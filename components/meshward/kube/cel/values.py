"""CEL values as Python values, and the operators' typing rules.

int → `int`, uint → `UInt`, double → `float`, bool → `bool`, string → `str`, bytes → `bytes`,
null → `None`, list → `list`/`tuple`, map → `dict` (JSON objects, with or without a schema),
duration → `Duration`, the Kubernetes URL → `URL`. `bool` is a subclass of Python's `int`, so
every check below compares exact types.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from meshward.kube.cel.parser import UInt

INT_MIN = -(1 << 63)
INT_MAX = (1 << 63) - 1
UINT_MAX = (1 << 64) - 1


class CelError(Exception):
    """A CEL evaluation error (the rule then neither passes nor fails: it errors)."""


@dataclass(frozen=True, order=True)
class Duration:
    """A CEL `google.protobuf.Duration`, in nanoseconds (Go's time.Duration range)."""

    nanos: int


@dataclass(frozen=True)
class URL:
    """What the Kubernetes `url()` function returns: Go's url.URL fields the accessors read."""

    scheme: str
    host: str
    """host[:port] as Go keeps it (unescaped)."""
    path: str
    raw_path: str
    raw_query: str
    opaque: str


def type_name(value: Any) -> str:
    """The CEL type name of a value, for error messages."""
    kind = type(value)
    if kind is bool:
        return "bool"
    if kind is UInt:
        return "uint"
    if kind is int:
        return "int"
    if kind is float:
        return "double"
    if kind is str:
        return "string"
    if kind is bytes:
        return "bytes"
    if value is None:
        return "null_type"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, Mapping):
        return "map"
    if kind is Duration:
        return "google.protobuf.Duration"
    if kind is URL:
        return "kubernetes.URL"
    return kind.__name__


def no_overload(name: str, *args: Any) -> CelError:
    """The error CEL raises when no overload of `name` accepts these argument types."""
    return CelError(f"no such overload: {name}({', '.join(type_name(a) for a in args)})")


_NUMERIC = (int, UInt, float)


def _is_number(value: Any) -> bool:
    return type(value) in _NUMERIC


def equals(left: Any, right: Any) -> bool:
    """CEL heterogeneous equality: numbers compare by value across int/uint/double; values of
    different types are unequal (never an error); lists and maps compare element-wise."""
    lt, rt = type(left), type(right)
    if lt is rt and lt in (str, bool, int, bytes, UInt, Duration, URL):
        return bool(left == right)
    if lt in _NUMERIC and rt in _NUMERIC:
        if lt is float or rt is float:
            return float(left) == float(right) and not math.isnan(float(left))
        return int(left) == int(right)
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(
            equals(a, b) for a, b in zip(left, right, strict=True)
        )
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        if len(left) != len(right):
            return False
        for key, value in left.items():
            match = _lookup(right, key)
            if match is _MISSING or not equals(value, match):
                return False
        return True
    return False


_MISSING = object()


def _lookup(mapping: Mapping[Any, Any], key: Any) -> Any:
    if type(key) is str:
        return mapping.get(key, _MISSING)
    for candidate, value in mapping.items():
        if equals(candidate, key):
            return value
    return _MISSING


def map_get(mapping: Mapping[Any, Any], key: Any) -> Any:
    """`m[key]`: CEL's map access, numeric keys matching across int/uint/double."""
    if type(key) not in (str, bool, int, UInt, float):
        raise no_overload("_[_]", mapping, key)
    found = _lookup(mapping, key)
    if found is _MISSING:
        raise CelError(f"no such key: {key}")
    return found


def map_has(mapping: Mapping[Any, Any], key: Any) -> bool:
    """Whether a CEL map has `key` (`key in m`)."""
    return _lookup(mapping, key) is not _MISSING


def compare(op: str, left: Any, right: Any) -> bool:
    """`<`, `<=`, `>`, `>=` for same-kind operands (numbers across int/uint/double)."""
    lt, rt = type(left), type(right)
    if lt in _NUMERIC and rt in _NUMERIC:
        if math.isnan(left) if lt is float else False:
            return False
        if math.isnan(right) if rt is float else False:
            return False
    elif not (lt is rt and lt in (str, bytes, bool, Duration)):
        raise no_overload(op, left, right)
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    return bool(left >= right)


def check_int(value: int) -> int:
    """An int result, or CEL's overflow error."""
    if not INT_MIN <= value <= INT_MAX:
        raise CelError("return error for overflow")
    return value


def check_uint(value: int) -> UInt:
    """A uint result, or CEL's overflow error."""
    if not 0 <= value <= UINT_MAX:
        raise CelError("return error for overflow")
    return UInt(value)


def add(left: Any, right: Any) -> Any:
    """`+` over int, uint, double, string, bytes, list and duration."""
    lt = type(left)
    if lt is not type(right) and not (
        isinstance(left, list | tuple) and isinstance(right, list | tuple)
    ):
        raise no_overload("_+_", left, right)
    if lt is int:
        return check_int(left + right)
    if lt is UInt:
        return check_uint(left + right)
    if lt in (float, str, bytes):
        return left + right
    if isinstance(left, list | tuple):
        return [*left, *right]
    if lt is Duration:
        return Duration(check_int(left.nanos + right.nanos))
    raise no_overload("_+_", left, right)


def arithmetic(op: str, left: Any, right: Any) -> Any:
    """`-`, `*`, `/`, `%` with CEL's truncating division and overflow errors."""
    lt = type(left)
    if lt is not type(right) or lt not in (int, UInt, float, Duration):
        raise no_overload(f"_{op}_", left, right)
    if lt is Duration:
        if op != "-":
            raise no_overload(f"_{op}_", left, right)
        return Duration(check_int(left.nanos - right.nanos))
    if lt is float:
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        if op == "/":
            if right == 0:
                return math.copysign(math.inf, left) if left != 0 else math.nan
            return left / right
        raise no_overload("_%_", left, right)
    check = check_int if lt is int else check_uint
    if op == "-":
        return check(left - right)
    if op == "*":
        return check(left * right)
    if right == 0:
        raise CelError("division by zero" if op == "/" else "modulus by zero")
    quotient = abs(left) // abs(right)
    if (left < 0) != (right < 0):
        quotient = -quotient
    if op == "/":
        return check(quotient)
    return check(left - right * quotient)


def negate(value: Any) -> Any:
    """Unary minus for int, double and duration."""
    kind = type(value)
    if kind is int:
        return check_int(-value)
    if kind is float:
        return -value
    if kind is Duration:
        return Duration(check_int(-value.nanos))
    raise no_overload("-_", value)


def contains(container: Any, item: Any) -> bool:
    """`item in container` for lists and maps."""
    if isinstance(container, list | tuple):
        return any(equals(element, item) for element in container)
    if isinstance(container, Mapping):
        return map_has(container, item)
    raise no_overload("@in", item, container)
