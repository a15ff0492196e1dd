"""The notations ``check`` reads, as data: one :class:`Table` each, read from a notation file.

A table says how a notation spells the question's quantities (the core vocabulary of Θ^(l),
b^(l), z^(l), a^(l), δ^(l), their batches Z, A, Δ and the gradients G = ∂J/∂Θ, gb = ∂J/∂b):
each written name with the core symbol it stands for (:class:`Meaning`), the layer the input is
(0 in deeplearning.ai and Goodfellow, 1 in the question), whether samples are rows, what J
includes, and the clue that tells the notation apart. ``notations.translate`` maps a parsed
equation into the core vocabulary with it, and ``notations.spell`` writes core symbols back.

Each built-in notation is a TOML file in ``notation_files/`` (``deltaprop check
--show-notation dlai`` prints one), its names written as a user writes ``--define``:
``"W^{[l]}" = "Theta^(l)"``. A user's own file in the same format is read by :func:`read`
(``check --notation-file``). Adding a notation is a file and its tests.
"""

import functools
import os
import pkgutil
import re
import tomllib
from dataclasses import dataclass, field, replace

from deltaprop.errors import ConfigError


@dataclass(frozen=True)
class Meaning:
    """A written name: the core symbol ``core``, at the written layer plus ``shift``.

    ``at`` is the layer of a name written without one, in the notation's own numbering
    (``"l-1"`` for deeplearning.ai's ``A_prev``, ``"L"`` for ``delta_output``); ``scale`` is
    ``"m"`` for a batched gradient of a cost that sums over the samples (m times the core's),
    ``"1/m"`` for cs231n's upstream gradients (the core's over m), or a number (Hagan's
    sensitivity s^m is 2 δ, Russell and Norvig's Δ_j is −δ: ``"-1"``); ``transposed`` for a
    name of the transpose (Russell and Norvig's w_{i,j} goes from i to j).
    """

    core: str
    shift: int = 0
    at: str = ""
    scale: str = ""
    transposed: bool = False


@dataclass(frozen=True)
class Table:
    """One notation: its name, a line of description and an example, and how it reads."""

    name: str
    title: str
    example: str
    symbols: dict = field(default_factory=dict)  # written name → Meaning
    spelled: dict = field(default_factory=dict)  # names only written back (Nielsen's w^l)
    words: dict = field(default_factory=dict)  # written word → a token of the parser (g: φ)
    operators: dict = field(default_factory=dict)  # Ng's * is the matrix product
    first: int = 1  # the number of the input layer
    letters: dict = field(default_factory=lambda: {"L": "L", "l": "l", "k": "l"})
    units: str = (
        ""  # the unit letters of three consecutive layers: Bishop's "ijk", Mitchell's "ihk"
    )
    rows: bool = False  # samples as rows: every quantity is the core's transpose
    cost: str = "mean"  # J averages over the samples ("mean") or sums them ("sum")
    square: str = "norm"  # v^2: ‖v‖² ("norm") or entry by entry ("power")
    numpy: bool = False  # np.dot, np.sum(…, axis=…), .T, ** are read
    one_d: bool = False  # np.sum(v, axis=1) without keepdims=True is 1-D (a row)
    flat: bool = False  # one sample is a 1-D array: its .T is itself, np.dot(u, v) a scalar
    bias: str = "separate"  # "folded": also read with the bias folded into Θ (Ng's course)
    layers: int = 0  # the depth without --sizes (d2l's one hidden layer), 0: any
    style: str = "()"  # how a layer is written back: "()", "[]", "^", "digits"
    clue: str = ""  # a pattern only this notation uses
    note: str = ""  # how it translates, shown once with a verdict
    index_note: str = ""  # the hint where a fix moves the weights' layer (Nielsen's w^l)
    advice: dict = field(default_factory=dict)  # pattern → what to say of a line not read
    local: dict = field(default_factory=dict)  # names local to one layer (cs231n's), by the
    # kind of layer: (clue, note, symbols), the first whose clue the equation matches


NUMPY_WORDS = ("dot", "sum", "maximum", "tanh", "axis", "power", "multiply", "outer", "mean")
NUMPY_WORDS += ("keepdims", "True", "False", "where", "transpose", "divide", "greater", "shape")
NUMPY_WORDS += ("subtract", "add")
NUMPY = {word: word for word in NUMPY_WORDS}  # read in every notation with numpy = true
# Ng's course with the bias folded in, a view of the question's quantities: Θ+^(l) = [b^(l+1)
# Θ^(l)] holds the bias as its first column (its gradients the bias's gradient), a+^(l) =
# [1; a^(l)] the bias unit a_0 = 1 as its first entry (a^(L) has none)
FOLDED = {  # the folded quantity at layer l: its first column, or "1", a first row of ones
    "Θ": "b^(l+1)",
    "G": "∂J/∂b^(l+1)",
    "Acc": "Δ^(l+1) 1",  # Ng's Δ^(l): Σ_i δ^(l+1)
    "R": "0 b^(l+1)",  # the L2 term leaves the bias alone
    "a": "1",
    "A": "1",
}
GRADIENTS = {"Θ": "G", "b": "gb", "Z": "Δ", "A": "∂J/∂A", "z": "δ", "a": "∂J/∂a"}  # ∂J/∂•

NOTATIONS = ("question", "ng", "nielsen", "cs231n", "dlai", "goodfellow", "bishop")
NOTATIONS += ("wikipedia", "d2l", "d2l-rows", "numpy", "ng-numpy", "britz")  # the order of --help


def source(name):
    """The text of the built-in notation file ``name`` (``check --show-notation``): package
    data, read by the package's loader (``importlib.resources`` and the pathlib and zipfile
    it imports would add a tenth to ``check``'s start-up)."""
    return pkgutil.get_data(__package__, f"notation_files/{name}.toml").decode("utf-8")


@functools.cache
def builtin(name):
    """The :class:`Table` of the built-in notation ``name`` (read once)."""
    return read(tomllib.loads(source(name)), f"{name}.toml")


def load(path):
    """The :class:`Table` of the user's notation file ``path`` (TOML, the format of the
    built-in files; its ``name`` is the file's name unless given)."""
    try:
        with open(path, "rb") as file:
            data = tomllib.load(file)
    except OSError as err:
        raise ConfigError(f"cannot read the notation file {path}: {err.strerror}") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not a TOML file ({err}): see --show-notation dlai") from None
    return read(data, str(path))


def read(data, where):
    """The :class:`Table` of a notation file's ``data`` (its TOML, parsed), every key and name
    checked before use: a ConfigError of one line names the key and what fits. ``numpy =
    true`` reads NumPy's words (dot, sum, …); the names of a ``local`` table are of the layer
    l, and the first one's are the table's symbols unless it has its own."""
    for key, value in data.items():
        if key not in CHECKS:
            raise ConfigError(f"{where}: unknown key {key!r}: the keys are {', '.join(CHECKS)}")
        fits, what = CHECKS[key]
        if not fits(value):
            entries = value.items() if isinstance(value, dict) else ()  # a table: its entry
            said = next((f"{key}.{k} = {v!r}" for k, v in entries if not fits({k: v})), None)
            raise ConfigError(f"{where}: {said or f'{key} = {value!r}'} does not fit: write {what}")
    words = NUMPY | data.get("words", {}) if data.get("numpy") else data.get("words", {})
    file = os.path.basename(where)
    named = {"name": file.removesuffix(".toml"), "title": f"the notation of {file}"}
    named["example"] = ""
    table = Table(**named | data | {"words": words})  # its names read next, with its layers
    local = {
        kind: (part.get("clue", ""), part.get("note", ""), _meanings(part, table, where, kind))
        for kind, part in table.local.items()
    }
    layer = next(iter(local.values()), ("", "", {}))[2]  # cs231n's affine layer
    symbols = _meanings(data, table, where) or layer
    spelled = _meanings(data, table, where, key="spelled")
    return replace(table, symbols=symbols, spelled=spelled, local=local)


def _meanings(data, table, where, kind="", key="symbols"):
    """name → Meaning of the definitions of ``data[key]`` (:func:`definition`), those of a
    ``kind`` of layer of the layer l."""
    meanings = {}
    for name, quantity in data.get(key, {}).items():
        try:
            so_far = replace(table, symbols=meanings)
            word, meaning = definition(name, quantity, so_far, "l" if kind else "")
        except ConfigError as err:
            part = f"local.{kind}.{key}" if kind else key
            raise ConfigError(f"{where}: {part} {name!r} = {quantity!r}: {err}") from None
        meanings[word] = meaning
    return meanings


def _regex(text):
    try:
        return isinstance(text, str) and re.compile(text) is not None
    except re.error:
        return False


def _one_of(*values):
    return lambda value: any(value == v and type(value) is type(v) for v in values)


def _text(value):
    return isinstance(value, str)


def _names(value):
    return isinstance(value, dict) and all(map(_text, value.values()))


def _local(value):
    parts = value.values() if isinstance(value, dict) else [None]
    fits = {"clue": _regex, "note": _text, "symbols": _names}
    return all(
        isinstance(part, dict) and all(k in fits and fits[k](v) for k, v in part.items())
        for part in parts
    )


def _letters(value):
    pairs = value.items() if isinstance(value, dict) else [("", "")]
    return all(re.fullmatch(r"[A-Za-z]\w*", k) and v in ("l", "L") for k, v in pairs)


WORD_MEANINGS = ("φ", "φ'", "ℓ'", "Diag φ'", "α", "J", "m", "G", "sum", "reg", *NUMPY_WORDS)
CHECKS = {  # a key of a notation file: (whether a value fits, what fits)
    "name": (lambda v: _text(v) and re.fullmatch(r"[\w-]+", v), "a word, as 'mine'"),
    "title": (_text, "a string: how a verdict calls the notation"),
    "example": (_text, "a string: an equation written in it"),
    "note": (_text, "a string: how it translates, shown with a verdict"),
    "index_note": (_text, "a string: the hint where a fix moves the weights' layer"),
    "advice": (
        lambda v: isinstance(v, dict) and all(map(_regex, v)) and all(map(_text, v.values())),
        "patterns, each with what to say of an equation that matches it and is not read",
    ),
    "first": (_one_of(0, 1), "0 or 1, the number of the input layer"),
    "letters": (_letters, "layer letters, each 'l' (a layer) or 'L' (the output): {k = 'l'}"),
    "units": (
        lambda v: _text(v) and re.fullmatch(r"[a-z]{3}", v) and len(set(v)) == 3,
        "three letters, each different: the units of the layers l-1, l and l+1 (Bishop's 'ijk')",
    ),
    "rows": (_one_of(False, True), "true (samples as rows) or false"),
    "cost": (_one_of("mean", "sum"), "'mean' or 'sum': J averages or sums over the samples"),
    "square": (_one_of("norm", "power"), "'norm' (v^2 is ‖v‖²) or 'power' (entry by entry)"),
    "numpy": (_one_of(False, True), "true (np.dot, .T, ** are read) or false"),
    "one_d": (_one_of(False, True), "true (np.sum without keepdims=True is 1-D) or false"),
    "flat": (_one_of(False, True), "true (one sample is a 1-D array: v.T is v) or false"),
    "bias": (_one_of("separate", "folded"), "'separate' or 'folded' (also Θ with a bias column)"),
    "layers": (lambda v: type(v) is int and v >= 0, "the depth without --sizes, or 0 for any"),
    "style": (_one_of("()", "[]", "^", "digits"), "'()', '[]', '^' or 'digits'"),
    "clue": (_regex, "a regular expression (Python's re) only this notation's equations match"),
    "words": (
        lambda v: isinstance(v, dict) and all(w in WORD_MEANINGS for w in v.values()),
        f"words, each one of {', '.join(WORD_MEANINGS[:10])}, as {{g = 'φ'}}",
    ),
    "operators": (
        lambda v: isinstance(v, dict) and v.items() <= {"*": "·", "Δ": "Acc"}.items(),
        "'*' = '·' (* is the matrix product) or 'Δ' = 'Acc' (Ng's accumulator)",
    ),
    "symbols": (_names, "names, each the question's quantity: {'W^{[l]}' = 'Theta^(l)'}"),
    "spelled": (_names, "names only written back, as symbols"),
    "local": (_local, "tables of the names of one kind of layer, each with clue, note, symbols"),
}


# ---------------------------------------------------------------- a definition: a name and the
# question's quantity it stands for, in a notation file and in --define

SCALARS = {"x", "X", "y", "Y", "J", "m", "S"}  # core symbols without a layer; S: the L2 term
CORE = {"Theta": "Θ", "theta": "Θ", "Θ": "Θ", "W": "Θ", "delta": "δ", "δ": "δ", "Delta": "Δ"}
CORE["Δ"] = "Δ"
CORE |= {name: name for name in ("b", "z", "a", "Z", "A", "Acc", *SCALARS)}  # Acc: Ng's Δ^(l)
LAYER = (  # l, (l+1), [l-1], {(L)}, 2: a layer letter or number, in matching brackets
    r"(?P<brace>\{)?\s*(?P<open>[\[(])?\s*(?P<letter>[A-Za-z]?)\s*(?P<offset>[+-]?\s*\d+)?"
    r"\s*(?(open)[\])])\s*(?(brace)\})"
)
WRITTEN = re.compile(  # W^{[l]}, w^l, W_{l}, W[l], A_prev, \dot{F}; Octave's Theta{l}_grad: the
    r"(?P<head>\\[A-Za-z]+\{\w+\}|\\?[^\W\d]\w*?)"  # layer in the middle
    rf"\s*(?:(?:\^\s*|_(?=\{{)|(?=\[)){LAYER}|\{{(?P<slot>[A-Za-z])\}}(?P<tail>\w*))?"
)
QUANTITY = re.compile(  # m dJ/dTheta^(l), \partial J/\partial \Theta^{(l)}, Delta[l+1]/m, J,
    # 2 delta^(l), -delta^(l), 2m J (a cost of one's own without the ½ and the 1/m), Theta^(l)^T
    r"(?:(?P<factor>(?:-?\s*\d+(?:\.\d+)?\s*)?m|-|-?\s*\d+(?:\.\d+)?)\s*\*?\s*)?"
    r"(?P<d>(?:[d∂]|\\partial\s*)J\s*/\s*(?:[d∂]|\\partial\s*))?"
    rf"\\?(?P<name>[^\W\d]\w*)\s*(?:\^\s*)?{LAYER}"
    r"(?P<T>\s*(?:\^\s*\{?\s*T\s*\}?|ᵀ|\.T))?(?P<over>\s*/\s*m)?"
)
NAMED_LAYER = re.compile(  # Raschka's A^{(h)}, W^{(out)}: a layer named by a word, not a letter
    r"\\?[^\W\d]\w*\s*\^\s*\{?\s*[(\[]\s*[A-Za-z]\w*\s*[)\]]\s*\}?"
)
ELL = re.compile(r"(?<=[\^\[({])(?:\\ell(?![A-Za-z])|ℓ)")  # W^{[\ell]}: the layer letter l
ENTRIES = re.compile(r"_(?:\{[a-z](?:,?[a-z])?\}|[a-z](?:,?[a-z])?)(?=\^|$)")  # w^l_{jk}
FRACTION = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{(.*)\}")  # \frac{∂J}{∂…}: ∂J/∂…
QUANTITIES = (
    "Theta^(l), b^(l), z^(l), a^(l), delta^(l), their batches Z, A, Delta, the gradients "
    "dJ/dTheta^(l), dJ/db^(l), dJ/dZ^(l), dJ/dA^(l), J, m, x, y; times m, over m or times a "
    "number, maybe transposed (Theta^(l)^T); or a function: phi, phi', Diag(phi')"
)
MATRICES = {"Θ", "G", "Acc"}  # a name read as one of these is not redefined as a vector
VECTORS = {"b", "z", "a", "δ"}  # nor one of these as a matrix
SHAPED = {name: core for name, core in CORE.items() if name != "theta"}  # θ_j: a threshold
UNITS = {"z", "a", "Z", "A"}  # the units of a layer: of one written layer, one layer apart at most
WEIGHTS = {"Θ", "G"}  # between two layers


def definition(name, quantity, table, at=""):
    """``(written name, Meaning)`` of one definition ``name = quantity``: a name written with
    a layer in ``table``'s letters and numbering (``W^{[l]}`` = ``Theta^(l)``: Θ at the written
    layer − 1 where layer 0 is the input), or a name of one layer (``A_prev`` = ``A^(l)``: at
    that layer, which a weight's name, such as ``W`` = ``Theta^(l-1)``, maps to; ``at`` for a
    table whose names are all of the layer l, as cs231n's); the quantity in the question's
    symbols and numbering, times m, over m or times a number (Britz's ``m dJ/dTheta^(l)``,
    cs231n's ``Delta^(l+1)/m``, Hagan's ``2 delta^(l)``), maybe transposed. A ConfigError
    names what does not fit: a name the notation reads as a matrix is not given a vector."""
    name, quantity = ELL.sub("l", name).strip(), ELL.sub("l", quantity).strip()
    name = ENTRIES.sub("", name) if "^" in name else name  # w^l_{jk}: the name w^l
    written = WRITTEN.fullmatch(_braced(name, table))
    letter = written and (written["letter"] or written["slot"])
    if NAMED_LAYER.fullmatch(name) and letter not in {*table.letters, "l", "L"}:  # A^{(out)}
        word, letter = re.sub(r"\s+", "", name).lstrip("\\"), ""
    elif written is None:
        raise ConfigError(
            f"{name!r} is not a name with an optional layer: write W^{{[l]}} or A_prev"
        )
    else:
        word = written["head"] + ("{}" + written["tail"] if written["tail"] else "")
    meaning, layer = _quantity(quantity.strip(), table)
    _same_shape(word, name.strip(), meaning.core, table)
    if layer is None and meaning.core not in SCALARS:
        raise ConfigError(f"give the layer of {quantity.strip()!r}: write {quantity.strip()}^(l)")
    if letter and meaning.core in SCALARS:
        raise ConfigError(f"{quantity.strip()!r} has no layer: write {word}={quantity.strip()}")
    if letter:
        if letter not in table.letters:
            raise ConfigError(
                f"{letter!r} is not a layer letter of {table.title}: write it in its letters, "
                f"as {letter} = {layer[0]!r}"
            )
        base = table.letters[letter]
        if base != layer[0]:
            raise ConfigError(
                f"the layer letters differ ({letter!r} is {base!r} in {table.title}, the "
                f"quantity's is {layer[0]!r}): write the quantity with {base!r}"
            )
        offset = int((written["offset"] or "0").replace(" ", ""))
        meaning = replace(meaning, shift=layer[1] - offset - input_shift(base, table))
        return word, _layers_agree(word, meaning, quantity.strip(), table)
    if layer is None:
        return word, meaning
    if at and layer[0] == "l":  # a name of the layer l of a table of one layer (cs231n's)
        return word, replace(meaning, shift=layer[1] - input_shift(layer[0], table), at=at)
    shift = -int(meaning.core in ("Θ", "G"))  # a weight's name is of the layer it maps to
    at = _layer_text(layer[0], layer[1] - shift - input_shift(layer[0], table), table)
    return word, replace(meaning, shift=shift, at=at)


def _braced(name, table):
    """``name`` with a layer letter of ``table`` written as a subscript without braces put in
    them: Murphy's ``W_l`` is ``W_{l}`` (but ``E_n`` and ``A_prev`` are names)."""
    found = re.fullmatch(r"(.+)_([A-Za-z])", name)
    return f"{found[1]}_{{{found[2]}}}" if found and found[2] in table.letters else name


def _same_shape(word, name, core, table):
    """A ConfigError where ``word``, which ``table`` reads as a weight matrix (W: Θ), is
    defined as a vector or a batch, or one it reads as a vector (b) as a matrix. A small θ is
    a vector's letter: Rumelhart, Hinton and Williams's threshold θ_j is a bias."""
    before = getattr(table.symbols.get(word), "core", None) or SHAPED.get(word)
    if before in MATRICES and core not in MATRICES | SCALARS:
        shape, example = "a weight matrix", "a matrix such as Theta^(l)"
    elif before in VECTORS and core in MATRICES:
        shape, example = "a vector", "a vector such as b^(l)"
    else:
        return
    raise ConfigError(
        f"the shapes disagree: {name} is {shape} in {table.title}: write {example}, or give "
        "the quantity another name"
    )


def _layers_agree(word, meaning, quantity, table):
    """``meaning``, of a name ``word`` written with a layer letter, where it puts the units of
    a layer (z, a, Z, A) or a weight Θ where the table's other such names do: the z and the a
    of one written layer are one layer apart at most (Prince's f_k = β_k + Ω_k h_k is the z of
    the layer after h_k's), and its Θ maps from their layer or into it (the question's Θ^(l)
    from l, deeplearning.ai's W^{[l]} into l). Else a ConfigError names the quantity that
    agrees."""
    others = [m for w, m in table.symbols.items() if w != word and isinstance(m, Meaning)]
    others = [m for m in others if not m.at]
    if meaning.core in UNITS:
        fits = [{m.shift - 1, m.shift, m.shift + 1} for m in others if m.core in UNITS]
        fits += [{m.shift, m.shift + 1} for m in others if m.core in WEIGHTS]
    elif meaning.core in WEIGHTS:
        fits = [{m.shift - 1, m.shift} for m in others if m.core in UNITS]
    else:
        return meaning
    allowed = set.intersection(*fits) if fits else {meaning.shift}
    if not allowed or meaning.shift in allowed:  # none: the notation's own names disagree
        return meaning
    by = min(allowed, key=lambda shift: abs(shift - meaning.shift)) - meaning.shift
    found = QUANTITY.fullmatch(text := FRACTION.sub(r"\1/\2", quantity))
    offset = f"{int((found['offset'] or '0').replace(' ', '')) + by:+d}".removesuffix("+0")
    start, end = found.span("offset") if found["offset"] else (found.end("letter"),) * 2
    raise ConfigError(
        "the layers disagree with the other names (the z and a of one written layer are one "
        "layer apart at most, and its Θ maps from their layer or into it): write "
        f"{text[:start]}{offset}{text[end:]}"
    )


def letters_of(definitions, table):
    """``table`` with the layer letters that the names of ``definitions`` (name, quantity)
    write and it has not, each the letter of its quantity: Hagan's ``W^m = Theta^(l)`` makes
    m a layer l (never l or L, the question's letters: Goodfellow's l is L)."""
    letters = {}
    for name, quantity in definitions:
        name, quantity = ELL.sub("l", name).strip(), ELL.sub("l", quantity).strip()
        written, found = WRITTEN.fullmatch(name), QUANTITY.fullmatch(quantity)
        letter, base = written and written["letter"], found and found["letter"]
        if letter not in (None, "", "l", "L", *table.letters) and base in ("l", "L", "k"):
            letters.setdefault(letter, base.replace("k", "l"))
    return replace(table, letters=table.letters | letters)


def _quantity(text, table):
    """``(Meaning at the layer, (base, offset) or None)`` of a quantity of the question's
    notation, or of a name of ``table`` with its layer (deeplearning.ai's
    ``\\frac{\\partial J}{\\partial W^{[l]}}`` is ∂J/∂Θ^(l))."""
    found = QUANTITY.fullmatch(FRACTION.sub(r"\1/\2", text))
    name = found["name"] if found else ""
    layered = found and (found["letter"] or found["offset"])
    own = table.symbols.get(name) if layered and name not in CORE else None
    core = own.core if own else CORE.get(name)
    if found and found["d"]:
        core = GRADIENTS.get(core)
    if core is None:
        unknown = f" (unknown symbol {found['name']!r})" if found else ""
        raise ConfigError(
            f"{text!r} is not a quantity of the question's notation{unknown}: write {QUANTITIES}"
        )
    layer = None
    if layered:
        letters = table.letters if own else {"k": "l"}
        base = letters.get(found["letter"], found["letter"])
        if base not in ("l", "L", ""):
            raise ConfigError(
                f"the layer of {text!r} is l, L or a number, plus or minus one: write it in the "
                f"question's letters, as {name}^(l)"
            )
        offset = int((found["offset"] or "0").replace(" ", ""))
        layer = (base, offset + (own.shift + input_shift(base, table) if own else 0))
    factor = found["factor"] or ("1/m" if found["over"] else "")
    scale = {"-": "-1"}.get(factor, factor.replace(" ", ""))
    return Meaning(core, scale=scale, transposed=bool(found["T"])), layer


def input_shift(base, table):
    """1 where layer 0 is the input (the core's layer l is the notation's l − 1), else 0."""
    return int(table.first == 0 and base != "L")


def _layer_text(base, offset, table):
    """A layer in ``table``'s letters: ``l-1``, ``L``, ``2``."""
    letter = next((w for w, core in table.letters.items() if core == base), base)
    return f"{letter}{offset:+d}".removesuffix("+0") if base else str(offset)


BY_NAME = {name: builtin(name) for name in NOTATIONS}
TABLES = tuple(BY_NAME.values())
