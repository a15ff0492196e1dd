"""Name the mistake in a wrong value, the way a teacher would.

Each repair below rewrites the right side of an equation to undo one classic mistake (a φ' on
the linear output layer, φ'(a) for φ'(z), φ for φ', the sigmoid's a(1 − a) in another network,
α not divided by m, a missing bias, a missing ⊙ φ'). ``check`` evaluates every rewrite and
prints the hint of one that makes the equation right, so a hint is never a guess.
"""

import re
from dataclasses import replace

from deltaprop.derivation.notation import (
    BiasUnit,
    Bin,
    Call,
    DropFirst,
    LayerIndex,
    Num,
    Ones,
    Sym,
    Transpose,
    substitute,
    to_text,
    transform,
)
from deltaprop.derivation.shapes import walk

LAYER_VALUES = {"a": "z", "A": "Z"}  # φ takes z^(l); a^(l) is its value


def repairs(goal, rhs, activation, text=to_text, kinds=None):
    """``[(hint, rewritten right side)]``: one per mistake of ``kinds`` (:data:`REPAIRS`)
    that ``rhs`` may contain; ``text`` writes a node in the notation of the equation. A repair
    of :data:`AT_NODES` is tried at every node of ``rhs``, any other rewrites ``rhs`` whole."""
    found = []
    for repair in kinds or REPAIRS:
        if repair not in AT_NODES:
            found += repair(goal, rhs, activation, text)
            continue
        for node in walk(rhs):
            fix = repair(node, goal, activation, text)
            if fix is not None:
                found.append((fix[0], substitute(rhs, node, fix[1])))
    return found


def _linear_output(node, goal, activation, text):
    """δ^(L) = (a^(L) − y) ⊙ φ'(z^(L)): the output layer is linear, its φ' is 1."""
    if not (isinstance(node, Bin) and node.op in ("⊙", "*")):
        return None
    for factor, other in ((node.right, node.left), (node.left, node.right)):
        if _dphi_at_output(factor):
            a, z = (Sym(node.span, name, LayerIndex("L", 0)) for name in ("a", "z"))
            linear = f"the output layer is linear ({text(a)} = {text(z)})"
            return f"{linear}, so its derivative is 1: drop {text(factor)}", other
    return None


def _dphi_at_output(node):
    if not (isinstance(node, Call) and node.func == "φ'" and isinstance(node.arg, Sym)):
        return False
    return node.arg.name in ("z", "Z", "a", "A") and node.arg.layer == LayerIndex("L", 0)


def _dphi_of_a(node, goal, activation, text):
    """φ'(a^(l)) where φ'(z^(l)) belongs."""
    if not (isinstance(node, Call) and node.func == "φ'" and _is_value(node.arg)):
        return None
    z = replace(node.arg, name=LAYER_VALUES[node.arg.name])
    pre, value = (re.match(r"[^\^_\d(]+", text(n)).group() for n in (z, node.arg))  # z, a
    hint = (
        f"φ' takes {pre}, not {value} = φ({pre}): write φ'({text(z)}), not {text(node)} (the "
        f"pre-activation {text(z)}, not the activation {text(node.arg)})"
    )
    return hint, replace(node, arg=z)


def _is_value(node):
    return isinstance(node, Sym) and node.name in LAYER_VALUES and node.layer is not None


def _sigmoid_derivative(node, goal, activation, text):
    """a ⊙ (1 − a): φ' of the sigmoid, written in a network with another φ."""
    found = None if activation == "sigmoid" else _sigmoid_pattern(node)
    if found is None:
        return None
    a, rest = found
    dphi = Call(node.span, "φ'", replace(a, name=LAYER_VALUES[a.name]))
    hint = (
        f"{text(a)} ⊙ (1 − {text(a)}) is the derivative of the sigmoid; this "
        f"network's φ is {activation}: write {text(dphi)}"
    )
    return hint, dphi if rest is None else Bin(node.span, node.op, rest, dphi, "")


def _sigmoid_pattern(node):
    """``(a, rest)`` for ``a ⊙ (1 − a)`` (either order, ⊙ or *; ``rest`` None) or for
    ``rest ⊙ a ⊙ (1 − a)``; else None."""
    if not (isinstance(node, Bin) and node.op in ("⊙", "*")):
        return None
    left, right = node.left, node.right
    for a, other in ((left, right), (right, left)):
        if _is_value(a) and _one_minus(other, a):
            return a, None
    chained = isinstance(left, Bin) and left.op == node.op and _is_value(left.right)
    return (left.right, left.left) if chained and _one_minus(right, left.right) else None


def _one_minus(node, a):
    """Whether ``node`` is 1 − a."""
    one_minus = isinstance(node, Bin) and node.op == "-" and _is_one(node.left)
    return one_minus and _same_symbol(node.right, a)


def _is_one(node):
    return isinstance(node, Ones) or (isinstance(node, Num) and node.value == 1)


def _same_symbol(p, q):
    return isinstance(p, Sym) and (p.name, p.layer) == (q.name, q.layer)


def _tanh_of_z(node, goal, activation, text):
    """1 − z² where tanh' = 1 − a² (a = tanh(z)) belongs: the derivative written with z."""
    if activation != "tanh" or not (isinstance(node, Bin) and node.op == "-"):
        return None
    square = node.right
    if not (_is_one(node.left) and isinstance(square, Call) and square.func == "pow"):
        return None
    if not (isinstance(square.arg, Sym) and square.arg.name in ("z", "Z") and square.arg.layer):
        return None
    a = replace(square.arg, name={"z": "a", "Z": "A"}[square.arg.name])
    hint = f"tanh' is 1 − a², with the activation {text(a)}, not {text(square.arg)}"
    return hint, replace(node, right=replace(square, arg=a))


def _phi_for_dphi(node, goal, activation, text):
    """φ(z^(l)) where the chain rule needs φ'(z^(l))."""
    if goal.name not in ("δ", "Δ") or not (isinstance(node, Call) and node.func == "φ"):
        return None
    dphi = replace(node, func="φ'")
    return f"φ where φ' belongs: the chain rule multiplies by {text(dphi)}", dphi


def _alpha_over_m(goal, rhs, activation, text=to_text):
    """α Θ^(l) in a batched gradient: the L2 term is (α/m) Θ^(l)."""
    alphas = [n for n in walk(rhs) if isinstance(n, Sym) and n.name == "α"]
    if goal.name not in ("G", "G+", "R", "R+") or not alphas:
        return []
    m = Sym(alphas[0].span, "m")
    fixed = transform(rhs, lambda n: Bin(n.span, "/", n, m) if n in alphas else None)
    hint = "α is not divided by m: the L2 term of ∂J/∂Θ^(l) is (α/m) Θ^(l)"
    return [(hint, fixed)]


def _missing_bias(goal, rhs, activation, text=to_text):
    """z^(l) = Θ^(l−1) a^(l−1), without + b^(l)."""
    if goal.name not in ("z", "Z") or goal.layer is None:
        return []
    if any(isinstance(n, Sym) and n.name == "b" for n in walk(rhs)):
        return []
    b = Sym(goal.node.span, "b", goal.layer)
    if goal.name == "Z":
        b = Bin(b.span, "@", b, Transpose(b.span, Ones(b.span)))  # b^(l) 1ᵀ
    hint = (
        f"missing the bias: add + {text(b)} (Ng's course folds the bias into Θ^(l) and a "
        "bias unit into a^(l): check with --notation ng)"
    )
    return [(hint, Bin(rhs.span, "+", rhs, b, "+"))]


def _missing_dphi(goal, rhs, activation, text=to_text):
    """(Θ^(l))ᵀ δ^(l+1) without ⊙ φ'(z^(l))."""
    if goal.name not in ("δ", "Δ") or goal.layer is None:
        return []
    z = Sym(goal.node.span, "Z" if goal.name == "Δ" else "z", goal.layer)
    dphi = Call(goal.node.span, "φ'", z)
    return [(f"missing the factor ⊙ {text(dphi)}", Bin(rhs.span, "⊙", rhs, dphi, ""))]


def _bias_regularized(node, goal, activation, text):
    """(α/m) Θ^(l) with Ng's folded Θ: the L2 term regularizes the bias column too (the
    rewrite is right only where the gradient has α)."""
    if goal.name not in ("G+", "R+") or not (isinstance(node, Sym) and node.name == "Θ+"):
        return None
    zeroed = BiasUnit(node.span, DropFirst(node.span, node, 1), 1, 0.0)
    hint = (
        "the bias column is regularized: the L2 term leaves the biases alone, so it takes "
        f"{text(zeroed)} (ex4 adds (λ/m) Theta1(:,2:end) to Theta1_grad(:,2:end))"
    )
    return hint, zeroed


def _layer_shifted(node, goal, activation, text):
    """A weight matrix one layer off, as Nielsen's w^l read for Θ^(l) (w^l is Θ^(l−1))."""
    if not (isinstance(node, Sym) and node.name == "Θ" and node.layer is not None):
        return None
    shifted = replace(node, layer=node.layer.shift(1))
    hint = (
        f"the weights are one layer off: {text(shifted)}, not {text(node)} (in "
        "Nielsen's notation w^{l+1} is Θ^(l): his w^l maps layer l−1 to layer l)"
    )
    return hint, shifted


def _x(span, layer):  # cs231n's x of an activation layer: (Z^(l))ᵀ
    return Transpose(span, Sym(span, "Z", layer))


def _out(span, layer):  # its out = φ(x): (A^(l))ᵀ
    return Transpose(span, Sym(span, "A", layer))


def _dout(span, layer):  # its dout = ∂J/∂out, with the 1/m of J
    upstream = Transpose(span, Sym(span, "∂J/∂A", layer))
    return Bin(span, "/", upstream, Sym(span, "m"), "scale")


def _cs231n_derivative(activation, span, layer):
    """φ'(x) as cs231n writes it in terms of x and out: ``(x > 0)`` for the ReLU,
    ``(1 - out**2)`` for tanh, ``out * (1 - out)`` for the sigmoid; None for another φ."""
    one, out = Num(span, 1.0), _out(span, layer)
    if activation == "relu":
        return Call(span, "step", _x(span, layer))
    if activation == "tanh":
        return Bin(span, "-", one, Call(span, "pow", out, (Num(span, 2.0),)))
    if activation == "sigmoid":
        return Bin(span, "*", out, Bin(span, "-", one, out))
    return None


def _local_derivative(goal, rhs, activation, text=to_text):
    """cs231n's dx = dout * φ'(x) of an activation layer (read as m (dout * …), dx being
    (Δ^(l))ᵀ/m): φ' written with x where it takes out, the local derivative missing (the
    ReLU's mask forgotten) or another activation's."""
    scaled = isinstance(rhs, Bin) and rhs.written == "scale"
    if not (goal.name == "Δ" and goal.transposed and scaled and goal.layer is not None):
        return []
    span, layer, written = rhs.span, goal.layer, rhs.right
    derivative = _cs231n_derivative(activation, span, layer)
    if derivative is None:
        return []
    right = Bin(span, "*", _dout(span, layer), derivative)
    found = []
    if any(isinstance(n, Sym) and n.name == "Z" for n in walk(written)):
        outputs = transform(written, lambda n: _out(n.span, layer) if _is_x(n) else None)
        hint = f"φ' of {activation} is written with out = {activation}(x), not x"
        found.append((hint, replace(rhs, right=outputs)))
    if not any(isinstance(n, Sym) and n.name not in ("∂J/∂A", "m") for n in walk(written)):
        mask = "the ReLU's mask " if activation == "relu" else ""
        return [*found, (f"missing {mask}φ'(x): dx = {text(right)}", replace(rhs, right=right))]
    named = [name for name in ("relu", "tanh", "sigmoid") if _is_dout_times(written, name, layer)]
    other = ""
    if named:
        other = f"{text(_cs231n_derivative(named[0], span, layer))} is {named[0]}'s φ'; "
    hint = f"{other}the local derivative is φ'(x) of this network's φ = {activation}: "
    return [*found, (hint + f"dx = {text(right)}", replace(rhs, right=right))]


def _is_x(node):
    return isinstance(node, Transpose) and isinstance(node.arg, Sym) and node.arg.name == "Z"


def _is_dout_times(written, activation, layer):
    """Whether ``written`` is dout times the local derivative of ``activation``, any order."""
    span = written.span
    right = Bin(span, "*", _dout(span, layer), _cs231n_derivative(activation, span, layer))
    return sorted(_factors(written)) == sorted(_factors(right))


def _factors(node):
    if isinstance(node, Bin) and node.op == "*":
        return _factors(node.left) + _factors(node.right)
    return [to_text(node)]


def exp_output(node, goal, activation, text):
    """(a^(L) − y) ⊙ exp(z^(L)) (or ⊙ a^(L)) for the Poisson loss: the squared loss's δ^(L)
    through an exp output. The log in J cancels exp'(z^(L)) = a^(L); ``check`` tries this
    repair with ``loss="poisson"`` only."""
    if goal.name not in ("δ", "Δ") or not (isinstance(node, Bin) and node.op in ("⊙", "*")):
        return None
    for factor, other in ((node.right, node.left), (node.left, node.right)):
        if _is_exp_output(factor):
            hint = (
                f"{text(node)} is the squared loss's δ^(L) through an exp output; the "
                "Poisson loss's log link cancels exp'(z^(L)) = a^(L), so δ^(L) = a^(L) − y: "
                f"drop {text(factor)}"
            )
            return hint, other
    return None


def _is_exp_output(node):
    """exp(z^(k)) or a^(k) (Z, A batched): the value of an exp output layer."""
    if isinstance(node, Call) and node.func == "exp":
        node = node.arg
        return isinstance(node, Sym) and node.name in ("z", "Z") and node.layer is not None
    return isinstance(node, Sym) and node.name in ("a", "A") and node.layer is not None


AT_NODES = {_linear_output, _dphi_of_a, _sigmoid_derivative, _tanh_of_z, _phi_for_dphi}
AT_NODES |= {_bias_regularized, _layer_shifted, exp_output}
REPAIRS = (
    _linear_output,
    _dphi_of_a,
    _sigmoid_derivative,
    _tanh_of_z,
    _phi_for_dphi,
    _alpha_over_m,
    _missing_bias,
    _missing_dphi,
    _bias_regularized,
    _layer_shifted,
    _local_derivative,
)


L2_TWICE = (
    "twice the L2 term: the ½ of the penalty (α/2m) ‖Θ‖² (cs231n's ½ reg ‖W‖²) cancels the "
    "derivative's 2"
)
CS231N_SHAPES = (
    "one sample per row: X is N × D, W is D × M and out = X @ W + b is N × M; a gradient has "
    "the shape of its variable: dW is D × M like W, db (M,) like b, dx N × D like X"
)
CS231N_AXIS = (
    "the wrong axis: db sums dout over the N samples, its rows (axis=0); axis=1 sums over the "
    "units of each sample"
)
CS231N_TWICE_AVERAGED = (
    "divided by N twice: dout = ∂J/∂out already carries the 1/N of J (the loss averages over "
    "the N samples), so dW = X.T @ dout needs no further / N"
)
COST_TWICE = "twice the true value: the cost J^(i) = ½‖a^(L) − y‖² has the factor ½"


def factor_hint(c, m, l2=False, local=False, cost=False):
    """The hint for a value that is ``c`` times the truth (m samples in the batch); ``l2``:
    the truth is the L2 term (α/m) Θ^(l); ``local``: a gradient of cs231n's NumPy; ``cost``:
    the truth is J."""
    if (l2 or cost) and abs(c - 2) <= 2e-9:
        return L2_TWICE if l2 else COST_TWICE
    if local and abs(c - 1 / m) <= 1e-9 / m:
        return CS231N_TWICE_AVERAGED
    named = [
        (m, f"too large by a factor m = {m}: the batched gradient needs the factor 1/m"),
        (1 / m, f"too small by the factor 1/m = 1/{m}: this quantity is not averaged over m"),
        (-1, "the sign is flipped"),
        (2, "twice the true value: the ½ of J^(i) = ½‖a^(L) − y‖² cancels the derivative's 2"),
        (0.5, "half the true value: the ½ of J^(i) is already cancelled by the derivative's 2"),
    ]
    for factor, hint in named:
        if abs(c - factor) <= 1e-9 * abs(factor):
            return hint
    return None
