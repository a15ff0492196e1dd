"""Read backprop equations as students write them: LaTeX, plain NumPy-like text, or Unicode.

A small hand-written tokenizer and recursive-descent parser (user input is never ``eval``-ed)
turn ``\\delta^{(L)} \\odot \\Theta^{(L-1)}``, ``Theta[l].T @ delta[l+1] * dphi(z[l])`` or
``(Θ^(l))ᵀ δ^(l+1) ⊙ φ'(z^(l))`` into the same tree of nodes. Ng's notation is the
vocabulary: Θ (also ``W``), δ (also the Diag(φ') form's ``g``), Δ, a, A, z, Z, b, x, X, y, Y,
P (Diag of φ'), G (∂J/∂Θ), J, m, α (also λ), φ, φ', Diag, ∂J/∂•, transpose and the ones vector.

Operators, all of one precedence and left-associative except ``+`` and ``−``:

- ``@``, ``\\cdot``, ``·``, ``\\times`` and juxtaposition: the matrix product (a scalar scales);
- ``\\odot``, ``⊙``, ``\\circ``: the Hadamard product, defined only for equal shapes;
- ``*``: NumPy's element-wise product, which broadcasts;
- ``/`` (by a scalar), ``:`` (the Frobenius product ``A:B = Tr(AᵀB)``).

A number written against a symbol (``2m``) is a coefficient that binds tighter than ``/``.
``‖v‖²``, ``‖Θ‖²_F`` are norms and ``Σ_i``, ``Σ_l`` sum the product that follows them over the
samples or the layers, so the cost ``J`` parses too. Octave's ``Theta2(:,2:end)``, ``v(2:end)``,
``[1; a]``, ``[ones(m,1) A]``, ``sum(v)``, ``.^`` and ``h_\\Theta(x)`` (Ng's course) and NumPy's
``np.dot``, ``.dot``, ``.sum(axis=0)``, ``np.maximum(0, x)``, ``np.where(x > 0, v, 0)``,
``(x > 0)``, ``**`` and ``+=`` are read too. The tree renders back as Unicode text, LaTeX or
MathML through one :class:`TextRenderer`, which the other formats re-spell.
"""

import re
from dataclasses import dataclass, replace
from typing import dataclass_transform

from deltaprop.derivation.tables import BY_NAME, Table
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
class LayerIndex:
    """A layer index: ``base`` is ``"L"``, ``"l"`` or ``""`` (absolute), plus ``offset``."""

    base: str
    offset: int = 0

    def shift(self, k):
        return LayerIndex(self.base, self.offset + k)

    def bind(self, binding):
        """The layer number for ``binding`` (e.g. ``{"L": 4, "l": 2}``)."""
        return (binding[self.base] if self.base else 0) + self.offset

    def substitute(self, indices):
        """This index with its base replaced by ``indices[base]`` (a LayerIndex), if given:
        ``l+1`` with ``{"l": LayerIndex("L", -1)}`` is ``L``, with ``{"l": LayerIndex("", 3)}``
        it is 4."""
        return indices[self.base].shift(self.offset) if self.base in indices else self

    def text(self, minus="−"):
        if not self.base:
            return str(self.offset)
        if not self.offset:
            return self.base
        return f"{self.base}{'+' if self.offset > 0 else minus}{abs(self.offset)}"


@dataclass_transform(frozen_default=True, eq_default=False)
@dataclass(frozen=True, eq=False)
class Node:
    """A node of the tree: every subclass is a frozen dataclass too, compared by identity."""

    span: tuple  # (start, end) character offsets in the source text

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        dataclass(frozen=True, eq=False)(cls)


class Num(Node):
    value: float


class Sym(Node):
    name: str  # canonical: Θ δ Δ a A z Z b x X y Y P G J m α φ φ' Diag
    layer: LayerIndex | None = None
    sample: bool = False  # written with the sample index, as in y^(i)
    entry: str = ""  # entry indices written after the layer, as in δ^l_j or w^l_{jk}


class Local(Sym):
    """A core symbol spelled back as a NumPy name (``dZ1``, ``W``, ``dout``): ``name`` is the
    quantity it stands for and ``written`` its spelling, which is how it is printed."""

    written: str = ""


class AxisSum(Node):
    """NumPy's ``v.sum(axis=0)`` (over the rows: 1 × cols) or ``axis=1`` (rows × 1);
    ``axis`` None is Octave's ``sum(v)``, over the first dimension that is not 1."""

    arg: Node
    axis: int | str | None  # "all": NumPy's np.sum(v), every entry
    keepdims: bool = True  # False: axis=1 gives NumPy's 1-D result, which broadcasts as a row
    mean: bool = False  # np.mean: the sum divided by the length of the axis
    method: bool = False  # written v.sum(axis=0) rather than np.sum(v, axis=0)


class Ones(Node):
    """The vector of m ones: (m × 1)."""


class Call(Node):
    func: str  # φ, φ', Diag, or an element-wise function of a loss (clip, exp, log)
    arg: Node
    extra: tuple = ()  # further scalar arguments, as the bounds of clip(r, −1, 1)
    layer: LayerIndex | None = None  # g^{[l]}(z): the activation of layer l (the output's own)


class Transpose(Node):
    arg: Node


class Neg(Node):
    arg: Node


class Square(Node):
    """``v^2``: the square of a scalar, or ‖v‖² = vᵀv of a column, as in J^(i) = ½[a − y]²."""

    arg: Node


class Bin(Node):
    op: str  # "@", "⊙", "*", "/", ":", "+", "-"
    left: Node
    right: Node
    written: str = ""  # the operator as the user wrote it ("\\cdot", "" for juxtaposition)


class Norm(Node):
    """``‖arg‖``, maybe squared (``‖v‖²``) and marked Frobenius (``‖Θ‖²_F``): a scalar."""

    arg: Node
    squared: bool = False
    frobenius: bool = False


class SumOver(Node):
    """``Σ_i body`` (over the samples) or ``Σ_l body`` (over the layers)."""

    index: str  # "i" or "l"
    arg: Node
    first: float = 1.0  # Bishop's Σ_{i=0}: from the bias unit x_0 = 1


class Differential(Node):
    arg: Node  # ∂arg, only inside a derivative


class Deriv(Node):
    num: Node  # ∂num/∂den
    den: Node


class DropFirst(Node):
    """Octave's ``v(2:end)`` (``axis`` 0: the first row) or ``Theta2(:,2:end)`` (``axis`` 1:
    the first column): the entry of the bias unit, or the bias column of Ng's Θ, dropped."""

    arg: Node
    axis: int


class BiasUnit(Node):
    """``[1; v]`` (``axis`` 0: a row on top) or ``[ones(m,1) A]`` (``axis`` 1: a column on the
    left): the bias unit a_0 = 1 prepended, as in Ng's course; ``fill`` 0 for
    ``[zeros(n,1) Theta1(:,2:end)]``. The row or column is as long as ``arg`` needs."""

    arg: Node
    axis: int
    fill: float = 1.0


LAYERED = {"Θ", "δ", "Δ", "a", "A", "z", "Z", "b", "P", "G", "Acc"}
ELEMENTWISE = {"clip", "exp", "log"}  # functions a loss's δ^(L) is written with
ELEMENTWISE |= {"relu", "tanh", "sech", "cosh", "step", "below", "pow"}  # np.maximum(0, x), x**k
PHIS = {"φ", "φ'", "Diag φ'"}  # functions of a layer (f^l, g^{[l]}, Hagan's \dot{F}^m)
FUNCTIONS = {"Diag", "ℓ", "ℓ'", "Tr", "prod", "tanh'"} | ELEMENTWISE | PHIS  # ℓ' = ∂ℓ/∂a
INDICES = {"L", "l", "k", "i", "j", "T", "F"}  # letters that index, never a quantity
ENTRY = set("ijk")  # entry indices: δ^l_j, w^l_{jk}, Σ_k

# ---------------------------------------------------------------- tokens

NAMES = {  # a token and its names written as a word (Theta) or as a LaTeX command (\Theta)
    "Θ": "Theta theta W",
    "δ": "delta",
    "Δ": "Delta",
    "φ": "varphi phi sigma",
    "α": "alpha lambda",
    "η": "eta epsilon lr learning_rate",  # a learning rate
    "Diag": "Diag",
    "exp": "exp",
    "log": "log",
}
COMMANDS = {  # a token and its other LaTeX commands; "": skipped
    "·": "cdot times",
    "*": "ast",
    "⊙": "odot circ bullet",  # UFLDL's •
    "ᵀ": "top intercal",
    "∂": "partial",
    "∇": "nabla",
    "frac": "frac dfrac tfrac",
    "L": "smL",
    "grad": "grad",
    "name": "operatorname mathrm text",
    "bold": "mathbf mathbb boldsymbol bm",
    "'": "prime",
    "ℓ": "ell",
    "Σ": "sum Sigma",
    "Ω": "Omega",  # Goodfellow's regularizer Ω(θ)
    "‖": "Vert lVert rVert",
    "hat": "hat",
    "maximum": "max",
    "tanh": "tanh",
    "sech": "sech",
    "cosh": "cosh",
    "=": "leftarrow gets equiv",  # an update Θ ← Θ − η ∂J/∂Θ, as a code's Θ = Θ − η dΘ; δ_j ≡ …
    # sizes and spaces, and the Diag(φ') answer's \LR{…} (its braces are the parentheses)
    "": "left right big Big bigg Bigg bigl bigr Bigl Bigr quad qquad displaystyle limits LR",
}
WORDS = {  # a token and its other words
    "δ": "g",  # the Diag(φ') answer's g
    "φ'": "dphi",
    "Diag": "diag",
    "prod": "prod",  # d2l's prod(∂J/∂o, ∂o/∂W): the chain rule's product
    "Tr": "Tr",  # the trace of a derivation's identities (calculus.py evaluates it)
    "1": "ones",
    "h": "h",
    "clip": "clip",
    "dot": "matmul",  # np.matmul(a, b) is np.dot(a, b) for these arrays
    "heaviside": "heaviside",
    "square": "square",
    "tanh": "tanh",  # tanh(z), tanh′(z) in plain text
    "sech": "sech",  # sech²(z) = 1 − tanh²(z), tanh's derivative as textbooks write it
    "cosh": "cosh",  # and 1/cosh²(z)
    "grad": "grad",  # an autograd's h.grad, ∂J/∂h
}


def _spellings(*tables):
    """The tables ``{token: "name name …"}`` read the other way: ``{name: token}``."""
    return {
        name: token for table in tables for token, names in table.items() for name in names.split()
    }


COMMAND_TOKENS, WORD_TOKENS = _spellings(NAMES, COMMANDS), _spellings(NAMES, WORDS)
NAMED_PHI = dict.fromkeys(("sigmoid", "relu", "ReLU"), "φ")  # φ where it is the network's
LETTERS = set("aAzZbxXyYPGJmLlkijTF")
FILL_RE = r"\b(?:ones|zeros)\s*\([^()]*(?:\([^()]*\)[^()]*)*\)"  # ones(m,1), zeros(size(T,1),1)
UNICODE = {"θ": "Θ", "ϕ": "φ", "σ": "φ", "λ": "α", "∘": "⊙", "×": "·", "−": "-", "′": "'", "𝟏": "1"}
UNICODE |= {".*": "⊙", "./": "/", ".^": "**", ":=": "=", ".T": "ᵀ", ".transpose()": "ᵀ"}
UNICODE |= {"\\|": "‖", ".'": "ᵀ"}  # Octave's .*, ./, .^, := and .' (transpose); LaTeX's \|
UNICODE |= {"\\{": "(", "\\}": ")"}  # LaTeX's braces \{ \}: parentheses, as in 𝟙\{z > 0\}
UNICODE["←"] = "="
UNICODE["⊤"] = "ᵀ"  # W^{(k)⊤}
UNICODE["•"] = "⊙"  # UFLDL's element-wise product
UNICODE["𝟙"] = "1"  # 𝟙[z > 0]: the indicator, read as the mask (z > 0)
SCRIPTS = str.maketrans(
    "⁽⁾ˡᴸᵏⁱ⁺⁻⁰¹²³⁴⁵⁶⁷⁸⁹ₐⱼₖₗᵢ₊₋₀₁₂₃₄₅₆₇₈₉", "()lLki+-0123456789ajkli+-0123456789"
)
TOKEN_RE = re.compile(
    r"(?P<ws>\s+|&|\\\\|\\[,;:!> ]|\b(?:np|self)\.|\b(?:int|float)(?:32|64)?(?=\()"  # cast: a mask
    r"|\.astype\((?:np\.)?\w+\)|;\s*$)|(?P<column>\[\s*:\s*,\s*(?:None|np\.newaxis)\s*\])"
    r"|(?P<row>\[\s*(?:None|np\.newaxis)\s*,\s*:\s*\])|(?P<annotation>\\in(?![A-Za-z]).*)"
    r"|(?P<cmd>\\[A-Za-z]+)|(?P<num>\d+\.(?![\w.])|\d+(?:\.\d+)?)|(?P<sup>[⁽ˡᴸᵏ][⁽⁾ˡᴸᵏⁱ⁺⁻⁰¹²³⁴-⁹]*)|(?P<sub>[ₐⱼₖₗᵢ₊₋₀-₉]+)"
    r"|(?P<droprow>\(\s*2\s*:\s*end\s*(?:,\s*:\s*)?\))|(?P<dropcol>\(\s*:\s*,\s*2\s*:\s*end\s*\))"
    rf"|(?P<fill>{FILL_RE})"
    r"|(?P<octave>(?:Theta|theta|Delta|delta|a|z|W|b|d)(?:_(?=\d+_grad))?\d+(?:_grad)?(?![A-Za-z0-9]))"
    r"|(?P<word>[A-Za-z]+)|(?P<punct>\\[|{}]|\.\*|\./|\.\^|:=|\.'|\.T(?![A-Za-z])|\.transpose\(\)|\*\*|[-+]="
    r"|[-+*/@=()\[\]{}^_',:.;<>ΘθδΔφϕσαλ⊙∘•·×ᵀ⊤∂∇−½𝟏𝟙′‖²Σℓ←])"
)


@dataclass(frozen=True)
class Token:
    kind: str  # sym, num, op, punct, or a special kind
    value: object
    pos: int
    end: int


def table_of(notation):
    """The :class:`Table` of ``notation`` (a name or a Table)."""
    return notation if isinstance(notation, Table) else BY_NAME[notation]


def tokenize(text, notation="question"):
    """Split ``text`` into tokens; every token keeps its character span. ``notation`` picks
    the meaning of the letters that notations use differently (Ng's g is φ, the Diag(φ')
    answer's g is δ; Nielsen's w^l is Θ^(l−1)); a name of its table's symbols is a token
    ``~name`` (with its layer when digits follow, as in ``dZ1``), translated after parsing."""
    table = table_of(notation)
    words = WORD_TOKENS | NAMED_PHI | table.words | _gradient_names(table.symbols)
    words |= {name: f"~{name}" for name in table.symbols}
    words |= {f"\\{name}": f"~{name}" for name in table.symbols if "^" in name}  # \delta^{(h)}
    words |= {letter: letter for letter in table.letters if len(letter) > 1}  # UFLDL's n_l
    names, letters = _names_re(words), LETTERS | set(table.letters)  # Hagan's m, a student's n
    tokens, pos = [], 0
    while pos < len(text):  # a name of the notation first, then the other tokens
        match = (names and names.match(text, pos)) or TOKEN_RE.match(text, pos)
        if match is None:
            raise ParseError(f"unexpected character {text[pos]!r} at position {pos}", text, pos)
        if match.re is TOKEN_RE:
            tokens += _tokens_of(match, text, words, letters)
        else:
            tokens += _named_tokens(match, words, letters)
        pos = match.end()
    tokens.append(Token("end", None, len(text), len(text)))
    return [_renamed(tok, table.operators) for tok in tokens]


GRADIENT_PREFIXES = ("grad_", "dL_d", "dJ_d")  # grad_W2, dL_dW1, dJ_db1: the gradient dW2, …


def _gradient_names(symbols):
    """The other names of a notation's gradients: ``grad_W`` and ``dL_dW`` for its ``dW``
    (the d of its W), each the token of that gradient."""
    grads = [name for name in symbols if name[0] == "d" and name[1:] in symbols]
    return {prefix + name[1:]: f"~{name}" for name in grads for prefix in GRADIENT_PREFIXES}


def _names_re(words):
    """The names of a notation that the letters-only tokens would split (``A_prev``, ``dZ1``)."""
    changed = (  # and a name written as LaTeX: Hagan's \dot{F}
        w
        for w in words
        if (w.isidentifier() and (words[w] != WORD_TOKENS.get(w) or "_" in w))
        or w[0] == "\\"
        or "^" in w  # Raschka's A^{(out)}
    )
    names = sorted(changed, key=len, reverse=True)
    if not names:
        return None
    alternatives = "|".join(map(re.escape, names))
    return re.compile(  # a name, or the differential d of one (dz_hidden in dJ/dz_hidden)
        rf"(?<![A-Za-z0-9_\\])(?:(?P<name>{alternatives})|d(?P<dname>{alternatives}))"
        r"(?P<digits>\d*)(?![A-Za-z0-9])"
    )


def _named_tokens(match, words, letters):
    key = "name" if match.group("name") else "dname"
    name, digits, pos, split = match.group(key), match.group("digits"), *match.span(key)
    tokens = [Token("∂", "∂", match.start(), pos)] if key == "dname" else []  # d of a name
    letter = words[name] == name and name in letters  # a layer letter of a word: UFLDL's n_l
    tokens.append(
        Token("sym", name, pos, split) if letter else _symbol_or_op(words[name], pos, split)
    )
    if not digits:
        return tokens
    if not words[name].startswith("~"):  # sigmoid2: not a name of the notation
        raise ParseError(f"unknown symbol {match.group()!r} at position {pos}", match.string, pos)
    return [*tokens, Token("layer", int(digits), split, match.end())]


def _renamed(tok, symbols):
    if tok.kind == "sym" and tok.value in symbols:
        return replace(tok, value=symbols[tok.value])
    if tok.kind in symbols:  # Octave's * is the matrix product
        return replace(tok, kind="op", value=symbols[tok.kind])
    return tok


def _octave_tokens(name, pos, end):
    """``delta3`` (also ``d3``) → δ and the layer 3; ``Theta1_grad`` (also ``Theta_1_grad``)
    → ∂J/∂Θ^(1) (G) and 1."""
    match = re.fullmatch(r"([A-Za-z]+?)_?(\d+)(_grad)?", name)
    letters, digits, grad = match.groups()
    symbol = "G" if grad else WORD_TOKENS.get(letters, "δ" if letters == "d" else letters)
    split = pos + len(letters)
    return [Token("sym", symbol, pos, split), Token("layer", int(digits), split, end)]


TOKENS = {  # a match of TOKEN_RE, or a symbol, that is always the same token: (kind, value)
    "droprow": ("drop", 0),  # Octave's (2:end)
    "row": ("row", "row"),  # v[None, :]
    "column": ("column", "column"),  # v[:, None]
    "dropcol": ("drop", 1),  # and (:,2:end)
    "1": ("ones", "1"),
    "½": ("num", 0.5),
    "·": ("op", "·"),
    "⊙": ("op", "⊙"),
}
SYMBOLS = FUNCTIONS | {"Θ", "δ", "Δ", "α", "η", "G", "J", "Acc", "m", "L"}  # Diag φ': Hagan's Ḟ


def _tokens_of(match, text, words, letters=LETTERS):
    kind, s, pos, end = match.lastgroup, match.group(), match.start(), match.end()
    if kind in ("ws", "annotation"):  # np. of np.dot, casts; a trailing \in \mathbb{R}^{…}: a shape
        return []
    if kind in TOKENS:
        return [Token(*TOKENS[kind], pos, end)]
    if kind == "octave":
        return _octave_tokens(s, pos, end)
    if kind == "num":
        return [Token("num", float(s), pos, end)]
    if kind in ("sup", "sub"):  # Unicode scripts: δ⁽ˡ⁾, wˡ⁺¹, ∇ₐ are δ^{(l)}, w^{l+1}, ∇_{a}
        script = "^{" if kind == "sup" else "_{"
        inner = TOKEN_RE.finditer(script + s.translate(SCRIPTS) + "}")
        tokens = (t for m in inner for t in _tokens_of(m, text, words, letters))
        return [replace(t, pos=pos, end=end) for t in tokens]
    if kind == "fill":  # ones(m,1) or zeros(n,1): the bias unit's column in [… A]
        return [Token("fill", 1.0 if s.startswith("ones") else 0.0, pos, end)]
    if kind == "punct":  # also NumPy's x**2 and dW += T, Octave's .* (⊙) and Ng's := (=)
        return [_symbol_or_op(UNICODE.get(s, s), pos, end)]
    if kind == "cmd" and words.get(s[1:], "").startswith("~"):  # \delta, a name of the notation's
        return _word_tokens(s[1:], text, pos, end, words)
    if kind == "cmd":
        if s[1:] not in COMMAND_TOKENS:
            raise ParseError(f"unknown LaTeX command {s} at position {pos}", text, pos)
        token = COMMAND_TOKENS[s[1:]]
        return [_symbol_or_op(token, pos, end)] if token else []
    return _word_tokens(s, text, pos, end, words, letters)


def _symbol_or_op(s, pos, end):
    """The token of ``s``: a quantity (``~name`` is a name of the notation's table, translated
    after parsing), one of :data:`TOKENS`, else of kind ``s`` (- ' ᵀ ∂ ∇ ‖ ² Σ frac name …)."""
    if s.startswith("~") or s in SYMBOLS:
        return Token("sym", s, pos, end)
    return Token(*TOKENS.get(s, (s, s)), pos, end)


def _word_tokens(word, text, pos, end, words=WORD_TOKENS, letters=LETTERS):
    if word in words:
        return [_symbol_or_op(words[word], pos, end)]
    if word == "e" and text.startswith("^", end):  # e^{-z}: exp
        return [Token("sym", "exp", pos, end)]
    if word == "d":  # dJ/dΘ, \frac{dJ}{d\Theta}: the differential
        return [Token("∂", "∂", pos, end)]
    if word[0] == "d" and len(word) > 1 and (word[1:] in words or word[1:] in letters):
        rest = _word_tokens(word[1:], text, pos + 1, end, words, letters)
        return [Token("∂", "∂", pos, pos + 1), *rest]
    if word in letters or (len(word) == 1 and word.isupper()):  # B, C: a generic matrix of an
        return [Token("sym", word, pos, end)]  # identity (calculus.py)
    if len(word) > 1 and all(c in letters or c in words or c.isupper() for c in word):  # ^Tg
        return [
            t
            for i, c in enumerate(word)
            for t in _word_tokens(c, text, pos + i, pos + i + 1, words, letters)
        ]
    raise ParseError(f"unknown symbol {word!r} at position {pos}", text, pos)


# ---------------------------------------------------------------- parser

COEFFICIENT = "coefficient"  # Bin.written of a number written against a symbol: 2m
PRODUCT_OPS = {"@": "@", "·": "@", "⊙": "⊙", "*": "*", "/": "/", ":": ":"}
LOOSE_OPS = {"⊙", ":"}  # below the matrix product, as mathematicians read φ' ⊙ Θᵀ δ
CLOSING = {"(": ")", "[": "]", "{": "}"}


def _relu(span, a, b):
    """``np.maximum(0, x)`` (or ``(x, 0)``): the ReLU of x; None for another maximum."""
    zero = [isinstance(arg, Num) and arg.value == 0 for arg in (a, b)]
    return Call(span, "relu", b if zero[0] else a) if any(zero) else None


def _outer(span, u, v):
    """``np.outer(u, v)``: u vᵀ; it flattens u and v, so ``np.outer(u, v.T)`` is u vᵀ too."""
    u, v = (w.arg if isinstance(w, Transpose) else w for w in (u, v))
    return Bin(span, "@", u, Transpose(v.span, v), "np.outer")


def _masked(span, mask, x, other):
    """``np.where(mask, x, 0)``: x where the mask holds, else 0, which is ``x * mask``, and
    ``np.where(mask, 0, x)``, ``x * (1 - mask)``; None for another pair of values."""
    if isinstance(x, Num) and x.value == 0:
        return _masked(span, Bin(mask.span, "-", Num(mask.span, 1.0), mask, "-"), other, x)
    zero = isinstance(other, Num) and other.value == 0
    return Bin(span, "*", x, mask, "np.where") if zero else None


def _mask(span, x, zero):
    """``np.greater(x, 0)``: the mask (x > 0); None against another number."""
    return Call(span, "step", x) if isinstance(zero, Num) and zero.value == 0 else None


NUMPY_FUNCTIONS = {  # np.f(…): the number of arguments and the node they make (None: unread)
    "dot": (2, lambda span, a, b: Bin(span, "@", a, b, "np.dot")),
    "multiply": (2, lambda span, a, b: Bin(span, "*", a, b, "np.multiply")),  # NumPy's *
    "outer": (2, _outer),
    "power": (2, lambda span, v, k: Call(span, "pow", v, (k,)) if isinstance(k, Num) else None),
    "maximum": (2, _relu),
    "where": (3, _masked),
    "heaviside": (2, lambda span, x, _: Call(span, "step", x)),  # (x > 0), as ReLU' is read
    "square": (1, lambda span, v: Call(span, "pow", v, (Num(span, 2.0),))),
    "transpose": (1, Transpose),  # np.transpose(W) is W.T
    "divide": (2, lambda span, a, b: Bin(span, "/", a, b, "/")),
    "subtract": (2, lambda span, a, b: Bin(span, "-", a, b, "-")),
    "add": (2, lambda span, a, b: Bin(span, "+", a, b, "+")),
    "greater": (2, _mask),
}
NUMPY_UNREAD = {  # why a NumPy function's node is None
    "power": "np.power takes a number as its exponent",
    "maximum": "only np.maximum(0, x), the ReLU, is read",
    "where": "only np.where(mask, x, 0) is read, or np.where(mask, 0, x): write x * mask",
    "greater": "only np.greater(x, 0), the mask (x > 0), is read",
}
PRIMARIES = {  # the token that starts an operand → the method primary_… that reads it
    "∂": "differential",
    "∇": "nabla",
    "‖": "norm",
    "Σ": "sum",
    "sum": "axis_sum",
    "mean": "axis_sum",
} | dict.fromkeys(NUMPY_FUNCTIONS, "numpy")
PRIMARIES |= {kind: kind for kind in "num ones sym frac grad name bold h reg hat".split()}
PRIMARIES["Ω"] = "omega"
PRIMARIES["fill"] = "ones"
MAX_LENGTH = 1000  # characters of one equation
MAX_DEPTH = 100  # nesting of parentheses and chained operations


def parse(text, notation="question"):
    """Parse ``text`` into a list of sides (``a = b = c`` gives three nodes).

    Raises ParseError for text that cannot be read, and ConfigError for an equation longer
    than ``MAX_LENGTH`` characters or nested deeper than ``MAX_DEPTH``.
    """
    if len(text) > MAX_LENGTH:
        raise ConfigError(
            f"the equation is {len(text)} characters long; at most {MAX_LENGTH} are read: "
            "give one equation at a time"
        )
    return _Parser(text, notation).equation()


def layer_letters(text, notation="question"):
    """The letters ``text`` writes each layer variable with, by the variable's core letter:
    ``{"l": {"k"}}`` for ``δ^(k) = (Θ^(k))ᵀ δ^(k+1) ⊙ φ'(z^(k))``. Raises as :func:`parse`."""
    parser = _Parser(text, notation)
    parser.equation()
    return parser.letters


def _too_deep():
    return ConfigError(
        f"the equation is nested deeper than {MAX_DEPTH} levels (parentheses, transposes or "
        "chained operations); split it into smaller equations"
    )


def _check_depth(root):
    """Raise when the tree is deeper than ``MAX_DEPTH`` (measured without recursion)."""
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _too_deep()
        stack += [(child, depth + 1) for child in children(node)]


CHILD_FIELDS = ("left", "right", "arg", "num", "den")


def children(node):
    """The direct subtrees of ``node``."""
    found = [getattr(node, name, None) for name in CHILD_FIELDS]
    return [child for child in found if child is not None] + list(getattr(node, "extra", ()))


def parse_expression(text):
    """Parse one expression (no ``=``)."""
    sides = parse(text)
    if len(sides) != 1:
        raise ParseError("expected an expression without '='", text, text.index("="))
    return sides[0]


def _layerable(node):
    """Whether ``node`` is a quantity that takes a layer and has none yet (f^l, g^{[l]}: the
    activation of layer l)."""
    named = isinstance(node, Sym) and (node.name in LAYERED | PHIS or node.name[0] == "~")
    return named and node.layer is None


def _function(node):
    return isinstance(node, Sym) and node.name in FUNCTIONS


def _deriv(span, num, den):
    """∂num/∂den; ∂φ(z)/∂z (Raschka's ∂φ(z^{(h)})/∂z^{(h)} beside ⊙) is φ'(z), entry by
    entry."""
    if isinstance(num, Call) and num.func == "φ" and to_text(num.arg) == to_text(den):
        return replace(num, span=span, func="φ'")
    return Deriv(span, num, den)


class _Parser:
    def __init__(self, text, notation="question"):
        self.text, self.tokens, self.i, self.depth = text, tokenize(text, notation), 0, 0
        self.table = table_of(notation)
        self.in_norm = False  # inside ‖…‖, a ‖ closes rather than opens
        self.letters = {}  # core layer letter → the letters written for it: {"l": {"k"}}

    def equation(self):
        """The sides of ``a = b = c``, each checked for depth."""
        sides = [self.expr()]
        update = self.accept("+=") or self.accept("-=")  # dW += T is dW = dW + T
        if update:
            right = self.expr()
            span = (sides[0].span[0], right.span[1])
            sides.append(Bin(span, update.kind[0], sides[0], right, update.kind))
        while self.accept("="):
            sides.append(self.expr())
        self.expect("end", "an operator or the end of the equation")
        for side in sides:
            _check_depth(side)
        return sides

    def starts_primary(self):
        """Whether the current token starts an operand (juxtaposition is a product)."""
        return self.tok.kind in PRIMARIES or self.tok.kind in CLOSING

    @property
    def tok(self):
        return self.tokens[self.i]

    def next(self):
        self.i += 1
        return self.tokens[self.i - 1]

    def accept(self, kind):
        return self.next() if self.tok.kind == kind else None

    def skip(self, *values):
        """Whether the next tokens are ``values`` (``"(", "Θ", ")"``): then read past them."""
        if [tok.value for tok in self.tokens[self.i : self.i + len(values)]] != list(values):
            return False
        self.i += len(values)
        return True

    def skip_arguments(self):
        """Whether a list of symbols in parentheses follows (the arguments of a cost: Ng's
        J(Θ), UFLDL's J(W,b;x,y)): then read past it."""
        end = self.i + 1
        while self.tokens[end].kind == "sym" and self.tokens[end + 1].kind in (",", ";", ")"):
            if self.tokens[end + 1].kind == ")":
                self.i = end + 2
                return True
            end += 2
        return False

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
        self.enter()
        node = self.term()
        while self.tok.kind in ("+", "-"):
            op = self.next().kind
            right = self.term()
            node = Bin((node.span[0], right.span[1]), op, node, right, op)
        if self.tok.kind in (">", "<"):  # NumPy's mask (x > 0): 1 where x > 0, else 0
            func = "step" if self.next().kind == ">" else "below"
            self.accept("=")  # (x >= 0) is (x > 0) but where x = 0, a set of measure zero
            zero = self.expect("num", "0 after the comparison, as in the mask (x > 0)")
            if zero.value != 0:
                self.fail("only the masks (x > 0) and (x < 0) are read", zero)
            node = Call((node.span[0], zero.end), func, node)
        self.depth -= 1
        return node

    def enter(self):
        """One level deeper (a parenthesis, a unary sign): bounded, so no RecursionError."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _too_deep()

    # term := product (('⊙' | ':') product)*: the element-wise and Frobenius products bind
    # looser than the matrix product, so φ'(z) ⊙ Θᵀ δ is φ'(z) ⊙ (Θᵀ δ)
    def term(self):
        node = self.product()
        while PRODUCT_OPS.get(self.tok.value) in LOOSE_OPS:  # only an operator has such a value
            tok = self.next()
            node = self._product(node, PRODUCT_OPS[tok.value], self.product(), tok)
        return node

    # product := unary (('@' | '·' | '*' | '/' | juxtaposition) unary)*, left to right
    def product(self):
        node = self.unary()
        while True:
            op = PRODUCT_OPS.get(self.tok.value)
            if op is not None and op not in LOOSE_OPS:
                tok = self.next()
                right = self.unary()
            elif self.starts_primary() and not (self.tok.kind == "‖" and self.in_norm):
                tok, op = None, "@"
                right = self.postfix()
                if isinstance(right, Num) and right.value == 1 and not isinstance(node, Num):
                    right = Ones(right.span)  # "Δ^(l) 1": the ones vector
            else:
                return node
            node = self._product(node, op, right, tok)

    def _product(self, left, op, right, tok):
        span = (left.span[0], right.span[1])
        differentials = isinstance(right, Differential) and isinstance(left, Bin)
        if op == "/" and differentials and left.op != "/" and isinstance(left.right, Differential):
            deriv = self._product(left.right, op, right, tok)  # v ∂a/∂z: ∂a/∂z is one factor
            return Bin(span, left.op, left.left, deriv, left.written)
        if op == "/" and isinstance(left, Differential) and isinstance(right, Differential):
            return _deriv(span, left.arg, right.arg)
        if op == "/" and isinstance(left, Differential) and self._gradient_name(right):
            return Deriv(span, left.arg, replace(right, name=f"~{right.name[2:]}"))  # dJ/dW
        written = self.text[tok.pos : tok.end] if tok else ""
        return Bin(span, op, left, right, written)

    def _gradient_name(self, node):
        """Whether ``node`` is a table's name of a gradient, dW for the name W (read as the
        differential dW after dJ/)."""
        name = node.name if isinstance(node, Sym) else ""
        return name.startswith("~d") and name[2:] in self.table.symbols

    def unary(self):
        if self.tok.kind in ("-", "+"):
            tok = self.next()
            self.enter()
            arg = self.unary()
            self.depth -= 1
            return arg if tok.kind == "+" else Neg((tok.pos, arg.span[1]), arg)
        return self.postfix()

    def postfix(self):
        node = self.primary()
        while True:
            kind = self.tok.kind
            if kind == "^" and getattr(node, "name", "") == "exp":  # e^{-z}: exp(−z)
                self.next()
                arg = self.braced() if self.tok.kind == "{" else self.primary()
                node = Call((node.span[0], arg.span[1]), "exp", arg)
            elif kind == "^":
                node = self.superscript(node)
            elif kind == "_" and isinstance(node, Sym) and (self._entry_next() or node.layer):
                node = self.entry(node)
            elif kind == "_":
                self.next()
                node = self.with_layer(node, self.layer_index(simple=True))
            elif kind == "layer":  # delta3: the layer written against the name
                node = self.with_layer(node, LayerIndex("", self.next().value))
            elif kind in ("ᵀ", "'", "²") or (
                self.tok.value == "T" and self.tok.pos == node.span[1]
            ):
                # as in a superscript: A^T, A^{\prime}, A^2, and W^[2]T
                node = self.superscript_item(node)
            elif kind in ("row", "column"):  # v[None, :], v[:, None]: a 1-D v as a row, a column
                node = Call((node.span[0], self.next().end), kind, node)
            elif kind == "drop":
                node = DropFirst((node.span[0], self.tok.end), node, self.next().value)
            elif kind == "**":
                self.next()
                power = self.expect("num", "a number after ** or .^")
                exponent = Num((power.pos, power.end), power.value)
                node = Call((node.span[0], power.end), "pow", node, (exponent,))
            elif kind == "." and self.tokens[self.i + 1].kind in ("dot", "sum", "mean", "shape"):
                node = self.method(node)
            elif kind == "." and self.tokens[self.i + 1].kind == "grad":  # autograd's h.grad
                self.next()
                span = (node.span[0], self.next().end)
                node = Deriv(span, Sym(span, "J"), node)  # ∂J/∂h
            elif kind == "(" and getattr(node, "name", "") in ("a", "y") and self._of_sample():
                sample = self.braced("(")  # Nielsen's y(x), a^L(x); a^(L)(x^(i)): of a sample
                node = replace(node, sample=True, span=(node.span[0], sample.span[1]))
            elif kind == "(" and getattr(node, "name", "") == "J" and self.skip_arguments():
                end = self.tokens[self.i - 1].end  # Ng's J(Θ), UFLDL's J(W,b;x,y): the cost
                node = replace(node, span=(node.span[0], end))
            elif kind == "[" and isinstance(node, Sym) and self._layered(node):
                node = self.bracketed_layer(node)
            elif kind in ("[", "(") and isinstance(node, Ones):  # 𝟙[z > 0], or 1 (a − y)
                return self.indicator(node)
            elif kind in ("(", "{", "[") and _function(node):  # Prince's a[f_k]
                node = self.call(node)
            elif kind == "(" and isinstance(node, Square | Call) and _function(node.arg):
                call = self.call(node.arg)  # \tanh^2(a): (tanh(a))²
                node = replace(node, span=(node.span[0], call.span[1]), arg=call)
            else:
                return node

    def indicator(self, ones):
        """``𝟙[z > 0]``, ``\\mathbb{1}(z > 0)``: the mask (z > 0); else the ones vector."""
        start, mask = self.i, self.braced(self.tok.kind)
        if isinstance(mask, Call) and mask.func in ("step", "below"):
            return replace(mask, span=(ones.span[0], mask.span[1]))
        self.i = start
        return ones

    def _of_sample(self):
        """Whether ``(x)`` or ``(x^{(i)})`` follows: the sample a function of it is of."""
        after = self.tokens[self.i + 1 : self.i + 3]
        return after[0].value == "x" and after[1].kind in (")", "^")

    def _layered(self, node):
        """Whether ``[`` after ``node`` opens its layer: ``delta[l+1]``, or a name of the
        notation's with a layer (``W[l]``, ``W[2]``) rather than a mask (``dx[x <= 0]``)."""
        after = self.tokens[self.i + 1 + (self.tokens[self.i + 1].kind == "-")]  # [-l+1]
        layer = after.kind == "num" or (after.kind == "sym" and after.value in "lLk")
        return node.name in LAYERED or (node.name.startswith("~") and layer)

    def _entry_next(self):
        """Whether ``_`` starts entry indices written before the layer, as Ng writes
        ``\\Theta_{ij}^{(l)}`` and ``a_j^{(l)}`` (a lone ``_k`` is the answers' layer k)."""
        after = self.tokens[self.i + 1 : self.i + 5]
        if self.table.units:  # Bishop's component form: every subscript is a unit
            return True
        if after and after[0].kind == "sym":
            return after[0].value in ("i", "j")
        if after and after[0].kind == "num":  # a_0^{(2)}: Ng's bias unit
            return after[0].value == 0 and len(after) > 1 and after[1].kind == "^"
        letters = []
        for tok in after[1:] if after and after[0].kind == "{" else []:
            if tok.kind == "}":
                return bool(letters) and letters != ["k"]
            if tok.kind != "sym" or tok.value not in ENTRY:
                return False
            letters.append(tok.value)
        return False

    def entry(self, node):
        """``δ^l_j``, ``w^l_{jk}``, ``a_j^{(l)}``: the entry indices of a quantity."""
        self.next()  # _
        braced, letters = self.accept("{"), ""
        if self.tok.kind == "num" and self.tok.value == 0 and not self.table.units:  # a_0: bias
            letters = self.text[self.next().pos]
        while self.tok.kind == "sym" and self.tok.value in ENTRY and (braced or not letters):
            letters += self.next().value
            self.accept(",") if braced else None  # Russell and Norvig's w_{j,k}
        if braced and letters and self.tok.kind == "num" and self.tok.value == 0:  # w_{k0}
            letters += self.text[self.next().pos]
        if braced:
            self.expect("}", "'}' after the entry indices")
        if not letters:
            self.fail("expected entry indices such as _j or _{jk}")
        return replace(node, entry=letters, span=(node.span[0], self.tokens[self.i - 1].end))

    def prime(self, node):
        tok = self.next()
        if isinstance(node, Sym) and node.name in ("φ", "tanh"):  # (f^l)': the layer stays
            return replace(node, span=(node.span[0], tok.end), name=f"{node.name}'")
        return Transpose((node.span[0], tok.end), node)

    def call(self, func):
        open_ = self.next()
        if open_.kind not in CLOSING:  # Σ' * δ
            self.fail("expected '(' and the argument of the function", open_)
        arg, extra = self.expr(), []
        while func.name in ("clip", "ℓ", "ℓ'", "prod") and self.accept(","):  # ℓ(a, y)
            extra.append(self.expr())
        close = self.expect(CLOSING[open_.kind], f"{CLOSING[open_.kind]!r}")
        if func.name == "prod" and len(extra) == 1:  # d2l's prod(v, ∂o/∂X): the chain rule
            return self.chain_rule((func.span[0], close.end), arg, extra[0])
        if func.name == "tanh'":  # tanh'(z) = 1 − tanh²(z)
            span = (func.span[0], close.end)
            square = Call(span, "pow", Call(span, "tanh", arg), (Num(span, 2.0),))
            return Bin(span, "-", Num(span, 1.0), square, "-")
        return Call((func.span[0], close.end), func.name, arg, tuple(extra), func.layer)

    def chain_rule(self, span, v, jac):
        """d2l's prod(v, ∂o/∂X): vᵀ J by a weight matrix X (J with three indices), else Jᵀ v,
        a column as v is."""
        if isinstance(jac, Deriv) and self.weights(jac.den):
            return Bin(span, "@", Transpose(v.span, v), jac, "prod")
        return Bin(span, "@", Transpose(jac.span, jac), v, "prod")

    def weights(self, node):
        """Whether ``node`` is a weight matrix: Θ, or the notation's name of it (W^{(k)})."""
        name = node.name if isinstance(node, Sym) else ""
        return name == "Θ" or getattr(self.table.symbols.get(name[1:]), "core", "") == "Θ"

    def superscript(self, node):
        self.next()  # ^
        if not self.accept("{"):
            return self.superscript_item(node, braced=False)
        node = self.superscript_item(node)
        while self.tok.kind != "}":  # ^{(l)T}, ^{[l]^T}, ^{[l]^{T}}: a layer and a transpose
            node = self.superscript(node) if self.tok.kind == "^" else self.superscript_item(node)
        return replace(node, span=(node.span[0], self.next().end))

    def superscript_item(self, node, braced=True):
        if self.letter(self.tok):  # Nielsen's δ^l
            return self.with_layer(node, self.layer_index(simple=not braced))
        if self.tok.kind == "ᵀ" or (self.tok.kind == "sym" and self.tok.value == "T"):
            return Transpose((node.span[0], self.next().end), _ones(node))
        if self.tok.kind == "'":  # g^{[l]\prime}
            return self.prime(node)
        if self.tok.kind == "num" and self.table.style == "^" and _layerable(node):  # δ^3
            return self.with_layer(node, self.layer_index(simple=True))
        if (self.tok.kind, self.tok.value) in (("num", 2), ("²", "²")):
            end = self.next().end
            if self.table.square == "power":  # (A^{[1]})^2: entry by entry
                return Call((node.span[0], end), "pow", node, (Num((end - 1, end), 2.0),))
            return Square((node.span[0], end), node)
        if self.skip("-", 1.0):  # m^{-1}: 1/m
            span = (node.span[0], self.tokens[self.i - 1].end)
            return Bin(span, "/", Num(node.span, 1.0), node, "/")
        if self.skip("(", "i", ")"):  # x^(i), y^(i): of the sample i
            node = replace(node, sample=True) if isinstance(node, Sym) else node
            return replace(node, span=(node.span[0], self.tokens[self.i - 1].end))
        if self.tok.kind not in ("(", "["):  # ^{(l)}, and deeplearning.ai's ^{[l]}
            self.fail("expected a layer index such as ^{(l)}, a transpose ^T or a square ^2")
        return self.bracketed_layer(node)

    def bracketed_layer(self, node):
        """``node`` with the layer in the brackets that follow: ``delta[l+1]``, ``^{(l)}``; a
        list indexed from its end (network.py's ``zs[-1]``, ``weights[-l+1]``) ends at layer L
        (the weights Θ at L−1): ``[-1]`` is L, and ``[-l+1]``, whose l counts from the end,
        is read as l+1 of the layer l' = L+1−l."""
        close = CLOSING[self.next().kind]
        from_end = close == "]" and self.accept("-")
        layer = self.layer_index()
        if from_end:  # [-1]: L; [-l+1]: l+1, of the l counted from the end
            offset = layer.offset if layer.base else 1 - layer.offset
            last = -int(isinstance(node, Sym) and node.name in ("Θ", "G"))  # last weights: Θ^(L−1)
            layer = LayerIndex(layer.base or "L", offset + last)
        self.expect(close, f"{close!r} after the layer index")
        return self.with_layer(node, layer)

    def layer_index(self, simple=False):
        """A number, or a letter with an offset unless ``simple`` (Nielsen's δ^l+1 is δ^l + 1),
        maybe in braces: ``_{k-1}``, ``_k``, or ``({l+1})`` in a template."""
        if self.accept("{"):
            layer = self.layer_index()
            self.expect("}", "'}' after the layer index")
            return layer
        tok = self.next()
        if tok.kind == "num":
            return LayerIndex("", int(tok.value))
        letter = self.letter(tok)
        if letter is None:
            self.fail("expected a layer index (a number, L, l or k, e.g. l+1)", tok)
        base, offset = self.table.letters[letter], 0
        self.letters.setdefault(base, set()).add(letter)
        if not simple and self.tok.kind in ("+", "-"):
            sign = 1 if self.next().kind == "+" else -1
            offset = sign * int(self.expect("num", "a number in the layer index").value)
        return LayerIndex(base, offset)

    def letter(self, tok):
        """The layer letter ``tok`` is (``\\ell`` and ℓ: l), or None."""
        letter = {"ℓ": "l"}.get(tok.value, tok.value) if tok.kind == "sym" else None
        return letter if letter in self.table.letters else None

    def with_layer(self, node, layer):
        """``node`` with ``layer``, spanning up to the last token read."""
        if isinstance(node, Sym) and node.name == "J":
            return node  # J_k, with the layer as a subscript: the cost
        if not _layerable(node):
            at = node.span[0]
            raise ParseError(f"a layer index does not belong here (position {at})", self.text, at)
        return replace(node, span=(node.span[0], self.tokens[self.i - 1].end), layer=layer)

    def primary(self):
        tok = self.tok
        if tok.kind == "[" and self._bias_unit_next():
            return self.bias_unit()
        if tok.kind in CLOSING:
            return self.braced(tok.kind)
        if tok.kind not in PRIMARIES:
            self.fail("expected a symbol, a number or '('")
        return getattr(self, f"primary_{PRIMARIES[tok.kind]}")()

    def _bias_unit_next(self):
        after = self.tokens[self.i + 1 : self.i + 3]  # the "end" token is last: one at least
        return after[0].kind == "fill" or [tok.value for tok in after] == [1, ";"]

    def bias_unit(self):
        """``[1; v]``, ``[ones(1,m); A]``, ``[ones(m,1) A]`` or ``[zeros(n,1) Θ(:,2:end)]``."""
        start = self.next().pos
        fill = self.next()
        value = 1.0 if fill.kind == "num" else fill.value
        axis = 0 if self.accept(";") else 1
        if axis == 1:
            self.accept(",")
        arg = self.expr()
        close = self.expect("]", "']' to close the bias unit's [1; …]")
        return BiasUnit((start, close.end), arg, axis, value)

    def primary_ones(self):  # the ones vector: 1, also ones(m,1) outside [ … ]
        tok = self.next()
        if tok.value == 0.0:
            self.fail("zeros(…) is read only as the bias column in [zeros(n,1) Θ(:,2:end)]", tok)
        return Ones((tok.pos, tok.end))

    def primary_h(self):
        """Ng's hypothesis ``h_\\Theta(x)``: the network's output a^(L) for the input x."""
        start = self.next().pos
        self.expect("_", "'_' after h, as in h_\\Theta(x)")
        theta = self.primary()
        if not (isinstance(theta, Sym) and theta.name == "Θ" and theta.layer is None):
            self.fail("expected h_\\Theta(x), the output of the network")
        self.expect("(", "'(' and the input x of h_Θ(x)")
        x = self.expr()
        close = self.expect(")", "')'")
        if not (isinstance(x, Sym) and x.name == "x"):
            self.fail("h_Θ takes the input x: h_Θ(x) or h_Θ(x^{(i)})")
        return Sym((start, close.end), "a", LayerIndex("L", 0), sample=x.sample)

    def numpy_arguments(self, count):
        """``(a, b, …)``: ``count`` expressions in parentheses, and the closing position."""
        self.expect("(", "'(' and the arguments")
        args = [self.expr()]
        while len(args) < count:
            self.expect(",", "',' and the next argument")
            args.append(self.expr())
        return args, self.expect(")", "')'").end

    def primary_numpy(self):  # np.dot(a, b), np.outer(u, v), np.maximum(0, x), np.power(v, 2) …
        tok = self.next()
        count, build = NUMPY_FUNCTIONS[tok.kind]
        args, end = self.numpy_arguments(count)
        node = build((tok.pos, end), *args)
        if node is None:
            self.fail(NUMPY_UNREAD[tok.kind], tok)
        return node

    def axis(self):
        """``axis=0`` or ``axis=1`` (also the number alone, ``np.sum(v, 0)``), NumPy's sum's."""
        if self.tok.kind != "num":
            self.expect("axis", "axis=0 or axis=1 (a sum without axis adds every entry)")
            self.expect("=", "'=' after axis")
        number = self.expect("num", "0 or 1")
        if number.value not in (0, 1):
            self.fail("a matrix has axis 0 (its rows) and 1 (its columns)", number)
        return int(number.value)

    def primary_axis_sum(self):  # np.sum(v, axis=0, keepdims=True), or Octave's sum(v)
        tok = self.next()
        self.expect("(", "'(' and the arguments of sum")
        return self.axis_sum(tok.pos, self.expr(), tok.kind == "mean")

    def axis_sum(self, start, arg, mean=False, method=False):
        """The arguments after the array: ``, axis=0``, ``, keepdims=True``, and ``)``."""
        axis, keepdims = ("all" if self.table.numpy else None), not self.table.one_d
        while self.accept(",") or self.tok.kind in ("axis", "keepdims", "num"):
            if self.tok.kind != "keepdims":
                axis = self.axis()
            elif self.skip("keepdims", "=", "True") or self.skip("keepdims", "=", "False"):
                keepdims = self.tokens[self.i - 1].kind == "True"
            else:
                self.fail("expected keepdims=True or keepdims=False")
        if self.table.local and getattr(arg, "name", "") in ("~b", "~db"):
            axis = "all"  # cs231n's b and db are 1-D, (M,): a sum over their one axis
        end = self.expect(")", "')'").end
        return AxisSum((start, end), arg, axis, keepdims or axis == 0, mean, method)

    def method(self, node):
        """``v.dot(w)`` (the matrix product), ``v.sum(axis=0)`` or ``v.mean(axis=1)``."""
        self.next()  # .
        tok = self.next()
        if tok.kind == "dot":
            (other,), end = self.numpy_arguments(1)
            return Bin((node.span[0], end), "@", node, other, ".dot")
        if tok.kind == "shape":  # X.shape[1]: the number of samples m (X.shape[0] in rows)
            self.expect("[", "'[' and the axis of the samples")
            axis = self.expect("num", "the axis of the samples")
            if axis.value != (0 if self.table.rows else 1):
                self.fail("only the number of samples m is read of a shape", axis)
            return Sym((node.span[0], self.expect("]", "']'").end), "m")
        self.expect("(", "'(' and axis=0 or axis=1")
        return self.axis_sum(node.span[0], node, tok.kind == "mean", method=True)

    def primary_hat(self):  # \hat{y}: the output (Goodfellow's ŷ, else a^(L) where it is a column)
        tok = self.next()
        inner, named = self.primary(), "ŷ" in self.table.symbols
        if not (isinstance(inner, Sym) and inner.name == "y" and (named or not self.table.rows)):
            self.fail("only \\hat{y}, the output of the network, is read (Goodfellow's ŷ)", tok)
        span = (tok.pos, inner.span[1])
        return Sym(span, "~ŷ") if named else Sym(span, "a", LayerIndex("L"))

    def primary_reg(self):  # cs231n's reg: its L2 term is ½ reg ‖W‖², so reg is α/m here
        tok = self.next()
        span = (tok.pos, tok.end)
        return Bin(span, "/", Sym(span, "α"), Sym(span, "m"), "reg")

    def primary_num(self):
        """A number; written right against a symbol or a norm (``2m``, ``½‖v‖²``) it is a
        coefficient that binds tighter than ``/``: ``α/2m`` is α/(2m)."""
        tok = self.next()
        number = Num((tok.pos, tok.end), tok.value)
        against = self.tok.pos == tok.end and self.tok.kind in ("sym", "‖")
        if not against or self.tok.value in INDICES | FUNCTIONS:
            return number
        right = self.postfix()
        return Bin((tok.pos, right.span[1]), "@", number, right, COEFFICIENT)

    def primary_norm(self):
        """``‖v‖``, ``‖v‖²``, ``‖v‖_2^2``, ``‖Θ‖²_F`` or ``‖Θ‖_F^2``."""
        start = self.next().pos
        self.in_norm, outer = True, self.in_norm
        arg = self.expr()
        self.in_norm = outer
        self.expect("‖", "'‖' to close the norm")
        squared = frobenius = False
        while True:
            if self.accept("²") or self.skip("^", 2):
                squared = True
            elif self.skip("_", "F"):
                frobenius = True
            elif not self.skip("_", 2):  # ‖v‖_2: the Euclidean norm, as ‖v‖
                return Norm((start, self.tokens[self.i - 1].end), arg, squared, frobenius)

    def primary_sum(self):
        """``Σ_i body`` or ``Σ_l body``: the body is the product that follows; Nielsen's
        ``Σ'(z)`` is Diag(σ'(z))."""
        start = self.next().pos
        if self.tok.kind == "'":
            prime = self.next()
            call = self.call(Sym((start, prime.end), "φ'"))
            return Call(call.span, "Diag", call)
        self.expect("_", "'_' and the index summed over (Σ_i or Σ_l)")
        braced = self.accept("{")
        index = self.expect("sym", "the index summed over, i or l")
        if index.value not in ("i", "l", "j", "k", "x"):  # Nielsen's Σ_x: over the samples x
            self.fail("Σ sums over the samples (Σ_i), the layers (Σ_l) or units (Σ_k)", index)
        first = 1.0
        if braced:  # \sum_{i=1}^{m}: the bounds are those of the index
            if self.accept("="):
                first = self.expect("num", "the first value of the index").value
            self.expect("}", "'}'")
            if self.accept("^"):  # the last value: m (Σ_i), or a layer such as L-1 (Σ_l)
                (self.layer_index if index.value == "l" else self.primary)()
        self.enter()
        body = self.term()
        self.depth -= 1
        return SumOver((start, body.span[1]), self.summed(index.value, body), body, first)

    def summed(self, index, body):
        """What Σ_index sums over: the samples (Nielsen's x is i), the units of an entry
        (Bishop's Σ_k w_{kj} δ_k), else the layers where ``index`` is a layer letter of the
        notation (Goodfellow's Σ_k ‖W^(k)‖²_F)."""
        stack, entries = [body], ""
        while stack:
            node = stack.pop()
            entries += getattr(node, "entry", "")
            stack += children(node)
        layers = self.table.letters.get(index) == "l" and index not in entries
        return "l" if layers else index.replace("x", "i")

    def primary_sym(self):
        tok = self.next()
        if tok.value == "L" and self.tok.kind == "(":  # Goodfellow's loss L(ŷ, y)
            return Sym((tok.pos, tok.end), "ℓ")
        if tok.value in INDICES:
            self.fail(f"{tok.value!r} is an index, not a quantity", tok)
        return Sym((tok.pos, tok.end), tok.value)

    def primary_frac(self):
        start = self.next().pos
        if self.tok.kind == "num":  # \frac12 or \frac 12: two single-digit arguments
            return self.digit_fraction(start)
        if self.skip("{", "∂", "}"):  # \frac{\partial}{\partial …}
            return self.operator_derivative(start)
        num, den = self.braced(), self.braced()
        span = (start, self.tokens[self.i - 1].end)
        if isinstance(num, Differential) and isinstance(den, Differential):
            return _deriv(span, num.arg, den.arg)
        return Bin(span, "/", num, den, "\\frac")

    def operator_derivative(self, start):
        """Ng's ``\\frac{\\partial}{\\partial \\Theta_{ij}^{(l)}} J(\\Theta)``: ∂J/∂Θ."""
        den = self.braced()
        if not isinstance(den, Differential):
            self.fail("expected \\frac{\\partial}{\\partial …} and then the function")
        num = self.product()  # ∂/∂X ½ ‖v‖²: the operator takes the product after it
        return Deriv((start, num.span[1]), num, den.arg)

    def digit_fraction(self, start):
        """TeX's \\frac of two characters: ``\\frac12``, ``\\frac1m``."""
        tok = self.next()
        digits = self.text[tok.pos : tok.end]
        num = Num((tok.pos, tok.pos + 1), float(digits[0]))
        if len(digits) == 1 and self.tok.kind == "sym":  # \frac1m
            den = self.primary_sym()
        elif len(digits) == 2 and digits.isdigit():  # \frac3. is not ³⁄.
            den = Num((tok.pos + 1, tok.end), float(digits[1]))
        else:
            self.fail("expected \\frac{…}{…} or \\frac12", tok)
        return Bin((start, den.span[1]), "/", num, den, "\\frac")

    def primary_grad(self):  # the Diag(φ') answer's macro \grad{J}{\W_k}
        start = self.next().pos
        num, den = self.braced(), self.braced()
        return Deriv((start, self.tokens[self.i - 1].end), num, den)

    def primary_differential(self):
        tok = self.next()
        arg = self.postfix()
        return Differential((tok.pos, arg.span[1]), arg)

    def primary_nabla(self):  # \nabla_{\Theta^{(l)}} J
        tok = self.next()
        self.expect("_", "'_' after ∇")
        den = self.braced() if self.tok.kind == "{" else self.postfix()
        if self.accept("Ω"):  # Goodfellow's Ω(θ) (primary_omega): ∇_W Ω(θ) = W, ∇_b Ω(θ) = 0
            span = (tok.pos, self.braced("(").span[1])
            zero = Bin(span, "*", Num(span, 0.0), den, "")
            return replace(den, span=span) if self.weights(den) else zero
        num = self.postfix()
        return Deriv((tok.pos, num.span[1]), num, den)

    def primary_omega(self):
        """Goodfellow's regularizer Ω(θ), the weight decay ½ Σ_l ‖Θ^(l)‖²_F of the weights (the
        biases left alone, as the question's L2 term): λ Ω(θ) is that term of one sample."""
        tok = self.next()
        span = (tok.pos, self.braced("(").span[1])
        norm = Norm(span, Sym(span, "Θ", LayerIndex("l", 0)), squared=True, frobenius=True)
        return SumOver(span, "l", Bin(span, "*", Num(span, 0.5), norm, ""))

    def primary_name(self):  # \operatorname{Diag}
        tok = self.next()
        name = self.braced()
        if not (isinstance(name, Sym) and name.name in FUNCTIONS):
            self.fail("expected a function name such as Diag", tok)
        return replace(name, span=(tok.pos, name.span[1]))

    def primary_bold(self):  # \mathbf{1} is the ones vector (\mathbf{1}_m: of m); \mathbf{a} is a
        self.next()
        node = _ones(self.braced())
        if isinstance(node, Ones) and self.accept("_"):
            self.next()
        return node

    def braced(self, kind="{"):
        """The expression in ``{…}`` (or ``(…)``, ``[…]`` as ``kind`` opens), spanning them."""
        open_ = self.expect(kind, repr(kind))
        node = self.expr()
        close = self.expect(CLOSING[kind], repr(CLOSING[kind]))
        return replace(node, span=(open_.pos, close.end))


BATCH_NAMES = {"δ": "Δ", "a": "A", "z": "Z", "x": "X", "y": "Y"}


def as_batch(node):
    """The batched form of a per-sample expression: δ, a, z, x, y → Δ, A, Z, X, Y."""

    def capital(n):
        if isinstance(n, Sym) and n.name in BATCH_NAMES:
            return replace(n, name=BATCH_NAMES[n.name], sample=False)
        return None

    return transform(node, capital)


def bind_layers(node, indices):
    """``node`` with the layer variables replaced: ``{"l": LayerIndex("", 3), "L": …}``."""

    def bound(n):
        if isinstance(n, Sym) and n.layer is not None:
            return replace(n, layer=n.layer.substitute(indices))
        return None

    return transform(node, bound)


def transform(node, change):
    """A copy of the tree ``node`` in which every subtree ``t`` with ``change(t)`` not None is
    replaced by ``change(t)``."""
    new = change(node)
    if new is not None:
        return new
    fields = {
        name: transform(getattr(node, name), change)
        for name in CHILD_FIELDS
        if getattr(node, name, None) is not None
    }
    if isinstance(node, Call) and node.extra:
        fields["extra"] = tuple(transform(child, change) for child in node.extra)
    return replace(node, **fields) if fields else node


def substitute(node, old, new):
    """A copy of the tree ``node`` with the subtree ``old`` (by identity) replaced."""
    return transform(node, lambda t: new if t is old else None)


def _ones(node):
    """``1ᵀ``, ``\\mathbf{1}``: a literal 1 under a transpose or in bold is the ones vector."""
    return Ones(node.span) if isinstance(node, Num) and node.value == 1 else node


# ---------------------------------------------------------------- rendering

SUBSCRIPTED = {"P", "G"}  # the answers' P_l and G_l carry the layer as a subscript
PRECEDENCE = {"+": 1, "-": 1, "⊙": 2, ":": 2, "@": 3, "*": 3, "/": 3}


def needs_parens(child, parent, right):
    """Whether ``child`` needs parentheses as the left or right operand of ``parent``."""
    if _is_coefficient(child) or getattr(child, "written", "") == "reg":  # 2m, cs231n's reg
        return False
    if not isinstance(child, Bin):
        return isinstance(child, Neg) and right
    if parent.op == "/" or child.op == "/":
        return parent.op != "/" or right or child.op != "/"
    high = PRECEDENCE[child.op] < PRECEDENCE[parent.op]
    return high or (right and PRECEDENCE[child.op] == PRECEDENCE[parent.op])


NUMPY_CALLS = {
    "relu": "np.maximum(0, {})",
    "tanh": "np.tanh({})",
    "step": "({} > 0)",
    "below": "({} < 0)",
    "row": "{}[None, :]",
    "column": "{}[:, None]",
}


def is_numpy(node):
    """Whether ``node`` is written as NumPy: it holds a NumPy name such as dZ1 or dout."""
    return isinstance(node, Local) or any(is_numpy(child) for child in children(node))


def _is_coefficient(node):
    return isinstance(node, Bin) and node.written == COEFFICIENT


class TextRenderer:
    """A tree in the notation in Unicode, as ``explain`` prints it: ``(Θ^(l))ᵀ δ^(l+1) ⊙
    φ'(z^(l))``. The structure (which operand needs parentheses, when a transpose needs them)
    is decided here once; a subclass spells another format with the class attributes below
    (``{}`` marks where the operands go)."""

    COMMA = ", "  # between the arguments of clip(r, lo, hi) and ℓ(a, y)
    ops = {"@": " ", "⊙": " ⊙ ", "*": " * ", "/": "/", ":": " : ", "+": " + ", "-": " − "}
    names = {}  # canonical symbol → its spelling, where it differs
    minus, half = "−", "½"  # the minus sign of layer indices (L−1)
    PARENS, TRANSPOSED, DIFFERENTIAL, DERIV = "({})", "{}ᵀ", "∂{}", "∂{}/∂{}"
    SQUARED, SUM = "{}²", "Σ_{} {}"  # the square; Σ_i and its argument
    NORM = "‖{}‖{squared}{frobenius}"  # with the marks of ‖v‖² and ‖Θ‖_F (the "" when not)
    SQUARED_MARK, FROBENIUS_MARK = ("", "²"), ("", "_F")
    ONES, LAYER = "1", "{}^({})"  # a symbol and its layer
    FUNCTION = "{}"  # a function without a spelling of its own
    NUMBER, IDENTIFIER = "{}", "{}"  # a number; a NumPy name such as dZ1
    FRACTION = ""  # a / b as a built-up fraction ("\\frac{{{}}}{{{}}}"), or inline
    GROUP = "{}"  # a binary operation as one group
    SUBSCRIPT = ("{}_{}", "{}_{{{}}}")  # entry indices after a symbol: one letter, several
    TEXT = "{}"  # Octave's indexing and brackets, as written

    def __call__(self, node):
        """``node`` as text: by the method named as its class (``SumOver``: ``sum_over``)."""
        return getattr(self, re.sub(r"(?<!^)(?=[A-Z])", "_", type(node).__name__).lower())(node)

    def operand(self, child, parent, right):
        """``child`` as it reads inside ``parent``, in parentheses where needed."""
        text = self(child)
        return self.parens(text) if self.wrap(child, parent, right) else text

    def wrap(self, child, parent, right):
        if not self.FRACTION:  # an inline derivative inside a product: (∂z/∂z)
            return isinstance(child, Deriv) or needs_parens(child, parent, right)
        division = isinstance(child, Bin) and child.op == "/"  # a built-up fraction: no parentheses
        return not division and needs_parens(child, parent, right)

    def parens(self, text):
        return self.PARENS.format(text)

    def postfixed(self, node, written):
        """``node`` and an operator written after it (NumPy's ``.T``, ``**2``, ``.sum()``;
        Octave's ``(2:end)``), ``node`` in parentheses unless a symbol."""
        arg = self(node)
        return (arg if isinstance(node, Sym) else self.parens(arg)) + self.text(written)

    def bin(self, node):
        if node.written == "reg":  # cs231n's reg, which is α/m
            return self.text("reg")
        if node.op == "/" and self.FRACTION:
            return self.FRACTION.format(self(node.left), self(node.right))
        left, right = self.operand(node.left, node, False), self.operand(node.right, node, True)
        if _is_coefficient(node):
            return self.GROUP.format(f"{left}{right}")
        if node.written == "outer" and isinstance(node.right, Transpose):  # u vᵀ, u v 1-D
            vectors = self(node.left) + self.COMMA + self(node.right.arg)
            return self.text("np.outer") + self.parens(vectors)
        op = self.text(" @ ") if node.op == "@" and is_numpy(node) else self.ops[node.op]
        return self.GROUP.format(f"{left}{op}{right}")

    def transpose(self, node):
        if is_numpy(node.arg):  # NumPy's X.T
            return self.postfixed(node.arg, ".T")
        return self.TRANSPOSED.format(self.raised(node.arg))

    def raised(self, node):
        """``node`` under a superscript: in parentheses unless 1 or a symbol without one."""
        bare = isinstance(node, Sym) and node.layer is None and not node.sample
        simple = isinstance(node, Ones) or bare
        return self(node) if simple else self.parens(self(node))

    def neg(self, node):
        arg = self(node.arg)
        return self.ops["-"].strip() + (self.parens(arg) if isinstance(node.arg, Bin) else arg)

    def call(self, node):
        if node.func == "pow":  # NumPy's out**2
            return self.postfixed(node.arg, "**") + self(node.extra[0])
        if node.func in NUMPY_CALLS:
            return NUMPY_CALLS[node.func].format(self(node.arg))
        args = self.COMMA.join(self(child) for child in (node.arg, *node.extra))
        return self.names.get(node.func, self.FUNCTION.format(node.func)) + self.parens(args)

    def differential(self, node):
        return self.DIFFERENTIAL.format(self(node.arg))

    def axis_sum(self, node):
        arg = self(node.arg)
        if node.axis is None:  # Octave's sum(v)
            return self.text("sum") + self.parens(arg)
        name = "mean" if node.mean else "sum"
        options = "" if node.axis == "all" else f"axis={node.axis}"
        options += ", keepdims=True" if node.keepdims and node.axis == 1 else ""
        if node.method:
            return self.postfixed(node.arg, f".{name}({options})")
        return self.text(f"np.{name}(") + arg + self.text(f"{', ' if options else ''}{options})")

    def drop_first(self, node):
        return self.postfixed(node.arg, ("(2:end)", "(:,2:end)")[node.axis])

    def bias_unit(self, node):
        column = "ones(m,1) " if node.fill else "zeros(n,1) "
        first = (f"{node.fill:g}; ", column)[node.axis]
        return self.text("[") + self.text(first) + self(node.arg) + self.text("]")

    def text(self, written):
        """Octave's indexing and brackets, as written: the same in every format but MathML."""
        return self.TEXT.format(written)

    def deriv(self, node):
        """∂a^(L)/∂Θ^(L−1); a numerator that is not a symbol grouped: ∂(Θ a + b)/∂Θ."""
        num = self(node.num)
        return self.DERIV.format(
            num if isinstance(node.num, Sym) else self.parens(num), self(node.den)
        )

    def sum_over(self, node):
        return self.SUM.format(node.index, self(node.arg))

    def local(self, node):
        return self.IDENTIFIER.format(node.written)

    def ones(self, node):
        return self.ONES

    def sym(self, node):
        base = node.name.removesuffix("+").removeprefix("~")  # Ng's folded Θ+ is written Θ
        text = self.names.get(base, self.IDENTIFIER.format(base))
        if base in SUBSCRIPTED and node.layer is not None:
            return self.subscript(text, node.layer.text(self.minus))
        if node.layer is not None:
            text = self.LAYER.format(text, node.layer.text(self.minus))
        if node.sample and node.name in ("x", "y", "J"):
            text = self.LAYER.format(text, "i")
        return self.subscript(text, node.entry) if node.entry else text

    def num(self, node):
        return self.half if node.value == 0.5 else self.NUMBER.format(f"{node.value:g}")

    def square(self, node):
        return self.SQUARED.format(self.raised(node.arg))

    def norm(self, node):
        squared, frobenius = self.SQUARED_MARK[node.squared], self.FROBENIUS_MARK[node.frobenius]
        return self.NORM.format(self(node.arg), squared=squared, frobenius=frobenius)

    def subscript(self, base, text):
        return self.SUBSCRIPT[len(text) > 1].format(base, text)


class LatexRenderer(TextRenderer):
    """The notation in LaTeX: ``\\left(\\Theta^{(l)}\\right)^\\top \\delta^{(l+1)} …``."""

    ops = {"@": " ", "⊙": " \\odot ", "*": " * ", ":": " : ", "+": " + ", "-": " - "}
    names = {token: f"\\{names.split()[0]}" for token, names in NAMES.items()}  # \Theta, as read
    names |= {"φ'": "\\varphi'", "Diag": "\\operatorname{Diag}", "ℓ": "\\ell"}
    minus, half, SUM = "-", "\\tfrac12", "\\sum_{} {}"
    SQUARED, SQUARED_MARK = "{}^2", ("", "^2")
    NORM = "\\left\\| {} \\right\\|{frobenius}{squared}"
    PARENS, TRANSPOSED, DIFFERENTIAL = "\\left({}\\right)", "{}^\\top", "\\partial {}"
    DERIV = "\\frac{{\\partial {}}}{{\\partial {}}}"
    ONES, LAYER, FUNCTION = "\\mathbf{1}", "{}^{{({})}}", "\\operatorname{{{}}}"
    FRACTION, SUBSCRIPT = "\\frac{{{}}}{{{}}}", ("{}_{{{}}}",) * 2


class MathMLRenderer(TextRenderer):
    """The notation as presentation MathML, the content of a ``<math>`` element, for the HTML
    page (no script, no network)."""

    ops = {op: f"<mo>{mark.strip()}</mo>" for op, mark in TextRenderer.ops.items()}  # ⊙, −, …
    ops["@"] = "<mo>&#x2062;</mo>"  # juxtaposition: the invisible times
    names = {"φ'": "<mi>φ</mi><mo>′</mo>", "Diag": "<mi>Diag</mi>"}
    COMMA = "<mo>,</mo>"
    half, SQUARED = "<mfrac><mn>1</mn><mn>2</mn></mfrac>", "<msup>{}<mn>2</mn></msup>"
    SUM = "<mrow><munder><mo>∑</mo><mi>{}</mi></munder>{}</mrow>"
    NORM = "<msubsup><mrow><mo>‖</mo>{}<mo>‖</mo></mrow>{frobenius}{squared}</msubsup>"
    SQUARED_MARK, FROBENIUS_MARK = ("<mrow></mrow>", "<mn>2</mn>"), ("<mrow></mrow>", "<mi>F</mi>")
    PARENS = "<mrow><mo>(</mo>{}<mo>)</mo></mrow>"
    TRANSPOSED = "<msup><mrow>{}</mrow><mi>T</mi></msup>"
    DIFFERENTIAL = "<mrow><mo>∂</mo>{}</mrow>"
    DERIV = "<mfrac><mrow><mo>∂</mo>{}</mrow><mrow><mo>∂</mo>{}</mrow></mfrac>"
    ONES, FUNCTION = '<mn mathvariant="bold">1</mn>', "<mi>{}</mi>"
    LAYER = "<msup>{}<mrow><mo>(</mo><mi>{}</mi><mo>)</mo></mrow></msup>"
    FRACTION, GROUP = "<mfrac><mrow>{}</mrow><mrow>{}</mrow></mfrac>", "<mrow>{}</mrow>"
    NUMBER, IDENTIFIER = "<mn>{}</mn>", "<mi>{}</mi>"
    SUBSCRIPT, TEXT = ("<msub>{}<mi>{}</mi></msub>",) * 2, "<mtext>{}</mtext>"


to_text, to_latex, to_mathml = TextRenderer(), LatexRenderer(), MathMLRenderer()


def operand_text(node, text=to_text):
    """``node`` as it reads as an operand of a product, written by ``text`` (a notation's
    names): ``(∂z^(4)/∂z^(3))``, ``δ^(4)``."""
    written = text(node)
    return f"({written})" if isinstance(node, Deriv | Bin) else written
