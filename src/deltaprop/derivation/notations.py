"""The notations students bring, and how ``check`` tells them apart.

The question's notation (Θ^(l), δ^(l), layer 1 the input) is the one deltaprop speaks. Three
others are read and translated to it: Andrew Ng's course and its Octave exercise (``delta3``,
``Theta2'``, ``.*``, ``g'(z)``, ``D^(l)``, the accumulator ``Δ^(l) := Δ^(l) + δ (a)ᵀ``) and
Nielsen's book (``w^l`` maps layer l−1 to l, ``\\delta^l`` without parentheses, ``σ``, ``C``,
``∇_a C``). cs231n's NumPy (samples as rows, ``dW = X.T @ dout``) is recognized and refused
with a pointer, since its layer-local names have no layer index to check against.
"""

import re

from deltaprop.derivation.notation import NOTATIONS
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
        "∂J/∂Θ^(l) and Δ^(l) the sum Σ_i δ^(l+1) (a^(l))ᵀ. The course folds the bias into Θ "
        "(a column for a_0 = 1); here b^(l) stands apart, and the output layer is linear."
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
        r"\bdout\b|\bnp\.(?:dot|sum|maximum|tanh)|\.(?:sum|dot)\(|axis\s*=|^\s*d?(?:W|x|b|out)\s*=",
    ),
    ("ng", r"\.\*|sigmoidGradient|_grad\b|:=|\b(?:delta|Delta|Theta|a|z)\d|\bD\^|\bg'|\bg\s*\("),
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


CS231N_REFUSAL = (
    "cs231n's NumPy notation (samples as rows, dW = X.T @ dout) is recognized but not read: its "
    "names are local to one layer. Write the equation in the question's notation, e.g. "
    "dJ/dTheta[l] = (1/m) * Delta[l+1] @ A[l].T (the transpose of dW, samples as columns)."
)
