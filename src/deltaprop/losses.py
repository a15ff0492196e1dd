"""Losses: the per-sample cost J^(i) of the output a^(L) and its derivative δ^(L) = ∂J^(i)/∂z^(L).

Each loss names the output layer it is defined with (``output``): "identity" for the squared
and Huber losses (a^(L) = z^(L), so δ^(L) is the derivative of the loss with respect to a^(L)),
"exp" for the Poisson loss (log link, a^(L) = exp(z^(L)), as scikit-learn's
``MLPRegressor(loss="poisson")`` and ``PoissonRegressor``): the chain rule through exp then
cancels, δ^(L) = a^(L) − y (docs/derivation.md, "The Poisson loss").
``value`` returns the sum over samples and outputs; the network divides by m.
``delta(a, y, out=None)`` writes Δ^(L) into ``out`` when given (no allocation), else returns a
new array; both give the same bits.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from deltaprop.errors import ConfigError

HUBER_DELTA = 1.0


@dataclass(frozen=True)
class Loss:
    name: str
    value: Callable[[np.ndarray, np.ndarray], float]  # (A^(L), Y) -> Σ_i J^(i)
    delta: Callable[..., np.ndarray]  # (A^(L), Y, out=None) -> Δ^(L), (n_L, m)
    formula: str  # J^(i) for one output r = a − y (Poisson: of a and y), as SymPy text
    delta_text: str  # δ^(L) in the question's notation
    per_sample: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None  # -> J^(i), (m,)
    output: str = "identity"  # the output layer a^(L) of z^(L) the loss is defined with

    def __reduce__(self):  # pickle by name: the functions are module-level or lambdas
        return get_loss, (self.name,)


def _squared_value(a, y):
    r = a - y
    return 0.5 * float(np.vdot(r, r))  # ½ Σ_i ‖a^(L) − y‖²


def _huber_value(a, y):
    r, d = np.abs(a - y), HUBER_DELTA
    return float(np.sum(np.where(r <= d, 0.5 * r * r, d * (r - d / 2))))


def _squared_per_sample(a, y):
    r = a - y  # (n_L, m)
    return 0.5 * np.einsum("km,km->m", r, r)  # ½‖a^(L) − y‖² of each column: (m,)


def _huber_per_sample(a, y):
    r, d = np.abs(a - y), HUBER_DELTA
    return np.sum(np.where(r <= d, 0.5 * r * r, d * (r - d / 2)), axis=0)  # (m,)


def _huber_delta(a, y, out=None):
    out = np.subtract(a, y, out=out)  # r = a − y
    return np.clip(out, -HUBER_DELTA, HUBER_DELTA, out=out)  # clip(r, −d, d)


def _poisson_per_sample(a, y):
    """Half the Poisson deviance of each column, Σ_j y_j log(y_j/a_j) − y_j + a_j (0 log 0 = 0):
    0 where a = y, else > 0.   (n_L, m) → (m,)"""
    from scipy.special import xlogy  # SciPy only when the Poisson loss is used

    return np.sum(xlogy(y, y) - xlogy(y, a) - y + a, axis=0)


def _poisson_value(a, y):
    return float(np.sum(_poisson_per_sample(a, y)))  # Σ_i J^(i)


LOSSES = {
    "squared": Loss(
        "squared",
        _squared_value,
        lambda a, y, out=None: np.subtract(a, y, out=out),  # a − y
        "r**2/2",
        "a^(L) − y",
        _squared_per_sample,
    ),
    "huber": Loss(
        "huber",
        _huber_value,
        _huber_delta,
        f"Piecewise((r**2/2, Abs(r) <= {HUBER_DELTA}), "
        f"({HUBER_DELTA}*(Abs(r) - {HUBER_DELTA / 2}), True))",
        f"clip(a^(L) − y, −{HUBER_DELTA}, {HUBER_DELTA})",
        _huber_per_sample,
    ),
    "poisson": Loss(
        "poisson",
        _poisson_value,
        lambda a, y, out=None: np.subtract(a, y, out=out),  # a − y: the log link cancels exp'
        "y*log(y/a) - y + a",
        "a^(L) − y",
        _poisson_per_sample,
        output="exp",
    ),
}


ALIASES = {"squared_error": "squared"}  # scikit-learn's names


def get_loss(name: str | Loss) -> Loss:
    """Look up a loss by name: ``"squared"`` (the question's ½‖a − y‖²; scikit-learn's
    ``"squared_error"``), ``"huber"`` or ``"poisson"`` (half the Poisson deviance, exp output)."""
    if isinstance(name, Loss):
        return name
    name = ALIASES.get(name, name) if isinstance(name, str) else name
    if not isinstance(name, str) or name not in LOSSES:
        raise ConfigError(f"loss={name!r} is not known; use one of: {', '.join(LOSSES)}")
    return LOSSES[name]


def weighted_sum(loss, a, y, w=None):
    """Σ_i w_i J^(i) over the columns of a, y (n_L, m), w (m,); Σ_i J^(i) when w is None."""
    if w is None:
        return loss.value(a, y)
    if loss.per_sample is None:
        raise ConfigError(f"loss={loss.name!r} takes no sample_weight; pass sample_weight=None")
    return float(np.dot(loss.per_sample(a, y), w))


def weight_total(w, m):
    """Σ_i w_i, the normalizer of J: m when w is None."""
    return m if w is None else float(np.sum(w, dtype=np.float64))
