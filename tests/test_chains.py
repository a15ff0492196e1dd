"""Whole derivations checked step by step: the question's post read whole, a corpus of chains
with their expected first wrong steps (both written before the checker), and the pieces
(macros, underbraces, shape claims, differentials, Frobenius identities, --file, JSON)."""

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from deltaprop.cli import main
from deltaprop.derivation import check, check_derivation, check_text, is_derivation
from deltaprop.derivation.chain import Options, judge_with_calculus
from deltaprop.errors import ConfigError

DATA = Path(__file__).parent / "data"
QUESTION = DATA / "question_post.md"


def corpus(name="chains.txt"):
    """The records of a chain corpus: name, expect, first, activation, sizes, notation, text."""
    records = []
    for block in (DATA / name).read_text(encoding="utf-8").split("\n---\n")[1:]:
        record, body = {}, []
        for line in block.strip("\n").splitlines():
            if line.startswith("@ "):
                key, value = line[2:].split(":", 1)
                record[key.strip()] = value.strip()
            else:
                body.append(line)
        record["text"] = "\n".join(body)
        records.append(record)
    return records


def expected_post():
    lines = (DATA / "question_post_expected.txt").read_text(encoding="utf-8").splitlines()
    return [line.split(" | ") for line in lines if line and not line.startswith("#")]


def body(source):
    """A formula's source without its delimiters and opening environment."""
    text = re.sub(r"^(\$\$|\$|\\\[|\\\()", "", source).lstrip()
    return re.sub(r"^\\begin\{[a-z*]+\}\s*", "", text)


CORPUS = corpus()
NOTATION_CORPUS = corpus("chains_notations.txt")
SWEEPS = {name: corpus(f"chains_{name}.txt") for name in ("sweep4", "sweep5", "sweep6")}
POSTS = [record for records in SWEEPS.values() for record in records]


def test_corpus_is_large_and_mixed():
    expects = [r["expect"] for r in CORPUS]
    assert len(CORPUS) >= 40 and expects.count("wrong") >= 15 and expects.count("correct") >= 15


@pytest.mark.parametrize("record", CORPUS, ids=[r["name"] for r in CORPUS])
def test_corpus_chain(record):
    result = check_derivation(record["text"], **_act(record))
    first = "-" if result.first_wrong_step is None else str(result.first_wrong_step)
    assert (result.verdict, first) == (record["expect"], record["first"]), result.to_text()


def test_notation_corpus_is_large_and_mixed():
    expects = [r["expect"] for r in NOTATION_CORPUS]
    assert len(NOTATION_CORPUS) >= 30 and abs(expects.count("wrong") - expects.count("correct")) < 3


@pytest.mark.parametrize("record", NOTATION_CORPUS, ids=[r["name"] for r in NOTATION_CORPUS])
def test_notation_corpus_chain(record):
    if "steps" in record:  # a whole text: every step's verdict, numbered on through the text
        result = check_text(record["text"], **_act(record))
        verdicts = [step.verdict for formula in result.formulas for step in formula.steps]
        first = str(verdicts.index("wrong") + 1) if "wrong" in verdicts else "-"
        assert record["expect"] == ("wrong" if record["first"] != "-" else "correct")
        assert (first, verdicts) == (record["first"], record["steps"].split()), result.to_text()
        return
    result = check_derivation(record["text"], **_act(record))
    first = "-" if result.first_wrong_step is None else str(result.first_wrong_step)
    assert (result.verdict, first) == (record["expect"], record["first"]), result.to_text()


@pytest.mark.parametrize("name", SWEEPS)
def test_posts_are_many_and_mixed(name):
    expects = [r["expect"] for r in SWEEPS[name]]
    assert len(expects) >= 40 and expects.count("wrong") >= 15 and expects.count("correct") >= 15


@pytest.mark.parametrize("record", POSTS, ids=[r["name"] for r in POSTS])
def test_a_whole_post_step_by_step(record, request):
    """Every step's verdict, numbered on through the text, and the exit status of the text."""
    if "known" in record:  # a step the checker does not judge as written yet, said why
        request.applymarker(pytest.mark.xfail(reason=record["known"], strict=True))
    result = check_text(record["text"], **_act(record))
    verdicts = [step.verdict for formula in result.formulas for step in formula.steps]
    first = str(verdicts.index("wrong") + 1) if "wrong" in verdicts else "-"
    exit_code = {"correct": 0, "wrong": 1, "unparseable": 2}[record["expect"]]
    assert (first, verdicts) == (record["first"], record["steps"].split()), result.to_text()
    assert result.exit_code == exit_code, result.to_text()


def test_the_two_layer_net_of_cs231n_without_sizes_and_its_grads_dictionary():
    """scores is the output of a net of L = 3 layers; grads['W2'] is dW2, += an update."""
    code = """```python
dhidden = dscores.dot(W2.T)
grads['W2'] = hidden.T.dot(dscores)
grads["b2"] = np.sum(dscores, axis=0)
grads['W2'] += reg * W2
grads['W1'] += 2 * reg * W1
```"""
    result = check_text(code, notation="cs231n")
    verdicts = [step.verdict for formula in result.formulas for step in formula.steps]
    assert verdicts == ["correct"] * 4 + ["wrong"], result.to_text()


@pytest.mark.parametrize(
    "mask, verdict",
    [("dhidden[hidden <= 0] = 0", "correct"), ("dhidden[hidden > 0] = 0", "wrong")],
)
def test_a_mask_on_a_line_of_its_own_applies_to_the_names_last_value(mask, verdict):
    """cs231n's ReLU backward, dhidden = dscores.dot(W2.T) then the mask in place: the mask's
    line is dhidden = (dscores.dot(W2.T)) * (hidden > 0), the masked gradient; the mask that
    keeps the other units (hidden > 0 set to 0) is wrong; dW1 after it is read alone."""
    code = f"""```python
dhidden = dscores.dot(W2.T)
{mask}
grads['W1'] = X.T.dot(dhidden)
```"""
    result = check_text(code, notation="cs231n", activation="relu")
    verdicts = [step.verdict for formula in result.formulas for step in formula.steps]
    assert verdicts == ["correct", verdict, "correct"], result.to_text()


@pytest.mark.parametrize(
    "step, verdict",
    [(r"(\hat{y} - y) h^T", "correct"), (r"h (\hat{y} - y)^T", "wrong")],
)
def test_an_equation_without_a_clue_is_read_in_the_notation_of_its_post(step, verdict):
    """∂J/∂W_2 = (ŷ − y) hᵀ alone has no symbol only d2l uses; in a post whose other
    equations are d2l's (∂J/∂h, h = σ(…)) it is read as d2l's, and judged."""
    post = rf"""$$h = \sigma(W_1 x + b_1)$$
$$\frac{{\partial J}}{{\partial W_2}} = {step}$$
$$\frac{{\partial J}}{{\partial h}} = W_2^T (\hat{{y}} - y)$$"""
    result = check_text(post, (3, 5, 2), activation="sigmoid")
    verdicts = [step.verdict for formula in result.formulas for step in formula.steps]
    assert verdicts == ["correct", verdict, "correct"], result.to_text()


def test_the_chain_rule_is_taught_in_the_students_symbols():
    """deeplearning.ai's * with a Jacobian: its names, its layer numbering and widths."""
    text = next(r["text"] for r in NOTATION_CORPUS if "* with a Jacobian" in r["name"])
    step = check_derivation(text, (4, 5, 3), notation="dlai").steps[1]
    assert step.reason == "chain rule"
    jacobian = "∂z^{[2]}/∂W^{[2]} is a Jacobian with three indices (n^{[2]} × n^{[2]} × n^{[1]})"
    assert step.message.startswith(jacobian), step.message
    assert "the vector-Jacobian product (dz^{[2]})ᵀ (∂z^{[2]}/∂W^{[2]})" in step.message
    assert step.suggestion.endswith("= dz^{[2]} a^{[1]}ᵀ")
    nielsen = r"\frac{\partial C}{\partial w^l} = \delta^l \odot \frac{\partial z^l}{\partial w^l}"
    message = check_derivation(nielsen, notation="nielsen").steps[0].message
    assert message.startswith("∂z^l/∂w^l is a Jacobian with three indices (n_l × n_l × n_{l−1})")


@pytest.mark.parametrize(
    "text",
    [
        "δ^(L−1) = δ^(L−1) = Θ",  # Unicode: a step to an unread right side
        "δ^(L−1) = (Θ^(L−1))ᵀ δ^(L) ⊙ φ′(z^(L−1)) = W",
        r"\delta^{(L-1)} = \delta^{(L-1)} = \Theta",
        r"\frac{\partial J}{\partial W_2} = (\hat{y} - y) h^T",  # ∂J/∂•: about the network
        r"\hat{y} = W_2 h + b_2",  # ŷ, the output: about the network
    ],
)
def test_a_network_quantity_equal_to_what_cannot_be_read_is_never_accepted(text):
    result = check_derivation(text)
    assert (result.verdict, result.steps[-1].verdict) == ("unparseable", "unparseable")


def test_a_wrong_value_is_said_in_the_students_layers():
    loss = r"\frac{\partial}{\partial z^{[2]}} \frac{1}{2} \left\| y - a^{[2]} \right\|^2"
    text = f"dz^{{[2]}} = {loss} = y - a^{{[2]}}"
    step = check_derivation(text, (4, 5, 3), notation="dlai").steps[1]
    assert "wrong at l = 2 (layer 0 the input)" in step.message and step.hints == [
        "the sign is flipped"
    ]


def test_the_loss_of_deeplearning_ai_is_j():
    text = r"dz^{[2]} = \frac{\partial \mathcal{L}}{\partial z^{[2]}} = a^{[2]} - y"
    assert check_derivation(text, (4, 5, 3), notation="dlai").verdict == "correct"


@pytest.mark.parametrize(
    "text, notation, says",
    [
        (
            r"\nabla_{a^{(k)}} J = foo(a^{(k)}) = \nabla_{h^{(k)}} J \odot f'(a^{(k)})",
            "goodfellow",
            "--define",
        ),
        (
            r"\delta^{(L)} = \frac{\partial Loss}{\partial z^{(L)}} = a^{(L)} - y",
            None,
            "--define 'Loss=J'",
        ),
        (r"dz^{[2]} = dJ/dz^{[2]} = a^{[2]} - y \pmod 3", "dlai", "cannot read"),
    ],
)
def test_a_step_not_read_says_why_and_what_to_try(text, notation, says):
    result = check_derivation(text, notation=notation)
    assert result.verdict == "unparseable" and result.exit_code == 2
    unread = next(s for s in result.steps if s.verdict == "unparseable")
    assert unread.message.startswith(f"cannot read {unread.written}: ") and says in unread.message
    assert unread.message in " ".join(result.to_text().split())


def test_options_that_do_not_fit_the_notation_are_refused_as_for_one_equation():
    with pytest.raises(ConfigError, match="--bias folded is Ng's Θ with a bias column; cs231n"):
        check_derivation("delta3 = a2delta3 = y", notation="cs231n", bias="folded")
    with pytest.raises(ConfigError, match="--bias folded is Ng's Θ with a bias column; cs231n"):
        check_derivation("dW = X.T @ dout = X.T @ dout", bias="folded")  # cs231n's, detected


def test_own_names_by_define():
    text = r"\delta^{(L)} = \frac{\partial Loss}{\partial z^{(L)}} = a^{(L)} - y"
    assert check_derivation(text, define=["Loss=J"]).verdict == "correct"
    wrong = text.replace("a^{(L)} - y", "y - a^{(L)}")
    assert check_derivation(wrong, define=["Loss=J"]).first_wrong_step == 2


@pytest.mark.parametrize("notation", ["question", "nielsen", "dlai", "goodfellow", "numpy", "d2l"])
def test_any_notation_gives_a_verdict_never_an_exception(notation):
    """Every chain of both corpora read in a notation it may not be written in: a verdict."""
    for record in CORPUS[::4] + NOTATION_CORPUS[::3]:
        result = check_derivation(record["text"], **(_act(record) | {"notation": notation}))
        assert result.verdict in ("correct", "wrong", "unparseable", "skipped")


def test_every_suggestion_checks_correct():
    """A corrected step is itself right: the quantity = the suggestion checks correct."""
    seen = 0
    for record in CORPUS:
        result = check_derivation(record["text"], **_act(record))
        for equation in result.equations:
            for step in equation.steps:
                if step.verdict == "wrong" and step.suggestion and step.reason != "definition":
                    fixed = check_derivation(f"{equation.lhs} = {step.suggestion}", **_act(record))
                    assert fixed.verdict == "correct", (record["name"], step.suggestion)
                    seen += 1
    assert seen >= 10


def _act(record):
    """The test network of a record: its activation and, when given, its sizes."""
    sizes = tuple(map(int, record["sizes"].split(","))) if "sizes" in record else None
    given = {"activation": record.get("activation", "tanh"), "sizes": sizes}
    define = [name.strip() for name in record.get("define", "").split(";") if name.strip()]
    given |= {"define": define, "output_activation": record.get("output")}
    return given | {"notation": record.get("notation")}


def test_question_post_read_whole():
    result = check_text(QUESTION.read_text(encoding="utf-8"))
    expected = expected_post()
    assert len(result.formulas) == len(expected)
    for formula, (verdicts, first, prefix) in zip(result.formulas, expected, strict=True):
        assert body(formula.source).startswith(prefix.strip()), (formula.line, formula.source)
        assert formula.verdict in verdicts.split("|"), (formula.line, formula.to_text())
        if first != "*":
            got = "-" if formula.first_wrong_step is None else str(formula.first_wrong_step)
            assert got == first, (formula.line, formula.to_text())
    assert result.exit_code == 1


def test_question_step_two_teaches_the_chain_rule():
    """The question's step 2 in the student's symbols: the Jacobian, the VJP, the fix."""
    text = QUESTION.read_text(encoding="utf-8")
    formula = next(f for f in check_text(text).formulas if "\\Theta^{(L-1)}} &=" in f.source)
    step = formula.steps[1]
    assert step.reason == "chain rule"
    assert "∂a^(L)/∂Θ^(L−1) is a Jacobian with three indices (n_L × n_L × n_{L−1})" in step.message
    assert "vector-Jacobian product (δ^(L))ᵀ (∂a^(L)/∂Θ^(L−1))" in step.message
    assert step.suggestion.endswith("= δ^(L) (a^(L−1))ᵀ")
    assert formula.summary() == "steps 3–5 repeat the mistake of step 2"


def test_underbrace_defining_a_wrong_delta_is_named():
    text = QUESTION.read_text(encoding="utf-8")
    formula = next(f for f in check_text(text).formulas if "\\Theta^{(L-2)}} &=" in f.source)
    step7 = formula.steps[6]
    assert step7.reason == "definition" and "the underbrace defines δ^(L−1)" in step7.message
    assert step7.suggestion == "δ^(L−1) = (Θ^(L−1))ᵀ δ^(L) ⊙ φ'(z^(L−1))"


def test_answer_typo_in_a_differential_does_not_pass():
    text = QUESTION.read_text(encoding="utf-8")
    formula = next(f for f in check_text(text).formulas if "z_k &= b_k" in f.source)
    assert [s.verdict for s in formula.steps] == ["correct"] * 3 + ["wrong"] + ["correct"] * 2
    assert "\\varphi'(z_k)\\odot dz_k" in formula.steps[3].written


def test_a_wrong_identity_with_generic_matrices():
    assert check_derivation(r"C:\left(AB\right) = \left(CB^T\right):A").verdict == "correct"
    wrong = check_derivation(r"A:B = \operatorname{Tr}\left(A B\right)")
    assert wrong.verdict == "wrong" and wrong.first_wrong_step == 1


def test_a_generic_matrix_is_written_back_in_bishops_form():
    wrong = check_derivation("δ^(L−1) = δ^(L−1) = ΘΘ^(L−1)", notation="bishop")  # Θ: a matrix
    assert wrong.verdict == "wrong" and wrong.first_wrong_step == 2


def test_differential_needs_every_term():
    right = r"dz^{(l)} = d\Theta^{(l-1)} a^{(l-1)} + \Theta^{(l-1)} da^{(l-1)}"
    assert check_derivation(right).verdict == "correct"
    assert check_derivation(r"dz^{(l)} = d\Theta^{(l-1)} a^{(l-1)}").verdict == "wrong"


def test_a_differential_of_the_cost_and_its_dimensions_in_widths_n_l():
    """dJ (a scalar) is δᵀ dz, a 1 × 1 matrix: the same; a product that does not exist is
    said in the widths n_l, never in the numbers of the generic network."""
    result = check_derivation(r"dJ = (\delta^{(L)})^T dz^{(L)} = (\delta^{(L)})^T dz^{(L-1)}")
    assert [s.verdict for s in result.steps] == ["correct", "wrong"], result.to_text()
    said = "the columns of the left (n_L) must equal the rows of the right (n_{L−1})"
    assert said in result.steps[1].message and not re.search(r"\(\d+\)", result.steps[1].message)


def test_macros_newcommand_and_operators():
    text = (
        r"\newcommand{\T}[1]{\left(#1\right)^T} \DeclareMathOperator{\dg}{Diag}"
        r"\delta^{(l)} = \dg\left(\varphi'(z^{(l)})\right) \T{\Theta^{(l)}} \delta^{(l+1)}"
    )
    assert check_derivation(text).verdict == "correct"


def test_shape_claims():
    assert check_derivation(r"\Theta^{(L-1)} \in \mathbb{R}^{n_L \times n_{L-1}}").verdict == (
        "correct"
    )
    wrong = check_derivation(r"\delta^{(L)} \in \mathbb{R}^{n_{L-1} \times 1}")
    assert wrong.verdict == "wrong" and "δ^(L) is (n_L × 1)" in wrong.steps[0].message


def test_local_names_hold_for_later_formulas():
    right = (
        r"$tmp = (\Theta^{(L-1)})^T \delta^{(L)}$, so "
        r"$\delta^{(L-1)} = tmp \odot \varphi'(z^{(L-1)})$"
    )
    assert [f.verdict for f in check_text(right).formulas] == ["correct", "correct"]
    wrong = right.replace("(\\Theta^{(L-1)})^T", "\\Theta^{(L-1)}")
    assert check_text(wrong).formulas[0].verdict == "wrong"


@pytest.mark.parametrize(
    "code, first",
    [
        ("s = 1/(1+np.exp(-Z1))\ndZ1 = dA1 * s * (1-s)", None),  # the sigmoid's σ'(Z1)
        ("s = 1/(1+np.exp(-Z1))\ndZ1 = dA1 * s * (1+s)", 2),
    ],
)
def test_a_name_of_one_letter_holds_for_the_lines_after_it_as_after_a_semicolon(code, first):
    verdict = "correct" if first is None else "wrong"
    result = check_derivation(code, (4, 5, 3), "sigmoid", notation="dlai")
    assert (result.verdict, result.first_wrong_step) == (verdict, first), result.to_text()
    one_line = check(code.replace("\n", "; "), (4, 5, 3), "sigmoid", notation="dlai")
    assert one_line.verdict == verdict, one_line.to_text()


@pytest.mark.parametrize(
    "code",
    [
        "s = 1/(1+np.exp(-Z2))\ns2 = 1/(1+np.exp(-Z1))\ndZ1 = dA1 * s2 * (1-s2)",  # s2 beside s
        "s1 = 1/(1+np.exp(-Z1))\ndZ1 = dA1 * s1 * (1-s1)",  # a name of code with a digit
        "sig_z = 1/(1+np.exp(-Z1))\ndZ1 = dA1 * sig_z * (1-sig_z)",  # and with _
    ],
)
def test_a_name_of_code_is_a_local_name_on_lines_as_after_semicolons(code):
    """One rule for a local name in a derivation's lines and a line's statements: a name of
    code (letters, digits, _) that is no quantity, put where it stands alone (not the s of
    s2); lines read s1 and sig_z as unknown symbols, and s2 as s followed by 2."""
    result = check_derivation(code, (4, 5, 3), "sigmoid", notation="dlai")
    assert result.verdict == "correct", result.to_text()
    one_line = check(code.replace("\n", "; "), (4, 5, 3), "sigmoid", notation="dlai")
    assert one_line.verdict == "correct", one_line.to_text()


def test_a_letter_of_prose_given_its_range_is_no_name():
    """Prose's l = 2..L says which layers (docs/derivation.md, read line by line): l is not
    replaced in the formulas after it."""
    text = "l = 2..L, a^(l) the hidden layers, ∂J/∂Θ^(l) l = 1..L−1\nδ^(l) = a^(l) − z^(l)"
    assert check_text(text).formulas[-1].verdict == "wrong", check_text(text).to_text()


def test_update_rule_sign():
    right = r"\Theta^{(l)} \leftarrow \Theta^{(l)} - \eta \frac{\partial J}{\partial \Theta^{(l)}}"
    assert check_derivation(right).verdict == "correct"
    assert check_derivation(right.replace("- \\eta", "+ \\eta")).verdict == "wrong"


def test_is_derivation():
    assert is_derivation("a = b = c") and is_derivation(r"\begin{align} x &= y \end{align}")
    assert not is_derivation(r"\delta^{(L)} = a^{(L)} - y")
    assert is_derivation("delta[3] = a[3] - y\ndelta[2] = Theta[2].T @ delta[3]")  # two lines
    assert not is_derivation("dZ2 = A2 - Y; dW2 = dZ2 @ A1.T / m")  # one line: check's
    assert not is_derivation("dx = dout.copy()\ndx[x <= 0] = 0")  # one statement


LINES = {  # two equations, one a line, as pasted into one argument or a file: δ^(3), then δ^(2)
    "unicode": ("δ^(3) = a^(3) − y", "δ^(2) = (Θ^(2))ᵀ δ^(3) ⊙ φ'(z^(2))"),
    "tex": (
        r"\delta^{(3)} = a^{(3)} - y",
        r"\delta^{(2)} = (\Theta^{(2)})^T \delta^{(3)} \odot \varphi'(z^{(2)})",
    ),
    "code": ("delta[3] = a[3] - y", "delta[2] = Theta[2].T @ delta[3] * dphi(z[2])"),
}
WRONG_LINE = {  # each line made wrong: the sign of δ^(3) flipped, the transpose of Θ^(2) dropped
    1: [("a^(3) − y", "y − a^(3)"), ("a^{(3)} - y", "y - a^{(3)}"), ("a[3] - y", "y - a[3]")],
    2: [("(Θ^(2))ᵀ", "Θ^(2)"), ("(\\Theta^{(2)})^T", "\\Theta^{(2)}"), ("Theta[2].T", "Theta[2]")],
}


@pytest.mark.parametrize("wrong", [None, 1, 2])
@pytest.mark.parametrize("notation", LINES)
def test_each_line_is_an_equation_of_its_own(capsys, monkeypatch, notation, wrong):
    """Lines without ';' (code, Unicode or TeX): each line is judged as its own equation, its
    own step, and a wrong line is the wrong one; in one argument and in a file alike."""
    lines = list(LINES[notation])
    for old, new in WRONG_LINE.get(wrong, []):
        lines = [line.replace(old, new) for line in lines]
    verdicts = ["wrong" if k == wrong else "correct" for k in (1, 2)]
    status = main(["check", "\n".join(lines), "--sizes", "3,5,4", "--format", "json"])
    steps = json.loads(capsys.readouterr().out)["steps"]
    assert [(s["written"], s["verdict"]) for s in steps] == [
        (line.split(" = ")[1], verdict) for line, verdict in zip(lines, verdicts, strict=True)
    ]
    assert status == (0 if wrong is None else 1)
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    assert main(["check", "--file", "-", "--sizes", "3,5,4", "--format", "json"]) == status
    formulas = json.loads(capsys.readouterr().out)["equations"]
    assert [f["verdict"] for f in formulas] == verdicts


def test_a_jacobian_outside_the_hidden_layers_is_evaluated_by_numbers():
    """∂a^(L)/∂z^(L) is no P_l (hidden layers only): the checker says it does not exist, and
    the step is judged by central differences instead (the output layer's: the identity)."""
    result = check_derivation("δ^(L) = ∂J/∂z^(L) = (∂a^(L)/∂z^(L))ᵀ (a^(L) − y)")
    assert [s.verdict for s in result.steps] == ["correct", "correct"], result.to_text()


# ---------------------------------------------------------------- false rejects (item 9)


def test_square_of_a_vector_read_both_ways():
    eq = r"\delta^{(2)} = (\Theta^{(2)})^T \delta^{(3)} \odot (1 - (a^{(2)})^2)"
    result = check(eq, sizes=(3, 4, 5, 2))
    assert result.verdict == "correct" and any("element-wise" in n for n in result.notes)
    cost = check(r"J^{(i)} = \frac{1}{2} \left[ a^{(L)} - y^{(i)} \right]^2")
    assert cost.verdict == "correct" and not any("element-wise" in n for n in cost.notes)


def test_ones_vector_takes_the_shape_it_needs():
    eq = (
        r"\delta^{(l)} = (\Theta^{(l)})^T \delta^{(l+1)} \odot "
        r"\left(\mathbf{1} - a^{(l)} \odot a^{(l)}\right)"
    )
    assert check(eq).verdict == "correct"


@pytest.mark.parametrize(
    "phi_prime", ["g_prime(z[l])", "g^\\prime(z[l])", "\\sigma^\\prime(z[l])", "gprime(z[l])"]
)
def test_spellings_of_phi_prime(phi_prime):
    result = check(f"delta[l] = Theta[l].T @ delta[l+1] * {phi_prime}")
    assert result.verdict == "correct", result.to_text()


# ---------------------------------------------------------------- the command line


def test_cli_file_text_and_exit_codes(capsys, tmp_path):
    assert main(["check", "--file", str(QUESTION)]) == 1
    out = capsys.readouterr().out
    assert re.search(r"line\s+46\s+WRONG\s+at step 2", out)
    assert "51 skipped (skipped: not an equation about the network)" in out
    assert re.search(r"line\s+5\s+SKIPPED\s+\$ \\cdot \$", out)
    right = tmp_path / "right.md"
    right.write_text("We have $\\delta^{(L)} = a^{(L)} - y$ and $L$ layers.\n", encoding="utf-8")
    assert main(["check", "--file", str(right)]) == 0
    prose = tmp_path / "prose.txt"
    prose.write_text("No formula here.\n", encoding="utf-8")
    assert main(["check", "--file", str(prose)]) == 2


def test_cli_file_json_schema(capsys):
    assert main(["check", "--file", str(QUESTION), "--format", "json"]) == 1
    equations = json.loads(capsys.readouterr().out)["equations"]
    text = QUESTION.read_text(encoding="utf-8")
    for item in equations:
        assert {"line", "source", "verdict", "first_wrong_step", "steps"} <= item.keys()
        assert item["verdict"] in ("correct", "wrong", "unparseable", "skipped")
        assert item["source"] in text
        assert text.splitlines()[item["line"] - 1] in text  # 1-based
    first = next(e for e in equations if e["line"] == 46)
    assert first["first_wrong_step"] == 2 and first["steps"][1]["verdict"] == "wrong"


def test_cli_standard_input_and_plain_text(capsys, monkeypatch):
    text = "delta[L] = dJ/dz[L] = a[L] - y\nsome prose = not an equation\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    assert main(["check", "--file", "-", "--format", "json"]) == 0
    equations = json.loads(capsys.readouterr().out)["equations"]
    assert [(e["line"], e["verdict"]) for e in equations] == [(1, "correct"), (2, "skipped")]


def test_cli_chain_as_one_equation(capsys):
    assert main(["check", "δ^(L) = ∂J/∂z^(L) = y − a^(L)", "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["first_wrong_step"] == 2 and [s["verdict"] for s in out["steps"]] == [
        "correct",
        "wrong",
    ]


def test_cli_file_errors(capsys, tmp_path):
    assert main(["check", "--file", str(tmp_path / "missing.md")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["check", "a = b", "--file", str(QUESTION)]) == 2
    assert "not both" in capsys.readouterr().err
    assert main(["check", "--file", str(QUESTION), "--for", "delta^(L)"]) == 2
    assert "drop it with --file" in capsys.readouterr().err


def test_the_network_options_reach_every_step():
    chain = "δ^(L) = ∂J/∂z^(L) = clip(a^(L) − y, −1, 1)"
    assert check_derivation(chain, loss="huber").verdict == "correct"
    assert check_derivation(chain).verdict == "wrong"


TEX_DOCUMENT = r"""\documentclass{article}
\newcommand{\D}{\Delta}
\DeclareMathOperator{\diag}{diag}
% a comment with $x = y$ is not a formula
\begin{document}
The output error is \( \delta^{(L)} = a^{(L)} - y \). Then
\[ \delta^{(l)} = \diag\left(\varphi'(z^{(l)})\right) \left(\Theta^{(l)}\right)^T \delta^{(l+1)} \]
\begin{equation*}
\frac{\partial J}{\partial b^{(l)}} = \frac{1}{m} \D^{(l)} \mathbf{1} % the mean
\end{equation*}
\begin{align}
\frac{\partial J}{\partial \Theta^{(l)}} &= \D^{(l+1)} \left(A^{(l)}\right)^T \label{eq:g}
\end{align}
\end{document}
"""


def test_a_tex_document_with_preamble_macros():
    result = check_text(TEX_DOCUMENT)
    assert [(f.line, f.verdict) for f in result.formulas] == [
        (6, "correct"),
        (7, "correct"),
        (8, "correct"),
        (11, "wrong"),
    ]
    assert "1/m" in result.formulas[-1].steps[0].hints[0]


def test_markdown_code_fence_and_dollars_in_prose():
    post = (
        "In NumPy:\n\n```python\ndelta[L] = a[L] - y\ngrad = delta[l+1] @ a[l]\n```\n\n"
        "where $\\delta^{(l)} \\in \\mathbb{R}^{n_l}$; it costs $5 or $6.\n"
    )
    result = check_text(post)
    assert [(f.line, f.verdict) for f in result.formulas] == [
        (4, "correct"),
        (5, "wrong"),
        (8, "correct"),
        (8, "skipped"),
    ]


def test_gradient_spellings_and_hidden_layers():
    assert check_derivation(r"\partial_{z^{(L)}} J = a^{(L)} - y").verdict == "correct"
    chain = (
        r"\frac{\partial J}{\partial z^{(l)}} = \frac{\partial J}{\partial a^{(l)}} \odot "
        r"\varphi'(z^{(l)}) = (\Theta^{(l)})^T \delta^{(l+1)} \odot \varphi'(z^{(l)})"
    )
    assert check_derivation(chain).verdict == "correct"  # φ'(z^(l)): the hidden layers


def test_the_answers_typo_gets_a_hint_and_a_fix():
    text = r"\def\W{\Theta} a_k = \varphi(z_k) \quad\implies\quad da_k = d\varphi'(z_k)\odot dz_k"
    step = check_derivation(text).steps[1]
    assert step.verdict == "wrong" and "differential of f(x)" in step.hints[0]
    assert step.suggestion == "φ'(z^(k)) ⊙ ∂z^(k)"


def test_a_formula_not_read_is_not_correct(capsys, tmp_path):
    path = tmp_path / "post.md"
    path.write_text(
        "$\\delta^{(L)} = a^{(L)} - y$ and $\\delta^{(L)} = (a^{(L)}$\n", encoding="utf-8"
    )
    assert main(["check", "--file", str(path)]) == 2
    assert "1 unparseable" in capsys.readouterr().out


def test_a_derivation_loads_numpy_only(tmp_path):
    """check on a whole post imports none of the heavy libraries (see test_startup.py)."""
    child = (
        "import sys, contextlib, io\n"
        "from deltaprop.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    status = main(['check', '--file', sys.argv[1]])\n"
        "heavy = {'scipy', 'sympy', 'sklearn', 'matplotlib', 'pandas', 'pyarrow', 'dask'}\n"
        "print(status, sorted({m.split('.')[0] for m in sys.modules} & heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", child, str(QUESTION)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.stdout.split() == ["1", "[]"], done.stderr


def test_derivative_operator_takes_the_product_after_it():
    chain = (
        r"\frac{\partial J}{\partial z^{(L)}} = \frac{\partial}{\partial z^{(L)}} \frac{1}{2} "
        r"\left\| a^{(L)} - y \right\|^2 = a^{(L)} - y"
    )
    assert check_derivation(chain).verdict == "correct"
    inside = (
        r"\frac{\partial J}{\partial b^{(L)}} = "
        r"\frac{\partial (\frac{1}{2} \|a^{(L)} - y\|^2)}{\partial b^{(L)}}"
    )
    assert check_derivation(inside).verdict == "correct"


# One numeric judge: check and the calculus path of a derivation evaluate a step at the same
# layers (l a layer of the network, where the quantity exists, not the output layer for a step
# through the activation, which the linear output does not have), say "no such layer" alike,
# and take a 1 × 1 matrix as the scalar it is on either side.


def _calculus(step, sizes, activation="tanh"):
    lhs, rhs = step.split("=")
    return judge_with_calculus(lhs, rhs, step, Options(sizes, activation))


@pytest.mark.parametrize(
    "step, sizes",
    [
        # l = 1 is the only layer where δ^(l+2) exists, and φ'(z^(3)) is of the linear
        # output layer: no layer fits (check judged it at l = 0, no layer of the network)
        (
            r"\delta^{(l+2)} = (\Theta^{(l+2)})^T \delta^{(l+3)} \odot \varphi'(z^{(l+2)})",
            (4, 5, 3),
        ),
        (r"dJ = (\delta^{(1)})^T dz^{(1)}", (4, 5, 3)),  # δ^(1): it was 'cannot read'
    ],
)
def test_a_step_at_no_layer_of_the_network_is_wrong_alike_in_check_and_a_derivation(step, sizes):
    step_result = check_derivation(step, sizes).steps[0]
    assert (step_result.verdict, step_result.reason) == ("wrong", "range"), step_result
    if not step.startswith("dJ"):  # a differential is for the derivation only
        result = check(step, sizes)
        assert (result.verdict, result.reason) == ("wrong", "range"), result.to_text()


def test_a_step_through_the_activation_is_about_the_hidden_layers_in_both_judges():
    """The relu mask dZ = dA * (Z > 0) is φ'(Z): at the linear output layer there is none
    (the calculus path judged it at the output layer too, and wrong)."""
    step = r"dZ^{(l)} = dA^{(l)} * (Z^{(l)} > 0)"
    assert check(step, activation="relu").verdict == "correct"
    assert _calculus(step, None, "relu").verdict == "correct"
    assert check_derivation(step, activation="relu").verdict == "correct"
    hidden = [1, 2]  # deeplearning.ai's numbers (layer 0 the input) of the question's 2 and 3
    assert [layer for layer, _ in check(step, (4, 5, 6, 3), "relu").layers] == hidden


@pytest.mark.parametrize(
    "step",
    [
        r"J = \frac{1}{2} (a^{(L)} - y)^T (a^{(L)} - y)",  # 1 × 1 on the right
        r"dJ = (\delta^{(L)})^T dz^{(L)}",
        r"(\delta^{(L)})^T dz^{(L)} = dJ",  # 1 × 1 on the left
    ],
)
def test_a_one_by_one_matrix_is_a_scalar_on_either_side(step):
    assert check_derivation(step, (4, 5, 3)).verdict == "correct"
    assert _calculus(step, (4, 5, 3)).verdict == "correct"


def test_the_fix_of_a_jacobian_step_holds_where_its_symbols_exist():
    """The vector-Jacobian product is the corrected step, judged as check judges a fix: at
    the layers where its symbols exist (it was asked to hold at every layer, w^1 too)."""
    nielsen = r"\frac{\partial C}{\partial w^l} = \delta^l \odot \frac{\partial z^l}{\partial w^l}"
    step = check_derivation(nielsen, notation="nielsen").steps[0]
    assert step.suggestion == "δ^lᵀ (∂z^l/∂w^l) = δ^l a^{l-1}ᵀ"


@pytest.mark.parametrize(
    "step, verdict",
    [
        ("dJ/dTheta[l] = (1/m) * Delta[l+1] @ A[l].T + alpha * Theta[l]", "wrong"),  # not α/m
        ("dJ/dTheta[l] = (1/m) * Delta[l+1] @ A[l].T + (alpha/m) * Theta[l]", "correct"),
        ("dJ/dTheta[l] = delta[l+1] @ a[l].T + alpha * Theta[l]", "correct"),  # one sample's
        ("dJ/dTheta[l] = delta[l+1] @ a[l].T + (alpha/m) * Theta[l]", "wrong"),
    ],
)
def test_the_l2_term_is_judged_alike_in_both_judges(step, verdict):
    """The calculus path's network has the L2 term where the step names α, as check's has (it
    had none, so α Θ added to the batch's gradient was accepted there)."""
    assert _calculus(step, None).verdict == verdict
    assert check(step).verdict == verdict


SIGMOID_POST = """The sigmoid, $\\sigma(z) = \\frac{1}{1+e^{-z}}$, and a linear output.

```python
z2 = W1 @ x + b1
a2 = sigmoid(z2)
delta2 = W2.T @ delta3 * a2 * (1 - a2)
dW1 = delta2 @ x.T
```
"""
TANH_POST = """Hidden layers use $\\varphi = \\tanh$; the output is linear.

$$\\delta^{(l)} = (\\Theta^{(l)})^T \\delta^{(l+1)} \\odot (1 - (a^{(l)})^2)$$
"""
RELU_POST = """We use ReLU: $g(z) = \\max(0, z)$.

$$dZ^{[1]} = W^{[2]T} dZ^{[2]} * (Z^{[1]} > 0)$$
"""


@pytest.mark.parametrize(
    "post, named, other",
    [
        (SIGMOID_POST, "sigmoid", "tanh"),
        (TANH_POST, "tanh", "sigmoid"),
        (RELU_POST, "relu", "tanh"),
    ],
)
def test_a_post_is_judged_for_the_activation_it_names(post, named, other):
    """φ = tanh, σ(z) = 1/(1 + e^{−z}), g(z) = max(0, z) or code that calls sigmoid: without
    --activation the post is judged for that network (as check judges one equation that names
    its φ), and a line that only names φ is skipped, not unparseable."""
    result = check_text(post)
    assert result.exit_code == 0, result.to_text()
    assert check_text(post, activation=named).to_json() == result.to_json()
    assert check_text(post, activation=other).exit_code == 1


def test_a_post_that_names_two_activations_is_judged_for_tanh_as_before():
    post = "The sigmoid is slow, so I use tanh.\n" + SIGMOID_POST
    assert check_text(post).to_json() == check_text(post, activation="tanh").to_json()


def test_check_file_takes_the_activation_from_the_post(tmp_path, capsys):
    path = tmp_path / "post.md"
    path.write_text(SIGMOID_POST, encoding="utf-8")
    assert main(["check", "--file", str(path)]) == 0, capsys.readouterr().out
