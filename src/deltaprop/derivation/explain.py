"""``deltaprop explain``: the derivation for one architecture, every term's shape, verified.

Each printed line is an instance of a record of :data:`deltaprop.equations.EQUATIONS`, the
records whose functions the network's backward pass calls. For every line this module

1. instantiates the record's text for a concrete layer (``δ^({l})`` → ``δ^(3)``),
2. parses it and infers the shape of each operand and of the result (``shapes.evaluate``),
3. runs the record's ``function`` on the arrays of a real :class:`~deltaprop.Network`, and
4. verifies the value in float64: backward lines against central differences of J, forward
   lines against an independent entry-wise sum (z) or the network's forward pass (a).
"""

from dataclasses import dataclass, field

import numpy as np

from deltaprop import equations as eq
from deltaprop.derivation import render
from deltaprop.derivation.notation import Bin, Layer, Neg, parse_expression
from deltaprop.derivation.shapes import ConcreteDomain, SymbolicDomain, evaluate
from deltaprop.errors import ConfigError
from deltaprop.losses import get_loss
from deltaprop.network import Network, check_sizes

FORMS = ("seed", "diag", "vjp")
STEP = 3e-5  # central-difference step h: truncation h² and rounding ε/h balance here
MAX_ENTRIES = 60  # central differences on at most this many random entries per block
RECORDS = {record.key: record for record in eq.EQUATIONS}
BATCH_NAMES = {"δ^": "Δ^", "a^": "A^", "z^": "Z^"}


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
    same_as_seed: float | None = None  # an answer's form: max |difference| from the seed's


@dataclass
class Setup:
    """The network, data and forward values that every line is computed on."""

    net: Network
    loss: object
    X: np.ndarray  # (n_1, m)
    Y: np.ndarray  # (n_L, m)
    alpha: float
    batched: bool  # the batched equations (capitals, m columns) rather than one sample's
    a: dict = field(default_factory=dict)
    z: dict = field(default_factory=dict)
    delta: dict = field(default_factory=dict)

    @property
    def m(self):
        return self.X.shape[1]

    @property
    def L(self):
        return self.net.L


def make_setup(sizes, activation, loss, batch, alpha, seed):
    """A seeded network with random Θ and b, and m = ``batch or 1`` random samples."""
    rng = np.random.default_rng(seed)
    net = Network(sizes, activation, rng=rng)
    for b in net.b.values():
        b[...] = rng.uniform(-0.5, 0.5, size=b.shape)  # nonzero, so b's role shows
    m = batch or 1
    X = rng.normal(size=(net.sizes[0], m))  # (n_1, m)
    Y = rng.normal(size=(net.sizes[-1], m))  # (n_L, m)
    return Setup(net, get_loss(loss), X, Y, alpha, batch is not None)


def instantiate(template, l, L):
    """``δ^({l})`` with l = 3 → ``δ^(3)``, and ``a^(L)`` → ``a^(4)`` for L = 4."""
    text = template.replace("(L)", f"({L})")
    if l is None:
        return text
    text = text.replace("{l+1}", str(l + 1)).replace("{l-1}", str(l - 1))
    return text.replace("{l}", str(l))


def instantiate_general(template, offset):
    """``δ^({l})`` with l = L−1 → ``δ^(L−1)``: the seed's general indices."""
    for placeholder, shift in (("{l+1}", 1), ("{l-1}", -1), ("{l}", 0)):
        template = template.replace(placeholder, Layer("L", offset + shift).text())
    return template


def where_text(l, L):
    """``l = 3 = L−1``: a concrete layer tied to the seed's general index."""
    if l == L:
        return "l = L"
    return f"l = {l} = L−{L - l}" if L - l <= 2 else f"l = {l}"


def shapes_of(rhs, sizes=None, m=1):
    """The operand shapes and the result shape of ``rhs``, parsed and inferred concretely
    for ``sizes``, or symbolically (n_l) without it."""
    node = parse_expression(rhs)
    domain = SymbolicDomain() if sizes is None else ConcreteDomain(sizes, {"L": len(sizes)}, m=m)
    operands = [(rhs[o.span[0] : o.span[1]], evaluate(o, domain).shape) for o in _operands(node)]
    shape = evaluate(node, domain).shape
    return [(text, s) for text, s in operands if s is not None], shape


def _operands(node):
    """The leaves of the product and sum tree: the terms an operation combines."""
    if isinstance(node, Bin):
        return _operands(node.left) + _operands(node.right)
    if isinstance(node, Neg):
        return _operands(node.arg)
    return [node]


def as_matrix(value):
    """A gradient of b, (n,), as an (n, 1) column; 2-D arrays and floats are unchanged."""
    value = np.asarray(value)
    return value[:, None] if value.ndim == 1 else value


def make_line(setup, key, section, l, value, check, *, lhs=None, rhs=None):
    """The :class:`Line` of record ``key`` at layer ``l`` (or of a form's ``lhs``/``rhs``)."""
    record, L, batched = RECORDS.get(key), setup.L, setup.batched
    if rhs is None:
        rhs = record.rhs_batched if batched else record.rhs
        lhs = _batch_names(record.lhs) if batched else record.lhs
    lhs, rhs = instantiate(lhs, l, L), instantiate(rhs, l, L)
    operands, shape = ([], None) if key == "cost" else shapes_of(rhs, setup.net.sizes, setup.m)
    rel_error, verified_by = check
    line = Line(key, section, l, lhs, rhs, operands, shape, value, rel_error, verified_by)
    line.where = "" if l is None else where_text(l, L)
    return line


def _batch_names(text):
    for small, capital in BATCH_NAMES.items():
        text = text.replace(small, capital)
    return text


# ---------------------------------------------------------------- forward


def forward_lines(setup):
    """a^(1) = x, then z^(l) and a^(l) for l = 2..L, each from its record's function."""
    net, a, z, L = setup.net, setup.a, setup.z, setup.L
    a[1] = setup.X  # (n_1, m)
    lines = [make_line(setup, "a_input", "forward", 1, a[1], (0.0, "definition"))]
    reference = net.forward(setup.X)
    for l in range(2, L + 1):
        z[l] = RECORDS["z"].function(net.theta[l - 1], a[l - 1], net.b[l])  # (n_l, m)
        summed = np.einsum("jk,ki->ji", net.theta[l - 1], a[l - 1]) + net.b[l][:, None]
        lines.append(make_line(setup, "z", "forward", l, z[l], _rel(z[l], summed, "Σ_k sum")))
        if l < L:
            a[l] = RECORDS["a_hidden"].function(net.activation, z[l])  # (n_l, m)
            check = _rel(a[l], reference.a[l], "forward pass")
            lines.append(make_line(setup, "a_hidden", "forward", l, a[l], check))
    a[L] = z[L]  # linear output
    lines.append(make_line(setup, "a_output", "forward", L, a[L], (0.0, "definition")))
    return lines


def cost_line(setup):
    """J from its record's function, against the mean of the per-sample costs."""
    net, m = setup.net, setup.m
    J = RECORDS["cost"].function(
        setup.loss, setup.a[setup.L], setup.Y, net.theta.values(), setup.alpha, m
    )
    per_sample = [setup.loss.value(setup.a[setup.L][:, [i]], setup.Y[:, [i]]) for i in range(m)]
    penalty = setup.alpha / (2 * m) * sum(float(np.vdot(t, t)) for t in net.theta.values())
    check = _rel(J, sum(per_sample) / m + penalty, "(1/m) Σ_i J^(i)")
    return make_line(setup, "cost", "cost", None, J, check)


def _rel(value, reference, by):
    value, reference = np.asarray(value, float), np.asarray(reference, float)
    scale = max(float(np.linalg.norm(value)), float(np.linalg.norm(reference)), 1e-300)
    return float(np.linalg.norm(value - reference)) / scale, by


# ---------------------------------------------------------------- backward


def backward_lines(setup, form):
    """δ^(L), then for l = L..2: ∂J/∂b^(l), ∂J/∂Θ^(l−1) and δ^(l−1): the backward pass."""
    net, a, delta, L, m = setup.net, setup.a, setup.delta, setup.L, setup.m
    delta[L] = RECORDS["delta_output"].function(setup.loss, a[L], setup.Y)  # (n_L, m)
    lines = [make_line(setup, "delta_output", "backward", L, delta[L], _delta_check(setup, L))]
    for l in range(L, 1, -1):
        gb = RECORDS["grad_b"].function(delta[l], m)  # (n_l,)
        check = _grad_check(setup, net.b[l], gb)
        lines.append(make_line(setup, "grad_b", "backward", l, gb, check))
        gt = RECORDS["grad_theta"].function(delta[l], a[l - 1], net.theta[l - 1], setup.alpha, m)
        check = _grad_check(setup, net.theta[l - 1], gt)
        lines.append(_form_line(setup, form, "grad_theta", l - 1, gt, check))
        if l > 2:
            lines.append(_delta_line(setup, form, l - 1))
    for line in lines:
        if line.key.startswith("grad"):
            line.param_shape = (
                net.theta[line.layer] if "theta" in line.key else as_matrix(net.b[line.layer])
            ).shape
    return lines


def _delta_line(setup, form, l):
    """δ^(l) in the chosen form; the seed's form calls the record's function."""
    net, z, a, delta = setup.net, setup.z, setup.a, setup.delta
    dphi_z = net.activation.dphi(z[l], a[l])  # φ'(z^(l)): (n_l, m)
    f = RECORDS["delta_hidden"].function if form == "seed" else FORM_FUNCTIONS[form]
    delta[l] = f(net.theta[l], delta[l + 1], dphi_z)  # (n_l, m)
    check = _delta_check(setup, l)
    value = delta[l].T if form == "vjp" else delta[l]
    return _form_line(setup, form, "delta_hidden", l, value, check)


def _form_line(setup, form, key, l, value, check):
    if form == "seed" or key not in FORM_TEXT[form]:
        return make_line(setup, key, "backward", l, value, check)
    lhs, rhs = FORM_TEXT[form][key]
    return make_line(setup, key, "backward", l, value, check, lhs=lhs, rhs=rhs)


def _delta_check(setup, l):
    """δ^(l) against central differences of Σ_i J^(i) in the entries of Z^(l)."""
    Z = setup.z[l].copy()  # (n_l, m)

    def total_cost():
        return setup.loss.value(forward_from(setup, l, Z), setup.Y)

    idx = _entries(Z.size)
    numeric = central_differences(total_cost, Z, idx)
    return _rel(setup.delta[l].reshape(-1)[idx], numeric, "central differences")


def _grad_check(setup, param, grad):
    """A gradient block against central differences of J in the entries of ``param``."""

    def cost():
        A_L = forward_from(setup, 1, setup.X)
        thetas = setup.net.theta.values() if setup.alpha else ()
        penalty = sum(float(np.sum(t * t)) for t in thetas)  # Σ_l ‖Θ^(l)‖²_F
        return (setup.loss.value(A_L, setup.Y) + 0.5 * setup.alpha * penalty) / setup.m

    idx = _entries(param.size)
    numeric = central_differences(cost, param, idx)
    return _rel(np.asarray(grad).reshape(-1)[idx], numeric, "central differences")


def forward_from(setup, l, Z):
    """a^(L) from z^(l) = Z (or from a^(1) = X when l = 1): plain NumPy, independent of the
    equation functions it verifies."""
    net, L = setup.net, setup.L
    if l == 1:
        a = Z
    else:
        a = Z if l == L else net.activation.phi(Z)
    for k in range(max(l, 1) + 1, L + 1):
        z = net.theta[k - 1] @ a + net.b[k][:, None]
        a = z if k == L else net.activation.phi(z)
    return a


def central_differences(f, x, idx, h=STEP):
    """(f(x + h e_i) − f(x − h e_i)) / 2h for the flat entries ``idx`` of ``x`` (in place)."""
    flat = x.reshape(-1)  # a view: x is contiguous
    out = np.empty(len(idx))
    for n, i in enumerate(idx):
        old = flat[i]
        flat[i] = old + h
        plus = f()
        flat[i] = old - h
        minus = f()
        flat[i] = old
        out[n] = (plus - minus) / (2 * h)
    return out


def _entries(size):
    if size <= MAX_ENTRIES:
        return np.arange(size)
    return np.sort(np.random.default_rng(0).choice(size, MAX_ENTRIES, replace=False))


# ---------------------------------------------------------------- the answers' forms


def delta_diag(theta, delta_next, dphi_z):
    """greg's form: δ^(l) = P_l (Θ^(l))ᵀ δ^(l+1), P_l = Diag(φ'(z^(l))), one sample a column."""
    columns = [np.diag(dphi_z[:, i]) @ theta.T @ delta_next[:, i] for i in range(dphi_z.shape[1])]
    return np.stack(columns, axis=1)  # (n_l, m)


def delta_vjp(theta, delta_next, dphi_z):
    """The VJP view: (δ^(l))ᵀ = (δ^(l+1))ᵀ ∂z^(l+1)/∂z^(l), the Jacobian Θ^(l) Diag(φ'(z^(l)))."""
    columns = []
    for i in range(dphi_z.shape[1]):
        jacobian = theta @ np.diag(dphi_z[:, i])  # ∂z^(l+1)/∂z^(l): (n_{l+1}, n_l)
        columns.append(delta_next[:, i] @ jacobian)  # row vector times Jacobian
    return np.stack(columns, axis=1)  # (n_l, m)


FORM_FUNCTIONS = {"diag": delta_diag, "vjp": delta_vjp}
FORM_TEXT = {
    "diag": {
        "delta_hidden": ("δ^({l})", "P_{l} (Θ^({l}))ᵀ δ^({l+1})"),
        "grad_theta": ("G_{l}", "δ^({l+1}) (a^({l}))ᵀ"),
    },
    "vjp": {"delta_hidden": ("(δ^({l}))ᵀ", "(δ^({l+1}))ᵀ (∂z^({l+1})/∂z^({l}))")},
}


def seed_lines(setup, lines):
    """The student's two derivations, corrected, at general L: ∂J/∂Θ^(L−1), δ^(L−1) and
    ∂J/∂Θ^(L−2), with symbolic shapes; values and errors are those of the concrete lines."""
    out = []
    for key, offset in (("grad_theta", -1), ("delta_hidden", -1), ("grad_theta", -2)):
        l = setup.L + offset
        same = [x for x in lines if x.key == key and x.layer == l]
        if not same:
            continue  # too few layers for δ^(L−1)
        record = RECORDS[key]
        lhs = instantiate_general(record.lhs, offset)
        rhs = instantiate_general(record.rhs, offset)
        operands, shape = shapes_of(rhs)
        line = Line(
            key,
            "seed",
            l,
            lhs,
            rhs,
            operands,
            shape,
            same[0].value,
            same[0].rel_error,
            same[0].verified_by,
        )
        line.where = f"here l = {l}: {same[0].lhs}"
        if key == "grad_theta":
            line.param_shape = shape  # Θ^(l) is n_{l+1} × n_l: the shape of its gradient
        out.append(line)
    return out


def batched_forms():
    """``[(lhs, rhs, layers, shape)]``: every record's batched form with general l and its
    symbolic shape (n_l × m), shown beside the per-sample derivation."""
    rows = []
    for record in eq.EQUATIONS:
        lhs = _batch_names(record.lhs).replace("{l}", "l")
        rhs = record.rhs_batched
        for placeholder, text in (("{l+1}", "l+1"), ("{l-1}", "l−1"), ("{l}", "l")):
            rhs = rhs.replace(placeholder, text)
        shape = None if record.key == "cost" else shapes_of(rhs)[1]
        rows.append((lhs, rhs, record.layers, shape))
    return rows


def form_lines(setup):
    """The answers' forms at every hidden layer, each against central differences and
    against the seed's form (per sample: Diag(φ') is one sample's matrix)."""
    net, lines = setup.net, []
    for l in range(setup.L - 1, 1, -1):
        dphi_z = net.activation.dphi(setup.z[l], setup.a[l])  # (n_l, 1)
        P = np.diag(dphi_z[:, 0])  # P_l: (n_l, n_l)
        jacobian = net.theta[l] @ P  # ∂z^(l+1)/∂z^(l): (n_{l+1}, n_l)
        check = _delta_check(setup, l)
        diag = delta_diag(net.theta[l], setup.delta[l + 1], dphi_z)
        vjp = delta_vjp(net.theta[l], setup.delta[l + 1], dphi_z)
        lines += [
            make_line(
                setup, "P", "forms", l, P, (0.0, "definition"), lhs="P_{l}", rhs="Diag(φ'(z^({l})))"
            ),
            make_line(
                setup,
                "diag",
                "forms",
                l,
                diag,
                check,
                lhs="δ^({l})",
                rhs="P_{l} (Θ^({l}))ᵀ δ^({l+1})",
            ),
            make_line(
                setup,
                "jacobian",
                "forms",
                l,
                jacobian,
                (0.0, "definition"),
                lhs="∂z^({l+1})/∂z^({l})",
                rhs="Θ^({l}) Diag(φ'(z^({l})))",
            ),
            make_line(
                setup,
                "vjp",
                "forms",
                l,
                vjp.T,
                check,
                lhs="(δ^({l}))ᵀ",
                rhs="(δ^({l+1}))ᵀ (∂z^({l+1})/∂z^({l}))",
            ),
        ]
        for line, value in ((lines[-3], diag), (lines[-1], vjp)):
            line.same_as_seed = float(np.max(np.abs(value - setup.delta[l])))
    return lines


def chain_rule_sum(setup):
    """For l = L−1 and j = 1, the chain-rule sum Σ_k δ^(l+1)_k Θ^(l)_kj φ'(z^(l)_j) written
    out term by term, and the same entry of (Θ^(l))ᵀ δ^(l+1) ⊙ φ'(z^(l))."""
    L = setup.L
    if L < 3:
        return None
    l, net = L - 1, setup.net
    theta, delta_next = net.theta[l], setup.delta[l + 1][:, 0]  # (n_{l+1}, n_l), (n_{l+1},)
    dphi_j = float(net.activation.dphi(setup.z[l], setup.a[l])[0, 0])  # φ'(z^(l)_1)
    terms = [float(delta_next[k] * theta[k, 0] * dphi_j) for k in range(theta.shape[0])]
    return {
        "l": l,
        "terms": terms,
        "sum": sum(terms),
        "entry": float(setup.delta[l][0, 0]),
        "dphi": dphi_j,
    }


def notation_rows(setup):
    """``(symbol, meaning, symbolic shape, concrete shape)`` for every symbol."""
    from deltaprop.derivation.notation import Layer
    from deltaprop.derivation.shapes import SymbolicDomain, symbol_shape

    L, batched, rows = setup.L, setup.batched, []
    concrete = ConcreteDomain(setup.net.sizes, {"L": L}, m=setup.m)
    sym = SymbolicDomain()

    def add(text, meaning, name, k=None):
        layer = None if k is None else Layer("", k)
        rows.append(
            (text, meaning, symbol_shape(name, layer, sym), symbol_shape(name, layer, concrete))
        )

    add("X = A^(1)" if batched else "x = a^(1)", "input", "X" if batched else "x")
    for l in range(1, L):
        add(f"Θ^({l})", f"weights from layer {l} to layer {l + 1}", "Θ", l)
    for l in range(2, L + 1):
        add(f"b^({l})", f"bias of layer {l}", "b", l)
    for l in range(2, L + 1):
        kind = "linear output" if l == L else "hidden"
        for small, big, meaning in (
            ("z", "Z", f"pre-activation ({kind})"),
            ("a", "A", "φ(z)" if l < L else "output, = z"),
            ("δ", "Δ", "∂J^(i)/∂z"),
        ):
            name = big if batched else small
            add(f"{name}^({l})", meaning, name, l)
    add("Y" if batched else "y", "target", "Y" if batched else "y")
    add("J", "cost", "J")
    return rows


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
    batched: list = field(default_factory=list)  # the batched forms, with a per-sample one
    step: float = STEP  # the central-difference step of the verification

    def __str__(self):
        return self.to_text()

    def to_text(self):
        return render.derivation_text(self)

    def to_markdown(self):
        return render.derivation_markdown(self)

    def to_latex(self):
        return render.derivation_latex(self)

    def to_json(self):
        return render.derivation_json(self)

    def _repr_markdown_(self):
        return self.to_markdown()

    def _repr_latex_(self):
        return self.to_latex()

    @property
    def max_rel_error(self):
        return max(line.rel_error for line in self.lines + self.forms)


def explain(
    sizes,
    activation="tanh",
    *,
    loss="squared",
    batch=None,
    form="seed",
    alpha=0.0,
    example=False,
    seed=1,
):
    """The backprop derivation for ``sizes``, every term's shape, every line verified.

    Parameters
    ----------
    sizes : sequence of int
        ``(n_1, …, n_L)``.
    activation, loss : str
        φ of the hidden layers; the loss (``squared`` is the seed's ½‖a − y‖²).
    batch : int, optional
        Show the batched equations over ``batch`` samples (columns) instead of one sample.
    form : {"seed", "diag", "vjp"}
        The form of the δ recursion: the seed's ⊙ form, greg's Diag(φ') form or the
        vector-Jacobian-product view.
    alpha : float
        L2 strength in J (only the batched ∂J/∂Θ shows it).
    example : bool
        Keep the numbers of every intermediate value for printing.
    seed : int
        Seed of the random network and data the lines are verified on.

    Returns
    -------
    Derivation
    """
    _check_options(form, batch, alpha)
    setup = make_setup(check_sizes(sizes), activation, loss, batch, alpha, seed)
    lines = forward_lines(setup) + [cost_line(setup)] + backward_lines(setup, form)
    if not batch:
        lines = seed_lines(setup, lines) + lines
    forms = [] if batch else form_lines(setup)
    net, notation, chain = setup.net, notation_rows(setup), chain_rule_sum(setup)
    return Derivation(
        net.sizes,
        net.activation.name,
        setup.loss.name,
        form,
        batch,
        notation,
        lines,
        forms,
        chain,
        example,
        [] if batch else batched_forms(),
    )


def _check_options(form, batch, alpha):
    if form not in FORMS:
        raise ConfigError(f"form={form!r} is not known; use one of: {', '.join(FORMS)}")
    if batch is not None and (not isinstance(batch, int) or batch < 1):
        raise ConfigError(f"batch={batch!r} must be a positive integer number of samples")
    if batch is not None and form != "seed":
        raise ConfigError(f"form={form!r} is per sample (Diag of one φ'(z)); drop --batch")
    if alpha and batch is None:
        raise ConfigError(f"alpha={alpha} shows only in the batched ∂J/∂Θ; add --batch M")
