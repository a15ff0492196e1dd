"""Regression problems the tests share: rows X (m, 3) and a target y (m,) known in closed form."""

import numpy as np


def smooth(rng, m):
    """X (m, 3) standard normal and y = sin(x_1) + ½ x_2 x_3."""
    X = rng.normal(size=(m, 3))  # (m, 3)
    return X, np.sin(X[:, 0]) + 0.5 * X[:, 1] * X[:, 2]


def tanh_ridge(rng, m, square=0.0):
    """X (m, 3) standard normal and y = tanh(x · (1, −½, ¼)), plus ``square`` · x_1² if given."""
    X = rng.normal(size=(m, 3))  # (m, 3)
    y = np.tanh(X @ [1.0, -0.5, 0.25])
    return X, (y + square * X[:, 0] ** 2 if square else y)
