"""The notations students bring, how ``check`` tells them apart and translates them.

The question's notation (Θ^(l), δ^(l), layer 1 the input) is the one deltaprop speaks; every
other notation is a :class:`~deltaprop.derivation.tables.Table`. :func:`read` parses an
equation in a notation and :func:`translate` maps the names of its table into the core
vocabulary right after parsing, so that shapes, values and hints know only the core symbols.
Ng's folded bias and ex4's rows (:func:`fold`, :func:`rows`) are readings of the core symbols;
cs231n's names are local to one layer, an affine one or an activation (:func:`local_names`).
"""

import functools
import re
import unicodedata
from dataclasses import dataclass, field, replace

from deltaprop.config import check_choice
from deltaprop.derivation.hints import WORDS
from deltaprop.derivation.notation import (
    BiasUnit,
    Bin,
    Call,
    Deriv,
    DropFirst,
    LayerIndex,
    Local,
    Num,
    Ones,
    SumOver,
    Sym,
    TextRenderer,
    Transpose,
    bind_layers,
    layer_letters,
    parse,
    table_of,
    to_text,
    tokenize,
    transform,
)
from deltaprop.derivation.shapes import (
    BATCHES,
    RANGES,
    WEIGHTS,
    Dim,
    SymbolError,
    quantity,
    walk,
)
from deltaprop.derivation.tables import (
    BY_NAME,
    FOLDED,
    GRADIENTS,
    NOTATIONS,
    SCALARS,
    Meaning,
    Table,
    definition,
    input_shift,
    letters_of,
)
from deltaprop.derivation.tex import LOSS
from deltaprop.errors import ConfigError

DETECTION = ("cs231n", "ng-numpy", "britz", "dlai", "numpy", "d2l-rows", "d2l", "goodfellow")
DETECTION += ("bishop", "wikipedia", "ng", "nielsen")  # in this order; else the question's


def detect(text, definitions=()):
    """The notation ``text`` is written in, from the symbols only one notation uses (read
    with bold letters plain: ``\\mathbf{h}^{(1)}`` is ``h^{(1)}``); with the user's
    ``definitions``, the first that reads ``text`` with them, that one or else the question's
    first (Bishop's for Haykin's v_j = Σ_i w_{ji} y_i)."""
    clean = re.sub(r"\s+(?=[\^_}])", "", plain(text))
    found = next((name for name in DETECTION if re.search(BY_NAME[name].clue, clean)), "question")
    for name in dict.fromkeys((found, "question", *DETECTION)) if definitions else ():
        try:
            if readable(text, define(name, definitions)):
                return name
        except ConfigError:  # a definition that does not fit this notation
            continue
    return found


def advice(text, notation=None):
    """What ``notation`` (detected when None) says of ``text`` when it cannot read it: the
    ``advice`` of its table whose pattern ``text`` matches (Goodfellow's g), else ""."""
    table = table_of(notation or detect(text))
    return next((said for pattern, said in table.advice.items() if re.search(pattern, text)), "")


def check_notation(notation):
    """``notation`` if deltaprop knows it, or a notation file's :class:`Table` (the name of
    the built-in one it copies whole: a copy of dlai.toml is dlai); a ConfigError otherwise."""
    if isinstance(notation, Table):
        return notation.name if BY_NAME.get(notation.name) == notation else notation
    return check_choice("notation", notation, NOTATIONS)


def title(notation):
    """How a notation is called in a verdict: "deeplearning.ai's notation"."""
    return table_of(notation).title


# ---------------------------------------------------------------- translation

PLAIN = re.compile(  # \mathcal{L} (not a function 𝓛(a, y)) and \mathcal{J}: J; a bold letter
    rf"{LOSS.pattern}(?!\s*\}}?\s*\()|\\mathcal\s*\{{\s*J\s*\}}"
    r"|\\(?:mathbf|boldsymbol|bm|mathsf|mathrm|rm)"  # d\mathbf{W}: dW; \mathsf T, \mathrm{T}: T
    r"(?:\{(?P<bold>[A-Za-z]+)\}|\s+(?P<one>[A-Za-z])(?![A-Za-z]))"
    r"|\\text\{(?P<code>[A-Za-z][\w.]*)\}"  # the course's slides: \text{np.sum}, \text{axis}
)
CHAIN_NAME = re.compile(r"^\s*[A-Za-z]\w*\s*(?:←|\\leftarrow\b|\\gets\b)(?=.*=)")
BATCH_SUMS = ("Z", "A")  # the core's ∂J/∂Z (Δ) and ∂J/∂A: of the sum of the samples' costs


def read(text, notation):
    """``text`` parsed in ``notation`` and translated into the core vocabulary: a list of
    sides. A left side that is a multiple of a core quantity (Britz's dW = m ∂J/∂Θ) is
    moved to the right, so that the first side is always a quantity."""
    text, table = _in_bishops_units(text, local_names(table_of(notation), text))
    parsed = _stepped(parse(plain(text), table), table)
    table = replace(table, units=_units(parsed, table)) if table.units else table
    sides = [translate(side, table) for side in parsed]
    written = {n.layer.base for side in parsed for n in walk(side) if getattr(n, "layer", None)}
    if written == {"L"}:  # network.py's delta beside activations[-2]: the loop's l is L
        sides = [bind_layers(side, {"l": LayerIndex("L", 0)}) for side in sides]
    if len(sides) < 2:
        return sides
    lhs, undo = _unscaled(sides[0])
    return [lhs, *(_rescaled(side, sides[0], lhs, undo) for side in sides[1:])]


def parsed(text, notation):
    """The sides of ``text`` as :func:`read` gives them, or None where it does not read in
    ``notation``."""
    try:
        return read(text, notation)
    except (ConfigError, SymbolError, ValueError):
        return None


LOCAL_NAME = re.compile(r"(?:\\mathrm\{|\\text\{|\\operatorname\{)?([A-Za-z]\w*)\}?")


def local_name(lhs, notation):
    """The name ``lhs`` when it can name a value for the text after it, or None: a name of
    code or a word (s, s2, sig_z, \\mathrm{tmp}) that is no quantity of ``notation``."""
    match = LOCAL_NAME.fullmatch(lhs.strip())
    return match.group(1) if match and parsed(lhs, notation) is None else None


def with_local(text, name, value):
    """``text`` with the local ``name`` as ``(value)`` wherever it stands alone: not inside a
    longer name or a command (the s of s2, sig_s or \\sigma); after a digit, TeX's 2s is 2 s."""
    return re.sub(rf"(?<![A-Za-z_\\]){re.escape(name)}(?!\w)", lambda _: f"({value})", text)


STEPS_BACK = {  # a core assigned in a loop: the core of the loop's name read at its step before
    "δ": ("δ", 1),  # backward
    "Δ": ("Δ", 1),
    "a": ("a", -1),  # forward
    "A": ("A", -1),
    "z": ("a", -1),
    "Z": ("A", -1),
}


def _stepped(sides, table):
    """``sides`` where a name of the loop's layer is assigned from itself (network.py's
    ``delta = np.dot(…, delta) * sp``, ``a = sigmoid(np.dot(W, a) + b)``) or z from the
    loop's activation (``z = np.dot(w, activation) + b``): on the right, its value of the
    step before, the layer after for a gradient and before for an activation, unless the
    notation names that one otherwise (from-scratch NumPy's a_prev, delta_next)."""
    lhs = sides[0]
    meaning = table.symbols.get(lhs.name[1:]) if isinstance(lhs, Sym) and not lhs.layer else None
    if meaning is None or meaning.core not in STEPS_BACK or not meaning.at:
        return sides
    core, step = STEPS_BACK[meaning.core]
    named = [_at(m, table) for m in table.symbols.values() if m.core == core and m.at]
    if _at(meaning, table).shift(step) in named:
        return sides

    def before(n):
        used = table.symbols.get(n.name[1:]) if isinstance(n, Sym) and not n.layer else None
        same = used and n.name == lhs.name  # delta = … delta …
        fed = used and used.core == core != meaning.core and used.at  # z = … activation …
        fed = fed and _at(used, table) == _at(meaning, table)
        return replace(n, layer=_layer_of(used.at, table).shift(step)) if same or fed else None

    return [lhs, *(transform(side, before) for side in sides[1:])]


def _rescaled(side, written, lhs, undo):
    """``side`` times ``undo``; of an update ``X = X + T`` (Britz's ``dW2 += reg_lambda * W2``),
    X is the quantity ``lhs`` and only T is scaled."""
    if isinstance(side, Bin) and side.op == "+" and to_text(side.left) == to_text(written):
        return replace(side, left=lhs, right=_scaled(side.right, undo))
    return _scaled(side, undo)


def _plain_word(found):
    """A match of :data:`PLAIN` as a plain word (J for the loss), as long as the match."""
    return next(filter(None, found.group("bold", "one", "code")), "J").ljust(len(found[0]))


def plain(text):
    """``text`` with the loss ``\\mathcal{L}`` (or ``\\mathcal{J}``) as J, bold letters plain,
    a subscript of one letter unbraced (``E_{n}``: ``E_n``; Bishop's ``y_{nk}`` of the sample n:
    ``y_k``, and Rumelhart, Hinton and Williams's ``o_{pj}``, ``Δ_p w`` of the pattern p), Haykin's
    iteration ``(n)`` dropped (``v_j(n)``: ``v_j``) and the name of a chain dropped
    (Goodfellow's ``g ← ∇_ŷ J = …``), padded so that positions in ``text`` still hold."""
    text = PLAIN.sub(_plain_word, text)
    text = re.sub(r"_\{[np]?(\w)\}", lambda found: f"_{found[1]}".ljust(len(found.group())), text)
    text = re.sub(r"(?<=[\w}])\(n\)", "   ", text)  # Haykin's v_j(n), of the iteration n
    text = re.sub(r"(?<=\\Delta)_p\b", "  ", text)
    return CHAIN_NAME.sub(lambda found: " " * len(found.group()), text)


def local_names(table, text):
    """``table``, or where its names are local to one layer (cs231n's) the table of the layer
    ``text`` is about, with its note: the first kind of layer whose clue ``text`` matches (an
    affine one when ``text`` names W, b, their gradients or X, else the activation φ of a
    hidden layer: x, out, dout, dx)."""
    for clue, note, symbols in table.local.values():
        if re.search(clue, text):
            return replace(table, symbols=symbols, note=note)
    return table


def _in_bishops_units(text, table):
    """``text`` with ``table``'s unit letters written as Bishop's i, j, k in its subscripts
    (Mitchell's δ_h, w_{kh}: δ_j, w_{kj}), and the table with his; positions still hold."""
    if table.units in ("", "ijk"):
        return text, table
    bishops = str.maketrans(table.units, "ijk")
    text = re.sub(r"_(?:\{[^{}]*\}|\w)", lambda found: found.group().translate(bishops), text)
    return text, replace(table, units="ijk")


def _units(sides, table):
    """The layer of each unit letter of Bishop's component form in this equation: i, j, k
    are layers l−1, l, l+1, unless a name of one layer fixes one of them (x_i: i is the input
    layer; y_k, t_k: k is the output layer; w^{(2)}_{kj}: j is the layer 2) and with it the
    others."""
    order, fixed = table.units, (LayerIndex("l", 0), -1)
    for n in (n for side in sides for n in walk(side)):
        meaning = table.symbols.get(n.name[1:]) if isinstance(n, Sym) else None
        if not (meaning and n.entry and set(n.entry) <= set(order)):
            continue
        if meaning.at:
            fixed = (_layer_of(meaning.at, table), -order.index(n.entry[0]))
        elif meaning.core == "Θ" and n.layer:
            fixed = (core_layer(n.layer, meaning.shift, table), -order.index(n.entry[-1]))
    return {unit: fixed[0].shift(fixed[1] + k) for k, unit in enumerate(order)}


def depth(equation, notation):
    """The number of layers of the network ``equation`` is judged on without --sizes (0:
    symbolic widths): for a table with layers (d2l's), as many as the layers it names need
    (Θ^(k) maps layer k to k+1; where the table names its output, as d2l's o, its other
    names are hidden layers: one layer more after the deepest, unless the equation names the
    output); in any notation, an equation of absolute layers that names the target y is
    about a network whose deepest layer named is the output (δ^(3) = a^(3) − y: L = 3)."""
    table = table_of(notation)
    sides = parsed(equation, table) or []
    nodes = [n for side in sides for n in walk(side) if isinstance(n, Sym)]
    syms = [n for n in nodes if n.layer]
    needs = [n.layer.offset + (n.name in WEIGHTS) for n in syms if not n.layer.base]
    if not table.layers:
        absolute = needs and len(needs) == len(syms)
        return max(needs) if absolute and any(n.name in "yY" for n in nodes) else 0
    output = any(n.layer == LayerIndex("L", 0) for n in syms)
    hidden = not output and any(m.at == "L" for m in table.symbols.values())  # d2l's h, not o
    return max([table.layers, *(k + hidden for k in needs)])


def readable(text, notation):
    """Whether ``text`` parses and translates in ``notation`` into an equation whose left side
    is a quantity of the question's notation."""
    sides = parsed(text, notation) or [None]
    lhs = sides[0].arg if isinstance(sides[0], Transpose) else sides[0]
    found = quantity(lhs) if isinstance(lhs, Sym | Deriv) else None
    return len(sides) > 1 and found is not None and found[0] in RANGES | {"J": 0}


def fitting(text, notation):
    """The other notations ``text`` reads in (not one whose names ``notation``'s are, as a
    user's copy of a built-in file), those whose symbols it uses first."""
    names = table_of(notation).symbols
    others = [name for name in NOTATIONS if name != "question" and BY_NAME[name].symbols != names]
    fits = [name for name in others if readable(text, name)]
    return sorted(fits, key=lambda name: not re.search(BY_NAME[name].clue, text))


def define(notation, definitions):
    """``notation``'s table with the user's own names: each definition ``"W^{[l]}=Theta^(l)"``
    (or ``"E=J"``) is a name, with an optional layer written in the notation's numbering, and
    the question's quantity it stands for, as in a notation file (:func:`tables.definition`);
    a layer letter (``M=L``: M is the output layer; a name's letter the notation has not is
    its quantity's, as m in ``W^m=Theta^(l)``), the input as layer 0 (``a^0=x``) or a word
    (``g=phi``, ``\\dot{F}=Diag(phi')``). Checked before use: a ConfigError names what does
    not fit, and a name defined twice otherwise."""
    if not definitions:
        return notation
    pairs = [_split(text) for text in definitions]
    settings = [_setting(*pair) for pair in pairs]
    table = letters_of(pairs, table_of(notation))
    for setting in filter(None, settings):  # letters, the input, words: names are read in them
        table = setting(table)
    own = {}
    for text, (name, written), setting in zip(definitions, pairs, settings, strict=True):
        if setting:
            continue
        try:
            word, meaning = definition(name, written, table)
        except ConfigError as err:
            raise ConfigError(f"--define {text!r}: {err}") from None
        if own.setdefault(word, (text, meaning))[1] != meaning:
            raise ConfigError(
                f"--define {text!r}: {word} is defined twice, also as {own[word][0]!r}: "
                "write one definition"
            )
        table = replace(table, symbols=table.symbols | {word: meaning})
    return table


def _split(text):
    name, equals, quantity = text.partition("=")
    if not equals:
        raise ConfigError(
            f"--define {text!r} is not NAME=QUANTITY: write e.g. --define 'W^{{[l]}}=Theta^(l)'"
        )
    return name.strip(), quantity.strip()


# a^0, A^{[0]}, h_0: a name at the layer 0 (not Trask's layer_0, a word, a name of its own)
INPUT_LAYER = re.compile(r"(?:[^\W\d_]+\s*\^|[^\W\d_]\s*_?)\s*\{?\s*[\[(]?\s*0\s*[\])]?\s*\}?")
FUNCTION_WORDS = {"phi": "φ", "φ": "φ", "phi'": "φ'", "φ'": "φ'", "dphi": "φ'"}
FUNCTION_WORDS |= dict.fromkeys(("Diag(phi')", "Diag(φ')", "Diag(dphi)"), "Diag φ'")


def _setting(name, quantity):
    """The change to a table that a definition of a setting makes, or None for a name: a layer
    letter (``M=L``), the input as layer 0 (``a^0=x``) or a word (``g=phi``, ``g'=phi'``)."""
    if name.endswith("'") and quantity.endswith("'"):  # g'=phi': g is φ
        name, quantity = name[:-1], quantity[:-1]
    if quantity in FUNCTION_WORDS and re.fullmatch(
        r"\\?[^\W\d]\w*(?:\{\w+\})?", name
    ):  # f, \dot{F}
        return lambda table: replace(table, words=table.words | {name: FUNCTION_WORDS[quantity]})
    if re.fullmatch(r"[A-Za-z]\w*", name) and quantity in ("l", "L"):  # M=L, UFLDL's n_l=L
        return lambda table: replace(table, letters=table.letters | {name: quantity})
    if quantity in ("x", "X") and INPUT_LAYER.fullmatch(name):
        return lambda table: replace(table, first=0)
    return None


def _from_bias_unit(total):
    """Bishop's ``Σ_{i=0} w_{ji} x_i`` as ``Σ_i w_{ji} x_i + w_{j0}``: the term i = 0 is the
    bias w_{j0}, the weight of the unit x_0 = 1 (or z_0 = 1); from i = 1 where the body is no
    such product."""
    index, units = total.index, ("~x", "~z")
    syms = [n for n in walk(total.arg) if isinstance(n, Sym) and index in n.entry]
    nested = any(isinstance(n, SumOver) for n in walk(total.arg))
    unread = (n.entry[-1] != index or (n.entry == index and n.name not in units) for n in syms)
    if nested or any(unread):
        return replace(total, first=1.0)

    def unit(n):
        if isinstance(n, Sym) and n.entry == index:
            return Num(n.span, 1.0)
        return replace(n, entry=n.entry[:-1] + "0") if n in syms else None

    return Bin(total.span, "+", replace(total, first=1.0), transform(total.arg, unit), "+")


def translate(node, notation):
    """``node`` with each name of the notation's table replaced by the core symbol it stands
    for (its layer translated, transposed when samples are rows, as the data X and Y are
    even where the table does not name them), and ``(f^l)'`` alone read as φ'(z^(l))."""
    table = table_of(notation)

    def core(n):
        if isinstance(n, SumOver) and table.units and n.first == 0:
            return translate(_from_bias_unit(n), table)
        if isinstance(n, Sym) and table.units and n.entry[1:] == "0":  # Bishop's bias w_{k0}
            return Sym(n.span, "b", table.units[n.entry[0]], n.sample, n.entry[0])
        if isinstance(n, Sym) and n.name.startswith("~"):
            return _core_symbol(n, table)
        if isinstance(n, Sym) and table.rows and n.name in ("X", "Y"):  # the data, unnamed
            return Transpose(n.span, n)
        if isinstance(n, Sym) and n.layer is not None and _renumbered(n, table):
            own = to_text(spell(replace(n, layer=core_layer(n.layer, 0, table)), table, False))
            raise SymbolError(
                n,
                f"{n.name} is no name of {table.title}, whose layer 0 is the input: write "
                f"{own}, or check the equation with --notation question",
            )
        if isinstance(n, Sym) and n.name in ("φ", "φ'") and n.layer is not None:
            layer = core_layer(n.layer, 0, table)  # (f^l)' alone: φ'(z^(l))
            return Call(n.span, n.name, Sym(n.span, "z", layer), (), layer)
        if isinstance(n, Call) and n.func == "Diag φ'":  # Hagan's \dot{F}^m(n^m)
            return Call(n.span, "Diag", translate(replace(n, func="φ'"), table))
        if isinstance(n, Call) and n.layer is not None:
            layer = core_layer(n.layer, 0, table)
            return replace(n, arg=translate(n.arg, table), layer=layer)
        if table.flat and isinstance(n, Bin) and n.op == "@":
            return _flat_product(n, table)
        if table.flat and isinstance(n, Bin) and n.op == "*":
            return _broadcast(n, table)
        written = isinstance(n, Transpose) and n.span != n.arg.span  # not np.outer's vᵀ
        if written and table.flat and _is_vector(arg := translate(n.arg, table)):
            return arg  # a 1-D array's .T is itself
        if isinstance(n, Sym) and table.units and n.entry and n.layer is None and n.name in "δb":
            return replace(n, layer=table.units[n.entry[0]])
        if isinstance(n, Deriv):
            num, den = translate(n.num, table), translate(n.den, table)
            return _derivative(replace(n, num=num, den=den), table)
        return None

    return transform(node, core)


def _renumbered(sym, table):
    """Whether ``sym``, a quantity of the question's written with a layer, is in ``table``
    another name and another number (deeplearning.ai's δ^(3) is dz^{[2]}; its W^{[l]} is
    Θ^(l), and a^(L) is the output in both): not to be read."""
    if sym.name in WEIGHTS or not input_shift(sym.layer.base, table):  # Θ^(l), a^(L): the same
        return False
    return any(m.core == sym.name for m in table.symbols.values())


def _flat_product(n, table):
    """``n`` = u @ v of 1-D arrays: NumPy's v @ M with a 1-D v and a matrix M is Mᵀ v (a 1-D
    array); np.outer's u @ vᵀ stays."""
    left, right = translate(n.left, table), translate(n.right, table)
    if _is_vector(left) and not _is_vector(right.arg if isinstance(right, Transpose) else right):
        return Bin(n.span, "@", Transpose(n.right.span, right), left, n.written)
    return replace(n, left=left, right=right)


def _broadcast(n, table):
    """``n`` = u * v of NumPy where one side is a column (``delta[:, None]``) and the other a
    1-D array: that one broadcasts as a row, as in ``delta[:, None] * a_prev``, u vᵀ."""
    left, right = translate(n.left, table), translate(n.right, table)
    if _is_column(left) and _is_vector(right):
        right = Call(right.span, "row", right)
    elif _is_column(right) and _is_vector(left):
        left = Call(left.span, "row", left)
    return replace(n, left=left, right=right)


def _is_column(node):
    return isinstance(node, Call) and node.func == "column"


def _core_symbol(sym, table):
    written = sym.name[1:]
    meaning = table.symbols[written]
    layer = None if meaning.core in SCALARS else _written_layer(sym, meaning, table)
    if layer is None and meaning.core not in SCALARS:
        raise SymbolError(sym, f"{written} needs a layer index, e.g. {written}^(l)")
    sample = SAMPLE_OF.get(meaning.core) if sym.sample else None  # dZ^{[1](i)}: a column
    node = replace(sym, name=sample or meaning.core, layer=layer)
    if meaning.transposed and len(sym.entry) == 2:  # Russell and Norvig's w_{i,j}: Θ_{ji}
        node = replace(node, entry=sym.entry[::-1])
    elif table.rows != meaning.transposed and meaning.core not in ("J", "m"):
        node = Transpose(sym.span, node)
    return _scaled(node, meaning.scale)  # cs231n's dout = ∂J/∂out carries the 1/m of J


def _scaled(node, factor):
    """``node`` times ``factor`` as written: m ``node`` for ``"m"``, ``node``/m for ``"1/m"``,
    2 ``node`` for ``"2"``, 2m ``node`` for ``"2m"`` (a cost Σ_i ‖a − y‖² of one's own is 2m J)
    and ``node``/(2m) for ``"0.5/m"``."""
    number, m = re.fullmatch(r"(-?[\d.]*)(/?m?)", factor).groups()
    if m == "/m":
        node = Bin(node.span, "/", node, Sym(node.span, "m"), "scale")
        number = "" if number == "1" else number
    k = [Num(node.span, float(number))] if number else []
    k += [Sym(node.span, "m")] if m == "m" else []
    k = Bin(node.span, "@", *k) if len(k) == 2 else next(iter(k), None)  # 2m
    return Bin(node.span, "@", k, node, "scale") if k else node


def _written_layer(sym, meaning, table):
    """The core layer of ``sym``: its written layer, the layer of its unit (Bishop's w_{kj}
    belongs to the layer of j), or the layer the table gives a name written without one."""
    if sym.layer is not None:
        return core_layer(sym.layer, meaning.shift, table)
    if meaning.at:  # Alpaydin's v_{ih}, a weight of one layer, even with units
        return _at(meaning, table)
    if table.units and sym.entry:
        unit = sym.entry[-1] if meaning.core == "Θ" and not meaning.transposed else sym.entry[0]
        return table.units[unit].shift(meaning.shift)
    return None


def _layer_of(text, table):
    """``"l-1"`` → LayerIndex("l", −1) in the table's letters; ``"2"`` → layer 2."""
    match = re.fullmatch(r"([A-Za-z]?)([+-]\d+|\d*)", text)
    base, offset = match.groups()
    if not base:
        return LayerIndex("", int(offset))
    return LayerIndex(table.letters.get(base, base), int(offset or 0))


def core_layer(layer, shift, table):
    """A written layer in the core numbering (layer 1 the input), plus ``shift``: with layer
    0 the input, layer k is the core's k+1 (the output L stays L)."""
    return layer.shift(shift + input_shift(layer.base, table_of(table)))


def _derivative(deriv, table):
    """∂J/∂(something transposed) is the transpose of ∂J/∂(something); ∂J/∂Z (or ∂J/∂A)
    of a cost that averages (the question's, d2l's minibatch) is the core's ∂J/∂Z (Δ, of the
    sum of the samples' costs) over m; ∂F/∂X of a cost F = 2J of one's own is 2 ∂J/∂X."""
    den, num = deriv.den, deriv.num
    if isinstance(num, Bin) and num.written == "scale" and num.op == "@":
        return replace(num, right=_derivative(replace(deriv, num=num.right), table))
    if isinstance(den, Transpose):
        return Transpose(deriv.span, _derivative(replace(deriv, den=den.arg), table))
    if isinstance(den, Sym) and den.name in BATCH_SUMS and table.cost == "mean":
        return Bin(deriv.span, "/", deriv, Sym(den.span, "m"), "scale")
    if getattr(den, "name", "") == "S" and getattr(num, "name", "") == "J":  # J = ℓ + S
        return Num(deriv.span, 1.0)
    if getattr(num, "name", "") == "S" and getattr(den, "name", "") == "Θ":  # S = (α/2) Σ ‖Θ‖²
        return Bin(deriv.span, "@", Sym(num.span, "α"), den, "")
    return deriv


def core_text(node):
    """``node`` as text in the core's own quantities: its ∂J/∂Z^(l) and ∂J/∂A^(l), of the sum
    of the samples' costs (the mean's over m: :func:`_derivative`), are Δ^(l) and ∂J/∂A^(l)."""

    def summed(n):
        summed = isinstance(n, Deriv) and getattr(n.den, "name", "") in BATCH_SUMS
        found = summed and quantity(n)
        return Sym(n.span, *found) if found else None

    return to_text(transform(node, summed))


def _is_vector(node):
    """Whether ``node`` is one sample's vector (a, z, δ, x, y): 1-D in from-scratch NumPy."""
    return isinstance(node, Sym) and node.name in BATCHES


def spell(node, notation, numpy=True, own=None):
    """``node`` (core symbols) written back in ``notation`` (a table as :func:`as_written`
    makes it): each core symbol that a name of its table stands for becomes that name with
    its layer written as the notation writes it (``Δ^(2)`` is ``dZ^{[1]}`` in
    deeplearning.ai's), a gradient without a name as ∂J/∂ its variable's name (d2l's ∂J/∂O),
    printed as NumPy (``@``, ``.T``) when ``numpy`` and the notation has NumPy; a symbol
    without a name stays, its layer in the student's letter. Names written with digits
    (Octave's ``delta3``) are written back so only to plain text (``numpy``); to LaTeX, with
    their layer as ``D^{(1)}``, and Ng's Δ (an operator) as ``Δ^{(1)}``. ``own`` is the
    notation's table before :func:`as_written` (its own letters; the built-in of its name by
    default)."""
    table = table_of(notation)
    own = own or BY_NAME.get(table.name, table)
    latex = not numpy and table.style == "digits"
    operators = {w: Meaning(core) for w, core in table.operators.items() if core == "Acc"}
    spelled = operators if latex else table.spelled
    numpy = table.numpy and numpy
    style = "digits" if numpy else "()" if latex else table.style  # dZ1, W2; D^{(1)}
    table = replace(table, symbols=spelled | table.symbols, numpy=numpy, style=style)

    def written(n):
        if isinstance(n, Bin) and n.written == "scale":  # Britz's dW: m ∂J/∂Θ, as written
            return transform(_unscaled(n)[0], written)
        if table.numpy and isinstance(n, Bin) and isinstance(n.right, Transpose):
            if isinstance(n.right.arg, Ones):  # b 1ᵀ: NumPy broadcasts b over the samples
                return transform(n.left, written)
            if table.flat and _is_vector(n.right.arg):  # 1-D: u @ v.T is no u vᵀ
                u, v = transform(n.left, written), transform(n.right.arg, written)
                return Bin(n.span, "@", u, Transpose(n.right.span, v), "outer")
        if isinstance(n, Transpose) and table.rows:  # samples as rows: a name is the transpose
            return _untransposed(transform(n.arg, written))
        if isinstance(n, Sym) and not isinstance(n, Local):
            found = _spelled(n, table)
            if found is None:
                return _lettered(n, table, own)
            return Transpose(n.span, found) if table.rows and n.name not in SCALARS else found
        return None

    return transform(node, written)


class CodeText(TextRenderer):
    """A tree as NumPy code: ``W2.T @ dZ2 * (1 - A1 ** 2)``, with the minus typed in code."""

    ops = TextRenderer.ops | {"-": " - "}


class NablaText(TextRenderer):
    """Gradients as Goodfellow and Wikipedia write them: ``∇_{W^l} C``, not ``∂C/∂W^l``."""

    DERIV = "∇_{{{1}}} {0}"


class OctaveText(CodeText):
    """A tree as Octave code: ``Theta2' * delta3 .* sigmoidGradient(z2)``."""

    ops = CodeText.ops | {"@": " * ", "⊙": " .* ", "*": " .* "}
    TRANSPOSED = "{}'"


@dataclass(frozen=True)
class Writer:
    """How a node (core symbols) is written back to the student who wrote ``equation`` in
    ``notation`` (:func:`spell` with the table :func:`as_written`), as code when the equation
    is code (Octave's ``'``, ``*``, ``.*``; NumPy's ``.T``, ``@``), LaTeX in Unicode math,
    with the student's names of φ, φ' and ⊙ (``words``: :data:`hints.WORDS` as
    :func:`student_words` finds them). The one way back for verdicts, hints, corrections and
    messages."""

    equation: str
    notation: str = "question"
    words: dict = field(default_factory=lambda: dict(WORDS))

    @functools.cached_property
    def table(self):
        return as_written(self.notation, self.equation)

    def __call__(self, node):
        names = {"φ": self.words["phi"], "φ'": self.words["dphi"]}

        def said(n):
            if isinstance(n, Call) and n.func == "φ'" and self.words.get("argless"):  # (f^l)'
                layer = to_text(self.spell(n.arg)).removeprefix("z")  # z^{l-1}: ^{l-1}
                return Sym(n.span, f"({names['φ']}{layer})'")
            if isinstance(n, Call) and n.func == "Diag" and SIGMA.match(self.equation, n.span[0]):
                return Sym(n.span, f"Σ'({to_text(self.spell(n.arg.arg))})")
            if isinstance(n, Call) and n.func in names:
                return replace(n, func=names[n.func], arg=transform(n.arg, said))
            return None

        node = transform(as_numpy(node) if self.words["times"] == "*" else node, said)
        code = is_code(self.equation)
        if code and self.table.operators.get("*") == "·":  # Octave: ex4's rows read back
            return OctaveText()(self.spell(_unrows(node)))
        nabla = NablaText() if re.search(r"\\nabla|∇", self.equation) else to_text
        text = (CodeText() if code and self.table.numpy else nabla)(self.spell(node, code))
        return text.replace("⊙", self.words["times"])  # Wikipedia's ∘

    def spell(self, node, numpy=True):
        """``node`` in the table :func:`as_written` (:func:`spell`)."""
        return spell(node, self.table, numpy, table_of(self.notation))

    def source(self, node):
        """``node`` as the student wrote it (its place in the equation), LaTeX in Unicode."""
        text = self.equation[node.span[0] : node.span[1]]
        return re.sub(r"\\[A-Za-z]+ ?", lambda m: character(m.group().rstrip()), text)


def is_code(text):
    """Whether ``text`` is code (NumPy, Octave), not LaTeX or Unicode math."""
    return not re.search(r"\\|\^", text)


def as_numpy(node):
    """``node`` with every ⊙ written as NumPy's ``*`` (which broadcasts)."""

    def star(n):
        if isinstance(n, Bin) and n.op == "⊙":
            return replace(n, op="*", left=as_numpy(n.left), right=as_numpy(n.right))
        return None

    return transform(node, star)


SIGMA = re.compile(r"\\Sigma|Σ")  # Nielsen's Σ'(z) = Diag(σ'(z))
PRIME = re.compile(r"^d|'$|_?(?:prime|derivative)$|Gradient$")  # φ' of a name of φ: g', dtanh
ACTIVATIONS = ("sigmoid", "tanh", "relu")  # functions a student names (ReLU too), read as φ
PRODUCTS = {"*": "*", ".*": ".*", "⊙": "⊙", "∘": "∘", "\\odot": "⊙", "\\circ": "∘"}


def student_words(equation, nodes, notation, activation):
    """The student's names of φ, φ' and ⊙ (``phi``, ``dphi``, ``times``): as ``equation``
    writes them (its parsed ``nodes`` hold their places), else as ``notation`` names them
    (its letter for φ, or the activation's name: Ng's sigmoid and sigmoidGradient)."""
    table, said = table_of(notation), {}
    for n in nodes:
        written = isinstance(n, Call) and n.func in ("φ", "φ'") and n.span and n.arg.span
        written = written and not SIGMA.match(equation, n.span[0])  # Σ'(z) names no σ'
        if written and n.arg.span == n.span:  # Wikipedia's (f^l)', with no argument
            said.setdefault("argless", True)
        elif written:
            said.setdefault(n.func, _function_name(equation[n.span[0] : n.arg.span[0]]))
        if isinstance(n, Bin) and n.op in ("⊙", "*") and n.left.span and n.right.span:
            product = equation[n.left.span[1] : n.right.span[0]].strip(" ()")
            said.setdefault("⊙", PRODUCTS.get(product))
    phi = said.get("φ") or PRIME.sub("", said.get("φ'") or "")
    named = {"named": phi.lower() if phi.lower() in ACTIVATIONS else ""}
    if not (table.symbols or table.spelled or table.words):  # the core's own: φ', even as dphi
        return WORDS | named
    names = [
        w for w, core in table.words.items() if core == "φ" and (w == activation or len(w) == 1)
    ]
    phi = phi or min(names, key=lambda w: w != activation, default="φ")
    primes = [w for w, core in table.words.items() if core == "φ'" and w.startswith(phi)]
    dphi = said.get("φ'") or (primes or [phi + "'"])[0]
    octave = table.operators.get("*") == "·"  # * the matrix product, .* element-wise
    times = said.get("⊙") or ("*" if table.numpy else ".*" if octave else "⊙")
    argless = said.get("argless", False)
    return {"phi": phi, "dphi": dphi, "times": times, "argless": argless} | named


def _function_name(text):
    """The name of a function as written before its argument: ``g^{[1]\\prime}(`` is g',
    ``\\sigma'(`` is σ', ``sigmoidGradient(`` and Trask's ``relu2deriv(`` are themselves; None
    when it has none."""
    name = re.match(r"(?:\\(?:mathrm|operatorname|text)\s*\{)?(\\?[A-Za-z_]\w*|[^\W\d_])", text)
    if name is None:
        return None
    return character(name[1]) + ("'" if re.search(r"'|′|\\prime", text) else "")


def character(command):
    """The character of a LaTeX command: \\delta is δ, \\varphi φ, \\sum Σ; else as written
    (a word such as ``lambda`` is itself)."""
    name = command.removeprefix("\\")
    if name == command:
        return command
    case = "CAPITAL" if name[:1].isupper() else "SMALL"
    try:
        return unicodedata.lookup(f"GREEK {case} LETTER {name.removeprefix('var').upper()}")
    except KeyError:
        other = {"sum": "Σ", "odot": "⊙", "circ": "∘", "prime": "'", "lambda": "λ"}  # LAMDA
        return other.get(name, command)


def as_written(notation, text):
    """``notation``'s table as the student's ``text`` uses it: cs231n's names of its layer
    (:func:`local_names`), Bishop's units at their layers, the names ``text`` writes first
    (``dw``, not ``dW``; ``d3``, not ``delta3``), the one letter it writes a layer variable
    with first (k where the notation's is l; the notation's own where it writes two, k and
    l), its word for α (``lambda``, ``lambd``, λ) and for J where it writes one (Nielsen's C,
    d2l's L); in LaTeX, of a notation of Octave names, only the names it writes (Ng's D, not
    sigma3's sigma)."""
    text, table = _in_bishops_units(text, local_names(table_of(notation), text))
    try:
        words = [(t.value, text[t.pos : t.end]) for t in tokenize(text, table)]
        units = _units(parse(text, table), table) if table.units else ""
        letters = layer_letters(text, table)  # {core: the letters written}
    except ConfigError:  # not readable alone (a name the user defined): the notation's
        return table
    alpha = [word for value, word in words if value == "α"]
    spelled = {character(alpha[0]): Meaning("α")} if alpha else {}
    costs = {word for value, word in words if value == "J"}  # Nielsen's C, d2l's L, or J
    spelled |= {word: Meaning("J") for word, core in table.words.items() if word in costs}
    said = {next(iter(w)): core for core, w in letters.items() if len(w) == 1}
    return replace(
        table,
        symbols=_written_first(table.symbols, text, table.style == "digits" and not is_code(text)),
        spelled=spelled | _written_first(table.spelled, text),
        letters=said | table.letters,
        units=units,
    )


def _written_first(names, text, only=False):
    """``names`` (name → Meaning), those ``text`` writes first (``d3`` for ``d``; a name as
    it stands, \\ell too), or ``only`` those."""
    found = {n: m for n, m in names.items() if re.search(rf"(?<!\w){re.escape(n)}(?:\d|\b)", text)}
    return found if only else found | names


SAMPLE_OF = {"A": "a", "Z": "z", "Δ": "δ", "X": "X", "Y": "Y"}  # ex4's rows: a1 is (A^(1))ᵀ


def _unrows(node):
    """``node`` with ex4's rows (:func:`rows`) read back: (A^(1))ᵀ is a1, (Δ^(3))ᵀ d3."""

    def sample(n):
        arg = n.arg if isinstance(n, Transpose) else None
        if isinstance(arg, Sym) and arg.name.removesuffix("+") in SAMPLE_OF:
            return replace(arg, name=SAMPLE_OF[arg.name[0]] + arg.name[1:])  # A+: a+
        return None

    return transform(node, sample)


def _untransposed(node):
    """The transpose of ``node`` spelled in a notation of rows: a name's transpose is the
    quantity, ∂J/∂(Xᵀ) is ∂J/∂X."""
    if isinstance(node, Transpose):
        return node.arg
    if isinstance(node, Deriv) and isinstance(node.den, Transpose):
        return replace(node, den=node.den.arg)
    return Transpose(node.span, node)


GRADIENT_OF = {gradient: core for core, gradient in GRADIENTS.items()}  # δ: ∂J/∂z


def _spelled(sym, table):
    """The written name of core symbol ``sym`` in ``table`` (a Sym, or a Local that renders
    as NumPy), or None when the table has no name for it: a name of its layer (d2l's h is
    h^{(1)}, o the output), else a name with the layer written (Bishop's: the unit's
    letter), else a name of one layer (``A_prev``), else ∂J/∂ its variable's name. Ng's
    folded Θ+ and a+ are named as Θ and a; NumPy's X is X (printed X.T)."""
    core = sym.name.removesuffix("+")
    names = [(n, m) for n, m in table.symbols.items() if m.core == core]
    for name, meaning in names:  # Bishop's y_k is the output a^(L)_k, his t_k the target y_k
        fixed = re.fullmatch(r"\d+|L", meaning.at) and _at(meaning, table)
        if fixed and (fixed == sym.layer or core in SCALARS and sym.layer is None):
            return _named(sym, name, table)
    for name, meaning in names:
        if table.units and not meaning.at:  # Bishop's units: δ^(l)_j is δ_j
            entry = sym.entry or _unit_entry(sym, table)
            return Sym(sym.span, name, None, sym.sample, entry) if entry else None
        layer = _written_index(sym.layer, meaning, table)
        if layer is not None or not (sym.layer or meaning.at):  # α, as the student says it
            return _named(sym, name if layer is None else _layer_text(name, layer, table), table)
    for name, meaning in names:  # a name of one layer: dZ, A_prev, a_hidden
        if meaning.at and _at(meaning, table) == sym.layer:
            return _named(sym, name, table)
    if sym.name in SCALARS:
        return _named(sym, sym.name, table) if table.numpy else None
    variable = GRADIENT_OF.get(core)
    named = _spelled(replace(sym, name=variable), table) if variable else None
    cost = Sym(sym.span, "J")
    return None if named is None else Deriv(sym.span, _spelled(cost, table) or cost, named)


def _unit_entry(sym, table):
    """The unit letters of ``sym`` in Bishop's form: its layer's (w_{kj}: the next layer's
    and its own), or None where the equation has no unit at that layer."""
    unit = {layer: letter for letter, layer in table.units.items()}
    layers = [sym.layer.shift(1), sym.layer] if sym.name == "Θ" and sym.layer else [sym.layer]
    return "".join(unit[k] for k in layers) if all(k in unit for k in layers) else None


def _lettered(sym, table, own):
    """A core symbol without a name in ``table``, its layer in the student's letter where it
    is not the notation's ``own`` table's (k for the question's l)."""
    base = sym.layer.base if sym.layer else None
    letter, own = (_letter_back(base, t) for t in (table, own))
    return sym if letter == own else replace(sym, layer=LayerIndex(letter, sym.layer.offset))


def _at(meaning, table):
    """The core layer of a name written without one."""
    return core_layer(_layer_of(meaning.at, table), meaning.shift, table)


def _written_index(layer, meaning, table):
    """The written layer of a core ``layer`` for a name written with one, or None."""
    fixed = meaning.at not in ("", "l") and not meaning.at.isdigit()  # A_prev, a_hidden
    if layer is None or fixed or table.units or (table.style == "digits" and layer.base):
        return None
    written = layer.shift(-meaning.shift)
    return written.shift(-input_shift(written.base, table))


def range_said(err, voice):
    """A symbol outside its layers (a RangeError) said in the student's notation by ``voice``
    (a :class:`Writer`): ``W^{[3]} does not exist, only W^{[1]} to W^{[2]}``; Bishop's units,
    which name no layer, by his letters."""
    if err.limits is None or isinstance(err.node, Local):  # cs231n's local names: as written
        return str(err)
    if voice.table.units:  # Bishop's i, j, k; Mitchell's i, h, k
        units = table_of(voice.notation).units
        whose = "Bishop's " if units == "ijk" else ""
        said = f"{whose}{', '.join(units)} are the units of three consecutive layers"
        return f"{voice.source(err.node)} does not exist: {said}, and here it falls outside"
    name, layer, lo, hi, L = err.limits

    def said(at):
        sym = Sym(err.node.span, name, at)
        return voice(Transpose(sym.span, sym) if voice.table.rows else sym)

    last = said(LayerIndex("L", hi) if L is None else LayerIndex("", L + hi))
    return f"{said(layer)} does not exist, only {said(LayerIndex('', lo))} to {last}"


def layer_said(name, k, notation, text=""):
    """``l = k`` for quantity ``name`` at the core's layer ``k`` (layer 1 the input), said in
    the letter of the student's ``text`` (:func:`as_written`) and ``notation``'s numbering:
    the index its name is written with (deeplearning.ai's Δ^(3) is dZ^{[2]}, Θ^(2) is
    W^{[2]}; a weight as its Θ), else one less where layer 0 is the input, which is then said:
    ``l = 2 (layer 0 the input)``. ``name`` None: ``k`` is a value of the layer variable, said
    in its letter only (Goodfellow's ``k = 2``)."""
    table = table_of(notation)
    letter = _letter_back("l", as_written(table, text))
    if name is None:
        return f"{letter} = {k}"
    core = "Θ" if name in WEIGHTS else name
    meanings = [m for m in (table.spelled | table.symbols).values() if m.core == core]
    written = [_written_index(LayerIndex("", k), m, table) for m in meanings]
    number = next((w.offset for w in written if w is not None), k - 1 + table.first)
    return f"{letter} = {number}{_input_said(table, ' (', ')')}"


def binding_said(binding, notation, text=""):
    """``L = 3, l = 2`` of a binding (the core's L counts the input layer) in the letters of
    the student's ``text`` and ``notation``'s numbering: ``L = 2, layer 0 the input`` for
    deeplearning.ai's; ``layer 2 the output`` where L is no layer letter of the notation
    (d2l's loss)."""
    table = table_of(notation)
    values = binding | {"L": binding["L"] - 1 + table.first}
    written = as_written(table, text)
    said = {k: f"{_letter_back(k, written)} = {v}" for k, v in values.items()}
    if _letter_back("L", written) not in written.letters:  # d2l's L is its loss
        said["L"] = f"layer {values['L']} the output"
    return ", ".join(said.values()) + _input_said(table, ", ")


def width(layer, notation):
    """The width n_l of the core's ``layer`` in ``notation``'s letters (:func:`as_written`'s:
    the student's n_k) and numbering where layer 0 is the input (deeplearning.ai's n^{[l-1]})."""
    table = table_of(notation)
    written = _written_index(layer, Meaning("a"), table)
    if table.first != 0 or written is None:  # n_l in the letter (Trask's layer_0: n_{l-1})
        written = layer.shift(-input_shift(layer.base, table))
        return str(Dim("n", LayerIndex(_letter_back(written.base, table), written.offset)))
    return _layer_text("n", written, table)


def _input_said(table, before, after=""):
    return f"{before}layer {table.first} the input{after}" if table.first != 1 else ""


def _layer_text(name, layer, table):
    index = LayerIndex(_letter_back(layer.base, table), layer.offset).text(minus="-")
    brackets = {"[]": "^{{[{}]}}", "()": "^{{({})}}", "^": "^{{{}}}", "digits": "{}"}
    if table.style == "^" and len(index) == 1:
        return f"{name}^{index}"
    return name.format(index) if "{}" in name else name + brackets[table.style].format(index)


def _letter_back(core, table):
    """The letter a notation writes for the core layer letter ``core`` (Goodfellow's k for l)."""
    return next((written for written, c in table.letters.items() if c == core), core)


def _named(sym, text, table):
    if table.numpy:  # printed as NumPy: @ and .T
        return Local(sym.span, sym.name, sym.layer, written=text)
    return Sym(sym.span, text, None, sym.sample, sym.entry)


def _unscaled(lhs):
    """``(quantity, the factor that undoes lhs's)``: Britz's dW = m ∂J/∂Θ gives (∂J/∂Θ,
    "1/m"), as ∂J/∂Θ = dW/m; d2l's ∂J/∂O = Δ/m gives (Δ, "m"); a quantity gives (it, "")."""
    inner = lhs.arg if isinstance(lhs, Transpose) else lhs
    if not (isinstance(inner, Bin) and inner.written == "scale"):
        return lhs, ""
    quantity, undo = (inner.right, _inverse(inner.left)) if inner.op == "@" else (inner.left, "m")
    return (Transpose(lhs.span, quantity) if inner is not lhs else quantity), undo


def _inverse(factor):
    """The factor that undoes ``factor`` (m, a number or a number times m)."""
    if isinstance(factor, Bin):  # 2m: 0.5/m
        return f"{1 / factor.left.value!r}/m"
    return "1/m" if isinstance(factor, Sym) else repr(1 / factor.value)


BIASES = ("separate", "folded")
FOLDED_NOTE = (
    "read with the bias folded into Θ, as in Ng's course and ex4: Θ^(l) is n_{l+1} × (n_l + 1), "
    "[b^(l+1) Θ^(l)] in the question's symbols, and a^(l) has the bias unit on top, "
    "[1; a^(l)]; the output a^(L) = h_Θ(x) has none, nor has δ^(l)"
)


OCTAVE_NAMES = r"\b(?:a|z|d|delta)_?\d"  # a2, z2, d3, delta3, delta_3
# d3 * Theta2, d2' * a1, sum(sum(…)) of a matrix: ex4's vectorized code
ROWS_CLUES = r"\*\s*Theta\d|\bY\b|ones\(\s*m\b|'\s*\*\s*a\d|\bsum\(\s*sum\("


def layout(equation):
    """``"rows"`` for Octave names in ex4's vectorized code (``d2' * a1``, ``a2 * Theta2'``),
    ``"columns"`` for other Octave names, else None."""
    if not re.search(OCTAVE_NAMES, equation):
        return None
    return "rows" if re.search(ROWS_CLUES, equation) else "columns"


def bias_readings(notation, bias, sides, octave=None):
    """The readings to try, the one to report first: ``bias`` when given; for Ng's
    notation both, the folded one first when ``sides`` fold it (``Theta2(:,2:end)``,
    ``[1; a]``); and with the bias folded, for Octave names (``octave``, see :func:`layout`),
    ex4's vectorized code ("rows"), first when the equation is written that way."""
    table = table_of(notation)
    if bias == "folded" and table.local:
        raise ConfigError(f"--bias folded is Ng's Θ with a bias column; {table.name} keeps b apart")
    if bias is not None:
        readings = [check_bias(bias)]
    elif table.bias == "folded":
        nodes = [n for side in sides if side is not None for n in walk(side)]
        marked = any(isinstance(n, DropFirst | BiasUnit) for n in nodes)
        readings = ["folded", "separate"] if marked else ["separate", "folded"]
    else:
        return ["separate"]
    if not octave or readings == ["separate"]:
        return readings
    return ["rows"] if octave == "rows" else [*readings, "rows"]


def check_bias(bias):
    """``bias`` if it is None or a known reading (a ConfigError otherwise)."""
    return bias if bias is None else check_choice("bias", bias, BIASES)


def fold(node, L=None):
    """``node`` read with Ng's folded bias: Θ, ∂J/∂Θ, Δ, a and A of every layer but the
    output (layer L; ``L`` is its number when the architecture is known) hold the bias, but
    for the a that ``[1; a]`` puts it on (``Theta2 * [1; a2]``: the a2 of the question)."""

    def folded(n):
        if isinstance(n, BiasUnit) and isinstance(n.arg, Sym) and n.arg.name in "aA":
            return n
        if not (isinstance(n, Sym) and n.name in FOLDED and n.layer is not None):
            return None
        if n.layer == LayerIndex("L", 0) or (not n.layer.base and n.layer.offset == L):
            return None
        return replace(n, name=f"{n.name}+")

    return None if node is None else transform(node, folded)


def before_bias_unit(lhs, sides):
    """Whether ``lhs = sides`` is the a of a layer before its bias unit is put on top, as in
    ex4's ``a2 = sigmoid(Theta1 * a1)`` (then ``a2 = [1; a2]``): its left side keeps none."""
    phi = all(isinstance(side, Call) and side.func == "φ" for side in sides)
    return isinstance(lhs, Sym) and lhs.name == "a" and phi


ROWS_NOTE = (
    "read as ex4's vectorized code, one sample per row: a1, z2, d3 (or delta3), X and Y are the "
    "transposes of the batch A^(1) (with the bias column of ones), Z^(2), Δ^(3), X and Y, m "
    "rows each, and Theta2 is Θ^(2) with its bias column"
)
BATCH_ROWS = {"a": "A", "z": "Z", "δ": "Δ", "x": "X", "y": "Y"} | {name: name for name in "AZXY"}


def rows(node, L=None):
    """``node`` read as ex4's vectorized code: the bias folded into Θ (see :func:`fold`),
    and a, z, δ, x, y the transposes of the batch, one sample per row."""

    def transposed(n):
        if not isinstance(n, Sym) or n.entry:
            return None
        if n.name in BATCH_ROWS:
            batch = replace(n, name=BATCH_ROWS[n.name], sample=False)
            return Transpose(n.span, fold(batch, L))
        return fold(n, L)

    return None if node is None else transform(node, transposed)


BIAS_UNIT = "the bias unit {x} of Ng's course is 1 (it multiplies the bias column of Θ)"
ROWS = " (one sample per row, as in ex4's vectorized code)"
STEPS = {  # (the quantity, the operation, its axis if it matters): (right, what the step does)
    ("a", BiasUnit, 0): (True, "puts the bias unit a_0 = 1 on top of {x}, for Ng's Θ"),
    ("a", BiasUnit, 1): (True, "puts the bias unit's column of ones before {x}" + ROWS),
    ("δ", DropFirst, 0): (True, "drops the first entry of {x}, the bias unit's, which has no δ"),
    ("δ", DropFirst, 1): (True, "drops the first column of {x}, the bias unit's" + ROWS),
    ("a", DropFirst): (False, "drops a unit of {x}: a gets the bias unit ([1; a]), δ drops it"),
    ("δ", BiasUnit): (False, "gives {x} an entry for the bias unit, which has no δ"),
}


def bias_step(lhs, sides, write=to_text):
    """``(right, message)`` when ``lhs = …`` is a step of Ng's Octave code rather than an
    equation: ``a2 = [1; a2]`` adds the bias unit, ``delta2 = delta2(2:end)`` drops its
    entry (the row forms ``[ones(m,1) a2]`` and ``(:,2:end)`` when samples are rows); else
    None. ``write`` writes ``lhs`` as the student does."""
    if not (isinstance(lhs, Sym) and len(sides) == 1):
        return None
    rhs = sides[0]
    if lhs.entry == "0" and lhs.name == "a" and lhs.layer is not None:  # Ng's a_0^{(2)} = 1
        one = isinstance(rhs, Num) and rhs.value == 1
        return one, f"a step of the course, not an equation: {BIAS_UNIT.format(x=write(lhs))}"
    if not isinstance(rhs, BiasUnit | DropFirst) or not isinstance(rhs.arg, Sym):
        return None
    step = STEPS.get((lhs.name, type(rhs), rhs.axis)) or STEPS.get((lhs.name, type(rhs)))
    if (rhs.arg.name, rhs.arg.layer) != (lhs.name, lhs.layer) or lhs.layer is None or not step:
        return None
    right, message = step
    if isinstance(rhs, BiasUnit) and rhs.fill != 1:
        right, message = False, "puts zeros where the bias unit a_0 = 1 belongs, before {x}"
    return right, f"a step of the Octave code, not an equation: it {message.format(x=write(lhs))}"
