"""Activation functions φ, each with its derivative φ' beside it.

Each record holds ``phi(z)``, ``dphi(z, a)`` (φ'(z) given z and a = φ(z); an activation uses
whichever is cheaper, e.g. tanh' = 1 − a²) and ``formula``, the same function as a SymPy
expression in ``z`` that the symbolic proof differentiates. All are numerically stable for any
finite input and keep the input's dtype.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from deltaprop.errors import ConfigError

LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    name: str
    phi: Callable[[np.ndarray], np.ndarray]  # z -> φ(z), same shape and dtype
    dphi: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (z, a) -> φ'(z)
    formula: str  # φ(z) as a SymPy expression in z
    init: str  # "glorot" or "he": the initialization that suits it

    def __reduce__(self):  # pickle by name: the functions are lambdas
        return get_activation, (self.name,)


def _softplus(z):
    return np.logaddexp(0, z).astype(z.dtype, copy=False)


def _elu(z):
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))


ACTIVATIONS = {
    act.name: act
    for act in [
        Activation("identity", lambda z: z, lambda z, a: np.ones_like(z), "z", "glorot"),
        Activation("sigmoid", expit, lambda z, a: a * (1 - a), "1/(1 + exp(-z))", "glorot"),
        Activation("tanh", np.tanh, lambda z, a: 1 - a * a, "tanh(z)", "glorot"),
        Activation(
            "relu",
            lambda z: np.maximum(z, 0),
            lambda z, a: (z > 0).astype(z.dtype),
            "Max(0, z)",
            "he",
        ),
        Activation(
            "leaky_relu",
            lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
            lambda z, a: np.where(z > 0, 1, LEAKY_SLOPE).astype(z.dtype),
            f"Piecewise((z, z > 0), ({LEAKY_SLOPE}*z, True))",
            "he",
        ),
        Activation(
            "elu",
            _elu,
            lambda z, a: np.where(z > 0, 1, a + 1).astype(z.dtype),
            "Piecewise((z, z > 0), (exp(z) - 1, True))",
            "he",
        ),
        Activation("softplus", _softplus, lambda z, a: expit(z), "log(1 + exp(z))", "glorot"),
    ]
}
ALIASES = {"logistic": "sigmoid", "linear": "identity"}


def get_activation(name: str | Activation) -> Activation:
    """Look up an activation by name (``"logistic"`` and ``"linear"`` are accepted aliases)."""
    if isinstance(name, Activation):
        return name
    key = ALIASES.get(name, name)
    if key not in ACTIVATIONS:
        allowed = ", ".join(ACTIVATIONS)
        raise ConfigError(f"activation={name!r} is not known; use one of: {allowed}")
    return ACTIVATIONS[key]
