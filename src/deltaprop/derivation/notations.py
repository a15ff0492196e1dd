"""The notations students bring, and how ``check`` tells them apart.

The question's notation (Θ^(l), δ^(l), layer 1 the input) is the one deltaprop speaks. Three
others are read and translated to it: Andrew Ng's course and its Octave exercise (``delta3``,
``Theta2'``, ``.*``, ``g'(z)``, ``D^(l)``, the accumulator ``Δ^(l) := Δ^(l) + δ (a)ᵀ``) and
Nielsen's book (``w^l`` maps layer l−1 to l, ``\\delta^l`` without parentheses, ``σ``, ``C``,
``∇_a C``), and cs231n's NumPy (samples as rows, ``dW = X.T @ dout``, names local to one
layer: see ``cs231n.py``).
"""

import re
from dataclasses import replace

from deltaprop.derivation.notation import (
    NOTATIONS,
    BiasUnit,
    DropFirst,
    LayerIndex,
    Num,
    Sym,
    Transpose,
    to_text,
    transform,
)
from deltaprop.derivation.shapes import walk
from deltaprop.errors import ConfigError

NAMES = {
    "question": "the question's notation",
    "ng": "Ng's course notation",
    "nielsen": "Nielsen's notation",
    "cs231n": "cs231n's NumPy notation",
}
NOTES = {
    "question": "",
    "ng": (
        "Octave names are layers (delta3 is δ^(3), Theta2' is (Θ^(2))ᵀ), .* is ⊙ and * the "
        "matrix product; g and sigmoid are φ, g' and sigmoidGradient are φ'; D^(l) is "
        "∂J/∂Θ^(l) and Δ^(l) the sum Σ_i δ^(l+1) (a^(l))ᵀ; h_Θ(x) is a^(L), and the output "
        "layer is linear. The course folds the bias into Θ (a first column, for the bias unit "
        "a_0 = 1): an equation is read with b^(l) apart, as here, and with the bias folded."
    ),
    "nielsen": (
        "Nielsen's w^{l+1} is Θ^(l) here (his w^l maps layer l−1 to layer l); C is J, σ is φ "
        "and ∇_a C is ∂J/∂a^(L). His output layer applies σ, the question's is linear, so here "
        "δ^L = ∇_a C, without his ⊙ σ'(z^L)."
    ),
    "cs231n": "",
}
CLUES = (  # (notation, a pattern only it uses), tried in this order
    (
        "cs231n",
        r"\bdout\b|\bnp\.(?:dot|sum|maximum|tanh)|\.(?:sum|dot)\(|axis\s*=|^\s*d?(?:W|x|b|out)\s*\+?=",
    ),
    (
        "ng",
        r"2\s*:\s*end|\[\s*1\s*;|\[\s*(?:ones|zeros)\(|h_|\.\*|sigmoidGradient|_grad\b|:="
        r"|\b(?:delta|Delta|Theta|a|z)\d|\bD\^|\bg'|\bg\s*\(",
    ),
    ("nielsen", r"\bw\^|\\sigma|σ|\bC\b|\\nabla_a|(?:\\delta|δ|\b[az])\^(?:[lL]|\{[lL])"),
)


def detect(text):
    """The notation ``text`` is written in, from the symbols only one notation uses."""
    for notation, clue in CLUES:
        if re.search(clue, text):
            return notation
    return "question"


def check_notation(notation):
    """``notation`` if deltaprop knows it (a ConfigError otherwise)."""
    if notation not in NOTATIONS:
        raise ConfigError(f"notation={notation!r} is not known; use one of: {', '.join(NOTATIONS)}")
    return notation


BIASES = ("separate", "folded")
FOLDED = {"Θ": "Θ+", "G": "G+", "Acc": "Acc+", "a": "a+", "A": "A+"}
FOLDED_NOTE = (
    "read with the bias folded into Θ, as in Ng's course and ex4: Θ^(l) is n_{l+1} × (n_l + 1), "
    "[b^(l+1) Θ^(l)] in the question's symbols, and a^(l) has the bias unit on top, "
    "[1; a^(l)]; the output a^(L) = h_Θ(x) has none, nor has δ^(l)"
)


OCTAVE_NAMES = r"\b(?:a|z|d|delta)\d"  # a2, z2, d3, delta3
ROWS_CLUES = r"\*\s*Theta\d|\bY\b|ones\(\s*m\b|'\s*\*\s*a\d"  # d3 * Theta2, d2' * a1


def layout(equation):
    """``"rows"`` for Octave names in ex4's vectorized code (``d2' * a1``, ``a2 * Theta2'``),
    ``"columns"`` for other Octave names, else None."""
    if not re.search(OCTAVE_NAMES, equation):
        return None
    return "rows" if re.search(ROWS_CLUES, equation) else "columns"


def bias_readings(notation, bias, sides, octave=None):
    """The readings to try, the one to report first: ``bias`` when given; for Ng's
    notation both, the folded one first when ``sides`` fold it (``Theta2(:,2:end)``,
    ``[1; a]``); and with the bias folded, for Octave names (``octave``, see :func:`layout`),
    ex4's vectorized code ("rows"), first when the equation is written that way."""
    if bias == "folded" and notation == "cs231n":
        raise ConfigError("--bias folded is Ng's Θ with a bias column; cs231n keeps b apart")
    if bias is not None:
        readings = [check_bias(bias)]
    elif notation == "ng":
        nodes = [n for side in sides if side is not None for n in walk(side)]
        marked = any(isinstance(n, DropFirst | BiasUnit) for n in nodes)
        readings = ["folded", "separate"] if marked else ["separate", "folded"]
    else:
        return ["separate"]
    if not octave or readings == ["separate"]:
        return readings
    return ["rows", *readings] if octave == "rows" else [*readings, "rows"]


def check_bias(bias):
    """``bias`` if it is None or a known reading (a ConfigError otherwise)."""
    if bias is not None and bias not in BIASES:
        raise ConfigError(f"bias={bias!r} is not known; use one of: {', '.join(BIASES)}")
    return bias


def fold(node, L=None):
    """``node`` read with Ng's folded bias: Θ, ∂J/∂Θ, Δ, a and A of every layer but the
    output (layer L; ``L`` is its number when the architecture is known) hold the bias."""

    def folded(n):
        if not (isinstance(n, Sym) and n.name in FOLDED and n.layer is not None):
            return None
        if n.layer == LayerIndex("L", 0) or (not n.layer.base and n.layer.offset == L):
            return None
        return replace(n, name=FOLDED[n.name])

    return None if node is None else transform(node, folded)


ROWS_NOTE = (
    "read as ex4's vectorized code, one sample per row: a1, z2, d3 (or delta3), X and Y are the "
    "transposes of the batch A^(1) (with the bias column of ones), Z^(2), Δ^(3), X and Y, m "
    "rows each, and Theta2 is Θ^(2) with its bias column"
)
BATCH_ROWS = {"a": "A", "z": "Z", "δ": "Δ", "x": "X", "y": "Y", "A": "A", "Z": "Z", "X": "X"}


def rows(node, L=None):
    """``node`` read as ex4's vectorized code: the bias folded into Θ (see :func:`fold`),
    and a, z, δ, x, y the transposes of the batch, one sample per row."""

    def transposed(n):
        if not isinstance(n, Sym) or n.entry:
            return None
        if n.name in BATCH_ROWS or n.name == "Y":
            batch = replace(n, name=BATCH_ROWS.get(n.name, n.name), sample=False)
            return Transpose(n.span, fold(batch, L))
        return fold(n, L)

    return None if node is None else transform(node, transposed)


BIAS_UNIT = "the bias unit {x} of Ng's course is 1 (it multiplies the bias column of Θ)"
ROWS = " (one sample per row, as in ex4's vectorized code)"
STEPS = {  # (the quantity, the operation, axis): (right, what the Octave step does)
    ("a", BiasUnit, 0): (True, "puts the bias unit a_0 = 1 on top of {x}, for Ng's Θ"),
    ("a", BiasUnit, 1): (True, "puts the bias unit's column of ones before {x}" + ROWS),
    ("δ", DropFirst, 0): (True, "drops the first entry of {x}, the bias unit's, which has no δ"),
    ("δ", DropFirst, 1): (True, "drops the first column of {x}, the bias unit's" + ROWS),
    ("a", DropFirst, 0): (False, "drops a unit of {x}: a gets the bias unit ([1; a]), δ drops it"),
    ("a", DropFirst, 1): (False, "drops a unit of {x}: a gets the bias unit ([1; a]), δ drops it"),
    ("δ", BiasUnit, 0): (False, "gives {x} an entry for the bias unit, which has no δ"),
    ("δ", BiasUnit, 1): (False, "gives {x} an entry for the bias unit, which has no δ"),
}


def bias_step(lhs, sides):
    """``(right, message)`` when ``lhs = …`` is a step of Ng's Octave code rather than an
    equation: ``a2 = [1; a2]`` adds the bias unit, ``delta2 = delta2(2:end)`` drops its
    entry (the row forms ``[ones(m,1) a2]`` and ``(:,2:end)`` when samples are rows); else
    None."""
    if not (isinstance(lhs, Sym) and len(sides) == 1):
        return None
    rhs = sides[0]
    if lhs.entry == "0" and lhs.name == "a" and lhs.layer is not None:  # Ng's a_0^{(2)} = 1
        one = isinstance(rhs, Num) and rhs.value == 1
        return one, f"a step of the course, not an equation: {BIAS_UNIT.format(x=to_text(lhs))}"
    if not isinstance(rhs, BiasUnit | DropFirst) or not isinstance(rhs.arg, Sym):
        return None
    if (rhs.arg.name, rhs.arg.layer) != (lhs.name, lhs.layer) or lhs.layer is None:
        return None
    step = STEPS.get((lhs.name, type(rhs), rhs.axis))
    if step is None:
        return None
    right, message = step
    if isinstance(rhs, BiasUnit) and rhs.fill != 1:
        right, message = False, "puts zeros where the bias unit a_0 = 1 belongs, before {x}"
    return right, f"a step of the Octave code, not an equation: it {message.format(x=to_text(lhs))}"
