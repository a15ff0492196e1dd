"""``deltaprop check``: is a user's backprop equation right, and if not, where and why?

1. Parse ``LHS = RHS`` (or an expression with ``target``, the ``--for`` option).
2. Infer the shape of every subterm with symbolic widths n_l; the first undefined operation is
   reported with both operand shapes and a suggested fix that makes the whole equation right.
3. Evaluate a well-shaped equation at every layer it claims (``sizes`` or a generic network with
   distinct widths) and compare with the true value from the core's forward and backward passes.
4. For an element-wise product where a matrix product belongs, show the NumPy broadcasting trap:
   at which layers ``*`` silently gives the right numbers and where it shows.
"""

import functools
import json
import re
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from deltaprop.activations import get_activation
from deltaprop.derivation import hints, notations, render, shapes, tex
from deltaprop.derivation.hints import HINTS, REPAIRS, exp_output, factor_hint, repairs
from deltaprop.derivation.notation import (
    AxisSum,
    Bin,
    Call,
    Deriv,
    DropFirst,
    LayerIndex,
    Neg,
    Num,
    ParseError,
    Square,
    SumOver,
    Sym,
    Transpose,
    parse_expression,
    substitute,
    table_of,
    to_text,
    tokenize,
    transform,
)
from deltaprop.derivation.sample import ALPHA, RandomNetwork, check_seed, check_work
from deltaprop.errors import ConfigError
from deltaprop.losses import get_loss
from deltaprop.relerror import rel_error

GENERIC_WIDTHS = (4, 6, 5, 3, 2, 7, 8, 9, 10, 11)  # distinct and > 1: nothing agrees by accident
EXAMPLE_SIZES = (3, 5, 4, 1)  # single-output regression, where the broadcasting trap hides
TOLERANCE = 1e-8
SAME_ERROR = 1e-6  # relative errors closer than this are the same error (rounding apart)
SAMPLES = 7  # m, the columns of the random batch
CS231N_LABELS = {LayerIndex("l", 0): "D", LayerIndex("l", 1): "M", "m": "N"}  # its widths
BATCHED = {*shapes.ONE_SAMPLE, "Acc", "A+", "Acc+"}
TARGETS = {"δ", "Δ", "G", "gb", "z", "Z", "a", "A", "P", "∂z/∂z", "Acc", "φ'", "∂J/∂a", "∂J/∂A"}
TARGETS |= {"J", "G+", "Acc+", "a+", "A+", "R", "R+", "RJ", "Θ"}  # Ng's folded bias, L2; ∇_W Ω = W
TARGET_RANGES = {"a": (2, -1), "A": (2, -1), "a+": (2, -1), "A+": (2, -1)}  # hidden layers


@dataclass
class Target:
    """The quantity an equation defines: ``name`` at ``layer``, maybe transposed."""

    name: str
    layer: object
    transposed: bool
    node: object
    entry: str = ""  # written entry by entry: δ^l_j ("j"), ∂C/∂w^l_{jk} ("jk")
    term: object = None  # of an update X = X + T (node: X), the T as written


@dataclass(frozen=True)
class Context:
    """What every step of one check needs: the architecture (None: symbolic widths), φ and
    the seed of the random network that values are computed on."""

    sizes: tuple | None
    activation: str
    seed: int
    output_activation: str | None = None  # Nielsen's σ output layer, when asked
    loss: str = "squared"
    labels: tuple = ()  # cs231n's letters for the widths: ((n_l, "D"), (n_{l+1}, "M"), …)
    voice: object = None  # writes a node as the student does (a :class:`notations.Writer`)

    def symbolic(self):
        """Symbolic widths n_l; with ``sizes``, the last layer's number is L (so that
        δ^(3) = a^(3) − y is about the output layer for sizes 4,5,3)."""
        L = None if self.sizes is None else len(self.sizes)
        return shapes.SymbolicDomain(L, dict(self.labels))

    def network(self, sizes, rhs):
        """The random network and batch for ``sizes``, regularized when ``rhs`` uses α."""
        with_alpha = shapes.uses(rhs, {"α"})
        options = (self.seed, self.output_activation, self.loss)
        return random_network(sizes, self.activation, with_alpha, *options)


@dataclass
class CheckResult:
    """The verdict on one equation; ``to_text()``, ``to_json()`` and ``exit_code``."""

    equation: str
    verdict: str  # correct, wrong, defined, unparseable, unsupported
    reason: str = ""  # dimension, shape, range, value
    message: str = ""
    span: tuple | None = None
    failure: dict | None = None
    suggestion: str = ""
    corrected: str = ""
    shape: list | None = None
    rel_error: float | None = None
    layers: list = field(default_factory=list)  # [(layer, rel_error)]
    hints: list = field(default_factory=list)
    trap: list = field(default_factory=list)  # [(layer, status, detail)]
    trap_sizes: tuple = ()
    sizes: tuple | None = None
    depth: int = 0  # without sizes, the number of layers read from the equation (or 0)
    notation: str = "question"
    notes: list = field(default_factory=list)  # how the notation was read

    @property
    def exit_code(self):
        return {"correct": 0, "defined": 0, "wrong": 1}.get(self.verdict, 2)

    def to_json(self):
        out = {k: v for k, v in asdict(self).items() if k not in ("span", "trap_sizes")}
        out["notation"] = table_of(self.notation).name  # a notation file's: its name
        out["position"] = list(self.span) if self.span else None
        out["layers"] = [{"l": l, "rel_error": e} for l, e in self.layers]
        out["trap"] = [{"l": l, "status": s, "detail": d} for l, s, d in self.trap]
        return json.dumps(out, indent=2, ensure_ascii=False)

    def to_text(self):
        return render.check_text(self)

    __str__ = to_text

    def sizes_said(self):
        """The architecture, or what was assumed without one, in the student's numbering."""
        if self.sizes:
            return ",".join(map(str, self.sizes))
        if self.depth:
            L = notations.binding_said({"L": self.depth}, self.notation)
            return f"symbolic widths, {L} (read from the layers the equation names)"
        return "symbolic (n_1, …, n_L)"


def check(
    equation,
    sizes=None,
    activation=None,
    target=None,
    seed=0,
    notation=None,
    output_activation=None,
    loss="squared",
    bias=None,
    define=(),
):
    """Check ``equation`` (LaTeX, plain text or Unicode) against the true backprop values: a
    :class:`CheckResult` whose ``verdict`` is ``correct``, ``wrong`` (dimension or value),
    ``defined`` (no target given and the shapes agree), ``unparseable`` or ``unsupported``.

    Parameters
    ----------
    equation : str
        ``LHS = RHS`` such as ``\\delta^{(L-1)} = ...`` or ``dJ/dTheta[l] = ...``; or only
        the right side when ``target`` names the quantity.
    sizes : sequence of int, optional
        The architecture; without it the shapes are symbolic (n_l) and the values are
        checked on a generic network with distinct widths.
    activation : str, optional
        φ of the hidden layers; when None, the one the equation names (``sigmoid(z2)``,
        ``sigmoidGradient``, ``tanh_derivative``, ``relu``), else tanh.
    target : str, optional
        The quantity the expression is for, e.g. ``"delta^(L-1)"`` (the ``--for`` option).
    seed : int
        Seed of the random network the values are checked on.
    notation : str, optional
        The notation ``equation`` is written in (``tables.NOTATIONS``); detected when None.
    output_activation : str, optional
        Judge for a network whose output layer applies this activation (Nielsen's σ);
        by default the output is linear, as in the question.
    loss : str
        The loss the values are judged for (``explain --loss``); ℓ in an equation is it.
    bias : {"separate", "folded"}, optional
        How Θ^(l) holds the bias: ``separate`` (the question's b^(l)) or ``folded`` (Ng's
        course and ex4: a first column of Θ^(l), a bias unit on top of a^(l)). When None,
        Ng's notation is judged in both readings and accepted when one checks correct.
    define : sequence of str
        Names of the user's own, ``"W^{[l]}=Theta^(l)"``: a name with an optional layer and
        the question's quantity it stands for (``notations.define``).
    """
    named, notation = notation, notation or notations.detect(equation, define)
    statements = tex.statements(equation)
    if len(statements) > 1:  # dZ2 = (A2 - Y) / m; dW2 = …: each judged, the first wrong told
        statements = _with_local_names(statements, notation)
        options = (target, seed, notation, output_activation, loss, bias, define)
        results = [check(one.strip(), sizes, activation, *options) for one in statements]
        return next((r for r in results if r.verdict != "correct"), results[-1])
    equation = statements[0] if statements else equation
    sizes = None if sizes is None else check_work(sizes)
    output = None if output_activation is None else get_activation(output_activation).name
    phi = get_activation(activation or "tanh").name
    context = Context(sizes, phi, check_seed(seed), output, loss)
    if output is not None and get_loss(loss).name != "squared":
        raise ConfigError(f"--output-activation is judged with the squared loss, not {loss}")
    notations.check_bias(bias)
    result = _reading(equation, sizes, notation, output)
    if CLASSIFICATION.search(equation):
        result.verdict, result.message = "unsupported", CLASSIFICATION_NOTE
        return result
    depth = notations.depth(equation, result.notation)  # d2l's layers without --sizes
    if sizes is None and depth:
        context, result.depth = replace(context, sizes=GENERIC_WIDTHS[:depth]), depth
    table = notations.define(result.notation, define)
    result.notes += [f"defined: {text}" for text in define]
    try:  # g'(z), g_prime(z), \sigma^\prime are φ' (the same length: carets stay in place)
        lhs, sides = _sides(tex.primes_as_phi(equation), target, table)
    except (ParseError, shapes.SymbolError) as err:
        caret = f"\n{err.caret()}" if isinstance(err, ParseError) else ""
        message = _advised(equation, err, result.notation, table)
        result.verdict, result.message = "unparseable", f"{message}{caret}"
        return result
    nodes = [n for side in (lhs, *sides) if side is not None for n in shapes.walk(side)]
    words = notations.student_words(equation, nodes, result.notation, context.activation)
    if activation is None and words["named"]:  # sigmoidGradient: a sigmoid network
        context = replace(context, activation=words["named"])
    context = replace(context, voice=notations.Writer(equation, table, words))
    judged = _verdict(context, result, lhs, sides, bias, notations.layout(equation))
    if context.activation != phi:
        judged.notes.append(NAMED_NOTE.format(named=context.activation))
    if words["named"] not in ("", context.activation):  # sigmoid for tanh
        judged = _other_activation(judged, words["named"], context.activation)
    if judged.verdict == "unsupported":
        judged.message = _advised(equation, judged.message, judged.notation)
    if judged.verdict == "wrong" and isinstance(named, str):
        judged.hints += _elsewhere(equation, sizes, activation, named, define)
    return judged


def _elsewhere(equation, sizes, activation, notation, define):
    """Where ``equation``, wrong in the ``notation`` named, is written in the symbols of
    another that it checks correct in (deeplearning.ai's z^{[l]} named the question's): the
    advice to name that one."""
    other = notations.detect(equation, define)
    if (
        other == notation
        or check(equation, sizes, activation, notation=other, define=define).verdict != "correct"
    ):
        return []
    return [f"it checks correct in {notations.title(other)}: try --notation {other}"]


NAMED_NOTE = "judged for a network whose φ is {named}, the function the equation names"
ACTIVATION_NOTE = (
    "{named} is not this network's activation: φ is {phi} here (--activation {phi}); name "
    "the network's φ, or check the equation with --activation {named}"
)


def _other_activation(result, named, phi):
    """``result`` of an equation that names an activation, ``named``, other than the
    network's ``phi``: it is read as φ, so it is never correct, and the hints say so first."""
    note = ACTIVATION_NOTE.format(named=named, phi=phi)
    if result.verdict == "correct":
        result.verdict, result.reason, result.message = "wrong", "value", note
    else:
        result.hints.insert(0, note)
    return result


CLASSIFICATION = re.compile(  # softmax; binary cross-entropy's −y/a + (1 − y)/(1 − a)
    r"\bprobs\b|softmax|exp_scores|cross.?entropy|np\.divide\(\s*(?:1\s*-\s*)?Y\b"
    r"|\(\s*1\s*-\s*y\s*\)\s*/|\\frac\s*\{\s*1\s*-\s*y\s*\}",
    re.I,
)
CLASSIFICATION_NOTE = (
    "this is the gradient of a classification loss (softmax, cross-entropy): deltaprop judges "
    "networks for regression, with the squared (default), huber or poisson loss"
)


def _with_local_names(statements, notation):
    """``statements`` less those that name a value for the ones after them: a local name
    (:func:`notations.local_name`: s = 1/(1+np.exp(-Z)); dZ = dA * s * (1-s)), the number of
    samples (m = X.shape[1]), or one assigned again (ex4's delta2 = … .* [1;
    sigmoidGradient(z2)]; delta2 = delta2(2:end), an update dscores /= N) is put in the later
    right sides, in parentheses (:func:`notations.with_local`)."""
    kept, statements = [], [tex.updated(one) for one in statements]
    for i, statement in enumerate(statements):
        lhs, value = (part.strip() for part in statement.partition("=")[::2])
        later = statements[i + 1 :]
        again = lhs.isidentifier() and any(re.match(rf"\s*{lhs}\s*=", one) for one in later)
        name = lhs if again or _samples(lhs, notation) else notations.local_name(lhs, notation)
        if not later or name is None:  # kept as it is
            kept.append(statement)
            continue
        for j, one in enumerate(later, i + 1):
            left, mark, right = one.partition("=")
            statements[j] = left + mark + notations.with_local(right, name, value)
            if left.strip() == name:  # assigned again: the ones after it see the new value
                break
    return kept


def _samples(name, notation):
    """Whether ``name`` is the number of samples m (``m = X.shape[1]``, cs231n's ``N``): a
    value given for the statements after it."""
    read = notations.parsed(name, notation) or [None, None]
    return len(read) == 1 and isinstance(read[0], Sym) and read[0].name == "m"


SQUARE_NOTE = (
    "(v)² of a vector is read element-wise here, v ⊙ v (as in tanh' = 1 − (a^(l))²), the "
    "reading that checks correct; read as ‖v‖² = vᵀv the equation is wrong"
)


def _hadamard_square(node):
    if isinstance(node, Square):
        arg = transform(node.arg, _hadamard_square)
        return Bin(node.span, "⊙", arg, arg, "²")
    return None


def _verdict(context, result, lhs, sides, bias, layout):
    """``result`` with the verdict on ``lhs = sides``: cs231n's widths named by its letters,
    an Octave step recognized, else the first reading of the bias (and, for Octave names in
    ``layout``, of the samples) that checks correct, or the first that names the mistake. A
    square of a vector is read as ‖v‖², then element-wise (v ⊙ v) where that checks correct."""
    if table_of(result.notation).local:
        context = replace(context, labels=tuple(CS231N_LABELS.items()))
    step = notations.bias_step(lhs, sides, context.voice)
    if step is not None:
        result.verdict, result.reason = ("correct", "") if step[0] else ("wrong", "step")
        result.message = step[1]
        return result
    squared = [transform(side, _hadamard_square) for side in sides]
    attempts = []
    for read in (sides, squared) if squared != sides else (sides,):
        for reading in notations.bias_readings(result.notation, bias, [lhs, *sides], layout):
            fresh = replace(result, notes=list(result.notes), hints=[], layers=[], trap=[])
            attempt = _judge(context, fresh, lhs, read, reading)
            if attempt.verdict == "correct":
                attempt.notes += [SQUARE_NOTE] if read is squared else []
                return attempt
            attempts += [attempt] if read is sides else []
    unnamed = "off by a constant factor"
    named = [a for a in attempts if a.reason == "value" and a.hints and unnamed not in a.hints[-1]]
    return (named or attempts)[0]  # the first reading in which the mistake has a name


def _judge(context, result, lhs, sides, reading):
    """``result`` filled with the verdict on ``lhs = sides`` in one reading of the bias."""
    if reading != "separate":
        L = None if context.sizes is None else len(context.sizes)
        read = notations.fold if reading == "folded" else notations.rows
        kept = reading == "folded" and notations.before_bias_unit(lhs, sides)
        lhs, sides = lhs if kept else read(lhs, L), [read(side, L) for side in sides]
        result.notes.append(notations.FOLDED_NOTE)
        if reading == "rows":
            result.notes.append(notations.ROWS_NOTE)
    one = lhs is not None and len(sides) == 1
    if one and _change(lhs):  # Δw_{ji} = η δ_j x_i: the step w_{ji} = w_{ji} + η δ_j x_i
        lhs, sides = lhs.right, [Bin(lhs.span, "+", lhs.right, sides[0], "+")]
    update = _update(lhs, sides[0], context.voice.table) if one else None
    written = lhs, sides[0].right if update is not None else None  # X and T of X = X + T
    if update is not None:
        lhs, sides = update[0], [update[1]]
        result.notes.append(update[2])
    try:
        goal = _target(lhs) if lhs is not None else None
        if update is not None:  # said as the student's X, fixed in their T
            goal = replace(goal, node=written[0], term=written[1])
        for rhs in sides:
            _check_side(context, result, goal, rhs)
            if result.verdict != "correct":
                break
    except shapes.SymbolError as err:
        wrong = isinstance(err, shapes.RangeError)
        result.verdict, result.reason = ("wrong", "range") if wrong else ("unsupported", "")
        result.message = notations.range_said(err, context.voice) if wrong else str(err)
        result.span = err.node.span
    return result


def _reading(equation, sizes, notation, output):
    """The result to fill, with the notation the equation is read in and how it translates."""
    notation = notations.check_notation(notation)
    result = CheckResult(equation, "correct", sizes=sizes, notation=notation)
    note = notations.local_names(table_of(notation), equation).note
    result.notes = [note] if note else []
    if output is not None:
        result.notes.append(
            f"judged for a network whose output layer applies φ = {output}, a^(L) = φ(z^(L)) "
            "(the question's output layer is linear: there δ^(L) has no φ'(z^(L)))"
        )
    return result


ACCUMULATION_NOTE = (
    "an accumulation X := X + T over the samples: T is checked against one sample's ∂J^(i)/∂Θ^(l)"
)
REGULARIZATION_NOTE = (
    "an update {1} := {1} + T with the L2 term: T is checked against {0}, which leaves the biases "
    "alone"
)
DESCENT_NOTE = "a gradient step X := X − η T: T is checked against ∂{}/∂X (η the learning rate)"
RATES = {"η", "α"}  # a learning rate, in a gradient step (Ng's α)
ACCUMULATORS = ("Acc", "G", "Acc+", "G+")
REGULARIZED = {"G": "R", "Acc": "R", "G+": "R+", "Acc+": "R+", "J": "RJ"}


def _own_cost(table):
    """``(name, factor)`` of the cost a notation names as a multiple of J (Hagan's F = 2 J:
    ("F", 2.0)), else ("J", 1.0)."""
    own = [(n, m.scale) for n, m in table.symbols.items() if m.core == "J"]
    return next(((n, float(k)) for n, k in own if re.fullmatch(r"-?\d+(?:\.\d+)?", k)), ("J", 1.0))


def _unit_rate(node, table):
    """The rate of a gradient step read as 1 over the factor of the notation's own cost (½ for
    Hagan's F = 2J: his step is ∂F/∂X), and over m when the cost sums over the samples; None
    for a node that is no rate."""
    if not (isinstance(node, Sym) and node.name in RATES):
        return None
    one = Num(node.span, 1 / _own_cost(table)[1])
    return one if table.cost == "mean" else Bin(node.span, "/", one, Sym(node.span, "m"), "/")


def _change(lhs):
    """Whether ``lhs`` is the change of a weight or a bias, Δ written against it (Mitchell's
    and Duda, Hart and Stork's Δw_{ji}, Haykin's Δw_{ji}(n)): a step of gradient descent."""
    left, right = (lhs.left, lhs.right) if isinstance(lhs, Bin) and lhs.op == "@" else (0, 0)
    change = isinstance(left, Sym) and left.name == "Δ" and left.layer is None
    return change and isinstance(right, Sym) and right.name in ("Θ", "b")


def _update(lhs, rhs, table):
    """``(target, T, note)`` when ``lhs = lhs + T``: an accumulation (Ng's Δ^(l) := Δ^(l) +
    δ^(l+1) (a^(l))ᵀ, Octave's Theta1_grad = Theta1_grad + delta2 * a1') whose T is one
    sample's gradient, or the L2 update (``Theta1_grad(:,2:end) = Theta1_grad(:,2:end) +
    (lambda/m) * Theta1(:,2:end)``, cs231n's ``dW += reg * W`` of the transposes) whose T is
    (α/m) Θ^(l), or ex4's ``J = J + lambda/(2*m) * …`` whose T is the cost's L2 term (α/2m)
    Σ_l ‖Θ^(l)‖²_F, or a gradient step ``W1 = W1 - learning_rate * dW1`` of the cost of the
    notation ``table`` (:func:`_unit_rate`: 1/m of the step where it sums over the samples, as
    Britz's does); else None."""
    if not (isinstance(rhs, Bin) and rhs.op in "+-" and to_text(rhs.left) == to_text(lhs)):
        return None
    transposed = isinstance(lhs, Transpose)  # Britz's rows: W1 += -epsilon * dW1
    written = lhs.arg if transposed else lhs
    if isinstance(written, Sym) and written.name in ("Θ", "b") and shapes.uses(rhs.right, RATES):
        gradient = replace(written, name="G" if written.name == "Θ" else "gb")
        step = transform(rhs.right, lambda n: _unit_rate(n, table))
        step = step if rhs.op == "-" else Neg(step.span, step)
        note = DESCENT_NOTE.format(_own_cost(table)[0])
        return (Transpose(lhs.span, gradient) if transposed else gradient), step, note
    if rhs.op == "-":
        return None
    columns = isinstance(written, DropFirst) and written.axis == 1  # the weights of Ng's Θ
    inner = written.arg if columns else written
    layered = isinstance(inner, Sym) and inner.name in ACCUMULATORS and inner.layer is not None
    if not (layered or (isinstance(inner, Sym) and inner.name == "J")):  # or the cost J
        return None
    name = inner.name.removesuffix("+") if columns else inner.name
    if shapes.uses(rhs.right, {"α"}):
        term = replace(inner, name=REGULARIZED[name])
        note = REGULARIZATION_NOTE.format(shapes.meaning(term.name), "X" if layered else "J")
        return (Transpose(lhs.span, term) if transposed else term), rhs.right, note
    if columns or transposed or not layered:
        return None
    return replace(inner, name="G+" if name.endswith("+") else "G"), rhs.right, ACCUMULATION_NOTE


def _sides(equation, target, notation="question"):
    sides = notations.read(equation, notation)
    if target is not None:
        if len(sides) > 1:
            raise ConfigError("give the quantity either as 'LHS = RHS' or with --for, not both")
        return parse_expression(target), sides
    if len(sides) == 1:
        return None, sides
    return sides[0], sides[1:]


INPUTS = {"x": "a", "X": "A"}


def _target(node):
    transposed = isinstance(node, Transpose)
    found = shapes.quantity(node.arg if transposed else node)
    if hints.is_call(node, "φ'", ("z",)):  # φ'(z^(l)), as Ng's g'(z^(l)) = a^(l) .* (1 − a^(l))
        found = ("φ'", node.arg.layer)
    if found and found[0] in INPUTS:  # the input x = a^(1)
        found = (INPUTS[found[0]], LayerIndex("", 1))
    if found is None or found[0] not in TARGETS:
        raise shapes.SymbolError(
            node,
            f"cannot tell which quantity {to_text(node)} is: write δ^(l), ∂J/∂Θ^(l), "
            "∂J/∂b^(l), z^(l), a^(l), P_l or J on the left, or use --for",
        )
    if found[1] is None and found[0] in shapes.RANGES:  # delta in d2l, which has no δ^(l)
        raise shapes.SymbolError(node, f"{to_text(node)} needs a layer index, e.g. ^(l)")
    written = node.den if isinstance(node, Deriv) else node
    return Target(found[0], found[1], transposed, node, getattr(written, "entry", ""))


# ---------------------------------------------------------------- one side


def _check_side(context, result, goal, rhs):
    """The verdict on ``goal = rhs``: its shapes, then its value at every layer it claims
    (entry by entry when it is written so: Nielsen's BP3, BP4, the sum form of BP2)."""
    entries = goal is not None and (goal.entry or shapes.has_entries(rhs))
    if not entries:
        term = _symbolic_term(context, goal, rhs)
        if not isinstance(term, shapes.Term):
            _report_shape_failure(context, result, term, goal, rhs)
            return
        result.shape = shapes.shape_json(term.shape)
        if goal is None:
            result.verdict = "defined"
            result.message = f"defined, of shape {shapes.shape_text(term.shape)}"
            return
    layers = _evaluate_layers(context, goal, rhs)
    result.layers = [(l, err) for l, err, _ in layers]
    result.rel_error = max(err for _, err, _ in layers)
    if result.rel_error > TOLERANCE:
        result.verdict, result.reason = "wrong", "value"
        worst = _worst_layer(layers)
        name = None if _about_every_layer(goal.node, rhs) else goal.name
        result.message = value_message(layers, name, result.notation, result.equation, worst)
    if entries and any(v is None or np.shape(v) != np.shape(t) for _, _, (v, t) in layers):
        result.reason, result.message = "dimension", _entry_misfit(goal, rhs, context.voice)
    elif result.verdict == "wrong":
        result.hints = _value_hints(context, goal, rhs, worst, result.notation)


def _entry_misfit(goal, rhs, voice):
    """Why the entries of ``goal = rhs`` do not fit, in the student's symbols: an index that
    runs over the units of two different layers, else the indices of the two sides differ."""
    widths = {}  # index → {the width it runs over: the first symbol that says so}
    for n in shapes.walk(rhs):
        if isinstance(n, Sym) and n.entry and n.layer is not None:
            shape = shapes.symbol_shape(n.name, n.layer, shapes.SymbolicDomain())
            for index, width in zip(n.entry, shape, strict=False):
                widths.setdefault(index, {}).setdefault(str(width), n)
    clash = [(i, list(by.values())) for i, by in widths.items() if len(by) > 1]
    if clash:
        index, (first, second) = clash[0][0], clash[0][1][:2]
        said = f"{index} runs over the units of two different layers, in {voice.source(first)}"
        return f"{ENTRY_MISFIT}{said} and in {voice.source(second)}"
    summed = {n.index for n in shapes.walk(rhs) if isinstance(n, SumOver)}
    free, written = ", ".join(sorted(set(widths) - summed)), ", ".join(goal.entry)
    sides = f"{voice.source(goal.node)} has {written}, {voice.source(rhs)} has {free}"
    return f"{ENTRY_MISFIT}the two sides have different indices: {sides}"


ENTRY_MISFIT = "the entry indices do not fit: "


def generic_sizes(*nodes):
    """Widths for checking values without ``sizes``: 5 layers, or more when ``nodes`` name an
    absolute layer such as Θ^(6)."""
    layered = [n for node in nodes for n in shapes.walk(node) if isinstance(n, Sym) and n.layer]
    absolute = [n.layer.offset for n in layered if not n.layer.base]
    return GENERIC_WIDTHS[: max(5, max(absolute, default=0) + 2)]


def _symbolic_term(context, goal, rhs):
    """The symbolic Term of ``rhs``, or its failure: the first undefined operation (a
    ShapeError) or a mismatch with the shape of the target. A 1 × 1 matrix is a scalar."""
    domain = context.symbolic()
    try:
        term = shapes.evaluate(rhs, domain)
    except shapes.ShapeError as err:
        return err
    if goal is None:
        return term
    want = shapes.symbol_shape(goal.name, goal.layer, domain)
    want = want[::-1] if goal.transposed and want is not None else want
    return _Mismatch(goal, term, want) if _scalar(term.shape) != _scalar(want) else term


def _scalar(shape):
    return None if shape == (1, 1) else shape


@dataclass
class _Mismatch:
    goal: Target
    term: object
    want: tuple | None  # the target's shape

    def describe(self, write=to_text):
        want, have = shapes.shape_text(self.want), shapes.shape_text(self.term.shape)
        return f"the right side is ({have}) but {write(self.goal.node)} is ({want})"


def _report_shape_failure(context, result, failure, goal, rhs):
    result.verdict = "wrong"
    result.reason = "shape" if isinstance(failure, _Mismatch) else "dimension"
    write, table = context.voice, table_of(result.notation)
    result.message = widths(failure.describe(write), write.table)
    node = failure.term.node if isinstance(failure, _Mismatch) else failure.node
    result.span = node.span
    if isinstance(failure, shapes.ShapeError):
        result.failure = _failure_json(failure, write)
        if context.sizes is not None:
            result.failure["concrete"] = _concrete_failure(goal, rhs, context.sizes, write)
    fix = None if goal is None else _best_fix(context, goal, rhs, node)
    if fix is not None:  # only a rewrite that checks correct
        local, whole = fix if goal.term is None else (_as_written(write, goal.term, n) for n in fix)
        result.suggestion = write(local)
        result.corrected = f"{write(goal.node)} = {write(whole)}"
        if goal.term is not None:  # the student's update X = X + T, as written, T fixed
            (start, end), last = goal.term.span, len(write.equation)
            before, after = (replace(goal.node, span=s) for s in ((0, start), (end, last)))
            said = f"{write.source(before)}{write(whole)}{write.source(after)}"
            result.corrected = said.strip().rstrip(";")
        question = f"{notations.core_text(goal.node)} = {notations.core_text(whole)}"
        if result.corrected != question and not table.local and goal.term is None:
            result.notes.append(f"corrected, in the question's notation: {question}")
        if table.index_note and _layers(whole, {"Θ"}) != _layers(rhs, {"Θ"}):
            result.hints.append(table.index_note)
        if _drops(whole) > _drops(rhs):
            result.hints.append(_bias_not_dropped(context.voice, goal, rhs))
        result.hints += _sum_hints(whole, rhs, result.notation)
        if table.first == 0 and _layers(whole) != _layers(rhs):
            result.hints.append(_layer_zero(context.voice))
    elementwise = isinstance(node, Bin) and node.op in ("⊙", "*")
    if elementwise and goal is not None and not table.local:
        sizes = context.sizes or EXAMPLE_SIZES
        trap = _trap(context, goal, rhs, sizes)
        if any(status == "hides" for _, status, _ in trap):  # only where NumPy hides it
            result.trap_sizes, result.trap = sizes, trap


def _as_written(write, term, node):
    """``node``, of the T of an update ``X = X + T`` as judged, with T's rate (read as 1, or
    1/m) and sign (of X += −η T) given back as the student wrote them."""
    rates = {n.span: n for n in shapes.walk(term) if isinstance(n, Sym) and n.name in RATES}

    def written(n):
        if n.span in rates:
            return Sym(n.span, write.source(rates[n.span]))
        return transform(n.arg, written) if isinstance(n, Neg) and n.span == term.span else None

    return transform(node, written)


def _bias_not_dropped(voice, goal, rhs):
    """The hint for Ng's folded Θ used whole in a backward step, with the student's names."""
    weights = [n for n in shapes.walk(rhs) if isinstance(n, Sym) and n.name == "Θ+"]
    theta = voice.source(weights[0]) if weights else "Θ"
    return HINTS["bias not dropped"].format(theta=theta, goal=voice.source(goal.node))


def _layer_zero(voice):
    """The hint for layers one off where layer 0 is the input, in the student's letters
    (in LaTeX, also for NumPy names: W^{[l]}, not W1): the batch's capitals where the
    notation has them (A^{[l-1]}), else one sample's (Goodfellow's h^{(k-1)}); transposed
    where a sample is a row (d2l's W^{(l)} is (Θ^(l))ᵀ), the layer's activation for a
    pre-activation the notation does not name (d2l's H^{(l)})."""
    latex, l = replace(voice, equation="\\"), LayerIndex("l", 0)

    def said(name, layer):  # (as the student writes it, whether the notation names it)
        node = Sym(None, name, layer)
        node = Transpose(None, node) if latex.table.rows else node
        return latex(node), latex(node) != to_text(node)

    a, z, x = ("A", "Z", "X") if said("A", l)[1] else ("a", "z", "x")
    z = z if said(z, l.shift(1))[1] else a
    nodes = {"theta": ("Θ", l), "a": (a, l), "z": (z, l.shift(1)), "a0": (a, LayerIndex("", 1))}
    words = {key: said(name, layer)[0] for key, (name, layer) in nodes.items()}
    return HINTS["layer zero"].format(title=notations.title(voice.notation), x=x, **words)


def _advised(equation, error, notation, table=None):
    """What to say when ``equation`` cannot be read in ``notation`` (``table`` with the user's
    own names) for ``error`` (a message, or a ParseError): the notation's own advice in place
    of the core's words (Goodfellow's g reads as a δ he does not have), after a parse error's;
    else ``error`` with the notations it reads in, or with how to name each unknown symbol
    with --define."""
    message, said = str(error), notations.advice(equation, notation)
    if said:
        return f"{message}\n  {said}" if isinstance(error, ParseError) else said
    unknown = _unknown(error, table or notation)
    names = ", ".join(f"'{name}'" for name in unknown)
    fits = notations.fitting(equation, notation)
    if fits:
        choices = " or ".join(f"--notation {name} ({notations.title(name)})" for name in fits[:3])
        said = f"{names}: it" if names else "it"
        return f"{message}\n  {said} reads in another notation: try {choices}"
    if not unknown and "cannot tell which quantity" not in message:
        return message
    name, written = unknown[0] if unknown else equation.split("=")[0].strip(), ""
    if isinstance(error, ParseError):  # s^m: the layer as the student writes it
        written = re.match(rf"{re.escape(name)}(\^(?:\{{[^{{}}]*\}}|\w))?", error.text[error.pos :])
        written = written and written.group(1)
    return message + (
        f"\n  {names or repr(name)} {'are symbols' if len(unknown) > 1 else 'is a symbol'} of no "
        f"notation deltaprop knows: name what each stands for, e.g. --define "
        f"'{name}{written or '^{(l)}'}=a^(l)' (a quantity), --define '{name}=J', "
        f"--define 'f=phi' (a function) or "
        f"--define 'M=L' (a layer letter), or pick a notation with --notation "
        f"({', '.join(notations.NOTATIONS)})"
    )


UNKNOWN = re.compile(  # a word, \dot{F}, a name of code (Trask's weights_1_2, relu2deriv), not
    r"\\[A-Za-z]+(?:\{\w+\})?|[A-Za-z][A-Za-z\d]*(?:_(?:\d+|[A-Za-z]{2,})[A-Za-z\d]*)*"
)  # TeX's subscript of one letter: o of o_j


def _unknown(error, notation):
    """The names that ``notation`` does not know in the text of a ParseError ``error`` of an
    unknown symbol or LaTeX command, in order (at most 5)."""
    text, names = getattr(error, "text", ""), []
    while isinstance(error, ParseError) and str(error).startswith("unknown") and len(names) < 5:
        name = UNKNOWN.match(text, error.pos)
        if name is None:
            break
        names += [name.group()] if name.group() not in names else []
        text = text[: error.pos] + " " * len(name.group()) + text[name.end() :]
        try:
            error = tokenize(text, notation)
        except ParseError as err:
            error = err
    return names


WIDTH = re.compile(r"n_(\{[^{}]+\}|\w)")


def widths(message, notation):
    """``message`` with the widths n_l numbered as ``notation`` (a name, or a Writer's table:
    the student's letter, n_k) numbers its layers (deeplearning.ai's n^{[l−1]} for the
    question's n_l, where layer 0 is the input)."""

    def width(match):
        layer = layer_index(match.group(1).strip("{}"))
        return match.group() if layer is None else notations.width(layer, notation)

    return WIDTH.sub(width, message)


def layer_index(text):
    """The layer of ``L−1``, ``l+1``, ``k`` (read as l) or ``3``; None for anything else."""
    match = re.fullmatch(r"([lLk]?)([+−-]?\d+)?", text.replace(" ", ""))
    if match is None or not any(match.groups()):
        return None
    base = "l" if match.group(1) == "k" else match.group(1)
    return LayerIndex(base, int((match.group(2) or "0").replace("−", "-")))


def _sum_hints(whole, rhs, notation):
    """keepdims=True forgotten, or the axis of a sum flipped, in the fix of ``rhs``; for
    cs231n, else the shapes of its gradients."""
    fixed, written = ([n for n in shapes.walk(t) if isinstance(n, AxisSum)] for t in (whole, rhs))
    kept = (
        [HINTS["keepdims"]] if [n.keepdims for n in fixed] != [n.keepdims for n in written] else []
    )
    flipped = [n.axis for n in fixed] != [n.axis for n in written]
    if table_of(notation).local:
        return [*kept, HINTS["cs231n axis"] if flipped else HINTS["cs231n shapes"]]
    if kept or not flipped:
        return kept
    rows = table_of(notation).rows
    return [HINTS["axis"].format("rows" if rows else "columns", 0 if rows else 1)]


def _layers(node, names=None):
    """The symbols of ``node`` with a layer (those named one of ``names``) as sorted texts."""
    layered = [n for n in shapes.walk(node) if isinstance(n, Sym) and n.layer is not None]
    return sorted(to_text(n) for n in layered if names is None or n.name in names)


def _drops(node):
    return sum(isinstance(n, DropFirst) for n in shapes.walk(node))


def _failure_json(err, write):
    out = {"operation": shapes.op_symbol(err.node), "written": getattr(err.node, "written", "")}
    for side, term in (("left", err.left), ("right", err.right)):
        out[side] = None if term is None else write(term.node)
        out[f"{side}_shape"] = None if term is None else shapes.shape_json(term.shape)
    return out | {"rule": err.rule}


def _concrete_failure(goal, rhs, sizes, write):
    """The first layer of ``sizes`` where the operation is undefined, with numbers."""
    quantity = None if goal is None else (goal.name, goal.layer)
    for binding in claimed_bindings(quantity, goal and goal.node, rhs, sizes, write.table.first):
        try:
            shapes.evaluate(rhs, shapes.ConcreteDomain(sizes, binding, m=1))
        except shapes.ShapeError as err:
            return {"binding": binding, "message": err.describe(write)}
        except shapes.RangeError:
            continue
    return None


# ---------------------------------------------------------------- values


def claimed_bindings(quantity, left, rhs, sizes, first=1):
    """The layer bindings of ``sizes`` that ``left = rhs``, an equation about ``quantity``
    (the ``(name, layer)`` on its left, or None), claims (:func:`_claims`), l from the
    notation's ``first`` layer (0 where the input is layer 0: deeplearning.ai's A^{[l+1]} at
    l = 0 is the first hidden layer); only L when the equation is about absolute layers. A
    RangeError when no layer of ``sizes`` is claimed."""
    L = len(sizes)
    if not _about_every_layer(left, rhs):
        return [{"L": L}]
    bindings = [{"L": L, "l": k} for k in range(first, L + 1)]
    claimed = [b for b in bindings if _claims(*(quantity or (None, None)), rhs, b)]
    if not claimed:
        node, sizes_text = left if left is not None else rhs, ",".join(map(str, sizes))
        raise shapes.RangeError(node, f"no layer of sizes {sizes_text} has {to_text(node)}")
    return claimed


def _about_every_layer(*nodes):
    """Whether an equation of ``nodes`` is about every layer l (else about absolute layers)."""
    return "l" in set().union(*(shapes.layer_bases(n) for n in nodes if n is not None))


def _claims(name, layer, rhs, binding):
    """Whether quantity ``name`` at ``layer`` = ``rhs`` is claimed at ``binding`` (l a layer
    of the network): the quantity exists there (a^(l) at the hidden layers only), and the
    step does not go through the activation of the output layer, which is linear: φ(z^(l))
    or φ'(z^(l)) at l = L, the step ``dZ = dA * g'(Z)`` to δ^(L) (∂J/∂a of its own layer)
    or the bias's gradient that equals it."""
    L, k = binding["L"], _at(layer, binding)
    lo, hi = TARGET_RANGES.get(name, shapes.RANGES.get(name, (1, 0)))
    calls = [n.arg for n in shapes.walk(rhs) if isinstance(n, Call) and n.func in ("φ", "φ'")]
    errors = [shapes.quantity(n) for n in shapes.walk(rhs) if isinstance(n, Sym | Deriv)]
    through = name in ("δ", "Δ", "gb") and (
        ("∂J/∂a", layer) in errors or ("∂J/∂A", layer) in errors
    )
    output = any(_at(getattr(arg, "layer", None), binding) == L for arg in calls)
    return (k is None or lo <= k <= L + hi) and not (output or (through and k == L))


def _at(layer, binding):
    """The number of ``layer`` at ``binding`` when it is one of the layer variable l, else
    None."""
    return layer.bind(binding) if layer is not None and layer.base == "l" else None


def layer_rows(bindings, at):
    """``[at(binding)]`` at each of ``bindings`` where every symbol exists; the first
    RangeError when they exist at none, any other failure as it is raised."""
    rows, missing = [], None
    for binding in bindings:
        try:
            rows.append(at(binding))
        except shapes.RangeError as err:
            missing = missing or err
    if not rows and missing is not None:
        raise missing
    return rows


def _evaluate_layers(context, goal, rhs, evaluate_at=None, sizes=None):
    """``[evaluate_at(goal, rhs, network, binding)]`` at every claimed binding of ``sizes``
    (or the context's, or distinct widths that hold every layer ``rhs`` names)
    (:func:`layer_rows`), by default ``(layer, rel_error, (value, truth))``
    (:func:`_evaluate_at`)."""
    sizes, at = sizes or context.sizes or generic_sizes(rhs), evaluate_at or _evaluate_at
    network = context.network(sizes, rhs)
    first = context.voice.table.first if context.voice else 1
    bindings = claimed_bindings((goal.name, goal.layer), goal.node, rhs, sizes, first)
    return layer_rows(bindings, lambda binding: at(goal, rhs, network, binding))


@functools.lru_cache(maxsize=16)
def random_network(sizes, activation, with_alpha, seed, output_activation=None, loss=None):
    """The random network and batch that values are checked on (α when ``with_alpha``)."""
    alpha = ALPHA if with_alpha else 0.0
    return RandomNetwork(sizes, activation, SAMPLES, alpha, seed, output_activation, loss)


def is_batched(node):
    """Whether ``node`` is about the batch: capitals (A, Z, Δ, X, Y) or a sum over samples."""
    return any(
        (isinstance(n, Sym) and n.name in BATCHED) or (isinstance(n, SumOver) and n.index == "i")
        for n in shapes.walk(node)
    )


def _evaluate_at(goal, rhs, network, binding):
    """``(layer, rel_error, (value, truth))`` of ``goal = rhs`` at ``binding``; entry by entry
    where it is written so, the value's indices in the target's order (an error of inf where
    the indices do not fit)."""
    domain = shapes.ConcreteDomain(network.sizes, binding, m=network.m, sample=network)
    k = None if goal.layer is None else goal.layer.bind(binding)
    layer, entries = binding.get("l", k), goal.entry or shapes.has_entries(rhs)
    try:
        value, indices = shapes.evaluate_entries(rhs, domain) if entries else (None, "")
    except ValueError:  # an index paired with units of another layer, or added to another
        return layer, float("inf"), (None, None)
    if not entries:
        value = np.asarray(shapes.evaluate(rhs, domain).value, dtype=float)
    if k is not None:
        domain.check_range(goal.name, goal.layer, goal.node)
    truth = np.asarray(network.truth(goal.name, k, is_batched(rhs)), dtype=float)
    truth = truth.T if goal.transposed else truth
    if entries and len(goal.entry) == 1 and truth.ndim == 2:
        truth = truth[:, 0]
    if sorted(indices) != sorted(goal.entry):
        return layer, float("inf"), (None, truth)
    value, truth = scalars(value, truth)
    value = np.einsum(f"{indices}->{goal.entry}", value) if indices else value
    return layer, rel_error(value, truth), (value, truth)


def scalars(value, truth):
    """``value`` and ``truth`` (arrays), a 1 × 1 matrix as the scalar it is on either side:
    ½ (a − y)ᵀ (a − y) is J, dJ is δᵀ dz."""
    if value.size == truth.size == 1 and min(value.ndim, truth.ndim) == 0:
        return value.reshape(()), truth.reshape(())
    return value, truth


def _worst_layer(layers):
    """The first layer whose error is as large as the largest, to ``SAME_ERROR`` (relative):
    layers that are equally wrong differ in the last bits, and rounding must not pick one."""
    top = max(t[1] for t in layers)
    return next(t for t in layers if t[1] >= top * (1 - SAME_ERROR))


def value_message(layers, name, notation, text, worst=None):
    """Where the value is wrong, from ``[(layer, rel_error, …)]``: at one layer (``worst``),
    or at every layer when all are equally wrong; a layer said in the letter of the student's
    ``text`` and ``notation``'s numbering, as a layer of quantity ``name`` (None: of the layer
    variable; :func:`notations.layer_said`)."""
    said = functools.partial(notations.layer_said, name, notation=notation, text=text)
    layer, err = (worst or _worst_layer(layers))[:2]
    errors = [t[1] for t in layers]
    every = len(errors) > 1 and min(errors) > TOLERANCE  # and equally wrong:
    if layer is None:
        where = ""
    elif every and min(errors) >= max(errors) * (1 - SAME_ERROR):
        where = f" at every layer ({said(layers[0][0])}..{layers[-1][0]})"
    else:
        where = f" at {said(layer)}"
    return f"the shapes agree but the value is wrong{where}: relative error {render.number(err, 2)}"


def _value_hints(context, goal, rhs, worst, notation="question"):
    """Name the mistake: a repair of ``rhs`` that checks correct (``hints.repairs``, in the
    student's symbols), a named factor (1/m, m, −1, 2), a regularized bias; else an unnamed
    constant factor."""
    poisson = get_loss(context.loss).output == "exp"  # its log link cancels exp'
    kinds = REPAIRS + (exp_output,) if poisson else REPAIRS
    candidates = repairs(goal, rhs, context.activation, context.voice, kinds)
    found = [hint for hint, fixed in candidates if _right(context, goal, fixed)]
    if goal.name == "gb" and shapes.uses(rhs, {"α"}):
        found.append(HINTS["regularized bias"].format(goal=context.voice(goal.node)))
    value, truth = worst[2]
    norm = float(np.vdot(truth, truth))
    c = float(np.vdot(value, truth)) / norm if norm > 0 else 0.0
    if c and value.shape == truth.shape and rel_error(value, c * truth) < TOLERANCE:
        l2 = goal.name in {*REGULARIZED.values(), "Θ"}  # Θ: Goodfellow's ∇_W Ω(θ) = W
        table = table_of(notation)
        doubled = next(
            (w for w, m in table.symbols.items() if (m.core, m.scale) == ("J", "2")), None
        )
        named = factor_hint(c, SAMPLES, l2, bool(table.local), goal.name == "J", doubled)
        averaged = shapes.uses(rhs, {"Δ"}) or goal.name == "Δ"
        if abs(c * SAMPLES - 1) < 1e-9 and averaged and not table.local:
            named = f"{named}; {HINTS['Δ averaged']}"
        if named or not found:
            found.append(named or f"off by a constant factor {render.number(c)}")
    return found


def _right(context, goal, rhs):
    """Whether ``rhs`` is the true value of ``goal`` at every layer it claims."""
    try:
        rows = _evaluate_layers(context, goal, rhs)  # entry by entry where it is written so
    except (shapes.ShapeError, shapes.SymbolError):
        return False
    return bool(rows) and max(e for _, e, _ in rows) < TOLERANCE


# ---------------------------------------------------------------- fixes


def _best_fix(context, goal, rhs, node, depth=2):
    """``(local, whole)``: the first rewrite of ``node`` that makes the equation right; else,
    when a rewrite leaves a second undefined operation, a rewrite of that one too (up to
    ``depth`` rewrites); else None."""
    nested = []
    for local in _candidates(node):
        local = _scaled_as_written(context, node, local)
        whole = substitute(rhs, node, local)
        try:
            failure = _symbolic_term(context, goal, whole)
        except shapes.SymbolError:
            continue
        if isinstance(failure, shapes.ShapeError):
            nested.append((whole, failure.node))
        elif isinstance(failure, shapes.Term) and _right(context, goal, whole):
            return local, whole
    for whole, failing in nested if depth > 1 else ():
        fix = _best_fix(context, goal, whole, failing, depth - 1)
        if fix is not None:
            return fix[1], fix[1]
    return None


def _scaled_as_written(context, node, local):
    """``local``, a matrix product by a scalar (η dW1ᵀ → dW1 η), with the operator of
    ``node`` as it was written: NumPy's @ takes no scalar."""
    if not (isinstance(local, Bin) and local.op == "@" and isinstance(node, Bin)):
        return local
    try:
        terms = [_symbolic_term(context, None, side) for side in (local.left, local.right)]
    except shapes.SymbolError:
        return local
    scalar = any(getattr(term, "shape", ()) is None for term in terms)
    return replace(local, op=node.op, written=node.written) if scalar else local


def _candidates(node):
    """Rewrites of the failing operation: a matrix product for ⊙, transposes, swaps, and
    each layer index of the operands shifted by one."""
    sums = _sum_rewrites(node)
    if not isinstance(node, Bin):
        return sums + _unfolded(node) + _shifted(node)
    a, b = node.left, node.right
    pairs = [(a, b), (_t(b), a), (a, _t(b)), (_t(a), b), (b, a), (_t(b), _t(a)), (b, _t(a))]
    out = [Bin(node.span, "@", p, q, "") for p, q in pairs]
    if node.op == "@":
        out = [Bin(node.span, "⊙", a, b, ""), *out[1:]]
    if node.op in ("+", "-"):
        out = [replace(node, right=_t(b)), replace(node, left=_t(a))]
    return sums + _unfolded(node) + out + _shifted(node)


def _sum_rewrites(node):
    """Rewrites of ``node`` with keepdims=True in one of its NumPy sums, then with the axis
    of one of them flipped."""
    sums = [n for n in shapes.walk(node) if isinstance(n, AxisSum)]
    kept = [substitute(node, s, replace(s, keepdims=True)) for s in sums if not s.keepdims]
    flips = [substitute(node, s, replace(s, axis=1 - s.axis)) for s in sums if s.axis in (0, 1)]
    return kept + flips


def _unfolded(node):
    """With Ng's folded Θ: each Θ without its bias column, or ``node`` without its first row
    (the bias unit's entry, which δ does not have)."""
    weights = [n for n in shapes.walk(node) if isinstance(n, Sym) and n.name == "Θ+"]
    if not any(isinstance(n, Sym) and n.name.endswith("+") for n in shapes.walk(node)):
        return []
    dropped = [substitute(node, w, DropFirst(w.span, w, 1)) for w in weights]
    return [*dropped, DropFirst(node.span, node, 0)]


def _shifted(node):
    layered = [n for n in shapes.walk(node) if isinstance(n, Sym) and n.layer is not None]
    return [
        substitute(node, n, replace(n, layer=n.layer.shift(k))) for n in layered for k in (1, -1)
    ]


def _t(node):
    return node.arg if isinstance(node, Transpose) else Transpose(node.span, node)


# ---------------------------------------------------------------- the broadcasting trap


def _trap(context, goal, rhs, sizes):
    """Evaluate ``rhs`` as NumPy would (every ⊙ a broadcasting ``*``) at each layer of
    ``sizes``: ``[(layer, "hides" | "shows", detail)]``."""
    try:
        return _evaluate_layers(context, goal, notations.as_numpy(rhs), _trap_row, sizes)
    except shapes.SymbolError:  # NumPy cannot run it at any layer of ``sizes``: no trap
        return []


def _trap_row(goal, numpy_rhs, network, binding):
    try:
        layer, err, (value, truth) = _evaluate_at(goal, numpy_rhs, network, binding)
    except shapes.ShapeError as err:
        layer = binding.get("l", goal.layer.bind(binding) if goal.layer else None)
        return layer, "shows", f"NumPy raises an error: {err.describe()}"
    if value.shape != truth.shape:
        return layer, "shows", f"broadcasts to {value.shape}, not {truth.shape}"
    if err < TOLERANCE:
        return layer, "hides", "NumPy broadcasting gives exactly the right numbers"
    return layer, "shows", f"NumPy gives wrong numbers (relative error {render.number(err, 2)})"
