"""Training on a busy machine: deltaprop's BLAS thread policy against 1 and 2 fixed threads,
and against scikit-learn, with other processes spinning on the cores.

    python benchmarks/under_load.py                   # one busy process, 5 rounds
    python benchmarks/under_load.py --busy 0 --rounds 3 --workloads W2,W4
    python benchmarks/under_load.py --skip-grid --skip-pair

It starts ``--busy`` processes that spin (``while True: pass``), then, per workload, times
the core training loop of ``benchmarks/peers.py`` (what ``deltaprop.train`` runs) with
deltaprop's policy ("default", ``deltaprop.speed``), with 1 and with 2 BLAS threads fixed
(``blas_threads_as_set`` under a threadpoolctl limit), and scikit-learn's ``MLPRegressor``
with its default threads and with 1; in each round every variant runs once, the first one
rotating. The table gives the median time per epoch (the policy's probes included) and the
ratios to deltaprop with 1 thread, in the same run. Then ``GridSearchCV(n_jobs=2)`` and two
trainings started at once (two processes), deltaprop against scikit-learn, alternated.

Absolute times swing with the load of a shared machine; the load average is printed at the
start and the end, and only ratios within one run mean anything.
"""

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

from deltaprop import Network
from deltaprop.speed import blas_threads_as_set
from workloads import WORKLOADS, Workload, make_data

SIZES = {"W1": 10_000, "W2": 5_120, "W3": 2_000, "W4": 4_096}  # rows timed (W3: its full batch)
EPOCHS = {"W1": 1, "W2": 1, "W3": 20, "W4": 1}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--busy", type=int, default=1, help="spinning processes to start")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--workloads", default="W1,W2,W3,W4")
    p.add_argument("--skip-grid", action="store_true", help="no GridSearchCV(n_jobs=2) timing")
    p.add_argument("--skip-pair", action="store_true", help="no two-trainings-at-once timing")
    p.add_argument("--child-fit", help=argparse.SUPPRESS)  # internal: LIB,WORKLOAD to fit once
    return p.parse_args(argv)


@contextlib.contextmanager
def busy_processes(n):
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        time.sleep(0.5 if n else 0)  # let them reach the cores
        yield
    finally:
        for p in procs:
            p.kill()
            p.wait()


def one_thread():
    return threadpool_limits(limits=1, user_api="blas")


def variants():
    """name -> (runner, context manager factory)."""
    from peers import run_core, run_sklearn  # (imports PyTorch if installed: not in the children)

    fixed = contextlib.ExitStack

    def pinned(limit):
        def make():
            stack = contextlib.ExitStack()
            stack.enter_context(blas_threads_as_set())
            if limit:
                stack.enter_context(threadpool_limits(limits=limit, user_api="blas"))
            return stack

        return make

    return {
        "deltaprop default": (run_core, fixed),
        "deltaprop 1 thread": (run_core, pinned(1)),
        "deltaprop 2 threads": (run_core, pinned(None)),
        "scikit-learn default": (run_sklearn, fixed),
        "scikit-learn 1 thread": (run_sklearn, one_thread),
    }


def workload(name):
    w = WORKLOADS[name]
    return Workload(w.name, w.sizes, w.activation, SIZES[name], w.batch, EPOCHS[name], 1, 1, w.eta)


def time_workload(w, rounds):
    """Median ms per epoch of each variant, alternated over ``rounds``."""
    X, y = make_data(w, np.float64)
    params0 = Network(w.sizes, w.activation, rng=np.random.default_rng(0)).params
    runs = variants()
    times = {name: [] for name in runs}
    names = list(runs)
    for r in range(rounds + 1):  # round 0 warms up and is not kept
        for name in names[r % len(names) :] + names[: r % len(names)]:
            runner, context = runs[name]
            time.sleep(0.05)  # the previous variant's spinning BLAS threads settle
            with context():
                seconds, done, _ = runner(w, X, y, params0, "sgd", w.epochs, r)
            if r:
                times[name].append(1e3 * seconds / done)
    return {name: statistics.median(t) for name, t in times.items()}


def print_workloads(names, rounds):
    print(
        "| workload | " + " | ".join(variants()) + " | default / 1 thread | "
        "2 threads / 1 thread | scikit-learn / deltaprop (default) |"
    )
    print("|---" * (len(variants()) + 4) + "|")
    for name in names:
        ms = time_workload(workload(name), rounds)
        one = ms["deltaprop 1 thread"]
        cells = " | ".join(f"{v:.1f}" for v in ms.values())
        print(
            f"| {name} | {cells} | {ms['deltaprop default'] / one:.2f} | "
            f"{ms['deltaprop 2 threads'] / one:.2f} | "
            f"{ms['scikit-learn default'] / ms['deltaprop default']:.2f} |",
            flush=True,
        )


def grid_search(lib, X, y):
    """GridSearchCV(n_jobs=2) over alpha × learning rate, 3 folds: seconds."""
    from sklearn.model_selection import GridSearchCV

    params = dict(hidden_layer_sizes=(64, 64), activation="tanh", batch_size=200, max_iter=3)
    params.update(tol=0.0, n_iter_no_change=10**9, random_state=0)
    if lib == "deltaprop":
        from deltaprop import DeltapropRegressor

        model = DeltapropRegressor(**params)
    else:
        from sklearn.neural_network import MLPRegressor

        model = MLPRegressor(**params)
    grid = {"alpha": [1e-4, 1e-2], "learning_rate_init": [1e-3, 1e-2]}
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        GridSearchCV(model, grid, cv=3, n_jobs=2).fit(X, y)
    return time.perf_counter() - start


def child_fit(spec):
    """One fit of LIB on WORKLOAD's data (a child process of ``two_at_once``): it prints
    "ready", waits for a line on stdin, fits, and prints the fit's seconds."""
    lib, name = spec.split(",")
    w = workload(name)
    X, y = make_data(w, np.float64)
    params = dict(hidden_layer_sizes=w.sizes[1:-1], activation=w.activation, solver="sgd")
    params.update(batch_size=w.batch_size, learning_rate_init=w.eta, max_iter=2, momentum=0.0)
    params.update(tol=0.0, n_iter_no_change=10**9, random_state=0)
    if lib == "deltaprop":
        from deltaprop import DeltapropRegressor

        model = DeltapropRegressor(**params)
    else:
        from sklearn.neural_network import MLPRegressor

        model = MLPRegressor(**params)
    print("ready", flush=True)
    sys.stdin.readline()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    print(time.perf_counter() - start, flush=True)


def two_at_once(lib, name):
    """Seconds of the slower of two fits of LIB on WORKLOAD, in two processes started
    together once both have imported what they need."""
    argv = [sys.executable, __file__, "--child-fit", f"{lib},{name}"]
    kw = dict(stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    procs = [subprocess.Popen(argv, **kw) for _ in range(2)]
    for p in procs:
        if p.stdout.readline().strip() != "ready":
            raise RuntimeError(f"a child fit of {lib} failed")
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    seconds = [float(p.stdout.readline()) for p in procs]
    for p in procs:
        p.wait()
    return max(seconds)


def alternated(cases, rounds):
    """Median seconds of each case (a name -> function of no argument), alternated."""
    times = {name: [] for name in cases}
    names = list(cases)
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            times[name].append(cases[name]())
    return {name: statistics.median(t) for name, t in times.items()}


def main(argv=None):
    args = parse_args(argv)
    if args.child_fit:
        return child_fit(args.child_fit)
    print(f"load average at start: {os.getloadavg()[0]:.2f}; busy processes: {args.busy}")
    with busy_processes(args.busy):
        print("\n### Time per epoch, ms (median), and ratios in the same run\n")
        print_workloads(args.workloads.split(","), args.rounds)
        if not args.skip_grid:
            X, y = make_data(workload("W1"), np.float64)
            s = alternated({lib: lambda lib=lib: grid_search(lib, X, y) for lib in LIBS}, 3)
            print("\n### GridSearchCV(n_jobs=2), 4 candidates × 3 folds, W1 data, 3 epochs\n")
            print_pair(s)
        if not args.skip_pair:
            for name in ("W1", "W2"):
                cases = {lib: lambda lib=lib, name=name: two_at_once(lib, name) for lib in LIBS}
                print(f"\n### Two {name} fits at once (2 epochs each, two processes; the slower)\n")
                print_pair(alternated(cases, 3))
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")
    return 0


LIBS = ("deltaprop", "scikit-learn")


def print_pair(seconds):
    d, s = seconds["deltaprop"], seconds["scikit-learn"]
    print(f"deltaprop {d:.2f} s, scikit-learn {s:.2f} s (median of 3): {s / d:.2f}× faster")


if __name__ == "__main__":
    sys.exit(main())
