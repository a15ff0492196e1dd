"""``deltaprop prove``: a symbolic proof (SymPy) that backprop computes ∂J/∂Θ and ∂J/∂b exactly.

For a small architecture every x_j, y_j, θ^(l)_jk and b^(l)_j is a SymPy symbol. J^(i) is built
from them by the forward equations, and SymPy differentiates it entry by entry. The backprop
side is computed by the *same functions* the network runs (``deltaprop.equations``), applied to
NumPy object arrays of SymPy expressions. Each entry's difference must expand to exactly 0.

A piecewise φ (relu, leaky_relu, elu) enters as an opaque differentiable function with
derivative φ' (:func:`_symbolic_activation`). SymPy (``deltaprop[symbolic]``) is imported here only.
"""

import json
import time
from dataclasses import dataclass, field

import numpy as np

from deltaprop.activations import Activation, get_activation
from deltaprop.derivation.sample import FUNCTIONS, passes
from deltaprop.errors import ConfigError, require
from deltaprop.network import check_sizes

DEFAULT_SIZES = (2, 3, 2, 1)
MAX_LAYERS, MAX_WIDTH = 4, 3


@dataclass
class Block:
    """The proof for one parameter block, e.g. Θ^(2): how many entries matched exactly."""

    name: str
    shape: tuple
    proven: int
    failed: list = field(default_factory=list)  # entries (j, k) whose difference is not 0

    @property
    def ok(self):
        return not self.failed


@dataclass
class Proof:
    """The result of :func:`prove`: one :class:`Block` per Θ^(l) and b^(l)."""

    sizes: tuple
    activation: str
    dphi: str
    blocks: list
    expansion: list  # lines of the chain-rule expansion for one entry
    seconds: float
    piecewise: bool = False

    @property
    def ok(self):
        return all(block.ok for block in self.blocks)

    def to_text(self):
        sizes = "-".join(map(str, self.sizes))
        out = [f"Symbolic proof (SymPy) for sizes {sizes}, φ = {self.activation}, squared loss"]
        out.append(f"  φ'(z) = {self.dphi}")
        if self.piecewise:
            out.append(
                f"  {self.activation} is piecewise: φ enters as an opaque differentiable "
                "function with derivative φ', so the proof holds on each piece"
            )
        out.append("")
        for block in self.blocks:
            total = block.shape[0] * block.shape[1]
            status = "proven" if block.ok else f"FAILS at entries {block.failed}"
            entries = f"{block.proven}/{total} entries equal the backprop formula exactly"
            out.append(f"  ∂J/∂{block.name}: {entries} — {status}")
        out += ["", "Chain-rule expansion of one entry:", *("  " + e for e in self.expansion)]
        if self.ok:
            verdict = "PROVEN: every entry of ∂J^(i)/∂Θ^(l) and ∂J^(i)/∂b^(l) equals backprop's"
        else:
            verdict = "NOT PROVEN: some entries differ from SymPy's derivative"
        out += ["", f"{verdict} ({self.seconds:.2f} s)"]
        return "\n".join(out)

    __str__ = to_text

    def to_json(self):
        keys = ("shape", "proven", "failed")
        blocks = [{"parameter": b.name} | {k: getattr(b, k) for k in keys} for b in self.blocks]
        out = {"sizes": self.sizes, "activation": self.activation, "ok": self.ok}
        out |= {"blocks": blocks, "seconds": self.seconds}
        return json.dumps(out, indent=2, ensure_ascii=False)


def prove(sizes=DEFAULT_SIZES, activation="tanh", *, functions=None):
    """A :class:`Proof` that backprop's ∂J^(i)/∂Θ^(l) and ∂J^(i)/∂b^(l) equal SymPy's derivatives.

    Parameters
    ----------
    sizes : sequence of int
        Up to 4 layers of width at most 3 (the expressions grow fast).
    activation : str
        Any of deltaprop's activations; its SymPy ``formula`` is differentiated.
    functions : dict, optional
        Replacements for the equation functions by ``Equation.key`` (e.g. a deliberately
        wrong ``"delta_hidden"``), to see a proof fail.
    """
    sp = require("sympy", "symbolic", name="SymPy")  # or a ConfigError saying how to install it
    sizes = _check_small(check_sizes(sizes))
    act = get_activation(activation)
    start = time.perf_counter()
    symbolic = _symbolic_activation(sp, act)
    f = FUNCTIONS | (functions or {})
    params, x, y = _symbols(sp, sizes)
    _, a, delta = passes(*params, x, y, symbolic, functions=f)
    J = sum(sp.Rational(1, 2) * (a[len(sizes)][j, 0] - y[j, 0]) ** 2 for j in range(sizes[-1]))
    blocks = _blocks(sp, f, params, a, delta, J)
    z_sym = sp.Symbol("z")
    dphi_text = str(sp.diff(sp.sympify(act.formula, locals={"z": z_sym}), z_sym))
    piecewise = "Piecewise" in act.formula or "Max" in act.formula
    seconds = time.perf_counter() - start
    return Proof(sizes, act.name, dphi_text, blocks, _expansion(sizes), seconds, piecewise)


def _check_small(sizes):
    if len(sizes) > MAX_LAYERS or max(sizes) > MAX_WIDTH:
        raise ConfigError(
            f"sizes={','.join(map(str, sizes))} is too large for a symbolic proof; use at most "
            f"{MAX_LAYERS} layers of width <= {MAX_WIDTH}, e.g. --sizes 2,3,2,1"
        )
    return sizes


def _symbolic_activation(sp, act):
    """The activation record with φ and φ' acting element-wise on arrays of expressions.

    A smooth φ is its SymPy formula. A piecewise φ (relu, leaky_relu, elu) is an opaque
    function φ with derivative φ': the proof then holds for every differentiable φ, so for
    the piecewise one on each of its pieces (everywhere but the kink z = 0).
    """
    z = sp.Symbol("z")
    formula = sp.sympify(act.formula, locals={"z": z}, rational=True)
    if formula.has(sp.Piecewise, sp.Max):
        dphi_class = type("dphi", (sp.Function,), {})
        phi_class = type("phi", (sp.Function,), {"fdiff": lambda self, i=1: dphi_class(*self.args)})
        phi, dphi = phi_class(z), dphi_class(z)
    else:
        phi, dphi = formula, sp.diff(formula, z)
    phi_array = np.frompyfunc(lambda u: phi.subs(z, u), 1, 1)
    dphi_array = np.frompyfunc(lambda u: dphi.subs(z, u), 1, 1)
    return Activation(act.name, phi_array, lambda zz, aa: dphi_array(zz), act.formula)


def _symbols(sp, sizes):
    """θ^(l)_jk, b^(l)_j, x_j, y_j as object arrays of SymPy symbols (``sympy.symarray``'s,
    named from index 0: θ^(1)_0_1)."""
    theta = {l: sp.symarray(f"θ^({l})", (sizes[l], sizes[l - 1])) for l in range(1, len(sizes))}
    b = {l: sp.symarray(f"b^({l})", sizes[l - 1]) for l in range(2, len(sizes) + 1)}
    x = sp.symarray("x", sizes[0])[:, None]  # (n_1, 1)
    y = sp.symarray("y", sizes[-1])[:, None]  # (n_L, 1)
    return (theta, b), x, y


def _blocks(sp, f, params, a, delta, J):
    """Backprop's ∂J/∂b^(l+1) and ∂J/∂Θ^(l) by the equations' functions ``f``, each entry
    compared with diff(J, ·)."""
    theta, b = params
    one, blocks = sp.Integer(1), []
    for l in range(len(theta), 0, -1):
        blocks.append(_compare(sp, f"b^({l + 1})", J, b[l + 1], f["grad_b"](delta[l + 1], one)))
        grad = f["grad_theta"](delta[l + 1], a[l], theta[l], 0, one)  # (n_{l+1}, n_l)
        blocks.append(_compare(sp, f"Θ^({l})", J, theta[l], grad))
    return blocks


def _compare(sp, name, J, symbols, backprop):
    symbols = symbols.reshape(len(symbols), -1)  # b^(l) (n_l,) as a column
    backprop = np.reshape(backprop, symbols.shape)
    failed = [
        (j + 1, k + 1)  # 1-based, as printed
        for (j, k), s in np.ndenumerate(symbols)
        if sp.expand(sp.diff(J, s) - backprop[j, k]) != 0
    ]
    return Block(name, symbols.shape, symbols.size - len(failed), failed)


def _expansion(sizes):
    """The chain rule for ∂J/∂θ^(1)_11 written out over the concrete units of each layer."""
    L = len(sizes)
    lines = ["∂J/∂θ^(1)_11 = δ^(2)_1 x_1   (∂z^(2)_1/∂θ^(1)_11 = x_1)"]
    for l in range(2, L):
        j = "1" if l == 2 else "j"
        terms = " + ".join(f"δ^({l + 1})_{k} θ^({l})_{k}{j}" for k in range(1, sizes[l] + 1))
        lines.append(f"δ^({l})_{j} = ({terms}) φ'(z^({l})_{j})")
    lines.append(f"δ^({L})_k = a^({L})_k − y_k")
    lines.append(
        "SymPy expands ∂J/∂θ − (backprop) to 0 for every entry: the sums over k are the "
        "matrix products (Θ^(l))ᵀ δ^(l+1)"
    )
    return lines
