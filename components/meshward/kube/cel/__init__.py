"""A Common Expression Language (CEL) evaluator for Kubernetes `x-kubernetes-validations` rules.

Covers CEL's whole expression grammar, its standard functions and macros, and the Kubernetes
extensions CRD rules use (strings, `url()`/`isURL()`, Go-syntax `duration()`, strict
`int(string)`). A rule is parsed once and compiled into Python closures (`compile_rule`), so
evaluating it costs a few microseconds. Anything outside this subset is refused when the rule
is compiled (`CelUnsupportedError`), never passed silently.
"""

from __future__ import annotations

from meshward.kube.cel.program import (
    CelError,
    CelSyntaxError,
    CelUnsupportedError,
    Program,
    compile_rule,
)

__all__ = ["CelError", "CelSyntaxError", "CelUnsupportedError", "Program", "compile_rule"]
