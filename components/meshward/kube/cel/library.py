"""CEL functions: the standard library and the Kubernetes extensions CRD rules use.

`GLOBAL` holds functions called as `f(x, ...)`, `MEMBER` those called as `x.f(...)` (the
receiver is passed first). Each raises `CelError` for argument types it has no overload for.
"""

from __future__ import annotations

import math
import re
import urllib.parse
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from meshward.kube.cel.parser import UInt
from meshward.kube.cel.urls import URLError, parse_request_uri, split_host_port
from meshward.kube.cel.values import (
    INT_MAX,
    INT_MIN,
    UINT_MAX,
    URL,
    CelError,
    Duration,
    no_overload,
)

Function = Callable[..., Any]


def size(value: Any) -> int:
    """`size(x)`: code points of a string, bytes, list items, map entries."""
    if isinstance(value, str | bytes | list | tuple | Mapping):
        return len(value)
    raise no_overload("size", value)


def _strings(name: str, *args: Any) -> None:
    if any(type(a) is not str for a in args):
        raise no_overload(name, *args)


def _contains(text: Any, part: Any) -> bool:
    _strings("contains", text, part)
    return bool(part in text)


def _starts_with(text: Any, part: Any) -> bool:
    _strings("startsWith", text, part)
    return bool(text.startswith(part))


def _ends_with(text: Any, part: Any) -> bool:
    _strings("endsWith", text, part)
    return bool(text.endswith(part))


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise CelError(f"invalid regular expression {pattern!r}: {exc}") from None


def _matches(text: Any, pattern: Any) -> bool:
    # RE2 (what cel-go uses) and Python agree on the syntax CRD rules use; `matches` is an
    # unanchored search in both.
    _strings("matches", text, pattern)
    return _regex(pattern).search(text) is not None


_GO_INT = re.compile(r"[+-]?[0-9]+")


def to_int(value: Any) -> int:
    """`int(x)`: Go's strconv.ParseInt(s, 10, 64) for strings, truncation for doubles."""
    kind = type(value)
    if kind is int:
        return value  # type: ignore[no-any-return]
    if kind is UInt:
        if value > INT_MAX:
            raise CelError("range error converting uint to int")
        return int(value)
    if kind is str:
        if not _GO_INT.fullmatch(value):
            raise CelError(f'strconv.ParseInt: parsing "{value}": invalid syntax')
        number = int(value)
        if not INT_MIN <= number <= INT_MAX:
            raise CelError(f'strconv.ParseInt: parsing "{value}": value out of range')
        return number
    if kind is float:
        if math.isnan(value) or not INT_MIN <= value < 2.0**63:
            raise CelError("range error converting double to int")
        return int(value)
    if kind is Duration:
        return value.nanos  # type: ignore[no-any-return]
    raise no_overload("int", value)


def to_uint(value: Any) -> UInt:
    """`uint(x)`."""
    kind = type(value)
    if kind is UInt:
        return value  # type: ignore[no-any-return]
    if kind is int:
        if value < 0:
            raise CelError("range error converting int to uint")
        return UInt(value)
    if kind is str:
        if not re.fullmatch(r"\+?[0-9]+", value) or int(value) > UINT_MAX:
            raise CelError(f'strconv.ParseUint: parsing "{value}": invalid syntax')
        return UInt(int(value))
    if kind is float:
        if math.isnan(value) or not 0 <= value < 2.0**64:
            raise CelError("range error converting double to uint")
        return UInt(int(value))
    raise no_overload("uint", value)


def to_double(value: Any) -> float:
    """`double(x)`."""
    kind = type(value)
    if kind is float:
        return value  # type: ignore[no-any-return]
    if kind in (int, UInt):
        return float(value)
    if kind is str:
        try:
            return float(value)
        except ValueError:
            raise CelError(f'strconv.ParseFloat: parsing "{value}": invalid syntax') from None
    raise no_overload("double", value)


def to_string(value: Any) -> str:
    """`string(x)`."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if kind is bool:
        return "true" if value else "false"
    if kind in (int, UInt):
        return str(int(value))
    if kind is float:
        return _go_float(value)
    if kind is bytes:
        try:
            return value.decode("utf-8")  # type: ignore[no-any-return]
        except UnicodeDecodeError:
            raise CelError("invalid UTF-8 in bytes, cannot convert to string") from None
    if kind is Duration:
        return _duration_text(value.nanos)
    raise no_overload("string", value)


def _go_float(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def _duration_text(nanos: int) -> str:
    # CEL prints durations as seconds with a trailing "s", e.g. "1.5s".
    seconds, rest = divmod(abs(nanos), 1_000_000_000)
    sign = "-" if nanos < 0 else ""
    return f"{sign}{seconds}.{rest:09d}".rstrip("0").rstrip(".") + "s"


def to_bytes(value: Any) -> bytes:
    """`bytes(x)`."""
    if type(value) is bytes:
        return value
    if type(value) is str:
        return value.encode("utf-8")
    raise no_overload("bytes", value)


def to_bool(value: Any) -> bool:
    """`bool(x)` (strings as Go's strconv.ParseBool)."""
    if type(value) is bool:
        return value
    if type(value) is str:
        if value in ("1", "t", "T", "TRUE", "true", "True"):
            return True
        if value in ("0", "f", "F", "FALSE", "false", "False"):
            return False
        raise CelError(f'strconv.ParseBool: parsing "{value}": invalid syntax')
    raise no_overload("bool", value)


_UNITS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,
    "\u03bcs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_PART = re.compile(r"([0-9]*)(?:\.([0-9]*))?([^0-9.]*)")


@lru_cache(maxsize=1024)
def parse_go_duration(text: str) -> int:
    """Go's time.ParseDuration (what CEL's `duration(string)` uses), in nanoseconds."""
    invalid = CelError(f'time: invalid duration "{text}"')
    rest = text
    negative = False
    if rest[:1] in ("+", "-"):
        negative = rest[0] == "-"
        rest = rest[1:]
    if rest == "0":
        return 0
    if not rest:
        raise invalid
    total = 0
    while rest:
        match = _PART.match(rest)
        if match is None or match.end() == 0:
            raise invalid
        whole, fraction, unit = match.group(1), match.group(2), match.group(3)
        if not whole and not fraction:
            raise invalid
        if not unit:
            raise CelError(f'time: missing unit in duration "{text}"')
        if unit not in _UNITS:
            raise CelError(f'time: unknown unit "{unit}" in duration "{text}"')
        scale = _UNITS[unit]
        total += int(whole or "0") * scale
        if fraction:
            total += int(fraction) * scale // 10 ** len(fraction)
        if total > INT_MAX + (1 if negative else 0):
            raise invalid
        rest = rest[match.end() :]
    return -total if negative else total


def to_duration(value: Any) -> Duration:
    """`duration(x)` from a Go duration string (`"1.5s"`, `"1h30m"`)."""
    if type(value) is Duration:
        return value
    if type(value) is str:
        return Duration(parse_go_duration(value))
    raise no_overload("duration", value)


def to_url(value: Any) -> URL:
    """Kubernetes `url(string)`: Go's url.ParseRequestURI, an error when it does not parse."""
    _strings("url", value)
    try:
        return parse_request_uri(value)
    except URLError as exc:
        raise CelError(
            f'URL parse error during conversion from string: parse "{value}": {exc}'
        ) from None


def is_url(value: Any) -> bool:
    """Kubernetes `isURL(string)`."""
    _strings("isURL", value)
    try:
        parse_request_uri(value)
    except URLError:
        return False
    return True


def _url(value: Any, name: str) -> URL:
    if type(value) is not URL:
        raise no_overload(name, value)
    return value


def _escaped_path(url: URL) -> str:
    return url.raw_path or urllib.parse.quote(url.path, safe="/;,:@&=+$!*'()~-._")


def _query(url: URL) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in url.raw_query.split("&"):
        if not part or ";" in part:
            continue
        key, _, value = part.partition("=")
        try:
            key = urllib.parse.unquote_plus(key, errors="strict")
            value = urllib.parse.unquote_plus(value, errors="strict")
        except UnicodeDecodeError:
            continue
        parsed.setdefault(key, []).append(value)
    return parsed


def _substring(text: Any, start: Any, end: Any = None) -> str:
    if (
        type(text) is not str
        or type(start) is not int
        or (end is not None and type(end) is not int)
    ):
        raise no_overload("substring", text, start, *([] if end is None else [end]))
    stop = len(text) if end is None else end
    if start < 0 or start > len(text):
        raise CelError(f"index out of range: {start}")
    if stop < start or stop > len(text):
        raise CelError(f"index out of range: {stop}")
    return text[start:stop]


def _index_of(text: Any, part: Any, start: Any = 0) -> int:
    _strings("indexOf", text, part)
    if type(start) is not int or not 0 <= start <= len(text):
        raise CelError(f"index out of range: {start}")
    return int(text.find(part, start))


def _last_index_of(text: Any, part: Any, *rest: Any) -> int:
    _strings("lastIndexOf", text, part)
    if rest:
        end = rest[0]
        if type(end) is not int or not 0 <= end < max(len(text), 1):
            raise CelError(f"index out of range: {end}")
        return int(text.rfind(part, 0, end + len(part)))
    return int(text.rfind(part))


def _lower_ascii(text: Any) -> str:
    _strings("lowerAscii", text)
    return "".join(c.lower() if c.isascii() else c for c in text)


def _upper_ascii(text: Any) -> str:
    _strings("upperAscii", text)
    return "".join(c.upper() if c.isascii() else c for c in text)


def _replace(text: Any, old: Any, new: Any, *limit: Any) -> str:
    _strings("replace", text, old, new)
    count = limit[0] if limit else -1
    if type(count) is not int:
        raise no_overload("replace", text, old, new, count)
    return str(text.replace(old, new, count))


def _split(text: Any, separator: Any, *limit: Any) -> list[str]:
    _strings("split", text, separator)
    count = limit[0] if limit else -1
    if count == 0:
        return []
    if separator == "":
        chars = list(text)
        if count > 0 and len(chars) > count:
            chars = [*chars[: count - 1], "".join(chars[count - 1 :])]
        return chars
    return list(text.split(separator, count - 1 if count > 0 else -1))


def _join(items: Any, separator: Any = "") -> str:
    if not isinstance(items, list | tuple) or any(type(i) is not str for i in items):
        raise no_overload("join", items)
    _strings("join", separator)
    return str(separator.join(items))


def _trim(text: Any) -> str:
    _strings("trim", text)
    return str(text.strip())


def _char_at(text: Any, index: Any) -> str:
    if type(text) is not str or type(index) is not int:
        raise no_overload("charAt", text, index)
    if not 0 <= index <= len(text):
        raise CelError(f"index out of range: {index}")
    return text[index : index + 1]


def _duration_part(unit: int, name: str) -> Function:
    def part(value: Any) -> int:
        if type(value) is not Duration:
            raise no_overload(name, value)
        nanos: int = value.nanos
        return -(-nanos // unit) if nanos < 0 else nanos // unit

    return part


GLOBAL: dict[str, Function] = {
    "size": size,
    "int": to_int,
    "uint": to_uint,
    "double": to_double,
    "string": to_string,
    "bytes": to_bytes,
    "bool": to_bool,
    "duration": to_duration,
    "dyn": lambda value: value,
    "matches": _matches,
    "url": to_url,
    "isURL": is_url,
}
MEMBER: dict[str, Function] = {
    "size": size,
    "contains": _contains,
    "startsWith": _starts_with,
    "endsWith": _ends_with,
    "matches": _matches,
    "getScheme": lambda u: _url(u, "getScheme").scheme,
    "getHost": lambda u: _url(u, "getHost").host,
    "getHostname": lambda u: split_host_port(_url(u, "getHostname").host)[0],
    "getPort": lambda u: split_host_port(_url(u, "getPort").host)[1],
    "getEscapedPath": lambda u: _escaped_path(_url(u, "getEscapedPath")),
    "getQuery": lambda u: _query(_url(u, "getQuery")),
    "substring": _substring,
    "indexOf": _index_of,
    "lastIndexOf": _last_index_of,
    "lowerAscii": _lower_ascii,
    "upperAscii": _upper_ascii,
    "replace": _replace,
    "split": _split,
    "join": _join,
    "trim": _trim,
    "charAt": _char_at,
    "getHours": _duration_part(3_600_000_000_000, "getHours"),
    "getMinutes": _duration_part(60_000_000_000, "getMinutes"),
    "getSeconds": _duration_part(1_000_000_000, "getSeconds"),
    "getMilliseconds": _duration_part(1_000_000, "getMilliseconds"),
}
