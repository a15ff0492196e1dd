"""Read backprop equations as students write them: LaTeX, plain NumPy-like text, or Unicode.

A small hand-written tokenizer and recursive-descent parser (user input is never ``eval``-ed)
turn ``\\delta^{(L)} \\odot \\Theta^{(L-1)}``, ``Theta[l].T @ delta[l+1] * dphi(z[l])`` or
``(Θ^(l))ᵀ δ^(l+1) ⊙ φ'(z^(l))`` into the same tree of nodes. The seed's notation is the
vocabulary: Θ (also ``W``), δ (also greg's ``g``), Δ, a, A, z, Z, b, x, X, y, Y, P (Diag of φ'),
G (∂J/∂Θ), J, m, α (also λ), φ, φ', Diag, ∂J/∂•, transpose and the ones vector 1.

Operators, all of one precedence and left-associative except ``+`` and ``−``:

- ``@``, ``\\cdot``, ``·``, ``\\times`` and juxtaposition: the matrix product (a scalar scales);
- ``\\odot``, ``⊙``, ``\\circ``: the Hadamard product, defined only for equal shapes;
- ``*``: NumPy's element-wise product, which broadcasts;
- ``/`` (by a scalar), ``:`` (the Frobenius product ``A:B = Tr(AᵀB)``).
"""

import re
from dataclasses import dataclass, replace

from deltaprop.errors import ConfigError


class ParseError(ConfigError):
    """The equation cannot be read; ``pos`` is the offending character offset."""

    def __init__(self, message, text, pos):
        super().__init__(message)
        self.text, self.pos = text, pos

    def caret(self):
        """The input and a caret line under the offending position."""
        return f"  {self.text}\n  {' ' * self.pos}^"


# ---------------------------------------------------------------- tree


@dataclass(frozen=True)
class Layer:
    """A layer index: ``base`` is ``"L"``, ``"l"`` or ``""`` (absolute), plus ``offset``."""

    base: str
    offset: int = 0

    def shift(self, k):
        return Layer(self.base, self.offset + k)

    def bind(self, binding):
        """The layer number for ``binding`` (e.g. ``{"L": 4, "l": 2}``)."""
        return (binding[self.base] if self.base else 0) + self.offset

    def text(self, minus="−"):
        if not self.base:
            return str(self.offset)
        if not self.offset:
            return self.base
        return f"{self.base}{'+' if self.offset > 0 else minus}{abs(self.offset)}"


@dataclass(frozen=True, eq=False)
class Node:
    span: tuple  # (start, end) character offsets in the source text


@dataclass(frozen=True, eq=False)
class Num(Node):
    value: float


@dataclass(frozen=True, eq=False)
class Sym(Node):
    name: str  # canonical: Θ δ Δ a A z Z b x X y Y P G J m α φ φ' Diag
    layer: Layer | None = None
    sample: bool = False  # written with the sample index, as in y^(i)


@dataclass(frozen=True, eq=False)
class Ones(Node):
    """The vector of m ones: (m × 1)."""


@dataclass(frozen=True, eq=False)
class Call(Node):
    func: str  # φ, φ' or Diag
    arg: Node


@dataclass(frozen=True, eq=False)
class Transpose(Node):
    arg: Node


@dataclass(frozen=True, eq=False)
class Neg(Node):
    arg: Node


@dataclass(frozen=True, eq=False)
class Square(Node):
    """``v^2``: the square of a scalar, or ‖v‖² = vᵀv of a column, as in J^(i) = ½[a − y]²."""

    arg: Node


@dataclass(frozen=True, eq=False)
class Bin(Node):
    op: str  # "@", "⊙", "*", "/", ":", "+", "-"
    left: Node
    right: Node
    written: str = ""  # the operator as the user wrote it ("\\cdot", "" for juxtaposition)


@dataclass(frozen=True, eq=False)
class Differential(Node):
    arg: Node  # ∂arg, only inside a derivative


@dataclass(frozen=True, eq=False)
class Deriv(Node):
    num: Node  # ∂num/∂den
    den: Node


LAYERED = {"Θ", "δ", "Δ", "a", "A", "z", "Z", "b", "P", "G"}
FUNCTIONS = {"φ", "φ'", "Diag"}

# ---------------------------------------------------------------- tokens

COMMANDS = {
    "Theta": "Θ",
    "theta": "Θ",
    "W": "Θ",
    "delta": "δ",
    "Delta": "Δ",
    "varphi": "φ",
    "phi": "φ",
    "sigma": "φ",
    "alpha": "α",
    "lambda": "α",
    "cdot": "·",
    "times": "·",
    "odot": "⊙",
    "circ": "⊙",
    "top": "ᵀ",
    "intercal": "ᵀ",
    "partial": "∂",
    "nabla": "∇",
    "frac": "frac",
    "dfrac": "frac",
    "tfrac": "frac",
    "smL": "L",
    "LR": "LR",
    "Diag": "Diag",
    "grad": "grad",
    "operatorname": "name",
    "mathrm": "name",
    "text": "name",
    "mathbf": "bold",
    "mathbb": "bold",
    "boldsymbol": "bold",
    "bm": "bold",
    "prime": "'",
}
SKIPPED_COMMANDS = {
    "left",
    "right",
    "big",
    "Big",
    "bigg",
    "Bigg",
    "bigl",
    "bigr",
    "Bigl",
    "Bigr",
    "quad",
    "qquad",
    "displaystyle",
    "limits",
}
WORDS = {
    "Theta": "Θ",
    "theta": "Θ",
    "W": "Θ",
    "delta": "δ",
    "Delta": "Δ",
    "g": "δ",
    "phi": "φ",
    "varphi": "φ",
    "sigma": "φ",
    "dphi": "φ'",
    "alpha": "α",
    "lambda": "α",
    "Diag": "Diag",
    "diag": "Diag",
    "ones": "1",
}
LETTERS = set("aAzZbxXyYPGJmLlkiT")
UNICODE = {"θ": "Θ", "ϕ": "φ", "λ": "α", "∘": "⊙", "×": "·", "−": "-", "′": "'", "𝟏": "1"}
TOKEN_RE = re.compile(
    r"(?P<ws>\s+|\\[,;:!> ])|(?P<cmd>\\[A-Za-z]+)|(?P<num>\d+(?:\.\d+)?)"
    r"|(?P<word>[A-Za-z]+)|(?P<dotT>\.T(?![A-Za-z]))|(?P<punct>[-+*/@=()\[\]{}^_',:.])"
    r"|(?P<uni>[ΘθδΔφϕαλ⊙∘·×ᵀ∂∇−½𝟏′])"
)


@dataclass(frozen=True)
class Token:
    kind: str  # sym, num, op, punct, or a special kind
    value: object
    pos: int
    end: int


def tokenize(text):
    """Split ``text`` into tokens; every token keeps its character span."""
    tokens, pos = [], 0
    while pos < len(text):
        match = TOKEN_RE.match(text, pos)
        if match is None:
            raise ParseError(f"unexpected character {text[pos]!r} at position {pos}", text, pos)
        tokens.extend(_tokens_of(match, text))
        pos = match.end()
    tokens.append(Token("end", None, len(text), len(text)))
    return tokens


def _tokens_of(match, text):
    kind, s, pos, end = match.lastgroup, match.group(), match.start(), match.end()
    if kind == "ws":
        return []
    if kind == "num":
        return [Token("num", float(s), pos, end)]
    if kind == "dotT":
        return [Token("ᵀ", "ᵀ", pos, end)]
    if kind == "punct":
        return [Token(s, s, pos, end)]
    if kind == "uni":
        s = UNICODE.get(s, s)
        return [_symbol_or_op(s, pos, end)]
    if kind == "cmd":
        name = s[1:]
        if name in SKIPPED_COMMANDS:
            return []
        if name not in COMMANDS:
            raise ParseError(f"unknown LaTeX command {s} at position {pos}", text, pos)
        return [_symbol_or_op(COMMANDS[name], pos, end)]
    return _word_tokens(s, text, pos, end)


def _symbol_or_op(s, pos, end):
    if s in ("Θ", "δ", "Δ", "φ", "φ'", "α", "Diag"):
        return Token("sym", s, pos, end)
    if s == "L":
        return Token("sym", "L", pos, end)
    if s == "1":
        return Token("ones", s, pos, end)
    if s == "½":
        return Token("num", 0.5, pos, end)
    if s in ("·", "⊙"):
        return Token("op", s, pos, end)
    if s == "-":
        return Token("-", s, pos, end)
    if s == "'":
        return Token("'", s, pos, end)
    return Token(s, s, pos, end)  # ᵀ ∂ ∇ frac LR grad name bold


def _word_tokens(word, text, pos, end):
    if word in WORDS:
        return [_symbol_or_op(WORDS[word], pos, end)]
    if word == "np":
        return [Token("np", word, pos, end)]
    if word[0] == "d" and len(word) > 1 and (word[1:] in WORDS or word[1:] in LETTERS):
        rest = _word_tokens(word[1:], text, pos + 1, end)
        return [Token("∂", "∂", pos, pos + 1), *rest]
    if word in LETTERS:
        return [Token("sym", word, pos, end)]
    if len(word) > 1 and all(c in LETTERS or c in WORDS for c in word):  # LaTeX: ^Tg is ^T g
        return [t for i, c in enumerate(word) for t in _word_tokens(c, text, pos + i, pos + i + 1)]
    raise ParseError(f"unknown symbol {word!r} at position {pos}", text, pos)


# ---------------------------------------------------------------- parser

PRODUCT_OPS = {"@": "@", "·": "@", "⊙": "⊙", "*": "*", "/": "/", ":": ":"}
STARTS_PRIMARY = {
    "sym",
    "num",
    "ones",
    "(",
    "[",
    "{",
    "frac",
    "grad",
    "LR",
    "∂",
    "∇",
    "name",
    "bold",
    "np",
}
CLOSING = {"(": ")", "[": "]", "{": "}"}


def parse(text):
    """Parse ``text`` into a list of sides (``a = b = c`` gives three nodes)."""
    parser = _Parser(text)
    sides = [parser.expr()]
    while parser.accept("="):
        sides.append(parser.expr())
    parser.expect("end", "an operator or the end of the equation")
    return sides


def parse_expression(text):
    """Parse one expression (no ``=``)."""
    sides = parse(text)
    if len(sides) != 1:
        raise ParseError("expected an expression without '='", text, text.index("="))
    return sides[0]


class _Parser:
    def __init__(self, text):
        self.text, self.tokens, self.i = text, tokenize(text), 0

    @property
    def tok(self):
        return self.tokens[self.i]

    def next(self):
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def accept(self, kind):
        if self.tok.kind == kind:
            return self.next()
        return None

    def expect(self, kind, what):
        if self.tok.kind != kind:
            self.fail(f"expected {what}")
        return self.next()

    def fail(self, message, tok=None):
        tok = tok or self.tok
        found = "the end" if tok.kind == "end" else repr(self.text[tok.pos : tok.end])
        raise ParseError(f"{message} at position {tok.pos} (found {found})", self.text, tok.pos)

    # expr := term (('+' | '-') term)*
    def expr(self):
        node = self.term()
        while self.tok.kind in ("+", "-"):
            op = self.next().kind
            right = self.term()
            node = Bin((node.span[0], right.span[1]), op, node, right, op)
        return node

    # term := unary ((op | juxtaposition) unary)*
    def term(self):
        node = self.unary()
        while True:
            if self.tok.kind == "op" or self.tok.kind in PRODUCT_OPS:
                tok = self.next()
                op = PRODUCT_OPS[tok.value]
                right = self.unary()
            elif self.tok.kind in STARTS_PRIMARY:
                tok, op = None, "@"
                right = self.postfix()
                if isinstance(right, Num) and right.value == 1 and not isinstance(node, Num):
                    right = Ones(right.span)  # "Δ^(l) 1": the ones vector
            else:
                return node
            node = self._product(node, op, right, tok)

    def _product(self, left, op, right, tok):
        span = (left.span[0], right.span[1])
        if op == "/" and isinstance(left, Differential) and isinstance(right, Differential):
            return Deriv(span, left.arg, right.arg)
        written = self.text[tok.pos : tok.end] if tok else ""
        return Bin(span, op, left, right, written)

    def unary(self):
        if self.tok.kind in ("-", "+"):
            tok = self.next()
            arg = self.unary()
            return arg if tok.kind == "+" else Neg((tok.pos, arg.span[1]), arg)
        return self.postfix()

    def postfix(self):
        node = self.primary()
        while True:
            kind = self.tok.kind
            if kind == "^":
                node = self.superscript(node)
            elif kind == "_":
                self.next()
                node = self.with_layer(node, self.layer_group(), self.tokens[self.i - 1].end)
            elif kind == "ᵀ":
                node = Transpose((node.span[0], self.next().end), _ones_row(node))
            elif kind == "'":
                node = self.prime(node)
            elif kind == "[" and isinstance(node, Sym) and node.name in LAYERED:
                self.next()
                layer = self.layer_index()
                node = self.with_layer(node, layer, self.expect("]", "']'").end)
            elif kind in ("(", "{") and isinstance(node, Sym) and node.name in FUNCTIONS:
                node = self.call(node)
            else:
                return node

    def prime(self, node):
        tok = self.next()
        if isinstance(node, Sym) and node.name == "φ":
            return Sym((node.span[0], tok.end), "φ'")
        return Transpose((node.span[0], tok.end), node)

    def call(self, func):
        open_ = self.next()
        arg = self.expr()
        close = self.expect(CLOSING[open_.kind], f"{CLOSING[open_.kind]!r}")
        return Call((func.span[0], close.end), func.name, arg)

    def superscript(self, node):
        self.next()  # ^
        if not self.accept("{"):
            return self.superscript_item(node)
        node = self.superscript_item(node)
        while self.tok.kind != "}":  # ^{(l)T}: a layer index and a transpose
            node = self.superscript_item(node)
        return replace(node, span=(node.span[0], self.next().end))

    def superscript_item(self, node):
        if self.tok.kind == "ᵀ" or (self.tok.kind == "sym" and self.tok.value == "T"):
            return Transpose((node.span[0], self.next().end), _ones_row(node))
        if self.tok.kind == "num" and self.tok.value == 2:
            return Square((node.span[0], self.next().end), node)
        if self.tok.kind != "(":
            self.fail("expected a layer index such as ^{(l)}, a transpose ^T or a square ^2")
        self.next()
        if self.tok.kind == "sym" and self.tok.value == "i":
            self.next()
            node = replace(node, sample=True) if isinstance(node, Sym) else node
        else:
            node = self.with_layer(node, self.layer_index(), self.tok.end)
        close = self.expect(")", "')' after the layer index")
        return replace(node, span=(node.span[0], close.end))

    def layer_group(self):
        if self.accept("{"):
            layer = self.layer_index()
            self.expect("}", "'}' after the layer index")
            return layer
        return self.layer_index(simple=True)

    def layer_index(self, simple=False):
        tok = self.tok
        if tok.kind == "num":
            self.next()
            return Layer("", int(tok.value))
        if tok.kind != "sym" or tok.value not in ("L", "l", "k"):
            self.fail("expected a layer index (a number, L, l or k, e.g. l+1)")
        self.next()
        base, offset = ("L" if tok.value == "L" else "l"), 0
        if not simple and self.tok.kind in ("+", "-"):
            sign = 1 if self.next().kind == "+" else -1
            offset = sign * int(self.expect("num", "a number in the layer index").value)
        return Layer(base, offset)

    def with_layer(self, node, layer, end):
        if isinstance(node, Sym) and node.name == "J":
            return node  # J_k in greg's answer: the cost
        if not isinstance(node, Sym) or node.name not in LAYERED or node.layer is not None:
            raise ParseError(
                f"a layer index does not belong here (position {node.span[0]})",
                self.text,
                node.span[0],
            )
        return replace(node, span=(node.span[0], end), layer=layer)

    def primary(self):
        tok = self.tok
        if tok.kind in ("(", "[", "{"):
            self.next()
            node = self.expr()
            close = self.expect(CLOSING[tok.kind], f"{CLOSING[tok.kind]!r}")
            return _with_span(node, (tok.pos, close.end))
        handler = getattr(self, "primary_" + PRIMARY_HANDLERS.get(tok.kind, "error"))
        return handler()

    def primary_error(self):
        self.fail("expected a symbol, a number or '('")

    def primary_num(self):
        tok = self.next()
        return Num((tok.pos, tok.end), tok.value)

    def primary_ones(self):
        tok = self.next()
        return Ones((tok.pos, tok.end))

    def primary_sym(self):
        tok = self.next()
        if tok.value in ("L", "l", "k", "i", "T"):
            self.fail(f"{tok.value!r} is an index, not a quantity", tok)
        return Sym((tok.pos, tok.end), tok.value)

    def primary_np(self):  # np.diag(v) and the like
        self.next()
        self.expect(".", "'.' after np")
        return self.primary()

    def primary_frac(self):
        start = self.next().pos
        if self.tok.kind == "num":  # \frac12 or \frac 12: two single-digit arguments
            return self.digit_fraction(start)
        num, den = self.braced(), self.braced()
        span = (start, self.tokens[self.i - 1].end)
        if isinstance(num, Differential) and isinstance(den, Differential):
            return Deriv(span, num.arg, den.arg)
        return Bin(span, "/", num, den, "\\frac")

    def digit_fraction(self, start):
        tok = self.next()
        digits = self.text[tok.pos : tok.end]
        if len(digits) != 2:
            self.fail("expected \\frac{…}{…} or \\frac12", tok)
        num = Num((tok.pos, tok.pos + 1), float(digits[0]))
        den = Num((tok.pos + 1, tok.end), float(digits[1]))
        return Bin((start, tok.end), "/", num, den, "\\frac")

    def primary_grad(self):  # greg's \grad{J}{\W_k}
        start = self.next().pos
        num, den = self.braced(), self.braced()
        return Deriv((start, self.tokens[self.i - 1].end), num, den)

    def primary_LR(self):  # greg's \LR{...}: parentheses
        self.next()
        return self.braced()

    def primary_differential(self):
        tok = self.next()
        arg = self.postfix()
        return Differential((tok.pos, arg.span[1]), arg)

    def primary_nabla(self):  # \nabla_{\Theta^{(l)}} J
        tok = self.next()
        self.expect("_", "'_' after ∇")
        den = self.braced() if self.tok.kind == "{" else self.postfix()
        num = self.postfix()
        return Deriv((tok.pos, num.span[1]), num, den)

    def primary_name(self):  # \operatorname{Diag}
        tok = self.next()
        self.expect("{", "'{'")
        name = self.expect("sym", "a function name such as Diag")
        close = self.expect("}", "'}'")
        if name.value not in FUNCTIONS:
            self.fail("expected a function name such as Diag", name)
        return Sym((tok.pos, close.end), name.value)

    def primary_bold(self):  # \mathbf{1} is the ones vector; \mathbf{a} is a
        self.next()
        node = self.braced()
        return Ones(node.span) if isinstance(node, Num) and node.value == 1 else node

    def braced(self):
        open_ = self.expect("{", "'{'")
        node = self.expr()
        close = self.expect("}", "'}'")
        return _with_span(node, (open_.pos, close.end))


PRIMARY_HANDLERS = {
    "num": "num",
    "ones": "ones",
    "sym": "sym",
    "np": "np",
    "frac": "frac",
    "grad": "grad",
    "LR": "LR",
    "∂": "differential",
    "∇": "nabla",
    "name": "name",
    "bold": "bold",
}


def _with_span(node, span):
    return replace(node, span=span)


def _ones_row(node):
    """``1ᵀ``: a literal 1 under a transpose is the ones vector."""
    return Ones(node.span) if isinstance(node, Num) and node.value == 1 else node


# ---------------------------------------------------------------- rendering

PRECEDENCE = {"+": 1, "-": 1, "@": 2, "⊙": 2, "*": 2, "/": 2, ":": 2}
TEXT_OPS = {"@": " ", "⊙": " ⊙ ", "*": " * ", "/": "/", ":": " : ", "+": " + ", "-": " − "}
LATEX_OPS = {"@": " ", "⊙": " \\odot ", "*": " * ", ":": " : ", "+": " + ", "-": " - "}
LATEX_NAMES = {
    "Θ": "\\Theta",
    "δ": "\\delta",
    "Δ": "\\Delta",
    "α": "\\alpha",
    "φ": "\\varphi",
    "φ'": "\\varphi'",
    "Diag": "\\operatorname{Diag}",
}


def to_text(node):
    """``node`` in the seed's notation, in Unicode: ``(Θ^(l))ᵀ δ^(l+1) ⊙ φ'(z^(l))``."""
    return _render(node, _TEXT)


def to_latex(node):
    """``node`` in LaTeX: ``\\left(\\Theta^{(l)}\\right)^\\top \\delta^{(l+1)} ...``."""
    return _render(node, _LATEX)


def _render(node, style):
    if isinstance(node, Bin):
        return style.binary(node, _render(node.left, style), _render(node.right, style))
    if isinstance(node, Transpose | Neg | Call | Differential | Square):
        return style.unary(node, _render(node.arg, style))
    if isinstance(node, Deriv):
        return style.deriv(_render(node.num, style), _render(node.den, style))
    return style.leaf(node)


def _needs_parens(child, parent, right):
    if not isinstance(child, Bin):
        return isinstance(child, Neg) and right
    if parent.op == "/" or child.op == "/":
        return parent.op != "/" or right or child.op != "/"
    high = PRECEDENCE[child.op] < PRECEDENCE[parent.op]
    return high or (right and PRECEDENCE[child.op] == PRECEDENCE[parent.op])


class _TEXT:
    @staticmethod
    def binary(node, left, right):
        if _needs_parens(node.left, node, False):
            left = f"({left})"
        if _needs_parens(node.right, node, True):
            right = f"({right})"
        return f"{left}{TEXT_OPS[node.op]}{right}"

    @staticmethod
    def unary(node, arg):
        if isinstance(node, Transpose):
            simple = isinstance(node.arg, Ones) or (
                isinstance(node.arg, Sym) and node.arg.layer is None
            )
            return f"{arg}ᵀ" if simple else f"({arg})ᵀ"
        if isinstance(node, Neg):
            return f"−({arg})" if isinstance(node.arg, Bin) else f"−{arg}"
        if isinstance(node, Differential):
            return f"∂{arg}"
        if isinstance(node, Square):
            return f"({arg})²" if isinstance(node.arg, Bin) else f"{arg}²"
        return f"{node.func}({arg})"

    @staticmethod
    def deriv(num, den):
        return f"∂{num}/∂{den}"

    @staticmethod
    def leaf(node):
        if isinstance(node, Num):
            return f"{node.value:g}"
        if isinstance(node, Ones):
            return "1"
        sample = "^(i)" if node.sample and node.name in ("x", "y", "J") else ""
        layer = f"^({node.layer.text()})" if node.layer is not None else ""
        return f"{node.name}{layer}{sample}"


def _is_division(node):
    return isinstance(node, Bin) and node.op == "/"


class _LATEX:
    @staticmethod
    def binary(node, left, right):
        if node.op == "/":
            return f"\\frac{{{left}}}{{{right}}}"
        if _needs_parens(node.left, node, False) and not _is_division(node.left):
            left = f"\\left({left}\\right)"
        if _needs_parens(node.right, node, True) and not _is_division(node.right):
            right = f"\\left({right}\\right)"
        return f"{left}{LATEX_OPS[node.op]}{right}"

    @staticmethod
    def unary(node, arg):
        if isinstance(node, Transpose):
            simple = isinstance(node.arg, Ones) or (
                isinstance(node.arg, Sym) and node.arg.layer is None
            )
            return f"{arg}^\\top" if simple else f"\\left({arg}\\right)^\\top"
        if isinstance(node, Neg):
            return f"-\\left({arg}\\right)" if isinstance(node.arg, Bin) else f"-{arg}"
        if isinstance(node, Differential):
            return f"\\partial {arg}"
        if isinstance(node, Square):
            return f"\\left({arg}\\right)^2"
        return f"{LATEX_NAMES[node.func]}\\left({arg}\\right)"

    @staticmethod
    def deriv(num, den):
        return f"\\frac{{\\partial {num}}}{{\\partial {den}}}"

    @staticmethod
    def leaf(node):
        if isinstance(node, Num):
            return f"{node.value:g}"
        if isinstance(node, Ones):
            return "\\mathbf{1}"
        name = LATEX_NAMES.get(node.name, node.name)
        layer = f"^{{({node.layer.text('-')})}}" if node.layer is not None else ""
        sample = "^{(i)}" if node.sample and node.name in ("x", "y", "J") else ""
        return f"{name}{layer}{sample}"
