"""``deltaprop check --file``: every formula of a Markdown or MathJax post, a ``.tex`` file or
plain text, judged (:func:`deltaprop.derivation.chain.check_derivation`).

Formulas are found between ``$$ … $$``, ``\\[ … \\]``, ``\\( … \\)``, ``$ … $`` and in
``\\begin{align}``-like environments; in a text without any of them (or inside a Markdown code
fence) every line with an ``=`` is a candidate, and so is Markdown's inline code with one
(```dW2 = dZ2 @ A1.T / m```) anywhere. Macros defined anywhere (``\\def``,
``\\newcommand``) hold for what follows; so do local names (``tmp = …``). Octave code that
folds the bias into Θ (``[1; a]``, ``Theta2(:, 2:end)``) is read so on each of its lines.
"""

import json
import re
import sys
from dataclasses import dataclass, field

from deltaprop.derivation import notations, tex
from deltaprop.derivation.chain import Options, Scope, check_derivation
from deltaprop.errors import ConfigError

MATH_ENVS = r"(?:align|aligned|gather|equation|multline|eqnarray|displaymath|math|split|alignat)\*?"
FORMULA_RE = re.compile(
    r"(?<!\\)\$\$(?P<dd>.+?)(?<!\\)\$\$"
    r"|\\\[(?P<bracket>.+?)\\\]"
    r"|\\\((?P<paren>.+?)\\\)"
    rf"|(?P<env>\\begin\{{(?P<name>{MATH_ENVS})\}}.+?\\end\{{(?P=name)\}})"
    r"|(?<![\\$])\$(?P<d>(?:[^$\n]|\n(?!\s*\n))+?)(?<!\\)\$"
    r"|(?P<fence>^```[^\n]*\n.*?^```)"
    r"|`(?P<code>[^`\n]+)`",  # Markdown's inline code: `dW2 = dZ2 @ A1.T / m`
    re.S | re.M,
)
CODE_SPAN = re.compile(r"`([^`\n]+)`")
LINE_RE = re.compile(r"^\s*(?!```)(\S(?:.*\S)?)", re.M)  # a line without its spaces, not a fence
TEX_COMMENT = re.compile(r"(?<!\\)%[^\n]*")  # TeX's (and MathJax's) comment, not \%
CODE_COMMENT = re.compile(r"(?<!\\)[%#][^\n]*")  # a line's comment: also Octave's and Python's
MAX_TEXT = 5_000_000  # characters of one text
VERDICTS = ("correct", "wrong", "unparseable", "skipped")
# ex4's Octave with the bias folded into Θ: the bias unit [1; a], [ones(m, 1) X], or Θ(:, 2:end)
BIAS_UNIT = re.compile(r"\[\s*(?:1\s*;|ones\s*\()|\(\s*:\s*,\s*2\s*:\s*end\s*\)")


@dataclass
class TextResult:
    """Every formula of a text with its verdict; ``exit_code`` 0, 1 or 2."""

    formulas: list = field(default_factory=list)  # DerivationResult, in order

    def count(self, verdict):
        return sum(f.verdict == verdict for f in self.formulas)

    @property
    def exit_code(self):
        """1 when a formula is wrong; else 0 when every formula about the network was judged
        correct; 2 when nothing was readable or a formula about the network was not."""
        if self.count("wrong"):
            return 1
        return 0 if self.count("correct") and not self.count("unparseable") else 2

    def to_json(self):
        out = {"equations": [f.to_dict() for f in self.formulas]}
        return json.dumps(out, indent=2, ensure_ascii=False)

    def to_text(self):
        lines = [_line(f) for f in self.formulas]
        counts = ", ".join(f"{self.count(v)} {v}" for v in VERDICTS)
        lines.append(
            f"{len(self.formulas)} formulas: {counts} (skipped: not an equation about the network)"
        )
        for f in self.formulas:
            if f.verdict in ("wrong", "unparseable"):
                lines += ["", f"line {f.line}: {_short(f.source, 200)}", *f.to_text().splitlines()]
        return "\n".join(lines)


def _line(formula):
    step = "" if formula.first_wrong_step is None else f" at step {formula.first_wrong_step}"
    verdict, source = formula.verdict.upper(), _short(formula.source)
    return f"line {formula.line:>4}  {verdict:11}{step:12}  {source}"


def _short(text, width=70):
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def check_text(text, sizes=None, activation="tanh", seed=0, notation=None, **network):
    """Judge every formula of ``text`` (Markdown, MathJax, TeX or plain text): a
    :class:`TextResult` of one ``DerivationResult`` per formula, with ``line`` (1-based, where
    it starts) and ``source`` (the text as it stands, comments included)."""
    options = {"sizes": sizes, "activation": activation, "seed": seed, "notation": notation}
    options |= network  # output_activation, loss, bias, define: as for check
    readable, after = _without_comments(text), 0
    found = list(formulas(readable))
    scope, result = Scope(notation=_notation(found, network.get("define", ()))), TextResult()
    for line, source, body, block in found:
        scope.macros.take_definitions(readable[after : source[0]])  # a .tex preamble's macros
        after = source[1]
        bias = _bias(readable[block[0] : block[1]], body, options)
        judged = check_derivation(scope.assigned(body), scope=scope, **(options | {"bias": bias}))
        judged.line, judged.source = line, text[source[0] : source[1]]
        result.formulas.append(judged)
    return result


def _notation(found, define):
    """The notation most ``found`` formulas are in by a clue of their own (the first of
    those most), else the question's: the reading of a formula without a clue."""
    detected = [Options(define=tuple(define)).notation_of(body) for _, _, body, _ in found]
    clued = [name for name in detected if name != "question"]
    return max(clued, key=clued.count, default="question")


def _bias(block, body, options):
    """How Θ holds the bias in ``body``: as ``--bias`` says; else folded in Ng's notation
    when the code of its ``block`` prepends the bias unit (``[1; a]``, ``[ones(m, 1) X]``)
    or drops Θ's first column (``Θ(:, 2:end)``), as ex4's code does on every line of it."""
    notation = options["notation"] or notations.detect(body)
    if options.get("bias") is None and notation == "ng" and BIAS_UNIT.search(block):
        return "folded"
    return options.get("bias")


def formulas(text):
    """``(line, (start, end), body, block)`` for every formula of ``text``, in order; the
    ``block`` (start, end) is its code fence, the whole plain text or the formula itself."""
    found = list(FORMULA_RE.finditer(text))
    if all(match.lastgroup in ("fence", "code") for match in found):
        found = []  # plain text: every line is a candidate (its code spans, where it has some)
        yield from _candidates(text, _lines(text, 0, len(text)), (0, len(text)))
    for match in found:  # the group of its body (the outermost, env, for an environment)
        if match.lastgroup == "fence":
            yield from _candidates(text, _lines(text, *match.span()), match.span())
        elif match.lastgroup == "code":
            yield from _candidates(text, [(match.span("code"), match["code"])], match.span())
        else:
            body = TEX_COMMENT.sub("", match.group(match.lastgroup))
            yield _line_of(text, match.start()), match.span(), body, match.span()


def _lines(text, start, end):
    """``((start, end), line)`` for the lines between ``start`` and ``end`` of a text without
    TeX delimiters (or of a code fence), a line with Markdown code spans as its spans."""
    for line in LINE_RE.finditer(text, start, end):
        for piece in list(CODE_SPAN.finditer(text, *line.span(1))) or [line]:
            yield piece.span(1), piece[1]


def _candidates(text, lines, block):
    """The ``lines`` with an ``=`` (or ``←``), without their comments (``%``, ``#``), as
    formulas of ``block``; a mask after a copy (``dZ = dA.copy()``, then ``dZ[Z <= 0] = 0``)
    is read with it (:func:`tex.statements`), and after another line as its own
    (:meth:`Scope.assigned`)."""
    found = []
    for (start, end), line in lines:
        code = CODE_COMMENT.sub("", line)
        if found and tex.MASK.fullmatch(code.strip()) and tex.COPY.search(found[-1][2]):
            number, (begin, _), before, _ = found[-1]
            found[-1] = (number, (begin, end), f"{before}\n{code}", block)
        elif "=" in code or "←" in code:
            found.append((_line_of(text, start), (start, end), code, block))
    return found


def _line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def _without_comments(text):
    """TeX comments (``%`` to the end of the line, not ``\\%``) blanked, positions kept."""
    if "\\begin{document}" not in text and "\\documentclass" not in text:
        return text
    return TEX_COMMENT.sub(lambda m: " " * len(m.group()), text)


def read_text(path):
    """The text of ``path`` (``-``: standard input), UTF-8, at most ``MAX_TEXT`` characters."""
    try:
        if path == "-":
            text = sys.stdin.read(MAX_TEXT + 1)
        else:
            with open(path, encoding="utf-8") as handle:
                text = handle.read(MAX_TEXT + 1)
    except UnicodeDecodeError as err:
        message = f"is not UTF-8 text (byte {err.start}); save it as UTF-8"
        raise ConfigError(f"--file {path} {message}") from None
    except OSError as err:
        reason = "no such file" if isinstance(err, FileNotFoundError) else err.strerror
        raise ConfigError(f"--file {path}: {reason}; give a Markdown, .tex or text file") from None
    if len(text) > MAX_TEXT:
        raise ConfigError(f"--file {path} is longer than {MAX_TEXT} characters; split it")
    return text
