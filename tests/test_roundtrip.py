"""explain → check: every line that ``explain`` prints, in text, Markdown and LaTeX, is read by
``check`` and judged correct for the same architecture."""

import re

import pytest

from deltaprop.derivation import check, explain
from deltaprop.derivation.notation import to_text

ARCHITECTURES = [((3, 5, 4, 1), None), ((2, 3, 2), None), ((4, 6, 3), 3), ((3, 4, 2, 2), 2)]


def text_lines(derivation):
    return [f"{line.lhs} = {line.rhs}" for line in derivation.lines + derivation.forms]


def markdown_lines(derivation):
    return re.findall(r"^\| `(.+?)`", derivation.to_markdown(), flags=re.MULTILINE)


def latex_lines(derivation):
    body = derivation.to_latex().split(r"\begin{align*}")[1].split(r"\end{align*}")[0]
    return [row.strip() for row in body.strip().splitlines()]


def batched_lines(derivation):
    return [f"{lhs} = {rhs}" for lhs, rhs, _, _ in derivation.batched]


@pytest.mark.parametrize(("sizes", "batch"), ARCHITECTURES)
@pytest.mark.parametrize("render", [text_lines, markdown_lines, latex_lines, batched_lines])
def test_every_printed_line_is_read_and_correct(sizes, batch, render):
    derivation = explain(sizes, "sigmoid", batch=batch, alpha=0.2 if batch else 0.0)
    lines = render(derivation)
    assert len(lines) >= (8 if render is not batched_lines or not batch else 0)
    for line in lines:
        result = check(line, sizes=sizes, activation="sigmoid")
        assert result.verdict == "correct", result.to_text()


@pytest.mark.parametrize(("sizes", "batch"), [((3, 4, 2), None), ((2, 5, 3), 4)])
@pytest.mark.parametrize("render", [text_lines, latex_lines])
def test_the_huber_lines_are_read_and_correct_for_the_huber_loss(sizes, batch, render):
    derivation = explain(sizes, "tanh", loss="huber", batch=batch)
    for line in render(derivation):
        result = check(line, sizes=sizes, loss="huber")
        assert result.verdict == "correct", result.to_text()
    delta = next(x for x in derivation.lines if x.key == "delta_output")
    unclipped = to_text(delta.equation.rhs.arg)  # a^(L) − y
    squared = check(f"{delta.lhs} = {unclipped}", sizes=sizes, loss="huber")
    assert squared.verdict == "wrong"


@pytest.mark.parametrize(("sizes", "batch"), [((3, 4, 2), None), ((2, 5, 3), 4)])
@pytest.mark.parametrize("render", [text_lines, markdown_lines, latex_lines, batched_lines])
def test_the_poisson_lines_are_read_and_correct_for_the_poisson_loss(sizes, batch, render):
    derivation = explain(sizes, "tanh", loss="poisson", batch=batch, alpha=0.2 if batch else 0.0)
    lines = render(derivation)
    assert any("exp(" in line or r"\exp" in line for line in lines) or not lines
    for line in lines:
        result = check(line, sizes=sizes, loss="poisson")
        assert result.verdict == "correct", result.to_text()
    output = next(x for x in derivation.lines if x.key == "a_output")  # a^(L) = exp(z^(L))
    linear = check(
        f"{output.lhs} = {to_text(output.equation.rhs.arg)}", sizes=sizes, loss="poisson"
    )
    assert linear.verdict == "wrong"
