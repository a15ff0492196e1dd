"""Every target of issue 19's "the step, round two" in one run (about 6 minutes on 2 cores).

    python benchmarks/targets.py [--rounds 5] [--skip-first-fit] [--out DIR]

Run it on an otherwise idle machine (the targets are idle ones; ``uptime`` before and after is
printed). PyTorch is timed when it is installed (``pip install torch``), never required.

1. **The step**: one sgd epoch of W1–W4 (``workloads.py``), float64 and float32, deltaprop's
   core API and its estimator against scikit-learn's ``MLPRegressor`` and PyTorch, alternated
   and paused as ``suite.py`` does, median of the repeats; the GEMM peak (2048³ matmul) of this
   run. The workloads keep their networks, batch sizes and (W3) full batch of 2000 columns;
   W1, W2 and W4 train on fewer rows than ``run.py``'s to fit the time. The estimator's time
   per epoch includes its fixed per-fit work (the checks, the copy it standardizes, and the
   pass over the data that measures ``final_loss_``), hence several epochs for W1 and W3;
   W2 and W4 (1 epoch, to fit the time) show the estimator's cost on a 1-epoch fit.
   Then the targets: W1 >= 2× both peers, W3 >= 3× both, W2 >= 85 % and W4 >= 90 % of the
   GEMM peak, each in float64 and float32 ("float32 as far ahead"), for the core and the
   estimator.
2. **The first fit on the bundled data in a fresh process**: ``DeltapropRegressor()`` and
   ``MLPRegressor()`` with their defaults (``random_state=0``) on the diabetes data, each in
   its own new Python process, alternated for ``--rounds`` rounds: the time of importing the
   estimator and its ``fit`` (what a first fit costs, lazy imports included), wall and CPU.
   Target: deltaprop >= 2× faster (median of the per-round ratios), with the bytecode of
   both libraries cached as an installed package has it (pip compiles it at install time;
   scikit-learn's wheel was installed so). Timed too, for information: every module compiled
   from its source in each process, which is what an editable install of deltaprop costs
   where ``PYTHONDONTWRITEBYTECODE`` is set (scikit-learn keeps the bytecode of its install).

Writes ``targets.json`` and ``targets.md`` into ``--out`` (default ``results/``).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# (rows, epochs per repeat, repeats): the networks and batch sizes of workloads.py
SIZES = {"W1": (20_000, 4, 5), "W2": (10_240, 1, 5), "W3": (2_000, 100, 5), "W4": (4_096, 1, 3)}
TARGETS = ("W1", "W3", "GEMM peak")  # the rows of report.targets this issue sets
# the first fit's conditions: the target's (bytecode cached, as installed), and every module
# compiled from its source in each process (an editable install with PYTHONDONTWRITEBYTECODE)
FIRST_FIT_CONDITIONS = ("bytecode cached", "compiled each time")

FIRST_FIT = """
import json, sys, time, warnings
from sklearn.datasets import load_diabetes
X, y = load_diabetes(return_X_y=True)
wall, cpu = time.perf_counter(), time.process_time()
if sys.argv[1] == "deltaprop":
    from deltaprop import DeltapropRegressor as Regressor
else:
    from sklearn.neural_network import MLPRegressor as Regressor
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    model = Regressor(random_state=0).fit(X, y)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({"wall_s": wall, "cpu_s": cpu, "n_iter": model.n_iter_}))
"""


def step_workloads():
    from workloads import WORKLOADS

    return [
        replace(WORKLOADS[name], m=m, epochs=epochs, repeats=repeats)
        for name, (m, epochs, repeats) in SIZES.items()
    ]


def step_run():
    """The suite's sgd cases, float64 and float32, every available implementation."""
    from peers import available
    from suite import run_suite

    return run_suite(step_workloads(), available(), ("sgd",), ("float64", "float32"), log=print)


def first_fit_env(cache):
    """The children's environment: with ``cache`` (a folder), the bytecode of every module
    is written there once and read from it after, as in an installed package (pip compiles
    it at install time; scikit-learn's came with its wheel); without, none is written."""
    env = dict(os.environ)
    if cache is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def first_fit(rounds, cache=None):
    """Per round and library: wall and CPU seconds of import + fit in a fresh process. With a
    bytecode ``cache`` (``first_fit_env``), one untimed run of each library fills it first."""
    runs = {"deltaprop": [], "scikit-learn": []}
    env = first_fit_env(cache)

    def child(name):
        cmd = [sys.executable, "-c", FIRST_FIT, name]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
        return json.loads(out.stdout.splitlines()[-1])

    if cache is not None:
        for name in runs:
            child(name)
    for r in range(rounds):
        order = list(runs)[r % 2 :] + list(runs)[: r % 2]
        for name in order:
            time.sleep(0.5)
            runs[name].append(child(name))
        print(
            f"  first fit round {r + 1}/{rounds}: "
            + ", ".join(f"{n} {runs[n][-1]['wall_s']:.3f} s" for n in runs),
            flush=True,
        )
    return runs


def first_fit_table(fits):
    """``fits``: {condition: runs of ``first_fit``}."""
    lines = [
        "| first fit, fresh process (import + fit) | deltaprop | scikit-learn | × faster "
        "(median of per-round ratios) | target >= 2× |",
        "|---|---|---|---|---|",
    ]
    for condition, runs in fits.items():
        ours, theirs = runs["deltaprop"], runs["scikit-learn"]
        for clock, label in (("wall_s", "wall s"), ("cpu_s", "CPU s")):
            ratio = statistics.median(
                t[clock] / o[clock] for o, t in zip(ours, theirs, strict=True)
            )
            a, b = (statistics.median(x[clock] for x in runs[n]) for n in runs)
            met = "yes" if ratio >= 2 else "**no**"
            lines.append(
                f"| {condition}: {label}, median | {a:.3f} | {b:.3f} | {ratio:.2f} | {met} |"
            )
    runs = next(iter(fits.values()))
    epochs = ", ".join(f"{n} {runs[n][0]['n_iter']}" for n in runs)
    return "\n".join(lines) + f"\n\nEpochs of each fit: {epochs}."


def step_tables(result):
    from report import markdown_table, targets

    peak = ", ".join(f"{dt} {g:.0f}" for dt, g in result["peak_gflops"].items())
    lines = [f"GEMM peak (2048³ matmul, GFLOP/s): {peak}.", "", markdown_table(result), ""]
    for name in ("deltaprop core", "deltaprop estimator"):
        lines += [f"| target ({name}) | measured | met |", "|---|---|---|"]
        for text, value, ok in targets(result, name):
            if any(key in text for key in ("W1", "W3", "% GEMM peak")) and "adam" not in text:
                lines.append(f"| {text} | {value:.3g} | {'yes' if ok else '**no**'} |")
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=5, help="first-fit rounds")
    p.add_argument("--skip-first-fit", action="store_true")
    p.add_argument("--out", type=Path, default=HERE / "results")
    args = p.parse_args(argv)
    start, load = time.perf_counter(), os.getloadavg()
    print(f"load average at the start: {load}", flush=True)
    result = step_run()
    report = [step_tables(result)]
    if not args.skip_first_fit:
        with tempfile.TemporaryDirectory() as cache:
            result["first_fit"] = {
                FIRST_FIT_CONDITIONS[0]: first_fit(args.rounds, Path(cache)),
                FIRST_FIT_CONDITIONS[1]: first_fit(args.rounds),
            }
        report.append(first_fit_table(result["first_fit"]))
    result["load_average"] = {"start": load, "end": os.getloadavg()}
    report.append(
        f"\nLoad average at the start {load[0]:.2f}, at the end {os.getloadavg()[0]:.2f}; "
        f"total {time.perf_counter() - start:.0f} s."
    )
    text = "\n".join(report)
    print("\n" + text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "targets.md").write_text(text + "\n")
    (args.out / "targets.json").write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
