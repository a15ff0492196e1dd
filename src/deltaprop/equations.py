"""The forward and backward equations of backpropagation, each defined once.

Every function below is one equation of the notation contract (docs/design.md), batched over m
samples that are the **columns** of A^(l) (n_l × m). ``network.forward`` and ``network.backward``
call these functions, and the derivation that ``deltaprop explain`` prints is generated from the
``EQUATIONS`` records that name them, so the printed math and the executed math are one.

The Hadamard product ⊙ appears in exactly one place: ``delta_hidden``, with φ'(z^(l)).

A^(1) = X may be a ``scipy.sparse`` matrix or array (n_1 × m): ``z_layer`` and ``grad_theta``
then multiply the sparse block itself (SciPy's sparse × dense product, O(nnz) per column of
the dense factor) and write the dense result into ``out``; X is never densified.
"""

import functools
from dataclasses import dataclass

import numpy as np

from deltaprop.lazy import issparse
from deltaprop.losses import weight_total, weighted_sum


def z_layer(theta_prev, a_prev, b, out=None):
    """z^(l) = Θ^(l−1) a^(l−1) + b^(l).   (n_l × n_{l−1}) (n_{l−1} × m) + (n_l × 1) → n_l × m"""
    if issparse(a_prev):  # a^(1) = x sparse: Θ^(1) A^(1) = ((A^(1))ᵀ (Θ^(1))ᵀ)ᵀ by SciPy
        z = _into(out, (a_prev.T @ theta_prev.T).T)  # (n_l, m)
    else:
        z = np.matmul(theta_prev, a_prev, out=out)  # (n_l, m)
    z += b[:, None]  # b^(l) broadcast over the m columns
    return z


def a_hidden(activation, z, out=None):
    """a^(l) = φ(z^(l)) for hidden layers l = 2..L−1.   n_l × m → n_l × m"""
    return activation.phi(z, out=out)  # φ is the Activation record's, written into out if given


def a_output(output, z, out=None):
    """a^(L) = exp(z^(L)), the Poisson loss's log link (else z^(L)).   n_L × m → n_L × m"""
    return output.phi(z, out=out)  # the output layer's function, written into out if given


def delta_output(loss, a_L, y, out=None, w=None):
    """δ^(L) = ∂J^(i)/∂z^(L) = a^(L) − y for the squared loss (linear output) and for the
    Poisson loss (exp output: exp' cancels against the log in J).   n_L × m

    With sample weights w (m,), column i is w_i δ^(L)(x^(i)) (``docs/derivation.md``).
    """
    delta = loss.delta(a_L, y, out=out)  # the Loss record's δ^(L), written into out if given
    if w is not None:
        delta *= w  # Δ^(L) Diag(w): column i times w_i
    return delta


def delta_hidden(theta, delta_next, dphi_z, out=None):
    """δ^(l) = (Θ^(l))ᵀ δ^(l+1) ⊙ φ'(z^(l)).

    (n_l × n_{l+1}) (n_{l+1} × m) ⊙ (n_l × m) → n_l × m
    """
    if theta.shape[0] == 1:  # n_{l+1} = 1: the product has one term, Θ^(l)_1j δ^(l+1)_1
        # an outer product: einsum's loop is twice as fast as broadcasting np.multiply, BLAS
        # slower still at inner size 1 (benchmarks/NOTES.md); each entry is the same product
        delta = np.einsum("j,i->ji", theta[0], delta_next[0], out=out)
    else:
        delta = np.matmul(theta.T, delta_next, out=out)  # matrix product: Σ_k Θ^(l)_kj δ^(l+1)_k
    delta *= dphi_z  # the one Hadamard product: φ' acts element-wise
    return delta


def grad_theta(delta_next, a, theta, alpha, m, out=None):
    """∂J/∂Θ^(l) = (1/m) (δ^(l+1) (a^(l))ᵀ + α Θ^(l)).   (n_{l+1} × m) (m × n_l) → n_{l+1} × n_l"""
    if issparse(a):  # a^(1) sparse: Δ^(2) (A^(1))ᵀ = (A^(1) (Δ^(2))ᵀ)ᵀ by SciPy
        g = _into(out, (a @ delta_next.T).T)  # (n_{l+1}, n_l)
    else:
        g = np.matmul(delta_next, a.T, out=out)  # Σ_i δ^(l+1)(x^(i)) a^(l)(x^(i))ᵀ
    if alpha:
        g += alpha * theta  # L2 term (α/2m) ‖Θ^(l)‖²_F; biases are not regularized
    g *= 1 / m
    return g


def grad_b(delta, m, out=None):
    """∂J/∂b^(l) = (1/m) δ^(l) 1.   (n_l × m) (m × 1) → n_l"""
    g = np.matmul(delta, ones(delta.shape[1], delta.dtype), out=out)  # Σ_i δ^(l)(x^(i)), gemv
    g *= 1 / m
    return g


def _into(out, value):
    """``value`` (a dense product) copied into ``out``, or itself as a C-ordered array."""
    if out is None:
        return np.ascontiguousarray(value)
    out[...] = value
    return out


@functools.cache
def ones(m, dtype):
    """The vector 1 (m,) of ``dtype``, made once per (m, dtype) and read-only."""
    one = np.ones(m, dtype=dtype)
    one.flags.writeable = False
    return one


def cost(loss, a_L, y, thetas, alpha, m, w=None):
    """J = (1/m) Σ_i J^(i) + (α/2m) Σ_l ‖Θ^(l)‖²_F.   scalar

    With sample weights w (m,): m becomes Σ_i w_i and Σ_i J^(i) becomes Σ_i w_i J^(i).
    """
    penalty = sum(float(np.vdot(t, t)) for t in thetas) if alpha else 0.0
    return (weighted_sum(loss, a_L, y, w) + 0.5 * alpha * penalty) / weight_total(w, m)


@dataclass(frozen=True)
class Equation:
    """One equation of the derivation: its symbols (the question's notation) and its code.

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
    Equation("a_output", "a^(L)", "z^(L)", "Z^(L)", "l = L", a_output),
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
