"""``deltaprop explain``: the derivation for one architecture, every term's shape, verified.

Each printed line is a record of :data:`deltaprop.equations.EQUATIONS` (whose functions the
network runs), parsed once into a tree (:data:`TEMPLATES`), bound to a layer, shaped and
rendered from that tree; the record's function runs on a real network and the value, and the
printed text, are verified in float64 (backward lines against central differences of J).
"""

import functools
import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from deltaprop import equations as eq
from deltaprop.config import check_choice
from deltaprop.derivation import html, render
from deltaprop.derivation.notation import (
    COEFFICIENT,
    Bin,
    Deriv,
    LayerIndex,
    ParseError,
    Sym,
    as_batch,
    bind_layers,
    operand_text,
    parse_expression,
    to_latex,
    to_text,
    transform,
)
from deltaprop.derivation.sample import RandomNetwork, check_seed, check_work, passes
from deltaprop.derivation.shapes import (
    ConcreteDomain,
    ShapeError,
    SymbolError,
    SymbolicDomain,
    as_column,
    evaluate,
    symbol_shape,
    uses,
)
from deltaprop.errors import ConfigError
from deltaprop.gradcheck import at_both_sides
from deltaprop.losses import get_loss
from deltaprop.network import Cache, Network, check_alpha
from deltaprop.relerror import rel_error

FORMS = ("hadamard", "diag", "vjp")
FORM_ALIASES = {"seed": "hadamard"}  # the old name of the ⊙ form, kept for a release
STEP = 3e-5  # central-difference step h: truncation h² and rounding ε/h balance here
REL_FLOOR = 1e-8  # references smaller than this are compared absolutely (rounding of h)
VERIFIED = 1e-6  # a line whose relative error exceeds this fails the verification
MAX_ENTRIES = 60  # central differences on at most this many random entries per block
RECORDS = {record.key: record for record in eq.EQUATIONS}  # the functions that run


class Template(NamedTuple):
    """An equation's two sides as trees, with the layer variables ``l`` and ``L`` free."""

    lhs: object
    rhs: object


def bind(template, indices):
    """``template`` with its layer variables bound (see ``notation.bind_layers``)."""
    return Template(*(bind_layers(side, indices) for side in template))


def _templates(record):
    """``(per sample, batched)`` templates of an equation record, parsed once."""
    lhs = parse_expression(record.lhs)
    rhs, rhs_batched = parse_expression(record.rhs), parse_expression(record.rhs_batched)
    return Template(lhs, rhs), Template(as_batch(lhs), rhs_batched)


TEMPLATES = {record.key: _templates(record) for record in eq.EQUATIONS}  # [key][batched]
DIAG = ("δ^(l)", "P_l (Θ^(l))ᵀ δ^(l+1)")  # the answers' forms of δ^(l): (lhs, rhs)
VJP = ("(δ^(l))ᵀ", "(δ^(l+1))ᵀ (∂z^(l+1)/∂z^(l))")
JACOBIAN = ("∂z^(l+1)/∂z^(l)", "Θ^(l) Diag(φ'(z^(l)))")
FORM_TEXT = {  # the answers' forms of the backward lines, in the order they print
    "diag": {"delta_hidden": DIAG, "grad_theta": ("G_l", "δ^(l+1) (a^(l))ᵀ")},
    "vjp": {"delta_hidden": VJP},
    "forms": {"P": ("P_l", "Diag(φ'(z^(l)))"), "diag": DIAG, "jacobian": JACOBIAN, "vjp": VJP},
}
FORM_TEMPLATES = {
    form: {key: Template(*map(parse_expression, sides)) for key, sides in lines.items()}
    for form, lines in FORM_TEXT.items()
}


@dataclass
class Line:
    """One instantiated equation with its shapes, its value and its verification."""

    key: str  # the Equation.key (or the form's key) it was generated from
    section: str  # forward, cost, backward
    layer: int | None
    lhs: str
    rhs: str
    operand_shapes: list  # [(text, (rows, cols))]
    shape: tuple | None  # the result, (rows, cols); None for the scalar J
    value: object
    rel_error: float = 0.0
    verified_by: str = ""
    param_shape: tuple | None = None  # for ∂J/∂Θ and ∂J/∂b: the parameter's shape
    where: str = ""  # "l = L−1" etc.
    same_as_hadamard: float | None = None  # an answer's form: max |difference| from ⊙'s
    equation: Template | None = None  # the two sides as trees, bound to this line's layer
    param: str = ""  # for ∂J/∂Θ and ∂J/∂b: the parameter, as text


class Setup(RandomNetwork):
    """The network, data and forward values that every line is computed on: a
    :class:`~deltaprop.derivation.sample.RandomNetwork` with its own draws (Θ by the core's
    initialization, b uniform, m = ``batch or 1`` normal samples) and z^(l), a^(l), Δ^(l)
    (n_l, m) by ``sample.passes`` with the functions of :data:`RECORDS`."""

    def __init__(self, sizes, activation, loss, batch, alpha, seed):
        rng = np.random.default_rng(seed)
        self.loss, self.alpha, self.output = get_loss(loss), alpha, None
        self.net = Network(sizes, activation, rng=rng, output=self.loss.output)
        for b in self.net.b.values():
            b[...] = rng.uniform(-0.5, 0.5, size=b.shape)  # nonzero, so b's role shows
        self.sizes, self.m, self.batched = self.net.sizes, batch or 1, batch is not None
        self.L = self.net.L
        self.X = rng.normal(size=(self.sizes[0], self.m))  # (n_1, m)
        self.Y = rng.normal(size=(self.sizes[-1], self.m))  # (n_L, m)
        if self.loss.output == "exp":  # the Poisson loss: counts
            self.Y = rng.poisson(2.0, size=self.Y.shape).astype(np.float64)  # (n_L, m)
        functions = {key: record.function for key, record in RECORDS.items()}
        arrays = self.net.theta, self.net.b, self.X, self.Y, self.net.activation
        z, a, self.Delta = passes(*arrays, functions=functions, loss=self.loss)
        self.cache = Cache(a, z)  # the forward values, as the network's forward pass holds them

    def domain(self):
        """The concrete domain in which a printed right side evaluates on these arrays."""
        return ConcreteDomain(self.net.sizes, {"L": self.L}, m=self.m, sample=self)


def layer_indices(l, L):
    """The binding of a template's layer variables: ``l`` (when given) and ``L``."""
    indices = {"L": LayerIndex("", L)}
    return indices if l is None else indices | {"l": LayerIndex("", l)}


def where_text(l, L):
    """``l = 3 = L−1``: a concrete layer tied to the question's general index."""
    if l == L:
        return "l = L"
    return f"l = {l} = L−{L - l}" if L - l <= 2 else f"l = {l}"


def shapes_of(rhs, sizes=None, m=1):
    """The operand shapes and the result shape of the tree ``rhs``, inferred concretely for
    ``sizes``, or symbolically (n_l) without it."""
    domain = SymbolicDomain() if sizes is None else ConcreteDomain(sizes, {"L": len(sizes)}, m=m)
    operands = [(operand_text(o), evaluate(o, domain).shape) for o in leaf_operands(rhs)]
    shape = evaluate(rhs, domain).shape
    return [(text, s) for text, s in operands if s is not None], shape


def leaf_operands(node):
    """The leaves of the product and sum tree: the terms an operation combines."""
    if isinstance(node, Bin):
        return leaf_operands(node.left) + leaf_operands(node.right)
    return [node]


def make_line(setup, key, section, l, value, check, template=None, general=None):
    """The :class:`Line` of record ``key`` at layer ``l`` (or of a form's ``template``);
    with ``general``, at the question's general indices, with symbolic shapes."""
    template = template or record_template(setup.loss, key, setup.batched)
    equation = bind(template, general or layer_indices(l, setup.L))
    if not setup.alpha:
        equation = Template(equation.lhs, without_alpha(equation.rhs))
    sizes = None if general else setup.net.sizes
    operands, shape = ([], None) if key == "cost" else shapes_of(equation.rhs, sizes, setup.m)
    line = Line(key, section, l, *map(to_text, equation), operands, shape, value, *check)
    line.equation, line.where = equation, "" if l is None else where_text(l, setup.L)
    if key in ("grad_b", "grad_theta"):  # its shape beside the parameter's: Θ^(l) for G_l
        lhs = equation.lhs
        param = lhs.den if isinstance(lhs, Deriv) else Sym(lhs.span, "Θ", lhs.layer)
        line.param, line.param_shape = to_text(param), shapes_of(param, sizes, setup.m)[1]
    return line


def without_alpha(node):
    """``node`` without its L2 terms (the sums' terms that use α), for α = 0:
    ``(1/m) (Δ (A)ᵀ + α Θ)`` → ``(1/m) Δ (A)ᵀ``."""

    def drop(n):
        if not (isinstance(n, Bin) and n.op == "+"):
            return None
        if uses(n.right, {"α"}):
            return without_alpha(n.left)
        return Bin(n.span, "+", without_alpha(n.left), without_alpha(n.right), "+")

    bare = transform(node, drop)
    if isinstance(bare, Bin) and bare.op == "@" and isinstance(bare.right, Bin):
        if bare.right.op == "@" and bare.right.written != COEFFICIENT:  # s (p q) → s p q
            inner = bare.right
            return Bin(bare.span, "@", Bin(bare.span, "@", bare.left, inner.left), inner.right)
    return bare


def record_template(loss, key, batched):
    """The template of record ``key``; J and δ^(L) come from the loss record
    (``Loss.formula``, ``Loss.delta_text``), so that every loss prints its own equations."""
    template = TEMPLATES[key][batched]
    linked = key == "a_output" and loss.output != "identity"
    if linked or key == "delta_output" or (key == "cost" and loss.name != "squared"):
        template = Template(template.lhs, _loss_rhs(loss, key, batched))
    return template


@functools.lru_cache(maxsize=16)
def _loss_rhs(loss, key, batched):
    """The right side that the loss record decides: J by its ℓ (of a and y when the loss
    has an output link, of the residual r = a − y otherwise), a^(L) by the output's
    function, δ^(L) by ``Loss.delta_text``."""
    if key == "cost":
        a, y = ("A^(L)", "Y") if batched else ("a^(L)", "y^(i)")
        residual = f"{a} − {y}" if loss.output == "identity" else f"{a}, {y}"
        mean = "(1/m) ℓ" if batched else "(1/m) Σ_i ℓ"
        return parse_expression(f"{mean}({residual}) + (α/2m) Σ_l ‖Θ^(l)‖²_F")
    if key == "a_output":  # a^(L) = exp(z^(L)): the loss's output layer
        return parse_expression(f"{loss.output}({'Z' if batched else 'z'}^(L))")
    node = parse_expression(loss.delta_text)
    return as_batch(node) if batched else node


# ---------------------------------------------------------------- forward


def forward_lines(setup):
    """a^(1) = x, then z^(l) and a^(l) for l = 2..L, each from its record's function."""
    net, a, z, L = setup.net, setup.cache.a, setup.cache.z, setup.L
    lines = [make_line(setup, "a_input", "forward", 1, a[1], (0.0, "definition"))]
    reference = net.forward(setup.X)
    for l in range(2, L + 1):
        summed = np.einsum("jk,ki->ji", net.theta[l - 1], a[l - 1]) + net.b[l][:, None]
        lines.append(make_line(setup, "z", "forward", l, z[l], _rel(z[l], summed, "Σ_k sum")))
        linear = l == L and net.output.name == "identity"  # a^(L) = z^(L), else exp(z^(L))
        check = (0.0, "definition") if linear else _rel(a[l], reference.a[l], "forward pass")
        key = "a_hidden" if l < L else "a_output"
        lines.append(make_line(setup, key, "forward", l, a[l], check))
    return lines


def cost_line(setup):
    """J from its record's function, against the mean of the per-sample costs."""
    net, m, a_L = setup.net, setup.m, setup.cache.a[setup.L]
    J = RECORDS["cost"].function(setup.loss, a_L, setup.Y, net.theta.values(), setup.alpha, m)
    per_sample = [setup.loss.value(a_L[:, [i]], setup.Y[:, [i]]) for i in range(m)]
    penalty = setup.alpha / (2 * m) * sum(float(np.vdot(t, t)) for t in net.theta.values())
    check = _rel(J, sum(per_sample) / m + penalty, "(1/m) Σ_i J^(i)")
    line = make_line(setup, "cost", "cost", None, J, check)
    if setup.loss.name != "squared":  # J written with ℓ: say what ℓ sums
        of, entries = ("r", "r") if setup.loss.output == "identity" else ("a, y", "a and y")
        line.where = f"ℓ({of}) sums {setup.loss.formula} over the entries of {entries}"
    return line


def _rel(value, reference, by):
    """``(rel_error, by)`` of ``value`` against the independent ``reference`` (NaN, inf: inf)."""
    return rel_error(value, reference, floor=REL_FLOOR), by


# ---------------------------------------------------------------- backward


def backward_lines(setup, form):
    """δ^(L), then for l = L..2: ∂J/∂b^(l), ∂J/∂Θ^(l−1) and δ^(l−1): the backward pass."""
    net, a, delta, L, m = setup.net, setup.cache.a, setup.Delta, setup.L, setup.m
    check = _delta_check(setup, L, delta[L])
    lines = [make_line(setup, "delta_output", "backward", L, delta[L], check)]
    for l in range(L, 1, -1):
        gb = RECORDS["grad_b"].function(delta[l], m)  # (n_l,)
        check = _grad_check(setup, net.b[l], gb)
        lines.append(make_line(setup, "grad_b", "backward", l, gb, check))
        gt = RECORDS["grad_theta"].function(delta[l], a[l - 1], net.theta[l - 1], setup.alpha, m)
        check = _grad_check(setup, net.theta[l - 1], gt)
        template = FORM_TEMPLATES.get(form, {}).get("grad_theta")  # the Diag(φ') form's G_l
        lines.append(make_line(setup, "grad_theta", "backward", l - 1, gt, check, template))
        if l > 2:
            lines.append(_delta_line(setup, form, l - 1))
    return lines


def _delta_line(setup, form, l):
    """δ^(l) in the chosen form: the ⊙ form is the record's function's (``setup.Delta``), an
    answer's form its own right side evaluated (:func:`form_value`)."""
    template = FORM_TEMPLATES.get(form, {}).get("delta_hidden")
    delta = setup.Delta[l] if template is None else form_value(setup, template, l)  # (n_l, m)
    check = _delta_check(setup, l, delta)
    return make_line(setup, "delta_hidden", "backward", l, delta, check, template)


def _delta_check(setup, l, delta):
    """``delta`` (δ^(l)) against central differences of Σ_i J^(i) in the entries of Z^(l)."""
    Z = setup.cache.z[l].copy()  # (n_l, m)
    return _difference_check(lambda: setup.loss.value(forward_from(setup, l, Z), setup.Y), Z, delta)


def _grad_check(setup, param, grad):
    """A gradient block against central differences of J in the entries of ``param``."""

    def cost():  # J by its one definition, of the independent forward pass
        A_L = forward_from(setup, 1, setup.X)
        return eq.cost(setup.loss, A_L, setup.Y, setup.net.theta.values(), setup.alpha, setup.m)

    return _difference_check(cost, param, grad)


def _difference_check(f, x, derivative, h=STEP):
    """``(rel_error, by)`` of ``derivative`` (∂f/∂x) against the central differences
    (f(x + h e_i) − f(x − h e_i)) / 2h of ``f`` in the entries of ``x`` (moved in place):
    every entry, or MAX_ENTRIES random ones of a bigger ``x``."""
    idx = np.arange(x.size)
    if x.size > MAX_ENTRIES:
        idx = np.sort(np.random.default_rng(0).choice(x.size, MAX_ENTRIES, replace=False))
    flat = x.reshape(-1)  # a view: x is contiguous
    numeric = [np.subtract(*at_both_sides(f, flat, i, h)) / (2 * h) for i in idx]
    return _rel(np.asarray(derivative).reshape(-1)[idx], numeric, "central differences")


def forward_from(setup, l, Z):
    """a^(L) from z^(l) = Z (or from a^(1) = X when l = 1): plain NumPy, independent of the
    equation functions it verifies."""
    net, L = setup.net, setup.L
    output = np.exp if net.output.name == "exp" else np.asarray  # a^(L) of z^(L)

    def phi(k, z):  # a^(k) of z^(k)
        return output(z) if k == L else net.activation.phi(z)

    a = Z if l == 1 else phi(l, Z)
    for k in range(l + 1, L + 1):
        a = phi(k, net.theta[k - 1] @ a + net.b[k][:, None])
    return a


# ---------------------------------------------------------------- the answers' forms


def form_value(setup, template, l):
    """An answer's form at layer ``l`` computed as it is written, one sample: its right side
    evaluated on the network, P_l = Diag(φ'(z^(l))) a matrix, the Jacobian
    ∂z^(l+1)/∂z^(l) = Θ^(l) P_l a matrix, (δ^(l))ᵀ a row."""
    return evaluate(bind(template, layer_indices(l, setup.L)).rhs, setup.domain()).value


def verify_printed(setup, line):
    """Evaluate the right side as printed, in text and in LaTeX (each parsed back), against
    the line's computed value: "verified" is then true of the printed text, not only of the
    code behind it. A printed side that differs raises ``line.rel_error``."""
    value = as_column(line.value)
    for printed in (line.rhs, to_latex(line.equation.rhs)):
        try:
            got = evaluate(parse_expression(printed), setup.domain()).value  # float64
            error = rel_error(got, value, floor=REL_FLOOR)
        except (ParseError, ShapeError, SymbolError, ValueError):
            error = math.inf
        line.rel_error = max(line.rel_error, error)


def question_lines(setup, lines):
    """The student's two derivations, corrected, at general L: ∂J/∂Θ^(L−1), δ^(L−1) and
    ∂J/∂Θ^(L−2), with symbolic shapes; values and errors are those of the concrete lines."""
    out = []
    for key, offset in (("grad_theta", -1), ("delta_hidden", -1), ("grad_theta", -2)):
        same = [x for x in lines if x.key == key and x.layer == setup.L + offset]
        if not same:
            continue  # too few layers for δ^(L−1)
        line, general = same[0], {"l": LayerIndex("L", offset)}  # l = L−1: general indices
        value = setup.Delta[line.layer] if key == "delta_hidden" else line.value
        check = (line.rel_error, line.verified_by)
        out.append(make_line(setup, key, "question", line.layer, value, check, general=general))
        out[-1].where = f"here l = {line.layer}: {line.lhs}"
    return out


def batched_forms(loss):
    """``[(lhs, rhs, layers, shape)]``: every record's batched form with general l and its
    symbolic shape (n_l × m), shown beside the per-sample derivation."""
    rows = []
    for record in eq.EQUATIONS:
        lhs, rhs = record_template(loss, record.key, True)
        shape = None if record.key == "cost" else shapes_of(rhs)[1]
        rows.append((to_text(lhs), to_text(rhs), record.layers, shape))
    return rows


def form_lines(setup):
    """The answers' forms at every hidden layer (:func:`form_value`), δ^(l) against central
    differences and against the ⊙ form (per sample: Diag(φ') is one sample's matrix)."""
    lines = []
    for l in range(setup.L - 1, 1, -1):
        check = _delta_check(setup, l, setup.Delta[l])
        for key, template in FORM_TEMPLATES["forms"].items():
            value = form_value(setup, template, l)  # P_l, δ^(l), the Jacobian, (δ^(l))ᵀ
            is_delta = key in ("diag", "vjp")  # δ^(l) (n_l, 1) or (δ^(l))ᵀ (1, n_l)
            verified = check if is_delta else (0.0, "definition")
            lines.append(make_line(setup, key, "forms", l, value, verified, template))
            if is_delta:
                difference = np.ravel(value) - np.ravel(setup.Delta[l])
                lines[-1].same_as_hadamard = float(np.max(np.abs(difference)))
    return lines


def chain_rule_sum(setup):
    """For l = L−1 and j = 1, the chain-rule sum Σ_k δ^(l+1)_k Θ^(l)_kj φ'(z^(l)_j) written
    out term by term, and the same entry of (Θ^(l))ᵀ δ^(l+1) ⊙ φ'(z^(l))."""
    L = setup.L
    if L < 3:
        return None
    l, net = L - 1, setup.net
    theta, delta_next = net.theta[l], setup.Delta[l + 1][:, 0]  # (n_{l+1}, n_l), (n_{l+1},)
    dphi_j = float(net.activation.dphi(setup.cache.z[l], setup.cache.a[l])[0, 0])  # φ'(z^(l)_1)
    terms = [float(delta_next[k] * theta[k, 0] * dphi_j) for k in range(theta.shape[0])]
    return {"l": l, "terms": terms, "sum": sum(terms), "entry": float(setup.Delta[l][0, 0])}


def notation_rows(setup):
    """``(symbol, meaning, symbolic shape, concrete shape)`` for every symbol."""
    L, batched, linear = setup.L, setup.batched, setup.net.output.name == "identity"
    x, y, names = ("X", "Y", "ZAΔ") if batched else ("x", "y", "zaδ")
    rows = [(f"{x} = {names[1]}^(1)", "input", x, None)]
    rows += [(f"Θ^({l})", f"weights from layer {l} to layer {l + 1}", "Θ", l) for l in range(1, L)]
    rows += [(f"b^({l})", f"bias of layer {l}", "b", l) for l in range(2, L + 1)]
    for l in range(2, L + 1):
        kind = "hidden" if l < L else ("linear output" if linear else "exp output")
        a = "φ(z)" if l < L else ("output, = z" if linear else "output, = exp(z)")
        meanings = zip(names, (f"pre-activation ({kind})", a, "∂J^(i)/∂z"), strict=True)
        rows += [(f"{name}^({l})", meaning, name, l) for name, meaning in meanings]
    rows += [(y, "target", y, None), ("J", "cost", "J", None)]
    concrete = ConcreteDomain(setup.net.sizes, {"L": L}, m=setup.m)

    def shapes(name, k):
        layer = None if k is None else LayerIndex("", k)
        return symbol_shape(name, layer, SymbolicDomain()), symbol_shape(name, layer, concrete)

    return [(text, meaning, *shapes(name, k)) for text, meaning, name, k in rows]


@dataclass
class Derivation:
    """The derivation for one architecture; renders as text, Markdown, LaTeX and JSON."""

    sizes: tuple
    activation: str
    loss: str
    form: str
    batch: int | None
    notation: list
    lines: list  # forward, cost, backward
    forms: list  # the answers' forms (per sample only)
    chain: dict | None
    example: bool = False
    alpha: float = 0.0
    batched: list = field(default_factory=list)  # the batched forms, with a per-sample one
    step: float = STEP  # the central-difference step of the verification
    parameters: dict = field(default_factory=dict)  # Θ^(l), b^(l), x, y by name: the example

    # the renderings are functions of the derivation (render.py; html.py for the page)
    to_text = __str__ = render.derivation_text
    to_markdown = _repr_markdown_ = render.derivation_markdown
    to_latex = _repr_latex_ = render.derivation_latex
    to_json = render.derivation_json
    to_html = html.derivation_html  # one self-contained page: MathML, SVG, the worked example

    @property
    def max_rel_error(self):
        """The largest relative error of any line (inf when a line is NaN or inf)."""
        return max(line.rel_error for line in self.lines + self.forms)

    @property
    def ok(self):
        """Every line verified: relative error at most 1e-6."""
        return self.max_rel_error <= VERIFIED


def explain(
    sizes,
    activation="tanh",
    *,
    loss="squared",
    batch=None,
    form="hadamard",
    alpha=0.0,
    example=False,
    seed=1,
):
    """The backprop :class:`Derivation` for ``sizes``, every term's shape, every line verified.

    Parameters
    ----------
    sizes : sequence of int
        ``(n_1, …, n_L)``.
    activation, loss : str
        φ of the hidden layers; the loss (``squared`` is the question's ½‖a − y‖²).
    batch : int, optional
        Show the batched equations over ``batch`` samples (columns) instead of one sample.
    form : {"hadamard", "diag", "vjp"}
        The form of the δ recursion: the ⊙ form (Hadamard product with φ'), the Diag(φ')
        form or the vector-Jacobian-product (VJP) form; ``"seed"`` is an old name of
        ``"hadamard"``.
    alpha : float
        L2 strength in J (only the batched ∂J/∂Θ shows it).
    example : bool
        Keep the numbers of every intermediate value for printing.
    seed : int
        Seed of the random network and data the lines are verified on.
    """
    form = FORM_ALIASES.get(form, form)
    _check_options(form, batch, alpha)
    sizes = check_work(sizes, batch)
    setup = Setup(sizes, activation, loss, batch, alpha, check_seed(seed))
    lines = forward_lines(setup) + [cost_line(setup)] + backward_lines(setup, form)
    if not batch:
        lines = question_lines(setup, lines) + lines
    forms = [] if batch else form_lines(setup)
    for line in lines + forms:
        verify_printed(setup, line)
    net, batched = setup.net, [] if batch else batched_forms(setup.loss)
    header = (net.sizes, net.activation.name, setup.loss.name, form, batch)  # Derivation's order
    shown = (notation_rows(setup), lines, forms, chain_rule_sum(setup), example, alpha, batched)
    return Derivation(*header, *shown, parameters=example_parameters(setup))


def example_parameters(setup):
    """``{name: array}``: Θ^(l), b^(l) (as columns), the input and the target."""
    net, batched = setup.net, setup.batched
    parameters = {f"Θ^({l})": theta for l, theta in net.theta.items()}
    parameters |= {f"b^({l})": b[:, None] for l, b in net.b.items()}
    return parameters | {"X" if batched else "x": setup.X, "Y" if batched else "y": setup.Y}


def _check_options(form, batch, alpha):
    check_choice("form", form, FORMS)
    if batch is not None and (not isinstance(batch, int) or batch < 1):
        raise ConfigError(f"batch={batch!r} must be a positive integer number of samples")
    if batch is not None and form != "hadamard":
        raise ConfigError(f"form={form!r} is per sample (Diag of one φ'(z)); drop --batch")
    check_alpha(alpha)  # a finite number >= 0
    if alpha and batch is None:
        raise ConfigError(f"alpha={alpha} shows only in the batched ∂J/∂Θ; add --batch M")
