"""The forward and backward equations of backpropagation, each defined once.

Every function below is one equation of the notation contract (``DESIGN.md``), batched over m
samples that are the **columns** of A^(l) (n_l × m). ``network.forward`` and ``network.backward``
call these functions, and the derivation that ``deltaprop explain`` prints is generated from the
``EQUATIONS`` records that name them, so the printed math and the executed math are one.

The Hadamard product ⊙ appears in exactly one place: ``delta_hidden``, with φ'(z^(l)).
"""

import functools
from dataclasses import dataclass

import numpy as np
from scipy.special import expit


def z_layer(theta_prev, a_prev, b, out=None):
    """z^(l) = Θ^(l−1) a^(l−1) + b^(l).   (n_l × n_{l−1}) (n_{l−1} × m) + (n_l × 1) → n_l × m"""
    z = np.matmul(theta_prev, a_prev, out=out)  # (n_l, m)
    z += b[:, None]  # b^(l) broadcast over the m columns
    return z


# φ(z) and φ'(z) written into a preallocated array ``out``, for the common activations: the
# same operations as their ``Activation`` records (bit-identical values, tested), without the
# temporaries. Other activations fall back to the records. Note 1: max(z, 0) against a row of
# zeros is twice as fast as against the scalar 0, which NumPy broadcasts through a buffer.
PHI_INTO = {
    "tanh": lambda z, out: np.tanh(z, out=out),
    "relu": lambda z, out: np.maximum(z, zeros(z.shape[-1], z.dtype), out=out),  # note 1
    "sigmoid": lambda z, out: expit(z, out=out),
}


def _tanh_dphi_into(z, a, out):
    np.multiply(a, a, out=out)  # a²
    return np.subtract(1, out, out=out)  # tanh'(z) = 1 − a²


def _sigmoid_dphi_into(z, a, out):
    np.subtract(1, a, out=out)  # 1 − a
    return np.multiply(a, out, out=out)  # σ'(z) = a (1 − a)


DPHI_INTO = {
    "tanh": _tanh_dphi_into,
    "relu": lambda z, a, out: np.greater(z, 0, out=out),  # relu'(z) = 1 if z > 0 else 0
    "sigmoid": _sigmoid_dphi_into,
}


def a_hidden(activation, z, out=None):
    """a^(l) = φ(z^(l)) for hidden layers l = 2..L−1.   n_l × m → n_l × m"""
    if out is None:
        return activation.phi(z)
    if activation.name in PHI_INTO:
        return PHI_INTO[activation.name](z, out)
    out[...] = activation.phi(z)
    return out


def dphi(activation, z, a, out=None):
    """φ'(z^(l)), element-wise, from z^(l) or the stored a^(l) = φ(z^(l)).   n_l × m → n_l × m"""
    if out is None:
        return activation.dphi(z, a)
    if activation.name in DPHI_INTO:
        return DPHI_INTO[activation.name](z, a, out)
    out[...] = activation.dphi(z, a)
    return out


def delta_output(loss, a_L, y, out=None):
    """δ^(L) = ∂J^(i)/∂z^(L) = a^(L) − y for the squared loss (linear output).   n_L × m"""
    if out is None:
        return loss.delta(a_L, y)
    if loss.name == "squared":
        return np.subtract(a_L, y, out=out)  # a^(L) − y, written into out
    out[...] = loss.delta(a_L, y)
    return out


def delta_hidden(theta, delta_next, dphi_z, out=None):
    """δ^(l) = (Θ^(l))ᵀ δ^(l+1) ⊙ φ'(z^(l)).

    (n_l × n_{l+1}) (n_{l+1} × m) ⊙ (n_l × m) → n_l × m
    """
    if theta.shape[0] == 1:  # n_{l+1} = 1: the product has one term, Θ^(l)_1j δ^(l+1)_1
        delta = np.multiply(theta.T, delta_next, out=out)  # (BLAS is slow at inner size 1)
    else:
        delta = np.matmul(theta.T, delta_next, out=out)  # matrix product: Σ_k Θ^(l)_kj δ^(l+1)_k
    delta *= dphi_z  # the one Hadamard product: φ' acts element-wise
    return delta


def grad_theta(delta_next, a, theta, alpha, m, out=None):
    """∂J/∂Θ^(l) = (1/m) (δ^(l+1) (a^(l))ᵀ + α Θ^(l)).   (n_{l+1} × m) (m × n_l) → n_{l+1} × n_l"""
    g = np.matmul(delta_next, a.T, out=out)  # Σ_i δ^(l+1)(x^(i)) a^(l)(x^(i))ᵀ
    if alpha:
        g += alpha * theta  # L2 term (α/2m) ‖Θ^(l)‖²_F; biases are not regularized
    g *= 1 / m
    return g


def grad_b(delta, m, out=None):
    """∂J/∂b^(l) = (1/m) δ^(l) 1.   (n_l × m) (m × 1) → n_l"""
    g = np.matmul(delta, ones(m, delta.dtype), out=out)  # Σ_i δ^(l)(x^(i)), as a BLAS gemv
    g *= 1 / m
    return g


@functools.cache
def ones(m, dtype):
    """The vector 1 (m,) of ``dtype``, made once per (m, dtype) and read-only."""
    one = np.ones(m, dtype=dtype)
    one.flags.writeable = False
    return one


@functools.cache
def zeros(m, dtype):
    """The vector 0 (m,) of ``dtype``, made once per (m, dtype) and read-only."""
    zero = np.zeros(m, dtype=dtype)
    zero.flags.writeable = False
    return zero


def cost(loss, a_L, y, thetas, alpha, m):
    """J = (1/m) Σ_i J^(i) + (α/2m) Σ_l ‖Θ^(l)‖²_F.   scalar"""
    penalty = sum(float(np.vdot(t, t)) for t in thetas) if alpha else 0.0
    return (loss.value(a_L, y) + 0.5 * alpha * penalty) / m


@dataclass(frozen=True)
class Equation:
    """One equation of the derivation: its symbols in the seed's notation and the code that runs it.

    ``lhs`` and ``rhs`` are written per sample with the layer index ``l`` as a placeholder
    ``{l}``, ``{l+1}``, ``{l-1}``; ``rhs_batched`` is the same equation over m columns.
    """

    key: str
    lhs: str
    rhs: str
    rhs_batched: str
    layers: str  # the range of l it holds for
    function: object  # the function above that implements it


EQUATIONS = (
    Equation("a_input", "a^(1)", "x", "X", "l = 1", None),
    Equation(
        "z",
        "z^({l})",
        "Θ^({l-1}) a^({l-1}) + b^({l})",
        "Θ^({l-1}) A^({l-1}) + b^({l}) 1ᵀ",
        "l = 2..L",
        z_layer,
    ),
    Equation("a_hidden", "a^({l})", "φ(z^({l}))", "φ(Z^({l}))", "l = 2..L−1", a_hidden),
    Equation("a_output", "a^(L)", "z^(L)", "Z^(L)", "l = L", None),
    Equation(
        "cost",
        "J",
        "(1/m) Σ_i ½‖a^(L) − y^(i)‖² + (α/2m) Σ_l ‖Θ^(l)‖²_F",
        "(1/2m) ‖A^(L) − Y‖²_F + (α/2m) Σ_l ‖Θ^(l)‖²_F",
        "",
        cost,
    ),
    Equation("delta_output", "δ^(L)", "a^(L) − y", "A^(L) − Y", "l = L", delta_output),
    Equation(
        "delta_hidden",
        "δ^({l})",
        "(Θ^({l}))ᵀ δ^({l+1}) ⊙ φ'(z^({l}))",
        "(Θ^({l}))ᵀ Δ^({l+1}) ⊙ φ'(Z^({l}))",
        "l = L−1..2",
        delta_hidden,
    ),
    Equation(
        "grad_theta",
        "∂J/∂Θ^({l})",
        "δ^({l+1}) (a^({l}))ᵀ",
        "(1/m) (Δ^({l+1}) (A^({l}))ᵀ + α Θ^({l}))",
        "l = L−1..1",
        grad_theta,
    ),
    Equation("grad_b", "∂J/∂b^({l})", "δ^({l})", "(1/m) Δ^({l}) 1", "l = L..2", grad_b),
)
