"""deltaprop exercise: each answer graded by check, hints in order, a summary at the end."""

import io

import pytest

from deltaprop.cli import main
from deltaprop.derivation import exercise
from deltaprop.errors import ConfigError


@pytest.mark.parametrize("q", exercise.QUESTIONS, ids=lambda q: f"{q.key}-{q.batched}")
@pytest.mark.parametrize("sizes", [None, (3, 5, 4, 2)])
def test_each_question_accepts_its_own_answer(q, sizes):
    assert exercise.grade(q, q.answer, sizes=sizes).right
    assert exercise.grade(q, f"{q.lhs} = {q.answer}", sizes=sizes).right


def test_hints_go_from_shapes_to_operation_to_answer():
    q = exercise.question(2)  # δ^(l)
    wrong = "Theta[l] @ delta[l+1] * dphi(z[l])"
    hints = [exercise.grade(q, wrong, attempt).hint for attempt in (1, 2, 3)]
    assert hints[0].startswith("δ^(l) is n_l × 1; Θ^(l) is n_{l+1} × n_l")
    assert "matrix product with the transpose" in hints[1]
    assert hints[2] == "the answer is δ^(l) = (Θ^(l))ᵀ δ^(l+1) ⊙ φ'(z^(l))"
    assert "is undefined" in exercise.grade(q, wrong).message


def test_per_sample_and_batched_answers_are_not_interchangeable():
    per_sample, batched = exercise.question(3), exercise.question(6)  # ∂J/∂Θ^(l)
    assert not exercise.grade(per_sample, "(1/m) Delta[l+1] @ A[l].T").right
    assert "for one sample" in exercise.grade(per_sample, "(1/m) Delta[l+1] @ A[l].T").message
    assert not exercise.grade(batched, "delta[l+1] @ a[l].T").right
    assert exercise.grade(batched, "(1/m) Delta[l+1] @ A[l].T").right


def test_cli_grades_one_answer(capsys):
    argv = ["exercise", "--question", "1", "--answer"]
    assert main([*argv, "a[L] - y"]) == 0
    assert "right" in capsys.readouterr().out
    assert main([*argv, "y - a[L]", "--attempt", "3"]) == 1
    assert "hint: the answer is δ^(L) = a^(L) − y" in capsys.readouterr().out
    assert main(["exercise", "--question", "9", "--answer", "x"]) == 2
    assert "question=9 does not exist; choose 1..7" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="choose 1..7"):
        exercise.question(0)


def test_interactive_session_ends_with_a_summary(monkeypatch, capsys):
    typed = ["a[L] - y", "Theta[l] delta[l+1]", "Theta[l].T delta[l+1] * dphi(z[l])", "x"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(typed) + "\n"))
    assert main(["exercise", "--sizes", "3,4,2"]) == 0
    out = capsys.readouterr().out
    assert "Question 1/7" in out and "Question 3/7" in out and "not yet:" in out
    assert "1 of 7 right at the first try, 1 with hints, 0 shown" in out


def test_a_question_missed_three_times_shows_its_answer():
    typed, said = iter(["y - a[L]"] * 3), []  # three wrong answers to question 1, then the end
    assert exercise.run(lambda prompt: next(typed, None), said.append) == (0, 0, 1)
    assert "hint: the answer is δ^(L) = a^(L) − y" in said[-2]
    assert said[-1].startswith("\nQuestion 2/7")


def test_a_right_batched_answer_in_another_notation_is_right():
    # check reads it in NumPy's notation (.dot), which the question's notation does not read
    assert exercise.grade(exercise.question(6), "(1/m) * Delta[l+1].dot(A[l].T)").right
