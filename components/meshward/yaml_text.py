"""Block YAML for plain data, written directly: the text PyYAML's safe dumper writes.

`yaml.dump(value, Dumper=<a safe dumper>, default_flow_style=False, width=100,
sort_keys=False)` builds a node per value and hands every node to the emitter (libyaml's,
or PyYAML's Python copy of it), which asks the resolver twice per scalar and analyses every
scalar's characters to choose its style. For the data manifests hold (dicts with str keys,
lists, str, int, bool, None, float) the text is fixed by a few rules, which `BlockYaml`
writes in one recursive function, each distinct string analysed once:

- a mapping's entries one per line, `key: value`; a nested mapping indented by two; a list
  inside a mapping at the mapping's own indent (`- item`), a list or a mapping inside a list
  item on the item's line (`- - x`, `- key: v`); an empty mapping `{}`, an empty list `[]`;
- a string plain where the emitter allows it in block context (see `_block_plain`) and the
  resolver reads it back as a string, else in single quotes (`'` doubled); int, bool and None
  as the safe representer spells them, a float as it spells it where that reads back as one.

Anything the rules above do not cover with certainty is not written here (`dump` answers
None and the caller uses PyYAML): another type or a subclass, a non-str key, an empty key or
one of more than 122 characters (where libyaml and PyYAML's Python emitter disagree), a
character outside printable ASCII (line breaks, tabs, anything escaped in double quotes), a
string with a space that could reach the line width (where the emitter may fold it), a float
that would need a tag, a dumper whose representers are not the safe ones, and a dumper whose
resolvers changed since the `BlockYaml` was made (what it kept may be stale).
"""

from __future__ import annotations

from typing import Any

import yaml

_STR_TAG = "tag:yaml.org,2002:str"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_WIDTH = 100
"""The `width` the dumper is given; a space beyond it may become a line break."""
_SIMPLE_KEY_MAX = 122
"""Longest key both emitters write as `key:`: libyaml up to 128 characters, PyYAML's Python
emitter fewer than 128 counting the tag it is given (`!!str`, 5)."""
_KEPT = 200_000
"""Distinct strings whose written form is kept, per cache, before it starts over."""
_FIRST_INDICATORS = frozenset("#,[]{}&*!|>'\"%@`")
_PLAIN_TYPES = (str, dict, list, bool, int, float, type(None))


class _UnprovableError(Exception):
    """A value `BlockYaml` does not write with certainty; the caller uses PyYAML."""


def _block_plain(text: str) -> bool:
    """Whether the emitter's scalar analysis allows `text` (non-empty printable ASCII) plain
    in block context: libyaml's `yaml_emitter_analyze_scalar`, PyYAML's `analyze_scalar`."""
    if text[0] == " " or text[-1] == " " or text.startswith(("---", "...")):
        return False
    first = text[0]
    if first in _FIRST_INDICATORS:
        return False
    if first in "?:-" and (len(text) == 1 or text[1] == " "):
        return False
    # ': ' or a final ':' (a ':' followed by whitespace), ' #' (a '#' after whitespace).
    return not (": " in text or text[-1] == ":" or " #" in text)


def _float_text(value: float) -> str:
    # `SafeRepresenter.represent_float`.
    if value != value:
        return ".nan"
    if value == float("inf"):
        return ".inf"
    if value == -float("inf"):
        return "-.inf"
    text = repr(value).lower()
    if "." not in text and "e" in text:
        text = text.replace("e", ".0e", 1)
    return text


class BlockYaml:
    """Writes what `yaml.dump(value, Dumper=dumper, default_flow_style=False, width=100,
    sort_keys=...)` writes, for a safe `dumper` (its representers and resolvers as
    `yaml.SafeDumper`'s when this is made), or answers None where it cannot be sure."""

    def __init__(self, dumper: Any) -> None:
        self._dumper = dumper
        self._representers = {kind: dumper.yaml_representers.get(kind) for kind in _PLAIN_TYPES}
        self._safe = self._representers == {
            kind: yaml.SafeDumper.yaml_representers[kind] for kind in _PLAIN_TYPES
        }
        self._resolvers = {k: list(v) for k, v in dumper.yaml_implicit_resolvers.items()}
        self._values: dict[str, str] = {}
        """Each string's written form as a value ('' where not certain)."""
        self._keys: dict[str, str] = {}
        """Each string's written form as a mapping key, with its ':' ('' where not certain)."""

    def _unchanged(self) -> bool:
        dumper = self._dumper
        return (
            self._safe
            and not dumper.yaml_path_resolvers
            and dumper.yaml_implicit_resolvers == self._resolvers
            and {kind: dumper.yaml_representers.get(kind) for kind in _PLAIN_TYPES}
            == self._representers
        )

    def _tag(self, text: str) -> str:
        # `BaseResolver.resolve(ScalarNode, text, (True, False))`, which is a pure function
        # of the text when there are no path resolvers (checked by `_unchanged`).
        resolvers = self._resolvers
        for tag, pattern in resolvers.get(text[0] if text else "", []) + resolvers.get(None, []):
            if pattern.match(text):
                return str(tag)
        return _STR_TAG

    def _string(self, text: str) -> str:
        """`text` as the emitter writes a string scalar in block context, no folding
        considered; '' where it is not certain (outside printable ASCII)."""
        if not text:
            return "''" if self._tag(text) != _STR_TAG else ""
        if not (text.isascii() and text.isprintable()):
            return ""
        if _block_plain(text) and self._tag(text) == _STR_TAG:
            return text
        return "'" + text.replace("'", "''") + "'"

    def _value(self, text: str) -> str:
        written = self._values.get(text)
        if written is None:
            if len(self._values) >= _KEPT:
                self._values.clear()
            written = self._values[text] = self._string(text)
        if not written:
            raise _UnprovableError
        return written

    def _key(self, key: Any) -> str:
        if type(key) is not str:
            raise _UnprovableError
        written = self._keys.get(key)
        if written is None:
            if len(self._keys) >= _KEPT:
                self._keys.clear()
            # PyYAML's Python emitter writes an empty key as `? ''` (libyaml as `'':`).
            text = self._string(key) if 0 < len(key) <= _SIMPLE_KEY_MAX else ""
            written = self._keys[key] = text + ":" if text else ""
        if not written:
            raise _UnprovableError
        return written

    def _other(self, value: Any) -> str:
        """An int, bool, None or float as the safe representer writes it (always plain)."""
        kind = type(value)
        if value is None:
            return "null"
        if kind is bool:
            return "true" if value else "false"
        if kind is int:
            return int.__repr__(value)
        if kind is float:
            text = _float_text(value)
            if self._tag(text) == _FLOAT_TAG and _block_plain(text):
                return text
        raise _UnprovableError

    def dump(self, value: dict[str, Any], *, sort_keys: bool) -> str | None:
        """The dumper's text for the mapping `value` (its keys sorted if `sort_keys`, every
        nested mapping's keys sorted always), or None where this cannot be certain of it."""
        if type(value) is not dict or not self._unchanged():
            return None
        if not value:
            return "{}\n"
        out: list[str] = []
        try:
            self._mapping(value, "", "", out, sort_keys)
        except (_UnprovableError, TypeError, ValueError, RecursionError):
            # TypeError: keys that do not sort; ValueError: an int too long for str().
            # PyYAML then gives the same error.
            return None
        return "".join(out)

    def _mapping(
        self, mapping: dict[Any, Any], pad: str, lead: str, out: list[str], sort: bool
    ) -> None:
        """`mapping`'s entries at indent `pad`; the first line starts with `lead` instead (a
        list item's `- `, as wide as `pad`)."""
        append = out.append
        keys, values = self._keys, self._values
        room = _WIDTH - len(pad) - 1  # for the key, its ':' and the value, before folding
        for key in sorted(mapping) if sort else mapping:
            if type(key) is not str:
                raise _UnprovableError
            name = keys.get(key) or self._key(key)
            value = mapping[key]
            kind = type(value)
            if kind is str:
                written = values.get(value) or self._value(value)
                if len(name) + len(written) > room and " " in value:
                    raise _UnprovableError  # the emitter may fold it at a space
                append(f"{lead}{name} {written}\n")
            elif kind is dict:
                if value:
                    append(f"{lead}{name}\n")
                    inner = pad + "  "
                    self._mapping(value, inner, inner, out, True)
                else:
                    append(f"{lead}{name} {{}}\n")
            elif kind is list:
                if value:
                    append(f"{lead}{name}\n")
                    self._sequence(value, pad, pad, out)  # at the mapping's own indent
                else:
                    append(f"{lead}{name} []\n")
            else:
                append(f"{lead}{name} {self._other(value)}\n")
            lead = pad

    def _sequence(self, items: list[Any], pad: str, lead: str, out: list[str]) -> None:
        """`items` as `- item` lines at indent `pad`; the first starts with `lead` instead."""
        append = out.append
        values = self._values
        room = _WIDTH - len(pad) - 2  # for the value after `- `, before folding
        for item in items:
            kind = type(item)
            if kind is str:
                written = values.get(item) or self._value(item)
                if len(written) > room and " " in item:
                    raise _UnprovableError
                append(f"{lead}- {written}\n")
            elif kind is dict:
                if item:
                    self._mapping(item, pad + "  ", lead + "- ", out, True)
                else:
                    append(f"{lead}- {{}}\n")
            elif kind is list:
                if item:
                    self._sequence(item, pad + "  ", lead + "- ", out)
                else:
                    append(f"{lead}- []\n")
            else:
                append(f"{lead}- {self._other(item)}\n")
            lead = pad
