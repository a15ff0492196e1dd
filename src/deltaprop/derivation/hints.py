"""Name the mistake in a wrong value, the way a teacher would.

Each repair below finds one classic mistake in the right side of an equation (a φ' on the
linear output layer, φ'(a) for φ'(z), φ for φ', the sigmoid's a(1 − a) in another network,
α not divided by m, a missing bias, a missing ⊙ φ') and rewrites it away. ``check`` evaluates
every rewrite and prints the hint of one that makes the equation right, so a hint is never a
guess. The hints are data: :data:`HINTS` holds one template per mistake, filled with the
student's symbols (each node written by ``text``, the words φ, φ', ⊙ as the student says them).
"""

import re
from dataclasses import replace

from deltaprop.derivation.notation import (
    BiasUnit,
    Bin,
    Call,
    DropFirst,
    LayerIndex,
    Node,
    Num,
    Ones,
    Sym,
    Transpose,
    substitute,
    to_text,
    transform,
)
from deltaprop.derivation.shapes import uses, walk

LAYER_VALUES = {"a": "z", "A": "Z"}  # φ takes z^(l); a^(l) is its value
GRADIENT_VALUES = {"∂J/∂a": ("a", "z", "δ"), "∂J/∂A": ("A", "Z", "Δ")}  # its a, z and ∂J/∂z
OUTPUTS = {"y": ("a", "δ"), "Y": ("A", "Δ")}  # the target's output a^(L) and δ^(L)
NAME = re.compile(r"[^\^_\d(]*")  # a symbol's name without its layer: z of z^(l), Z of Z1
WORDS = {"phi": "φ", "dphi": "φ'", "times": "⊙"}  # the question's words, as a student's

# mistake → its hint: a {field} is a node written in the student's symbols, or a word
HINTS = {
    "linear output": (
        "the output layer is linear ({a} = {z}), so its derivative is 1: drop {factor}"
    ),
    "φ on the output": "the output layer is linear: {goal} = {fixed}, not {written}",
    "φ' twice": "the factor {factor} is already in {other}: drop it",
    "φ'(a)": (
        "{dphi} takes {z_name}, not {a_name} = {phi}({z_name}): write {fixed}, not {written} (the "
        "pre-activation {z}, not the activation {a})"
    ),
    "sigmoid's φ'": (
        "{a} {times} (1 − {a}) is the derivative of the sigmoid; this network's {phi} is "
        "{activation}: write {fixed}"
    ),
    "tanh' of z": "tanh' is {fixed}, with the activation {a}, not {z}",
    "φ of a": "{a} is already the activation {phi}({z}): write {a}, not {written}",
    "∂J/∂a for δ": (
        "missing {dphi}: {written} is the gradient of the activation {a}, so the chain rule "
        "goes on with {fixed} = {written} {times} {dphi}({z})"
    ),
    "target for δ": (
        "{written} is the target, where the chain rule takes the error {fixed} of the layer "
        "after (at the output, {a} − {written})"
    ),
    "φ for φ'": "{phi} where {dphi} belongs: the chain rule multiplies by {fixed}",
    "a for φ'": (
        "{a} is the activation {phi}({z}), where the chain rule multiplies by its derivative "
        "{fixed}"
    ),
    "indices swapped": "the indices are swapped: write {fixed}, not {written}",
    "α not over m": "{alpha} is not divided by m: the L2 term of {goal} is ({alpha}/m) {theta}",
    "missing bias": (
        "missing the bias: add + {b} (Ng's course folds the bias into {theta} and a bias unit "
        "into {a}: check with --notation ng)"
    ),
    "missing φ'": "missing the factor {times} {fixed}",
    "bias regularized": (
        "the bias column is regularized: the L2 term leaves the biases alone, so it takes "
        "{fixed} (ex4 adds (λ/m) Theta1(:,2:end) to Theta1_grad(:,2:end))"
    ),
    "layer shifted": (
        "the weights are one layer off: {fixed}, not {written} (in Nielsen's notation w^{{l+1}} "
        "is Θ^(l): his w^l maps layer l−1 to layer l)"
    ),
    "cs231n φ' of x": "φ' of {activation} is written with out = {activation}(x), not x",
    "cs231n missing φ'": "missing {mask}φ'(x): dx = {fixed}",
    "cs231n φ'": "the local derivative is φ'(x) of this network's φ = {activation}: dx = {fixed}",
    "cs231n another φ'": (
        "{written} is {name}'s φ'; the local derivative is φ'(x) of this network's φ = "
        "{activation}: dx = {fixed}"
    ),
    "regularized bias": "biases are not regularized: drop the L2 term from {goal}",
    "L2 twice": (
        "twice the L2 term: the ½ of the penalty (α/2m) ‖Θ‖² (cs231n's ½ reg ‖W‖², Goodfellow's "
        "Ω(θ) = ½ Σ_k ‖W^(k)‖²_F) cancels the derivative's 2"
    ),
    "cs231n shapes": (
        "one sample per row: X is N × D, W is D × M and out = X @ W + b is N × M; a gradient has "
        "the shape of its variable: dW is D × M like W, db (M,) like b, dx N × D like X"
    ),
    "cs231n axis": (
        "the wrong axis: db sums dout over the N samples, its rows (axis=0); axis=1 sums over the "
        "units of each sample"
    ),
    "cs231n averaged twice": (
        "divided by N twice: dout = ∂J/∂out already carries the 1/N of J (the loss averages over "
        "the N samples), so dW = X.T @ dout needs no further / N"
    ),
    "cost twice": "twice the true value: the squared loss ½‖·‖² has the factor ½",
    "bias not dropped": (
        "the bias column is not dropped: Ng's {theta} holds the bias column (n_{{l+1}} × (n_l + "
        "1)) and the bias unit a_0 = 1 has no δ, so the backward step uses {theta}(:,2:end) (or "
        "drops the first row of the result, {goal}(2:end))"
    ),
    "Δ averaged": (
        "1/m where it does not belong: Δ (deeplearning.ai's dZ, dZ^{[L]} = A^{[L]} − Y) is each "
        "sample's δ, not averaged; only ∂J/∂Θ and ∂J/∂b (dW, db) take the 1/m, once"
    ),
    "layer zero": (
        "the layers are one off: in {title} layer 0 is the input, so {theta} maps {a} to {z}, "
        "and the first layer's gradient takes {a0} = {x}"
    ),
    "keepdims": (
        "np.sum(…, axis=1) without keepdims=True is 1-D: it broadcasts as a row, so "
        "b - learning_rate * db would be n × n; write keepdims=True"
    ),
    "axis": (
        "the wrong axis: a bias gradient sums over the samples, which are the {} here "
        "(axis={}); the other axis sums over the units of each sample"
    ),
    "exp output": (
        "{written} is the squared loss's δ^(L) through an exp output; the Poisson loss's log "
        "link cancels exp'(z^(L)) = a^(L), so δ^(L) = a^(L) − y: drop {factor}"
    ),
}


def repairs(goal, rhs, activation, voice, kinds=None):
    """``[(hint, rewritten right side)]``: one per mistake of ``kinds`` (:data:`REPAIRS`)
    that ``rhs`` may contain; ``voice`` writes a node as the student does and its ``words``
    are the student's φ, φ' and ⊙ (``phi``, ``dphi``, ``times``)."""
    found, rewrites = [], set()  # a rewrite of an earlier repair's is its mistake, named
    for repair in kinds or REPAIRS:
        fixes = [fix for fix in repair(goal, rhs, activation) if to_text(fix[2]) not in rewrites]
        rewrites |= {to_text(fixed) for _, _, fixed in fixes}
        for mistake, fields, fixed in fixes:
            said = {k: voice(v) if isinstance(v, Node) else v for k, v in fields.items()}
            said |= {f"{k}_name": NAME.match(v).group() for k, v in said.items()}  # z^(l): z
            hint = HINTS[mistake].format(**voice.words, activation=activation, **said)
            found.append((hint, fixed))
    return found


def at_nodes(repair):
    """The repair of one node, ``repair(node, goal, activation)``, tried at every node of the
    right side: its ``(mistake, fields, rewrite of the node)`` rewrites the whole; the fields
    ``written`` (the node) and ``fixed`` (its rewrite) are there unless it gives its own."""

    def whole(goal, rhs, activation):
        found = []
        for node in walk(rhs):
            fix = repair(node, goal, activation)
            if fix is not None:
                mistake, fields, fixed = fix
                fields = {"written": node, "fixed": fixed} | fields
                found.append((mistake, fields, substitute(rhs, node, fixed)))
        return found

    return whole


def _product_factors(node):
    """``[(factor, other)]`` of an element-wise product, both ways round; [] for another node."""
    if not (isinstance(node, Bin) and node.op in ("⊙", "*")):
        return []
    return [(node.right, node.left), (node.left, node.right)]


@at_nodes
def _linear_output(node, goal, activation):
    """δ^(L) = (a^(L) − y) ⊙ φ'(z^(L)), or Nielsen's Σ'(z^L) ∇_a C = Diag(σ'(z^L)) ∇_a C:
    the output layer is linear, its φ' is 1; and a gradient by b or Θ from δ ⊙ φ', whose δ
    holds φ' already. The layer of φ' is any (an equation of fixed layers may name its output
    layer by number): a repair is shown only where it checks correct."""
    diag = isinstance(node, Bin) and node.op == "@" and is_call(node.left, "Diag")
    for factor, other in [(node.left, node.right)] if diag else _product_factors(node):
        dphi = factor.arg if diag else factor
        if is_call(dphi, "φ'", ("z", "Z", "a", "A")):
            names = ("A", "Z") if dphi.arg.name in ("A", "Z") else ("a", "z")  # batched
            a, z = (Sym(node.span, name, dphi.arg.layer) for name in names)
            mistake = "linear output" if goal.name in ("δ", "Δ") else "φ' twice"
            return mistake, {"a": a, "z": z, "factor": factor, "other": other}, other
    return None


def _layered(node, names):
    """Whether ``node`` is a symbol of ``names`` at a layer: z^(l), A^(3)."""
    return isinstance(node, Sym) and node.name in names and node.layer is not None


def is_call(node, func, names=None):
    """Whether ``node`` is ``func(…)``, of a symbol of ``names`` at a layer if given."""
    return isinstance(node, Call) and node.func == func and (not names or _layered(node.arg, names))


@at_nodes
def _dphi_of_a(node, goal, activation):
    """φ'(a^(l)) where φ'(z^(l)) belongs."""
    if not is_call(node, "φ'", LAYER_VALUES):
        return None
    z = replace(node.arg, name=LAYER_VALUES[node.arg.name])
    return "φ'(a)", {"z": z, "a": node.arg}, replace(node, arg=z)


@at_nodes
def _sigmoid_derivative(node, goal, activation):
    """a ⊙ (1 − a): φ' of the sigmoid, written in a network with another φ."""
    found = None if activation == "sigmoid" else _sigmoid_pattern(node)
    if found is None:
        return None
    a, rest = found
    dphi = Call(node.span, "φ'", replace(a, name=LAYER_VALUES[a.name]))
    fixed = dphi if rest is None else Bin(node.span, node.op, rest, dphi, "")
    return "sigmoid's φ'", {"a": a, "fixed": dphi}, fixed


def _sigmoid_pattern(node):
    """``(a, rest)`` for ``a ⊙ (1 − a)`` (either order, ⊙ or *; ``rest`` None) or for
    ``rest ⊙ a ⊙ (1 − a)``; else None."""
    for a, other in _product_factors(node):
        if _layered(a, LAYER_VALUES) and _one_minus(other, a):
            return a, None
    if not _product_factors(node):
        return None
    left, right = node.left, node.right
    chained = isinstance(left, Bin) and left.op == node.op and _layered(left.right, LAYER_VALUES)
    return (left.right, left.left) if chained and _one_minus(right, left.right) else None


def _one_minus(node, a):
    """Whether ``node`` is 1 − a."""
    one_minus = isinstance(node, Bin) and node.op == "-" and _is_one(node.left)
    return one_minus and to_text(node.right) == to_text(a)


def _is_one(node):
    return isinstance(node, Ones) or (isinstance(node, Num) and node.value == 1)


@at_nodes
def _tanh_of_z(node, goal, activation):
    """1 − z² where tanh' = 1 − a² (a = tanh(z)) belongs: the derivative written with z (or
    with Britz's row z1, (Z^(2))ᵀ)."""
    if activation != "tanh" or not (isinstance(node, Bin) and node.op == "-"):
        return None
    square = node.right
    if not (_is_one(node.left) and is_call(square, "pow")):
        return None
    z = square.arg
    unit = z.arg if isinstance(z, Transpose) else z
    if not _layered(unit, ("z", "Z")):
        return None
    a = substitute(z, unit, replace(unit, name={"z": "a", "Z": "A"}[unit.name]))
    return "tanh' of z", {"a": a, "z": z}, replace(node, right=replace(square, arg=a))


@at_nodes
def _phi_of_a(node, goal, activation):
    """φ(a^(l)) (deeplearning.ai's np.tanh(A1) in tanh' = 1 − tanh(A1)²) where a^(l) is
    already φ(z^(l))."""
    if not (isinstance(node, Call) and node.func in ("φ", activation)):
        return None
    if not _layered(node.arg, LAYER_VALUES):
        return None
    z = replace(node.arg, name=LAYER_VALUES[node.arg.name])
    return "φ of a", {"a": node.arg, "z": z}, node.arg


@at_nodes
def _gradient_of_a(node, goal, activation):
    """∂J/∂a^(l) where the chain rule goes on from δ^(l) = ∂J/∂a^(l) ⊙ φ'(z^(l))
    (deeplearning.ai's dA_prev = W.T @ dA, for W.T @ dZ); not in δ^(l) = ∂J/∂a^(l) ⊙ …
    itself (cs231n's dx = dout * …, whose hints name its local derivative)."""
    if not _layered(node, GRADIENT_VALUES) or node.layer == goal.layer:
        return None
    a, z, delta = (replace(node, name=name) for name in GRADIENT_VALUES[node.name])
    return "∂J/∂a for δ", {"a": a, "z": z}, delta


@at_nodes
def _target_for_delta(node, goal, activation):
    """The target y (Bishop's t_k) where the chain rule takes δ^(L) = a^(L) − y of the layer
    after."""
    if not (isinstance(node, Sym) and node.name in OUTPUTS and goal.name in ("δ", "Δ")):
        return None
    a, delta = (replace(node, name=name, layer=LayerIndex("L", 0)) for name in OUTPUTS[node.name])
    return "target for δ", {"a": a}, delta


@at_nodes
def _phi_for_dphi(node, goal, activation):
    """φ(z^(l)), or its value a^(l) (Bishop's z_j for h'(a_j)), where the chain rule needs
    φ'(z^(l))."""
    if goal.name not in ("δ", "Δ"):
        return None
    if is_call(node, "φ"):
        return "φ for φ'", {}, replace(node, func="φ'")
    if _layered(node, LAYER_VALUES):
        z = replace(node, name=LAYER_VALUES[node.name])
        return "a for φ'", {"a": node, "z": z}, Call(node.span, "φ'", z)
    return None


@at_nodes
def _phi_on_output(node, goal, activation):
    """a^(L) = φ(z^(L)): the output layer is linear, a^(L) = z^(L) (a repair is shown only
    where it checks correct: at the output)."""
    if goal.name in ("a", "A") and isinstance(node, Call) and node.func in ("φ", "tanh", "relu"):
        return "φ on the output", {"goal": goal.node}, node.arg
    return None


@at_nodes
def _indices_swapped(node, goal, activation):
    """z_j δ_i for δ_j z_i (Bishop's ∂E_n/∂w_{ji}): each factor of a product of two units
    written with the other's index, and so at the other's layer."""
    factors = (node.left, node.right) if isinstance(node, Bin) else ()
    if not (factors and all(isinstance(n, Sym) and len(n.entry) == 1 for n in factors)):
        return None
    left, right = factors
    swapped = replace(left, layer=right.layer, entry=right.entry)
    fixed = replace(node, left=swapped, right=replace(right, layer=left.layer, entry=left.entry))
    return "indices swapped", {}, fixed


def _alpha_over_m(goal, rhs, activation):
    """α Θ^(l) in a batched gradient: the L2 term is (α/m) Θ^(l)."""
    alphas = [n for n in walk(rhs) if isinstance(n, Sym) and n.name == "α"]
    if goal.name not in ("G", "G+", "R", "R+") or not alphas:
        return []
    m = Sym(alphas[0].span, "m")
    fixed = transform(rhs, lambda n: Bin(n.span, "/", n, m) if n in alphas else None)
    theta = Sym(alphas[0].span, "Θ", goal.layer)  # goal.node: the gradient an update adds to
    return [("α not over m", {"alpha": alphas[0], "goal": goal.node, "theta": theta}, fixed)]


def _missing_bias(goal, rhs, activation):
    """z^(l) = Θ^(l−1) a^(l−1), without + b^(l)."""
    if goal.name not in ("z", "Z") or goal.layer is None or uses(rhs, {"b"}):
        return []
    span, before = goal.node.span, goal.layer.shift(-1)
    b, a = Sym(span, "b", goal.layer), Sym(span, "a", before)
    if goal.name == "Z":  # b^(l) 1ᵀ, A^(l−1)
        b, a = Bin(span, "@", b, Transpose(span, Ones(span))), replace(a, name="A")
    fields = {"b": b, "theta": Sym(span, "Θ", before), "a": a}
    return [("missing bias", fields, Bin(rhs.span, "+", rhs, b, "+"))]


def _missing_dphi(goal, rhs, activation):
    """(Θ^(l))ᵀ δ^(l+1) without ⊙ φ'(z^(l))."""
    if goal.name not in ("δ", "Δ") or goal.layer is None:
        return []
    z = Sym(goal.node.span, "Z" if goal.name == "Δ" else "z", goal.layer, entry=goal.entry)
    dphi = Call(goal.node.span, "φ'", z)
    return [("missing φ'", {"fixed": dphi}, Bin(rhs.span, "⊙", rhs, dphi, ""))]


@at_nodes
def _bias_regularized(node, goal, activation):
    """(α/m) Θ^(l) with Ng's folded Θ: the L2 term regularizes the bias column too (the
    rewrite is right only where the gradient has α)."""
    if goal.name not in ("G+", "R+") or not (isinstance(node, Sym) and node.name == "Θ+"):
        return None
    return "bias regularized", {}, BiasUnit(node.span, DropFirst(node.span, node, 1), 1, 0.0)


@at_nodes
def _layer_shifted(node, goal, activation):
    """A weight matrix one layer off, as Nielsen's w^l read for Θ^(l) (w^l is Θ^(l−1))."""
    if not _layered(node, ("Θ",)):
        return None
    return "layer shifted", {}, replace(node, layer=node.layer.shift(1))


def _row(name, span, layer):  # cs231n's x of an activation layer, (Z^(l))ᵀ; out = φ(x), (A^(l))ᵀ
    return Transpose(span, Sym(span, name, layer))


def _dx(span, layer):
    """cs231n's dx = dout * φ'(x) of an activation layer, by φ: its dout = ∂J/∂out, with the
    1/m of J, and φ'(x) as cs231n writes it in terms of x and out: ``(x > 0)`` for the ReLU,
    ``(1 - out**2)`` for tanh, ``out * (1 - out)`` for the sigmoid."""
    one, out = Num(span, 1.0), _row("A", span, layer)
    dout = Bin(span, "/", _row("∂J/∂A", span, layer), Sym(span, "m"), "scale")
    derivatives = {
        "relu": Call(span, "step", _row("Z", span, layer)),
        "tanh": Bin(span, "-", one, Call(span, "pow", out, (Num(span, 2.0),))),
        "sigmoid": Bin(span, "*", out, Bin(span, "-", one, out)),
    }
    return {name: Bin(span, "*", dout, derivative) for name, derivative in derivatives.items()}


def _local_derivative(goal, rhs, activation):
    """cs231n's dx = dout * φ'(x) of an activation layer (read as m (dout * …), dx being
    (Δ^(l))ᵀ/m): φ' written with x where it takes out, the local derivative missing (the
    ReLU's mask forgotten) or another activation's."""
    scaled = isinstance(rhs, Bin) and rhs.written == "scale"
    if not (goal.name == "Δ" and goal.transposed and scaled and goal.layer is not None):
        return []
    span, layer, written = rhs.span, goal.layer, rhs.right
    dx = _dx(span, layer)
    if activation not in dx:
        return []
    right, found = replace(rhs, right=dx[activation]), []
    if uses(written, {"Z"}):
        outputs = transform(written, lambda n: _row("A", n.span, layer) if _is_x(n) else None)
        found.append(("cs231n φ' of x", {}, replace(rhs, right=outputs)))
    if not any(isinstance(n, Sym) and n.name not in ("∂J/∂A", "m") for n in walk(written)):
        mask = "the ReLU's mask " if activation == "relu" else ""
        return [*found, ("cs231n missing φ'", {"mask": mask, "fixed": right.right}, right)]
    named = [name for name, other in dx.items() if _factors(other) == _factors(written)]
    if not named:
        return [*found, ("cs231n φ'", {"fixed": right.right}, right)]
    fields = {"written": dx[named[0]].right, "name": named[0], "fixed": right.right}
    return [*found, ("cs231n another φ'", fields, right)]


def _is_x(node):
    return isinstance(node, Transpose) and isinstance(node.arg, Sym) and node.arg.name == "Z"


def _factors(node):
    """The texts of the factors of a product ``*``, sorted: the same for any order."""
    if isinstance(node, Bin) and node.op == "*":
        return sorted(_factors(node.left) + _factors(node.right))
    return [to_text(node)]


@at_nodes
def exp_output(node, goal, activation):
    """(a^(L) − y) ⊙ exp(z^(L)) (or ⊙ a^(L)) for the Poisson loss: the squared loss's δ^(L)
    through an exp output. The log in J cancels exp'(z^(L)) = a^(L); ``check`` tries this
    repair with ``loss="poisson"`` only."""
    if goal.name not in ("δ", "Δ"):
        return None
    for factor, other in _product_factors(node):
        if is_call(factor, "exp", ("z", "Z")) or _layered(factor, ("a", "A")):
            return "exp output", {"factor": factor}, other
    return None


REPAIRS = (
    _linear_output,
    _dphi_of_a,
    _sigmoid_derivative,
    _phi_for_dphi,
    _phi_on_output,
    _indices_swapped,
    _alpha_over_m,
    _missing_bias,
    _missing_dphi,
    _bias_regularized,
    _layer_shifted,
    _local_derivative,
    _tanh_of_z,  # after cs231n's own words for its x
    _phi_of_a,
    _gradient_of_a,
    _target_for_delta,
)


def factor_hint(c, m, l2=False, local=False, cost=False, doubled=None):
    """The hint for a value that is ``c`` times the truth (m samples in the batch); ``l2``:
    the truth is the L2 term (α/m) Θ^(l); ``local``: a gradient of cs231n's NumPy; ``cost``:
    the truth is J; ``doubled``: the name of the notation's cost 2J, which has no ½ (Hagan's
    F)."""
    half = "the ½ of the loss is already cancelled by the derivative's 2"
    half = f"{doubled} = 2J has no ½: its derivative keeps the 2" if doubled else half
    if (l2 or cost) and abs(c - 2) <= 2e-9:
        return HINTS["L2 twice"] if l2 else HINTS["cost twice"]
    if local and abs(c - 1 / m) <= 1e-9 / m:
        return HINTS["cs231n averaged twice"]
    what = "J" if cost else "the batched gradient"
    named = [
        (m, f"too large by a factor m = {m}: {what} needs the factor 1/m"),
        (m * m, f"m² = {m * m} times the true value: multiplied by m where it is divided by m"),
        (1 / m, f"too small by the factor 1/m = 1/{m}: this quantity is not averaged over m"),
        (-1, "the sign is flipped"),
        (2, "twice the true value: the ½ of the squared loss cancels the derivative's 2"),
        (0.5, f"half the true value: {half}"),
    ]
    for factor, hint in named:
        if abs(c - factor) <= 1e-9 * abs(factor):
            return hint
    return None
