"""Compile a CEL syntax tree into nested Python closures, once per rule text.

Evaluation follows the CEL specification: errors are values that propagate, except that `&&`
and `||` are commutative over errors (`false && error` is false, `error || true` is true) and
the `all`/`exists` macros let a decisive element win over an error elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from meshward.kube.cel import library
from meshward.kube.cel.parser import CelSyntaxError, Node, UInt, parse
from meshward.kube.cel.values import (
    CelError,
    add,
    arithmetic,
    compare,
    contains,
    equals,
    map_get,
    map_has,
    negate,
    no_overload,
)

__all__ = ["CelError", "CelSyntaxError", "CelUnsupportedError", "Program", "compile_rule"]

Activation = dict[str, Any]
Eval = Callable[[Activation], Any]

#: The variables Kubernetes declares for `x-kubernetes-validations` rules.
RULE_VARIABLES = frozenset({"self", "oldSelf"})
_MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})


class CelUnsupportedError(ValueError):
    """The rule uses something this evaluator does not implement (it is never passed)."""


@dataclass(frozen=True)
class Program:
    """One compiled rule."""

    text: str
    """The rule's source."""
    uses_old_self: bool
    """Transition rule: it reads `oldSelf`, so it only runs on updates."""
    run: Eval
    """The compiled expression over an activation (`{"self": value}`)."""
    reads: SelfReads | None = None
    """What the rule reads of a map `self`, when that is less than the whole map (see
    `SelfReads`); `None` when it reads more (a field's value, `size()`, ...)."""

    def evaluate(self, value: Any) -> Any:
        """The rule's result with `self` bound to `value`; raises CelError on an error."""
        try:
            return self.run({"self": value})
        except CelError:
            raise
        except (TypeError, ValueError, AttributeError, IndexError, KeyError, RecursionError) as exc:
            # A Python-level failure on an unexpected value shape is an evaluation error.
            raise CelError(f"{type(exc).__name__}: {exc}") from None


@dataclass(frozen=True)
class SelfReads:
    """All a rule reads of `self` when `self` is a map: which of `fields` it has (`has(self.f)`)
    and, if `keys`, its keys in order (a macro ranging over `self`). Its result on a map is
    then a function of `SelfReads.of(map)` alone, so callers may reuse a verdict for maps
    that give the same key (Kubernetes' rules test presence and keys far more than values)."""

    fields: tuple[str, ...]
    keys: bool

    def of(self, value: dict[Any, Any]) -> tuple[Any, ...]:
        """The part of a map `value` the rule can see (keys with their types: `1`, `1.0` and
        `True` are equal as Python keys, not in CEL)."""
        present = tuple(map(value.__contains__, self.fields))
        if self.keys:
            return present, tuple(value), tuple(map(type, value))
        return (present,)


@lru_cache(maxsize=4096)
def compile_rule(text: str) -> Program:
    """Parse and compile `text` (cached by text, so every CRD sharing a rule shares one program).

    Raises CelSyntaxError for text that is not CEL and CelUnsupportedError for constructs outside
    the implemented subset (e.g. timestamps, `type()`, optional syntax).
    """
    tree = parse(text)
    compiler = _Compiler()
    run = compiler.compile(tree, RULE_VARIABLES)
    return Program(text, "oldSelf" in compiler.used, run, _self_reads(tree))


def _self_reads(tree: Node) -> SelfReads | None:
    """What `tree` reads of `self` (see `SelfReads`), or None when it reads more: every
    mention of `self` must be `has(self.<field>)` or the range of a macro (which sees a map's
    keys only: `_range`). A macro variable named `self` would shadow it: not analysed."""
    fields: list[str] = []
    keys = False

    def is_self(node: Any) -> bool:
        return isinstance(node, Node) and node.op == "ident" and node.args[0] == "self"

    def visit(node: Node) -> bool:
        nonlocal keys
        op, args = node.op, node.args
        if op == "ident":
            return bool(args[0] != "self")
        if op == "call":
            name, target, call_args = args
            if name == "has" and target is None and len(call_args) == 1:
                selected = call_args[0]
                if selected.op == "select" and is_self(selected.args[0]):
                    fields.append(selected.args[1])
                    return True
            if target is not None and name in _MACROS and call_args:
                if is_self(call_args[0]):
                    return False  # `self` rebound inside the macro
                if is_self(target):
                    keys = True
                    return all(visit(a) for a in call_args[1:])
            return (target is None or visit(target)) and all(visit(a) for a in call_args)
        return all(visit(child) for child in _children(args))

    if not visit(tree):
        return None
    return SelfReads(tuple(dict.fromkeys(fields)), keys)


def _children(args: tuple[Any, ...]) -> Iterator[Node]:
    """The syntax-tree nodes among a node's `args` (also inside a map literal's pairs)."""
    for arg in args:
        if isinstance(arg, Node):
            yield arg
        elif isinstance(arg, tuple):
            yield from _children(arg)


class _Compiler:
    def __init__(self) -> None:
        self.used: set[str] = set()

    def compile(self, node: Node, scope: frozenset[str]) -> Eval:
        op, args = node.op, node.args
        if op == "lit":
            value = args[0]
            return lambda _act: value
        if op == "ident":
            return self._ident(args[0], scope)
        if op == "select":
            return self._select(self.compile(args[0], scope), args[1])
        if op == "index":
            return _index(self.compile(args[0], scope), self.compile(args[1], scope))
        if op == "list":
            if all(a.op == "lit" for a in args):
                constant = tuple(a.args[0] for a in args)
                return lambda _act: constant
            items = [self.compile(a, scope) for a in args]
            return lambda act: [item(act) for item in items]
        if op == "map":
            return _map_literal([(self.compile(k, scope), self.compile(v, scope)) for k, v in args])
        if op == "cond":
            return _conditional(*(self.compile(a, scope) for a in args))
        if op == "and":
            return _logic(self.compile(args[0], scope), self.compile(args[1], scope), False)
        if op == "or":
            return _logic(self.compile(args[0], scope), self.compile(args[1], scope), True)
        if op == "not":
            return _not(self.compile(args[0], scope))
        if op == "neg":
            inner = self.compile(args[0], scope)
            return lambda act: negate(inner(act))
        if op == "binop":
            return _binary(args[0], self.compile(args[1], scope), self.compile(args[2], scope))
        if op == "call":
            return self._call(args[0], args[1], args[2], scope)
        raise CelUnsupportedError(f"unsupported construct {op}")

    def _ident(self, name: str, scope: frozenset[str]) -> Eval:
        if name not in scope:
            raise CelUnsupportedError(f"undeclared reference to {name!r}")
        self.used.add(name)

        def lookup(act: Activation) -> Any:
            try:
                return act[name]
            except KeyError:
                raise CelError(f"no such attribute: {name}") from None

        return lookup

    @staticmethod
    def _select(operand: Eval, field: str) -> Eval:
        def select(act: Activation) -> Any:
            target = operand(act)
            if type(target) is dict or isinstance(target, Mapping):
                return map_get(target, field)
            raise no_overload(f".{field}", target)

        return select

    def _call(
        self, name: str, target: Node | None, args: tuple[Node, ...], scope: frozenset[str]
    ) -> Eval:
        if target is None and name == "has":
            return self._has(args, scope)
        if target is not None and name in _MACROS:
            return self._macro(name, target, args, scope)
        table = library.GLOBAL if target is None else library.MEMBER
        function = table.get(name)
        if function is None:
            style = "function" if target is None else "method"
            raise CelUnsupportedError(f"{style} {name}() is not implemented here")
        compiled = [self.compile(a, scope) for a in args]
        if target is None and args and all(a.op == "lit" for a in args):
            # Every library function is pure: fold calls on literals (`duration('1ms')`) once.
            try:
                folded = function(*(a.args[0] for a in args))
            except CelError:
                pass  # keep the error for evaluation time, where CEL reports it
            else:
                return lambda _act: folded
        if target is None:
            if len(compiled) == 1:
                only = compiled[0]
                return lambda act: function(only(act))
            return lambda act: function(*(a(act) for a in compiled))
        receiver = self.compile(target, scope)
        if not compiled:
            return lambda act: function(receiver(act))
        if len(compiled) == 1:
            first = compiled[0]
            return lambda act: function(receiver(act), first(act))
        return lambda act: function(receiver(act), *(a(act) for a in compiled))

    def _has(self, args: tuple[Node, ...], scope: frozenset[str]) -> Eval:
        if len(args) != 1 or args[0].op != "select":
            raise CelSyntaxError("has() takes one field selection, e.g. has(self.field)")
        operand = self.compile(args[0].args[0], scope)
        field = args[0].args[1]

        def has(act: Activation) -> bool:
            target = operand(act)
            if type(target) is dict:
                return field in target
            if isinstance(target, Mapping):
                return map_has(target, field)
            raise no_overload("has", target)

        return has

    def _macro(
        self, name: str, target: Node, args: tuple[Node, ...], scope: frozenset[str]
    ) -> Eval:
        if not args or args[0].op != "ident":
            raise CelSyntaxError(f"{name}() needs a variable name as its first argument")
        var = args[0].args[0]
        expected = (2, 3) if name == "map" else (2,)
        if len(args) not in expected:
            raise CelSyntaxError(
                f"{name}() takes {' or '.join(str(n - 1) for n in expected)} arguments"
            )
        source = self.compile(target, scope)
        inner = scope | {var}
        bodies = [self.compile(a, inner) for a in args[1:]]
        return _MACRO_BUILDERS[name](source, var, bodies)


def _index(operand: Eval, key: Eval) -> Eval:
    def index(act: Activation) -> Any:
        target, at = operand(act), key(act)
        if isinstance(target, Mapping):
            return map_get(target, at)
        if isinstance(target, list | tuple):
            if type(at) is float and at.is_integer():
                at = int(at)
            if type(at) not in (int, UInt):
                raise no_overload("_[_]", target, at)
            if not 0 <= at < len(target):
                raise CelError(f"index out of range: {at}")
            return target[at]
        raise no_overload("_[_]", target, at)

    return index


def _map_literal(entries: list[tuple[Eval, Eval]]) -> Eval:
    def build(act: Activation) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key, value in entries:
            k = key(act)
            if type(k) not in (str, bool, int, UInt):
                raise CelError(f"unsupported key type: {type(k).__name__}")
            if k in out:
                raise CelError(f"Failed with repeated key: {k}")
            out[k] = value(act)
        return out

    return build


def _conditional(test: Eval, then: Eval, other: Eval) -> Eval:
    def conditional(act: Activation) -> Any:
        chosen = test(act)
        if chosen is True:
            return then(act)
        if chosen is False:
            return other(act)
        raise no_overload("_?_:_", chosen)

    return conditional


def _logic(left: Eval, right: Eval, decisive: bool) -> Eval:
    """`&&` (decisive=False) and `||` (decisive=True), commutative over errors."""
    name = "_||_" if decisive else "_&&_"

    def logic(act: Activation) -> bool:
        try:
            first = left(act)
            if type(first) is not bool:
                raise no_overload(name, first)
        except CelError as error:
            second = right(act)
            if second is decisive:
                return bool(decisive)
            if type(second) is not bool:
                raise no_overload(name, second) from None
            raise error from None
        if first is decisive:
            return decisive
        second = right(act)
        if type(second) is not bool:
            raise no_overload(name, second)
        return bool(second)

    return logic


def _not(operand: Eval) -> Eval:
    def logical_not(act: Activation) -> bool:
        value = operand(act)
        if type(value) is not bool:
            raise no_overload("!_", value)
        return not value

    return logical_not


def _binary(op: str, left: Eval, right: Eval) -> Eval:
    if op == "==":
        return lambda act: equals(left(act), right(act))
    if op == "!=":
        return lambda act: not equals(left(act), right(act))
    if op in ("<", "<=", ">", ">="):
        return lambda act: compare(op, left(act), right(act))
    if op == "+":
        return lambda act: add(left(act), right(act))
    if op == "in":
        return lambda act: contains(right(act), left(act))
    return lambda act: arithmetic(op, left(act), right(act))


def _range(value: Any, name: str) -> list[Any]:
    if type(value) is dict or isinstance(value, Mapping):
        return list(value)
    if isinstance(value, list | tuple):
        return list(value)
    raise no_overload(name, value)


def _quantifier(source: Eval, var: str, bodies: list[Eval], decisive: bool) -> Eval:
    """`all` (decisive=False: the first false wins) and `exists` (the first true wins)."""
    [predicate] = bodies
    name = "exists" if decisive else "all"

    def quantify(act: Activation) -> bool:
        error: CelError | None = None
        saved = act.get(var, _UNSET)
        try:
            for item in _range(source(act), name):
                act[var] = item
                try:
                    result = predicate(act)
                except CelError as exc:
                    error = error or exc
                    continue
                if type(result) is not bool:
                    error = error or no_overload(name, result)
                elif result is decisive:
                    return decisive
        finally:
            _restore(act, var, saved)
        if error is not None:
            raise error
        return not decisive

    return quantify


_UNSET = object()


def _restore(act: Activation, var: str, saved: Any) -> None:
    if saved is _UNSET:
        act.pop(var, None)
    else:
        act[var] = saved


def _exists_one(source: Eval, var: str, bodies: list[Eval]) -> Eval:
    [predicate] = bodies

    def exists_one(act: Activation) -> bool:
        saved = act.get(var, _UNSET)
        count = 0
        try:
            for item in _range(source(act), "exists_one"):
                act[var] = item
                result = predicate(act)
                if type(result) is not bool:
                    raise no_overload("exists_one", result)
                count += result
        finally:
            _restore(act, var, saved)
        return count == 1

    return exists_one


def _map_macro(source: Eval, var: str, bodies: list[Eval]) -> Eval:
    condition, transform = (None, bodies[0]) if len(bodies) == 1 else bodies

    def mapped(act: Activation) -> list[Any]:
        saved = act.get(var, _UNSET)
        out: list[Any] = []
        try:
            for item in _range(source(act), "map"):
                act[var] = item
                if condition is not None:
                    keep = condition(act)
                    if type(keep) is not bool:
                        raise no_overload("map", keep)
                    if not keep:
                        continue
                out.append(transform(act))
        finally:
            _restore(act, var, saved)
        return out

    return mapped


def _filter(source: Eval, var: str, bodies: list[Eval]) -> Eval:
    [predicate] = bodies

    def filtered(act: Activation) -> list[Any]:
        saved = act.get(var, _UNSET)
        out: list[Any] = []
        try:
            for item in _range(source(act), "filter"):
                act[var] = item
                keep = predicate(act)
                if type(keep) is not bool:
                    raise no_overload("filter", keep)
                if keep:
                    out.append(item)
        finally:
            _restore(act, var, saved)
        return out

    return filtered


_MACRO_BUILDERS: dict[str, Callable[[Eval, str, list[Eval]], Eval]] = {
    "all": lambda s, v, b: _quantifier(s, v, b, False),
    "exists": lambda s, v, b: _quantifier(s, v, b, True),
    "exists_one": _exists_one,
    "map": _map_macro,
    "filter": _filter,
}
