"""The notations ``check`` reads, as data: one :class:`Table` each.

A table says how a notation spells the question's quantities (the core vocabulary of Θ^(l),
b^(l), z^(l), a^(l), δ^(l), their batches Z, A, Δ and the gradients G = ∂J/∂Θ, gb = ∂J/∂b):
each written name with the core symbol it stands for (:class:`Meaning`), the layer the input is
(0 in deeplearning.ai and Goodfellow, 1 in the question), whether samples are rows, what J
includes, and the clue that tells the notation apart. ``notations.translate`` maps a parsed
equation into the core vocabulary with it, and ``notations.spell`` writes core symbols back.
Adding a notation is a table and its tests.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Meaning:
    """A written name: the core symbol ``core``, at the written layer plus ``shift``.

    ``at`` is the layer of a name written without one, in the notation's own numbering
    (``"l-1"`` for deeplearning.ai's ``A_prev``, ``"L"`` for ``delta_output``); ``scale`` is
    ``"m"`` for a batched gradient of a cost that sums over the samples (m times the core's),
    ``"1/m"`` for cs231n's upstream gradients (the core's over m).
    """

    core: str
    shift: int = 0
    at: str = ""
    scale: str = ""


_m = Meaning  # the tables' short name: _m("Θ", -1) is Θ at the written layer − 1


@dataclass(frozen=True)
class Table:
    """One notation: its name, a line of description and an example, and how it reads."""

    name: str
    title: str
    example: str
    symbols: dict = field(default_factory=dict)  # written name → Meaning
    spelled: dict = field(default_factory=dict)  # names only written back (Nielsen's w^l)
    words: dict = field(default_factory=dict)  # written word → a token of the parser (g: φ)
    operators: dict = field(default_factory=dict)  # Ng's * is the matrix product
    first: int = 1  # the number of the input layer
    letters: dict = field(default_factory=lambda: {"L": "L", "l": "l", "k": "l"})
    units: str = ""  # Bishop: the unit letters of three consecutive layers, "ijk"
    rows: bool = False  # samples as rows: every quantity is the core's transpose
    cost: str = "mean"  # J averages over the samples ("mean") or sums them ("sum")
    square: str = "norm"  # v^2: ‖v‖² ("norm") or entry by entry ("power")
    numpy: bool = False  # np.dot, np.sum(…, axis=…), .T, ** are read
    one_d: bool = False  # np.sum(v, axis=1) without keepdims=True is 1-D (a row)
    layers: int = 0  # the depth without --sizes (d2l's one hidden layer), 0: any
    style: str = "()"  # how a layer is written back: "()", "[]", "^", "digits"
    clue: str = ""  # a pattern only this notation uses
    note: str = ""  # how it translates, shown once with a verdict


NUMPY_WORDS = ("dot", "sum", "maximum", "tanh", "axis", "power", "multiply", "outer", "mean")
NUMPY_WORDS += ("keepdims", "True", "False", "where")
NUMPY = {word: word for word in NUMPY_WORDS}
# Ng's course with the bias folded in, a view of the question's quantities: Θ+^(l) = [b^(l+1)
# Θ^(l)] holds the bias as its first column (its gradients the bias's gradient), a+^(l) =
# [1; a^(l)] the bias unit a_0 = 1 as its first entry (a^(L) has none)
FOLDED = {  # the folded quantity at layer l: its first column, or "1", a first row of ones
    "Θ": "b^(l+1)",
    "G": "∂J/∂b^(l+1)",
    "Acc": "Δ^(l+1) 1",  # Ng's Δ^(l): Σ_i δ^(l+1)
    "R": "0 b^(l+1)",  # the L2 term leaves the bias alone
    "a": "1",
    "A": "1",
}
AFFINE = {  # cs231n's names of an affine layer from l to l+1, one sample per row: each the
    # transpose of a core quantity; dout = ∂J/∂out carries the 1/m of J (scale "1/m")
    "X": _m("A", 0, "l"),
    "x": _m("A", 0, "l"),
    "W": _m("Θ", 0, "l"),
    "w": _m("Θ", 0, "l"),
    "b": _m("b", 1, "l"),
    "out": _m("Z", 1, "l"),
    "dout": _m("Δ", 1, "l", "1/m"),
    "dx": _m("∂J/∂A", 0, "l", "1/m"),
    "dX": _m("∂J/∂A", 0, "l", "1/m"),
    "dW": _m("G", 0, "l"),
    "dw": _m("G", 0, "l"),
    "db": _m("gb", 1, "l"),
}
ACTIVATION = {  # cs231n's names of the activation φ of a hidden layer l: out = φ(x)
    "x": _m("Z", 0, "l"),
    "out": _m("A", 0, "l"),
    "dout": _m("∂J/∂A", 0, "l", "1/m"),
    "dx": _m("Δ", 0, "l", "1/m"),
}
AFFINE_CLUE = r"\b(?:X|W|w|b|dW|dw|db|dX)\b"  # an equation about an affine layer names these
LAYER_NOTES = {
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

LETTERS = {name: _m(name) for name in ("δ", "z", "a", "b")}  # δ^l: the layer as written
GRADIENTS = {"Θ": "G", "b": "gb", "Z": "Δ", "A": "∂J/∂A", "z": "δ", "a": "∂J/∂a"}  # ∂J/∂•


def _gradients(names, prefix):
    """The names of the gradients ∂J/∂• of ``names`` (name → core symbol): ``prefix + name``
    (deeplearning.ai's dZ is ∂J/∂Z, the snake_case grad_W is ∂J/∂Θ)."""
    return {prefix + name: GRADIENTS[core] for name, core in names.items()}


def _names_at(at, names, suffix=""):
    """The names of one layer ``at`` of code, written without a layer: ``name + suffix`` for
    each core symbol ``names[name]``; a weight (W, its gradient dW) maps the layer before to
    ``at`` (Θ^(l−1) for layer l)."""
    shift = {"Θ": -1, "G": -1}
    return {name + suffix: _m(core, shift.get(core, 0), at) for name, core in names.items()}


# deeplearning.ai: [l] is layer l, layer 0 the input, W^{[l]} from l−1 to l
DLAI_CODE = {"W": "Θ", "b": "b", "Z": "Z", "A": "A", "z": "z", "a": "a"}
DLAI_LAYER = _names_at("l", DLAI_CODE | _gradients(DLAI_CODE, "d") | {"dw": "G"})
DLAI_LAYER |= _names_at("l-1", {"A": "A", "dA": "∂J/∂A"}, "_prev")
# from-scratch NumPy: names of the layer l of a loop, or of a 3-layer network (_hidden, _output)
SNAKE_CODE = {"W": "Θ", "b": "b", "z": "z", "a": "a", "delta": "δ"}
SNAKE_CODE |= _gradients({"W": "Θ", "b": "b"}, "grad_")
SNAKE = _names_at("l", SNAKE_CODE | _gradients({"W": "Θ", "b": "b"}, "d"))
SNAKE |= _names_at("l+1", {"delta": "δ", "W": "Θ"}, "_next") | _names_at("l-1", {"a": "a"}, "_prev")
SNAKE |= _names_at("L-1", SNAKE_CODE, "_hidden") | _names_at("L", SNAKE_CODE, "_output")
SNAKE["x"] = _m("a", 0, "L-2")  # the input of the 3-layer network
SNAKE["num_examples"] = _m("m")

OCTAVE = {"Theta": "Θ", "delta": "δ", "d": "δ", "Delta": "Acc", "a": "a", "z": "z"}
OCTAVE["Theta{}_grad"] = "G"
OCTAVE = {name: _m(core) for name, core in OCTAVE.items()}  # {}: where the layer is written

D2L = {"W": _m("Θ", -1), "b": _m("b"), "n": _m("m")}  # d2l: W^{(l)} from layer l−1 to l

TABLES = (
    Table(
        "question",
        "the question's notation",
        r"\delta^{(l)} = (\Theta^{(l)})^\top \delta^{(l+1)} \odot \varphi'(z^{(l)})",
    ),
    Table(
        "ng",
        "Ng's course notation",
        "delta2 = (Theta2' * delta3) .* sigmoidGradient(z2)",
        symbols={"D": _m("G")},  # D^(l), D2
        words={"g": "φ", "sigmoid": "φ", "sigmoidGradient": "φ'", "sum": "sum"},
        operators={"Δ": "Acc", "*": "·"},  # Ng's Δ^(l): the accumulator Σ_i δ (a)ᵀ
        spelled=OCTAVE,
        style="digits",
        clue=r"2\s*:\s*end|\[\s*1\s*;|\[\s*(?:ones|zeros)\(|h_|\.\*|sigmoidGradient|_grad\b|:="
        r"|\b(?:delta|Delta|Theta|a|z)\d|\bD\^|\bg'|\bg\s*\(",
        note=(
            "Octave names are layers (delta3 is δ^(3), Theta2' is (Θ^(2))ᵀ), .* is ⊙ and * the "
            "matrix product; g and sigmoid are φ, g' and sigmoidGradient are φ'; D^(l) is "
            "∂J/∂Θ^(l) and Δ^(l) the sum Σ_i δ^(l+1) (a^(l))ᵀ; h_Θ(x) is a^(L), and the output "
            "layer is linear. The course folds the bias into Θ (a first column, for the bias "
            "unit a_0 = 1): an equation is read with b^(l) apart, as here, and with the bias "
            "folded."
        ),
    ),
    Table(
        "nielsen",
        "Nielsen's notation",
        r"\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)",
        symbols={"w": _m("Θ", -1), "W": _m("Θ", -1)},  # w^l maps layer l−1 to layer l
        spelled=LETTERS,
        words={"C": "J"},
        style="^",
        clue=r"\bw\^|\\sigma|σ|\bC\b|\\nabla_a|(?:\\delta|δ|\b[az])\^(?:[lL]|\{[lL])",
        note=(
            "Nielsen's w^{l+1} is Θ^(l) here (his w^l maps layer l−1 to layer l); C is J, σ is φ "
            "and ∇_a C is ∂J/∂a^(L). His output layer applies σ, the question's is linear, so here "
            "δ^L = ∇_a C, without his ⊙ σ'(z^L)."
        ),
    ),
    Table(
        "cs231n",
        "cs231n's NumPy notation",
        "dx = dout @ W.T",
        symbols=AFFINE,  # or ACTIVATION: notations.local_names
        words=NUMPY | {"N": "m", "reg": "reg"},
        rows=True,
        numpy=True,
        clue=r"\bdout\b|^\s*d?(?:x|out)\s*\+?=|\breg\b",
    ),
    Table(
        "dlai",
        "deeplearning.ai's notation (LaTeX and NumPy)",
        r"dZ^{[1]} = W^{[2]T} dZ^{[2]} * g^{[1]\prime}(Z^{[1]})",
        symbols=DLAI_LAYER,
        words={"g": "φ", "lambd": "α"} | NUMPY,
        first=0,
        square="power",
        numpy=True,
        one_d=True,
        style="[]",
        clue=r"\^\{?\[|\b(?:d[ZWAbz]|[ZA])\d|\bA_prev\b|\bd[ZA]\b|keepdims|(?=.*np\.).*\b[AZ]\b",
        note=(
            "deeplearning.ai's layer 0 is the input: W^{[l]} is Θ^(l), b^{[l]}, Z^{[l]}, "
            "A^{[l]} are b^(l+1), Z^(l+1), A^(l+1) here; dZ^{[l]} is Δ^(l+1) (without the "
            "1/m of J), dW^{[l]} is ∂J/∂Θ^(l), db^{[l]} is ∂J/∂b^(l+1), dA^{[l]} is "
            "(Θ^(l+1))ᵀ Δ^(l+2); * is element-wise and g is φ"
        ),
    ),
    Table(
        "goodfellow",
        "Goodfellow, Bengio and Courville's Algorithm 6.3/6.4",
        r"\nabla_{a^{(k)}} J = \nabla_{h^{(k)}} J \odot f'(a^{(k)})",
        symbols={
            "W": _m("Θ", -1),
            "b": _m("b"),
            "a": _m("z"),
            "h": _m("a"),
            "ŷ": _m("a", 0, "l"),
        },
        words={"f": "φ"},
        first=0,
        letters={"k": "l", "l": "L", "L": "L"},
        clue=r"\\hat\{?y|\bh\^\{?\(|\\nabla_\{?h|\\nabla_\{[ab]\^\{\(k\b|\^\{\(k-1\)\\top",
        note=(
            "Goodfellow's layer 0 is the input and l the output: his a^(k) is the "
            "pre-activation z^(k+1) here and h^(k) the activation a^(k+1), W^(k) is Θ^(k), "
            "b^(k) is b^(k+1), ŷ = h^(l) is a^(L) and f is φ"
        ),
    ),
    Table(
        "bishop",
        "Bishop's component form (PRML §5.3)",
        r"\delta_j = h'(a_j) \sum_k w_{kj} \delta_k",
        symbols={
            "w": _m("Θ"),
            "a": _m("z"),
            "z": _m("a"),
            "x": _m("x", 0, "1"),  # x_i: i runs over the inputs
            "t": _m("y", 0, "L"),  # y_k, t_k: k runs over the outputs
            "y": _m("a", 0, "L"),
            "b": _m("b"),
            "E_n": _m("J"),
            "E": _m("J"),
        },
        spelled={"δ": _m("δ")},  # δ_j: the unit's letter is the layer
        words={"h": "φ"},
        units="ijk",
        square="power",
        clue=r"\bw_\{?[ijk]|\bt_[ijk]|\bE_n\b|\bh'?\(|\b[az]_j\b(?!\s*\^)",
        note=(
            "Bishop's units i, j, k belong to three consecutive layers l−1, l, l+1 (i the inputs "
            "where x_i is written, k the outputs where y_k or t_k is); his a_j is the "
            "pre-activation z^(l)_j and z_j the activation a^(l)_j, w_{kj} is Θ^(l)_{kj}, y_k "
            "the output a^(L)_k, t_k the target y_k, E_n is J^(n) and h is φ"
        ),
    ),
    Table(
        "wikipedia",
        "Wikipedia's matrix form",
        r"\nabla_{W^l} C = \delta^l (a^{l-1})^T",
        symbols={"W": _m("Θ", -1)},
        spelled=LETTERS,
        words={"f": "φ", "C": "J"},
        style="^",
        clue=r"\(f\^|\bf\^|\\nabla_\{?W\^\{?l",
        note=(
            "Wikipedia's W^l maps layer l−1 to layer l: it is Θ^(l−1) here; f^l is φ, "
            "(f^l)' is φ'(z^(l)), C is J and ∘ is ⊙"
        ),
    ),
    Table(
        "d2l",
        "d2l.ai's notation (one sample, a column)",
        r"\frac{\partial J}{\partial W^{(1)}} = \frac{\partial J}{\partial z} x^\top",
        symbols=D2L | {"z": _m("z", 0, "1"), "h": _m("a", 0, "1"), "o": _m("a", 0, "L")},
        first=0,
        layers=3,
        clue=r"\\partial\s*[zho]\}|^\s*[zho]\s*=|\\partial\s*[hW]\^\{\(|[zh]\^\{\(.*\\phi",
        note=(
            "d2l's layer 0 is the input: W^{(l)} is Θ^(l), b^{(l)} is b^(l+1), z^{(l)} and "
            "h^{(l)} are z^(l+1) and a^(l+1) here; z and h alone are those of the first hidden "
            "layer, z^(2) and a^(2), and o is the output a^(L)"
        ),
    ),
    Table(
        "d2l-rows",
        "d2l.ai's minibatch notation (samples as rows)",
        r"H = \phi(X W^{(1)} + b^{(1)})",
        symbols=D2L | {"H": _m("A", 0, "1"), "O": _m("A", 0, "L"), "X": _m("X"), "Y": _m("Y")},
        first=0,
        rows=True,
        layers=3,
        clue=r"\b[HO]\b|\\partial\s*[HO]\}|\bH\^",
        note=(
            "d2l's minibatch, one sample per row, layer 0 the input: X is Xᵀ here, W^{(l)} is "
            "(Θ^(l))ᵀ, b^{(l)} is (b^(l+1))ᵀ, H^{(l)} is (A^(l+1))ᵀ (H alone is (A^(2))ᵀ), O "
            "is (A^(L))ᵀ and n is m; J averages over the n samples"
        ),
    ),
    Table(
        "numpy",
        "from-scratch NumPy (snake_case names, one sample a 1-D vector)",
        "delta_hidden = np.dot(W_output.T, delta_output) * sigmoid_prime(z_hidden)",
        symbols=SNAKE,
        words={"sigmoid": "φ", "sigmoid_prime": "φ'", "relu": "φ", "reg_lambda": "α"} | NUMPY,
        numpy=True,
        one_d=True,
        style="digits",
        clue=r"\b(?:delta|grad|z|a|W|b)_(?:hidden|output|next|prev)\b|\bgrad_[Wb]\b|np\.(?:dot|outer|multiply|power|sum)|\.dot\(",
        note=(
            "snake_case names of the layer l of a loop (delta, W, a_prev, W_next, delta_next) "
            "or of a 3-layer network (_hidden is layer L−1, _output layer L); W is Θ^(l−1), "
            "W_next is Θ^(l); a 1-D vector is a column and np.outer(u, v) is u vᵀ"
        ),
    ),
    Table(
        "britz",
        "Britz's NumPy (samples as rows)",
        "delta2 = delta3.dot(W2.T) * (1 - np.power(a1, 2))",
        symbols={
            "X": _m("X"),
            "y": _m("Y"),
            "W": _m("Θ"),
            "b": _m("b", 1),
            "z": _m("Z", 1),
            "a": _m("A", 1),
            "delta": _m("Δ"),
            "dW": _m("G", 0, "", "m"),
            "db": _m("gb", 1, "", "m"),
            "num_examples": _m("m"),
        },
        words={"reg_lambda": "α"} | NUMPY,
        rows=True,
        cost="sum",
        numpy=True,
        one_d=True,
        style="digits",
        clue=r"\breg_lambda\b|(?=.*(?:np\.|\.dot\(|@))(?=.*\b(?:delta|a|z)\d)",
        note=(
            "Britz's code, one sample per row: W1 is (Θ^(1))ᵀ, b1 (b^(2))ᵀ, z1 and a1 are "
            "(Z^(2))ᵀ and (A^(2))ᵀ, delta3 is (Δ^(3))ᵀ; his cost sums over the samples, so "
            "dW1 is m ∂J/∂Θ^(1) (transposed)"
        ),
    ),
)
BY_NAME = {table.name: table for table in TABLES}
NOTATIONS = tuple(BY_NAME)
