"""Convergence per epoch: deltaprop against scikit-learn's MLPRegressor after the same epochs.

Both get the same standardized data, network, solver, learning rate, α and number of epochs
(L-BFGS: iterations); each row is the mean over ``--seeds`` seeds of the weights (and shuffles)
of the training R² and the held-out R² (half of the rows), and Δ = deltaprop − MLPRegressor
with its standard error. A row is "behind" when Δ < −max(2 SE, 0.005) for the training or the
held-out R² (a difference beyond the seed-to-seed noise and beyond 0.005), "ahead" when
Δ > 2 SE for one of them and behind in neither, else "at". ``deltaprop, He init`` is deltaprop
with the initialization it had before issue 7 (He uniform on relu-family layers, the linear
output layer included; Glorot otherwise; zero biases), in the same run, for the before/after.
Then the two cases named in issue 7: scikit-learn's ``check_regressors_train`` data (its
default network, 50 epochs, training R²) and ``make_friedman1`` (2,000 rows, (64, 64) relu,
adam, early stopping, 5-fold R², repeated).

    python benchmarks/convergence.py [--seeds 16] [--epochs 50] [--repeats 3] > table.md
"""

import argparse
import contextlib
import warnings

import numpy as np
from sklearn.datasets import make_friedman1, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, cross_val_score
from sklearn.neural_network import MLPRegressor

from deltaprop import DeltapropRegressor, Network

ACTIVATIONS = ("relu", "tanh", "sigmoid")
SOLVERS = ("adam", "sgd", "lbfgs")
DEPTHS = ((32,), (32, 32))


def standardized(A):
    return (A - A.mean(axis=0)) / A.std(axis=0)


def datasets():
    """name -> (X, y), 400 rows each, standardized; the second half is held out."""
    linear = make_regression(400, 10, n_informative=1, bias=5.0, noise=20, random_state=42)
    friedman = make_friedman1(400, n_features=10, noise=0.5, random_state=0)
    two = make_regression(400, 10, n_informative=5, n_targets=2, noise=10, random_state=1)
    named = {"linear (sklearn check's generator)": linear, "friedman1": friedman, "2 outputs": two}
    return {name: (standardized(X), standardized(y)) for name, (X, y) in named.items()}


def he_initialize(net, rng, c=6.0):
    """deltaprop's initialization before issue 7, for the before/after column."""
    for theta in net.theta.values():
        n_out, n_in = theta.shape
        he = net.activation.name in ("relu", "leaky_relu", "elu")
        r = np.sqrt(6.0 / n_in) if he else np.sqrt(6.0 / (n_in + n_out))
        theta[...] = rng.uniform(-r, r, size=theta.shape)
    for b in net.b.values():
        b[...] = 0


def models(activation, solver, hidden, epochs, seed):
    settings = dict(hidden_layer_sizes=hidden, solver=solver, max_iter=epochs, random_state=seed)
    sk_activation = "logistic" if activation == "sigmoid" else activation
    return {
        "MLPRegressor": MLPRegressor(activation=sk_activation, **settings),
        "deltaprop": DeltapropRegressor(activation=activation, **settings),
        "deltaprop, He init": DeltapropRegressor(activation=activation, **settings),
    }


@contextlib.contextmanager
def initialization(name):
    """Within it, the model ``name`` initializes as it should (the old scheme for He init)."""
    original = Network.initialize
    if name == "deltaprop, He init":
        Network.initialize = he_initialize
    try:
        yield
    finally:
        Network.initialize = original


def fit(name, model, X, y):
    with initialization(name):
        return model.fit(X, y)


def row(X, y, activation, solver, hidden, epochs, seeds):
    """{model: array (seeds, 2) of (training R², held-out R²)}."""
    half = len(X) // 2
    scores = {}
    for seed in range(seeds):
        for name, model in models(activation, solver, hidden, epochs, seed).items():
            fitted = fit(name, model, X[:half], y[:half])
            pair = (fitted.score(X[:half], y[:half]), fitted.score(X[half:], y[half:]))
            scores.setdefault(name, []).append(pair)
    return {name: np.array(pairs) for name, pairs in scores.items()}


def difference(ours, theirs):
    """Δ of the means (training, held-out) and its standard error (independent seeds)."""
    se = np.sqrt(ours.var(axis=0, ddof=1) / len(ours) + theirs.var(axis=0, ddof=1) / len(theirs))
    return ours.mean(axis=0) - theirs.mean(axis=0), se


def verdict(delta, se):
    if np.any(delta < -np.maximum(2 * se, 0.005)):
        return "behind"
    return "ahead" if np.any(delta > 2 * se) else "at"


def grid(epochs, seeds):
    names = ("MLPRegressor", "deltaprop", "deltaprop, He init")
    print(
        f"R² after {epochs} epochs (L-BFGS: iterations), mean of {seeds} seeds: training / "
        "held-out; Δ = deltaprop − MLPRegressor ± its standard error\n"
    )
    print("| data | φ | solver | hidden | " + " | ".join(names) + " | Δ training | Δ held-out | |")
    print("|---|---|---|---|" + "---|" * (len(names) + 3))
    verdicts = []
    for data, (X, y) in datasets().items():
        for activation in ACTIVATIONS:
            for solver in SOLVERS:
                for hidden in DEPTHS:
                    r = row(X, y, activation, solver, hidden, epochs, seeds)
                    means = {n: r[n].mean(axis=0) for n in names}
                    cells = " | ".join(f"{means[n][0]:.3f} / {means[n][1]:.3f}" for n in names)
                    delta, se = difference(r["deltaprop"], r["MLPRegressor"])
                    deltas = " | ".join(
                        f"{d:+.3f} ± {e:.3f}" for d, e in zip(delta, se, strict=True)
                    )
                    verdicts.append(verdict(delta, se))
                    shape = ",".join(map(str, hidden))
                    print(
                        f"| {data} | {activation} | {solver} | {shape} | {cells} | {deltas} "
                        f"| {verdicts[-1]} |",
                        flush=True,
                    )
    counts = ", ".join(f"{v} {verdicts.count(v)}" for v in ("ahead", "at", "behind"))
    print(f"\nRows: {counts} (of {len(verdicts)}).")


def summary(name, scores, reference):
    """One line: the mean ± its standard error, and Δ against ``reference`` ± its SE."""
    scores = np.asarray(scores)
    line = f"- {name}: {scores.mean():.3f} ± {scores.std(ddof=1) / np.sqrt(len(scores)):.3f}"
    if reference is not None:
        delta, se = difference(scores[:, None], np.asarray(reference)[:, None])
        line += f" (Δ {delta[0]:+.3f} ± {se[0]:.3f}, {verdict(delta, se)})"
    return line + f", min {scores.min():.3f}"


def compare(scores):
    """Print ``summary`` of ``scores(name)`` for each model, against MLPRegressor's."""
    reference = scores("MLPRegressor")
    print(summary("MLPRegressor", reference, None))
    for name in ("deltaprop", "deltaprop, He init"):
        print(summary(name, scores(name), reference))


def check_regressors_train_case(seeds):
    """scikit-learn's check: its data, the default network, max_iter=50, training R²."""
    X, y = make_regression(200, 10, n_informative=1, bias=5.0, noise=20, random_state=42)
    X, y = standardized(X), standardized(y)
    print(
        "\ncheck_regressors_train data, default (100,) relu adam, 50 epochs, training R² "
        f"(mean of {seeds} seeds ± standard error; the check needs > 0.5):\n"
    )

    def scores(name):
        models_ = (models("relu", "adam", (100,), 50, seed)[name] for seed in range(seeds))
        return [fit(name, model, X, y).score(X, y) for model in models_]

    compare(scores)


def friedman_case(repeats):
    X, y = make_friedman1(2000, n_features=10, random_state=0)
    X, y = standardized(X), standardized(y)
    print(
        "\nmake_friedman1, 2,000 rows, (64, 64) relu, adam, early stopping, 5-fold R² "
        f"({repeats} shuffled 5-fold splits and seeds: mean of {5 * repeats} folds ± SE):\n"
    )

    def scores(name):
        folds = []
        for seed in range(repeats):
            model = models("relu", "adam", (64, 64), 200, seed)[name]
            model.set_params(early_stopping=True)
            with initialization(name):
                splits = KFold(5, shuffle=True, random_state=seed)
                folds.extend(cross_val_score(model, X, y, cv=splits))
        return folds

    compare(scores)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3, help="5-fold splits for friedman1")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)  # 50 epochs on purpose
    grid(args.epochs, args.seeds)
    check_regressors_train_case(args.seeds)
    friedman_case(args.repeats)


if __name__ == "__main__":
    main()
