"""Ng's names in the answers (issue 22): Octave's gradient ``Theta1_grad`` is answered as the
student wrote it (not as the core's G_1), and Ng's folded Θ, ∂J/∂Θ, Δ, a and A are views of
the question's quantities with the bias column (or the bias unit) that print as the student's
``Theta2``, ``Theta1_grad``, ``a2`` and evaluate with the bias.

The expected fragments were written before the folded names became views."""

import pytest

from deltaprop.derivation import check

SIZES = (4, 5, 3)


def judged(equation, bias=None):
    return check(equation, SIZES, "sigmoid", notation="ng", bias=bias)


# (the equation, the reading of the bias, a fragment of its message, its corrected form)
OCTAVE_GRADIENTS = [
    (
        "Theta1_grad = a1 * delta2'",
        None,
        "but Theta1_grad is (n_{L−1} × n_{L−2})",
        "Theta1_grad = delta2 * a1'",
    ),
    (
        "Theta1_grad = Theta1_grad + delta2 * a1",
        None,
        "the matrix product of delta2 (n_{L−1} × 1) and a1 (n_{L−2} × 1) is undefined",
        "Theta1_grad = Theta1_grad + delta2 * a1'",  # the accumulation kept, as written
    ),
    (  # read with the bias folded: a2 has the bias unit on top
        "Theta2_grad = delta3 * a2",
        "folded",
        "the matrix product of delta3 (n_L × 1) and a2 ((n_{L−1} + 1) × 1) is undefined",
        "Theta2_grad = delta3 * a2'",
    ),
]


@pytest.mark.parametrize("equation, bias, message, corrected", OCTAVE_GRADIENTS)
def test_octave_gradient_is_answered_as_written(equation, bias, message, corrected):
    result = judged(equation, bias)
    assert result.verdict == "wrong", result.to_text()
    assert message in result.message, result.to_text()
    assert result.corrected == corrected, result.to_text()
    assert "G_" not in result.message + result.corrected


# every folded quantity, each correct only with its bias column or bias unit
FOLDED_CORRECT = [
    "z3 = Theta2 * a2",  # Θ+ = [b Θ], a+ = [1; a]
    "a2 = [1; sigmoid(Theta1 * a1)]",
    "Theta1_grad = delta2 * a1'",  # ∂J/∂Θ+ = [∂J/∂b  ∂J/∂Θ]
    "Delta1 = Delta1 + delta2 * a1'",  # Ng's Δ+ accumulates it
    "Delta1 = d2' * a1",  # ex4's rows: A+ with a column of ones, Δ+ = Σ_i
    "z3 = a2 * Theta2'",
    "Theta1_grad = Theta1_grad + (lambda/m) * [zeros(size(Theta1,1),1) Theta1(:,2:end)]",  # R+
]


@pytest.mark.parametrize("equation", FOLDED_CORRECT)
def test_folded_quantities_evaluate_with_the_bias(equation):
    result = judged(equation, bias="folded" if "Delta1 =" not in equation else None)
    assert result.verdict == "correct", result.to_text()


def test_folded_names_print_as_written_with_their_bias_column():
    result = judged("delta2 = (Theta2 * delta3) .* sigmoidGradient(z2)", bias="folded")
    assert "Theta2 (n_L × (n_{L−1} + 1)) and delta3 (n_L × 1)" in result.message
    assert "Theta2 (3 × 6)" in result.failure["concrete"]["message"]
    assert result.corrected == "delta2 = (Theta2(:,2:end))' * delta3 .* sigmoidGradient(z2)"
    assert "Θ+" not in result.to_text()

    shape = judged("a2 = Theta1 * a1", bias="folded")
    assert shape.message == "the right side is (n_{L−1} × 1) but a2 is ((n_{L−1} + 1) × 1)"


def test_ex4s_a2_before_its_bias_unit_is_put_on_top_is_correct():
    """``a2 = sigmoid(Theta1 * a1)`` is ex4's line before ``a2 = [1; a2]``: its a2 has no bias
    unit yet, with the bias folded (the default's second reading) or not."""
    for bias in (None, "folded"):
        assert judged("a2 = sigmoid(Theta1 * a1)", bias).verdict == "correct"
    assert judged("a2 = sigmoid(Theta1' * a1)", "folded").verdict == "wrong"


def test_the_l2_term_of_a_folded_gradient_leaves_the_bias_column_alone():
    result = judged("Theta1_grad = Theta1_grad + (lambda/m) * Theta1", bias="folded")
    assert (result.verdict, result.reason) == ("wrong", "value"), result.to_text()
    assert result.hints[0].startswith("the bias column is regularized"), result.to_text()
    assert "[zeros(n,1) Theta1(:,2:end)]" in result.hints[0]


@pytest.mark.parametrize(
    "equation, sizes, corrected",
    [
        (r"D^{(1)} = \frac{1}{m} (\Delta^{(1)})^T", (4, 5, 3), "D^{(1)} = Δ^{(1)} (1/m)"),
        (r"D^{(l)} = \frac{1}{m} \Delta^{(l+1)}", None, "D^{(l)} = (1/m) Δ^{(l)}"),
        (  # δ as written, not as sigma3 (ex4's code: sigma3 = a3 - y)
            r"\delta^{(2)} = \Theta^{(2)} \delta^{(3)} .* g'(z^{(2)})",
            (4, 5, 3),
            "δ^(2) = (Θ^(2))ᵀ δ^(3) .* g'(z^(2))",
        ),
    ],
)
def test_a_latex_equation_of_the_course_is_corrected_in_its_latex_names(equation, sizes, corrected):
    """The course's LaTeX D^{(l)}, \\Delta^{(l)} and \\delta^{(l)} are written back so, not as
    its Octave D1, sigma3 or as G_l, Acc^(l); the correction checks correct."""
    result = check(equation, sizes, notation="ng")
    assert result.corrected == corrected, result.to_text()
    assert check(corrected, sizes, notation="ng").verdict == "correct"
