"""Names from users' files are shown, never obeyed: a line break, an escape sequence or a bidi
override in a column name is printed escaped in the terminal, the HTML report and the plots,
and a name with ``$`` is not parsed as a formula."""

import numpy as np
import pytest

from deltaprop.cli import main
from deltaprop.plots import MAX_PANELS, png_bytes, pred_vs_true_figure, residuals_figure
from deltaprop.printable import printable

HOSTILE = ["y\nfake 1.0 2.0 3.0", "\x1b[2Jz", "u\u202etxt.exe", "w$\\x$"]


@pytest.mark.parametrize(
    "name, shown",
    [
        ("plain é ü", "plain é ü"),
        ("a\nb", "a\\nb"),
        ("\x1b[2J", "\\x1b[2J"),
        ("evil\u202eexe", "evil\\u202eexe"),
        ("x\u2066y\u2069", "x\\u2066y\\u2069"),
        ("\udcff", "\\udcff"),  # a file name byte that is not UTF-8
        ("\x00\t", "\\x00\\t"),
    ],
)
def test_printable_escapes_what_a_terminal_would_obey(name, shown):
    assert printable(name) == shown


def test_a_dollar_name_is_text_not_a_formula(rng):
    """matplotlib's mathtext used to fail on ``y$\\x$``: the model was written, not the plots."""
    y = rng.standard_normal((10, 2))
    names = ["y$\\x$", "$\\frac{"]
    for fig in (pred_vs_true_figure(y, y + 0.1, names, [0.9, 0.8]), residuals_figure(y, y, names)):
        assert png_bytes(fig).startswith(b"\x89PNG")
        texts = [t.get_text() for ax in fig.axes for t in (ax.title, ax.xaxis.label)]
        assert any("y$\\x$" in text for text in texts)


def test_many_targets_draw_at_most_max_panels(rng):
    """2,000 targets used to ask for a 9,600-inch canvas (std::bad_alloc)."""
    y = rng.standard_normal((6, 2000))
    fig = pred_vs_true_figure(y, y, [f"t{j}" for j in range(2000)], np.ones(2000))
    assert len(fig.axes) == MAX_PANELS
    assert f"the first {MAX_PANELS} of 2000 targets" in fig._suptitle.get_text()


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """A run on a CSV whose target and feature names hold a line break, ESC, a bidi override and
    mathtext: ``(folder, stdout, stderr)`` of train and predict."""
    folder = tmp_path_factory.mktemp("names")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 2))
    header = ",".join(f'"{name}"' for name in ["a\x1b]0;t\x07", "b\u202e", *HOSTILE[:2]])
    rows = [f"{x0},{x1},{x0 - x1},{x0 + x1}" for x0, x1 in X]
    (folder / "d.csv").write_text("\n".join([header, *rows]) + "\n")
    return folder


def test_train_prints_names_escaped(hostile_run, capsys):
    folder = hostile_run
    argv = ["train", str(folder / "d.csv"), "--target", ",".join(HOSTILE[:2]), "--epochs", "3"]
    argv += ["--out", str(folder / "m.npz"), "--report", str(folder / "r.html")]
    argv += ["--plots", str(folder / "plots"), "--quiet"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    for text in (out, err, (folder / "r.html").read_text()):
        assert not any(c in text for c in "\x1b\x07\u202e")
    table = out[out.index("  target") :].splitlines()[:3]  # header and one row per target
    assert table[1].lstrip().startswith("y\\nfake 1.0 2.0 3.0")
    assert table[2].lstrip().startswith("\\x1b[2Jz")
    assert "b\\u202e" in (folder / "r.html").read_text()


def test_predict_to_stdout_escapes_the_model_names(hostile_run, capsys):
    folder = hostile_run
    if not (folder / "m.npz").exists():  # run alone (-k): the model of the test above
        argv = ["train", str(folder / "d.csv"), "--target", ",".join(HOSTILE[:2])]
        assert main([*argv, "--epochs", "3", "--out", str(folder / "m.npz"), "--quiet"]) == 0
        capsys.readouterr()
    assert main(["predict", str(folder / "m.npz"), str(folder / "d.csv")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "y\\nfake 1.0 2.0 3.0,\\x1b[2Jz" and "\x1b" not in out
    assert len(out.splitlines()) == 41
