"""Start-up: each command's whole run, process start included, against ``python -c "import
numpy"`` in the same run.

Every round runs the bare NumPy import and then each command once, the commands in a rotating
order, so that the load of a shared machine falls on all of them alike; the table gives the
median wall time of each and the median over rounds of its ratio to the NumPy import of the
same round (with the range of those ratios). The commands run as users run them: the
``deltaprop`` script installed beside this Python, in a temporary folder holding a small model
(trained once, before the rounds) and a CSV of the bundled data. ``--modules`` prints what each
command imported of the heavy libraries (``tests/test_startup.py`` checks the same).

    python benchmarks/startup.py                 # 15 rounds
    python benchmarks/startup.py --rounds 5 --modules
    python benchmarks/startup.py --rows 60000    # evaluate a 60k x 101 CSV against pandas
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HEAVY = ("sklearn", "scipy", "matplotlib", "pyarrow", "pandas", "tqdm", "sympy", "dask", "numba")
TARGETS = {"--version": 1.5, "--help": 1.5, "check": 3.0, "explain": 3.0}
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ENV = {}  # the timed runs' environment, set by main()
CHECK = "delta[l] = Theta[l].T @ delta[l+1] * dphi(z[l])"
CHAIN = (  # a derivation: a derivative through the network, by central differences, then VJP
    r"\frac{\partial J}{\partial \Theta^{(L-1)}} = \frac{\partial}{\partial \Theta^{(L-1)}}"
    r" \left[ \frac{1}{2} \left\| a^{(L)} - y \right\|^2 \right] = \delta^{(L)} (a^{(L-1)})^T"
)


def commands(script, big_csv=None):
    """name -> argv of each timed command (run in the folder that holds model.npz, data.csv)."""
    runs = {
        "import numpy": [sys.executable, "-c", "import numpy"],
        "--version": [script, "--version"],
        "--help": [script, "--help"],
        "check": [script, "check", CHECK],
        "check --activation sigmoid": [script, "check", CHECK, "--activation", "sigmoid"],
        "check (a derivation)": [script, "check", CHAIN],
        "explain": [script, "explain"],
        "info": [script, "info", "model.npz"],
        "predict": [script, "predict", "model.npz", "data.csv", "-o", "out.csv"],
        "evaluate": [script, "evaluate", "model.npz", "data.csv"],
    }
    if big_csv:
        read = f"import pandas; pandas.read_csv({str(big_csv)!r})"
        runs["pandas.read_csv (big)"] = [sys.executable, "-c", read]
        runs["evaluate (big)"] = [script, "evaluate", "big.npz", str(big_csv)]
    return runs


def timed(argv, folder):
    """(wall, CPU) seconds of ``argv`` run to its end; CPU is user + system time of the child,
    which the other processes of a shared machine inflate less than the wall time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, cwd=folder, check=True, capture_output=True, env=ENV)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def compiled_env(folder):
    """The environment of every timed run: bytecode cached (under ``folder``, not beside the
    sources), as an installed package has it, whatever PYTHONDONTWRITEBYTECODE says here."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    return env


def prepare(folder, script, rows):
    """model.npz (5 epochs on the bundled data) and data.csv (examples/diabetes.csv) in
    ``folder``; with ``rows``, also a CSV of ``rows`` × 101 random values (big.csv) and a
    100-feature model for it (big.npz). Returns big.csv's path or None."""
    shutil.copy(EXAMPLES / "diabetes.csv", folder / "data.csv")
    train = [script, "train", "--epochs", "5", "--out", "model.npz", "--quiet"]
    subprocess.run(train, cwd=folder, check=True, capture_output=True)
    if not rows:
        return None
    table = np.random.default_rng(0).standard_normal((rows, 101))
    header = ",".join([f"x{j}" for j in range(100)] + ["y"])
    np.savetxt(folder / "big.csv", table, delimiter=",", header=header, comments="", fmt="%.17g")
    np.savetxt(folder / "sample.csv", table[:2000], delimiter=",", header=header, comments="")
    train = [script, "train", "sample.csv", "--target", "y", "--epochs", "2", "--out", "big.npz"]
    subprocess.run([*train, "--quiet"], cwd=folder, check=True, capture_output=True)
    return folder / "big.csv"


def modules(argv, folder):
    """The heavy top-level packages that ``argv`` (a deltaprop command) imports."""
    code = f"""
import sys, runpy
sys.argv = sys.argv[1:]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
except SystemExit:
    pass
print(sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r})), file=sys.stderr)
"""
    done = subprocess.run(
        [sys.executable, "-c", code, *argv], cwd=folder, capture_output=True, text=True, env=ENV
    )
    return done.stderr.strip().splitlines()[-1]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--rows", type=int, default=0, help="also evaluate a ROWS x 101 CSV")
    p.add_argument("--modules", action="store_true", help="print each command's heavy imports")
    args = p.parse_args(argv)
    script = shutil.which("deltaprop", path=os.path.dirname(sys.executable)) or "deltaprop"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ENV.update(compiled_env(folder))
        runs = commands(script, prepare(folder, script, args.rows))
        if args.modules:
            for name, argv_ in runs.items():
                if argv_[0] == script:
                    print(f"{name}: {modules(argv_, folder)}")
        for argv_ in runs.values():  # warm-up: the bytecode cache, the file system's
            timed(argv_, folder)
        times = {name: [] for name in runs}
        names = [name for name in runs if name != "import numpy"]
        for r in range(args.rounds):
            times["import numpy"].append(timed(runs["import numpy"], folder))
            for name in names[r % len(names) :] + names[: r % len(names)]:
                times[name].append(timed(runs[name], folder))
        report(times, args.rounds)


def report(times, rounds):
    """The table: median wall times, and each command's median ratio (range) to its peer of
    the same round (``evaluate (big)``: pandas.read_csv of the same file; else NumPy's
    import), in wall and in CPU time."""
    load = os.getloadavg()[0]
    print(f"{rounds} rounds; load average {load:.1f} at the end; medians")
    print("| command | wall (s) | wall / peer, median (range) | CPU / peer | target |")
    print("|---|---|---|---|---|")
    for name, values in times.items():
        peer = "pandas.read_csv (big)" if name == "evaluate (big)" else "import numpy"
        wall = [t[0] / base[0] for t, base in zip(values, times[peer], strict=True)]
        cpu = [t[1] / base[1] for t, base in zip(values, times[peer], strict=True)]
        target = 2.0 if name == "evaluate (big)" else TARGETS.get(name)
        shown = f"{statistics.median(wall):.2f} ({min(wall):.2f}–{max(wall):.2f})"
        shown += f" | {statistics.median(cpu):.2f}"
        if name in ("import numpy", "pandas.read_csv (big)"):
            shown = "peer | peer"
        met = "" if target is None else f"≤ {target}: {statistics.median(wall) <= target}"
        print(f"| {name} | {statistics.median(v[0] for v in values):.3f} | {shown} | {met} |")


if __name__ == "__main__":
    main()
