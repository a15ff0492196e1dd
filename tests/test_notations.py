"""check reads the notations students bring: Ng's course and Octave, Nielsen's book, cs231n's
NumPy. The corpus in data/notation_corpus.tsv was
written from those sources before the notations were implemented, each equation with the
verdict a teacher gives for the question's network (linear output, squared loss)."""

import json
import shlex
from pathlib import Path

import numpy as np
import pytest

from corpus import assert_verdict, read_rows, run
from deltaprop.cli import main
from deltaprop.derivation import check, notations
from deltaprop.derivation.notation import parse, to_latex, to_mathml, to_text
from deltaprop.derivation.notations import detect
from deltaprop.errors import ConfigError
from deltaprop.relerror import rel_error

CORPUS = Path(__file__).parent / "data" / "notation_corpus.tsv"
ALL_ROWS = read_rows(CORPUS)
ROWS = [row for row in ALL_ROWS if not row[0].startswith("added:")]  # written before the work
ADDED = [row for row in ALL_ROWS if row[0].startswith("added:")]  # added in round two
UNREAD = {"unparseable", "unsupported"}


@pytest.mark.parametrize("row", ROWS, ids=[f"{r[0]}-{i}" for i, r in enumerate(ROWS)])
def test_corpus_equation_gets_its_verdict_and_a_wrong_one_is_never_accepted(row):
    assert_verdict(row)


def test_the_corpus_is_large_and_read():
    assert len(ROWS) >= 100
    assert all(run(row)[0].verdict not in UNREAD for row in ROWS)


@pytest.mark.parametrize("row", ADDED, ids=[f"{r[0]}-{i}" for i, r in enumerate(ADDED)])
def test_added_equations_get_their_verdict(row):
    result, expected = run(row)
    assert result.verdict == expected, result.to_text()


@pytest.mark.parametrize("row", [r for r in ALL_ROWS if r[0] != "answer"], ids=lambda r: r[5][:30])
def test_the_notation_is_detected(row):
    same_symbols = {"question"} if row[1] == "ng" else set()  # Ng's LaTeX is the question's
    assert detect(row[5]) in {row[1]} | same_symbols


def test_octave_names_and_operators_are_read_as_ng_does():
    result = check("delta2 = (Theta2' * delta3) .* sigmoidGradient(z2)", (4, 5, 3), "sigmoid")
    assert (result.notation, result.verdict) == ("ng", "correct"), result.to_text()
    assert "Octave names are layers (delta3 is δ^(3)" in result.to_text()
    swapped = check("delta2 = Theta2' * delta3 * sigmoidGradient(z2)", (4, 5, 3), "sigmoid")
    assert (swapped.verdict, swapped.reason) == ("wrong", "dimension")  # * is @ in Octave


def test_ng_accumulator_and_gradient():
    accumulate = check(r"\Delta^{(l)} := \Delta^{(l)} + \delta^{(l+1)} (a^{(l)})^T")
    assert accumulate.verdict == "correct" and "an accumulation" in accumulate.to_text()
    gradient = r"D^{(l)} = \frac{1}{m} \Delta^{(l)} + \frac{\lambda}{m} \Theta^{(l)}"
    assert check(gradient).verdict == "correct"
    assert check(r"D^{(l)} = \Delta^{(l)} + \lambda \Theta^{(l)}").verdict == "wrong"


def test_nielsen_indices_are_shifted_and_his_output_layer_is_explained():
    result = check(r"\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)")
    assert (result.notation, result.verdict) == ("nielsen", "correct")
    assert "w^{l+1} is Θ^(l) here" in result.to_text()
    bp1 = check(r"\delta^L = (a^L - y) \odot \sigma'(z^L)")
    assert bp1.verdict == "wrong"
    assert any("the output layer is linear" in hint for hint in bp1.hints)
    assert "His output layer applies σ, the question's is linear" in bp1.to_text()
    unshifted = check(r"\delta^l = ((w^l)^T \delta^{l+1}) \odot \sigma'(z^l)")
    assert any("Nielsen's index is not shifted" in hint for hint in unshifted.hints)
    assert check(r"\delta^L = \nabla_a C").verdict == "correct"


def test_the_notation_option(capsys):
    equation = "delta[l] = Theta[l].T @ delta[l+1] * dphi(z[l])"
    assert main(["check", equation, "--notation", "question", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["notation"], out["notes"]) == ("question", [])
    assert main(["check", equation, "--notation", "latex"]) == 2
    assert "argument --notation: invalid choice" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="notation='latex' is not known"):
        check(equation, notation="latex")


NIELSEN_BP = [
    r"\delta^L = \nabla_a C \odot \sigma'(z^L)",  # BP1
    r"\delta^L = (a^L - y) \odot \sigma'(z^L)",
    r"\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)",  # BP2
    r"\frac{\partial C}{\partial b^l} = \delta^l",  # BP3
    r"\frac{\partial C}{\partial w^l} = \delta^l (a^{l-1})^T",  # BP4
    r"C = \frac{1}{2} \|y - a^L\|^2",
]


@pytest.mark.parametrize("equation", NIELSEN_BP)
def test_nielsen_equations_are_right_for_his_network_with_a_sigmoid_output(equation):
    result = check(equation, activation="sigmoid", output_activation="sigmoid")
    assert result.verdict == "correct", result.to_text()
    assert "judged for a network whose output layer applies φ = sigmoid" in result.to_text()


def test_with_a_sigmoid_output_the_linear_delta_is_wrong_and_named():
    result = check(r"\delta^L = a^L - y", activation="sigmoid", output_activation="sigmoid")
    assert result.verdict == "wrong"
    assert "missing the factor ⊙ φ'(z^L)" in result.hints  # in Nielsen's symbols
    linear = check(r"\delta^L = \nabla_a C \odot \sigma'(z^L)", activation="sigmoid")
    assert linear.verdict == "wrong"  # for the question's network, whose output is linear


def test_output_activation_on_the_command_line(capsys):
    argv = ["check", r"\delta^L = (a^L - y) \odot \sigma'(z^L)", "--activation", "sigmoid"]
    assert main([*argv, "--output-activation", "sigmoid"]) == 0
    assert main(argv) == 1
    assert main([*argv, "--output-activation", "softmaxx"]) == 2
    assert "activation='softmaxx' is not known" in capsys.readouterr().err


def test_an_output_activation_is_judged_with_the_squared_loss_only():
    equation = r"\delta^L = (a^L - y) \odot \sigma'(z^L)"
    with pytest.raises(ConfigError, match="--output-activation is judged with the squared loss"):
        check(equation, activation="sigmoid", output_activation="sigmoid", loss="huber")


@pytest.mark.parametrize(
    ("equation", "verdict"),
    [
        (r"\frac{\partial C}{\partial b^l_j} = \delta^l_j", "correct"),  # BP3
        (r"\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_k \delta^l_j", "correct"),  # BP4
        (r"\delta^l_j = \sum_k w^{l+1}_{kj} \delta^{l+1}_k \sigma'(z^l_j)", "correct"),  # BP2
        (r"\delta^l_j = \sum_k w^{l+1}_{kj} \delta^{l+1}_k", "wrong"),  # no σ'
        (r"\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_j \delta^l_k", "wrong"),  # swapped
    ],
)
def test_nielsen_component_forms_are_checked_entry_by_entry(equation, verdict):
    result = check(equation, activation="sigmoid")
    assert result.verdict == verdict, result.to_text()


def test_indices_over_units_of_different_layers_do_not_fit():
    result = check(r"\delta^l_j = \sum_k w^{l+1}_{jk} \delta^{l+1}_k \sigma'(z^l_j)")
    assert (result.verdict, result.reason) == ("wrong", "dimension")
    assert "the entry indices do not fit" in result.message


SIGMOID_NET = ((4, 5, 3), "sigmoid")
FOLDED_RIGHT = [
    "z3 = Theta2 * a2",
    r"z^{(3)} = \Theta^{(2)} a^{(2)}",
    "a2 = [1; sigmoid(z2)]",
    r"a^{(2)} = [1; g(z^{(2)})]",
    "delta2 = (Theta2(:,2:end)' * delta3) .* sigmoidGradient(z2)",
    "delta2 = (Theta2' * delta3)(2:end) .* sigmoidGradient(z2)",
    "Theta1_grad = Delta1 / m + (lambda / m) * [zeros(size(Theta1,1),1) Theta1(:,2:end)]",
]


@pytest.mark.parametrize("equation", FOLDED_RIGHT)
def test_ng_bias_folded_into_theta_is_read_for_the_equivalent_network(equation):
    result = check(equation, *SIGMOID_NET, notation="ng")
    assert result.verdict == "correct", result.to_text()
    assert "read with the bias folded into Θ" in result.to_text()


def test_the_folded_reading_is_tried_only_for_ng_and_said():
    generic = check(r"z^{(l+1)} = \Theta^{(l)} a^{(l)}", notation="ng")
    assert generic.verdict == "correct" and generic.rel_error < 1e-12
    question = check(r"z^{(l+1)} = \Theta^{(l)} a^{(l)}")  # the question's separate b^(l)
    assert question.verdict == "wrong"
    assert any("missing the bias" in h and "--notation ng" in h for h in question.hints)
    separate = check("z3 = Theta2 * a2", *SIGMOID_NET, bias="separate")
    assert separate.verdict == "wrong"
    plain = check("delta2 = (Theta2' * delta3) .* sigmoidGradient(z2)", *SIGMOID_NET)
    assert plain.verdict == "correct" and notations.FOLDED_NOTE not in plain.notes


def test_forgetting_to_drop_the_bias_column_is_named_and_fixed():
    equation = "delta2 = (Theta2' * delta3) .* sigmoidGradient(z2)"
    result = check(equation, *SIGMOID_NET, bias="folded")
    assert (result.verdict, result.reason) == ("wrong", "dimension")
    assert "((n_{L−1} + 1) × 1)" in result.message  # Θ^(2)ᵀ δ^(3) has the bias unit's row
    assert any(h.startswith("the bias column is not dropped") for h in result.hints)
    assert "(:,2:end)" in result.corrected
    again = check(result.corrected, *SIGMOID_NET, notation="ng", bias="folded")
    assert again.verdict == "correct", again.to_text()


def test_a_delta_with_the_bias_unit_entry_left_in_is_named():
    result = check("delta2 = (Theta2' * delta3) .* [1; sigmoidGradient(z2)]", *SIGMOID_NET)
    assert (result.verdict, result.reason) == ("wrong", "shape")
    assert any(h.startswith("the bias column is not dropped") for h in result.hints)


def test_regularizing_the_bias_column_is_named():
    result = check("Theta1_grad = Delta1 / m + (lambda / m) * Theta1", *SIGMOID_NET, bias="folded")
    assert (result.verdict, result.reason) == ("wrong", "value")
    assert any(h.startswith("the bias column is regularized") for h in result.hints)
    # with b^(l) apart from Θ^(l), the same line is right: Θ has no bias column to spare
    assert check("Theta1_grad = Delta1 / m + (lambda / m) * Theta1", *SIGMOID_NET).verdict == (
        "correct"
    )


@pytest.mark.parametrize(
    ("equation", "verdict", "hint"),
    [
        ("Theta1_grad(:,2:end) = Theta1_grad(:,2:end) + (lambda/m) * Theta1(:,2:end)", 0, ""),
        ("Theta1_grad = Theta1_grad + (lambda/m) * Theta1", 0, ""),
        (
            "Theta1_grad(:,2:end) = Theta1_grad(:,2:end) + lambda * Theta1(:,2:end)",
            1,
            "lambda is not",
        ),
        ("Theta2_grad = Theta2_grad + delta3 * a2'", 0, ""),
    ],
)
def test_ex4_gradient_updates(equation, verdict, hint):
    result = check(equation, *SIGMOID_NET)
    assert result.exit_code == verdict, result.to_text()
    assert not hint or any(h.startswith(hint) for h in result.hints)


@pytest.mark.parametrize(
    ("equation", "right", "words"),
    [
        ("a2 = [1; a2]", True, "puts the bias unit a_0 = 1 on top of a2"),
        ("a2 = [ones(m,1) a2]", True, "one sample per row"),
        ("a2 = [ones(1,m); a2]", True, "puts the bias unit a_0 = 1 on top of a2"),
        ("delta2 = delta2(2:end)", True, "drops the first entry of delta2"),
        ("a2 = a2(2:end)", False, "drops a unit of a2"),
        ("delta2 = [1; delta2]", False, "an entry for the bias unit, which has no δ"),
        ("a2 = [zeros(m,1) a2]", False, "puts zeros where the bias unit a_0 = 1 belongs"),
        (r"a_0^{(2)} = 1", True, "the bias unit a^(2)_0 of Ng's course is 1"),
        (r"a_0^{(2)} = 0", False, "the bias unit a^(2)_0 of Ng's course is 1"),
    ],
)
def test_octave_steps_that_add_or_drop_the_bias_unit(equation, right, words):
    result = check(equation, *SIGMOID_NET)
    assert result.exit_code == (0 if right else 1)
    assert words in result.to_text()


@pytest.mark.parametrize(
    ("equation", "verdict"),
    [
        (r"J(\Theta) = \frac{1}{2m} \sum_{i=1}^{m} \| h_\Theta(x^{(i)}) - y^{(i)} \|^2", "correct"),
        (r"J(\Theta) = \frac{1}{m} \sum_{i=1}^{m} \| h_\theta(x^{(i)}) - y^{(i)} \|^2", "wrong"),
        (r"\delta^{(L)} = h_\Theta(x) - y", "correct"),
        (
            r"\frac{\partial}{\partial \Theta_{ij}^{(l)}} J(\Theta) = a_j^{(l)} \delta_i^{(l+1)}",
            "correct",
        ),
        (
            r"\frac{\partial}{\partial \Theta_{ij}^{(l)}} J(\Theta) = a_i^{(l)} \delta_j^{(l+1)}",
            "wrong",
        ),
        (r"D^{(l)}_{ij} = \frac{1}{m} \Delta^{(l)}_{ij}", "correct"),
        (r"D^{(l)}_{ij} = \Delta^{(l)}_{ij}", "wrong"),
        (r"\Delta^{(l)}_{ij} := \Delta^{(l)}_{ij} + a_j^{(l)} \delta_i^{(l+1)}", "correct"),
    ],
)
def test_ng_hypothesis_and_operator_forms(equation, verdict):
    result = check(equation, activation="sigmoid", notation="ng")
    assert result.verdict == verdict, result.to_text()


def test_h_takes_the_input_x():
    result = check(r"\delta^{(L)} = h_\Theta(y) - y", notation="ng")
    assert result.verdict == "unparseable"
    assert "h_Θ takes the input x" in result.message


def test_the_bias_option(capsys):
    argv = ["check", "delta2 = (Theta2' * delta3) .* sigmoidGradient(z2)", "--sizes", "4,5,3"]
    assert main([*argv, "--activation", "sigmoid"]) == 0
    assert main([*argv, "--activation", "sigmoid", "--bias", "folded"]) == 1
    assert "the bias column is not dropped" in capsys.readouterr().out
    assert main([*argv, "--bias", "inside"]) == 2
    assert "argument --bias: invalid choice" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="bias='inside' is not known"):
        check("z3 = Theta2 * a2", bias="inside")
    with pytest.raises(ConfigError, match="--bias folded is Ng's Θ with a bias column; cs231n"):
        check("dW = X.T @ dout", bias="folded")


CS231N_RIGHT = [
    ("relu", "dW = X.T @ dout"),
    ("relu", "dw = np.dot(x.T, dout)"),
    ("relu", "db = np.sum(dout, axis=0)"),
    ("relu", "dx = dout.dot(W.T)"),
    ("relu", "out = x.dot(w) + b"),
    ("relu", "dW += reg * W"),
    ("relu", "dx = dout * (x > 0)"),
    ("relu", "out = np.maximum(x, 0)"),
    ("tanh", "dx = (1 - out**2) * dout"),
    ("sigmoid", "dx = dout * out * (1 - out)"),
]


@pytest.mark.parametrize(("activation", "equation"), CS231N_RIGHT)
def test_cs231n_numpy_is_read_for_the_equivalent_network(activation, equation):
    result = check(equation, (3, 4, 5, 2), activation)
    assert (result.notation, result.verdict) == ("cs231n", "correct"), result.to_text()


def test_cs231n_translation_is_printed(capsys):
    assert main(["check", "dW = X.T @ dout", "--notation", "cs231n", "--format", "json"]) == 0
    notes = json.loads(capsys.readouterr().out)["notes"]
    assert "W is (Θ^(l))ᵀ (D × M, M = n_{l+1})" in notes[0]
    assert "X is (A^(l))ᵀ (N × D, N = m samples, D = n_l)" in notes[0]
    relu = check("dx = dout * (x > 0)", activation="relu")
    assert "x is (Z^(l))ᵀ" in relu.notes[0] and "dx = ∂J/∂x = (1/m) (Δ^(l))ᵀ" in relu.notes[0]


@pytest.mark.parametrize(
    ("equation", "message", "corrected"),
    [
        ("dW = X @ dout", "X (N × D) and dout (N × M)", "dW = X.T @ dout"),
        ("dW = dout @ X.T", "dout (N × M) and X.T (D × N)", "dW = X.T @ dout"),
        ("dx = dout @ W", "dout (N × M) and W (D × M)", "dx = dout @ W.T"),
        ("out = W @ X + b", "W (D × M) and X (N × D)", "out = X @ W + b"),
    ],
)
def test_cs231n_missing_transpose_is_explained_in_its_shapes(equation, message, corrected):
    result = check(equation, activation="relu")
    assert (result.verdict, result.reason) == ("wrong", "dimension")
    assert message in result.message
    assert result.corrected == corrected
    assert any("dW is D × M like W" in hint for hint in result.hints)


def test_cs231n_fix_keeps_the_names_as_written():
    result = check("dw = dout @ x.T", activation="relu")
    assert result.corrected == "dw = x.T @ dout", result.to_text()
    assert "x.T (D × N)" in result.message


def test_cs231n_wrong_axis_for_db_is_named():
    result = check("db = dout.sum(axis=1)", activation="relu")
    assert (result.verdict, result.reason) == ("wrong", "shape")
    assert "the right side is (N × 1) but db is (1 × M)" in result.message
    assert result.corrected == "db = dout.sum(axis=0)"
    assert any(hint.startswith("the wrong axis") for hint in result.hints)


@pytest.mark.parametrize(
    ("activation", "equation", "hint"),
    [
        ("relu", "dx = dout", "missing the ReLU's mask φ'(x): dx = dout * (x > 0)"),
        ("tanh", "dx = dout", "missing φ'(x): dx = dout * (1 - out**2)"),
        ("tanh", "dx = dout * out * (1 - out)", "out * (1 - out) is sigmoid's φ'"),
        ("tanh", "dx = dout * (x > 0)", "(x > 0) is relu's φ'"),
        ("tanh", "dx = dout * (1 - x**2)", "φ' of tanh is written with out = tanh(x), not x"),
        ("relu", "dW += 2 * reg * W", "twice the L2 term"),
        ("relu", "dW = X.T @ dout / N", "divided by N twice"),
        ("relu", "dx = dout * (x < 0)", "the local derivative is φ'(x) of this network's φ = relu"),
        ("relu", "out = np.tanh(x)", ""),
        ("relu", "out = X @ W + np.sum(b, axis=0)", ""),  # b is 1-D: its sum is a number
    ],
)
def test_cs231n_wrong_values_are_named(activation, equation, hint):
    result = check(equation, activation=activation)
    assert (result.verdict, result.reason) == ("wrong", "value"), result.to_text()
    assert not hint or any(h.startswith(hint) for h in result.hints), result.hints


def test_cs231n_sum_without_an_axis_is_a_number():
    result = check("db = np.sum(dout)", notation="cs231n")
    assert (result.verdict, result.reason) == ("wrong", "shape"), result.to_text()
    assert "the right side is (scalar) but db is (1 × M)" in result.to_text()


def test_cs231n_input_gradient_is_the_central_difference_of_j():
    """dx of an affine layer, ∂J/∂A^(l), is the one true value computed by a formula, not
    read off the core's gradient: it must match central differences of the core's J."""
    from deltaprop.derivation.sample import RandomNetwork
    from deltaprop.network import Network

    sample = RandomNetwork((3, 4, 5, 2), "tanh", m=3, seed=1)
    for l in (1, 2, 3):
        tail = Network(sample.sizes[l - 1 :], "tanh")  # layers l..L, its input is A^(l)
        for j, k in enumerate(range(l, len(sample.sizes))):
            tail.theta[j + 1][...], tail.b[j + 2][...] = sample.net.theta[k], sample.net.b[k + 1]
        A = sample.cache.a[l]  # (n_l, m)
        numeric = np.zeros_like(A)
        for index in np.ndindex(A.shape):
            step = np.zeros_like(A)
            step[index] = 1e-6
            up = tail.loss_and_grad(A + step, sample.Y)[0]
            down = tail.loss_and_grad(A - step, sample.Y)[0]
            numeric[index] = (up - down) / 2e-6
        assert rel_error(sample.value("∂J/∂A", l).T / sample.m, numeric.T) < 1e-7


def test_the_examples_of_check_help_run_with_their_exit_status(capsys):
    assert main(["check", "--help"]) == 0
    lines = capsys.readouterr().out.split("examples (the exit status after #):\n")[1]
    examples = [line.strip().rpartition("   # ") for line in lines.splitlines()]
    assert len(examples) >= 8
    for command, _, status in examples:
        argv = shlex.split(command)
        assert main(argv[1:]) == int(status), command
    assert "cs231n's NumPy notation" in capsys.readouterr().out


EX4_VECTORIZED = [
    "a1 = [ones(m,1) X]",
    "z2 = a1 * Theta1'",
    "a2 = [ones(m,1) sigmoid(z2)]",
    "z3 = a2 * Theta2'",
    "d3 = a3 - Y",
    "d2 = (d3 * Theta2(:,2:end)) .* sigmoidGradient(z2)",
    "Theta1_grad = (1/m) * d2' * a1",
    "Theta2_grad = (1/m) * d3' * a2",
    "J = 1/(2*m) * sum(sum((a3 - y).^2))",
]


@pytest.mark.parametrize("equation", EX4_VECTORIZED)
def test_ex4_vectorized_code_is_read_one_sample_per_row(equation):
    result = check(equation, *SIGMOID_NET)
    assert result.verdict == "correct", result.to_text()
    if "[" not in equation:  # the bias steps are recognized as such
        assert notations.ROWS_NOTE in result.notes


@pytest.mark.parametrize(
    ("equation", "hint"),
    [
        ("d2 = (d3 * Theta2) .* sigmoidGradient(z2)", "the bias column is not dropped"),
        ("Theta1_grad = d2' * a1", "too large by a factor m = 7"),
        ("d3 = Y - a3", "the sign is flipped"),
        ("J = 1/m * sum(sum((a3 - y).^2))", "twice the true value: the squared loss ½‖·‖²"),
        ("z3 = a2 * Theta2", ""),
    ],
)
def test_ex4_vectorized_mistakes_are_named_in_that_reading(equation, hint):
    result = check(equation, *SIGMOID_NET)
    assert result.verdict == "wrong" and notations.ROWS_NOTE in result.notes, result.to_text()
    assert not hint or any(h.startswith(hint) for h in result.hints), result.hints


@pytest.mark.parametrize(
    ("notation", "equation"),
    [
        ("ng", "Theta1_grad = Theta1_grad + (lambda / m) * [zeros(n,1) Theta1(:,2:end)]"),
        ("ng", "a2 = [1; sigmoid(z2)]"),
        ("ng", "a2 = [ones(m,1) a2]"),
        ("ng", "J = 1/(2*m) * sum(sum((a3 - y).^2))"),
        ("ng", "delta2 = (Theta2' * delta3)(2:end) .* sigmoidGradient(z2)"),
        ("cs231n", "db = dout.sum(axis=0)"),
        ("cs231n", "dx = dout * (1 - out**2) * (x > 0) * (x < 0)"),
        ("cs231n", "out = np.maximum(0, X @ W + b)"),
        ("cs231n", "dW += reg * W"),
    ],
)
def test_the_new_forms_print_as_text_and_latex_that_read_back_the_same(notation, equation):
    sides = parse(equation, notation)
    text = " = ".join(to_text(side) for side in sides)
    for printed in (text, " = ".join(to_latex(side) for side in sides)):
        assert " = ".join(to_text(side) for side in parse(printed, notation)) == text
    assert "<mtext>" in to_mathml(sides[-1]) or notation == "cs231n"


def test_a_cs231n_name_outside_its_layers_is_named_as_written():
    from deltaprop.derivation.notation import LayerIndex, Local
    from deltaprop.derivation.shapes import ConcreteDomain, RangeError

    domain = ConcreteDomain((3, 4, 2), {"l": 3, "L": 3})
    with pytest.raises(
        RangeError, match=r"dW\^\(3\) does not exist: dW\^\(l\) is defined for l = 1"
    ):
        dW = Local(None, "G", LayerIndex("l", 0), written="dW")  # cs231n's dW is (G^(l))ᵀ
        domain.check_range("G", LayerIndex("l", 0), dW)
