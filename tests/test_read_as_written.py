"""Lines the sources write that were not read as written (each a strict xfail of a corpus
once): the cases here, with their verdicts written before the checker read them, are siblings
of each corpus row, so that what is read is the form and not one line."""

import re
import tomllib
from pathlib import Path

import pytest

from deltaprop.derivation import check, check_derivation, check_text, notations, tables


@pytest.mark.parametrize(
    "equation, verdict",
    [
        ("z = np.dot(w, activation) + b", "correct"),  # a^(l−1): the loop's last activation
        ("z = np.dot(w.transpose(), activation) + b", "wrong"),
        ("z = np.dot(activation, w) + b", "wrong"),
        ("z = np.dot(w, activation)", "wrong"),  # without b
        ("z = np.dot(w, activations[-1]) + b", "wrong"),  # a^L, of the output
    ],
)
def test_network_pys_running_activation_is_the_layer_before_in_the_forward_loop(equation, verdict):
    """network.py's loop ``for b, w in zip(self.biases, self.weights)``: w is w^l, b is b^l,
    ``z = np.dot(w, activation) + b`` reads the activation of the layer before (a^(l−1)),
    which ``activation = sigmoid(z)`` then makes a^l."""
    result = check(equation, None, "sigmoid", notation="nielsen")
    assert result.verdict == verdict, result.to_text()


@pytest.mark.parametrize(
    "notation, line, verdict",
    [
        ("cs231n", "dscores = scores - y; dscores /= N", "correct"),
        ("cs231n", "dscores = scores - y; dscores *= N", "wrong"),
        ("cs231n", "dscores = scores - y; dscores /= N; dW2 = hidden.T.dot(dscores)", "correct"),
        ("dlai", "dZ2 = A2 - Y; dZ2 /= m", "wrong"),  # the course's dZ has no 1/m
        ("britz", "dW2 = np.dot(a1.T, delta3); dW2 += reg_lambda * W2", "correct"),
        ("britz", "dW2 = np.dot(a1.T, delta3); dW2 -= reg_lambda * W2", "wrong"),
    ],
)
def test_an_update_after_a_semicolon_applies_to_the_value_before_it(notation, line, verdict):
    """``dscores = scores - y; dscores /= N`` is dscores = (scores − y) / N: an update by
    ``+=``, ``-=``, ``*=`` or ``/=`` of a name assigned before it on the line."""
    result = check(line, (4, 5, 3), "relu", notation=notation)
    assert result.verdict == verdict, result.to_text()


@pytest.mark.parametrize(
    "notation, line, verdict",
    [
        ("dlai", "m = X.shape[1]; dW1 = np.dot(dZ1, X.T) / m", "correct"),
        ("dlai", "m = X.shape[1]; dW1 = np.dot(dZ1, X.T)", "wrong"),
        ("dlai", "m = Y.shape[1]; db2 = np.sum(dZ2, axis=1, keepdims=True) / m", "correct"),
        ("dlai", "m = A1.shape[1]; dW2 = 1 / m * np.dot(dZ2, A1.T)", "correct"),
        ("cs231n", "N = X.shape[0]; dscores = (scores - y) / N", "correct"),
        ("cs231n", "N = X.shape[0]; dscores = (scores - y) * N", "wrong"),
    ],
)
def test_the_number_of_samples_named_before_a_semicolon_is_used_after_it(notation, line, verdict):
    """``m = X.shape[1]; dW1 = np.dot(dZ1, X.T) / m``: m, the number of samples, is given
    for the statement after it, not judged alone (it is no quantity of the network)."""
    result = check(line, (4, 5, 3), "tanh", notation=notation)
    assert result.verdict == verdict, result.to_text()


def test_a_number_of_samples_of_the_wrong_axis_is_never_accepted():
    line = "m = X.shape[0]; dW1 = np.dot(dZ1, X.T) / m"  # n_1, the width of the input
    assert check(line, (4, 5, 3), "tanh", notation="dlai").verdict != "correct"


@pytest.mark.parametrize(
    "line, verdict",
    [
        ("db1 = (1.0 / m) * np.sum(dZ1, axis=1).reshape(-1, 1)", "correct"),
        ("db1 = np.sum(dZ1, axis=1).reshape((-1, 1)) / m", "correct"),
        ("db1 = (1 / m) * np.sum(dZ1, axis=1).reshape(dZ1.shape[0], 1)", "correct"),
        ("db2 = (1 / m) * np.sum(dZ2, axis=1)[:, None]", "correct"),
        ("db1 = (1 / m) * np.sum(dZ1, axis=0).reshape(-1, 1)", "wrong"),  # m × 1
        ("db1 = (1 / m) * np.sum(dZ1, axis=1).reshape(1, -1)", "wrong"),  # a row
    ],
)
def test_a_reshape_to_one_column_makes_a_column_of_a_1d_sum(line, verdict):
    """``np.sum(dZ1, axis=1)`` is 1-D (it broadcasts as a row); ``.reshape(-1, 1)`` and
    ``[:, None]`` make it the column that keepdims=True gives."""
    result = check(line, (4, 5, 3), "tanh", notation="dlai")
    assert result.verdict == verdict, result.to_text()


@pytest.mark.parametrize(
    "line, verdict",
    [
        ("cache['Z1'] = np.dot(W1, X) + b1", "correct"),
        ('cache["A1"] = np.tanh(cache["Z1"])', "correct"),
        ("cache['Z2'] = np.dot(W2, cache['A1']) + b2", "correct"),
        ("cache['Z2'] = np.dot(W2, cache['Z1']) + b2", "wrong"),
        ("dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(cache['A1'], 2))", "correct"),
        ("dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(cache['Z1'], 2))", "wrong"),
    ],
)
def test_the_courses_cache_dictionary_holds_its_names(line, verdict):
    """deeplearning.ai's forward pass returns cache = {"Z1": Z1, "A1": A1, …}: cache['Z1'] is
    Z1, as grads['dW1'] is dW1 and parameters['W1'] is W1."""
    result = check(line, (4, 5, 3), "tanh", notation="dlai")
    assert result.verdict == verdict, result.to_text()


RASCHKA = [  # Raschka's names on top of Britz's rows (data/define_sweep5.tsv), without Y
    "A^{(in)}=X",
    "Z^{(h)}=Z^(2)",
    "A^{(h)}=A^(2)",
    "Z^{(out)}=Z^(3)",
    "A^{(out)}=A^(3)",
    "W^{(h)}=Theta^(1)",
    "W^{(out)}=Theta^(2)",
    "delta^{(out)}=Delta^(3)",
]


@pytest.mark.parametrize(
    "notation, define, equation, verdict",
    [
        ("britz", RASCHKA, r"\delta^{(out)} = A^{(out)} - Y", "correct"),
        ("britz", RASCHKA, r"\delta^{(out)} = Y - A^{(out)}", "wrong"),
        ("britz", RASCHKA, r"\delta^{(out)} = A^{(out)} - Y^T", "wrong"),
        ("britz", (), "delta3 = a2 - Y", "correct"),
        ("cs231n", (), "dscores = (scores - Y) / N", "correct"),
    ],
)
def test_the_targets_y_are_rows_in_a_notation_of_rows(notation, define, equation, verdict):
    """One sample per row: Y, not named by the notation, is the targets as rows, (Y)ᵀ of the
    question's, as every quantity of the notation is."""
    result = check(equation, (4, 5, 3), "sigmoid", notation=notation, define=define)
    assert result.verdict == verdict, result.to_text()


DELTA = r"\delta^{(l)} = (\Theta^{(l)})^T \delta^{(l+1)} \odot "


@pytest.mark.parametrize(
    "notation, define, equation, verdict",
    [
        (
            "britz",
            [*RASCHKA, "delta^{(h)}=Delta^(2)"],
            r"\delta^{(h)} = \delta^{(out)} (W^{(out)})^T \odot"
            r" \frac{\partial \phi(Z^{(h)})}{\partial Z^{(h)}}",
            "correct",
        ),
        ("question", (), DELTA + r"\frac{\partial \sigma(z^{(l)})}{\partial z^{(l)}}", "correct"),
        ("question", (), DELTA + r"\frac{\partial \phi(z^{(l+1)})}{\partial z^{(l+1)}}", "wrong"),
        (  # by another quantity: no φ', not read (and never accepted)
            "question",
            (),
            DELTA + r"\frac{\partial \sigma(z^{(l)})}{\partial a^{(l)}}",
            "unsupported",
        ),
    ],
)
def test_the_derivative_of_phi_by_its_argument_is_phi_prime(notation, define, equation, verdict):
    """Raschka's ∂φ(z^{(h)})/∂z^{(h)} beside ⊙ is φ'(z^{(h)}), entry by entry."""
    result = check(equation, (4, 5, 3), "sigmoid", notation=notation, define=define)
    assert result.verdict == verdict, result.to_text()


@pytest.mark.parametrize(
    "claim, sizes, verdict",
    [
        (r"y \in \mathbb{R}", (3, 4, 1), "correct"),  # one output: y is a number
        (r"y \in \mathbb{R}", (3, 4, 2), "wrong"),
        (r"\delta^{(3)} \in \mathbb{R}^{1}", (3, 4, 1), "correct"),
        (r"\delta^{(2)} \in \mathbb{R}^{4}", (3, 4, 1), "correct"),
        (r"\delta^{(2)} \in \mathbb{R}^{3}", (3, 4, 1), "wrong"),
        (r"\Theta^{(1)} \in \mathbb{R}^{4 \times 3}", (3, 4, 1), "correct"),
        (r"\Theta^{(1)} \in \mathbb{R}^{3 \times 4}", (3, 4, 1), "wrong"),
        (r"\delta^{(2)} \in \mathbb{R}^{4}", None, "skipped"),  # no widths to compare
    ],
)
def test_a_shape_claim_is_judged_in_the_widths_given(claim, sizes, verdict):
    """With --sizes 3,4,1, n_L is 1: y ∈ ℝ is right, and a space written in numbers
    (ℝ^{4 × 3}) is judged against them."""
    result = check_derivation(claim, sizes)
    assert result.verdict == verdict, result.to_text()


@pytest.mark.parametrize(
    "text, activation, verdict",
    [
        (r"with $\text{ReLU}(x) = \max(0, x)$ in the hidden layers", "relu", "correct"),
        (r"with $\text{ReLU}(x) = \max(0, x)$ in the hidden layers", "tanh", "wrong"),
        (r"We use ReLU: $g(z) = \max(0, z)$.", "relu", "correct"),
        (r"The sigmoid, $\sigma(z) = \frac{1}{1+e^{-z}}$.", "sigmoid", "correct"),
        (r"The sigmoid, $\sigma(z) = \frac{1}{1+e^{-z}}$.", "relu", "wrong"),
        (r"$\varphi(z) = \tanh(z)$", "tanh", "correct"),
    ],
)
def test_a_definition_of_phi_by_its_formula_is_judged_for_the_networks_activation(
    text, activation, verdict
):
    """ReLU(x) = max(0, x), σ(z) = 1/(1 + e^{−z}), φ(z) = tanh(z) in a post: right where the
    formula is the network's φ, wrong where it is another activation's."""
    result = check_text(text, activation=activation)
    verdicts = [step.verdict for formula in result.formulas for step in formula.steps]
    assert verdicts == [verdict], result.to_text()


@pytest.mark.parametrize(
    "equation, notation, written",
    [
        (r"\delta^{[2]} = a^{[2]} - y", "dlai", "dz^{[2]}"),
        (r"\delta^{[1]} = W^{[2]T} \delta^{[2]} * g'(z^{[1]})", "dlai", "dz^{[1]}"),
    ],
)
def test_a_quantity_of_the_question_in_a_notation_numbered_from_0_is_said_not_judged(
    equation, notation, written
):
    """deeplearning.ai's notation has no δ, and its layer 0 is the input: δ^{[2]} is neither
    its dz^{[2]} (δ^(3)) nor the question's δ^(2) for sure, so it is not judged, and the
    message names the notation's own name and the question's notation."""
    result = check(equation, notation=notation)
    assert result.verdict in ("unparseable", "unsupported"), result.to_text()
    assert written in result.message and "--notation question" in result.message, result.message


@pytest.mark.parametrize(
    "equation",
    [
        r"dz^{[2]} = a^{[2]} - y",
        r"\Theta^{[1]} = W^{[1]}",  # W^{[l]} is Θ^(l): the weights have one number in both
        r"dz^{[L]} = a^{[L]} - y",
    ],
)
def test_the_notations_own_names_and_its_weights_are_judged_in_its_numbering(equation):
    assert check(equation, notation="dlai").verdict == "correct"


HAGAN = Path(__file__).parent / "data" / "hagan.toml"  # his F = (t − a)ᵀ(t − a) = 2J


@pytest.mark.parametrize(
    "equation",
    [r"W^m = W^m - \frac{\alpha}{2} s^m (a^{m-1})^T", r"s^M = -(t - a^M)"],
)
def test_half_of_a_step_of_a_cost_without_a_half_is_said_of_that_cost(equation):
    """Hagan's F has no ½: a step or a sensitivity that is half the true one forgets the 2 of
    F's derivative; the squared loss's ½ is no part of it."""
    result = check(equation, (4, 5, 3), "sigmoid", notation=tables.load(HAGAN))
    assert result.verdict == "wrong", result.to_text()
    assert any("F = 2J" in hint for hint in result.hints), result.to_text()
    assert not any("½ of the loss" in hint for hint in result.hints), result.to_text()


def test_half_of_the_output_error_is_said_of_the_squared_losss_half():
    result = check(r"\delta^{(L)} = \frac{1}{2} (a^{(L)} - y)", (4, 5, 3))
    assert any("½ of the loss" in hint for hint in result.hints), result.to_text()


@pytest.mark.parametrize(
    "notation, equation",
    [
        ("question", r"\delta^{(k)} = (\Theta^{(k+1)})^T \delta^{(k+1)} \odot \varphi'(z^{(k)})"),
        ("question", r"\frac{\partial J}{\partial \Theta^{(k)}} = \delta^{(k)} (a^{(k)})^T"),
        ("question", "delta[k] = Theta[k] @ delta[k+1] * dphi(z[k])"),
        ("nielsen", r"\delta^k = (w^{k})^T \delta^{k+1} \odot \sigma'(z^k)"),
    ],
)
def test_a_renamed_copy_writes_the_students_layer_letter_back(notation, equation):
    """A user's copy of a built-in notation file under another name says what the built-in
    says (but for the line naming the notation, which the question's own leaves out), in the
    student's letter k: the notation's own letter is the file's, not looked up by its name."""
    data = tomllib.loads(tables.source(notation)) | {"name": "mine", "title": "my notation"}
    copy = check(equation, None, "tanh", notation=tables.read(data, "mine.toml")).to_text()
    builtin = check(equation, None, "tanh", notation=notation).to_text()
    copy = copy.replace("my notation", tables.builtin(notation).title)
    assert re.sub(r"\nnotation: [^\n]*", "", copy) == re.sub(r"\nnotation: [^\n]*", "", builtin)


@pytest.mark.parametrize(
    "equation, notation, verdict",
    [
        ("x = a^{(1)}", "question", "correct"),  # a^(1) = x: a superscript is no cs231n code
        ("x = a^{(2)}", "question", "wrong"),
        ("out = x.dot(w) + b", "cs231n", "correct"),
        ("dx = dout * (1 - out**2)", "cs231n", "correct"),
    ],
)
def test_a_line_with_a_superscript_is_not_read_as_cs231n_code(equation, notation, verdict):
    result = check(equation)
    assert (result.notation, result.verdict) == (notation, verdict), result.to_text()


TRASK = [  # Trask's Grokking Deep Learning on top of Britz's rows (data/define_sweep5.tsv)
    "layer_0=X",
    "layer_1=A^(2)",
    "layer_2=A^(3)",
    "weights_0_1=Theta^(1)",
    "weights_1_2=Theta^(2)",
    "layer_2_delta=Delta^(3)",
    "layer_1_delta=Delta^(2)",
    "weight_delta_0_1=m dJ/dTheta^(1)",
]


@pytest.mark.parametrize(
    "equation, verdict",
    [
        ("weight_delta_0_1 = layer_0.T.dot(layer_1_delta)", "correct"),
        ("weight_delta_0_1 = layer_0.dot(layer_1_delta)", "wrong"),
        ("dW2 = a1.T.dot(delta3)", "correct"),  # Britz's own names, in his numbering
        ("dW2 = a1.T.dot(delta2)", "wrong"),
    ],
)
def test_a_name_with_0_in_it_is_a_name_not_the_input_layer_0(equation, verdict):
    """Trask's layer_0 = X is a name of the input; it makes no layer 0 of the notation (as
    a^0 = x does), so Britz's own names keep their numbers."""
    result = check(equation, (4, 5, 3), "relu", notation="britz", define=TRASK)
    assert result.verdict == verdict, result.to_text()
    assert "n_{L+1}" not in result.to_text()


PROD_O = (
    r"\text{prod}\left(\frac{\partial J}{\partial o}, \frac{\partial o}{\partial W^{(2)}}\right)"
)
PROD_S = (
    r"\text{prod}\left(\frac{\partial J}{\partial s}, \frac{\partial s}{\partial W^{(2)}}\right)"
)
DJ_DW2 = r"\frac{\partial J}{\partial W^{(2)}} = "


@pytest.mark.parametrize(
    "equation, verdict",
    [
        (DJ_DW2 + PROD_O, "correct"),  # the chain rule by the weights: ∂J/∂o hᵀ
        (DJ_DW2 + PROD_O + " + " + PROD_S, "correct"),  # J = L + s: ∂J/∂s = 1, ∂s/∂W = λW
        (
            DJ_DW2 + r"\frac{\partial J}{\partial o} h^\top + \frac{\partial s}{\partial W^{(2)}}",
            "correct",
        ),
        (
            DJ_DW2
            + r"\frac{\partial J}{\partial o} h^\top + 2 \frac{\partial s}{\partial W^{(2)}}",
            "wrong",
        ),
        (DJ_DW2 + PROD_O + " + " + PROD_S.replace("W^{(2)}", "W^{(1)}"), "wrong"),
        (
            DJ_DW2.replace("W^{(2)}", "W^{(1)}") + PROD_O.replace("W^{(2)}", "W^{(1)}"),
            "unsupported",
        ),
    ],
)
def test_d2ls_regularizer_s_and_its_chain_rule_by_the_weights(equation, verdict):
    """d2l §5.3: J = L + s with s = (λ/2)(‖W^{(1)}‖² + ‖W^{(2)}‖²), so ∂J/∂s = 1 and
    ∂s/∂W^{(2)} = λ W^{(2)}; prod(∂J/∂o, ∂o/∂W^{(2)}) is ∂J/∂o hᵀ (o = W^{(2)} h + b^{(2)}).
    ∂o/∂W^{(1)}, across two layers, is not read (and never accepted)."""
    result = check(equation, (4, 5, 3), "tanh", notation="d2l")
    assert result.verdict == verdict, result.to_text()


@pytest.mark.parametrize(
    "equation, notation, verdict",
    [
        ("a2 = z2", "britz", "correct"),  # his one hidden layer: a2 is the (linear) output
        ("a1 = z1", "britz", "wrong"),
        ("a2 = np.tanh(z2)", "britz", "wrong"),
        ("a1 = np.tanh(z1)", "britz", "correct"),
        ("delta3 = a2 - y", "britz", "correct"),
        ("a2 = np.tanh(z2)", "ng-numpy", "correct"),  # Ng's numbering: a2 is hidden
        ("a2 = np.tanh(z2)", None, "wrong"),  # read as Britz's, the default of the line
    ],
)
def test_britzs_network_has_one_hidden_layer_without_sizes(equation, notation, verdict):
    """Britz's names are of his network, L = 3: a2 = z2 is its linear output without
    --sizes too (d2l's h^{(2)} is hidden: d2l names its output o); a2 = np.tanh(z2) reads in
    his numbering and in Ng's, and is read in his."""
    result = check(equation, notation=notation)
    assert (result.notation, result.verdict) == (notation or "britz", verdict), result.to_text()


@pytest.mark.parametrize("name", ["a^0", "A^{[0]}", "h_0", "a0"])
def test_a_letter_at_the_index_0_is_the_input_layer_0(name):
    """a^0 = x, A^{[0]} = x, Prince's h_0 = x: the input is layer 0 (Trask's layer_0, a word,
    is a name only)."""
    table = notations.define("question", [f"{name}=x"])
    assert table.first == 0
