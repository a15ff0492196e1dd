"""Activation functions φ, each with its derivative φ' beside it.

Each record holds ``phi(z, out=None)``, ``dphi(z, a, out=None)`` (φ'(z) given z and a = φ(z);
an activation uses whichever is cheaper, e.g. tanh' = 1 − a²) and ``formula``, the same function
as a SymPy expression in ``z`` that the symbolic proof differentiates. With ``out`` (an array of
z's shape and dtype) the value is written into it and no array of z's size is allocated; without
it a new array is returned. Both give the same bits. All are numerically stable for any finite
input and keep the input's dtype.
"""

import functools
import platform
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from deltaprop.errors import ConfigError

LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    name: str
    phi: Callable[..., np.ndarray]  # (z, out=None) -> φ(z), same shape and dtype
    dphi: Callable[..., np.ndarray]  # (z, a, out=None) -> φ'(z), same shape and dtype
    formula: str  # φ(z) as a SymPy expression in z

    def __reduce__(self):  # pickle by name: the functions are module-level or lambdas
        return (get_activation if self.name in ACTIVATIONS else get_output), (self.name,)


def expit(z, out=None):
    """σ(z) = 1/(1 + e^(−z)) by SciPy's ``expit``, imported on the first call (SciPy takes a
    tenth of a second to import, and most networks never use σ)."""
    return _scipy_expit()(z, out=out)


@functools.cache
def _scipy_expit():
    from scipy.special import expit as scipy_expit

    return scipy_expit


def _new(z, out):
    """``out``, or a new array like z to write into."""
    return np.empty_like(z) if out is None else out


def tanh_by_exp(z, out=None):
    """tanh(z) = 1 − 2 / (1 + e^(2z)): one ``exp`` and four cheap passes. Within 2 ulp of 1
    of NumPy's ``tanh`` everywhere (absolute), and within 2 ulp relative for |z| ≥ 1
    (measured; near 0 the subtraction cancels: tanh(1e-30) is 0).

    For |z| > 20, where tanh is ±1 to the last bit of float64 (and float32), 2z or e^(2z)
    may overflow to inf, and e^(2z) or 2 / (1 + e^(2z)) underflow to 0 or a subnormal; each
    gives exactly ±1, so here overflow and underflow are not errors (a saturated unit is not
    a diverging run). No clip to ±20 first: the same bits for every z, one pass fewer
    (benchmarks/NOTES.md)."""
    with np.errstate(over="ignore", under="ignore"):
        t = np.multiply(z, 2, out=_new(z, out))  # 2z
        np.exp(t, out=t)  # e^(2z): inf above z ≈ 354.9, 0 below z ≈ −372.5 (float64)
        t += 1
        np.divide(2, t, out=t)  # 2 / (1 + e^(2z)): 0 where e^(2z) is inf
        return np.subtract(1, t, out=t)


def _tanh(z, out=None):
    """tanh(z): NumPy's, or ``tanh_by_exp`` in float64 where NumPy's has no fast loop."""
    if tanh_uses_exp(getattr(z, "dtype", None)):
        return tanh_by_exp(z, out)
    return np.tanh(z, out=out)


def tanh_uses_exp(dtype):
    """Whether the tanh activation computes arrays of ``dtype`` with ``tanh_by_exp``: float64
    on an x86 CPU whose NumPy float64 tanh runs without AVX-512."""
    return dtype == np.float64 and _exp_tanh_pays()


@functools.cache
def _exp_tanh_pays():
    """Whether NumPy's float64 ``tanh`` lacks its fast vector loop on this CPU. On x86 that loop
    needs AVX-512 (0.7 ns per value); without it tanh takes 14 ns, twice the ``exp`` that
    ``tanh_by_exp`` costs (benchmarks/NOTES.md). Decided from the loop NumPy dispatched, never
    timed, so that one seed gives the same bits on every run on one machine."""
    if platform.machine().lower() not in {"x86_64", "amd64"}:
        return False
    try:
        from numpy.lib.introspect import opt_func_info  # NumPy >= 2.1
    except ImportError:
        return False
    loops = opt_func_info(func_name="^tanh$", signature="^(dd|float64)").get("tanh", {})
    targets = " ".join(loop["current"] for loop in loops.values())
    return bool(targets) and not any(t in targets for t in ("AVX512", "X86_V4"))


def _tanh_dphi(z, a, out=None):
    out = np.multiply(a, a, out=out)  # a²
    return np.subtract(1, out, out=out)  # tanh'(z) = 1 − a²


def _sigmoid_dphi(z, a, out=None):
    out = np.subtract(1, a, out=out)  # 1 − a
    return np.multiply(a, out, out=out)  # σ'(z) = a (1 − a)


def _relu(z, out=None):
    return np.maximum(z, 0, out=out)  # relu(z) = max(z, 0)


def _relu_dphi(z, a, out=None):
    return np.greater(z, 0, out=_new(z, out))  # relu'(z) = 1 if z > 0 else 0


def _leaky_relu(z, out=None):
    out = np.multiply(z, LEAKY_SLOPE, out=out)  # s z
    return np.maximum(z, out, out=out)  # z if z > 0 else s z (s < 1)


def _leaky_relu_dphi(z, a, out=None):
    out = _new(z, out)
    np.copyto(out, LEAKY_SLOPE)  # s where z <= 0
    np.copyto(out, 1, where=z > 0)  # 1 where z > 0
    return out


def _elu(z, out=None):
    out = np.minimum(z, 0, out=out)  # min(z, 0)
    np.expm1(out, out=out)  # e^z − 1 for z <= 0
    np.copyto(out, z, where=z > 0)  # z for z > 0
    return out


def _elu_dphi(z, a, out=None):
    out = np.add(a, 1, out=out)  # e^z = a + 1 for z <= 0
    np.copyto(out, 1, where=z > 0)  # 1 for z > 0
    return out


def _identity_dphi(z, a, out=None):
    out = _new(z, out)
    out.fill(1)
    return out


ACTIVATIONS = {
    act.name: act
    for act in [
        Activation("identity", np.positive, _identity_dphi, "z"),
        Activation("sigmoid", expit, _sigmoid_dphi, "1/(1 + exp(-z))"),
        Activation("tanh", _tanh, _tanh_dphi, "tanh(z)"),
        Activation("relu", _relu, _relu_dphi, "Max(0, z)"),
        Activation(
            "leaky_relu",
            _leaky_relu,
            _leaky_relu_dphi,
            f"Piecewise((z, z > 0), ({LEAKY_SLOPE}*z, True))",
        ),
        Activation("elu", _elu, _elu_dphi, "Piecewise((z, z > 0), (exp(z) - 1, True))"),
        Activation(
            "softplus",
            lambda z, out=None: np.logaddexp(0, z, out=out),  # log(1 + e^z), stable
            lambda z, a, out=None: expit(z, out=out),  # softplus'(z) = σ(z)
            "log(1 + exp(z))",
        ),
    ]
}
ALIASES = {"logistic": "sigmoid", "linear": "identity"}


def get_activation(name: str | Activation) -> Activation:
    """Look up an activation by name (``"logistic"`` and ``"linear"`` are accepted aliases)."""
    if isinstance(name, Activation):
        return name
    key = ALIASES.get(name, name) if isinstance(name, str) else None
    if key not in ACTIVATIONS:
        allowed = ", ".join(ACTIVATIONS)
        raise ConfigError(f"activation={name!r} is not known; use one of: {allowed}")
    return ACTIVATIONS[key]


def _exp_dphi(z, a, out=None):
    out = _new(z, out)
    np.copyto(out, a)  # exp'(z) = exp(z) = a
    return out


# The output layer a^(L) of z^(L): linear, or exp (the log link of the Poisson loss). Not a
# hidden activation: a loss names the one it is defined with (``Loss.output``).
OUTPUTS = {
    "identity": ACTIVATIONS["identity"],
    "exp": Activation("exp", lambda z, out=None: np.exp(z, out=out), _exp_dphi, "exp(z)"),
}


def get_output(name: str | Activation) -> Activation:
    """The output layer's function by name: ``"identity"`` (a^(L) = z^(L)) or ``"exp"``."""
    if isinstance(name, Activation) and name.name in OUTPUTS:
        return OUTPUTS[name.name]
    if not isinstance(name, str) or name not in OUTPUTS:
        raise ConfigError(f"output={name!r} is not known; use one of: {', '.join(OUTPUTS)}")
    return OUTPUTS[name]
