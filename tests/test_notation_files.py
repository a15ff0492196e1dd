"""The built-in notations as files (src/deltaprop/derivation/notation_files/*.toml, read by
tables.py) and a notation of the user's own in the same format (check --notation-file)."""

import re
import shlex
import tomllib
from pathlib import Path

import pytest

from corpus import read_rows
from deltaprop.cli import main
from deltaprop.derivation import check, tables
from deltaprop.derivation.tables import BY_NAME, NOTATIONS, Meaning
from deltaprop.errors import ConfigError

DATA = Path(__file__).parent / "data"
DOCS = Path(__file__).parent.parent / "docs" / "derivation.md"
PINS = {  # notation: {written name: its meaning}, as the Python tables gave them
    "ng": {},
    "nielsen": {"w": Meaning("Θ", -1, "l"), "W": Meaning("Θ", -1)},
    "cs231n": {
        "W": Meaning("Θ", 0, "l"),
        "b": Meaning("b", 1, "l"),
        "dout": Meaning("Δ", 1, "l", "1/m"),
        "dx": Meaning("∂J/∂A", 0, "l", "1/m"),
    },
    "dlai": {
        "W": Meaning("Θ", -1, "l"),
        "dZ": Meaning("Δ", 0, "l"),
        "dW": Meaning("G", -1, "l"),
        "A_prev": Meaning("A", 0, "l-1"),
        "dA_prev": Meaning("∂J/∂A", 0, "l-1"),
    },
    "goodfellow": {
        "W": Meaning("Θ", -1),
        "a": Meaning("z"),
        "h": Meaning("a"),
        "ŷ": Meaning("a", 0, "l"),
    },
    "bishop": {
        "w": Meaning("Θ"),
        "x": Meaning("x", 0, "1"),
        "t": Meaning("y", 0, "L"),
        "E_n": Meaning("J"),
    },
    "wikipedia": {"W": Meaning("Θ", -1)},
    "d2l": {
        "W": Meaning("Θ", -1),
        "z": Meaning("z", 0, "1"),
        "o": Meaning("z", 0, "L"),  # o = W^{(2)} h + b^{(2)}, linear: z^(L) (= a^(L))
        "n": Meaning("m"),
    },
    "d2l-rows": {"H": Meaning("A", 0, "1"), "O": Meaning("A", 0, "L"), "X": Meaning("X")},
    "numpy": {
        "W": Meaning("Θ", -1, "l"),
        "W_next": Meaning("Θ", -1, "l+1"),
        "a_prev": Meaning("a", 0, "l-1"),
        "grad_W_hidden": Meaning("G", -1, "L-1"),
        "delta_output": Meaning("δ", 0, "L"),
        "x": Meaning("a", 0, "L-2"),
    },
    "britz": {
        "W": Meaning("Θ"),
        "z": Meaning("Z", 1),
        "dW": Meaning("G", 0, "", "m"),
        "db": Meaning("gb", 1, "", "m"),
    },
}
SPELLED = {  # names only written back
    "ng": {"Theta{}_grad": Meaning("G"), "Delta": Meaning("Acc"), "d": Meaning("δ")},
    "nielsen": {"δ": Meaning("δ")},
    "bishop": {"δ": Meaning("δ")},
}


@pytest.mark.parametrize("name", NOTATIONS)
def test_each_built_in_notation_is_its_file(name):
    data = tomllib.loads(tables.source(name))
    assert data["name"] == name and tables.read(data, f"{name}.toml") == BY_NAME[name]
    table = BY_NAME[name]
    assert {n: table.symbols[n] for n in PINS.get(name, {})} == PINS.get(name, {})
    assert {n: table.spelled[n] for n in SPELLED.get(name, {})} == SPELLED.get(name, {})


def test_cs231n_names_are_local_to_the_layer_an_equation_is_about():
    local = BY_NAME["cs231n"].local
    affine, activation = local["affine"], local["activation"]
    assert BY_NAME["cs231n"].symbols == affine[2] and re.search(affine[0], "dW = X.T @ dout")
    assert activation[2]["dx"] == Meaning("Δ", 0, "l", "1/m") and activation[0] == ""
    assert "this is the activation φ" in activation[1]


def test_numpy_notations_read_numpys_words():
    assert BY_NAME["dlai"].words["keepdims"] == "keepdims" and BY_NAME["dlai"].words["g"] == "φ"
    assert "keepdims" not in BY_NAME["goodfellow"].words


@pytest.mark.parametrize(
    "notation, name, quantity, meaning",
    [
        ("dlai", "W^{[l]}", "Theta^(l)", ("W", Meaning("Θ", -1))),  # layer 0 is the input
        ("dlai", "A_prev", "A^(l)", ("A_prev", Meaning("A", 0, "l-1"))),
        ("dlai", "W", "\\Theta^{(l)}", ("W", Meaning("Θ", -1, "l"))),
        ("cs231n", "dout", "Delta^(l+1)/m", ("dout", Meaning("Δ", 0, "l+1", "1/m"))),
        ("britz", "dW{l}", "m dJ/dTheta^(l)", ("dW", Meaning("G", 0, "", "m"))),
        ("ng", "Theta{l}_grad", "∂J/∂Θ^(l)", ("Theta{}_grad", Meaning("G"))),
        ("goodfellow", "ŷ", "a^(L)", ("ŷ", Meaning("a", 0, "l"))),  # his l is the output
        ("goodfellow", "W^{(k)}", "Theta^(k)", ("W", Meaning("Θ", -1))),
        ("bishop", "E", "J", ("E", Meaning("J"))),
        ("question", "G", "\\partial J/\\partial \\Theta^{(l)}", ("G", Meaning("G", -1, "l+1"))),
        ("question", "V^{(l)}", "Theta[l-1]", ("V", Meaning("Θ", -1))),
    ],
)
def test_a_definition_says_a_name_and_the_quantity_it_stands_for(notation, name, quantity, meaning):
    assert tables.definition(name, quantity, BY_NAME[notation]) == meaning


MINE = """\
name = "mine"
title = "my course's notation"
first = 0
style = "[]"

[words]
g = "φ"

[symbols]
"V^{[l]}" = "Theta^(l)"
"dV^{[l]}" = "Delta^(l+1)"
"Z^{[l]}" = "Z^(l+1)"
"""


@pytest.fixture
def mine(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(MINE, encoding="utf-8")
    return path


def test_a_notation_file_of_ones_own_is_read_and_answered_in(mine, capsys):
    right = r"dV^{[1]} = V^{[2]T} dV^{[2]} * g^{[1]\prime}(Z^{[1]})"
    assert main(["check", right, "--sizes", "4,5,3", "--notation-file", str(mine)]) == 0
    assert "\nnotation: my course's notation\n" in capsys.readouterr().out
    wrong = right.replace("V^{[2]T}", "V^{[2]}")
    result = check(wrong, (4, 5, 3), notation=tables.load(mine))
    assert (
        result.verdict == "wrong"
        and result.corrected == "dV^{[1]} = V^{[2]}ᵀ dV^{[2]} * g'(Z^{[1]})"
    )
    assert '"notation": "mine"' in result.to_json()


def test_define_adds_names_to_a_notation_file(mine):
    table = tables.load(mine)
    equation = r"dU^{[1]} = V^{[2]T} dV^{[2]} * g'(Z^{[1]})"
    assert (
        check(equation, (4, 5, 3), notation=table, define=["dU^{[l]}=Delta^(l+1)"]).verdict
        == "correct"
    )


ROWS = read_rows(*sorted(DATA.glob("notation_*.tsv")))  # every corpus of notations


def _judged(row, notation):
    _, _, activation, sizes, _, equation = row
    sizes = tuple(int(n) for n in sizes.split(",")) if sizes else None
    result = check(equation, sizes, activation, notation=notation)
    return result.verdict, result.reason, result.hints, result.corrected, result.to_text()


@pytest.mark.parametrize("row", ROWS, ids=[f"{r[1]}-{i}" for i, r in enumerate(ROWS)])
def test_a_file_that_mirrors_a_built_in_judges_its_equations_the_same(row):
    named = row[1]
    copy = tables.read(tomllib.loads(tables.source(named)), f"copy/{named}.toml")
    assert _judged(row, copy) == _judged(row, named)  # a whole copy is the notation


RENAMED_NOT_SAME = {}  # known: a renamed copy says it otherwise, never judges it otherwise
RENAMED = [
    pytest.param(row, marks=pytest.mark.xfail(reason=why, strict=True))
    if (why := next((w for part, w in RENAMED_NOT_SAME.items() if part in row[5]), None))
    else row
    for row in ROWS
]


@pytest.mark.parametrize("row", RENAMED, ids=[f"{r[1]}-{i}" for i, r in enumerate(ROWS)])
def test_a_renamed_copy_of_a_built_in_judges_and_says_the_same(row):
    """A user's copy of a built-in file under another name and title behaves as the built-in:
    the same verdict, hints, correction and message, but for the title (and its line
    'notation: …', which the question's own notation leaves out)."""
    data = tomllib.loads(tables.source(row[1])) | {"name": "mine", "title": "my notation"}
    said = repr(_judged(row, tables.read(data, "mine.toml")))
    said = said.replace("my notation", BY_NAME[row[1]].title)  # not the question's own words
    expected = repr(_judged(row, row[1]))
    assert re.sub(r"\\nnotation: [^\\]*", "", said) == re.sub(r"\\nnotation: [^\\]*", "", expected)


@pytest.mark.parametrize(
    "text, message",
    [
        ("colour = 'red'", "unknown key 'colour': the keys are name, title"),
        ("first = 2", "first = 2 does not fit: write 0 or 1, the number of the input layer"),
        ("rows = 'yes'", "rows = 'yes' does not fit: write true (samples as rows) or false"),
        ("clue = '(W'", "clue = '(W' does not fit: write a regular expression"),
        ("letters = {k = 'j'}", "letters.k = 'j' does not fit: write layer letters, each 'l'"),
        ("units = 'ii'", "units = 'ii' does not fit: write three letters"),
        ("units = 'iij'", "units = 'iij' does not fit: write three letters, each different"),
        ("style = '{}'", "style = '{}' does not fit: write '()', '[]', '^' or 'digits'"),
        (
            "[words]\nsoftmax = 'ψ'",
            "words.softmax = 'ψ' does not fit: write words, each one of φ",
        ),
        (
            "[symbols]\n'W^{[l' = 'Theta^(l)'",
            "symbols 'W^{[l' = 'Theta^(l)': 'W^{[l' is not a name",
        ),
        (
            "[symbols]\n'W^{(l)}' = 'foo^(l)'",
            "symbols 'W^{(l)}' = 'foo^(l)': 'foo^(l)' is not a quantity of the question's "
            "notation (unknown symbol 'foo')",
        ),
        (
            "[symbols]\nW = 'Theta'",
            "symbols 'W' = 'Theta': give the layer of 'Theta': write Theta^(l)",
        ),
        (
            "[symbols]\n'W^{(L)}' = 'Theta^(l)'",
            "symbols 'W^{(L)}' = 'Theta^(l)': the layer letters differ",
        ),
        (
            "[symbols]\nW = 'Theta^(j)'",
            "symbols 'W' = 'Theta^(j)': the layer of 'Theta^(j)' is l, L or a number",
        ),
        (
            "[local.affine]\nclue = '(W'",
            "local.affine = {'clue': '(W'} does not fit: write tables",
        ),
        (
            "[local.affine.symbols]\nW = 'Theta'",
            "local.affine.symbols 'W' = 'Theta': give the layer",
        ),
        ("[symbols]\nX = 'X'\nW = 3", "symbols.W = 3 does not fit: write names, each the"),
        ("name = 'two words'", "name = 'two words' does not fit: write a word"),
        ("first = true", "first = True does not fit"),
    ],
)
def test_a_bad_notation_file_gets_one_line_naming_the_key_and_the_fix(
    tmp_path, capsys, text, message
):
    path = tmp_path / "bad.toml"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(f"{path}: {message}")):
        tables.load(path)
    assert main(["check", "z^(l) = z^(l)", "--notation-file", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("deltaprop: error: ") and err.count("\n") == 1, err  # no traceback


@pytest.mark.parametrize(
    "text, message",
    [("name = ", "bad.toml: not a TOML file (Invalid value"), ("[a]\n[a]", "not a TOML file")],
)
def test_a_file_that_is_not_toml_or_not_there_is_said_so(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        tables.load(path)
    with pytest.raises(ConfigError, match="cannot read the notation file .*: No such file"):
        tables.load(tmp_path / "missing.toml")


def test_notation_file_and_notation_are_not_given_together(mine, capsys):
    assert main(["check", "z^(l) = z^(l)", "--notation-file", str(mine), "--notation", "dlai"]) == 2
    assert "give --notation NAME or --notation-file FILE, not both" in capsys.readouterr().err


@pytest.mark.parametrize("name", NOTATIONS)
def test_show_notation_prints_the_file_a_user_copies(name, tmp_path, capsys):
    assert main(["check", "--show-notation", name]) == 0
    path = tmp_path / "copy.toml"
    path.write_text(capsys.readouterr().out, encoding="utf-8")
    example = BY_NAME[name].example
    assert main(["check", example, "--notation-file", str(path)]) == 0, capsys.readouterr().out


def test_the_documented_notation_file_runs(tmp_path, monkeypatch, capsys):
    """docs/derivation.md's notation file, written where its command reads it, checks correct."""
    page = DOCS.read_text("utf-8")
    name, text = re.search(r"```toml\n# (\S+\.toml)\n(.*?)```", page, re.DOTALL).groups()
    command = re.search(rf"`(deltaprop check .*?--notation-file {re.escape(name)}.*?)`", page)[1]
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_text(text, encoding="utf-8")
    assert main(shlex.split(command)[1:]) == 0, capsys.readouterr().out
    assert "\nverdict:  CORRECT (relative error" in capsys.readouterr().out


def test_check_help_names_the_notation_file_options(capsys):
    assert main(["check", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--notation-file FILE" in out and "--show-notation NAME" in out


@pytest.mark.parametrize(
    "update, verdict",
    [
        (r"W^m = W^m - \alpha s^m (a^{m-1})^T", "correct"),  # W − α ∂F/∂W, s^m (a^{m−1})ᵀ
        (r"b^m = b^m - \alpha s^m", "correct"),
        (r"W^m = W^m - \frac{\alpha}{2} s^m (a^{m-1})^T", "wrong"),  # ∂J/∂W: half of ∂F/∂W
        (r"W^m = W^m + \alpha s^m (a^{m-1})^T", "wrong"),
    ],
)
def test_a_gradient_step_is_of_the_notations_own_cost(update, verdict):
    """Hagan's steepest descent W^m − α s^m (a^{m−1})ᵀ descends his F = (t − a)ᵀ(t − a) = 2J
    (the file's F = "2 J"; s^m = ∂F/∂n^m = 2 δ): its step is ∂F/∂W^m, not ∂J/∂W^m."""
    table = tables.load(DATA / "hagan.toml")
    assert check(update, (4, 5, 3), "sigmoid", notation=table).verdict == verdict
