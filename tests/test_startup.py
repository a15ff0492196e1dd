"""Start-up: which libraries each command imports (``sys.modules`` in a fresh process).

scikit-learn, SciPy, matplotlib, pyarrow, pandas, tqdm, SymPy and Dask take from a tenth of a
second to over a second to import each; ``import deltaprop`` and the commands that do not need
them must not load them (``benchmarks/startup.py`` times it). No time is asserted here.
"""

import json
import subprocess
import sys

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
