"""Answers in the student's notation (issue 22, item 5): a dimension error of every notation
family, and Nielsen's hints, are written with the symbols the student used; the translation to
the question's notation is shown once (a note), and every suggested fix checks correct.

The expected fragments were written before the messages were spelled back."""

import json

import pytest

from deltaprop.cli import main
from deltaprop.derivation import check, check_derivation

TRANSLATION = "corrected, in the question's notation:"


def answer_text(result):
    """Everything the verdict says but the notes (where the translation stands, once)."""
    concrete = (result.failure or {}).get("concrete") or {}
    parts = [result.message, concrete.get("message", ""), result.suggestion, result.corrected]
    return "\n".join([*parts, *result.hints])


# (notation, sizes, activation, wrong-dimension equation, the student's symbols, the core's)
DIMENSION_ERRORS = [
    (
        "question",
        (4, 5, 3),
        "tanh",
        r"\delta^{(2)} = \Theta^{(2)} \delta^{(3)} \odot \varphi'(z^{(2)})",
        ["Θ^(2) (", "δ^(3) ("],
        [],
    ),
    (
        "ng",
        (4, 5, 3),
        "sigmoid",
        "delta2 = (Theta2 * delta3) .* sigmoidGradient(z2)",
        ["Theta2 (", "delta3 ("],
        ["Θ^(2)", "δ^(3)"],
    ),
    (
        "nielsen",
        (4, 5, 3),
        "sigmoid",
        r"\delta^l = (w^{l+1} \delta^{l+1}) \odot \sigma'(z^l)",
        ["w^{l+1} (", "δ^{l+1} ("],
        ["Θ^(l)", "δ^(l+1)"],
    ),
    ("cs231n", None, "tanh", "dW = X @ dout", ["X (N × D)", "dout (N × M)"], ["A^(l)", "Δ^("]),
    (
        "dlai",
        (4, 5, 3),
        "tanh",
        r"dZ^{[1]} = W^{[2]} dZ^{[2]} * g^{[1]\prime}(Z^{[1]})",
        ["W^{[2]} (n^{[L]} × n^{[L-1]})", "dZ^{[2]} (n^{[L]} × m)", "W^{[2]} (3 × 5)"],
        ["Θ^(2)", "Δ^(3)", "n_L", "n_{L−1}"],
    ),
    (
        "dlai",
        (4, 5, 3),
        "tanh",
        "dZ1 = np.dot(W2, dZ2) * (1 - np.power(A1, 2))",
        ["W2 (", "dZ2 ("],
        ["Θ^(2)", "Δ^(3)"],
    ),
    (
        "dlai",
        None,
        "tanh",
        "dW1 = np.dot(dZ1, A0) / m",
        ["dZ1 (n^{[1]} × m)", "A0 (n^{[0]} × m)"],
        ["Δ^(2)", "A^(1)", "n_2"],
    ),
    (
        "goodfellow",
        None,
        "tanh",
        r"\nabla_{W^{(k)}} J = \nabla_{a^{(k)}} J \, h^{(k-1)}",
        ["∇_{a^{(k)}} J (", "h^{(k-1)} ("],
        ["z^(l+1)", "a^(l)"],
    ),
    (
        "wikipedia",
        None,
        "tanh",
        r"\nabla_{W^l} C = \delta^l a^{l-1}",
        ["δ^l (", "a^{l-1} ("],
        ["δ^(l)", "a^(l−1)"],
    ),
    (
        "d2l",
        None,
        "tanh",
        r"\frac{\partial J}{\partial h} = W^{(2)} \frac{\partial J}{\partial o}",
        ["W^{(2)} (", "∂J/∂o ("],
        ["Θ^(2)", "a^(L)"],
    ),
    (
        "d2l-rows",
        None,
        "tanh",
        r"O = H {W^{(2)}}^\top + b^{(2)}",
        ["H (", "W^{(2)}ᵀ ("],
        ["A^(2)", "Θ^(2)"],
    ),
    (
        "britz",
        (4, 5, 3),
        "tanh",
        "dW2 = delta3.dot(a1.T)",
        ["delta3 (", "a1.T ("],
        ["Δ^(3)", "A^(2)"],
    ),
    (
        "numpy",
        None,
        "sigmoid",
        "delta = np.dot(W_next, delta_next) * sigmoid_prime(z)",
        ["W_next (", "delta_next ("],
        ["Θ^(l)", "δ^(l+1)"],
    ),
]


@pytest.mark.parametrize(
    "notation, sizes, activation, equation, student, core",
    DIMENSION_ERRORS,
    ids=[f"{row[0]}-{i}" for i, row in enumerate(DIMENSION_ERRORS)],
)
def test_a_dimension_error_is_written_in_the_students_symbols(
    notation, sizes, activation, equation, student, core
):
    result = check(equation, sizes, activation, notation=notation)
    assert (result.verdict, result.reason) == ("wrong", "dimension"), result.to_text()
    said = answer_text(result)
    for name in student:
        assert name in said, result.to_text()
    for name in core:
        assert name not in said, result.to_text()
    assert sum(TRANSLATION in note for note in result.notes) <= 1
    if core and notation != "cs231n":  # cs231n's note is its translation, layer by layer
        assert any(TRANSLATION in note for note in result.notes), result.to_text()
    assert result.corrected, result.to_text()
    again = check(result.corrected, sizes, activation, notation=notation)
    assert again.verdict == "correct", again.to_text()


def test_a_shape_mismatch_names_the_left_side_as_written():
    result = check("dW1 = np.dot(dZ1, A1.T) / m", (4, 5, 3), notation="dlai")
    assert (result.verdict, result.reason) == ("wrong", "shape"), result.to_text()
    assert "dW1 is (" in result.message and "G_1" not in result.message, result.to_text()


def test_a_component_form_that_does_not_fit_names_the_students_indices():
    result = check(r"\delta_j = h'(a_j) w_{kj} \delta_k", notation="bishop")
    assert (result.verdict, result.reason) == ("wrong", "dimension"), result.to_text()
    assert "the entry indices do not fit" in result.message


# (equation, options, the hint in Nielsen's symbols, the core's spelling it must not use)
NIELSEN_HINTS = [
    (
        r"\delta^L = (a^L - y) \odot \sigma'(z^L)",
        {},
        "the output layer is linear (a^L = z^L), so its derivative is 1: drop σ'(z^L)",
        "z^(L)",
    ),
    (r"\delta^l = (w^{l+1})^T \delta^{l+1}", {}, "missing the factor ⊙ φ'(z^l)", "z^(l)"),
    (
        r"\delta^L = a^L - y",
        {"activation": "sigmoid", "output_activation": "sigmoid"},
        "missing the factor ⊙ φ'(z^L)",
        "z^(L)",
    ),
    (
        r"\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot \sigma'(a^l)",
        {},
        "write σ'(z^l), not σ'(a^l)",
        "a^(l)",
    ),
    (
        r"\delta^l = ((w^{l})^T \delta^{l+1}) \odot \sigma'(z^l)",
        {},
        "his w^l maps layer l−1 to layer l, so the weights after layer l are w^{l+1}",
        "(Θ^(l−1))ᵀ",
    ),
]


@pytest.mark.parametrize("equation, options, hint, core", NIELSEN_HINTS)
def test_nielsens_hints_are_in_his_symbols(equation, options, hint, core):
    result = check(equation, notation="nielsen", **options)
    assert result.verdict == "wrong", result.to_text()
    said = answer_text(result)
    assert hint in said and core not in said, result.to_text()
    if result.corrected:
        assert result.corrected.startswith("δ^"), result.to_text()
        again = check(result.corrected, notation="nielsen", **options)
        assert again.verdict == "correct", again.to_text()


def test_goodfellows_pre_activation_and_activation_keep_his_letters():
    equation = r"\nabla_{a^{(k)}} J = \nabla_{h^{(k)}} J \odot f'(h^{(k)})"
    result = check(equation, notation="goodfellow")
    assert result.verdict == "wrong", result.to_text()
    assert any("f' takes a, not h = f(a)" in hint for hint in result.hints), result.to_text()


# Layer numbers in the student's numbering: where layer 0 is the input (deeplearning.ai,
# Goodfellow, d2l) an absolute layer is the index the student wrote, and L counts the layers
# after the input (sizes 4,5,3: L = 2); the JSON fields keep the question's numbering.
# (notation, a wrong value at an absolute layer, where it is said, the question's layer)
ABSOLUTE_LAYERS = [
    ("dlai", r"dZ^{[2]} = 2 (A^{[2]} - Y)", "at l = 2 (layer 0 the input)", 3),
    ("dlai", "dZ2 = 2 * (A2 - Y)", "at l = 2 (layer 0 the input)", 3),
    ("dlai", "dW2 = 2 * np.dot(dZ2, A1.T) / m", "at l = 2 (layer 0 the input)", 2),
    ("goodfellow", r"\nabla_{a^{(2)}} J = 2 \nabla_{h^{(2)}} J", "at k = 2 (layer 0 the input)", 3),
    (
        "d2l",
        r"\frac{\partial J}{\partial h^{(1)}} = 2 (W^{(2)})^\top \frac{\partial J}{\partial o}",
        "at l = 1 (layer 0 the input)",
        2,
    ),
    ("question", r"\delta^{(3)} = 2 (a^{(3)} - y)", "at l = 3", 3),
    ("ng", "delta3 = 2 * (a3 - y)", "at l = 3", 3),
    ("nielsen", r"\delta^L = 2 (a^L - y)", "at l = 3", 3),
]


@pytest.mark.parametrize("notation, equation, where, core", ABSOLUTE_LAYERS)
def test_an_absolute_layer_is_said_in_the_students_numbering(notation, equation, where, core):
    result = check(equation, (4, 5, 3), "tanh", notation=notation)
    assert (result.verdict, result.reason) == ("wrong", "value"), result.to_text()
    assert result.message.endswith(f"wrong {where}: relative error 1.0"), result.to_text()
    assert json.loads(result.to_json())["layers"][0]["l"] == core


# (notation, a dimension error, the binding as the student numbers it)
SIZES_IN_NOTATION = [
    (
        "dlai",
        r"dZ^{[1]} = W^{[2]} dZ^{[2]} * g^{[1]\prime}(Z^{[1]})",
        "with these sizes (L = 2, layer 0 the input): ",
    ),
    ("dlai", "dZ1 = np.dot(W2, dZ2) * (1 - np.power(A1, 2))", "(L = 2, layer 0 the input): "),
    (
        "dlai",
        r"dZ^{[l]} = W^{[l+1]} dZ^{[l+1]} * g^{[l]\prime}(Z^{[l]})",
        "with these sizes (L = 2, l = 1, layer 0 the input): ",
    ),
    (
        "goodfellow",
        r"\nabla_{a^{(1)}} J = W^{(2)} \nabla_{a^{(2)}} J \odot f'(a^{(1)})",
        "with these sizes (l = 2, layer 0 the input): ",
    ),
    (  # d2l's L is the loss: the number of layers is said in words
        "d2l",
        r"\frac{\partial J}{\partial h} = W^{(2)} \frac{\partial J}{\partial o}",
        "with these sizes (layer 2 the output, layer 0 the input): ",
    ),
    (
        "question",
        r"\delta^{(2)} = \Theta^{(2)} \delta^{(3)} \odot \varphi'(z^{(2)})",
        "with these sizes (L = 3): ",
    ),
    ("ng", "delta2 = (Theta2 * delta3) .* sigmoidGradient(z2)", "with these sizes (L = 3): "),
    (
        "dlai",
        r"dZ^{[k]} = W^{[k+1]} dZ^{[k+1]} * g^{[k]\prime}(Z^{[k]})",
        "with these sizes (L = 2, k = 1, layer 0 the input): ",
    ),
    (
        "question",
        r"\delta^{(k)} = \Theta^{(k)} \delta^{(k+1)} \odot \varphi'(z^{(k)})",
        "with these sizes (L = 3, k = 2): ",
    ),
]


@pytest.mark.parametrize("notation, equation, where", SIZES_IN_NOTATION)
def test_the_number_of_layers_is_said_in_the_students_numbering(notation, equation, where):
    result = check(equation, (4, 5, 3), "tanh", notation=notation)
    assert (result.verdict, result.reason) == ("wrong", "dimension"), result.to_text()
    assert where in result.to_text(), result.to_text()
    assert json.loads(result.to_json())["failure"]["concrete"]["binding"]["L"] == 3


# A wrong step of a whole derivation at an absolute layer, in the student's numbering too
# (by the single-equation checker, or by the calculus: a differential, a Jacobian).
# (notation, derivation, where its first wrong step is said)
CHAIN_LAYERS = [
    (
        "dlai",
        r"\begin{align} dZ^{[2]} &= A^{[2]} - Y \\ dW^{[2]} &= 2 dZ^{[2]} A^{[1]T} / m \end{align}",
        "at l = 2 (layer 0 the input)",
    ),
    (
        "goodfellow",
        r"\begin{align} \nabla_{a^{(1)}} J &= 2 \frac{\partial h^{(1)}}{\partial a^{(1)}}"
        r" \nabla_{h^{(1)}} J \end{align}",
        "at k = 1 (layer 0 the input)",
    ),
    ("question", r"\begin{align} \delta^{(3)} &= 2 (a^{(3)} - y) \end{align}", "at l = 3"),
    ("question", r"da^{(2)} = 2 \varphi'(z^{(2)}) \odot dz^{(2)}", "at l = 2"),
]


@pytest.mark.parametrize("notation, derivation, where", CHAIN_LAYERS)
def test_a_wrong_step_is_said_in_the_students_numbering(notation, derivation, where):
    result = check_derivation(derivation, (4, 5, 3), "tanh", notation=notation)
    step = result.steps[result.first_wrong_step - 1]
    assert step.message.endswith(f"wrong {where}: relative error 1.0"), result.to_text()


# The layer variable in the student's letter: Goodfellow's k (his l is the output layer).
# (notation, an equation wrong at every layer l, where, an equation wrong most at one layer, where)
LAYER_LETTERS = [
    (
        "goodfellow",
        r"\nabla_{a^{(k)}} J = 2 (W^{(k+1)})^\top \nabla_{a^{(k+1)}} J \odot f'(a^{(k)})",
        "at every layer (k = 1..2)",
        r"\nabla_{a^{(k)}} J = (W^{(k+1)})^\top \nabla_{a^{(k+1)}} J",
        "at k = 1",
    ),
    (
        "question",
        r"\delta^{(l)} = 2 (\Theta^{(l)})^T \delta^{(l+1)} \odot \varphi'(z^{(l)})",
        "at every layer (l = 2..3)",
        r"\delta^{(l)} = (\Theta^{(l)})^T \delta^{(l+1)}",
        "at l = 2",
    ),
    (
        "nielsen",
        r"\delta^l = 2 ((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)",
        "at every layer (l = 2..3)",
        r"\delta^l = (w^{l+1})^T \delta^{l+1}",
        "at l = 2",
    ),
    # k written for the layer variable where the notation's letter is l: the student's k
    (
        "question",
        r"\delta^{(k)} = 2 (\Theta^{(k)})^T \delta^{(k+1)} \odot \varphi'(z^{(k)})",
        "at every layer (k = 2..3)",
        r"\delta^{(k)} = (\Theta^{(k)})^T \delta^{(k+1)}",
        "at k = 2",
    ),
    (
        "ng",
        "δ^(k) = 2 (Θ^(k))ᵀ δ^(k+1) .* g'(z^(k))",
        "at every layer (k = 2..3)",
        "δ^(k) = (Θ^(k))ᵀ δ^(k+1) .* 1",
        "at k = 2",
    ),
    (
        "dlai",
        r"dZ^{[k]} = 2 W^{[k+1]T} dZ^{[k+1]} * g^{[k]\prime}(Z^{[k]})",
        "at every layer (k = 1..2)",
        r"dZ^{[k]} = W^{[k+1]T} dZ^{[k+1]}",
        "at k = 1",
    ),
    (
        "nielsen",
        r"\delta^k = 2 ((w^{k+1})^T \delta^{k+1}) \odot \sigma'(z^k)",
        "at every layer (k = 2..3)",
        r"\delta^k = (w^{k+1})^T \delta^{k+1}",
        "at k = 2",
    ),
    # two letters for the one variable (k and l): the notation's own letter
    (
        "question",
        r"\delta^{(k)} = 2 (\Theta^{(l)})^T \delta^{(l+1)} \odot \varphi'(z^{(k)})",
        "at every layer (l = 2..3)",
        r"\delta^{(l)} = (\Theta^{(k)})^T \delta^{(k+1)}",
        "at l = 2",
    ),
]


@pytest.mark.parametrize("notation, every, where_every, one, where_one", LAYER_LETTERS)
def test_the_layer_variable_is_said_in_the_students_letter(
    notation, every, where_every, one, where_one
):
    letter = where_one.split()[1]
    for equation, where in ((every, where_every), (one, where_one)):
        result = check(equation, (4, 5, 6, 3), "tanh", notation=notation)
        assert (result.verdict, result.reason) == ("wrong", "value"), result.to_text()
        assert f"wrong {where}: relative error" in result.message, result.to_text()
        assert f"  per layer: {letter} = " in result.to_text(), result.to_text()


def test_the_students_layer_letter_is_in_the_printed_verdict(capsys):
    """``deltaprop check`` on the question's notation written with k: every layer is said
    with k (the letter of the question's own text is l)."""
    wrong = "δ^(k) = 2 (Θ^(k))ᵀ δ^(k+1) ⊙ φ'(z^(k))"
    assert main(["check", wrong, "--sizes", "4,5,6,3"]) == 1
    out = capsys.readouterr().out
    assert "wrong at every layer (k = 2..3)" in out, out
    assert "  per layer: k = 2: " in out, out
    assert "l = " not in out, out


# A value hint in the student's symbols: φ and φ' as the student (or the notation) names the
# activation, the element-wise product as the student writes it, every quantity spelled back;
# the output layer of an equation of fixed layers is its deepest layer named.
# (notation, activation, wrong equation, fragments of a hint, the question's spellings not to use)
VALUE_HINTS = [
    (
        "dlai",
        "tanh",
        r"dZ^{[1]} = W^{[2]T} dZ^{[2]} * g^{[1]}(Z^{[1]})",
        ["g where g' belongs: the chain rule multiplies by g'(Z^{[1]})"],
        ["φ", "Z^(2)"],
    ),
    (
        "dlai",
        "tanh",
        r"dZ^{[1]} = W^{[2]T} dZ^{[2]}",
        ["missing the factor * g'(Z^{[1]})"],
        ["φ", "⊙"],
    ),
    ("dlai", "tanh", "dZ1 = np.dot(W2.T, dZ2)", ["missing the factor * g'(Z1)"], ["φ", "⊙"]),
    (
        "dlai",
        "tanh",
        r"dZ^{[1]} = W^{[2]T} dZ^{[2]} * g^{[1]\prime}(A^{[1]})",
        ["g' takes Z, not A = g(Z): write g'(Z^{[1]}), not g'(A^{[1]})"],
        ["φ"],
    ),
    (
        "dlai",
        "tanh",
        "dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(Z1, 2))",
        ["tanh' is 1 - A1**2, with the activation A1, not Z1"],
        ["a²", "φ"],
    ),
    (
        "dlai",
        "tanh",
        r"dZ^{[2]} = (A^{[2]} - Y) * g'(Z^{[2]})",
        ["the output layer is linear (A^{[2]} = Z^{[2]})", "its derivative is 1: drop g'(Z^{[2]})"],
        ["φ", "A^(3)"],
    ),
    (
        "question",
        "tanh",
        r"\delta^{(3)} = (a^{(3)} - y) \odot \varphi'(z^{(3)})",
        ["the output layer is linear (a^(3) = z^(3)), so its derivative is 1: drop φ'(z^(3))"],
        [],
    ),
    (
        "goodfellow",
        "tanh",
        r"\nabla_{a^{(k)}} J = \nabla_{h^{(k)}} J \odot f(a^{(k)})",
        ["f where f' belongs: the chain rule multiplies by f'(a^{(k)})"],
        ["φ"],
    ),
    (
        "goodfellow",
        "tanh",
        r"\nabla_{a^{(k)}} J = \nabla_{h^{(k)}} J",
        ["missing the factor ⊙ f'(a^{(k)})"],
        ["φ"],
    ),
    (
        "numpy",
        "sigmoid",
        "delta_hidden = np.dot(W_output.T, delta_output) * sigmoid(z_hidden)",
        [
            "sigmoid where sigmoid_prime belongs",
            "the chain rule multiplies by sigmoid_prime(z_hidden)",
        ],
        ["φ"],
    ),
    (
        "numpy",
        "sigmoid",
        "delta_hidden = np.dot(W_output.T, delta_output)",
        ["missing the factor * sigmoid_prime(z_hidden)"],
        ["φ", "⊙"],
    ),
    (
        "nielsen",
        "sigmoid",
        r"\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot \sigma(z^l)",
        ["σ where σ' belongs: the chain rule multiplies by σ'(z^l)"],
        ["φ"],
    ),
    (
        "wikipedia",
        "tanh",
        r"\delta^{l} = (W^{l+1})^T \delta^{l+1}",
        ["missing the factor ⊙ f'(z^l)"],
        ["φ"],
    ),
    (
        "wikipedia",
        "tanh",
        r"\delta^{l} = ((W^{l+1})^T \delta^{l+1}) \circ f(z^l)",
        ["f where f' belongs: the chain rule multiplies by f'(z^l)"],
        ["φ"],
    ),
    (
        "ng",
        "sigmoid",
        "delta2 = (Theta2' * delta3) .* sigmoid(z2)",
        ["sigmoid where sigmoidGradient belongs: the chain rule multiplies by sigmoidGradient(z2)"],
        ["φ"],
    ),
    (
        "ng",
        "tanh",
        "delta2 = (Theta2' * delta3) .* g'(a2)",
        ["g' takes z, not a = g(z): write g'(z2), not g'(a2)"],
        ["φ"],
    ),
    (
        "dlai",
        "tanh",
        r"Z^{[2]} = W^{[2]} A^{[1]}",
        [
            "missing the bias: add + b^{[2]} 1ᵀ",
            "folds the bias into W^{[2]} and a bias unit into A^{[1]}",
        ],
        ["Θ", "a^(", "A^("],
    ),
    (  # Britz's z1 is the pre-activation: tanh' takes his a1
        "britz",
        "tanh",
        "delta2 = delta3 @ W2.T * (1 - z1 ** 2)",
        ["tanh' is 1 - a1", "with the activation a1, not z1"],
        ["φ", "Z^(", "A^("],
    ),
    (  # Bishop's z_j is the activation h(a_j): the chain rule takes h'(a_j)
        "bishop",
        "tanh",
        r"\delta_j = z_j \sum_k w_{kj} \delta_k",
        ["z_j is the activation h(a_j), where the chain rule multiplies by its derivative h'(a_j)"],
        ["φ", "a^(", "z^("],
    ),
    (  # Bishop's ∂E_n/∂w_{ji} is δ_j z_i: the δ of the unit the weight leads to
        "bishop",
        "tanh",
        r"\frac{\partial E_n}{\partial w_{ji}} = z_j \delta_i",
        ["the indices are swapped: write z_i δ_j, not z_j δ_i"],
        ["φ", "a^(", "δ^("],
    ),
]


@pytest.mark.parametrize(
    "notation, activation, equation, hint, core",
    VALUE_HINTS,
    ids=[f"{row[0]}-{i}" for i, row in enumerate(VALUE_HINTS)],
)
def test_a_value_hint_is_written_in_the_students_symbols(
    notation, activation, equation, hint, core
):
    result = check(equation, activation=activation, notation=notation)
    assert (result.verdict, result.reason) == ("wrong", "value"), result.to_text()
    said = "\n".join(result.hints)
    for fragment in hint:
        assert fragment in said, result.to_text()
    for name in core:
        assert name not in said, result.to_text()


# A correction names the activation and the cost as the student did: Nielsen's σ' and C
# (deeplearning.ai's g' and NumPy's sigmoid_prime: tests/test_notation_tables.py).
# (wrong equation in Nielsen's notation, the corrected equation)
NIELSEN_CORRECTIONS = [
    (r"\delta^l = (w^{l+1} \delta^{l+1}) \odot \sigma'(z^l)", "δ^l = w^{l+1}ᵀ δ^{l+1} ⊙ σ'(z^l)"),
    (r"\frac{\partial C}{\partial w^l} = \delta^l (a^{l})^T", "∂C/∂w^l = δ^l a^{l-1}ᵀ"),
]


@pytest.mark.parametrize("equation, corrected", NIELSEN_CORRECTIONS)
def test_a_correction_names_the_activation_and_cost_as_the_student_did(equation, corrected):
    result = check(equation, activation="sigmoid", notation="nielsen")
    assert result.corrected == corrected, result.to_text()
    assert check(corrected, activation="sigmoid", notation="nielsen").verdict == "correct"


# Bishop's component form: an index that does not fit is named with his symbols.
# (equation, fragments of the message)
ENTRY_MISFITS = [
    (
        r"\delta_j = h'(a_j) w_{kj} \delta_k",
        ["the two sides have different indices", "δ_j has j", "h'(a_j) w_{kj} δ_k has j, k"],
    ),
    (
        r"\delta_j = h'(a_j) \sum_k w_{jk} \delta_k",
        ["j runs over the units of two different layers", "a_j", "w_{jk}"],
    ),
    (  # the bias of the unit k added to the unit j's sum (Bishop's w_{j0})
        r"a_j = \sum_i w_{ji} x_i + w_{k0}",
        ["the two sides have different indices", "a_j has j", "w_{k0} has j, k"],
    ),
    (r"a_j = \sum_i w_{ji} x_i + b_k", ["the two sides have different indices", "b_k has j, k"]),
]


@pytest.mark.parametrize("equation, fragments", ENTRY_MISFITS)
def test_an_entry_misfit_names_the_students_symbols(equation, fragments):
    result = check(equation, notation="bishop")
    assert (result.verdict, result.reason) == ("wrong", "dimension"), result.to_text()
    assert result.message.startswith("the entry indices do not fit: "), result.to_text()
    for fragment in fragments:
        assert fragment in result.message, result.to_text()
    assert "Θ" not in result.message and "δ^(l" not in result.message


# Without --sizes, the header says what was assumed: the depth read from the equation, in the
# student's numbering; symbolic widths otherwise.
# (notation, equation, the sizes line)
ASSUMED_SIZES = [
    (
        "question",
        r"\delta^{(3)} = 2 (a^{(3)} - y)",
        "sizes:    symbolic widths, L = 3 (read from the layers the equation names)",
    ),
    (
        "dlai",
        r"dZ^{[2]} = 2 (A^{[2]} - Y)",
        "sizes:    symbolic widths, L = 2, layer 0 the input (read from the layers the equation "
        "names)",
    ),
    (
        "question",
        r"\delta^{(l)} = 2 (\Theta^{(l)})^T \delta^{(l+1)}",
        "sizes:    symbolic (n_1, …, n_L)",
    ),
    (  # d2l's L is the loss
        "d2l",
        r"\frac{\partial L}{\partial W^{(2)}} = \frac{\partial L}{\partial o} h",
        "sizes:    symbolic widths, layer 2 the output, layer 0 the input (read from the layers "
        "the equation names)",
    ),
]


@pytest.mark.parametrize("notation, equation, line", ASSUMED_SIZES)
def test_the_sizes_line_says_what_was_assumed(notation, equation, line):
    result = check(equation, notation=notation)
    assert result.verdict == "wrong", result.to_text()
    assert line in result.to_text().splitlines(), result.to_text()


# Layers one off where layer 0 is the input: the hint says how the student's own notation
# numbers them (not deeplearning.ai's W^{[l]} for every such notation).
# (notation, equation with a layer one off, the hint's fragment)
LAYER_ZERO_HINTS = [
    (
        "goodfellow",
        r"\nabla_{W^{(k)}} J = \nabla_{a^{(k)}} J \, h^{(k)T}",
        "so W^{(k)} maps h^{(k-1)} to a^{(k)}, and the first layer's gradient takes h^{(0)} = x",
    ),
    (
        "d2l",
        r"\frac{\partial J}{\partial W^{(1)}} = \frac{\partial J}{\partial z} h^\top",
        "so W^{(l)} maps h^{(l-1)} to z^{(l)}",
    ),
    (
        "dlai",
        "dW1 = np.dot(dZ1, A1.T) / m",
        "so W^{[l]} maps A^{[l-1]} to Z^{[l]}, and the first layer's gradient takes A^{[0]} = X",
    ),
    (  # samples as rows: d2l's W^{(l)} and H^{(l)} as written, its H for the unnamed pre-activation
        "d2l-rows",
        r"H = \phi(X W^{(2)} + b^{(1)})",
        "so W^{(l)} maps H^{(l-1)} to H^{(l)}, and the first layer's gradient takes H^{(0)} = X",
    ),
]


@pytest.mark.parametrize("notation, equation, hint", LAYER_ZERO_HINTS)
def test_layers_one_off_are_explained_in_the_students_notation(notation, equation, hint):
    result = check(equation, notation=notation)
    assert result.verdict == "wrong", result.to_text()
    assert any(hint in h for h in result.hints), result.to_text()


# Ng's folded bias: the hint names the student's own weights and δ, at the student's layer;
# where * is the matrix product (Octave), the element-wise product is .*.
# (equation, the reading of the bias, fragments of a hint, what it must not say)
NG_HINTS = [
    (
        "d3 = (Theta3' * d4) .* sigmoidGradient(z3)",
        "folded",
        ["the bias column is not dropped: Ng's Theta3 holds", "uses Theta3(:,2:end)", "d3(2:end)"],
        ["Theta2", "Θ"],
    ),
    (
        "delta2 = (Theta2' * delta3)",
        None,
        ["missing the factor .* sigmoidGradient(z2)"],
        ["⊙", "φ"],
    ),
]


@pytest.mark.parametrize("equation, bias, hint, leak", NG_HINTS)
def test_ngs_hints_name_his_symbols(equation, bias, hint, leak):
    result = check(equation, (4, 5, 6, 3), "sigmoid", notation="ng", bias=bias)
    assert result.verdict == "wrong", result.to_text()
    said = "\n".join(result.hints)
    assert all(fragment in said for fragment in hint), result.to_text()
    assert not any(name in said for name in leak), result.to_text()


# Every answer in the student's notation (issue 22, item 5): names, layer numbering and letter,
# the operators of the code (Octave's ' * .*, NumPy's .T @ *), the word for α, the rows of a
# minibatch notation; the question's spelling appears only in the one translation note. The
# expected fragments were written before these spellings were built.
# (notation, sizes, activation, wrong equation, fragments the answer has, fragments it must not)
STUDENTS_SPELLING = [
    (  # a name of the 3-layer network for the input the student's a_hidden should be
        "numpy",
        None,
        "sigmoid",
        "grad_W_hidden = np.outer(delta_hidden, a_hidden)",
        ["corrected: grad_W_hidden = np.outer(delta_hidden, x)"],  # 1-D: @ x.T is no x^T
        ["a^(", "ᵀ"],
    ),
    (  # d2l's minibatch: ∂J/∂O and W^{(2)} as written, not (∂J/∂A^(L))ᵀ
        "d2l-rows",
        None,
        "tanh",
        r"\frac{\partial J}{\partial W^{(2)}} = H \frac{\partial J}{\partial O}",
        ["corrected: ∂J/∂W^{(2)} = Hᵀ (∂J/∂O)"],
        ["∂J/∂A", "ᵀ)ᵀ", "^(L"],
    ),
    (  # ex4's rows: d2 and a1, not ((Δ^(2))ᵀ)ᵀ
        "ng",
        (4, 5, 3),
        "sigmoid",
        "Theta1_grad = d2' * a1' / m",
        ["the matrix product of d2' (", "corrected: Theta1_grad = (d2' * a1)/m"],
        ["Δ", "A^(", "ᵀ"],
    ),
    (  # Octave's ' and .*
        "ng",
        (4, 5, 3),
        "sigmoid",
        "delta2 = (Theta2' * delta3) * sigmoidGradient(z2)",
        ["corrected: delta2 = Theta2' * delta3 .* sigmoidGradient(z2)"],
        ["ᵀ", "⊙"],
    ),
    (
        "ng",
        (4, 5, 3),
        "sigmoid",
        "z3 = a2 * Theta2",
        ["corrected: z3 = a2 * Theta2'"],
        ["ᵀ", "A^(", "Z^("],
    ),
    (  # α as the student says it
        "ng",
        (4, 5, 3),
        "sigmoid",
        "Theta1_grad = Theta1_grad + lambda * Theta1",
        ["lambda is not divided by m: the L2 term of Theta1_grad is (lambda/m) Theta1"],
        ["α", "R^("],
    ),
    (
        "dlai",
        (4, 5, 3),
        "tanh",
        "dW1 = np.dot(dZ1, X.T) / m + lambd * W1",
        ["lambd is not divided by m: the L2 term of dW1 is (lambd/m) W1"],
        ["α", "Θ"],
    ),
    (
        "question",
        None,
        "tanh",
        r"\frac{\partial J}{\partial \Theta^{(l)}} = \frac{1}{m} \Delta^{(l+1)} (A^{(l)})^T"
        r" + \lambda \Theta^{(l)}",
        ["λ is not divided by m: the L2 term of ∂J/∂Θ^(l) is (λ/m) Θ^(l)"],
        ["α"],
    ),
    (  # the student's layer letter k in every expression
        "question",
        None,
        "tanh",
        r"\delta^{(k)} = \Theta^{(k)} \delta^{(k+1)} \odot \varphi'(z^{(k)})",
        ["corrected: δ^(k) = (Θ^(k))ᵀ δ^(k+1) ⊙ φ'(z^(k))", "did you mean (Θ^(k))ᵀ δ^(k+1)?"],
        ["^(l"],
    ),
    (
        "question",
        None,
        "tanh",
        r"\delta^{(k)} = (\Theta^{(k)})^T \delta^{(k+1)}",
        ["missing the factor ⊙ φ'(z^(k))"],
        ["^(l"],
    ),
    (
        "dlai",
        None,
        "tanh",
        r"dZ^{[k]} = W^{[k+1]T} dZ^{[k+1]}",
        ["missing the factor * g'(Z^{[k]})"],
        ["[l]"],
    ),
    (  # the widths in the student's layer letter too: n_k
        "question",
        None,
        "tanh",
        r"\delta^{(k)} = \Theta^{(k)} \delta^{(k+1)} \odot \varphi'(z^{(k)})",
        ["the matrix product of Θ^(k) (n_{k+1} × n_k) and δ^(k+1) (n_{k+1} × 1)"],
        ["n_l", "n_{l"],
    ),
    (
        "dlai",
        None,
        "tanh",
        r"dZ^{[k]} = W^{[k+1]} dZ^{[k+1]} * g^{[k]\prime}(Z^{[k]})",
        ["W^{[k+1]} (n^{[k+1]} × n^{[k]})"],
        ["[l"],
    ),
    (  # the element-wise product that fails as the student writes it: Octave's .*, ∘
        "ng",
        (4, 5, 3),
        "sigmoid",
        "delta2 = (Theta2' * delta3) .* sigmoidGradient(z3)",
        [
            ".* of Theta2' * delta3 (n_{L−1} × 1) and sigmoidGradient(z3) (n_L × 1) is undefined: "
            ".* needs two operands of the same shape",
            "with these sizes (L = 3): .* of Theta2' * delta3 (5 × 1)",
        ],
        ["⊙"],
    ),
    (
        "wikipedia",
        None,
        "tanh",
        r"\delta^{l} = ((W^{l+1})^T \delta^{l+1}) \circ f'(z^{l+1})",
        ["∘ of W^{l+1}ᵀ δ^{l+1} (n_l × 1) and f'(z^{l+1}) (n_{l+1} × 1) is undefined: ∘ needs"],
        [],
    ),
    (  # NumPy broadcasts the bias over the samples: b1, not b 1ᵀ
        "dlai",
        (4, 5, 3),
        "tanh",
        "Z1 = np.dot(W1, X)",
        ["missing the bias: add + b1 ("],
        ["1ᵀ", "ones"],
    ),
    (  # Bishop's component form: value hints in his symbols
        "bishop",
        None,
        "tanh",
        r"\delta_j = 2 h'(a_j) \sum_k w_{kj} \delta_k",
        ["twice the true value"],
        [],
    ),
    (
        "bishop",
        None,
        "tanh",
        r"\delta_j = h(a_j) \sum_k w_{kj} \delta_k",
        ["h where h' belongs: the chain rule multiplies by h'(a_j)"],
        ["φ", "z^(", "z_j"],
    ),
]


@pytest.mark.parametrize(
    "notation, sizes, activation, equation, said, leaks",
    STUDENTS_SPELLING,
    ids=[f"{row[0]}-{i}" for i, row in enumerate(STUDENTS_SPELLING)],
)
def test_every_answer_is_in_the_students_spelling(
    notation, sizes, activation, equation, said, leaks
):
    result = check(equation, sizes, activation, notation=notation)
    assert result.verdict == "wrong", result.to_text()
    text = result.to_text()
    lines = text[text.index("verdict:") :].splitlines()
    answer = "\n".join(line for line in lines if line.strip() != equation)
    assert all(fragment in answer for fragment in said), text
    assert not any(leak in answer for leak in leaks), text
    if result.corrected:
        again = check(result.corrected, sizes, activation, notation=notation)
        assert again.verdict == "correct", again.to_text()


# An Octave step (adding the bias unit, dropping its δ) is named as the student wrote it.
def test_an_octave_step_names_the_students_variable():
    result = check("delta2 = [1; delta2]", notation="ng")
    assert (result.verdict, result.reason) == ("wrong", "step"), result.to_text()
    assert "it gives delta2 an entry for the bias unit" in result.message, result.to_text()


# A whole derivation written with k: the suggestion keeps k (the calculus path too), and the
# widths of its message are n_k.
def test_a_derivations_suggestion_keeps_the_students_letter():
    derivation = r"\delta^{(k)} = \Theta^{(k)} \delta^{(k+1)} \odot \varphi'(z^{(k)}) \\ a = b"
    result = check_derivation(derivation.split(r" \\")[0] + r" = 2 \delta^{(k)}", (4, 5, 6, 3))
    step = result.steps[0]
    assert step.verdict == "wrong" and "(Θ^(k))ᵀ δ^(k+1)" in step.suggestion, result.to_text()
    assert "Θ^(k) (n_{k+1} × n_k)" in step.message and "n_l" not in step.message, result.to_text()


# deeplearning.ai's widths n^{[l]} in a shape claim, numbered as the student numbers layers.
# (claim, verdict, fragment of the message)
DLAI_CLAIMS = [
    (r"dZ^{[l]} \in \mathbb{R}^{n^{[l]} \times m}", "correct", ""),
    (r"W^{[l]} \in \mathbb{R}^{n^{[l]} \times n^{[l-1]}}", "correct", ""),
    (
        r"W^{[l]} \in \mathbb{R}^{n^{[l-1]} \times n^{[l]}}",
        "wrong",
        "W^{[l]} is (n^{[l]} × n^{[l-1]}), not (n^{[l-1]} × n^{[l]})",
    ),
]


@pytest.mark.parametrize("claim, verdict, message", DLAI_CLAIMS)
def test_a_deeplearning_ai_shape_claim_is_read(claim, verdict, message):
    result = check_derivation(claim, notation="dlai")
    assert result.verdict == verdict, result.to_text()
    assert message in result.steps[0].message, result.to_text()


# deeplearning.ai's loss \mathcal{L} is J in a single equation as in a derivation.
@pytest.mark.parametrize(
    "equation",
    [
        r"dz^{[2]} = \frac{\partial \mathcal{L}}{\partial z^{[2]}}",
        r"\frac{\partial \mathcal{L}}{\partial z^{[2]}} = a^{[2]} - y",
    ],
)
def test_the_loss_written_mathcal_l_is_read_alone(equation):
    result = check(equation, (4, 5, 3), notation="dlai")
    assert result.verdict == "correct", result.to_text()
    assert check_derivation(equation, (4, 5, 3), notation="dlai").verdict == "correct"


# A derivation forced into a notation it is not written in: not read there, with the advice.
def test_a_derivation_in_another_notation_than_forced_says_which():
    derivation = (
        r"\begin{align} dZ^{[2]} &= A^{[2]} - Y \\ dW^{[2]} &= dZ^{[2]} A^{[1]T} / m \end{align}"
    )
    result = check_derivation(derivation, (4, 5, 3), notation="goodfellow")
    assert result.verdict == "unparseable", result.to_text()
    assert "try --notation dlai" in result.to_text(), result.to_text()
    assert check_derivation(derivation, (4, 5, 3), notation="dlai").verdict == "correct"


# A symbol outside its layers, said as the student writes it (sizes 4,5,3): its name at that
# layer and the first and last that exist; Bishop's units, which name no layer, in his letters.
OUTSIDE = [
    (
        "dlai",
        r"dZ^{[2]} = W^{[3]T} dZ^{[3]} * g^{[2]\prime}(Z^{[2]})",
        "W^{[3]} does not exist, only W^{[1]} to W^{[2]}",
    ),
    ("dlai", "dZ2 = W3.T @ dZ3 * (1 - A2**2)", "W3 does not exist, only W1 to W2"),
    ("ng", "delta3 = Theta3' * delta4", "Theta3 does not exist, only Theta1 to Theta2"),
    ("britz", "dW3 = a2.T @ delta4", "delta4 does not exist, only delta2 to delta3"),
    (
        "wikipedia",
        r"\delta^{3} = (f^{3})' \circ (W^{4})^T \delta^{4}",
        "W^4 does not exist, only W^2 to W^3",
    ),
    (
        "bishop",
        r"\delta_j = h'(a_j) \sum_k w_{jk} \delta_k",
        "w_{jk} does not exist: Bishop's i, j, k are the units of three consecutive layers",
    ),
    (
        "question",
        r"\delta^{(1)} = (\Theta^{(1)})^T \delta^{(2)}",
        "δ^(1) does not exist, only δ^(2)",
    ),
]


@pytest.mark.parametrize("notation, equation, said", OUTSIDE)
def test_a_symbol_outside_its_layers_is_said_in_the_students_notation(notation, equation, said):
    result = check(equation, (4, 5, 3), "tanh", notation=notation)
    assert (result.verdict, result.reason) == ("wrong", "range"), result.to_text()
    assert result.message.startswith(said), result.to_text()
    assert notation == "question" or "Θ" not in result.message, result.to_text()


# Wikipedia's ∘ and (f^l)', and the ∇ of Goodfellow and Wikipedia, as the student wrote them
# (notation, wrong equation, the correction in the student's symbols)
WRITTEN_AS_GIVEN = [
    (
        "wikipedia",
        r"\delta^{l-1} = (f^{l-1})' \circ W^l \delta^l",
        "δ^{l-1} = (f^{l-1})' ∘ W^lᵀ δ^l",
    ),
    ("wikipedia", r"\nabla_{W^l} C = \delta^l a^{l-1}", "∇_{W^l} C = δ^l a^{l-1}ᵀ"),
    (
        "goodfellow",
        r"\nabla_{h^{(k-1)}} J = W^{(k)} \nabla_{a^{(k)}} J",
        "∇_{h^{(k-1)}} J = W^{(k)}ᵀ (∇_{a^{(k)}} J)",
    ),
]


@pytest.mark.parametrize("notation, equation, corrected", WRITTEN_AS_GIVEN)
def test_the_correction_keeps_the_students_operators(notation, equation, corrected):
    result = check(equation, notation=notation)
    assert result.corrected == corrected, result.to_text()
    assert check(corrected, notation=notation).verdict == "correct"
