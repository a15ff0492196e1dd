"""The equation checker: verdicts on every equation of the question and its answers, and on
common mistakes."""

import contextlib
import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus import read_rows
from deltaprop.cli import main
from deltaprop.derivation import check
from deltaprop.derivation.tables import NOTATIONS
from deltaprop.errors import ConfigError

# The student's two derivations (their last lines) and the δ^(L−1) they underbraced.
STUDENT_THETA_L1 = (
    r"\frac{\partial J^{(i)}}{\partial \Theta^{(L-1)}} = \delta^{(L)} \odot "
    r"\left( a^{(L-1)} \right)^\top"
)
STUDENT_DELTA_L1 = (
    r"\delta^{(L-1)} = \delta^{(L)} \odot \Theta^{(L-1)} \odot \varphi' \left(z^{(L-1)} \right)"
)
STUDENT_THETA_L2 = (
    r"\frac{\partial J^{(i)}}{\partial \Theta^{(L-2)}} = \delta^{(L-1)} \odot "
    r"\left( a^{(L-2)} \right)^\top"
)
STUDENT_COMMENT = (  # the comment's attempt with · for every product
    r"\delta^{(L-1)} = \delta^{(L)} \cdot \Theta^{(L-1)} \cdot \varphi'\left(z^{(L-1)}\right)"
)

QUESTION_CORRECT = [
    # the student's forward propagation
    r"a^{(1)} = x^{(i)}",
    r"a^{(2)} = \varphi \left( \Theta^{(1)} \cdot a^{(1)} + b^{(2)} \right) = "
    r"\varphi \left( z^{(2)} \right)",
    r"a^{(L)} = \Theta^{(L-1)} \cdot a^{(L-1)} + b^{(L)} = z^{(L)}",
    r"a^{(l)} = \varphi \left( z^{(l)} \right)",
    r"z^{(l)} = \Theta^{(l-1)} \cdot a^{(l-1)} + b^{(l)}",
    # the per-sample cost and the underbraced δ^(L)
    r"J^{(i)} = \frac{1}{2} \left[ a^{(L)} - y^{(i)} \right]^2",
    r"\delta^{(L)} = a^{(L)} - y^{(i)}",
    # the Diag(φ') answer, with its macros \W, \LR, \Diag, \smL and subscript layers
    r"z_k = b_k + \W_{k-1}a_{k-1}",
    r"a_k = \varphi(z_k)",
    r"P_k = \Diag{\varphi'(z_k)}",
    r"g_\smL = z_\smL-y",
    r"G_k = g_{k+1}a_k^T",
    r"g_k = P_k^T\W_k^Tg_{k+1}",
    r"J = \frac 12\LR{g_\smL:g_\smL}",
    r"\grad{J}{\W_{\smL-1}} = g_\smL a_{\smL-1}^T",
    # the matrix-product form (a comment's) and the VJP form
    r"\delta^{(L-1)} = \left(\Theta^{(L-1)}\right)^\top \delta^{(L)} \odot \varphi'(z^{(L-1)})",
    r"\frac{\partial J^{(i)}}{\partial \Theta^{(L-1)}} = \delta^{(L)} \left(a^{(L-1)}\right)^\top",
    r"\delta^{(l)} = \left(\frac{\partial z^{(l+1)}}{\partial z^{(l)}}\right)^\top \delta^{(l+1)}",
    r"\left(\delta^{(l)}\right)^\top = \left(\delta^{(l+1)}\right)^\top "
    r"\frac{\partial z^{(l+1)}}{\partial z^{(l)}}",
]


@pytest.mark.parametrize("equation", QUESTION_CORRECT)
def test_every_correct_equation_of_the_question_is_accepted(equation):
    result = check(equation)
    assert result.verdict == "correct", result.to_text()
    assert result.rel_error < 1e-12
    assert result.exit_code == 0


def test_student_first_derivation_fails_at_the_hadamard_with_the_outer_product():
    result = check(STUDENT_THETA_L1)
    assert (result.verdict, result.reason, result.exit_code) == ("wrong", "dimension", 1)
    failure = result.failure
    assert failure["operation"] == "⊙"
    assert (failure["left"], failure["left_shape"]) == ("δ^(L)", ["n_L", 1])
    assert (failure["right"], failure["right_shape"]) == ("(a^(L−1))ᵀ", [1, "n_{L−1}"])
    assert result.suggestion == "δ^(L) (a^(L−1))ᵀ"
    assert result.corrected == "∂J^(i)/∂Θ^(L−1) = δ^(L) (a^(L−1))ᵀ"
    failing = r"\delta^{(L)} \odot \left( a^{(L-1)} \right)^\top"
    assert STUDENT_THETA_L1[slice(*result.span)] == failing


def test_student_second_derivation_fails_at_delta_hadamard_theta():
    result = check(STUDENT_DELTA_L1)
    assert (result.verdict, result.reason) == ("wrong", "dimension")
    assert result.message == (
        "⊙ of δ^(L) (n_L × 1) and Θ^(L−1) (n_L × n_{L−1}) is undefined: "
        "⊙ needs two operands of the same shape"
    )
    assert result.suggestion == "(Θ^(L−1))ᵀ δ^(L)"
    assert result.corrected == "δ^(L−1) = (Θ^(L−1))ᵀ δ^(L) ⊙ φ'(z^(L−1))"
    assert STUDENT_DELTA_L1[slice(*result.span)] == r"\delta^{(L)} \odot \Theta^{(L-1)}"
    text = result.to_text()
    assert "did you mean (Θ^(L−1))ᵀ δ^(L)?" in text


def test_student_third_line_and_the_comment_attempt_are_rejected():
    third = check(STUDENT_THETA_L2)
    assert third.reason == "dimension" and third.suggestion == "δ^(L−1) (a^(L−2))ᵀ"
    comment = check(STUDENT_COMMENT)
    assert comment.reason == "dimension"
    assert comment.failure["operation"] == "@"
    assert comment.failure["left_shape"] == ["n_L", 1]
    assert comment.failure["right_shape"] == ["n_L", "n_{L−1}"]
    assert comment.corrected == "δ^(L−1) = (Θ^(L−1))ᵀ δ^(L) ⊙ φ'(z^(L−1))"


def test_broadcasting_trap_hides_at_single_output_layer_only():
    result = check("delta[l] = Theta[l].T * delta[l+1] * dphi(z[l])", sizes=(3, 5, 4, 1))
    assert result.verdict == "wrong"
    assert result.failure["concrete"]["binding"] == {"L": 4, "l": 2}
    statuses = {layer: status for layer, status, _ in result.trap}
    assert statuses == {2: "shows", 3: "hides"}  # n_4 = 1 hides it; n_3 = 4 shows it
    assert "NumPy broadcasting trap" in result.to_text()


def test_broadcasting_trap_of_the_student_first_line_hides_for_one_output():
    result = check(STUDENT_THETA_L1, sizes=(3, 5, 4, 1))
    assert [(layer, status) for layer, status, _ in result.trap] == [(3, "hides")]


MISTAKES = [
    # (equation, reason, a fragment of the suggestion or hint)
    ("delta[l] = Theta[l] @ delta[l+1] * dphi(z[l])", "dimension", "(Θ^(l))ᵀ δ^(l+1)"),  # ᵀ
    ("delta[l] = Theta[l].T * delta[l+1] * dphi(z[l])", "dimension", "(Θ^(l))ᵀ δ^(l+1)"),  # ⊙
    (
        r"\delta^{(l)} = \Theta^{(l)T} \odot \delta^{(l+1)} \odot \varphi'(z^{(l)})",
        "dimension",
        "(Θ^(l))ᵀ δ^(l+1)",
    ),
    ("delta[l] = Theta[l].T @ delta[l+1]", "value", "missing the factor ⊙ φ'(z^(l))"),
    ("delta[l] = Theta[l].T @ delta[l] * dphi(z[l])", "dimension", "(Θ^(l))ᵀ δ^(l+1)"),
    ("dJ/dTheta[l] = delta[l] @ a[l].T", "shape", "δ^(l+1) (a^(l))ᵀ"),
    ("dJ/dTheta[l] = Delta[l+1] @ A[l].T", "value", "factor 1/m"),
    ("dJ/db[l] = (1/m) * (Delta[l] @ ones + alpha * b[l])", "value", "biases are not regularized"),
    ("dJ/dTheta[l] = a[l] @ delta[l+1].T", "shape", "δ^(l+1) (a^(l))ᵀ"),
    ("delta[L] = y - a[L]", "value", "the sign is flipped"),
]


@pytest.mark.parametrize(("equation", "reason", "advice"), MISTAKES)
def test_common_mistakes_are_rejected_for_the_right_reason(equation, reason, advice):
    result = check(equation)
    assert (result.verdict, result.reason) == ("wrong", reason), result.to_text()
    assert advice in result.suggestion + " ".join(result.hints), result.to_text()
    assert result.exit_code == 1


@pytest.mark.parametrize(
    "equation",
    [
        "dJ/dTheta[l] = (1/m) * (Delta[l+1] @ A[l].T + alpha * Theta[l])",
        "dJ/db[l] = (1/m) * Delta[l] @ ones",
        r"\frac{\partial J}{\partial b^{(l)}} = \frac{1}{m} \Delta^{(l)} \mathbf{1}",
        "Delta[l] = Theta[l].T @ Delta[l+1] * dphi(Z[l])",
        "Z[l] = Theta[l-1] @ A[l-1] + b[l] @ ones.T",
    ],
)
def test_batched_and_regularized_forms_are_accepted(equation):
    result = check(equation)
    assert result.verdict == "correct", result.to_text()


MEAN = r"\frac{\partial J}{\partial %s}"  # ∂J/∂•: J the mean over the m samples


@pytest.mark.parametrize(
    "notation, equation, verdict",
    [
        (None, MEAN % "Z^{(L)}" + r" = \frac{1}{m}(A^{(L)} - Y)", "correct"),
        (None, MEAN % "Z^{(L)}" + " = A^{(L)} - Y", "wrong"),  # that is Δ^(L), m times it
        (None, MEAN % "A^{(l)}" + r" = \frac{1}{m} (\Theta^{(l)})^T \Delta^{(l+1)}", "correct"),
        (None, MEAN % "A^{(l)}" + r" = (\Theta^{(l)})^T \Delta^{(l+1)}", "wrong"),
        (None, MEAN % r"\Theta^{(l)}" + " = " + MEAN % "Z^{(l+1)}" + " (A^{(l)})^T", "correct"),
        (None, MEAN % r"\Theta^{(l)}" + " = " + MEAN % "Z^{(l+1)}" + " (A^{(l)})^T / m", "wrong"),
        ("dlai", MEAN % "Z^{[2]}" + r" = \frac{1}{m}(A^{[2]} - Y)", "correct"),
        ("dlai", MEAN % "Z^{[2]}" + " = A^{[2]} - Y", "wrong"),
        ("dlai", "dZ^{[2]} = A^{[2]} - Y", "correct"),  # the course's dZ is without the 1/m
    ],
)
def test_the_gradient_of_the_mean_by_a_batch_is_the_samples_over_m(notation, equation, verdict):
    """∂J/∂Z^(l) of J = (1/m) Σ_i J^(i) is Δ^(l)/m (Δ^(l) stacks each sample's δ^(l))."""
    assert check(equation, notation=notation).verdict == verdict


def test_a_fix_with_the_gradient_of_the_mean_keeps_its_1_over_m():
    """(A^(l))ᵀ ∂J/∂Z^(l+1) is fixed as ∂J/∂Z^(l+1) (A^(l))ᵀ, not Δ^(l+1) (A^(l))ᵀ."""
    result = check(MEAN % r"\Theta^{(l)}" + " = (A^{(l)})^T " + MEAN % "Z^{(l+1)}")
    assert result.corrected == "∂J/∂Θ^(l) = (∂J/∂Z^(l+1)) (A^(l))ᵀ", result.to_text()
    assert check(result.corrected).verdict == "correct"
    assert result.notes == [
        "corrected, in the question's notation: ∂J/∂Θ^(l) = (Δ^(l+1)/m) (A^(l))ᵀ"
    ]


@pytest.mark.parametrize(
    "equation, notation",
    [
        ("dAL = - (np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))", "dlai"),
        ("dAL = - (Y / AL - (1 - Y) / (1 - AL))", "dlai"),
        ("dAL = (1 - Y) / (1 - AL) - Y / AL", "dlai"),
        (r"\frac{\partial J}{\partial a^{(L)}} = -\frac{y}{a^{(L)}} + \frac{1-y}{1-a^{(L)}}", None),
    ],
)
def test_the_cross_entropy_gradient_is_unsupported_however_it_divides(equation, notation):
    """Binary cross-entropy's ∂L/∂a = −y/a + (1 − y)/(1 − a), written with np.divide, / or
    \\frac: deltaprop judges regression losses, and says so (never 'wrong')."""
    result = check(equation, notation=notation)
    assert result.verdict == "unsupported", result.to_text()
    assert "classification loss" in result.message


def test_the_poisson_gradient_divides_by_the_output_and_is_judged():
    """Poisson's ∂ℓ/∂a = 1 − y/a also divides by the output: a regression loss, judged."""
    assert check("dAL = 1 - Y / AL", notation="dlai", loss="poisson").verdict == "correct"


def test_unicode_form_with_for_option_and_sizes():
    result = check("(Θ^(l))ᵀ δ^(l+1) ⊙ φ'(z^(l))", sizes=(3, 5, 4, 2), target="δ^(l)")
    assert result.verdict == "correct"
    assert [layer for layer, _ in result.layers] == [2, 3]


def test_every_activation_checks():
    for act in ("identity", "sigmoid", "relu", "leaky_relu", "elu", "softplus"):
        result = check("delta[l] = Theta[l].T @ delta[l+1] * dphi(z[l])", activation=act)
        assert result.verdict == "correct", act


def test_without_a_target_only_shapes_are_checked():
    assert check("Theta[l].T @ delta[l+1]").verdict == "defined"
    assert check("Theta[l] @ delta[l+1]").verdict == "wrong"


@pytest.mark.parametrize(
    ("equation", "position"),
    [
        ("delta[l] = Theta[l].T @ (delta[l+1]", 35),
        (r"\delta^{(L)} = \foo{a}", 15),
        ("delta[l] = Theta[l].T @@ delta", 23),
        ("delta[l] = Tehta[l]", 11),
    ],
)
def test_unparseable_input_points_at_the_position(equation, position):
    result = check(equation)
    assert (result.verdict, result.exit_code) == ("unparseable", 2)
    assert f"position {position}" in result.message
    caret_line = result.message.splitlines()[-1]
    assert caret_line.index("^") == position + 2


def test_unknown_quantity_and_missing_layer_cannot_be_checked():
    result = check(r"\frac{\partial a^{(L)}}{\partial \Theta^{(L-1)}} = a^{(L-1)}")
    assert (result.verdict, result.exit_code) == ("unsupported", 2)
    assert "cannot tell which quantity" in result.message


def test_a_symbol_outside_its_layers_is_wrong():
    result = check(r"\delta^{(L)} = \Theta^{(L)} a^{(L)}")
    assert (result.verdict, result.reason) == ("wrong", "range")
    assert "Θ^(L) does not exist" in result.message


@pytest.mark.parametrize(
    ("equation", "reason"),
    [
        (r"a^{(2)} = \varphi(1)", "shape"),  # a scalar for a column
        (r"a^{(2)} = \varphi'(0)", "shape"),
        (r"J = \ell(2)", "value"),
        (r"J = \ell(2 - 1)", "value"),
    ],
)
def test_a_function_of_numbers_alone_is_judged_not_a_crash(equation, reason):
    result = check(equation)  # φ and ℓ of a constant: shaped without values, then judged
    assert (result.verdict, result.reason) == ("wrong", reason), result.to_text()


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "elu", "leaky_relu"])
@pytest.mark.parametrize(
    ("equation", "notation"),
    [
        (r"J = \varphi'(1)", None),
        (r"\delta^{(2)} = (\Theta^{(2)})^T \delta^{(3)} \varphi'(1)", None),
        ("J = (1 > 0)", "numpy"),  # a mask of a number
        ("J = (1 < 0)", "numpy"),
    ],
)
def test_a_function_of_a_number_in_a_network_has_a_value_not_a_crash(
    equation, notation, activation
):
    result = check(equation, (4, 5, 3), activation, notation=notation)
    assert (result.verdict, result.reason) == ("wrong", "value"), result.to_text()


@pytest.mark.parametrize("notation", [None, "bishop"])
def test_a_number_with_an_entry_index_cannot_be_checked_and_says_why(notation):
    result = check(r"\delta_j = h'(a_j) m_k \delta_k w_{kj}", notation=notation)
    assert result.exit_code == 2 and "m is a number: it has no entries" in result.message


def test_a_layer_letter_of_phi_alone_in_an_equation_of_numbered_layers_is_judged():
    result = check(r"a^{(2)} = \varphi^{(l)}(z^{(2)})", (4, 5, 3))  # l: every layer, also L
    assert result.verdict == "wrong", result.to_text()


def test_statements_that_all_name_a_value_keep_the_last_to_judge():
    result = check("s = 1; s = 2")  # s: no quantity, each a value for the ones after it
    assert (result.verdict, result.exit_code) == ("unparseable", 2), result.to_text()


@pytest.mark.parametrize("copies", [3, 12])
def test_a_name_assigned_again_is_its_latest_value_only(copies):
    step = "Theta2_grad = Theta2_grad + a2 * delta3'"  # ex4's accumulation, in a loop
    result = check("; ".join([step] * copies), (4, 5, 3), "sigmoid")
    last = "Theta2_grad = " + "(" * (copies - 1) + "Theta2_grad" + " + a2 * delta3')" * (copies - 1)
    assert result.equation == last + " + a2 * delta3'", result.to_text()  # copies terms, no more


def test_lhs_and_for_together_is_a_usage_error():
    with pytest.raises(ConfigError, match="either as 'LHS = RHS' or with --for"):
        check("delta[L] = a[L] - y", target="delta[L]")


def test_cli_exit_codes_and_json(capsys):
    assert main(["check", "delta[l] = Theta[l].T @ delta[l+1] * dphi(z[l])"]) == 0
    assert "CORRECT" in capsys.readouterr().out
    assert main(["check", STUDENT_DELTA_L1, "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "wrong" and out["failure"]["left_shape"] == ["n_L", 1]
    assert out["suggestion"] == "(Θ^(L−1))ᵀ δ^(L)" and out["position"] == [17, 50]
    assert main(["check", "delta[l] = (", "--format", "json"]) == 2
    assert json.loads(capsys.readouterr().out)["verdict"] == "unparseable"
    assert main(["check", "delta[L] = a[L] - y", "--sizes", "3,0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--sizes '3,0'" in err
    assert main(["check", "a[L] - y", "--for", "delta[L]", "--sizes", "2,3,1"]) == 0


ALPHABET = list("()[]{}^_'.+-*/@=:, 0123456789") + [
    "l",
    "L",
    "T",
    "a",
    "z",
    "b",
    "y",
    "x",
    "m",
    "delta",
    "Theta",
    "dphi",
    "phi",
    r"\delta",
    r"\Theta",
    r"\odot",
    r"\cdot",
    r"\frac",
    r"\partial",
    r"\left(",
    r"\right)",
    "⊙",
    "ᵀ",
    "∂",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET), max_size=25).map("".join))
def test_any_input_gets_a_verdict_never_a_traceback(text):
    result = check(text)
    assert result.verdict in {"correct", "wrong", "defined", "unparseable", "unsupported"}
    assert result.exit_code in (0, 1, 2)
    result.to_text(), result.to_json()


CORPUS = [row[-1] for row in read_rows(*sorted((Path(__file__).parent / "data").glob("*.tsv")))]
PIECES = ["0", "99", "L+1", "-1", "l", "1", "^T", "^2", "'", "(", ")", "{", "}", "_", "^", "="]
PIECES += [r"\varphi(", r"\ell(", r"\exp(", "Diag(", r"\sum_k ", r"\|", r"\frac{1}{m}", r"\Theta"]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    equation=st.sampled_from(CORPUS),
    at=st.integers(0, 400),
    cut=st.integers(0, 3),
    piece=st.sampled_from(["", *PIECES]),
    notation=st.sampled_from(["", *NOTATIONS]),
    sizes=st.sampled_from(["", "1", "4,5,3", "1,1", "3,4,4,4,2"]),
)
def test_a_mutated_corpus_equation_gets_a_verdict_never_an_internal_error(
    equation, at, cut, piece, notation, sizes
):
    at %= len(equation) + 1
    argv = ["check", equation[:at] + piece + equation[at + cut :]]
    argv += ["--notation", notation] * bool(notation) + ["--sizes", sizes] * bool(sizes)
    with (
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()) as err,
    ):
        status = main(argv)
    assert status in (0, 1, 2) and "internal error" not in err.getvalue(), (argv, err.getvalue())


@pytest.mark.parametrize(
    "equation",
    [
        r"\nabla_{\Theta^{(l)}} J = \delta^{(l+1)} a^{(l)T}",
        r"P_l = np.diag(dphi(z[l]))",
        r"P^{(l)} = \operatorname{Diag}\left(\varphi'(z^{(l)})\right)",
        r"J^{(i)} = \frac12 (a^{(L)} - y^{(i)})^2",
        r"\frac{\partial J}{\partial z^{(l)}} = \Theta^{(l)\top} \delta^{(l+1)} \odot "
        r"\varphi'(z^{(l)})",
        "∂J/∂b^(l) = δ^(l)",
        "dJ/dTheta[l] = delta[l+1] * a[l].T",  # NumPy broadcasting: the outer product
    ],
)
def test_documented_syntax_is_read(equation):
    assert check(equation).verdict == "correct"


def test_the_student_intermediate_tensor_lines_cannot_be_checked_and_say_why():
    line = (
        r"\frac{\partial J^{(i)}}{\partial \Theta^{(L-1)}} = \delta^{(L)} \odot "
        r"\frac{\partial a^{(L)}}{\partial \Theta^{(L-1)}}"
    )
    result = check(line)
    assert (result.verdict, result.exit_code) == ("unsupported", 2)
    assert "three indices" in result.message


@pytest.mark.parametrize(
    ("equation", "unread"),
    [
        (r"J = \frac{1}{m} \sum_{i=1}^{m} \mathcal{L}(a^{(L)}, y)", r"\mathcal"),
    ],
)
def test_question_lines_outside_the_checker_vocabulary_are_pointed_at(equation, unread):
    result = check(equation)
    assert result.verdict == "unparseable"
    assert f"position {equation.index(unread)}" in result.message


def test_an_update_with_an_arrow_is_read_as_the_code_writes_it():
    result = check(r"\Theta \leftarrow \Theta - \eta \nabla_\Theta J")
    assert result.verdict == "unsupported" and "needs a layer index" in result.message
    step = r"\Theta^{(l)} \gets \Theta^{(l)} - \eta \nabla_{\Theta^{(l)}} J"
    assert check(step).verdict == "correct"


def test_absolute_layers_beyond_the_generic_network_are_checked():
    assert check("delta[7] = Theta[7].T @ delta[8] * dphi(z[7])").verdict == "correct"
    assert check("delta[7] = Theta[7].T @ delta[8] * dphi(z[7])", sizes=(3, 4, 1)).reason == "range"


@pytest.mark.parametrize(
    ("equation", "match"),
    [
        ("z[l] = " + " + ".join(["a[l]"] * 1000), "characters long; at most 1000 are read"),
        ("a" + ".T" * 5000, "characters long; at most 1000 are read"),
        ("a" * 100_000, "100000 characters long"),
        ("W1 @ " * 20_000, "100000 characters long"),  # NumPy names: clues of three notations
        ("x" + ".T" * 200, "nested deeper than 100 levels"),
        ("(" * 300 + "x" + ")" * 300, "nested deeper than 100 levels"),
        ("-" * 500 + "x", "nested deeper than 100 levels"),
        ("z[l] = " + "+".join(["a[l]"] * 150), "nested deeper than 100 levels"),
    ],
)
def test_huge_or_deep_equations_are_one_line_errors_not_recursion(equation, match):
    with pytest.raises(ConfigError, match=match):
        check(equation)


def test_deep_but_allowed_nesting_gets_a_verdict():
    assert check("(" * 99 + "x" + ")" * 99).verdict == "defined"
    assert check("delta[l] = " + "(" * 90 + "Theta[l].T" + ")" * 90 + " @ delta[l+1]").verdict


def test_sizes_beyond_the_work_bound_and_negative_seeds_are_refused(capsys):
    with pytest.raises(ConfigError, match=r"sizes 20000,20000,1 mean 400,040,001 parameters"):
        check("delta[L] = a[L] - y", sizes=(20000, 20000, 1))
    with pytest.raises(ConfigError, match="seed=-1 must be an integer >= 0"):
        check("delta[L] = a[L] - y", seed=-1)
    assert main(["check", "delta[L] = a[L] - y", "--sizes", "20000,20000,1"]) == 2
    assert "at most 1,000,000 parameters" in capsys.readouterr().err
    assert main(["check", "delta[L] = a[L] - y", "--seed", "-1"]) == 2
    assert "--seed: '-1' is not an integer >= 0" in capsys.readouterr().err


def test_a_nan_value_is_never_correct():
    result = check("delta[L] = log(a[L] - a[L] - 1)")  # log of −1: NaN
    assert result.verdict == "wrong" and result.rel_error == float("inf")


def test_a_concrete_output_index_with_sizes_is_the_output_layer():
    assert check("δ^(3) = a^(3) − y", sizes=(4, 5, 3)).verdict == "correct"
    assert check("δ^(2) = (Θ^(2))ᵀ δ^(3) ⊙ φ'(z^(2))", sizes=(4, 5, 3)).verdict == "correct"
    result = check("δ^(2) = a^(2) − y", sizes=(4, 5, 3))  # layer 2 is hidden: n_2 is not n_L
    assert (result.verdict, result.reason) == ("wrong", "dimension")
    assert check(r"\delta^{(4)} = a^{(4)} - y", sizes=(4, 5, 3)).reason == "range"


@pytest.mark.parametrize(
    "equation",
    [
        "δ^(l) = φ'(z^(l)) ⊙ (Θ^(l))ᵀ δ^(l+1)",
        r"\delta^{(l)} = \varphi'(z^{(l)}) \odot \Theta^{(l)T} \delta^{(l+1)}",
        "δ^(l) = (Θ^(l))ᵀ δ^(l+1) ⊙ φ'(z^(l))",
    ],
)
def test_juxtaposition_binds_tighter_than_the_hadamard_product(equation):
    assert check(equation).verdict == "correct"


@pytest.mark.parametrize(
    "equation",
    [
        "J = ½ (a^(L) − y)ᵀ (a^(L) − y)",  # a 1 × 1 matrix is the scalar J
        r"J = \frac{1}{2m} \mathbf{1}^\top \left((A^{(L)} - Y) \odot (A^{(L)} - Y)\right)"
        r" \mathbf{1}",
        "J = (1/m) 1ᵀ (½ (A^(L) − Y) ⊙ (A^(L) − Y)) 1",  # 1ᵀ of length n_L, 1 of length m
        "∂J/∂b^(l) = (1/m) Δ^(l) 1",
        r"J = \frac{1}{m} \sum_{i=1}^{m} \tfrac12 \| a^{(L)} - y^{(i)} \|^2",
        "J = (1/2m) ‖A^(L) − Y‖²_F + (α/2m) Σ_l ‖Θ^(l)‖²_F",
    ],
)
def test_ones_take_the_length_that_fits_and_a_1x1_matrix_is_a_scalar(equation):
    assert check(equation).verdict == "correct", check(equation).to_text()


def test_costs_that_forget_the_mean_or_the_half_are_wrong():
    assert check("J = Σ_i ½‖a^(L) − y^(i)‖²").verdict == "wrong"
    assert check("J = (1/m) ‖A^(L) − Y‖²_F").verdict == "wrong"
    assert check("J = (1/2m) ‖A^(L) − Y‖²_F + (α/m) Σ_l ‖Θ^(l)‖²_F").verdict == "wrong"


def test_a_rewrite_is_suggested_only_when_it_checks_correct():
    result = check("delta[l] = Theta[l] * delta[l+1]")  # the transpose alone misses φ'
    assert result.verdict == "wrong" and result.suggestion == result.corrected == ""
    assert "did you mean" not in result.to_text()
    fixed = check("dJ/dTheta[l] = a[l] ⊙ delta[l+1]")
    assert fixed.corrected == "∂J/∂Θ^(l) = δ^(l+1) (a^(l))ᵀ"
    assert check(fixed.corrected).verdict == "correct"


def test_the_broadcasting_paragraph_only_where_numpy_hides_the_error():
    hidden = check(STUDENT_THETA_L1, sizes=(3, 5, 4, 1))
    assert [(layer, status) for layer, status, _ in hidden.trap] == [(3, "hides")]
    assert "NumPy broadcasting trap" in hidden.to_text()
    shown = check(STUDENT_DELTA_L1, sizes=(3, 5, 4, 1))  # (4 × 4) at the only layer: no trap
    assert shown.trap == [] and "NumPy broadcasting" not in shown.to_text()


NAMED_MISTAKES = [
    # (equation, activation, the hint a teacher would give)
    ("δ^(L) = (a^(L) − y) ⊙ φ'(z^(L))", "tanh", "the output layer is linear"),
    ("δ^(l) = (Θ^(l))ᵀ δ^(l+1) ⊙ φ'(a^(l))", "tanh", "φ' takes z, not a = φ(z)"),
    (
        "δ^(l) = (Θ^(l))ᵀ δ^(l+1) ⊙ a^(l) ⊙ (1 − a^(l))",
        "tanh",
        "is the derivative of the sigmoid; this network's φ is tanh",
    ),
    (  # the sigmoid's derivative alone, as Ng's g'(z) is written
        "φ'(z^(l)) = a^(l) ⊙ (1 − a^(l))",
        "tanh",
        "is the derivative of the sigmoid; this network's φ is tanh: write φ'(z^(l))",
    ),
    ("δ^(l) = (Θ^(l))ᵀ δ^(l+1) ⊙ φ(z^(l))", "relu", "φ where φ' belongs"),
    ("δ^(l) = (Θ^(l))ᵀ δ^(l+1) ⊙ a^(l)", "tanh", "a^(l) is the activation φ(z^(l)), where"),
    (
        "dJ/dTheta[l] = (1/m) * Delta[l+1] @ A[l].T + alpha * Theta[l]",
        "tanh",
        "alpha is not divided",
    ),
    ("z^(l) = Θ^(l−1) a^(l−1)", "tanh", "missing the bias: add + b^(l)"),
    ("Z^(l) = Θ^(l−1) A^(l−1)", "tanh", "missing the bias: add + b^(l) 1ᵀ"),
    ("δ^(l) = (Θ^(l))ᵀ δ^(l+1)", "sigmoid", "missing the factor ⊙ φ'(z^(l))"),
    ("Δ^(L) = (1/m) (A^(L) − Y)", "tanh", "too small by the factor 1/m = 1/7"),
    ("δ^(L) = 2 (a^(L) − y)", "tanh", "twice the true value"),
    ("δ^(L) = y − a^(L)", "tanh", "the sign is flipped"),
    ("dJ/dTheta[l] = Delta[l+1] @ A[l].T", "tanh", "too large by a factor m = 7"),
]


@pytest.mark.parametrize(("equation", "activation", "hint"), NAMED_MISTAKES)
def test_each_mistake_is_named_the_way_a_teacher_would(equation, activation, hint):
    result = check(equation, activation=activation)
    assert (result.verdict, result.reason) == ("wrong", "value"), result.to_text()
    assert any(hint in h for h in result.hints), result.hints
    assert not any("constant factor" in h for h in result.hints)


def test_the_sigmoid_derivative_is_right_in_a_sigmoid_network():
    equation = "δ^(l) = (Θ^(l))ᵀ δ^(l+1) ⊙ a^(l) ⊙ (1 − a^(l))"
    assert check(equation, activation="sigmoid").verdict == "correct"


@pytest.mark.parametrize(
    "equation, verdict",
    [
        ("δ^(3) = a^(3) - y", "correct"),  # the question's: y makes layer 3 the output
        ("dZ^{[2]} = A^{[2]} - Y", "correct"),  # deeplearning.ai's 2-layer network
        ("dZ2 = A2 - Y", "correct"),
        ("delta3 = a3 - y", "correct"),  # Ng's Octave
        ("δ^(2) = (Θ^(2))^T (a^(3) - y) ⊙ φ'(z^(2))", "correct"),
        ("δ^(3) = a^(2) - y", "wrong"),  # layer 2 is not the output when δ^(3) is
        ("δ^(3) = 2 (a^(3) - y)", "wrong"),
        ("δ^(l) = a^(l) - y", "wrong"),  # not for every l
    ],
)
def test_without_sizes_the_deepest_layer_beside_y_is_the_output(equation, verdict):
    result = check(equation)
    assert result.verdict == verdict, result.to_text()


def test_an_undefined_function_is_named_by_its_own_name():
    # clip's bounds must be scalars: the message names clip, not Diag (a defect until now)
    result = check("delta^(L) = clip(a^(L) - y, a^(L), 1)")
    assert result.reason == "dimension"
    assert result.message == (
        "clip of a^(L) − y (n_L × 1) and a^(L) (n_L × 1) is undefined: "
        "the bounds of clip must be scalars"
    )
    assert result.failure["operation"] == "clip"
    summed = check("dZ2 = np.sum(m, axis=0)")  # NumPy's sum of a scalar
    assert summed.message.startswith("the sum over an axis of m (scalar) is undefined")


@pytest.mark.parametrize(
    "equation, named",
    [
        ("delta2 = (Theta2' * delta3) .* sigmoidGradient(z2)", "sigmoid"),
        ("A1 = sigmoid(Z1)", "sigmoid"),
        ("delta_hidden = np.dot(W_output.T, delta_output) * relu_derivative(z_hidden)", "relu"),
    ],
)
def test_without_activation_the_network_is_the_one_the_equation_names(equation, named):
    result = check(equation)
    assert result.verdict == "correct", result.to_text()
    assert f"judged for a network whose φ is {named}" in result.to_text()
    assert check(equation, activation="tanh").verdict == "wrong"  # named ≠ --activation: said


def test_an_equation_that_names_no_function_is_judged_for_tanh():
    result = check("dZ1 = np.dot(W2.T, dZ2) * A1 * (1 - A1)")
    assert result.verdict == "wrong" and "judged for a network" not in result.to_text()
