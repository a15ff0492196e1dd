"""``deltaprop exercise``: write the backward equations yourself, graded by ``check``.

One question per backward equation (δ^(L), δ^(l), ∂J/∂Θ^(l), ∂J/∂b^(l), then the batched
forms). The answers and their shapes come from the same equation records that ``explain``
prints and the network runs; a typed answer is graded by :func:`~deltaprop.check` against the
true values. Each wrong attempt gets a stronger hint: the shapes first, then the operation,
then the answer.
"""

from dataclasses import dataclass

from deltaprop.derivation.check import check, is_batched
from deltaprop.derivation.explain import TEMPLATES, leaf_operands, shapes_of, without_alpha
from deltaprop.derivation.notation import ParseError, Transpose, parse, to_text
from deltaprop.derivation.shapes import shape_text
from deltaprop.errors import ConfigError

ATTEMPTS = 3  # hints: shapes, operation, answer


@dataclass(frozen=True)
class Question:
    """One equation to write: ``lhs = ?``, with its answer and the hint about its operation."""

    key: str  # the Equation.key it comes from
    batched: bool
    prompt: str
    operation: str

    @property
    def template(self):
        return TEMPLATES[self.key][self.batched]

    @property
    def lhs(self):
        return to_text(self.template.lhs)

    @property
    def answer(self):
        return to_text(without_alpha(self.template.rhs))

    def shapes(self):
        """The hint about shapes: the result's and those of the quantities it is made of
        (untransposed, so that the hint does not give the operation away)."""
        rhs = without_alpha(self.template.rhs)
        leaves = [n.arg if isinstance(n, Transpose) else n for n in leaf_operands(rhs)]
        parts = {to_text(n): shapes_of(n)[1] for n in leaves if shapes_of(n)[1] is not None}
        listed = ", ".join(f"{text} is {shape_text(shape)}" for text, shape in parts.items())
        return f"{self.lhs} is {shape_text(shapes_of(rhs)[1])}; {listed}"


QUESTIONS = (
    Question(
        "delta_output",
        False,
        "the error of the linear output layer, for J^(i) = ½‖a^(L) − y‖²",
        "differentiate ½‖a^(L) − y‖² with respect to a^(L); the output is linear, a^(L) = z^(L)",
    ),
    Question(
        "delta_hidden",
        False,
        "the error of a hidden layer l, from δ^(l+1)",
        "the sum over the units k of layer l+1 is a matrix product with the transpose of "
        "Θ^(l); φ' multiplies entry by entry (⊙)",
    ),
    Question(
        "grad_theta",
        False,
        "the gradient of one sample's cost J^(i) with respect to the weights Θ^(l)",
        "entry (j, k) is δ^(l+1)_j a^(l)_k: an outer product, a column times a row",
    ),
    Question(
        "grad_b",
        False,
        "the gradient of one sample's cost J^(i) with respect to the bias b^(l)",
        "∂z^(l)/∂b^(l) is the identity",
    ),
    Question(
        "delta_hidden",
        True,
        "the errors of hidden layer l for a batch of m samples (columns)",
        "the same as δ^(l), one column per sample: capitals Δ, Z (n_l × m)",
    ),
    Question(
        "grad_theta",
        True,
        "the gradient of J = (1/m) Σ_i J^(i) with respect to Θ^(l), over the batch (α = 0)",
        "a sum over the samples of outer products is one matrix product Δ (A)ᵀ; J averages",
    ),
    Question(
        "grad_b",
        True,
        "the gradient of J = (1/m) Σ_i J^(i) with respect to b^(l), over the batch",
        "sum the columns of Δ^(l) with the ones vector 1 (m × 1); J averages",
    ),
)


@dataclass
class Grade:
    """The grade of one attempt: right or not, what ``check`` said, and the hint."""

    right: bool
    message: str  # what check said
    hint: str = ""


def question(number):
    """Question ``number`` (1-based), or a one-line ConfigError."""
    if not 1 <= number <= len(QUESTIONS):
        raise ConfigError(f"question={number} does not exist; choose 1..{len(QUESTIONS)}")
    return QUESTIONS[number - 1]


def grade(q, answer, attempt=1, *, sizes=None, activation="tanh", seed=0):
    """Grade ``answer`` (the right side, or ``LHS = RHS``) to question ``q``; the hint grows
    with ``attempt``: the shapes, then the operation, then the answer."""
    rhs = answer.split("=", 1)[-1]  # the right side of LHS = RHS, or the whole answer
    result = check(rhs, sizes, activation, target=q.lhs, seed=seed)
    right, message = result.verdict == "correct", result.message or result.verdict
    if right and q.batched != _is_batched(rhs, result.notation):
        right, message = False, BATCH_MISMATCH[q.batched]
    if right:
        return Grade(True, "")
    hints = (q.shapes(), q.operation, f"the answer is {q.lhs} = {q.answer}")
    return Grade(False, message.splitlines()[0], hints[min(attempt, ATTEMPTS) - 1])


BATCH_MISMATCH = {
    True: "this question is over the batch: write it with Δ, A, Z (m columns)",
    False: "this question is for one sample: write it with δ, a, z (one column)",
}


def _is_batched(rhs, notation):
    """Whether ``rhs``, read in the ``notation`` that check read it in, is about the batch."""
    try:
        return any(is_batched(side) for side in parse(rhs, notation))
    except (ParseError, ConfigError):
        return False


def run(ask, say, *, sizes=None, activation="tanh", seed=0):
    """The interactive exercise: ``ask(prompt)`` returns a typed line (None at the end of
    input), ``say(text)`` prints. Returns ``(first try, with hints, shown)`` counts."""
    first = hinted = shown = 0
    for number, q in enumerate(QUESTIONS, 1):
        say(f"\nQuestion {number}/{len(QUESTIONS)}: {q.prompt}.")
        for attempt in range(1, ATTEMPTS + 1):
            typed = ask(f"{q.lhs} = ")
            if typed is None:
                return first, hinted, shown
            result = grade(q, typed, attempt, sizes=sizes, activation=activation, seed=seed)
            if result.right:
                say("right.")
                first, hinted = first + (attempt == 1), hinted + (attempt > 1)
                break
            say(f"not yet: {result.message}\n  hint: {result.hint}")
        else:
            shown += 1
    return first, hinted, shown


def summary(first, hinted, shown):
    total = len(QUESTIONS)
    return (
        f"{first} of {total} right at the first try, {hinted} with hints, {shown} shown; "
        "`deltaprop explain` prints them all with their shapes"
    )
