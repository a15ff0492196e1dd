"""A derivation as students type it in TeX, taken apart for the checker.

- :class:`Macros` expands ``\\def\\W{\\Theta}``, ``\\def\\LR#1{\\left(#1\\right)}``,
  ``\\newcommand`` and ``\\DeclareMathOperator`` (definitions stay in force for the rest of a text);
- :func:`normalize` drops what only typesets (``\\color``, ``\\rm``, ``\\small``, ``\\tag``,
  ``\\nonumber``, ``\\left.``), writes the answer's differentials ``d\\Theta`` as ``∂Θ`` and
  a definition (``≡``, ``:=``, ``\\triangleq``) as ``=``;
- :func:`equations` splits a formula (``align``, ``aligned``, ``eqalign``, ``gather``, ``split``,
  ``cases``, ``equation`` with ``\\\\``, ``&=`` and several equations per row separated by
  ``\\qquad`` or ``\\quad\\implies\\quad``) into :class:`Equation` records: the quantity on the
  left, the right sides (the steps, with ``\\underbrace`` / ``\\overbrace`` definitions taken
  out), and shape claims ``\\in \\mathbb{R}^{n_L \\times 1}``.

Nothing here judges: :mod:`deltaprop.derivation.chain` does, one step at a time.
"""

import re
from dataclasses import dataclass, field

from deltaprop.errors import ConfigError

MAX_EXPANSIONS = 2000  # macro expansions in one formula: a recursive \def stops here


@dataclass
class Definition:
    """``\\underbrace{expr}_{name}``: ``name`` is claimed to be ``expr``."""

    name: str
    expr: str


@dataclass
class Step:
    """One right side of a chain: ``text`` with every underbrace replaced by its expression."""

    text: str
    written: str  # as it stands in the formula (after macros), for messages
    definitions: list = field(default_factory=list)


@dataclass
class Equation:
    """``lhs = step_1 = step_2 …`` (``relation`` "="), an update ``lhs ← step`` ("←") or a
    shape claim ``lhs ∈ ℝ^{…}`` ("∈", no steps); ``claims`` are the ``ℝ^{…}`` written."""

    lhs: str
    relation: str
    steps: list = field(default_factory=list)
    claims: list = field(default_factory=list)


# ---------------------------------------------------------------- macros


BRACE = re.compile(r"(?<!\\)[{}]")  # a brace that is not escaped, as \{ is


def group_end(text, start):
    """The index just past the brace group that opens at ``text[start]`` (a ``{``)."""
    depth = 0
    for brace in BRACE.finditer(text, start):
        depth += 1 if brace.group() == "{" else -1
        if depth == 0:
            return brace.end()
    raise ConfigError(f"unbalanced braces: the '{{' at position {start} is never closed")


ARGUMENT = re.compile(r" *(\\[A-Za-z]+|\\.|.)", re.S)  # a command, an escaped or a plain character


def _argument(text, pos):
    """``(argument, end)``: the brace group or single token at ``pos`` (spaces skipped)."""
    match = ARGUMENT.match(text, pos)
    if match is None:
        raise ConfigError("a macro is missing an argument at the end of the formula")
    if match[1] == "{":
        end = group_end(text, match.start(1))
        return text[match.end() : end - 1], end
    return match[1], match.end()


DEFINITION_RE = re.compile(  # \def, \newcommand, \DeclareMathOperator, up to the body's brace
    r"\\def\s*\\(?P<def>[A-Za-z]+)\s*(?P<hashes>(?:#\d)*)\s*\{"
    r"|\\(?:re)?newcommand\*?\s*\{?\\(?P<new>[A-Za-z]+)\}?\s*(?:\[(?P<count>\d)\])?\s*\{"
    r"|\\DeclareMathOperator\*?\s*\{?\\(?P<op>[A-Za-z]+)\}?\s*\{"
)


class Macros:
    """The macros defined so far in a text: ``name → (number of arguments, body)``."""

    def __init__(self):
        self.table = {}

    def take_definitions(self, text):
        """``text`` without its macro definitions, which are added to the table."""
        while (match := DEFINITION_RE.search(text)) is not None:
            end = group_end(text, match.end() - 1)
            body = text[match.end() : end - 1]
            count = len(match["hashes"] or "") // 2 + int(match["count"] or 0)
            name = match["def"] or match["new"] or match["op"]
            self.table[name] = (count, f"\\operatorname{{{body}}}" if match["op"] else body)
            text = text[: match.start()] + text[end:]
        return text

    def expand(self, text):
        """``text`` with every macro use replaced by its body, arguments substituted."""
        if not self.table:
            return text
        names = "|".join(sorted(map(re.escape, self.table), key=len, reverse=True))
        use = re.compile(rf"\\({names})(?![A-Za-z])")
        for _ in range(MAX_EXPANSIONS):
            match = use.search(text)
            if match is None:
                return text
            count, body = self.table[match.group(1)]
            pos = match.end()
            for k in range(1, count + 1):
                arg, pos = _argument(text, pos)
                body = body.replace(f"#{k}", arg)
            text = text[: match.start()] + body + text[pos:]
        raise ConfigError(f"macros expand more than {MAX_EXPANSIONS} times: is one recursive?")


# ---------------------------------------------------------------- typesetting dropped

DROPPED = re.compile(  # what only typesets, with its argument if any
    r"\\(?:nonumber|notag|displaystyle|textstyle|rm|small|large|Large|tiny|footnotesize|bf|it"
    r"|limits|strut|mathstrut|,|;|:|!|>)(?![A-Za-z])"
    r"|\\(?:label|tag\*?|hspace\*?|vspace\*?|phantom|color)\s*\{[^{}]*\}"
    r"|(?<!\\)\\(?=\s|$)|\\(?:left|right)\s*\."  # control space "\ " (\\ after a shell), \left.
)
DIFFERENTIAL_RE = re.compile(  # the answer's dΘ, dφ'(z): a differential of a command
    r"(?<![A-Za-z\\])d\s*(?=\\(?:Theta|theta|delta|Delta|varphi|phi|sigma|W)(?![A-Za-z]))"
)
SUM_BOUND = re.compile(r"(\\sum\s*_\s*\{[^{}]*\})\s*\^\s*(?:\{[^{}]*\}|[A-Za-z0-9])")
MATRIX_ENV = re.compile(r"\\begin\{([pbBvV]?matrix|smallmatrix|array)\}")
MATRIX_RE = re.compile(MATRIX_ENV.pattern + r".*?\\end\{\1\}", re.S)  # to its own \end
EQUATIONS_ARRAY = re.compile(  # \begin{array}{rcl} a & = & b \\ …: rows of equations, no matrix
    r"\\begin\{array\}\s*\{[lcr|\s]*\}((?:(?!\\end\{array\}).)*=.*?)\\end\{array\}", re.S
)
DOUBLE_BRACES = re.compile(r"\{\s*\{([^{}]*)\}\s*\}")
UNICODE = str.maketrans({"⊤": "ᵀ", "⋅": "·", "∈": "\\in ", "ℒ": "J"})
ARROW = re.compile(r"\\(?:leftarrow|gets)(?![A-Za-z])")  # an update Θ ← Θ − η ∂J/∂Θ
LOSS = re.compile(r"(?:\\mathcal\s*\{?\s*L\s*\}?|ℒ)")  # deeplearning.ai's, Goodfellow's loss: J
DEFINED_AS = re.compile(r"\\(?:equiv|coloneqq|triangleq|doteq)(?![A-Za-z])|[≡≜≔]|:=")  # δ ≡ ∂J/∂z
MATRIX = "\\MATRIX"  # a matrix written entry by entry: a side nobody can evaluate


def normalize(text):
    """``text`` without what only typesets, in the tokens the parser reads."""
    text = text.translate(UNICODE).replace("&amp;", "&")  # & as a web page's source writes it
    text = DEFINED_AS.sub("=", _unwrapped(text))
    text = EQUATIONS_ARRAY.sub(r" \\\\ \1 \\\\ ", text)
    text = MATRIX_RE.sub(lambda _: f" {MATRIX} ", text)  # a function: MATRIX has a backslash
    if (match := MATRIX_ENV.search(text)) is not None:
        raise ConfigError(f"\\begin{{{match.group(1)}}} is never closed")
    text = ARROW.sub("←", LOSS.sub("J", text))
    text = re.sub(r"\\textcolor\s*\{[^{}]*\}", "", text)
    text = DROPPED.sub(" ", text)
    text = re.sub(r"\\(?:mathrm|operatorname|text|mathit)\s*\{\s*(?:Tr|tr|trace)\s*\}", "Tr", text)
    text = re.sub(r"\\(?:mathrm|operatorname|text)\s*\{\s*prod\s*\}", "prod", text)  # d2l's
    text = DIFFERENTIAL_RE.sub(r"\\partial ", text)
    text = re.sub(r"\\partial\s*_", r"\\nabla_", text)  # ∂_X J, a gradient as ∇_X J
    text = SUM_BOUND.sub(r"\1", text)
    text = re.sub(r"_\s*\{\s*F\s*\}", "_F", text)
    text = re.sub(r"\{\s*\{\s*([A-Za-z])\s*\}", r"{\1", text)  # _{{L}-1}: the answer's \smL
    while DOUBLE_BRACES.search(text):
        text = DOUBLE_BRACES.sub(r"{\1}", text)
    return text


WRAPPER = re.compile(r"\\(?:(?P<note>underset|overset|stackrel)\s*\{|boxed\s*\{)")


def _unwrapped(text):
    """``text`` with ``\\boxed{X}`` as X and ``\\underset{note}{X}`` (``\\overset``,
    ``\\stackrel``) as X: what frames a term or writes a note by it (its shape, or "def"
    over an =)."""
    while (match := WRAPPER.search(text)) is not None:
        inner, end = _argument(text, match.end() - 1)
        if match["note"]:
            inner, end = _argument(text, end)
        text = f"{text[: match.start()]} {inner} {text[end:]}"
    return text


PRIMES = re.compile(  # φ' as students spell it: g'(z), g_prime(z), g^\prime(z), \sigma^\prime
    r"\b(?:[gf]\s*(?:\^\s*\\prime|')|(?:g|phi|sigma|f)_?prime|dsigma|dphi)(?=\s*[({])"
    r"|\\(?:sigma|varphi|phi)\s*\^\s*\{?\s*\\prime\s*\}?"
)


def primes_as_phi(text):
    """``text`` with the spellings of φ' that the parser does not know written ``φ'``,
    padded with spaces to the same length (so positions in ``text`` still hold)."""
    return PRIMES.sub(lambda m: "φ'".ljust(len(m.group())), text)


# ---------------------------------------------------------------- rows and equations

ROW_ENVS = re.compile(  # also \intertext{and one layer down}: prose between two rows
    r"\\(?:begin|end)\{(?:align|aligned|alignat|gather|gathered|split|equation|multline|"
    r"eqnarray|cases|dcases|subequations|math|displaymath)\*?\}(?:\{\d+\})?"
    r"|\\(?:short)?intertext\s*\{[^{}]*\}"
)
SEPARATORS = re.compile(
    r"\\(?:qquad|quad|implies|Longrightarrow|Rightarrow|iff|Leftrightarrow|text\s*\{\s*and\s*\}"
    r"|mbox\s*\{[^{}]*\}|text\s*\{[^{}]*\}(?!\s*\())(?![A-Za-z])"  # \text{ReLU}(x): a function
)
CONDITION = re.compile(  # \forall l, \text{for } l < L, and in plain words: for l = 1, 2, 3
    r"\\forall|\\text\s*\{\s*(?:for|where|if)|\\(?:mbox|rm)\s*\{?\s*for"
    r"|(?<=\S)\s+(?:for|where)\s+(?:(?:all|each|every)\b|[A-Za-z]\s*[=<>≤≥∈])"
)
ELLIPSIS = re.compile(r"^\s*\\[vcld]?dots\s*$")
CLAIM_RE = re.compile(r"\\in\s*\\mathbb\s*\{?\s*R\s*\}?")
NAMED_LINE = (  # a line that names what it computes: dZ2 = …, δ^(2) = …, \delta^{(2)} = …
    r"\n(?=\s*\\?[^\W\d][\w.]*(?:\s*[_^]\s*(?:\{[^{}\n]*\}|\([^()\n]*\)|\w))*\s*[-+]?=)"
)


def rows(formula):
    """The rows of ``formula``: environments and ``\\eqalign{…}`` opened, split at ``\\\\``
    and before a line that names what it computes (``dZ2 = …``, ``δ^(2) = …``): lines of code
    and lines of equations are rows of their own."""
    text = ROW_ENVS.sub(r" \\\\ ", formula)
    while (match := re.search(r"\\eqalign(?:no)?\s*\{", text)) is not None:
        end = group_end(text, match.end() - 1)
        inner = text[match.end() : end - 1]
        text = text[: match.start()] + " \\\\ " + inner + " \\\\ " + text[end:]
    text = re.sub(r"\\\\\s*\[[^\]]*\]", r"\\\\", text)
    return [row.strip() for row in re.split(rf"\\\\|{NAMED_LINE}", text) if row.strip()]


COPY = re.compile(  # a copy, a reshape to the shape an array has: the array
    r"\.copy\(\)|\.reshape\(((?:[^()]|\([^()]*\))*)\)|\bnp\.array\(\s*(\w+)\s*,\s*copy\s*=\s*True\s*\)"
    r"|\bnp\.reshape\(((?:[^(),]|\([^()]*\))*),(?:[^()]|\([^()]*\))*\)"  # np.reshape(x, (N, -1))
)
ORIENTED = {  # the arguments of a reshape to one column or one row: as NumPy's v[:, None]
    r"\(?[^,]+,\s*1\s*\)?": "[:, None]",  # .reshape(-1, 1), .reshape((n, 1))
    r"\(?\s*1\s*,[^,]+": "[None, :]",  # .reshape(1, -1)
}
KEYED = re.compile(  # grads['W2'], grads["dW" + str(l)]: dW2, dW; parameters["W1"],
    # cache["Z1"]: W1, Z1
    r"\b(grads|parameters|params|cache)\s*\[\s*(['\"])d?(\w+?)\2\s*(?:\+\s*str\(\s*l\s*\)\s*)?\]"
)
SAMPLE = re.compile(r"\b([XY])\(\s*\w+\s*,\s*:\s*\)'|\b([XY])\(\s*:\s*,\s*\w+\s*\)")  # X(t,:)': x
MASK = re.compile(r"(\w+)\s*\[([^\[\]]+?)\s*([<>]=?)\s*0\s*\]\s*=\s*0")  # dx[x <= 0] = 0
INDEXED_LINE = re.compile(r"\n(?=\s*\w+\s*\[[^\]\n]*\]\s*=)")  # a line dx[…] = … of code
KEPT = {"<=": ">", "<": ">=", ">=": "<", ">": "<="}  # where the mask keeps the values


def statements(code):
    """The statements of a line of code separated by ``;`` (``dZ2 = A2 - Y; dW2 = …``), its
    copies and reshapes read as the array (to one column or row: ``v[:, None]``,
    ``v[None, :]``), ``grads['W2']`` as ``dW2`` and ``parameters['W1']`` (or ``cache['Z1']``)
    as ``W1``, Octave's sample ``X(t,:)'`` (or ``X(:,t)``) as ``x`` (padded: positions in
    ``code`` still hold), and an in-place mask after a copy (``dx = dout.copy(); dx[x <= 0]
    = 0``, or on the next line) read as one statement, ``dx = (dout) * (x > 0)``."""
    found = []
    code = COPY.sub(lambda m: _copied(m).ljust(len(m[0])), code)
    code = KEYED.sub(lambda m: ("d" * (m[1] == "grads") + m[3]).ljust(len(m[0])), code)
    code = SAMPLE.sub(lambda m: (m[1] or m[2]).lower().ljust(len(m[0])), code)
    code = INDEXED_LINE.sub(";", code)
    for statement in top_level_split(code, ";"):
        mask = MASK.fullmatch(statement.strip())
        if mask and found and re.match(rf"\s*{mask[1]}\s*=", found[-1]):
            name, value = found[-1].split("=", 1)
            found[-1] = f"{name}= ({value.strip()}) * ({mask[2]} {KEPT[mask[3]]} 0)"
        elif statement.strip():
            found.append(statement)
    return found


def _copied(found):
    """A match of :data:`COPY` as the array it copies or reshapes (nothing after the array
    for ``.copy()``), a reshape to one column or row as ``[:, None]`` or ``[None, :]``."""
    if found[2] or found[3]:
        return found[2] or f"({found[3]})"
    reshaped = (v for k, v in ORIENTED.items() if found[1] and re.fullmatch(k, found[1].strip()))
    return next(reshaped, "")


def pieces(row):
    """A row cut into equations: ``&`` dropped, split at ``\\qquad``, ``\\implies`` … and at
    the commas between equations (``z = Θ a + b, a = φ(z)``); a piece that states a condition
    (``\\forall l``, ``for k < L``) is dropped."""
    out = []
    for piece in (p for part in SEPARATORS.split(row.replace("&", " ")) for p in _listed(part)):
        cut = CONDITION.search(piece)
        piece = (piece[: cut.start()] if cut else piece).strip().rstrip(",.;").strip()
        if piece and not ELLIPSIS.match(piece):
            out.append(piece)
    return out


def _listed(part):
    """``part`` split at its commas when every piece between them is an equation."""
    listed = top_level_split(part, ",")
    return listed if all(len(top_level_split(p, "=")) > 1 for p in listed) else [part]


def top_level_split(text, separator):
    """``text`` split at ``separator`` outside every bracket, brace and parenthesis."""
    parts, depth, start = [], 0, 0
    for match in re.finditer(rf"{re.escape(separator)}|\\.|[()[\]{{}}]", text):  # \{ is escaped
        mark = match.group()
        if mark == separator and depth == 0:
            parts.append(text[start : match.start()])
            start = match.end()
        depth += (mark in "([{") - (mark in ")]}")
    return [*parts, text[start:]]


def equations(formula):
    """The :class:`Equation` records of one formula (macros already expanded)."""
    found = []
    for row in rows(normalize(formula)):
        for piece in (piece for statement in statements(row) for piece in pieces(statement)):
            _add_piece(found, piece)
    return found


UPDATE = re.compile(r"([^=]*?)\s*([-+*/])=(?!=)(.*)", re.S)  # dW += T, dscores /= N


def updated(statement):
    """``statement`` with an update ``X op= T`` written ``X = X op (T)`` (code's ``dW += T``,
    ``dscores /= N``)."""
    found = UPDATE.fullmatch(statement.strip())
    return f"{found[1]} = {found[1]} {found[2]} ({found[3].strip()})" if found else statement


def _add_piece(found, piece):
    piece, claims = _claims(piece)
    arrow = top_level_split(piece, "←")
    if len(arrow) == 2 and len(top_level_split(arrow[1], "=")) == 1:
        found.append(Equation(arrow[0].strip(), "←", [_step(arrow[1])], claims))
        return
    piece = updated(arrow[-1])  # Goodfellow's g ← ∇_{a^{(k)}} J = …: g names the chain
    sides = [side.strip() for side in top_level_split(piece, "=")]
    if len(sides) == 1:
        if claims and sides[0]:
            found.append(Equation(sides[0], "∈", [], claims))
        return
    if not sides[0] and found and found[-1].relation == "=":  # a row that starts with &=
        found[-1].steps += [_step(side) for side in sides[1:]]
        found[-1].claims += claims
        return
    found.append(Equation(sides[0], "=", [_step(side) for side in sides[1:]], claims))


def _claims(piece):
    """``piece`` without its ``\\in \\mathbb{R}^{…}`` claims, and the claimed spaces."""
    claims = []
    while (match := CLAIM_RE.search(piece)) is not None:
        space, end = _script(piece, match.end(), "^")
        claims.append(space.strip())
        piece = piece[: match.start()] + " " + piece[end:]
    return piece, claims


def _script(text, end, mark):
    """``(argument, end)`` of the superscript (``mark`` ^) or subscript (_) that follows
    ``text[:end]``, or ``("", end)`` when none does."""
    if not text[end:].lstrip().startswith(mark):
        return "", end
    return _argument(text, text.index(mark, end) + 1)


SHAPE = re.compile(r"\\times|×")  # \underbrace{\delta^{(3)}}_{2 \times 1}
BRACE_RE = re.compile(r"\\(underbrace|overbrace|underbracket|overbracket)\s*\{")


def _step(side):
    """A :class:`Step`: each ``\\underbrace{expr}_{name}`` becomes ``(expr)``, a definition."""
    written, text, definitions = side.strip(), side.strip(), []
    while matches := list(BRACE_RE.finditer(text)):
        match = matches[-1]  # the last opening: nested ones are taken inside out
        end = group_end(text, match.end() - 1)
        expr = text[match.end() : end - 1]
        name, after = _script(text, end, "_" if match.group(1).startswith("under") else "^")
        if name.strip() and not SHAPE.search(name):  # a shape under a factor: no name
            definitions.append(Definition(name.strip(), expr.strip()))
        text = text[: match.start()] + f"\\left({expr}\\right)" + text[after:]
    return Step(text.strip(), written, definitions)
