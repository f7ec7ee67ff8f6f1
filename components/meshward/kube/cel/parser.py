"""CEL source text to a small syntax tree (the grammar of the CEL language definition).

Expression grammar, lowest precedence first:

    expr     = or ["?" or ":" expr]
    or       = and {"||" and}
    and      = relation {"&&" relation}
    relation = addition {("<" | "<=" | ">=" | ">" | "==" | "!=" | "in") addition}
    addition = product {("+" | "-") product}
    product  = unary {("*" | "/" | "%") unary}
    unary    = member | "!" {"!"} member | "-" {"-"} member
    member   = primary {"." IDENT ["(" [exprs] ")"] | "[" expr "]"}
    primary  = ["."] IDENT ["(" [exprs] ")"] | "(" expr ")" | "[" [exprs] [","] "]"
             | "{" [entries] [","] "}" | literal
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class CelSyntaxError(ValueError):
    """The rule text is not a CEL expression."""


@dataclass(frozen=True)
class Node:
    """One syntax-tree node: `op` names the construct, `args` its parts.

    `lit` (value), `ident` (name), `select` (operand, field), `index` (operand, key),
    `call` (name, target or None, argument nodes), `list` (items), `map` ((key, value), ...),
    `cond` (test, then, else), `and`/`or` (left, right), `not`/`neg` (operand),
    `binop` (operator, left, right).
    """

    op: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Token:
    """A lexical token: kind (`int`, `uint`, `double`, `string`, `bytes`, `ident`, `op`, `end`)."""

    kind: str
    value: Any
    pos: int


RESERVED = frozenset(
    {"as", "break", "const", "continue", "else", "for", "function", "if", "import", "let"}
    | {"loop", "package", "namespace", "return", "var", "void", "while"}
)
_OPERATORS = (
    "==",
    "!=",
    "<=",
    ">=",
    "&&",
    "||",
    "<",
    ">",
    "+",
    "-",
    "*",
    "/",
    "%",
    "!",
    "?",
    ":",
    ".",
    ",",
    "[",
    "]",
    "(",
    ")",
    "{",
    "}",
)
_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "?": "?",
    '"': '"',
    "'": "'",
    "`": "`",
}
_INT64 = 1 << 63
_UINT64 = 1 << 64


def tokenize(text: str) -> list[Token]:
    """Split `text` into tokens; raises CelSyntaxError at the first character it cannot read."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n\f":
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            i = _number(text, i, tokens)
        elif c in "\"'" or (c in "rRbB" and _string_prefix(text, i)):
            i = _string(text, i, tokens)
        elif c.isalpha() or c == "_":
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            tokens.append(Token("ident", text[i:j], i))
            i = j
        else:
            for op in _OPERATORS:
                if text.startswith(op, i):
                    tokens.append(Token("op", op, i))
                    i += len(op)
                    break
            else:
                raise CelSyntaxError(f"unexpected character {c!r} at offset {i}")
    tokens.append(Token("end", None, n))
    return tokens


def _string_prefix(text: str, i: int) -> bool:
    j = i
    while j < len(text) and j - i < 2 and text[j] in "rRbB":
        j += 1
    return j < len(text) and text[j] in "\"'"


def _number(text: str, i: int, tokens: list[Token]) -> int:
    n = len(text)
    if text.startswith(("0x", "0X"), i):
        j = i + 2
        while j < n and text[j] in "0123456789abcdefABCDEF":
            j += 1
        if j == i + 2:
            raise CelSyntaxError(f"malformed hex literal at offset {i}")
        return _integer(text, i, j, int(text[i + 2 : j], 16), tokens)
    j = i
    while j < n and text[j].isdigit():
        j += 1
    is_double = False
    if j < n and text[j] == "." and j + 1 < n and text[j + 1].isdigit():
        is_double = True
        j += 1
        while j < n and text[j].isdigit():
            j += 1
    if j < n and text[j] in "eE":
        k = j + 1
        if k < n and text[k] in "+-":
            k += 1
        if k < n and text[k].isdigit():
            is_double = True
            j = k
            while j < n and text[j].isdigit():
                j += 1
    if is_double:
        tokens.append(Token("double", float(text[i:j]), i))
        return j
    return _integer(text, i, j, int(text[i:j]), tokens)


def _integer(text: str, i: int, j: int, value: int, tokens: list[Token]) -> int:
    if j < len(text) and text[j] in "uU":
        if value >= _UINT64:
            raise CelSyntaxError(f"uint literal out of range at offset {i}")
        tokens.append(Token("uint", value, i))
        return j + 1
    # -9223372036854775808 is legal: the range is checked when negation is folded.
    if value > _INT64:
        raise CelSyntaxError(f"int literal out of range at offset {i}")
    tokens.append(Token("int", value, i))
    return j


def _string(text: str, i: int, tokens: list[Token]) -> int:
    start = i
    raw = is_bytes = False
    while text[i] in "rRbB":
        raw = raw or text[i] in "rR"
        is_bytes = is_bytes or text[i] in "bB"
        i += 1
    quote = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else text[i]
    i += len(quote)
    chunks: list[str] = []
    while True:
        if i >= len(text):
            raise CelSyntaxError(f"unterminated string starting at offset {start}")
        if text.startswith(quote, i):
            i += len(quote)
            break
        c = text[i]
        if c == "\n" and len(quote) == 1:
            raise CelSyntaxError(f"newline in string starting at offset {start}")
        if c == "\\" and not raw:
            decoded, i = _escape(text, i, is_bytes)
            chunks.append(decoded)
            continue
        chunks.append(c)
        i += 1
    value = "".join(chunks)
    if is_bytes:
        tokens.append(Token("bytes", value.encode("latin-1", "surrogateescape"), start))
    else:
        tokens.append(Token("string", value, start))
    return i


def _escape(text: str, i: int, is_bytes: bool) -> tuple[str, int]:
    c = text[i + 1 : i + 2]
    if c in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[c], i + 2
    width = {"x": 2, "X": 2, "u": 4, "U": 8}.get(c)
    if width is not None:
        digits = text[i + 2 : i + 2 + width]
        if len(digits) != width or any(d not in "0123456789abcdefABCDEF" for d in digits):
            raise CelSyntaxError(f"malformed escape at offset {i}")
        if width > 2 and is_bytes:
            raise CelSyntaxError(f"unicode escape in bytes literal at offset {i}")
        return chr(int(digits, 16)), i + 2 + width
    digits = text[i + 1 : i + 4]
    if len(digits) == 3 and digits[0] in "0123" and all(d in "01234567" for d in digits):
        return chr(int(digits, 8)), i + 4
    raise CelSyntaxError(f"invalid escape at offset {i}")


class Parser:
    """Recursive-descent parser over the token list."""

    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.at = 0

    def parse(self) -> Node:
        """The whole text as one expression."""
        node = self.expr()
        if self.peek().kind != "end":
            self.fail("unexpected trailing input")
        return node

    def peek(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def accept(self, op: str) -> bool:
        token = self.peek()
        if token.kind == "op" and token.value == op:
            self.at += 1
            return True
        return False

    def expect(self, op: str) -> None:
        if not self.accept(op):
            self.fail(f"expected {op!r}")

    def fail(self, why: str) -> None:
        token = self.peek()
        shown = "end of input" if token.kind == "end" else repr(token.value)
        raise CelSyntaxError(f"{why} at offset {token.pos} (found {shown})")

    def expr(self) -> Node:
        test = self.or_()
        if self.accept("?"):
            then = self.or_()
            self.expect(":")
            return Node("cond", (test, then, self.expr()))
        return test

    def or_(self) -> Node:
        node = self.and_()
        while self.accept("||"):
            node = Node("or", (node, self.and_()))
        return node

    def and_(self) -> Node:
        node = self.relation()
        while self.accept("&&"):
            node = Node("and", (node, self.relation()))
        return node

    def relation(self) -> Node:
        node = self.addition()
        while True:
            token = self.peek()
            if token.kind == "op" and token.value in ("<", "<=", ">=", ">", "==", "!="):
                op = token.value
            elif token.kind == "ident" and token.value == "in":
                op = "in"
            else:
                return node
            self.at += 1
            node = Node("binop", (op, node, self.addition()))

    def addition(self) -> Node:
        node = self.product()
        while True:
            token = self.peek()
            if token.kind != "op" or token.value not in ("+", "-"):
                return node
            self.at += 1
            node = Node("binop", (token.value, node, self.product()))

    def product(self) -> Node:
        node = self.unary()
        while True:
            token = self.peek()
            if token.kind != "op" or token.value not in ("*", "/", "%"):
                return node
            self.at += 1
            node = Node("binop", (token.value, node, self.unary()))

    def unary(self) -> Node:
        if self.accept("!"):
            return Node("not", (self.unary(),))
        if self.accept("-"):
            token = self.peek()
            if token.kind in ("int", "double") and not self._followed_by_member():
                # Fold -literal so that -9223372036854775808 is representable.
                self.at += 1
                value = -token.value
                if token.kind == "int" and value < -_INT64:
                    self.fail("int literal out of range")
                return self.member_tail(Node("lit", (value,)))
            return Node("neg", (self.unary(),))
        return self.member()

    def _followed_by_member(self) -> bool:
        after = self.tokens[self.at + 1]
        return after.kind == "op" and after.value in (".", "[")

    def member(self) -> Node:
        return self.member_tail(self.primary())

    def member_tail(self, node: Node) -> Node:
        while True:
            if self.accept("."):
                name = self.ident()
                if self.accept("("):
                    node = Node("call", (name, node, self.exprs(")")))
                else:
                    node = Node("select", (node, name))
            elif self.accept("["):
                key = self.expr()
                self.expect("]")
                node = Node("index", (node, key))
            else:
                return node

    def ident(self) -> str:
        token = self.take()
        if token.kind != "ident":
            self.at -= 1
            self.fail("expected an identifier")
        name = str(token.value)
        if name in RESERVED or name in ("true", "false", "null", "in"):
            self.at -= 1
            self.fail(f"reserved word {name!r}")
        return name

    def exprs(self, close: str) -> tuple[Node, ...]:
        items: list[Node] = []
        if self.accept(close):
            return ()
        while True:
            items.append(self.expr())
            if self.accept(close):
                return tuple(items)
            self.expect(",")
            if close == "]" and self.accept(close):
                return tuple(items)

    def primary(self) -> Node:
        token = self.peek()
        if token.kind in ("int", "double", "string", "bytes"):
            self.at += 1
            return Node("lit", (token.value,))
        if token.kind == "uint":
            self.at += 1
            return Node("lit", (UInt(token.value),))
        if token.kind == "ident" and token.value in ("true", "false", "null"):
            self.at += 1
            return Node("lit", ({"true": True, "false": False, "null": None}[token.value],))
        if self.accept("."):
            return self.named()
        if token.kind == "ident":
            return self.named()
        if self.accept("("):
            node = self.expr()
            self.expect(")")
            return node
        if self.accept("["):
            return Node("list", self.exprs("]"))
        if self.accept("{"):
            return self.map_literal()
        self.fail("expected an expression")
        raise AssertionError  # unreachable: fail() raises

    def named(self) -> Node:
        name = self.ident()
        if self.accept("("):
            return Node("call", (name, None, self.exprs(")")))
        if self.peek().kind == "op" and self.peek().value == "{":
            self.fail("message construction is not supported")
        return Node("ident", (name,))

    def map_literal(self) -> Node:
        entries: list[tuple[Node, Node]] = []
        if self.accept("}"):
            return Node("map", ())
        while True:
            key = self.expr()
            self.expect(":")
            entries.append((key, self.expr()))
            if self.accept("}"):
                return Node("map", tuple(entries))
            self.expect(",")
            if self.accept("}"):
                return Node("map", tuple(entries))


class UInt(int):
    """A CEL `uint` (Python's int carries the value; the type keeps int and uint apart)."""

    __slots__ = ()


def parse(text: str) -> Node:
    """Parse one CEL expression; raises CelSyntaxError."""
    return Parser(text).parse()
