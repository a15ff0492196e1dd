"""A whole derivation, judged step by step: "where am I going wrong?" on the user's own text.

A formula (an ``align`` block, an ``\\eqalign``, ``A = B = C``) holds equations; the left side
of an equation names the quantity and each right side is a step (:mod:`deltaprop.derivation.tex`).
Every step is judged by the single-equation checker (:func:`deltaprop.derivation.check.check`)
as ``quantity = step``; a step it cannot evaluate (a Jacobian, a differential, a generic matrix)
is judged with numbers by :mod:`deltaprop.derivation.calculus`. ``\\underbrace{expr}_{name}``
is a definition: ``name = expr`` is judged too, and a local name (``tmp = …``) stands for its
expression in the rest of the text. The verdict names the first wrong step, why, and the
corrected step, which itself checks correct.
"""

import functools
import json
import re
import textwrap
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from deltaprop.derivation import calculus, notations, shapes, tex
from deltaprop.derivation.check import (
    GENERIC_WIDTHS,
    check,
    claimed_bindings,
    generic_sizes,
    is_batched,
    layer_index,
    layer_rows,
    random_network,
    scalars,
    value_message,
    widths,
)
from deltaprop.derivation.explain import TEMPLATES
from deltaprop.derivation.notation import (
    Bin,
    Call,
    Differential,
    LayerIndex,
    Neg,
    Sym,
    Transpose,
    bind_layers,
    substitute,
)
from deltaprop.derivation.sample import RandomNetwork, check_work
from deltaprop.errors import ConfigError
from deltaprop.relerror import rel_error

TOLERANCE = 1e-6  # relative error of a step judged by central differences
NOT_JUDGED = re.compile(r"\\MATRIX|\\text\s*\{(?!prod\})|\\mbox|\\cdots|\\ldots|\\vdots|\\dots")
NOT_JUDGED_NOTE = "written entry by entry or as text"


@dataclass(frozen=True)
class Options:
    """How every equation is judged: the test network and the notation."""

    sizes: tuple | None = None
    activation: str = "tanh"
    seed: int = 0
    notation: str | None = None
    network: tuple = ()  # check's output_activation, loss and bias, as keyword pairs
    define: tuple = ()  # the user's own names, "W^{[l]}=Theta^(l)" (check's --define)
    post: str = "question"  # the notation of the text, for an equation without a clue

    @property
    def squared_linear(self):
        """Whether the network is the question's (squared loss, linear output): the only one
        the numbers of :mod:`calculus` move."""
        given = dict(self.network)
        return given.get("output_activation") is None and given.get("loss", "squared") == "squared"

    def notation_of(self, text):
        """The notation of ``text``: as given, else detected; without a clue of its own, the
        notation of the text it is in where only that one reads it. A lone C (a matrix of an
        identity such as C:(AB) = (CBᵀ):A) is no clue of Nielsen's cost."""
        if self.notation is not None:
            return self.notation
        found = notations.detect(text, self.define)
        if found == "nielsen" and notations.detect(re.sub(r"\bC\b", " ", text)) == "question":
            found = "question"
        if found != "question" or self.post == "question" or _parsed(text, self.table(text, found)):
            return found
        return self.post if _parsed(text, self.table(text, self.post)) else found

    def table(self, text, notation=None):
        """The notation of ``text`` (or ``notation``) with the user's own names
        (:func:`notations.define`)."""
        return notations.define(notation or self.notation_of(text), self.define)

    def single(self, equation):
        """The single-equation checker's verdict on ``equation`` (None: it raised)."""
        options = dict(self.network, seed=self.seed, notation=self.notation_of(equation))
        options["define"] = self.define
        try:
            return check(equation, self.sizes, self.activation, **options)
        except (ConfigError, RecursionError):
            return None


@dataclass
class Scope:
    """What a text defines for the formulas after it: macros and local names."""

    macros: tex.Macros = field(default_factory=tex.Macros)
    names: dict = field(default_factory=dict)  # local name → its TeX expression
    code: dict = field(default_factory=dict)  # a name assigned in code → its last line
    notation: str = "question"  # of the text: the one most of its formulas have clues of

    def assigned(self, line):
        """``line``, or a mask on a line of its own (``dx[x <= 0] = 0``) after the last line
        that assigns its name, which :func:`tex.statements` reads as one statement (``dx =
        (…) * (x > 0)``); kept as the name's last value."""
        mask = tex.MASK.fullmatch(line.strip())
        assigned = mask or re.match(r"\s*(\w+)\s*=(?!=)", line)  # group 1: the name
        if mask and mask[1] in self.code:
            line = f"{self.code[mask[1]]}\n{line}"
        if assigned:
            self.code[assigned[1]] = line
        return line

    def substituted(self, text):
        for name, expr in self.names.items():
            text = notations.with_local(text, name, expr)
        return text


@dataclass
class StepResult:
    """The verdict on one step (a right side, a definition or a shape claim)."""

    written: str
    verdict: str  # correct, wrong, skipped
    reason: str = ""  # dimension, shape, value, range, chain rule, definition
    message: str = ""
    suggestion: str = ""  # the corrected step, checked correct
    hints: list = field(default_factory=list)
    number: int = 0  # 1, 2, … through the formula, given once every step is judged

    def to_dict(self):
        out = asdict(self)
        out["step"] = out.pop("number")
        return out


@dataclass
class EquationResult:
    lhs: str
    relation: str
    steps: list = field(default_factory=list)


@dataclass
class DerivationResult:
    """The verdict on one formula: every step of every equation in it, numbered 1, 2, …"""

    source: str
    equations: list = field(default_factory=list)
    line: int | None = None
    verdict: str = "skipped"
    message: str = ""  # why it is skipped or unparseable

    @property
    def steps(self):
        return [step for eq in self.equations for step in eq.steps]

    @property
    def first_wrong_step(self):
        wrong = [s.number for s in self.steps if s.verdict == "wrong"]
        return wrong[0] if wrong else None

    @property
    def exit_code(self):
        return {"correct": 0, "wrong": 1}.get(self.verdict, 2)

    def summary(self):
        """ "steps 3–5 repeat the mistake of step 2", or which later steps are wrong."""
        wrong = [s for s in self.steps if s.verdict == "wrong"]
        if len(wrong) < 2:
            return ""
        first, later = wrong[0], wrong[1:]
        one = len(later) == 1
        steps = f"{'step' if one else 'steps'} {_numbers_text([s.number for s in later])}"
        if all(_same_mistake(first, s) for s in later):
            return f"{steps} {'repeats' if one else 'repeat'} the mistake of step {first.number}"
        return f"{steps} {'is' if one else 'are'} wrong too"

    def to_dict(self):
        """Today's object of a single equation, with ``first_wrong_step`` and ``steps``."""
        none = StepResult("", "", message=self.message)
        wrong = next((s for s in self.steps if s.verdict == "wrong"), none).to_dict()
        out = {"line": self.line, "source": self.source, "equation": self.source}
        out |= {k: wrong[k] for k in ("reason", "message", "suggestion", "hints")}
        out |= {"verdict": self.verdict, "summary": self.summary()}
        out |= {"first_wrong_step": self.first_wrong_step}
        return out | {"steps": [s.to_dict() for s in self.steps]}

    def to_json(self):
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_text(self):
        return "\n".join(derivation_lines(self))


def _numbers_text(numbers):
    if len(numbers) > 1 and numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"{numbers[0]}–{numbers[-1]}"
    return ", ".join(map(str, numbers))


def _same_mistake(first, other):
    kinds = {"dimension", "chain rule", "shape"}
    return first.reason == other.reason or (first.reason in kinds and other.reason in kinds)


def derivation_lines(result):
    """The verdict in text: a headline, then each step that is not right, with its fix."""
    lines = [f"verdict:  {result.verdict.upper()}"]  # correct, wrong, skipped, unparseable
    if result.first_wrong_step is not None:
        lines[0] += f" (first wrong step: {result.first_wrong_step})"
    if result.message:
        lines.append(f"  {result.message}")
    for step in result.steps:
        mark = {"correct": "ok", "wrong": "WRONG"}.get(step.verdict, step.verdict)
        lines.append(f"  step {step.number}: {mark:7}  {step.written}")
        if step.verdict in ("wrong", "unparseable"):
            lines += textwrap.wrap(
                step.message, 96, initial_indent=" " * 6, subsequent_indent=" " * 8
            )
        if step.suggestion and step.verdict == "wrong":
            lines.append(f"      the step becomes: {step.suggestion}   (checks correct)")
        lines += [f"      hint: {hint}" for hint in step.hints if step.verdict == "wrong"]
    if result.summary():
        lines.append(f"  {result.summary()}")
    return lines


# ---------------------------------------------------------------- one formula

DERIVATION_MARKS = re.compile(
    r"\\begin\s*\{|\\\\|&|\\eqalign|\\(?:under|over)brace|\\def\b|\\(?:re)?newcommand"
    r"|\\DeclareMathOperator|\\in\s*\\mathbb|\\leftarrow|\\gets|\\qquad|\\implies|←|∈"
)


def is_derivation(text):
    """Whether ``text`` is more than one equation ``LHS = RHS``: a chain ``A = B = C``,
    equations on lines of their own, an environment, a definition by underbrace, macros, a
    shape claim or an update rule (``dZ2 = …; dW2 = …`` on one line is for ``check``)."""
    statements = tex.statements(text)
    lines = len(statements) > 1 and "\n" in text.strip()
    chain = any(len(tex.top_level_split(one, "=")) > 2 for one in statements)
    return lines or chain or DERIVATION_MARKS.search(text) is not None


ACTIVATIONS = {  # how a text names its network's φ: by name, or by formula
    "sigmoid": r"sigmoid|\\frac\s*\{?\s*1\s*\}?\s*\{\s*1\s*\+\s*e\^"  # \frac{1}{1+e^{-z}}
    r"|1\s*/\s*\(\s*1\s*\+\s*(?:np\.)?exp",  # 1 / (1 + np.exp(-z))
    "tanh": r"\btanh",
    "relu": r"\brelu|\bmax(?:imum)?\s*\(\s*0\s*,",
}


def named_activation(text):
    """The activation ``text`` names (sigmoid, tanh or relu: φ = tanh, σ(z) = 1/(1 + e^{−z}),
    a2 = sigmoid(z2)) when it names one only, else tanh: a post is judged for its own network,
    as ``check`` judges an equation that names its φ."""
    named = [name for name, pattern in ACTIVATIONS.items() if re.search(pattern, text, re.I)]
    return named[0] if len(named) == 1 else "tanh"


def check_derivation(
    formula, sizes=None, activation=None, seed=0, notation=None, scope=None, define=(), **network
):
    """Judge every step of every equation in ``formula`` (TeX, plain text or Unicode): a
    :class:`DerivationResult` whose ``verdict`` is ``correct``, ``wrong``, ``skipped`` (nothing
    about the network) or ``unparseable``, with ``first_wrong_step`` (1-based).

    Parameters
    ----------
    formula : str
        One formula: ``A = B = C``, an ``align`` block, an ``\\eqalign``; macros defined
        in it (``\\def``, ``\\newcommand``) are expanded.
    sizes, seed, notation, define
        As for :func:`deltaprop.derivation.check.check`.
    activation : str, optional
        φ of the hidden layers; when None, the one ``formula`` names
        (:func:`named_activation`), else tanh.
    **network
        ``output_activation``, ``loss`` and ``bias``, passed on to
        :func:`deltaprop.derivation.check.check` (steps that need derivatives by numbers are
        judged for the squared loss and a linear output only).
    scope : Scope, optional
        Macros and local names defined earlier in the same text.
    """
    sizes = None if sizes is None else check_work(sizes)
    activation = activation or named_activation(formula)
    if network.get("bias"):  # cs231n's --bias folded: refused, as check refuses it
        notations.bias_readings(notation or notations.detect(formula), network["bias"], ())
    given = tuple((k, v) for k, v in network.items() if v is not None)
    scope = scope or Scope()
    options = Options(sizes, activation, seed, notation, given, tuple(define), scope.notation)
    result = DerivationResult(formula)
    try:
        text = scope.macros.expand(scope.macros.take_definitions(formula))
        found = tex.equations(text)
    except ConfigError as err:
        result.verdict, result.message = "unparseable", str(err)
        return result
    for equation in found:
        result.equations.append(_judge_equation(equation, options, scope))
    for number, step in enumerate(result.steps, 1):
        step.number = number
    result.verdict = _formula_verdict(result)
    if result.verdict == "skipped" and not result.message:
        said = notations.advice(formula, options.notation)
        result.message = said or "nothing here is an equation about the network"
    return result


def _formula_verdict(result):
    verdicts = {step.verdict for step in result.steps}  # a step not read is not "correct":
    return next((v for v in ("wrong", "unparseable", "correct") if v in verdicts), "skipped")


def _judge_equation(equation, options, scope):
    """The steps of one equation, in order (numbered on through the formula): an update's,
    each right side of an equation, each shape claimed."""
    result = EquationResult(equation.lhs, equation.relation)
    lhs = scope.substituted(equation.lhs.strip())
    table = options.table(lhs)  # detected once: notation_of may parse lhs twice
    quantity, name = _parsed(lhs, table), notations.local_name(lhs, table)
    if equation.relation == "=" and FUNCTION_OF.fullmatch(lhs):
        result.steps = [_activation_defined(lhs, step, options) for step in equation.steps]
        if "skipped" not in {step.verdict for step in result.steps}:
            return result
    if _a_setting(quantity, equation, options):  # m = 100, L = 4: skipped, and L is no local name
        result.steps = [
            StepResult(s.written, "skipped", message=SETTING_NOTE) for s in equation.steps
        ]
        return result
    if name is not None and equation.relation == "=":
        defined = _local_definition(result, name, equation, options, scope)
        if defined is not None:
            return defined
    judge = {"←": _judge_update, "=": _judge_step}.get(equation.relation)
    todo = [functools.partial(judge, step=step, scope=scope) for step in equation.steps if judge]
    todo += [functools.partial(_judge_claim, claim=claim) for claim in equation.claims]
    result.steps = [judged(lhs, options=options) for judged in todo]
    if quantity and _outside_range(quantity[0]):
        result.steps = [replace(s, verdict="skipped", message=RANGE_NOTE) for s in result.steps]
    return result


RANGE_NOTE = "the quantity does not exist at this layer (a convention such as G_L = 0)"
SETTING_NOTE = "the example's numbers or data, not an equation about the network (y = 2x + 1)"
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+|\^\{?-\d+\}?)")  # 1e-3, 10^{-7}
DATA = {"x", "y", "X", "Y"}  # the samples and their targets


def _a_setting(quantity, equation, options):
    """Whether ``equation`` gives what has no layer numbers or the data alone (m = 100,
    α = 0.1, L = 4, y = 2x + 1): the example's setting, not an equation about the network."""
    if equation.relation != "=" or not equation.steps:
        return False
    found = quantity and shapes.quantity(quantity[0])
    return not (found and found[1]) and all(_of_the_data(s.text, options) for s in equation.steps)


def _of_the_data(text, options):
    """Whether ``text`` is a number or an expression of the samples x and targets y alone."""
    sides = None if NUMBER.fullmatch(text) else _parsed(text, options.table(text))
    if sides is None:
        return NUMBER.fullmatch(text) is not None
    return {n.name for n in shapes.walk(sides[0]) if isinstance(n, Sym)} <= DATA


def _parsed(text, notation="question"):
    """The sides of ``text`` read in ``notation`` and translated into the question's symbols
    (:func:`notations.read`, as ``check`` reads an equation); None when it does not read."""
    return notations.parsed(tex.primes_as_phi(text), notation)


def _outside_range(quantity):
    """Whether ``quantity`` exists at no layer (the answer's G_L = 0)."""
    try:
        shapes.evaluate(quantity, shapes.SymbolicDomain(None))
    except (shapes.ShapeError, shapes.SymbolError) as err:
        return isinstance(err, shapes.RangeError)
    return False


FUNCTION_OF = re.compile(  # f(z), \sigma(z), \text{ReLU}(x): a function of one letter
    r"\s*(?:\\(?:text|mathrm|operatorname)\s*\{\s*[A-Za-z]+\s*\}|\\?[A-Za-z]+)\s*\(\s*[a-z]\s*\)\s*"
)


def _activation_defined(lhs, step, options):
    """``φ(z) =`` a formula of an activation (ReLU(x) = max(0, x), σ(z) = 1/(1 + e^{−z}):
    :data:`ACTIVATIONS`): right where it is the network's φ, wrong where it is another's;
    skipped where the formula names none, or more than one."""
    named = [name for name, pattern in ACTIVATIONS.items() if re.search(pattern, step.text, re.I)]
    if len(named) != 1:
        return StepResult(step.written, "skipped")
    if named == [options.activation]:
        return StepResult(step.written, "correct", message=f"φ is {options.activation} here")
    said = f"{lhs.strip()} is {named[0]}, but φ is {options.activation} here"
    return StepResult(step.written, "wrong", "value", f"{said} (--activation {named[0]})")


def _local_definition(result, name, equation, options, scope):
    """``tmp = expr``: a local name (:func:`notations.local_name`), judged for its shapes
    only; later formulas may use it.
    A name of one letter is one only where ``expr`` reads (``s = 1/(1+np.exp(-Z1))``), not
    a letter of prose (``l = 2..L, the hidden layers``): None, the line judged as any."""
    expr = scope.substituted(equation.steps[0].text)
    single = options.single(expr)
    read = single is not None and single.verdict in ("defined", "correct")
    if len(name) == 1 and not read:
        return None
    scope.names[name] = expr
    step = StepResult(equation.steps[0].written, "skipped")
    if read:
        step.verdict, step.message = "correct", f"{name} is defined here (its shapes agree)"
    elif single is not None and single.verdict == "wrong":
        step.verdict, step.reason, step.message = "wrong", single.reason, single.message
    result.steps.append(step)
    return result


# ---------------------------------------------------------------- one step


def _judge_step(lhs, step, options, scope):
    text = scope.substituted(step.text)
    if not text or NOT_JUDGED.search(text):
        return StepResult(step.written, "skipped", message=NOT_JUDGED_NOTE)
    for definition in step.definitions:
        wrong = _judge_definition(step, definition, options, scope)
        if wrong is not None:
            return wrong
        if options.single(f"{definition.name} = {definition.name}") is not None:
            text = text.replace(f"\\left({definition.expr}\\right)", f"{{{definition.name}}}", 1)
    return judge_side(lhs, text, step.written, options)


def _judge_definition(step, definition, options, scope):
    """A wrong underbrace definition as the step's verdict; a local name is recorded."""
    expr = scope.substituted(definition.expr)
    if _parsed(definition.name, options.table(definition.name)) is None:
        scope.names[definition.name.strip("{} ")] = expr
        return None
    judged = judge_side(definition.name, expr, step.written, options)
    if judged.verdict != "wrong":
        return None
    judged.reason = "definition"
    name = _plain(definition.name, options)
    defines = f"the underbrace defines {name} as {_plain(expr, options)}"
    judged.message = f"{defines}, which is wrong: {judged.message}"
    if judged.suggestion:
        judged.suggestion = f"{name} = {judged.suggestion}"
    return judged


def _plain(text, options):
    """TeX in the student's symbols as Unicode text when it reads (``δ^(L−1)``,
    ``dZ^[2]``), else as written."""
    notation = options.table(text)
    sides, write = _parsed(text, notation), notations.Writer(text, notation)
    return text.strip() if sides is None else " = ".join(write(side) for side in sides)


def judge_side(lhs, rhs, written, options):
    """The verdict on ``lhs = rhs`` as a step: the single-equation checker, else
    the calculus module (also for a symbol outside its layers: ∂a^(L)/∂z^(L)), else skipped;
    not read where it is written in another notation than the one given (its clue), which
    judges it."""
    text = f"{lhs} = {rhs}"
    single, found = options.single(text), notations.detect(text)
    first = verdict = single and single.verdict  # None: the options do not fit (ConfigError)
    if verdict not in ("correct", "wrong") and found not in ("question", options.notation_of(text)):
        verdict = getattr(replace(options, notation=found).single(text), "verdict", None)
    if verdict in ("correct", "wrong") and first not in ("correct", "wrong"):
        verdict = "unread"
    elif verdict not in ("correct", "wrong") or single.reason == "range":
        judged = judge_with_calculus(lhs, rhs, written, options)
        if judged is not None:
            return judged
    if verdict in ("correct", "wrong"):
        return _from_single(written, single)
    if PHI.fullmatch(lhs):  # φ = tanh: the activation named, no quantity of the network
        return StepResult(written, "skipped", message=PHI_NOTE)
    about = NETWORK_SYMBOL.search(text) or found != "question"
    if single is None or not (about and _of_the_network(lhs, options)):
        return StepResult(written, "skipped", message=_unread(single))
    return StepResult(written, "unparseable", message=f"cannot read {written}: {_unread(single)}")


def _of_the_network(lhs, options):
    """Whether ``lhs`` names a quantity of the network (or its differential), not the batch
    size m; where it does not read (a tuple unpacked from a cache), whether a symbol of one."""
    sides = _parsed(lhs, options.table(lhs))
    if sides is None:
        return NETWORK_SYMBOL.search(lhs) is not None
    found = shapes.quantity(sides[0].arg if isinstance(sides[0], Differential) else sides[0])
    return found is not None and found[0] != "m"


PHI = re.compile(r"\s*(?:\\varphi|\\phi|φ|ϕ|\\sigma|σ)\s*(?:\(\s*\w+\s*\))?\s*")  # φ, σ(z)
PHI_NOTE = "it names the activation φ (--activation says which one the network has)"
NETWORK_SYMBOL = re.compile(
    r"\\(?:Theta|delta|Delta|varphi)|[ΘθδΔφϕ]|\b[azbAZ]\s*\^\s*\{?\s*[(\[]|(?:\\partial|∂)\s*J\b|\\hat\s*\{?\s*y|ŷ"
)


def _unread(single):
    """Why the single-equation checker could not judge a step, with its advice (another
    notation, --define), without the caret under the equation."""
    lines = single.message.splitlines() if single else []
    if len(lines) > 2 and lines[-1].strip() == "^":
        lines = lines[:-2]
    return "; ".join(line.strip() for line in lines)


def _from_single(written, single):
    message = "" if single.verdict == "correct" else single.message
    suggestion = single.corrected.split(" = ", 1)[-1]
    hints = list(single.hints)
    return StepResult(written, single.verdict, single.reason, message, suggestion, hints)


# ---------------------------------------------------------------- the calculus path


@dataclass
class _Setting:
    """A step read for the calculus: its sides in the question's symbols, the random
    network, the layer bindings it claims, the directions of its differentials, its generic
    matrices, and ``write``, which writes a node back in the student's notation."""

    left: object
    right: object
    network: RandomNetwork
    bindings: list
    directions: dict
    generic: dict
    write: object
    widths: bool  # whether messages name the widths n_l (no sizes given)
    quantity: tuple  # the quantity on the left and its fixed layer (None: the layer variable)


def judge_with_calculus(lhs, rhs, written, options):
    """``lhs = rhs`` read in the student's notation (:func:`notations.read`, the reading of
    ``check``) and evaluated with :mod:`calculus` at every layer it claims
    (:func:`check.claimed_bindings`); None when it holds something it cannot evaluate
    either."""
    text = f"{lhs} = {rhs}"
    notation = options.table(text)
    sides, write = _parsed(text, notation), notations.Writer(text, notation)
    if not options.squared_linear or sides is None or len(sides) < 2:
        return None
    try:
        setting = _setting(sides[0], sides[1], options, write)
        errors = layer_rows(setting.bindings, functools.partial(_layer_error, setting))
    except shapes.RangeError as err:
        return StepResult(written, "wrong", "range", notations.range_said(err, write))
    except calculus.ChainRuleError as err:
        return _chain_rule_step(written, setting, err)
    except shapes.ShapeError as err:
        message = _symbolic(err.describe(write), setting)
        return StepResult(written, "wrong", "dimension", message)
    except (shapes.SymbolError, ValueError, IndexError, KeyError):
        return None
    if max(error for _, error in errors) < TOLERANCE:
        return StepResult(written, "correct")
    message = value_message(errors, setting.quantity[0], notation, text)
    step = StepResult(written, "wrong", "value", message)
    _name_the_mistake(step, setting)
    return step


REPAIRS = (
    "d f(x) is the differential of f(x) (f'(x) ⊙ dx); this step needs f(x) itself",
    "the sign is flipped",
)


def _name_the_mistake(step, setting):
    """A repair of a wrong step that checks correct, as the suggestion and a hint: a
    differential written on a function (the answer's dφ'(z_k) ⊙ dz_k), a lost sign."""
    right = setting.right
    differentials = [n for n in shapes.walk(right) if isinstance(n, Differential)]
    repairs = [
        (REPAIRS[0], substitute(right, n, n.arg)) for n in differentials if isinstance(n.arg, Call)
    ]
    repairs.append((REPAIRS[1], right.arg if isinstance(right, Neg) else Neg(right.span, right)))
    for hint, fixed in repairs:
        if _holds(setting, fixed):
            step.suggestion, step.hints = setting.write(fixed), [hint]
            return


def _holds(setting, right):
    """Whether the step's left side equals ``right`` at every layer binding of ``setting``."""
    at = functools.partial(_layer_error, replace(setting, right=right))
    try:
        return max(error for _, error in layer_rows(setting.bindings, at)) < TOLERANCE
    except (shapes.ShapeError, shapes.SymbolError, ValueError):
        return False


def _symbolic(message, setting):
    """``message`` in the student's numbering of the widths (deeplearning.ai's n^[l]), the
    generic network's widths written n_L, n_{L−1}, … (distinct widths, so each number names
    one layer) unless the user gave ``sizes``."""
    if setting.widths:
        sizes, domain = setting.network.sizes, shapes.SymbolicDomain(None)
        names = {n: str(domain.n(LayerIndex("L", k - len(sizes)))) for k, n in enumerate(sizes, 1)}
        names[setting.network.m] = "m"

        def dims(match):
            return "(" + " × ".join(names.get(int(d), d) for d in match.group(1).split(" × ")) + ")"

        message = re.sub(r"\((\d+(?: × \d+)*)\)", dims, message)  # a shape, or one width
    return widths(message, setting.write.table)


def _setting(left, right, options, write):
    """The random network, layer bindings, differential directions and generic matrices;
    ``write`` writes a node in the student's notation."""
    sizes = options.sizes or generic_sizes(left, right)
    if max(p * q for p, q in zip(sizes, sizes[1:], strict=False)) > calculus.MAX_ENTRIES:
        sizes = (GENERIC_WIDTHS * len(sizes))[: len(sizes)]  # wide layers: small ones, as many
    with_alpha = shapes.uses(right, {"α"})  # the L2 term's α, as check's network has it
    network = random_network(tuple(sizes), options.activation, with_alpha, options.seed)
    rng = np.random.default_rng(options.seed + 1)
    directions = calculus.directions(network, [left, right], rng)
    generic = calculus.generic_matrices([left, right], rng)
    found = shapes.quantity(left.arg if isinstance(left, Differential) else left)
    bindings = claimed_bindings(found, left, right, sizes)
    quantity = found if found and found[1] and found[1].base != "l" else (None, None)
    widths = options.sizes is None
    return _Setting(left, right, network, bindings, directions, generic, write, widths, quantity)


def _layer_error(setting, binding):
    """``(layer, relative error)`` of the step at ``binding``: the layer as messages say it
    (the layer variable's value, else the layer of the quantity on the left)."""
    left, right, network = setting.left, setting.right, setting.network
    calc = calculus.Calculus(network, binding, setting.directions, setting.generic)
    if shapes.has_entries(left) or shapes.has_entries(right):  # ∂E_n/∂w_{ji} = δ_j z_i
        (truth, order), (value, indices) = calc.entries(left), calc.entries(right)
        value = np.einsum(f"{indices}->{order}", value)  # a ValueError where they differ
    else:
        want = calculus.as_matrix(_quantity_value(calc, network, binding, left, right))
        got = calculus.as_matrix(calc.evaluate(right))
        value, truth = (np.asarray(term.value) for term in (got, want))
        value, truth = scalars(value, truth)  # a 1 × 1 matrix is a scalar
        if value.shape != truth.shape:
            raise shapes.ShapeError(right, got, want, "the step is not of the quantity's shape")
    index = setting.quantity[1]
    layer = binding.get("l", index and index.bind(binding))
    return layer, rel_error(value, truth)


def _quantity_value(calc, network, binding, left, right):
    """The value of the quantity ``left``: ∂J/∂Θ of the batch when ``right`` is about the
    batch (Σ_i, capitals), as the single-equation checker reads it; else of one sample."""
    value = calc.evaluate(left)  # raises RangeError where the quantity does not exist
    found = shapes.quantity(left)
    cost = left.num if hasattr(left, "num") else left
    batch = is_batched(right) and not getattr(cost, "sample", True)
    if found and found[0] in ("G", "gb", "J") and batch:
        k = None if found[1] is None else found[1].bind(binding)
        return shapes.Term(None, network.truth(found[0], k, True), left)
    return value


def _chain_rule_step(written, setting, err):
    """⊙ with a Jacobian: the message teaches the chain rule; the VJP is the corrected step."""
    message = _symbolic(err.describe(setting.write), setting)
    step = StepResult(written, "wrong", "chain rule", message)
    right_is_jacobian = np.ndim(err.right.value) > 2
    vector, jacobian = (err.left, err.right) if right_is_jacobian else (err.right, err.left)
    vjp = Bin(err.node.span, "@", Transpose(vector.node.span, vector.node), jacobian.node, "")
    fixed = substitute(setting.right, err.node, vjp)
    if _holds(setting, fixed):
        step.suggestion = setting.write(fixed)
    closed = closed_form(setting.left)
    if step.suggestion and closed is not None:
        step.suggestion += f" = {setting.write(closed)}"
    return step


CLOSED_FORMS = {"G": "grad_theta", "gb": "grad_b", "δ": "delta_hidden"}  # records of explain


def closed_form(node):
    """The backward pass's formula for the quantity ``node`` names (its equation record's
    right side), or None."""
    name, layer = shapes.quantity(node) or (None, None)
    if name not in CLOSED_FORMS or layer is None:
        return None
    key = "delta_output" if (name, layer) == ("δ", LayerIndex("L", 0)) else CLOSED_FORMS[name]
    return bind_layers(TEMPLATES[key][0].rhs, {"l": layer})


def _judge_claim(lhs, claim, options):
    """``lhs ∈ ℝ^{rows × cols}``: the claimed shape against the quantity's symbolic shape."""
    written, table = f"{lhs} ∈ ℝ^{{{claim}}}", options.table(lhs)
    try:
        node = _parsed(lhs, table)[0]
        shape = shapes.evaluate(node, shapes.SymbolicDomain(None)).shape
    except (TypeError, shapes.ShapeError, shapes.SymbolError):
        return StepResult(written, "skipped", message="not a quantity of the network")
    dimensions = [d.strip() for d in re.split(r"\\times|×|,", claim) if d.strip()]
    claimed = [_dimension(d, table) for d in dimensions] + ["1"] * (2 - len(dimensions))  # ℝ: 1 × 1
    numbers = any(str(d).isdigit() and d != "1" for d in claimed)  # ℝ^{4 × 3}: of the sizes
    if None in claimed or (numbers and not options.sizes):  # ℝ^{n_l}: a column
        return StepResult(written, "skipped", message="the space is not written in n_l")
    said = [_width(d, options.sizes) for d in claimed]
    if said == [_width(d, options.sizes) for d in shape or (1, 1)]:
        return StepResult(written, "correct")
    space = shapes.shape_text(shape)
    claimed = " × ".join(map(str, claimed))
    message = widths(f"{_plain(lhs, options)} is ({space}), not ({claimed})", table)
    return StepResult(written, "wrong", "shape", message, widths(f"ℝ^{{{space}}}", table))


def _dimension(text, table):
    """``n_{L-1}`` → the width n_{L−1}, ``n^{[l]}`` in the layers of ``table``
    (deeplearning.ai's: n_{l+1}), ``1``, ``4`` (a number) and ``m`` as written; else None."""
    text = text.replace(" ", "")
    if text == "m" or text.isdigit():
        return text
    match = re.fullmatch(r"n(?:_\{?\(?([^(){}]+)\)?\}?|\^\{?[\[(]([^\])]+)[\])]\}?)", text)
    layer = match and layer_index(match.group(1) or match.group(2))
    if layer is not None and match.group(2):  # written in the notation's numbering
        layer = notations.core_layer(layer, 0, table)
    return None if layer is None else shapes.SymbolicDomain(None).n(layer)


def _width(dim, sizes):
    """A width as text: with ``sizes``, the number of n_k of a layer number or of L."""
    layer = getattr(dim, "layer", None)
    if sizes and layer is not None and layer.base in ("", "L") and not dim.extra:
        k = layer.offset + len(sizes) * (layer.base == "L")  # n_{L−1}: the one before the last
        return str(sizes[k - 1]) if 1 <= k <= len(sizes) else str(dim)
    return str(dim)


ETA = "0.25"  # the learning rate η of an update rule, a number to evaluate with


def _judge_update(lhs, step, options, scope):
    """``Θ ← Θ − η T``: right when T is ∂J/∂Θ (of one sample, or of the batch when T is
    written with Σ_i or capitals), checked as ∂J/∂Θ = (Θ − (Θ − η T)) / η."""
    rhs = scope.substituted(step.text)
    if not re.search(r"\\eta(?![A-Za-z])|η", rhs):
        return StepResult(step.written, "skipped", message="an update without η")
    rhs = re.sub(r"\\eta(?![A-Za-z])|η", lambda _: f"{{{ETA}}}", rhs)
    gradient = f"\\frac{{\\partial J}}{{\\partial {lhs}}}"
    step_size = f"\\frac{{1}}{{{ETA}}} \\left({lhs} - \\left({rhs}\\right)\\right)"
    judged = judge_side(gradient, step_size, step.written, options)
    if judged.verdict == "wrong":
        theta = _plain(lhs, options)
        judged.message = f"a gradient step is {theta} − η ∂J/∂{theta}: {judged.message}"
        judged.suggestion = ""
    return judged
