"""check reads the notations students bring: Ng's course and Octave, Nielsen's book; cs231n's
NumPy is recognized and refused with a pointer. The corpus in data/notation_corpus.tsv was
written from those sources before the notations were implemented, each equation with the
verdict a teacher gives for the question's network (linear output, squared loss)."""

import json
from pathlib import Path

import pytest

from deltaprop.cli import main
from deltaprop.derivation import check
from deltaprop.derivation.notations import detect
from deltaprop.errors import ConfigError

CORPUS = Path(__file__).parent / "data" / "notation_corpus.tsv"
ROWS = [
    line.split("\t")
    for line in CORPUS.read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("#")
]
UNREAD = {"unparseable", "unsupported"}
BIAS_FOLDED = {  # Ng's course folds b into a column of Θ (a_0 = 1); deltaprop keeps b^(l)
    r"z^{(2)} = \Theta^{(1)} a^{(1)}",
    "z3 = Theta2 * a2",
}


def run(row):
    source, notation, activation, sizes, expected, equation = row
    sizes = tuple(int(n) for n in sizes.split(",")) if sizes else None
    return check(equation, sizes, activation, notation=notation), expected


@pytest.mark.parametrize("row", ROWS, ids=[f"{r[0]}-{i}" for i, r in enumerate(ROWS)])
def test_corpus_equation_gets_its_verdict_and_a_wrong_one_is_never_accepted(row):
    result, expected = run(row)
    if expected == "wrong":
        assert result.verdict != "correct", result.to_text()
    if row[1] == "cs231n":
        assert result.verdict == "unsupported" and "question's notation" in result.message
    elif result.verdict not in UNREAD and row[5] not in BIAS_FOLDED:
        assert result.verdict == expected, result.to_text()


def test_the_corpus_is_large_and_mostly_read():
    assert len(ROWS) >= 100
    read = [row for row in ROWS if row[1] != "cs231n" and run(row)[0].verdict not in UNREAD]
    assert len(read) >= 0.9 * sum(row[1] != "cs231n" for row in ROWS)


@pytest.mark.parametrize("row", [r for r in ROWS if r[0] != "answer"], ids=lambda r: r[5][:30])
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


def test_cs231n_is_recognized_and_refused_with_a_pointer(capsys):
    assert main(["check", "dW = X.T @ dout"]) == 2
    out = capsys.readouterr().out
    assert "cs231n's NumPy notation" in out and "dJ/dTheta[l] = (1/m)" in out


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
    assert "missing the factor ⊙ φ'(z^(L))" in result.hints
    linear = check(r"\delta^L = \nabla_a C \odot \sigma'(z^L)", activation="sigmoid")
    assert linear.verdict == "wrong"  # for the question's network, whose output is linear


def test_output_activation_on_the_command_line(capsys):
    argv = ["check", r"\delta^L = (a^L - y) \odot \sigma'(z^L)", "--activation", "sigmoid"]
    assert main([*argv, "--output-activation", "sigmoid"]) == 0
    assert main(argv) == 1
    assert main([*argv, "--output-activation", "softmaxx"]) == 2
    assert "activation='softmaxx' is not known" in capsys.readouterr().err


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
