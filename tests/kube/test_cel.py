"""meshward's CEL evaluator gives CEL's answers: literals, operators, error propagation,
macros, the standard functions and the Kubernetes extensions Istio's CRD rules call."""

from __future__ import annotations

from typing import Any

import pytest

from meshward.kube.cel import CelError, CelSyntaxError, CelUnsupportedError, compile_rule

ERROR = object()

CASES: list[tuple[str, Any, Any]] = [
    # literals and arithmetic
    ("1 + 2 * 3 == 7", None, True),
    ("-9223372036854775808 < 0", None, True),
    ("9223372036854775807 + 1 > 0", None, ERROR),  # int overflow is an error
    ("7 / -2 == -3 && 7 % -2 == 1 && -7 % 2 == -1", None, True),  # truncating division
    ("1 / 0 == 0", None, ERROR),
    ("1u + 2u == 3u && 0x10 == 16", None, True),
    ("1 + 1.0", None, ERROR),  # no mixed arithmetic
    ("1 == 1.0 && 1u == 1 && 2 > 1.5", None, True),  # heterogeneous numeric equality/order
    ("'a' + \"b\" + '''c''' == 'abc'", None, True),
    ('r"a\\d" == "a\\\\d" && "\\u00e9".size() == 1 && b"ab".size() == 2', None, True),
    ("[1, 2] + [3] == [1, 2, 3] && {'a': 1}.a == 1 && {'a': 1}['a'] == 1", None, True),
    ("'x' == 1", None, False),  # different types are unequal, not an error
    ("'x' < 1", None, ERROR),
    ("2 in [1, 2] && 'k' in {'k': 1} && !('z' in {'k': 1})", None, True),
    # logic: commutative over errors
    ("false && 1 / 0 == 1", None, False),
    ("1 / 0 == 1 && false", None, False),
    ("1 / 0 == 1 || true", None, True),
    ("1 / 0 == 1 || false", None, ERROR),
    ("true ? 1 : 1 / 0", None, 1),
    ("1 ? 1 : 2", None, ERROR),
    ("!1", None, ERROR),
    # self, has(), field selection
    ("has(self.a) && !has(self.b)", {"a": 1}, True),
    ("self.b == 1", {"a": 1}, ERROR),  # no such key
    ("self.a.b", {"a": 1}, ERROR),
    # macros
    ("self.all(x, x > 0)", [1, 2], True),
    ("self.all(x, x > 1)", [1, 2], False),
    ("self.all(x, 1 / x > 0 || x == 0)", [0, 1], True),
    ("[0, 1].all(x, 1 / x > 5)", None, False),  # a decisive false beats an error
    ("[0, 1].all(x, 1 / x > 0)", None, ERROR),
    ("[0, 1].exists(x, 1 / x > 0)", None, True),
    ("[0, 2].exists(x, 1 / x > 0)", None, ERROR),
    ("[1, 2, 1].exists_one(x, x == 2) && ![1, 1].exists_one(x, x == 1)", None, True),
    ("[1, 2, 3].map(x, x * 2) == [2, 4, 6] && [1, 2, 3].filter(x, x > 1) == [2, 3]", None, True),
    ("[1, 2, 3].map(x, x > 1, x * 10) == [20, 30]", None, True),
    ("self.all(k, k.size() > 0)", {"a": 1, "": 2}, False),  # maps range over keys
    # strings
    ("'abc'.contains('b') && 'abc'.startsWith('a') && 'abc'.endsWith('c')", None, True),
    ("'abc'.matches('^a.c$') && 'xabcx'.matches('abc')", None, True),
    ("'unix:///x'.substring(7, 8) == '/' && 'ab'.substring(3, 4) == ''", None, ERROR),
    ("'a,b'.split(',') == ['a', 'b'] && ['a', 'b'].join('-') == 'a-b'", None, True),
    ("'AbC'.lowerAscii() == 'abc' && ' x '.trim() == 'x' && 'aXa'.indexOf('X') == 1", None, True),
    ("size('héllo') == 5 && size([1]) == 1 && size({}) == 0", None, True),
    # conversions: Go-strict int(string), Go duration syntax
    ("int('42') == 42 && int('-7') == -7 && int('+3') == 3", None, True),
    ("int('0x10')", None, ERROR),
    ("int('1.5')", None, ERROR),
    ("int('99999999999999999999')", None, ERROR),
    ("duration('1h30m') == duration('90m') && duration('1.5s') > duration('1s')", None, True),
    ("duration('500us') < duration('1ms') && duration('-1s') < duration('0')", None, True),
    ("duration('5')", None, ERROR),  # missing unit
    ("duration('apple')", None, ERROR),
    ("string(1) == '1' && string(true) == 'true' && double(1) == 1.0", None, True),
    # Kubernetes url()
    ("url('https://a.example:8443/p?q=1').getScheme() == 'https'", None, True),
    ("url('https://a.example:8443/p').getHostname() == 'a.example'", None, True),
    ("url('https://a.example:8443/p').getPort() == '8443'", None, True),
    ("url('https://[::1]:80/').getHostname() == '::1'", None, True),
    ("url('https://a/p?x=1&x=2').getQuery() == {'x': ['1', '2']}", None, True),
    ("url('/just/a/path').getScheme() == ''", None, True),
    ("url('example.com/jwks')", None, ERROR),  # ParseRequestURI: not absolute
    ("url('https://a b/')", None, ERROR),
    ("isURL('https://a/') && !isURL('example.com/x') && !isURL('')", None, True),
]


@pytest.mark.parametrize(("rule", "value", "expected"), CASES, ids=[c[0][:60] for c in CASES])
def test_expression_gives_cels_answer(rule: str, value: Any, expected: Any) -> None:
    program = compile_rule(rule)
    if expected is ERROR:
        with pytest.raises(CelError):
            program.evaluate(value)
    else:
        result = program.evaluate(value)
        assert result == expected
        assert type(result) is type(expected)


@pytest.mark.parametrize(
    "rule", ["self.", "1 +", "(1", "'open", "self.all(1, true)", "has(self)", "a.b{c: 1}"]
)
def test_malformed_rule_is_a_syntax_error(rule: str) -> None:
    with pytest.raises(CelSyntaxError):
        compile_rule(rule)


@pytest.mark.parametrize(
    "rule", ["timestamp(self) > timestamp('2020-01-01T00:00:00Z')", "type(self) == int", "other"]
)
def test_what_is_not_implemented_is_refused_not_passed(rule: str) -> None:
    with pytest.raises(CelUnsupportedError):
        compile_rule(rule)


def test_transition_rules_are_marked() -> None:
    assert compile_rule("self == oldSelf").uses_old_self
    assert not compile_rule("self == 1").uses_old_self


def test_a_rule_is_compiled_once() -> None:
    assert compile_rule("self.size() == 0") is compile_rule("self.size() == 0")


#: cel-python lacks what these use: the Kubernetes extensions, the strings library, CEL's
#: heterogeneous equality (`1 == 1.0`, `'x' == 1`), 3-argument map() and Go-style string().
CELPY_LACKS = (
    "url(",
    "isURL",
    "duration(",
    "int('",
    "split",
    "lowerAscii",
    "1.0",
    "'x' == 1",
    "x > 1, x",
    "string(",
)
CELPY_AGREES = [c for c in CASES if not any(k in c[0] for k in CELPY_LACKS)]


@pytest.mark.parametrize(
    ("rule", "value", "_expected"), CELPY_AGREES, ids=[c[0][:60] for c in CELPY_AGREES]
)
def test_cel_python_gives_the_same_answer(rule: str, value: Any, _expected: Any) -> None:
    # An independent implementation (cel-python, test-only) as a cross-check of the core
    # language; the Kubernetes extensions are checked by the tables above.
    celpy = pytest.importorskip("celpy", reason="cel-python is a test-only dependency")
    env = celpy.Environment()
    try:
        theirs: Any = env.program(env.compile(rule)).evaluate({"self": celpy.json_to_cel(value)})
    except Exception:  # cel-python raises its own error types
        theirs = ERROR
    if isinstance(theirs, Exception):
        theirs = ERROR
    try:
        mine: Any = compile_rule(rule).evaluate(value)
    except CelError:
        mine = ERROR
    if theirs is ERROR or mine is ERROR:
        assert (theirs is ERROR) == (mine is ERROR), (mine, theirs)
    else:
        assert mine == theirs
