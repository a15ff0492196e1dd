"""What the reading of an equation or a derivation says about input it cannot read: each
message names what was expected. These are the paths the corpora never take (line coverage
found them); the input that reaches each is written here with the message it must give."""

import pytest

from deltaprop.derivation import tex
from deltaprop.derivation.notation import LayerIndex, ParseError, Sym, parse, parse_expression
from deltaprop.derivation.scan import MAX_TEXT, read_text
from deltaprop.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "notation", "message"),
    [
        ("sigmoid2(z2)", "ng", r"unknown symbol 'sigmoid2' at position 0"),
        ("np.maximum(0, z) * (z > 1)", "numpy", r"only the masks \(x > 0\) and \(x < 0\) are read"),
        (r"z^{x}", "question", r"expected a layer index such as \^\{\(l\)\}, a transpose"),
        (r"x^{(2)}", "question", r"a layer index does not belong here \(position 0\)"),
        ("zeros(3,1) + b", "ng", r"zeros\(…\) is read only as the bias column"),
        (r"h_b(x)", "question", r"expected h_\\Theta\(x\), the output of the network"),
        ("np.power(a, b)", "numpy", "np.power takes a number as its exponent"),
        ("np.maximum(1, z)", "numpy", r"only np.maximum\(0, x\), the ReLU, is read"),
        ("np.where(z > 0, z, 1)", "numpy", r"only np.where\(mask, x, 0\) is read"),
        ("np.sum(dZ, axis=2)", "dlai", r"a matrix has axis 0 \(its rows\) and 1 \(its columns\)"),
        ("np.sum(dZ, axis=1, keepdims=1)", "dlai", "expected keepdims=True or keepdims=False"),
        (r"\sum_m a", "question", r"Σ sums over the samples \(Σ_i\), the layers \(Σ_l\)"),
        (r"\frac{\partial}{x} J", "question", r"expected \\frac\{\\partial\}\{\\partial …\}"),
        (r"\frac123", "question", r"expected \\frac\{…\}\{…\} or \\frac12"),
        (r"0^{[-1]}(Z^{[1]})", "dlai", r"a layer index does not belong here \(position 0\)"),
        (r"\sum' * \delta", "question", r"expected '\(' and the argument of the function"),
        (r"\frac3. x", "question", r"expected \\frac\{…\}\{…\} or \\frac12"),
        (r"\operatorname{x}(z)", "question", "expected a function name such as Diag"),
        (r"w_{0} z_j", "bishop", r"expected '\}' after the entry indices"),  # 0: Ng's bias unit
    ],
)
def test_an_equation_that_cannot_be_read_says_what_was_expected(text, notation, message):
    with pytest.raises(ParseError, match=message):
        parse(text, notation)


def test_an_expression_with_an_equals_sign_is_refused_where_one_side_is_wanted():
    with pytest.raises(ParseError, match="expected an expression without '='"):
        parse_expression("a = b")


def test_the_cost_with_a_layer_subscript_is_the_cost():
    (cost,) = parse("J_k")
    assert isinstance(cost, Sym) and cost.name == "J" and cost.layer is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (r"\def\f#1{#1} a = \f{b", r"unbalanced braces: the '\{' at position \d+ is never closed"),
        (r"\def\f#1{#1} a = \f", "a macro is missing an argument at the end of the formula"),
        (r"\def\f{\f} a = \f", "macros expand more than 2000 times: is one recursive?"),
    ],
)
def test_macros_that_cannot_be_expanded_say_why(text, message):
    macros = tex.Macros()
    with pytest.raises(ConfigError, match=message):
        macros.expand(macros.take_definitions(text))


def test_a_macro_argument_is_a_brace_group_or_one_token_after_spaces():
    macros = tex.Macros()
    text = macros.take_definitions(r"\def\LR#1{\left(#1\right)} \LR  {a+b} \LR x \LR \Theta")
    assert macros.expand(text).split() == [
        r"\left(a+b\right)",
        r"\left(x\right)",
        r"\left(\Theta\right)",
    ]


def test_a_matrix_that_is_never_closed_is_refused():
    with pytest.raises(ConfigError, match=r"\\begin\{pmatrix\} is never closed"):
        tex.equations(r"A = \begin{pmatrix} 1 & 2")


def test_nested_double_braces_are_opened_and_an_underbrace_needs_no_name():
    (equation,) = tex.equations(r"\delta^{{{(l)}}} = \underbrace{a - y}")
    assert equation.lhs == r"\delta^{(l)}"
    assert equation.steps[0].text == r"\left(a - y\right)"
    assert equation.steps[0].definitions == []


def test_a_file_that_is_not_utf8_or_is_too_long_is_refused(tmp_path):
    binary = tmp_path / "post.md"
    binary.write_bytes(b"a = \xff")
    with pytest.raises(ConfigError, match=r"is not UTF-8 text \(byte 4\); save it as UTF-8"):
        read_text(str(binary))
    long = tmp_path / "long.md"
    long.write_text("a" * (MAX_TEXT + 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=f"is longer than {MAX_TEXT} characters; split it"):
        read_text(str(long))
    with pytest.raises(ConfigError, match="no such file; give a Markdown, .tex or text file"):
        read_text(str(tmp_path / "missing.md"))


def test_a_layer_index_is_written_with_its_offset():
    assert LayerIndex("l", -1).text() == "l−1" and LayerIndex("L", 2).text("-") == "L+2"
