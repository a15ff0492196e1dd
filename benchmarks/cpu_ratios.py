"""The step targets' ratios on a busy machine: CPU time per epoch, one BLAS thread each.

    OPENBLAS_NUM_THREADS=1 python benchmarks/cpu_ratios.py [--rounds 5] [--workloads W1,W3]

deltaprop's core loop (``peers.run_core``), its estimator and scikit-learn's ``MLPRegressor``
(PyTorch too when installed, with ``torch.set_num_threads(1)``) train the same sgd epochs of
``targets.py``'s W1 (20 000 rows, batch 200, 2 epochs) and W3 (2 000 columns full batch, 100
epochs), float64 and float32, in rounds whose order rotates; each figure is the median of the
process's CPU time per epoch, which other processes on the machine inflate far less than wall
time. Not the targets' conditions (idle, each library's default threads): a way to see a
change's effect on the ratios while the machine is shared (benchmarks/NOTES.md, round five).
"""

import argparse
import statistics
import time
import warnings
from dataclasses import replace

import numpy as np

from deltaprop import Network
from peers import IMPLEMENTATIONS, torch
from workloads import WORKLOADS, make_data

SIZES = {"W1": (20_000, 2), "W3": (2_000, 100)}  # rows, epochs per timed run


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--workloads", default="W1,W3")
    args = p.parse_args(argv)
    impls = ["deltaprop core", "deltaprop estimator", "scikit-learn"]
    if torch is not None:
        torch.set_num_threads(1)
        impls.append("PyTorch")
    warnings.simplefilter("ignore")  # MLPRegressor's ConvergenceWarning
    print("| case | " + " | ".join(impls) + " | core × peers | estimator × peers |")
    print("|---|" + "---|" * (len(impls) + 2))
    for name in args.workloads.split(","):
        m, epochs = SIZES[name]
        w = replace(WORKLOADS[name], m=m, epochs=epochs)
        for dtype in ("float64", "float32"):
            row = time_case(w, dtype, impls, args.rounds)
            peers = min(row[i] for i in impls[2:])
            cells = " | ".join(f"{row[i]:.3g}" for i in impls)
            core, est = peers / row["deltaprop core"], peers / row["deltaprop estimator"]
            print(f"| {name} {dtype} | {cells} | {core:.2f} | {est:.2f} |", flush=True)
    return 0


def time_case(w, dtype, impls, rounds):
    """{implementation: median CPU ms per epoch} over ``rounds`` rotating rounds."""
    X, y = make_data(w, dtype)
    params0 = Network(w.sizes, w.activation, rng=np.random.default_rng(1), dtype=dtype).params
    times = {i: [] for i in impls}
    for i in impls:  # warm-up
        IMPLEMENTATIONS[i](w, X[:800], y[:800], params0, "sgd", 1, 0)
    for r in range(rounds):
        for i in impls[r % len(impls) :] + impls[: r % len(impls)]:
            cpu = time.process_time()
            _, done, _ = IMPLEMENTATIONS[i](w, X, y, params0, "sgd", w.epochs, 0)
            times[i].append(1e3 * (time.process_time() - cpu) / done)
    return {i: statistics.median(t) for i, t in times.items()}


if __name__ == "__main__":
    raise SystemExit(main())
