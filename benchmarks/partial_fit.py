"""partial_fit on a stream of 1,000-row chunks: the loss it reaches against ``fit`` with the same
epochs and batch size, and its milliseconds per chunk against ``MLPRegressor.partial_fit``.

The two libraries are timed interleaved (ours, then theirs, chunk by chunk) on the same chunks,
and the ratio of their medians is reported (timings on a shared machine are noisy).

    python benchmarks/partial_fit.py [--rows 20000] [--epochs 5]
"""

import argparse
import statistics
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from deltaprop import DeltapropRegressor

CHUNK = 1000
SETTINGS = dict(hidden_layer_sizes=(64,), solver="adam", batch_size=200, learning_rate_init=1e-3)


def make_data(m, n=10, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n))  # (m, n)
    y = np.sin(X[:, 0]) + X[:, 1] * X[:, 2] + 0.5 * np.tanh(X[:, 3:] @ rng.normal(size=n - 3))
    return X, y + 0.1 * rng.normal(size=m)


def mse(model, X, y):
    return float(np.mean((model.predict(X) - y) ** 2))


def same_loss(X, y, epochs):
    """Training MSE after ``epochs`` epochs: fit, and a stream of partial_fit calls (scalers
    of the first chunk), for deltaprop and for MLPRegressor."""
    rows = []
    for name, make in (("deltaprop", DeltapropRegressor), ("MLPRegressor", MLPRegressor)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fitted = make(max_iter=epochs, n_iter_no_change=epochs + 1, random_state=0, **SETTINGS)
            fitted.fit(X, y)
        stream = make(random_state=0, **SETTINGS)
        for _ in range(epochs):
            for start in range(0, len(X), CHUNK):
                stream.partial_fit(X[start : start + CHUNK], y[start : start + CHUNK])
        rows.append((name, mse(fitted, X, y), mse(stream, X, y)))
    return rows


def ms_per_chunk(X, y, epochs):
    """Median ms per ``partial_fit`` call of each library, timed alternately on each chunk."""
    ours, theirs = DeltapropRegressor(random_state=0, **SETTINGS), MLPRegressor(**SETTINGS)
    times = {"deltaprop": [], "MLPRegressor": []}
    for _ in range(epochs):
        for start in range(0, len(X), CHUNK):
            X_c, y_c = X[start : start + CHUNK], y[start : start + CHUNK]
            for name, model in (("deltaprop", ours), ("MLPRegressor", theirs)):
                t = time.perf_counter()
                model.partial_fit(X_c, y_c)
                times[name].append(1e3 * (time.perf_counter() - t))
    return {name: statistics.median(values[1:]) for name, values in times.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args(argv)
    X, y = make_data(args.rows)
    print(f"{args.rows} rows in chunks of {CHUNK}, {args.epochs} epochs, {SETTINGS}")
    print(f"variance of y (the trivial model's MSE): {np.var(y):.4f}")
    print("| library | fit: training MSE | partial_fit stream: training MSE | stream / fit |")
    print("|---|---|---|---|")
    for name, fit_mse, stream_mse in same_loss(X, y, args.epochs):
        print(f"| {name} | {fit_mse:.4f} | {stream_mse:.4f} | {stream_mse / fit_mse:.3f} |")
    ms = ms_per_chunk(X, y, args.epochs)
    ratio = ms["MLPRegressor"] / ms["deltaprop"]
    print("| deltaprop ms/chunk | MLPRegressor ms/chunk | MLPRegressor / deltaprop |")
    print("|---|---|---|")
    print(f"| {ms['deltaprop']:.2f} | {ms['MLPRegressor']:.2f} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
