"""The benchmark workloads W1–W4 (issue 4) and their synthetic, standardized data."""

from dataclasses import dataclass

import numpy as np
from sklearn.datasets import make_friedman1

from deltaprop import parameter_count


@dataclass(frozen=True)
class Workload:
    """One network and data set to time; ``batch=None`` is full-batch gradient descent."""

    name: str
    sizes: tuple  # (n_1, …, n_L)
    activation: str
    m: int  # training samples
    batch: int | None
    epochs: int  # epochs per timed repeat (sgd, adam)
    lbfgs_iters: int  # L-BFGS iterations per timed repeat
    repeats: int  # timed repeats per implementation (alternated)
    eta: float = 1e-3  # learning rate of sgd (no momentum) and adam

    @property
    def weights(self):
        """Entries of all Θ^(l) (biases excluded): the count in 6 × weights × samples."""
        return parameter_count(self.sizes) - sum(self.sizes[1:])

    @property
    def batch_size(self):
        return self.m if self.batch is None else self.batch

    def gflop_per_epoch(self):
        """6 × weights × samples: forward 2, ∂J/∂Θ 2, δ 2 flops per weight and sample."""
        return 6 * self.weights * self.m / 1e9


WORKLOADS = {
    w.name: w
    for w in [
        Workload("W1", (10, 64, 64, 1), "tanh", 50_000, 200, 2, 10, 5, eta=1e-2),
        Workload("W2", (100, 256, 256, 1), "relu", 20_000, 256, 1, 4, 5, eta=1e-2),
        Workload("W3", (10, 32, 1), "tanh", 2_000, None, 100, 50, 5, eta=1e-1),
        Workload("W4", (784, 1024, 1024, 1), "relu", 10_000, 512, 1, 2, 3, eta=1e-3),
    ]
}


def quick(w):
    """A smaller version of ``w`` for iterating on the suite: fewer samples, epochs, repeats."""
    m = min(w.m, 4_000) if w.name == "W4" else w.m // 5
    return Workload(
        w.name,
        w.sizes,
        w.activation,
        m,
        w.batch,
        max(1, w.epochs // 2),
        max(2, w.lbfgs_iters // 4),
        3,
        w.eta,
    )


def make_data(w, dtype, seed=0):
    """Standardized Friedman #1 regression data: X (m, n_1) rows, y (m,), both of ``dtype``."""
    X, y = make_friedman1(n_samples=w.m, n_features=w.sizes[0], noise=0.5, random_state=seed)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = (y - y.mean()) / y.std()
    return np.ascontiguousarray(X, dtype=dtype), y.astype(dtype)
