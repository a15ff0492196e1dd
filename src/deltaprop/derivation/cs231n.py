"""cs231n's NumPy, read as the question's quantities of one layer, samples as rows.

cs231n writes each layer with names local to it (``affine_backward``: ``dx = dout @ w.T``,
``dw = x.T @ dout``, ``db = dout.sum(axis=0)``; ``relu_backward``: ``dx = dout * (x > 0)``)
and one sample per row. An equation is about an affine layer, from layer l to layer l+1, when
it names W, b or their gradients (or X), else about the activation of a hidden layer l. Each
name is then the transpose of a quantity of the question's network (``tables.CS231N``): X is
(A^(l))ᵀ, N × D, with N = m (the samples), D = n_l and M = n_{l+1}; dout = ∂J/∂out carries
the 1/m of J, which averages over the samples, and ``reg`` is α/m (cs231n's L2 term is
½ reg ‖W‖²).
"""

from dataclasses import replace

from deltaprop.derivation.notation import (
    AxisSum,
    Bin,
    Call,
    LayerIndex,
    Local,
    Num,
    to_text,
    transform,
)
from deltaprop.derivation.shapes import walk
from deltaprop.derivation.tables import ACTIVATION, AFFINE

AFFINE_CLUES = AFFINE.keys() - ACTIVATION.keys()  # X, W, b, dW, db: only an affine layer's
TARGETS = {"cs:Z", "cs:dA", "cs:G", "cs:gb", "cs:R", "cs:a", "cs:dz", "cs:dZ", "cs:da"}
LABELS = {LayerIndex("l", 0): "D", LayerIndex("l", 1): "M", "m": "N"}
NOTES = {
    "affine": (
        "cs231n's names are local to one layer, one sample per row; this is an affine layer "
        "from layer l to l+1: X is (A^(l))ᵀ (N × D, N = m samples, D = n_l), W is (Θ^(l))ᵀ "
        "(D × M, M = n_{l+1}), b is (b^(l+1))ᵀ, out is (Z^(l+1))ᵀ, dout = ∂J/∂out = "
        "(1/m) (Δ^(l+1))ᵀ (J averages over the N samples), dW is (∂J/∂Θ^(l))ᵀ, db is "
        "(∂J/∂b^(l+1))ᵀ, dx = ∂J/∂X, and reg is α/m"
    ),
    "activation": (
        "cs231n's names are local to one layer, one sample per row; this is the activation φ "
        "of a hidden layer l: x is (Z^(l))ᵀ (N × D, N = m samples, D = n_l), out = φ(x) is "
        "(A^(l))ᵀ, dout = ∂J/∂out and dx = ∂J/∂x = (1/m) (Δ^(l))ᵀ (J averages over the N "
        "samples)"
    ),
}


def context(sides):
    """``"affine"`` when the equation names W, b or their gradients, else ``"activation"``."""
    nodes = [n for side in sides if side is not None for n in walk(side)]
    written = {n.written for n in nodes if isinstance(n, Local)}
    return "affine" if written & AFFINE_CLUES else "activation"


def localize(sides, kind):
    """``sides`` with each layer-local name bound to the quantity it stands for in a layer
    of ``kind`` (see the table above)."""
    names = AFFINE if kind == "affine" else ACTIVATION
    return [_bound(side, names) for side in sides]


def _bound(node, names):
    if node is None:
        return None

    def bind(n):
        if isinstance(n, Local):
            return replace(n, name=names.get(n.written, f"cs:{n.written}?"))
        return None

    return transform(node, bind)


# ---------------------------------------------------------------- named mistakes

SHAPES_HINT = (
    "one sample per row: X is N × D, W is D × M and out = X @ W + b is N × M; a gradient has "
    "the shape of its variable: dW is D × M like W, db (M,) like b, dx N × D like X"
)
AXIS_HINT = (
    "the wrong axis: db sums dout over the N samples, its rows (axis=0); axis=1 sums over the "
    "units of each sample"
)


def _x(span):
    return Local(span, "cs:z", LayerIndex("l", 0), written="x")


def _out(span):
    return Local(span, "cs:a", LayerIndex("l", 0), written="out")


def local_derivative(activation, span):
    """φ'(x) as cs231n writes it in terms of x and out: ``(x > 0)`` for the ReLU,
    ``(1 - out**2)`` for tanh, ``out * (1 - out)`` for the sigmoid; None for another φ."""
    one = Num(span, 1.0)
    if activation == "relu":
        return Call(span, "step", _x(span))
    if activation == "tanh":
        return Bin(span, "-", one, Call(span, "pow", _out(span), (Num(span, 2.0),)))
    if activation == "sigmoid":
        return Bin(span, "*", _out(span), Bin(span, "-", one, _out(span)))
    return None


def repairs(goal, rhs, activation, text=to_text):
    """``[(hint, rewritten rhs)]`` for dx of an activation layer: φ' written with x where it
    takes out, the local derivative missing (the ReLU's mask forgotten) or another
    activation's."""
    derivative = local_derivative(activation, rhs.span)
    if goal.name != "cs:dz" or derivative is None:
        return []
    dout = Local(rhs.span, "cs:da", LayerIndex("l", 0), written="dout")
    right = Bin(rhs.span, "*", dout, derivative)
    found = []
    if any(isinstance(n, Local) and n.name == "cs:z" for n in walk(rhs)):
        outputs = transform(rhs, lambda n: _out(n.span) if _is_x(n) else None)
        found.append((f"φ' of {activation} is written with out = {activation}(x), not x", outputs))
    if not any(isinstance(n, Local) and n.name != "cs:da" for n in walk(rhs)):
        mask = "the ReLU's mask " if activation == "relu" else ""
        return [*found, (f"missing {mask}φ'(x): dx = {to_text(right)}", right)]
    written = [name for name in ("relu", "tanh", "sigmoid") if _is_dout_times(rhs, name)]
    other = ""
    if written:
        other = f"{to_text(local_derivative(written[0], rhs.span))} is {written[0]}'s φ'; "
    hint = f"{other}the local derivative is φ'(x) of this network's φ = {activation}: "
    return [*found, (hint + f"dx = {to_text(right)}", right)]


def _is_x(node):
    return isinstance(node, Local) and node.name == "cs:z"


def _is_dout_times(rhs, activation):
    """Whether ``rhs`` is dout times the local derivative of ``activation``, in any order."""
    dout = Local(rhs.span, "cs:da", LayerIndex("l", 0), written="dout")
    right = Bin(rhs.span, "*", dout, local_derivative(activation, rhs.span))
    return sorted(_factors(rhs)) == sorted(_factors(right))


def _factors(node):
    if isinstance(node, Bin) and node.op == "*":
        return _factors(node.left) + _factors(node.right)
    return [to_text(node)]


def flipped_axis(node):
    """Rewrites of ``node`` with the axis of one of its sums flipped."""
    sums = [n for n in walk(node) if isinstance(n, AxisSum) and n.axis in (0, 1)]
    return [
        transform(node, lambda n, s=s: replace(s, axis=1 - s.axis) if n is s else None)
        for s in sums
    ]
