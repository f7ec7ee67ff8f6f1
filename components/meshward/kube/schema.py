"""A CRD's structural OpenAPI v3 schema, compiled once and checked the way the API server does.

One walk per object does what the API server does on create, in its order: drop `null` values
of non-nullable properties, report fields the schema does not know (the API server prunes them;
`kubectl apply`'s default strict field validation rejects them), check types and value
validations (enum, pattern, lengths, counts, bounds, formats, list-type uniqueness, junctors),
then evaluate the `x-kubernetes-validations` CEL rules bottom-up on every value whose type
matches its schema. Messages follow the API server's wording; each ends with the rule that
failed, e.g. `[CRD schema: enum]` or `[CRD rule: self.size() == 0]`.
"""

from __future__ import annotations

import base64
import binascii
import builtins
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from meshward.errors import Problem
from meshward.kube.cel import CelError, CelSyntaxError, CelUnsupportedError, Program, compile_rule
from meshward.kube.cel.program import SelfReads

#: Fields every object has beside its schema's, never "unknown" at an object's root.
ROOT_FIELDS = frozenset({"apiVersion", "kind", "metadata"})
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_TYPE_NAMES = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
    type(None): "null",
}


def describe_type(value: Any) -> str:
    """The JSON type of a decoded value, as the API server names it."""
    return _TYPE_NAMES.get(type(value), "object" if isinstance(value, Mapping) else "unknown")


def short(value: Any) -> str:
    """A value as JSON, cut to 80 characters, for messages."""
    try:
        text = json.dumps(value, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def child_path(path: str, key: str, *, map_entry: bool) -> str:
    """`spec.rules` for a property, `spec.matchLabels["app"]` for a map entry."""
    if not map_entry and _IDENTIFIER.match(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"


@dataclass(frozen=True)
class Rule:
    """One `x-kubernetes-validations` entry, compiled."""

    text: str
    """The CEL source, whitespace-normalised for messages."""
    message: str
    """The rule's `message`, or `failed rule: <rule>` as the API server words it."""
    field_path: str
    """Where the API server reports a failure, relative to the value (`fieldPath`)."""
    program: Program | None
    """The compiled rule; `None` when it cannot be evaluated here (`unsupported` says why)."""
    message_program: Program | None = None
    """`messageExpression`, compiled, when the rule has one."""
    unsupported: str = ""
    """Why `program` is missing; such a rule is reported as a problem, never passed."""

    memo: dict[Any, str] = field(default_factory=dict, compare=False, repr=False)
    """Verdicts already reached for string values (see `Checker._rules`)."""
    map_memo: dict[Any, str] = field(default_factory=dict, compare=False, repr=False)
    """Verdicts already reached for maps, by what `reads` sees of them."""

    @property
    def reads(self) -> SelfReads | None:
        """What the rule (and its message) reads of a map `self`, when less than the whole
        map: then its verdict on a map depends on `reads.of(map)` alone."""
        if self.program is None or self.message_program is not None:
            return None
        return self.program.reads

    @property
    def tag(self) -> str:
        """The suffix naming this rule in a problem message."""
        return f"[CRD rule: {self.text}]"

    def verdict(self, value: Any) -> str:
        """The problem message for `self` = `value`, or `""` when the rule holds (or only
        applies to updates)."""
        program = self.program
        if program is None:
            return (
                f"the rule cannot be evaluated here ({self.unsupported}), so it is not passed: "
                f"{self.message} {self.tag}"
            )
        if program.uses_old_self:
            return ""  # transition rules only run on updates
        try:
            result = program.evaluate(value)
        except CelError as exc:
            return f"{exc} evaluating rule: {self.message} {self.tag}"
        if result is True:
            return ""
        if result is not False:
            return f"rule did not evaluate to a bool: {self.message} {self.tag}"
        return f"{_message(self, value)} {self.tag}"


def compile_rule_entry(entry: Mapping[str, Any]) -> Rule:
    """A `x-kubernetes-validations` item as a Rule (CEL compiled once, cached by text)."""
    text = str(entry.get("rule", ""))
    shown = " ".join(text.split())
    message = str(entry.get("message") or f"failed rule: {shown}")
    field_path = str(entry.get("fieldPath") or "")
    try:
        program: Program | None = compile_rule(text)
        unsupported = ""
    except (CelSyntaxError, CelUnsupportedError) as exc:
        program, unsupported = None, str(exc)
    message_program = None
    if entry.get("messageExpression"):
        try:
            message_program = compile_rule(str(entry["messageExpression"]))
        except (CelSyntaxError, CelUnsupportedError):
            message_program = None
    return Rule(shown, message, field_path, program, message_program, unsupported)


@dataclass
class Schema:
    """One compiled schema node (a structural schema: at most one type per node)."""

    type: str | None = None
    int_or_string: bool = False
    nullable: bool = False
    has_default: bool = False
    properties: dict[str, Schema] | None = None
    additional: Schema | None = None
    additional_allowed: bool = False
    items: Schema | None = None
    preserve_unknown: bool = False
    embedded: bool = False
    required: tuple[str, ...] = ()
    enum: tuple[Any, ...] | None = None
    pattern: re.Pattern[str] | None = None
    pattern_text: str = ""
    min_length: int | None = None
    max_length: int | None = None
    min_items: int | None = None
    max_items: int | None = None
    min_properties: int | None = None
    max_properties: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    multiple_of: float | None = None
    unique_items: bool = False
    format: str = ""
    list_type: str = ""
    list_map_keys: tuple[str, ...] = ()
    one_of: tuple[Schema, ...] = ()
    any_of: tuple[Schema, ...] = ()
    all_of: tuple[Schema, ...] = ()
    not_: Schema | None = None
    rules: tuple[Rule, ...] = ()
    has_value_checks: bool = field(default=False)
    accepts: frozenset[builtins.type] = frozenset()
    """Python types of the values this node's type admits (decoded JSON: dict, list, ...)."""
    done_if_typed: bool = False
    """A value of an admitted type needs nothing more (no checks, rules or children)."""
    required_only: bool = False
    """Only `required` (the usual junctor branch): checked without the general walk."""
    child_paths: dict[str, str] = field(default_factory=dict)
    """Per property, the path suffix (`.name`, or `["na-me"]` for non-identifiers)."""
    presence: Callable[[Any], bool] | None = field(default=None, compare=False, repr=False)
    """For a junctor branch made only of `required` and nested junctors (Istio's "at most
    one of" idiom), whether a value satisfies it, prebuilt once: the same verdict as the
    general value-only walk, without its problem lists and messages."""

    def type_matches(self, value: Any) -> bool:
        """Whether `value` has this node's type (CEL rules run only on such values)."""
        return type(value) in self.accepts


_ACCEPTS: dict[str | None, frozenset[type]] = {
    "object": frozenset({dict}),
    "array": frozenset({list}),
    "string": frozenset({str}),
    "integer": frozenset({int}),
    "number": frozenset({int, float}),
    "boolean": frozenset({bool}),
    None: frozenset({dict, list, str, int, float, bool}),
}


def compile_schema(raw: Mapping[str, Any]) -> Schema:
    """Compile a raw openAPIV3Schema mapping into Schema nodes (CEL rules compiled too)."""
    node = Schema()
    node.type = raw.get("type")
    node.int_or_string = bool(raw.get("x-kubernetes-int-or-string"))
    node.nullable = bool(raw.get("nullable"))
    node.has_default = "default" in raw
    node.preserve_unknown = bool(raw.get("x-kubernetes-preserve-unknown-fields"))
    node.embedded = bool(raw.get("x-kubernetes-embedded-resource"))
    if isinstance(raw.get("properties"), Mapping):
        node.properties = {str(k): compile_schema(v) for k, v in raw["properties"].items()}
    additional = raw.get("additionalProperties")
    if isinstance(additional, Mapping):
        node.additional = compile_schema(additional)
    node.additional_allowed = additional is True
    if isinstance(raw.get("items"), Mapping):
        node.items = compile_schema(raw["items"])
    node.required = tuple(str(r) for r in raw.get("required") or ())
    if "enum" in raw:
        node.enum = tuple(raw["enum"])
    if "pattern" in raw:
        node.pattern_text = str(raw["pattern"])
        node.pattern = re.compile(node.pattern_text)
    node.min_length = raw.get("minLength")
    node.max_length = raw.get("maxLength")
    node.min_items = raw.get("minItems")
    node.max_items = raw.get("maxItems")
    node.min_properties = raw.get("minProperties")
    node.max_properties = raw.get("maxProperties")
    node.minimum = raw.get("minimum")
    node.maximum = raw.get("maximum")
    node.exclusive_minimum = bool(raw.get("exclusiveMinimum"))
    node.exclusive_maximum = bool(raw.get("exclusiveMaximum"))
    node.multiple_of = raw.get("multipleOf")
    node.unique_items = bool(raw.get("uniqueItems"))
    node.format = str(raw.get("format") or "")
    node.list_type = str(raw.get("x-kubernetes-list-type") or "")
    node.list_map_keys = tuple(raw.get("x-kubernetes-list-map-keys") or ())
    node.one_of = tuple(compile_schema(s) for s in raw.get("oneOf") or ())
    node.any_of = tuple(compile_schema(s) for s in raw.get("anyOf") or ())
    node.all_of = tuple(compile_schema(s) for s in raw.get("allOf") or ())
    if isinstance(raw.get("not"), Mapping):
        node.not_ = compile_schema(raw["not"])
    node.rules = tuple(compile_rule_entry(r) for r in raw.get("x-kubernetes-validations") or ())
    if node.int_or_string and all(_only_type(s) for s in node.any_of):
        # The int-or-string marker already checks what `anyOf: [{type: integer}, {type:
        # string}]` says; checking both would report one mistake twice.
        node.any_of = ()
    node.accepts = (
        frozenset({int, str}) if node.int_or_string else _ACCEPTS.get(node.type, _ACCEPTS[None])
    )
    node.child_paths = {
        key: f".{key}" if _IDENTIFIER.match(key) else f"[{json.dumps(key)}]"
        for key in node.properties or {}
    }
    node.has_value_checks = any(
        (
            node.enum is not None,
            node.pattern is not None,
            node.min_length is not None,
            node.max_length is not None,
            node.min_items is not None,
            node.max_items is not None,
            node.min_properties is not None,
            node.max_properties is not None,
            node.minimum is not None,
            node.maximum is not None,
            node.multiple_of is not None,
            node.unique_items,
            node.format in _FORMATS,
            node.list_type in ("set", "map"),
            node.one_of,
            node.any_of,
            node.all_of,
            node.not_ is not None,
        )
    )
    node.required_only = (
        bool(node.required)
        and node.type is None
        and node.properties is None
        and not node.has_value_checks
        and not node.rules
    )
    node.done_if_typed = (
        not node.has_value_checks
        and not node.rules
        and (node.type not in ("object", "array", None) or node.int_or_string)
    )
    node.presence = _presence(node)
    return node


def _presence(node: Schema) -> Callable[[Any], bool] | None:
    """`_satisfies(value, node)` as a prebuilt predicate, when `node` carries nothing but
    `required` and junctors whose branches are such nodes too; None otherwise."""
    if (
        node.type is not None
        or node.int_or_string
        or node.properties is not None
        or node.items is not None
        or node.enum is not None
        or node.pattern is not None
        or node.min_length is not None
        or node.max_length is not None
        or node.min_items is not None
        or node.max_items is not None
        or node.min_properties is not None
        or node.max_properties is not None
        or node.minimum is not None
        or node.maximum is not None
        or node.multiple_of is not None
        or node.unique_items
        or node.format in _FORMATS
        or node.list_type in ("set", "map")
    ):
        return None
    branches = [*node.one_of, *node.any_of, *node.all_of]
    if node.not_ is not None:
        branches.append(node.not_)
    if any(b.presence is None for b in branches):
        return None
    required = node.required
    if node.required_only:
        return lambda value: type(value) is not dict or all(name in value for name in required)
    one_of = tuple(b.presence for b in node.one_of if b.presence is not None)
    any_of = tuple(b.presence for b in node.any_of if b.presence is not None)
    # allOf branches are checked value-only (not through `_satisfies`): a required-only
    # branch then looks into any Mapping, not only a dict.
    all_of = tuple(_value_only_presence(b) for b in node.all_of)
    not_ = node.not_.presence if node.not_ is not None else None

    def satisfied(value: Any) -> bool:
        if required:
            kind = type(value)
            if kind is dict or (kind not in _SCALARS and isinstance(value, Mapping)):
                for name in required:
                    if name not in value:
                        return False
        if one_of and sum(1 for p in one_of if p(value)) != 1:
            return False
        if any_of and not any(p(value) for p in any_of):
            return False
        for p in all_of:
            if not p(value):
                return False
        return not (not_ is not None and not_(value))

    return satisfied


def _value_only_presence(node: Schema) -> Callable[[Any], bool]:
    """`node.presence` as `_value_only` (rather than `_satisfies`) decides it."""
    presence = node.presence
    assert presence is not None
    if not node.required_only:
        return presence
    required = node.required

    def satisfied(value: Any) -> bool:
        kind = type(value)
        if kind is dict or (kind not in _SCALARS and isinstance(value, Mapping)):
            return all(name in value for name in required)
        return True

    return satisfied


def _only_type(node: Schema) -> bool:
    return node.properties is None and node.items is None and node.enum is None and not node.rules


#: A node's check, prebuilt: `(value, path, out) -> value with non-nullable nulls pruned`.
Check = Callable[[Any, str, list[Problem]], Any]


class Checker:
    """Validates values against one compiled root schema; `cel=False` skips the CEL rules
    (used to measure the layers separately).

    The walk is specialized once per schema node: each node gets a closure holding exactly
    the work its keywords ask for (a property table with prebuilt paths, its value checks,
    its rules), so checking an object does no keyword lookups and nothing for nodes that
    carry no check.
    """

    def __init__(self, root: Schema, *, cel: bool = True) -> None:
        self.root = root
        self.cel = cel
        self._built: dict[tuple[int, bool], Check] = {}
        self._root_check = self._check(root, root=True)
        self._built_clean: dict[tuple[int, bool], Clean] = {}
        self._root_clean = self._clean(root, root=True)

    def problems(self, obj: Mapping[str, Any]) -> list[Problem]:
        """Every schema and CEL problem of a whole object (its metadata is not checked here)."""
        if self._root_clean(obj):
            return []  # nothing to report, nothing pruned: the walk below would say so
        return self.walked_problems(obj)

    def walked_problems(self, obj: Mapping[str, Any]) -> list[Problem]:
        """`problems`, always by the full walk (the one that locates each problem)."""
        out: list[Problem] = []
        self._root_check(obj, "", out)
        return out

    def is_clean(self, obj: Mapping[str, Any]) -> bool:
        """True only if the full walk finds no problem in `obj` and prunes nothing from it
        (a quicker walk; it may answer False for such an object too)."""
        return self._root_clean(obj)

    def walk(
        self, value: Any, node: Schema, path: str, out: list[Problem], root: bool = False
    ) -> Any:
        """Check `value` at `path`; returns it with non-nullable nulls pruned (a copy only
        when something was pruned), which is what the CEL rules above it see."""
        return self._check(node, root=root)(value, path, out)

    def _check(self, node: Schema, *, root: bool = False) -> Check:
        key = (id(node), root)
        built = self._built.get(key)
        if built is None:
            built = self._built[key] = self._build(node, root)
        return built

    def _build(self, node: Schema, root: bool) -> Check:
        accepts = node.accepts
        nullable = node.nullable

        if node.done_if_typed:

            def typed_only(value: Any, path: str, out: list[Problem]) -> Any:
                if type(value) not in accepts and not (value is None and nullable):
                    out.append(_type_problem(path, node, value))
                return value

            return typed_only

        check_object = self._object(node, root or node.embedded) if dict in accepts else None
        check_array = self._array(node) if list in accepts and node.items is not None else None
        value_checks = node.has_value_checks
        rules = self._rules(node) if self.cel and node.rules else None

        def check(value: Any, path: str, out: list[Problem]) -> Any:
            kind = type(value)
            if kind not in accepts:
                if not (value is None and nullable):
                    out.append(_type_problem(path, node, value))
                return value
            if kind is dict:
                if check_object is not None:
                    value = check_object(value, path, out)
            elif kind is list and check_array is not None:
                value = check_array(value, path, out)
            if value_checks:
                _value_checks(value, node, path, out)
            if rules is not None:
                rules(value, path, out)
            return value

        return check

    def _object(self, node: Schema, root: bool) -> Check:
        # Per property: its check, its path suffix with and without the leading dot, whether
        # a null is pruned, and the types that need nothing more (None: always walk).
        table: dict[str, tuple[Check, str, str, bool, frozenset[type] | None]] = {}
        for key, sub in (node.properties or {}).items():
            suffix = node.child_paths[key]
            table[key] = (
                self._check(sub),
                suffix,
                suffix.lstrip("."),
                not sub.nullable and not sub.has_default,
                sub.accepts if sub.done_if_typed else None,
            )
        additional = node.additional
        check_additional = self._check(additional) if additional is not None else None
        additional_done = (
            additional.accepts if additional is not None and additional.done_if_typed else None
        )
        keep_unknown = node.additional_allowed or node.preserve_unknown
        required = node.required

        def check_object(value: dict[str, Any], path: str, out: list[Problem]) -> dict[str, Any]:
            pruned: dict[str, Any] | None = None
            for key, child in value.items():
                entry = table.get(key)
                if entry is not None:
                    check, suffix, bare, prune_null, done = entry
                    if child is None and prune_null:
                        if pruned is None:
                            pruned = dict(value)
                        del pruned[key]
                        continue
                    if done is not None and type(child) in done:
                        continue
                    checked = check(child, path + suffix if path else bare, out)
                elif root and key in ROOT_FIELDS:
                    continue
                elif check_additional is not None:
                    if additional_done is not None and type(child) in additional_done:
                        continue
                    checked = check_additional(child, f"{path}[{json.dumps(key)}]", out)
                elif keep_unknown:
                    continue
                else:
                    out.append(
                        Problem(
                            child_path(path, key, map_entry=False),
                            f'unknown field "{key}" (the API server prunes it; kubectl '
                            "--validate=strict rejects it) [CRD schema: unknown field]",
                        )
                    )
                    continue
                if checked is not child:
                    if pruned is None:
                        pruned = dict(value)
                    pruned[key] = checked
            present = value if pruned is None else pruned
            for name in required:
                if name not in present:
                    out.append(
                        Problem(
                            child_path(path, name, map_entry=False),
                            "Required value [CRD schema: required]",
                        )
                    )
            return present

        return check_object

    def _array(self, node: Schema) -> Check:
        items = node.items
        assert items is not None
        check_item = self._check(items)
        if items.done_if_typed:
            accepts = items.accepts

            def check_typed(value: list[Any], path: str, out: list[Problem]) -> list[Any]:
                for index, item in enumerate(value):
                    if type(item) not in accepts:
                        check_item(item, f"{path}[{index}]", out)
                return value

            return check_typed

        def check_items(value: list[Any], path: str, out: list[Problem]) -> list[Any]:
            changed: list[Any] | None = None
            for index, item in enumerate(value):
                checked = check_item(item, f"{path}[{index}]", out)
                if checked is not item:
                    if changed is None:
                        changed = list(value)
                    changed[index] = checked
            return value if changed is None else changed

        return check_items

    # The clean walk: whether `check` would report nothing and prune nothing, answered
    # without building paths or problems (most objects, e.g. a compiled mesh's, are clean).
    # It may say False for a clean value (then the full walk runs and decides), never True
    # for one that is not: each step below mirrors its counterpart above, and anything
    # unusual (a null, a non-dict mapping, a type mismatch) answers False.

    def _clean(self, node: Schema, *, root: bool = False) -> Clean:
        key = (id(node), root)
        built = self._built_clean.get(key)
        if built is None:
            built = self._built_clean[key] = self._build_clean(node, root)
        return built

    def _build_clean(self, node: Schema, root: bool) -> Clean:
        accepts = node.accepts
        if node.done_if_typed:
            return lambda value: type(value) in accepts
        clean_object = self._clean_object(node, root or node.embedded) if dict in accepts else None
        clean_array = (
            self._clean_array(node) if list in accepts and node.items is not None else None
        )
        values_clean = _values_clean(node) if node.has_value_checks else None
        rules_pass = _rules_pass(node.rules) if self.cel and node.rules else None

        def clean(value: Any) -> bool:
            kind = type(value)
            if kind not in accepts:
                return False
            if kind is dict:
                if clean_object is not None and not clean_object(value):
                    return False
            elif kind is list and clean_array is not None and not clean_array(value):
                return False
            if values_clean is not None and not values_clean(value):
                return False
            return rules_pass is None or rules_pass(value, kind)

        return clean

    def _clean_object(self, node: Schema, root: bool) -> Clean:
        # Properties whose node needs nothing but its type, and the others' clean walks.
        typed: dict[str, frozenset[type]] = {}
        walked: dict[str, Clean] = {}
        for key, sub in (node.properties or {}).items():
            if sub.done_if_typed:
                typed[key] = sub.accepts
            else:
                walked[key] = self._clean(sub)
        additional = node.additional
        additional_typed = (
            additional.accepts if additional is not None and additional.done_if_typed else None
        )
        additional_walk = (
            self._clean(additional) if additional is not None and additional_typed is None else None
        )
        keep_unknown = node.additional_allowed or node.preserve_unknown
        required = frozenset(node.required)

        def clean_object(value: dict[str, Any]) -> bool:
            for key, child in value.items():
                accepted = typed.get(key)
                if accepted is not None:
                    if type(child) not in accepted:
                        return False
                    continue
                walk = walked.get(key)
                if walk is not None:
                    if not walk(child):
                        return False
                elif root and key in ROOT_FIELDS:
                    continue
                elif additional_typed is not None:
                    if type(child) not in additional_typed:
                        return False
                elif additional_walk is not None:
                    if not additional_walk(child):
                        return False
                elif not keep_unknown:
                    return False
            return not required or value.keys() >= required

        return clean_object

    def _clean_array(self, node: Schema) -> Clean:
        items = node.items
        assert items is not None
        if items.done_if_typed:
            accepts = items.accepts

            def clean_typed(value: list[Any]) -> bool:
                return accepts.issuperset(map(type, value))

            return clean_typed
        clean_item = self._clean(items)

        def clean_items(value: list[Any]) -> bool:
            return all(map(clean_item, value))

        return clean_items

    def _rules(self, node: Schema) -> Callable[[Any, str, list[Problem]], None]:
        node_rules = [(rule, rule.reads) for rule in node.rules]

        def check_rules(value: Any, path: str, out: list[Problem]) -> None:
            kind = type(value)
            for rule, reads in node_rules:
                verdict = _verdict(rule, reads, value, kind)
                if verdict:
                    field_path = rule.field_path
                    where = path + field_path if field_path.startswith((".", "[")) else path
                    out.append(Problem(where, verdict))

        return check_rules


_MEMO_LIMIT = 4096

#: A node's clean walk, prebuilt: `value -> True` only if its check reports and prunes nothing.
Clean = Callable[[Any], bool]


def _verdict(rule: Rule, reads: SelfReads | None, value: Any, kind: type) -> str:
    """`rule.verdict(value)` (`kind` is `type(value)`, `reads` is `rule.reads`), remembered.

    Rules are pure functions of `self`: a string value seen before (a label value, a
    jwksUri, a timeout) gets the verdict it got then; so does a map showing a rule that reads
    only its keys or fields' presence (a selector's `self.all(key, ...)`, `has(self.selector)
    ? 1 : 0 ...`) the same of those.
    """
    if kind is str:
        memo, seen = rule.memo, value
    elif kind is dict and reads is not None:
        memo, seen = rule.map_memo, reads.of(value)
    else:
        return rule.verdict(value)
    verdict = memo.get(seen)
    if verdict is None:
        verdict = rule.verdict(value)
        if len(memo) < _MEMO_LIMIT:
            memo[seen] = verdict
    return verdict


def _rules_pass(rules: Sequence[Rule]) -> Callable[[Any, type], bool]:
    """`not any(_verdict(rule, rule.reads, value, kind) for rule in rules)` for one node's
    rules (`kind` is `type(value)`), remembered for all of them at once: per string value,
    and per `SelfReads.of(value)` of a map when every rule reads the same of it (a
    selector's two `self.all(key, ...)` rules): one summary and one lookup per value
    instead of one per rule. Each rule's own verdicts stay remembered by `_verdict`."""
    pairs = [(rule, rule.reads) for rule in rules]
    first = pairs[0][1]
    shared = first if first is not None and all(r == first for _, r in pairs) else None
    strings: dict[str, bool] = {}
    maps: dict[Any, bool] = {}

    def each(value: Any, kind: type) -> bool:
        # A loop, not any() over a generator: this runs ~100,000 times for a large mesh.
        for rule, reads in pairs:  # noqa: SIM110
            if _verdict(rule, reads, value, kind):
                return False
        return True

    def passes(value: Any, kind: type) -> bool:
        if kind is str:
            memo, seen = strings, value
        elif kind is dict and shared is not None:
            memo, seen = maps, shared.of(value)
        else:
            return each(value, kind)
        found = memo.get(seen)
        if found is None:
            found = each(value, kind)
            if len(memo) < _MEMO_LIMIT:
                memo[seen] = found
        return found

    return passes


def _values_clean(node: Schema) -> Clean:
    """Whether `_value_checks` finds nothing in a value of `node`'s type. Lengths, counts,
    patterns, string enums and junctors whose branches have a `presence` predicate (what
    `_junctors` asks `_satisfies`, e.g. Istio's "at most one of" `oneOf` on every
    AuthorizationPolicy spec) are tested directly; any other keyword asks `_value_checks`."""
    enum = node.enum
    strings = None if enum is None or any(type(e) is not str for e in enum) else frozenset(enum)
    one_of = tuple(b.presence for b in node.one_of)
    any_of = tuple(b.presence for b in node.any_of)
    not_ = node.not_.presence if node.not_ is not None else None
    junctors = bool(one_of or any_of or node.not_ is not None)
    if (
        (enum is not None and strings is None)
        or node.all_of
        or None in one_of
        or None in any_of
        or (node.not_ is not None and not_ is None)
        or node.unique_items
        or node.list_type in ("set", "map")
        or node.format in _FORMATS
        or node.minimum is not None
        or node.maximum is not None
        or node.multiple_of is not None
    ):

        def asked(value: Any) -> bool:
            found: list[Problem] = []
            _value_checks(value, node, "", found)
            return not found

        return asked
    pattern = node.pattern
    min_length, max_length = node.min_length, node.max_length
    min_items, max_items = node.min_items, node.max_items
    min_properties, max_properties = node.min_properties, node.max_properties

    def direct(value: Any) -> bool:
        kind = type(value)
        if strings is not None and (kind is not str or value not in strings):
            return False
        if kind is str:
            length = len(value)
            return not (
                (max_length is not None and length > max_length)
                or (min_length is not None and length < min_length)
                or (pattern is not None and pattern.search(value) is None)
            )
        if kind is list:
            count = len(value)
            return not (
                (max_items is not None and count > max_items)
                or (min_items is not None and count < min_items)
            )
        if kind is dict:
            count = len(value)
            return not (
                (max_properties is not None and count > max_properties)
                or (min_properties is not None and count < min_properties)
            )
        return kind in _SCALARS  # numbers: no bounds here; another mapping: ask the walk

    if not junctors:
        return direct
    # Every branch has its predicate here (checked above).
    exactly_one = tuple(p for p in one_of if p is not None)
    some = tuple(p for p in any_of if p is not None)

    def direct_and_junctors(value: Any) -> bool:
        # `_junctors` finds nothing: exactly one oneOf branch, some anyOf branch, not `not`.
        return (
            direct(value)
            and (not exactly_one or sum(1 for p in exactly_one if p(value)) == 1)
            and (not some or any(p(value) for p in some))
            and not (not_ is not None and not_(value))
        )

    return direct_and_junctors


def _message(rule: Rule, value: Any) -> str:
    if rule.message_program is not None:
        try:
            text = rule.message_program.evaluate(value)
        except CelError:
            return rule.message
        if type(text) is str and text.strip():
            return " ".join(text.split())
    return rule.message


def _type_problem(path: str, node: Schema, value: Any) -> Problem:
    expected = "integer or string" if node.int_or_string else node.type or "non-null"
    return Problem(
        path,
        f"{path or 'body'} in body must be of type {expected}: {short(describe_type(value))} "
        "[CRD schema: type]",
    )


def _format_error(value: str, fmt: str) -> bool:
    if fmt == "date-time":
        try:
            datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
        except ValueError:
            return True
        return "T" not in value.upper() and " " not in value
    if fmt == "date":
        return re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is None
    if fmt == "byte":
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return True
    return False


#: Decoded scalar types: never a Mapping, so the (slow) ABC check is skipped for them.
_SCALARS = frozenset({str, int, float, bool, type(None)})

#: String formats the API server checks (others are informational).
_FORMATS = frozenset({"date-time", "date", "byte"})


def _value_checks(value: Any, node: Schema, path: str, out: list[Problem]) -> None:
    def add(message: str, keyword: str) -> None:
        out.append(Problem(path, f"{message} [CRD schema: {keyword}]"))

    shown = path or "body"
    if node.enum is not None and not any(_json_equal(value, e) for e in node.enum):
        supported = ", ".join(short(e) for e in node.enum)
        add(f"Unsupported value: {short(value)}: supported values: {supported}", "enum")
    kind = type(value)
    if kind is str:
        length = len(value)
        if node.max_length is not None and length > node.max_length:
            add(
                f"Too long: {shown} in body should be at most {node.max_length} chars long",
                "maxLength",
            )
        if node.min_length is not None and length < node.min_length:
            add(f"{shown} in body should be at least {node.min_length} chars long", "minLength")
        if node.pattern is not None and node.pattern.search(value) is None:
            add(f"{shown} in body should match '{node.pattern_text}'", "pattern")
        if node.format in _FORMATS and _format_error(value, node.format):
            add(f"{shown} in body must be of type {node.format}: {short(value)}", "format")
    elif kind is list:
        count = len(value)
        if node.max_items is not None and count > node.max_items:
            add(f"Too many: {count}: must have at most {node.max_items} items", "maxItems")
        if node.min_items is not None and count < node.min_items:
            add(f"{shown} in body should have at least {node.min_items} items", "minItems")
        if node.unique_items or node.list_type in ("set", "map"):
            _duplicates(value, node, path, out)
    elif kind is dict or (kind not in _SCALARS and isinstance(value, Mapping)):
        count = len(value)
        if node.max_properties is not None and count > node.max_properties:
            add(
                f"Too many: {count}: must have at most {node.max_properties} items", "maxProperties"
            )
        if node.min_properties is not None and count < node.min_properties:
            add(
                f"{shown} in body should have at least {node.min_properties} properties",
                "minProperties",
            )
    elif kind in (int, float):
        _bounds(value, node, shown, add)
    if node.one_of or node.any_of or node.all_of or node.not_ is not None:
        _junctors(value, node, path, out, add)


def _bounds(value: float, node: Schema, shown: str, add: Any) -> None:
    if node.minimum is not None:
        if node.exclusive_minimum and value <= node.minimum:
            add(f"{shown} in body should be greater than {node.minimum}", "minimum")
        elif value < node.minimum:
            add(f"{shown} in body should be greater than or equal to {node.minimum}", "minimum")
    if node.maximum is not None:
        if node.exclusive_maximum and value >= node.maximum:
            add(f"{shown} in body should be less than {node.maximum}", "maximum")
        elif value > node.maximum:
            add(f"{shown} in body should be less than or equal to {node.maximum}", "maximum")
    if node.multiple_of:
        quotient = value / node.multiple_of
        if not math.isclose(quotient, round(quotient)):
            add(f"{shown} in body should be a multiple of {node.multiple_of}", "multipleOf")


def _duplicates(value: list[Any], node: Schema, path: str, out: list[Problem]) -> None:
    if all(type(item) is str for item in value) and len(set(value)) == len(value):
        return  # distinct strings (the usual set-list) have distinct JSON texts
    seen: set[str] = set()
    for index, item in enumerate(value):
        if node.list_type == "map" and isinstance(item, Mapping):
            key = json.dumps([item.get(k) for k in node.list_map_keys], sort_keys=True)
        else:
            key = json.dumps(item, sort_keys=True)
        if key in seen:
            keyword = (
                f"x-kubernetes-list-type={node.list_type}" if node.list_type else "uniqueItems"
            )
            out.append(
                Problem(
                    f"{path}[{index}]", f"Duplicate value: {short(item)} [CRD schema: {keyword}]"
                )
            )
        seen.add(key)


def _junctors(value: Any, node: Schema, path: str, out: list[Problem], add: Any) -> None:
    if node.one_of:
        matching = sum(1 for s in node.one_of if _satisfies(value, s))
        if matching != 1:
            add(f"{path or 'body'} in body must validate one and only one schema (oneOf)", "oneOf")
    if node.any_of and not any(_satisfies(value, s) for s in node.any_of):
        add(f"{path or 'body'} in body must validate at least one schema (anyOf)", "anyOf")
    for sub in node.all_of:
        _value_only(value, sub, path, out)
    if node.not_ is not None and _satisfies(value, node.not_):
        add(f"{path or 'body'} in body must not validate the schema (not)", "not")


def _satisfies(value: Any, node: Schema) -> bool:
    if node.presence is not None:
        return node.presence(value)
    if node.required_only:
        return type(value) is not dict or all(name in value for name in node.required)
    found: list[Problem] = []
    _value_only(value, node, "", found)
    return not found


def _value_only(value: Any, node: Schema, path: str, out: list[Problem]) -> None:
    """Junctor subschemas: value validations only (no pruning, unknown fields or CEL)."""
    typed = node.type is not None or node.int_or_string
    if typed and (value is None or not node.type_matches(value)):
        out.append(_type_problem(path, node, value))
        return
    kind = type(value)
    if kind is dict or (kind not in _SCALARS and isinstance(value, Mapping)):
        for name in node.required:
            if name not in value:
                out.append(Problem(child_path(path, name, map_entry=False), "Required value"))
        for key, sub in (node.properties or {}).items():
            if key in value:
                _value_only(value[key], sub, child_path(path, key, map_entry=False), out)
    elif isinstance(value, list) and node.items is not None:
        for index, item in enumerate(value):
            _value_only(item, node.items, f"{path}[{index}]", out)
    if node.has_value_checks:
        _value_checks(value, node, path, out)


def _json_equal(left: Any, right: Any) -> bool:
    if type(left) is bool or type(right) is bool:
        return type(left) is type(right) and left == right
    return bool(left == right)
