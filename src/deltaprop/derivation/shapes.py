"""Shapes and values of the symbols of Ng's notation, and the evaluation of a parsed expression.

One evaluator serves both questions. In a :class:`SymbolicDomain` every width is a symbol
(n_l, n_{L−1}, m) and only shapes are computed; in a :class:`ConcreteDomain` the widths are the
numbers of ``sizes``, a layer variable is bound (``l = 3``) and, when the domain holds arrays,
every subterm's value is computed too. The first undefined operation raises
:class:`ShapeError` with both operand shapes.
"""

from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np

from deltaprop.derivation.notation import (
    ELEMENTWISE,
    AxisSum,
    BiasUnit,
    Bin,
    Call,
    Deriv,
    Differential,
    DropFirst,
    LayerIndex,
    Neg,
    Norm,
    Num,
    Ones,
    Square,
    SumOver,
    Sym,
    Transpose,
    bind_layers,
    children,
    is_numpy,
    parse_expression,
    to_text,
)
from deltaprop.derivation.tables import FOLDED, GRADIENTS

# name: (first layer, last layer as an offset from L); the ranges of the notation table
RANGES = {name: (1, -1) for name in ("Θ", "G", "Acc")}  # from a layer to the next
RANGES |= {name: (2, 0) for name in ("b", "gb", "z", "Z", "δ", "Δ", "∂J/∂a")}  # after the input
RANGES |= {"a": (1, 0), "A": (1, 0), "P": (2, -1), "φ'": (2, -1), "∂z/∂z": (2, -1)}
RANGES["∂J/∂A"] = (1, 0)  # ∂J/∂A^(1) = ∂J/∂X, cs231n's dx of the first layer
RANGES["R"] = (1, -1)  # the L2 term (α/m) Θ^(l) of ∂J/∂Θ^(l), which an update X := X + T adds
RANGES |= {f"{name}+": (1, -1) for name in FOLDED}
WEIGHTS = {"Θ", "G", "Acc", "∂z/∂z", "R"}  # n_{l+1} × n_l
BATCHES = {"z": "Z", "a": "A", "x": "X", "y": "Y", "δ": "Δ", "∂J/∂a": "∂J/∂A"}  # batch: n_l × m
ONE_SAMPLE = {batch: one for one, batch in BATCHES.items()}  # A: a, the sample of a column
MEANING = {"G": "∂J/∂Θ", "Acc": "Ng's Δ", "gb": "∂J/∂b", "φ'": "φ'(z)", "R": "(α/m) Θ"}
MEANING |= {"∂z/∂z": "∂z^(l+1)/∂z", "RJ": "(α/2m) Σ_l ‖Θ^(l)‖²_F"}  # RJ: J's L2 term


def meaning(name):
    """How quantity ``name`` is written in a message: ``∂J/∂Θ`` for G (also Ng's folded G+)."""
    base = name.removesuffix("+")
    return MEANING.get(base, base)


@dataclass(frozen=True)
class Dim:
    """A symbolic dimension: ``n_l`` of a layer, or ``m`` (the number of samples)."""

    name: str
    layer: LayerIndex | None = None
    extra: int = 0  # n_l + 1 with the bias unit of Ng's course
    label: str = field(default="", compare=False)  # cs231n's letter: D for n_l, N for m

    def text(self, minus="−"):
        if self.label:
            base = self.label
        elif self.layer is None:
            base = self.name
        else:
            t = self.layer.text(minus)
            base = f"n_{t}" if len(t) == 1 else f"n_{{{t}}}"
        if not self.extra:
            return base
        return f"({base} {'+' if self.extra > 0 else minus} {abs(self.extra)})"

    __str__ = text


def plus(d, k):
    """The width ``d`` + ``k``: a number, or a symbolic width such as n_l + 1."""
    return d + k if isinstance(d, int) else replace(d, extra=d.extra + k)


def shape_text(shape, times="×", minus="−"):
    """``(n_L × 1)`` style text of a shape; ``scalar`` for ``None``; with ``times="\\times"``
    and ``minus="-"``, ``n_{L-1} \\times 1``: a shape in LaTeX."""
    if shape is None:
        return "scalar"
    return f" {times} ".join(d.text(minus) if isinstance(d, Dim) else str(d) for d in shape)


def shape_json(shape):
    return None if shape is None else [d if isinstance(d, int) else str(d) for d in shape]


def as_column(value):
    """``value`` as an array of floats, a 1-D array (a gradient of b, (n,)) as an (n, 1)
    column; 2-D arrays and scalars are unchanged."""
    value = np.asarray(value, dtype=float)
    return value[:, None] if value.ndim == 1 else value


class Term(NamedTuple):
    shape: tuple | None  # (rows, cols) or None for a scalar
    value: object  # ndarray, float, or None when only shapes are known
    node: object


class ShapeError(Exception):
    """An undefined operation: ``node`` with operand terms ``left`` and ``right``."""

    def __init__(self, node, left, right, rule):
        self.node, self.left, self.right, self.rule = node, left, right, rule
        super().__init__(self.describe())

    def describe(self, text=to_text):
        """What is undefined, with the operands written by ``text`` (a notation's names; a
        ``notations.Writer`` also names ⊙ as the student writes it: Octave's .*)."""
        symbol = op_symbol(self.node)
        op, left = OP_NAMES.get(symbol, symbol), _operand(self.left, text)
        right = "" if self.right is None else f" and {_operand(self.right, text)}"
        said = f"{op} of {left}{right} is undefined: {self.rule}"
        return said.replace("⊙", getattr(text, "words", {}).get("times", "⊙"))


class SymbolError(Exception):
    """A quantity the checker cannot evaluate, such as ∂a^(L)/∂Θ^(L−1) (a 3-index tensor)."""

    def __init__(self, node, message):
        self.node = node
        super().__init__(message)


class RangeError(SymbolError):
    """A symbol outside its layers, such as Θ^(L) or z^(1); ``limits`` are its name, the layer
    written, its first layer, its last as an offset from L, and L where it is known."""

    def __init__(self, node, message, limits=None):
        super().__init__(node, message)
        self.limits = limits


OP_NAMES = {
    "²": "the square",
    "Tr": "the trace",
    "@": "the matrix product",
    "*": "the element-wise product *",
    "-": "−",
    ":": "the Frobenius product :",
    "/": "division",
    "Σ": "the sum Σ",
    "sum": "the sum over an axis",
    "(2:end)": "dropping the first row or column",
    "[1; ·]": "the bias unit",
}


def op_symbol(node):
    """The operation of a node that can fail: ``"@"``, ``"⊙"``, …, a function's name
    (``"Diag"``, ``"clip"``), ``"²"``, ``"Σ"``, NumPy's ``"sum"``, Octave's ``"(2:end)"``."""
    if isinstance(node, Bin):
        return node.op
    if isinstance(node, Call):
        return node.func
    kinds = {Square: "²", SumOver: "Σ", AxisSum: "sum", DropFirst: "(2:end)", BiasUnit: "[1; ·]"}
    return kinds[type(node)]


def _operand(term, text=to_text):
    return f"{text(term.node)} ({shape_text(term.shape)})"


class SymbolicDomain:
    """Every width a symbol n_l; the output layer is L, which is layer number ``L`` when the
    architecture is known (then n_3 of a 3-layer network is n_L)."""

    symbolic = True
    sample = None  # shapes only: no values

    def __init__(self, L=None, labels=None):
        self.L, self.labels = L, labels or {}  # labels: cs231n's letters for some widths
        self.m = Dim("m", label=self.labels.get("m", ""))

    def _relative(self, layer):
        if self.L is None or layer.base:
            return layer
        return LayerIndex("L", layer.offset - self.L)

    def n(self, layer):
        return Dim("n", self._relative(layer), label=self.labels.get(layer, ""))

    def check_range(self, name, layer, node):
        lo, hi = RANGES[name]
        relative = self._relative(layer)  # counted from L: L−1, or k − L when L is known
        too_high = relative.base == "L" and relative.offset > hi
        if too_high or (not layer.base and layer.offset < lo):
            raise _out_of_range(name, layer, lo, hi, self.L, node)

    def value(self, name, k):
        return None

    def summands(self, index):
        """The domains of the terms of Σ_index: for shapes, one generic term."""
        return [self]


@dataclass(frozen=True, eq=False)
class ConcreteDomain:
    """Widths from ``sizes``, layer variables from ``binding``, values from ``sample``."""

    sizes: tuple
    binding: dict
    m: int = 1
    sample: object = None
    column: int = 0  # the sample that lower-case symbols (a, z, δ, x, y) are
    generic: dict = field(default_factory=dict)  # letter → the random matrix of an identity
    numbers: object = None  # node → its Term, a derivative by numbers (calculus.Calculus)
    symbolic = False

    def summands(self, index):
        """The domains of the terms of Σ_l (each layer) or Σ_i (each sample)."""
        if index == "l":
            layers = range(1, len(self.sizes) + 1)
            return [replace(self, binding=self.binding | {"l": k}) for k in layers]
        return [replace(self, column=i) for i in range(self.m)]

    def n(self, layer):
        return self.sizes[layer.bind(self.binding) - 1]

    def check_range(self, name, layer, node):
        lo, hi = RANGES[name]
        k, L = layer.bind(self.binding), len(self.sizes)
        if not lo <= k <= L + hi:
            raise _out_of_range(name, LayerIndex("", k), lo, hi, L, node)

    def value(self, name, k):
        return None if self.sample is None else self.sample.value(name, k, self.column)


def _out_of_range(name, layer, lo, hi, L, node):
    last = "L" if not hi else f"L−{-hi}"
    if L is not None:
        last += f" = {L + hi}"
    symbol = getattr(node, "written", "") or meaning(name)  # a NumPy name as written
    said = f"{symbol}^({layer.text()}) does not exist: {symbol}^(l) is defined for l = {lo}..{last}"
    return RangeError(node, said, (name, layer, lo, hi, L))


def quantity(node):
    """The quantity a symbol or derivative names: ``(name, layer)``, or None."""
    if isinstance(node, Sym):
        return node.name, node.layer
    if not isinstance(node, Deriv) or not isinstance(node.den, Sym):
        return None
    num, den = node.num, node.den
    if isinstance(num, Sym) and num.name == "J":
        if den.name in ("a", "A"):  # Nielsen's ∇_a C, of the output when written without l
            return f"∂J/∂{den.name}", den.layer or LayerIndex("L", 0)
        return GRADIENTS.get(den.name), den.layer
    if isinstance(num, Sym) and num.layer is not None and den.layer is not None:
        if (num.name, den.name) == ("z", "z") and num.layer == den.layer.shift(1):
            return "∂z/∂z", den.layer
        if (num.name, den.name) == ("a", "z") and num.layer == den.layer:
            return "P", den.layer
        if (num.name, den.name) == ("z", "a") and num.layer == den.layer.shift(1):
            return "Θ", den.layer
    return None


def _unknown_message(node):
    text = to_text(node)
    if isinstance(node, Deriv) and isinstance(node.den, Sym) and node.den.name == "Θ":
        return (
            f"cannot evaluate {text}: the derivative of a vector by a matrix has three indices, "
            "which no matrix holds; backprop never forms it (δ^(l+1) (a^(l))ᵀ is ∂J/∂Θ^(l))"
        )
    return f"cannot evaluate {text}: not a quantity of Ng's notation"


def symbol_shape(name, layer, domain):
    """The shape of quantity ``name`` at ``layer`` (None for scalars)."""
    n, m = domain.n, domain.m
    if name.endswith("+"):  # Ng's folded bias: a first column of Θ, a first entry of a
        rows, cols = symbol_shape(name[:-1], layer, domain)
        return (plus(rows, 1), cols) if name in ("a+", "A+") else (rows, plus(cols, 1))
    if name in ("J", "m", "α", "RJ"):
        return None
    if name in ("x", "X", "y", "Y"):  # of the input and the output layer
        rows = n(LayerIndex("", 1) if name in ("x", "X") else LayerIndex("L", 0))
        return (rows, m if name.isupper() else 1)
    if name in WEIGHTS:
        return (n(layer.shift(1)), n(layer))
    if name == "P":
        return (n(layer), n(layer))
    return (n(layer), m if name in ONE_SAMPLE else 1)  # b, z, a, δ, gb: columns; Z, A, Δ: m


def evaluate(node, domain):
    """The :class:`Term` of ``node``; raises ShapeError or SymbolError."""
    if isinstance(node, Num):
        return Term(None, node.value, node)
    if isinstance(node, Ones):
        return Term((domain.m, 1), None if domain.symbolic else np.ones((domain.m, 1)), node)
    if isinstance(node, Sym | Deriv):
        return _lookup(node, domain)
    if isinstance(node, Bin) and (k := _by_weights(node, domain)) is not None:
        a = Transpose(node.right.span, Sym(node.right.span, "a", k))  # (a^(k))ᵀ
        return evaluate(replace(node, left=node.left.arg, right=a), domain)
    if isinstance(node, Bin):
        return binary(node, evaluate(node.left, domain), evaluate(node.right, domain))
    if isinstance(node, Differential):
        raise SymbolError(node, f"{to_text(node)} belongs in a derivative such as ∂J/∂Θ^(l)")
    if isinstance(node, SumOver):
        return _sum_over(node, domain)
    return unary(node, evaluate(node.arg, domain), domain)


def _by_weights(node, domain):
    """The layer k of d2l's prod(v, ∂z^(k+1)/∂Θ^(k)), vᵀ by the Jacobian of three indices,
    which is v (a^(k))ᵀ (its layers counted from the output where the domain knows it); else
    None."""
    prod = node.written == "prod" and isinstance(node.left, Transpose)
    jac = _relative(node.right, domain) if prod and isinstance(node.right, Deriv) else None
    ends = (jac.num, jac.den) if jac else ()
    if [getattr(n, "name", "") for n in ends] != ["z", "Θ"] or jac.den.layer is None:
        return None
    return jac.den.layer if jac.num.layer == jac.den.layer.shift(1) else None


def unary(node, arg, domain):
    """The :class:`Term` of the one-argument ``node`` (ᵀ, −, ², ‖·‖, a function) of ``arg``."""
    if isinstance(node, Transpose):
        shape = None if arg.shape is None else arg.shape[::-1]
        return Term(shape, _apply(np.transpose, arg), node)
    if isinstance(node, Neg):
        return Term(arg.shape, _apply(np.negative, arg), node)
    # x² of a scalar, or ‖v‖² = vᵀv of a column (the question's [a^(L) − y]²)
    if isinstance(node, Square):
        if arg.shape is not None and arg.shape[1] != 1:
            raise ShapeError(node, arg, None, "the square ^2 of a matrix is undefined (use ⊙)")
        return Term(None, _apply(lambda v: float(np.vdot(v, v)), arg), node)
    if isinstance(node, Norm):  # ‖v‖ (the Frobenius norm of a matrix), squared when written ‖v‖²
        power = 2 if node.squared else 1
        return Term(None, _apply(lambda v: float(np.linalg.norm(v)) ** power, arg), node)
    if isinstance(node, DropFirst):
        return _drop_first(node, arg)
    if isinstance(node, BiasUnit):
        return _bias_unit(node, arg)
    if isinstance(node, AxisSum):
        return _axis_sum(node, arg)
    return _call(node, arg, domain)


def _axis_sum(node, arg):
    """NumPy's ``v.sum(axis=0)``: a row of column sums; ``axis=1``: a column of row sums
    (without keepdims a 1-D array, which broadcasts as a row); ``np.sum(v)``: every entry;
    ``np.mean``: the sum divided by the length of the axis."""
    if arg.shape is None:
        raise ShapeError(node, arg, None, "a scalar has no axis to sum over")
    total = np.mean if node.mean else np.sum
    if node.axis == "all":  # np.sum(v): every entry
        return Term(None, _apply(lambda v: float(total(v)), arg), node)
    axis = node.axis
    if axis is None:  # Octave's sum(v): over the first dimension that is not 1
        axis = 1 if arg.shape[0] == 1 else 0
    shape = (1, arg.shape[1]) if axis == 0 else (arg.shape[0], 1)
    shape = shape if node.keepdims else (1, arg.shape[0])  # 1-D: a row

    def along(v):
        out = total(v, axis=axis, keepdims=True)
        return out if node.keepdims else out.T

    return Term(shape, _apply(along, arg), node)


def _drop_first(node, arg):
    """``v(2:end)``: without the first row (axis 0); ``Θ(:,2:end)``: the first column."""
    if arg.shape is None:
        raise ShapeError(node, arg, None, "a scalar has no first row or column to drop")
    shape = tuple(plus(d, -1) if i == node.axis else d for i, d in enumerate(arg.shape))
    value = _apply(lambda v: v[1:] if node.axis == 0 else v[:, 1:], arg)
    return Term(shape, value, node)


def _bias_unit(node, arg):
    """``[1; v]``: a row of ones on top (axis 0); ``[ones(m,1) A]``: a column on the left."""
    if arg.shape is None:
        raise ShapeError(node, arg, None, "the bias unit is prepended to a vector or matrix")
    edge = (1, arg.shape[1]) if node.axis == 0 else (arg.shape[0], 1)
    fill = None if arg.value is None else np.full(edge, node.fill)
    return _stacked(node, Term(edge, fill, None), arg, node.axis)


def _stacked(node, first, rest, axis):
    """``first`` before ``rest`` on ``axis`` (0: on top, 1: on the left): Ng's [1; a], [b Θ]."""
    shape = tuple(plus(d, 1) if i == axis else d for i, d in enumerate(rest.shape))
    stack = np.vstack if axis == 0 else np.hstack
    return Term(shape, _apply(lambda f, r: stack([f, r]), first, rest), node)


def _sum_over(node, domain):
    """Σ_l over the layers where the body exists, or Σ_i over the m samples (columns)."""
    terms = []
    for inner in domain.summands(node.index):
        try:
            terms.append(evaluate(node.arg, inner))
        except RangeError:
            continue
    if not terms:
        raise SymbolError(node, f"{to_text(node)} has no term: no layer has its symbols")
    for term in terms[1:]:  # Σ_i ∂J^(i)/∂Θ^(l): matrices of one shape add up too
        if term.shape != terms[0].shape:
            raise ShapeError(node, terms[0], term, "Σ adds up terms of one shape")
    return Term(terms[0].shape, _apply(lambda *values: sum(values), *terms), node)


def _lookup(node, domain):
    found = quantity(node) or quantity(_relative(node, domain))
    if found is None or found[0] is None:
        raise SymbolError(node, _unknown_message(node))
    name, layer = found
    if name in ("φ", "φ'", "Diag"):
        raise SymbolError(node, f"{name} is a function: write {name}(z^(l))")
    if name in RANGES:
        if layer is None:
            raise SymbolError(node, f"{meaning(name)} needs a layer index, e.g. {name}^(l)")
        domain.check_range(name, layer, node)
    if layer is None and name not in UNLAYERED:  # B in C:(AB); RANGES' names raised above
        raise SymbolError(node, f"{to_text(node)} is not a quantity of the network")
    if name in ("x", "y", "X", "Y") and layer is not None:
        raise SymbolError(node, f"{name} takes no layer index")
    if name.endswith("+"):
        return _folded(node, name, layer, domain)
    shape = symbol_shape(name, layer, domain)
    k = None if layer is None else (None if domain.symbolic else layer.bind(domain.binding))
    return Term(shape, domain.value(name, k), node)


def _relative(node, domain):
    """A Jacobian ``node`` with its layers counted from the output where the domain knows
    the output's number: d2l's ∂o/∂h, ∂z^(L)/∂a^(2) of three layers, is ∂z^(L)/∂a^(L−1)."""
    L = getattr(domain, "L", None) if domain.symbolic else len(domain.sizes)
    ends = (node.num, node.den) if isinstance(node, Deriv) else ()
    if L is None or not all(isinstance(n, Sym) and n.layer is not None for n in ends):
        return node
    num, den = (
        n if n.layer.base else replace(n, layer=LayerIndex("L", n.layer.offset - L)) for n in ends
    )
    return replace(node, num=num, den=den)


UNLAYERED = {"x", "y", "X", "Y", "J", "m", "α", "RJ"}  # the quantities without a layer index
FIRST_COLUMNS = {name: parse_expression(text) for name, text in FOLDED.items() if text != "1"}


def _folded(node, name, layer, domain):
    """Ng's folded ``name`` (Θ+, G+, Acc+, R+, a+, A+) at ``layer``, a view of the question's
    quantity: with the first column of ``tables.FOLDED`` (Θ+ = [b^(l+1) Θ^(l)]) or a first
    row of ones (a+ = [1; a^(l)]); ``node`` prints as the student wrote it (Theta2)."""
    core = evaluate(Sym(node.span, name[:-1], layer), domain)
    if name[:-1] not in FIRST_COLUMNS:
        return _bias_unit(BiasUnit(node.span, node, 0), core)._replace(node=node)
    column = bind_layers(FIRST_COLUMNS[name[:-1]], {"l": layer})
    return _stacked(node, evaluate(column, domain), core, 1)


def _apply(f, *terms):
    values = [t.value for t in terms]
    return None if any(v is None for v in values) else f(*values)


def _call(node, arg, domain):
    if node.func == "Diag":
        if arg.shape is None or arg.shape[1] != 1:
            raise ShapeError(node, arg, None, "Diag needs a column vector (k × 1)")
        rows = arg.shape[0]
        return Term((rows, rows), _apply(lambda v: np.diag(v[:, 0]), arg), node)
    if node.func in ELEMENTWISE:
        return _elementwise(node, arg, domain)
    if node.func in ("row", "column"):  # a 1-D array (a column, or a row where a sum made it)
        return _oriented(node, arg)
    if node.func in ("ℓ", "ℓ'"):  # the loss of check --loss, summed over the outputs; ℓ' = ∂ℓ/∂a
        return _loss_term(node, arg, domain)
    if node.func == "Tr":  # Tr(M): a square matrix's trace
        if arg.shape is None or arg.shape[0] != arg.shape[1]:
            raise ShapeError(node, arg, None, "the trace Tr needs a square matrix")
        return Term(None, _apply(lambda v: float(np.trace(v)), arg), node)
    if arg.value is None or domain.sample is None:  # φ(1) has a value only with a network
        return Term(arg.shape, None, node)
    # g^{[l]}: the activation of layer l, the output's own at L; φ without l: the hidden layers'
    k = None if node.layer is None else node.layer.bind(domain.binding)
    phi, dphi = domain.sample.activation(k)
    f = phi if node.func == "φ" else dphi
    value = f(np.atleast_1d(arg.value)).reshape(np.shape(arg.value))  # φ'(1): out= needs arrays
    return Term(arg.shape, value, node)


def _oriented(node, arg):
    """``v[None, :]`` (a row) or ``v[:, None]`` (a column) of a 1-D ``v``: a column here, but
    for NumPy's sum without keepdims=True, a row (it broadcasts as one)."""
    if arg.shape is None or 1 not in arg.shape:
        raise ShapeError(node, arg, None, f"{to_text(node)} of a matrix has three axes")
    if arg.shape[node.func == "column"] == 1:
        return Term(arg.shape, arg.value, node)
    return Term(arg.shape[::-1], _apply(np.transpose, arg), node)


def _loss_term(node, arg, domain):
    """ℓ(r) of the residuals r = a − y, or ℓ(a, y) of a loss with an output link (Poisson),
    summed over the entries: a scalar; its derivative ℓ'(a, y) = ∂ℓ/∂a, of a's shape
    (network.py's cost_derivative(a, y), a − y)."""
    if len(node.extra) > 1:
        raise SymbolError(node, "ℓ takes the residual, ℓ(a − y), or the pair ℓ(a, y)")
    y = [evaluate(extra, domain) for extra in node.extra]
    if y and y[0].shape != arg.shape:
        raise ShapeError(node, arg, y[0], "ℓ(a, y) needs a and y of the same shape")
    if node.func == "ℓ'":
        return Term(arg.shape, domain.sample and _apply(domain.sample.dloss, arg, *y), node)
    value = domain.sample and _apply(domain.sample.loss_of, arg, *y)
    return Term(None, value, node)


def _elementwise(node, arg, domain):
    """exp, log or clip(r, lo, hi) of ``arg``, entry by entry; the bounds are scalars."""
    bounds = [evaluate(bound, domain) for bound in node.extra]
    if len(bounds) != ARGUMENTS.get(node.func, 0):
        raise SymbolError(node, "clip takes three arguments: clip(r, lower, upper)")
    for bound in bounds:
        if bound.shape is not None:
            raise ShapeError(node, arg, bound, f"the bounds of {node.func} must be scalars")
    f = ELEMENTWISE_FUNCTIONS[node.func]
    with np.errstate(all="ignore"):  # log(−1) is NaN, which then fails every comparison
        return Term(arg.shape, _apply(f, arg, *bounds), node)


ELEMENTWISE_FUNCTIONS = {
    "exp": np.exp,
    "log": np.log,
    "clip": np.clip,
    "relu": lambda v: np.maximum(v, 0.0),
    "tanh": np.tanh,
    "sech": lambda v: 1.0 / np.cosh(v),
    "cosh": np.cosh,
    "step": lambda v: np.greater(v, 0).astype(float),  # the mask (x > 0), also of a number
    "below": lambda v: np.less(v, 0).astype(float),  # (x < 0)
    "pow": np.power,
}
ARGUMENTS = {"clip": 2, "pow": 1}  # scalar arguments after the array


def binary(node, left, right):
    """The :class:`Term` of the two-operand ``node`` (@, ⊙, *, /, +, −, :) of ``left`` and
    ``right``; a product or quotient with a scalar scales the other operand."""
    if node.op in SCALING and None in (left.shape, right.shape):
        return _scaled(node, left, right)
    return BINARY[node.op](node, left, right)


def _matmul(node, left, right):
    if _is_ones(left.node) and left.shape[0] == 1:  # 1ᵀ v: as long as v
        left = _ones_term(left, (1, right.shape[0]))
    elif _is_ones(right.node) and right.shape[1] == 1:  # A 1: as long as A is wide
        right = _ones_term(right, (left.shape[1], 1))
    if left.shape[1] != right.shape[0]:
        rule = (
            f"the columns of the left ({left.shape[1]}) must equal the rows of the right "
            f"({right.shape[0]})"
        )
        raise ShapeError(node, left, right, rule)
    return Term((left.shape[0], right.shape[1]), _apply(np.matmul, left, right), node)


def _is_ones(node):
    """The ones vector 1 or 1ᵀ (maybe times a scalar, (1/m) 1ᵀ), whose length is whatever
    makes a matrix product defined."""
    if isinstance(node, Ones):
        return True
    if isinstance(node, Transpose | Neg):
        return _is_ones(node.arg)
    if isinstance(node, Bin) and node.op in ("@", "*", "/"):
        return (_is_ones(node.left) and _is_scalar(node.right)) or (
            node.op != "/" and _is_scalar(node.left) and _is_ones(node.right)
        )
    return False


def _is_scalar(node):
    """Whether ``node`` is written as a scalar: numbers, m, α and their quotients."""
    if isinstance(node, Num) or (isinstance(node, Sym) and node.name in ("m", "α")):
        return True
    if isinstance(node, Neg):
        return _is_scalar(node.arg)
    return isinstance(node, Bin) and _is_scalar(node.left) and _is_scalar(node.right)


def _ones_term(term, shape):
    """``term``, a multiple c 1 of the ones vector, with the length of ``shape``."""
    symbolic = term.value is None or any(not isinstance(d, int) for d in shape)
    value = None if symbolic else np.full(shape, np.asarray(term.value).flat[0])
    return Term(shape, value, term.node)


def _scaled(node, left, right):
    """A product or quotient with a scalar: the other operand, scaled (never by 1/0)."""
    if node.op == "/" and right.shape is None and right.value == 0:
        raise SymbolError(node, f"{to_text(node)} divides by zero")
    shape = left.shape if right.shape is None else right.shape
    return Term(shape, _apply(np.divide if node.op == "/" else np.multiply, left, right), node)


def _fitted_ones(left, right):
    """The ones vector 1 takes the shape its place needs: 1 − a^(l) is (n_l × 1)."""
    if left.shape is not None and right.shape is not None and left.shape != right.shape:
        if _is_ones(left.node) and left.shape[1] == 1:
            return _ones_term(left, right.shape), right
        if _is_ones(right.node) and right.shape[1] == 1:
            return left, _ones_term(right, left.shape)
    return left, right


def _hadamard(node, left, right):
    left, right = _fitted_ones(left, right)
    if left.shape != right.shape:
        raise ShapeError(node, left, right, "⊙ needs two operands of the same shape")
    return Term(left.shape, _apply(np.multiply, left, right), node)


def _broadcast(node, left, right):
    """NumPy's ``*`` and ``/`` (also Octave's ``./``): each dimension equal, or 1 on one side;
    ``/`` divides entry by entry as NumPy divides arrays: 1 / (1 + exp(−z)) is σ(z)."""
    shape = []
    for p, q in zip(left.shape, right.shape, strict=True):
        if p != q and 1 not in (p, q):
            rule = f"NumPy broadcasts only dimensions that are equal or 1 ({p}, {q})"
            raise ShapeError(node, left, right, rule)
        shape.append(q if p == 1 else p)
    return Term(tuple(shape), _scaled(node, left, right).value, node)


def _add(node, left, right):
    """``+`` and ``−``: equal shapes, a scalar, or a column added to every column (b 1ᵀ)."""
    left, right = _fitted_ones(left, right)
    shapes = (left.shape, right.shape)
    if None in shapes or left.shape == right.shape:
        shape = left.shape or right.shape
    elif left.shape[0] == right.shape[0] and 1 in (left.shape[1], right.shape[1]):
        shape = (left.shape[0], right.shape[1] if left.shape[1] == 1 else left.shape[1])
    elif _row_added(node, left, right):
        shape = (right.shape[0] if left.shape[0] == 1 else left.shape[0], left.shape[1])  # + b
    else:
        raise ShapeError(node, left, right, f"{node.op} needs two operands of the same shape")
    f = np.add if node.op == "+" else np.subtract
    return Term(shape, _apply(f, left, right), node)


def _row_added(node, left, right):
    """NumPy's ``X @ W + b`` with samples as rows: a row (a bias) added to every row."""
    rows = is_numpy(node) or any(_is_bias_row(side) for side in (node.left, node.right))
    return rows and left.shape[1] == right.shape[1] and 1 in (left.shape[0], right.shape[0])


def _is_bias_row(node):
    return isinstance(node, Transpose) and isinstance(node.arg, Sym) and node.arg.name == "b"


def _frobenius(node, left, right):
    if left.shape != right.shape:
        raise ShapeError(node, left, right, "A : B needs two operands of the same shape")
    return Term(None, _apply(lambda p, q: float(np.vdot(p, q)), left, right), node)


BINARY = {
    "@": _matmul,
    "⊙": _hadamard,
    "*": _broadcast,
    "+": _add,
    "-": _add,
    "/": _broadcast,
    ":": _frobenius,
}
SCALING = {"@", "⊙", "*", "/"}  # a scalar operand scales the other (: and + need two shapes)


def layer_bases(node):
    """The free layer variables (``"l"``, ``"L"``) of ``node``: a Σ_l binds its ``l``."""
    own = {node.layer.base} if isinstance(node, Sym | Call) and node.layer else set()  # φ^(l)
    found = own.union(*(layer_bases(child) for child in children(node)))
    return found - {"l"} if isinstance(node, SumOver) and node.index == "l" else found


def walk(node):
    """``node`` and all its descendants, depth first."""
    yield node
    for child in children(node):
        yield from walk(child)


def uses(node, names):
    """Whether ``node`` holds a symbol named one of ``names``."""
    return any(isinstance(n, Sym) and n.name in names for n in walk(node))


def has_entries(node):
    """Whether ``node`` is written entry by entry (δ^l_j, w^l_{jk}, Σ_k)."""
    return any(
        (isinstance(n, Sym) and n.entry) or (isinstance(n, SumOver) and n.index in "jk")
        for n in walk(node)
    )


def evaluate_entries(node, domain):
    """``(array, indices)`` of an expression written entry by entry, one array axis per
    index letter: δ^l_j is (n_l,) with "j", w^l_{jk} a matrix with "jk"; a product of
    entries multiplies them for every value of their indices and Σ_k sums over k."""
    if isinstance(node, Num):
        return np.asarray(node.value), ""
    if isinstance(node, Sym):
        return _entry_symbol(node, domain)
    entrywise = isinstance(node, Call) and node.func in ELEMENTWISE | {"φ", "φ'"}
    if entrywise or isinstance(node, Neg):  # of each entry: φ(z_j), −δ_j
        value, indices = evaluate_entries(node.arg, domain)
        return unary(node, Term(value.shape, value, node.arg), domain).value, indices
    if isinstance(node, Deriv) and isinstance(node.num, Sym) and isinstance(node.den, Sym):
        indices = node.num.entry + node.den.entry  # ∂z_k/∂z_j: one axis per entry index
        bare = replace(node, num=replace(node.num, entry=""), den=replace(node.den, entry=""))
        term = domain.numbers(bare) if domain.numbers else evaluate(bare, domain)
        value = np.asarray(term.value, dtype=float)
        once = "".join(dict.fromkeys(indices))  # ∂a_j/∂w_{ji}: an index twice, its diagonal
        return np.einsum(f"{indices}->{once}", value.reshape(value.shape[: len(indices)])), once
    if isinstance(node, SumOver) and node.index in "ijk":
        value, indices = evaluate_entries(node.arg, domain)
        if node.index not in indices:
            raise SymbolError(node, f"Σ_{node.index} sums over an index its term does not have")
        return value.sum(axis=indices.index(node.index)), indices.replace(node.index, "")
    if isinstance(node, Bin) and node.op in ("@", "*", "⊙", "/", "+", "-"):
        return _entry_binary(node, domain)
    raise SymbolError(node, f"cannot evaluate {to_text(node)} entry by entry")


def _entry_symbol(node, domain):
    if node.entry == "0":
        raise SymbolError(node, "a_0 is the bias unit of Ng's course, a step: a_0^{(l)} = 1")
    if node.name in domain.generic and len(node.entry) == 2:  # A_ij of a generic matrix
        return domain.generic[node.name], node.entry
    term = evaluate(replace(node, entry=""), domain)
    value = np.asarray(term.value, dtype=float)
    if not node.entry:
        if term.shape is not None:
            raise SymbolError(node, f"write the entry of {to_text(node)}, e.g. δ^l_j")
        return value, ""
    if term.shape is None:  # m_k
        raise SymbolError(node, f"{node.name} is a number: it has no entries")
    if len(node.entry) == 1:
        if value.shape[1] != 1:
            raise SymbolError(node, f"{to_text(node)} is a matrix: give two entry indices")
        return value[:, 0], node.entry
    return value, node.entry


def _entry_binary(node, domain):
    (a, ia), (b, ib) = evaluate_entries(node.left, domain), evaluate_entries(node.right, domain)
    if node.op in ("+", "-"):
        if ia and ib and set(ia) != set(ib):  # w_{ji} x_i + w_{k0}: no such entries
            raise ValueError(f"{to_text(node)} adds entries with different indices")
        b = np.einsum(f"{ib}->{ia}", b) if ia and ib else b  # a scalar (the 1 of 1 − z_j²) stays
        return (a + b if node.op == "+" else a - b), ia or ib
    out = ia + "".join(c for c in ib if c not in ia)
    if node.op == "/":
        return a / b, out
    return np.einsum(f"{ia},{ib}->{out}", a, b), out
