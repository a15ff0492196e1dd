"""Sparse X: deltaprop against scikit-learn's MLPRegressor on the same CSR matrix, interleaved.

    python benchmarks/sparse.py [--rows 100000] [--cols 5000] [--nnz-per-row 5] [--repeats 3]

Both fit the same (32,) relu network with adam for a few epochs of batch 200 on a random CSR X
(m × n, a few nonzeros per row) and predict it. Reported per run: wall time and the peak of
Python-traced memory (tracemalloc sees NumPy's and SciPy's arrays), beside the size of X as
CSR and as a dense matrix; then the ratios deltaprop / MLPRegressor (median over repeats).
Neither library densifies X: both multiply the sparse block in the first layer.
"""

import argparse
import statistics
import time
import tracemalloc
import warnings

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from deltaprop import DeltapropRegressor

EPOCHS = 3


def make_data(m, n, per_row, seed=0):
    """A CSR X (m, n) with ``per_row`` nonzeros per row and y from its first 50 columns."""
    rng = np.random.default_rng(seed)
    rows, cols = np.arange(m).repeat(per_row), rng.integers(0, n, size=m * per_row)
    X = sparse.csr_array((rng.normal(size=m * per_row), (rows, cols)), shape=(m, n))
    X.sum_duplicates()
    y = np.asarray(X[:, :50].sum(axis=1)).ravel() + 0.1 * rng.normal(size=m)
    return X, y


def models():
    common = {"hidden_layer_sizes": (32,), "solver": "adam", "batch_size": 200}
    common |= {"max_iter": EPOCHS, "random_state": 0}
    return {
        "deltaprop": lambda: DeltapropRegressor(**common),
        "MLPRegressor": lambda: MLPRegressor(shuffle=True, **common),
    }


def measure(make, X, y):
    """(seconds, peak traced bytes) of one fit and one predict of the whole X."""
    model = make()
    tracemalloc.start()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    model.predict(X)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--cols", type=int, default=5_000)
    p.add_argument("--nnz-per-row", type=int, default=5)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    X, y = make_data(args.rows, args.cols, args.nnz_per_row)
    csr = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    print(
        f"X: {args.rows:,} × {args.cols:,}, {X.nnz:,} nonzeros: {csr / 2**20:.1f} MiB as CSR, "
        f"{args.rows * args.cols * 8 / 2**20:,.0f} MiB dense; {EPOCHS} epochs of adam, (32,) relu"
    )
    results = {name: [] for name in models()}
    for _ in range(args.repeats):  # interleaved: the peers share the machine's state
        for name, make in models().items():
            results[name].append(measure(make, X, y))
    print("| implementation | time (s, median) | peak traced memory (MiB, median) |")
    print("|---|---|---|")
    medians = {}
    for name, runs in results.items():
        t = statistics.median(r[0] for r in runs)
        mem = statistics.median(r[1] for r in runs) / 2**20
        medians[name] = (t, mem)
        print(f"| {name} | {t:.2f} | {mem:.1f} |")
    (t_d, m_d), (t_s, m_s) = medians["deltaprop"], medians["MLPRegressor"]
    print(f"ratios deltaprop / MLPRegressor: time {t_d / t_s:.2f}, peak memory {m_d / m_s:.2f}")


if __name__ == "__main__":
    main()
