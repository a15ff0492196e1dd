"""Start-up: which libraries each command imports (``sys.modules`` in a fresh process).

scikit-learn, SciPy, matplotlib, pyarrow, pandas, tqdm, SymPy and Dask take from a tenth of a
second to over a second to import each; ``import deltaprop`` and the commands that do not need
them must not load them (``benchmarks/startup.py`` times it). No time is asserted here.
"""

import json
import subprocess
import sys

import numpy as np
import pytest

HEAVY = ("sklearn", "scipy", "matplotlib", "pyarrow", "pandas", "tqdm", "sympy", "dask", "numba")
CHECK = "delta[l] = Theta[l].T @ delta[l+1] * dphi(z[l])"

# What runs in the child: a command (or an import), then the heavy packages it loaded.
CHILD = """
import json, sys
argv = json.loads(sys.argv[1])
if argv == ["import"]:
    import deltaprop
    status = 0
else:
    from deltaprop.cli import main
    status = main(argv)
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(json.loads(sys.argv[2])))
print(json.dumps([status, heavy]), file=sys.stderr)
"""


def imported(argv, cwd):
    """The exit status of ``argv`` in a fresh process and the heavy packages it imported."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(argv), json.dumps(HEAVY)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    status, heavy = json.loads(done.stderr.strip().splitlines()[-1])
    return status, set(heavy)


@pytest.mark.parametrize(
    "argv",
    [
        ["import"],
        ["--version"],
        ["--help"],
        ["check", CHECK],
        ["check", CHECK, "--help"],
        ["explain"],
        ["explain", "--sizes", "3,4,1", "--activation", "relu"],
    ],
    ids=lambda argv: " ".join(argv)[:30],
)
def test_import_and_the_derivation_commands_load_numpy_only(argv, tmp_path):
    status, heavy = imported(argv, tmp_path)
    assert status == 0
    assert heavy == set()


@pytest.fixture(scope="module")
def model_on_numbers(tmp_path_factory):
    """A folder with model.npz, trained by ``deltaprop train`` on the bundled data (numbers
    only, so the model encodes no column), and that data as data.csv."""
    import shutil
    from pathlib import Path

    folder = tmp_path_factory.mktemp("numbers")
    shutil.copy(Path(__file__).parents[1] / "examples" / "diabetes.csv", folder / "data.csv")
    argv = ["train", "--epochs", "1", "--out", "model.npz", "--quiet"]
    done = subprocess.run(
        [sys.executable, "-m", "deltaprop", *argv], cwd=folder, capture_output=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return folder


@pytest.mark.parametrize(
    "argv",
    [
        ["info", "model.npz"],
        ["info", "model.npz", "--json"],
        ["predict", "model.npz", "data.csv", "-o", "out.csv"],
        ["evaluate", "model.npz", "data.csv"],
    ],
    ids=lambda argv: " ".join(argv)[:30],
)
def test_a_model_that_encodes_no_column_is_read_without_scikit_learn_or_scipy(
    argv, model_on_numbers
):
    status, heavy = imported(argv, model_on_numbers)
    assert status == 0
    assert heavy.isdisjoint({"sklearn", "scipy"})


def test_the_poor_fit_warning_is_a_scikit_learn_convergence_warning():
    from sklearn.exceptions import ConvergenceWarning

    from deltaprop import errors
    from deltaprop.errors import PoorFitWarning

    assert issubclass(PoorFitWarning, ConvergenceWarning)
    assert errors.PoorFitWarning is PoorFitWarning  # made once
    assert PoorFitWarning.__module__ == "deltaprop.errors"
    assert PoorFitWarning.__qualname__ == "PoorFitWarning"
    with pytest.raises(AttributeError, match="has no attribute 'Missing'"):
        errors.Missing  # noqa: B018


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_a_model_read_without_scikit_learn_predicts_what_the_estimator_predicts(
    tmp_path, dtype, activation
):
    from deltaprop import DeltapropRegressor
    from deltaprop.io import load_model, read_model, save_model

    rng = np.random.default_rng(7)
    X = rng.normal(3.0, 2.0, size=(50, 4))
    Y = np.column_stack([X @ [1.0, -1.0, 0.5, 2.0], np.sin(X[:, 0])])
    model = DeltapropRegressor(
        hidden_layer_sizes=(5,), activation=activation, max_iter=3, random_state=0, dtype=dtype
    )
    model.fit(X, Y)
    save_model(tmp_path / "m.npz", model)
    saved, metadata = read_model(tmp_path / "m.npz")
    expected = load_model(tmp_path / "m.npz")[0].predict(X)  # (m, 2)
    np.testing.assert_array_equal(saved.predict(X), expected)
    assert saved.predict(X).dtype == np.dtype(dtype)
    assert saved.loss == "squared" and metadata["architecture"]["sizes"] == [4, 5, 2]


def test_a_model_read_without_scikit_learn_names_a_bad_column(tmp_path):
    from deltaprop import DeltapropRegressor
    from deltaprop.errors import DataError
    from deltaprop.io import read_model, save_model

    X = np.linspace(-1, 1, 40).reshape(20, 2)
    model = DeltapropRegressor(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
    model.fit(X, X[:, 0])
    save_model(tmp_path / "m.npz", model, feature_names=["u", "v"])
    saved, _ = read_model(tmp_path / "m.npz")
    X[3, 1] = np.nan
    with pytest.raises(DataError, match=r"^X contains NaN at row 3, column 1 \(counting from 0\)"):
        saved.predict(X)
    X[3, 1] = -1.7e308
    with pytest.raises(DataError, match=r"^X column 1 holds -1\.7e\+308 \(row 3, counting"):
        saved.predict(X)  # fitted on an array: columns by number, as the estimator names them


def test_a_fit_on_numpy_never_imports_the_dask_module(tmp_path):
    """Data flows down: ``fit`` on arrays trains through ``trainingdata``, and neither
    ``deltaprop.distributed`` nor Dask is imported."""
    code = (
        "import sys, numpy as np\n"
        "from deltaprop import DeltapropRegressor\n"
        "X = np.random.default_rng(0).normal(size=(40, 3))\n"
        "DeltapropRegressor((3,), max_iter=2).fit(X, X[:, 0]).partial_fit(X, X[:, 0])\n"
        "print(sorted(m for m in sys.modules if 'distributed' in m or m.startswith('dask')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.stdout.strip() == "[]", done.stderr


def test_the_list_of_commands_imports_no_commands_module(tmp_path):
    """``deltaprop --help`` is printed from ``deltaprop.commands.COMMANDS``: no command's
    module, nor the derivation package, is imported for it; a command imports its own."""
    code = (
        "import sys, contextlib, io\n"
        "from deltaprop.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    status = main(sys.argv[1:])\n"
        "ours = ('deltaprop.commands.', 'deltaprop.derivation')\n"
        "names = [m for m in sys.modules if m.startswith(ours)]\n"
        "print(status, sorted(names))\n"
    )

    def loaded(*argv):
        done = subprocess.run(
            [sys.executable, "-c", code, *argv], cwd=tmp_path, capture_output=True, text=True
        )
        return done.stdout.strip()

    assert loaded("--help") == "0 []"
    assert "deltaprop.commands.info" in loaded("info", "--help")
    assert "deltaprop.derivation" not in loaded("info", "--help")
