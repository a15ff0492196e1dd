"""The network: sizes, one flat parameter vector with Θ^(l) and b^(l) as views, forward, backward.

Indices are the seed's layer numbers: ``theta[l]`` is Θ^(l) (n_{l+1} × n_l) for l = 1..L−1,
``b[l]`` is b^(l) (n_l,) for l = 2..L. Samples are the **columns** of X (n_1 × m).
"""

from dataclasses import dataclass, field

import numpy as np

from deltaprop import equations as eq
from deltaprop.activations import Activation, get_activation
from deltaprop.errors import ConfigError, DataError
from deltaprop.losses import Loss, get_loss

DTYPES = (np.dtype(np.float64), np.dtype(np.float32))


def parameter_count(sizes):
    """Number of entries of all Θ^(l) and b^(l+1): Σ_l n_{l+1} (n_l + 1)."""
    return sum(n_next * (n + 1) for n, n_next in zip(sizes[:-1], sizes[1:], strict=True))


def layer_views(flat, sizes):
    """Θ^(l) and b^(l+1) as views into ``flat``, laid out Θ^(1), b^(2), Θ^(2), b^(3), …

    Returns ``(theta, b)``: dicts keyed by the seed's layer numbers.
    """
    theta, b, start = {}, {}, 0
    for l in range(1, len(sizes)):
        n, n_next = sizes[l - 1], sizes[l]  # n_l, n_{l+1}
        theta[l] = flat[start : start + n_next * n].reshape(n_next, n)  # (n_{l+1}, n_l)
        start += n_next * n
        b[l + 1] = flat[start : start + n_next]  # (n_{l+1},)
        start += n_next
    return theta, b


@dataclass
class Cache:
    """Forward values: ``a[l]`` for l = 1..L and ``z[l]`` for l = 2..L, each (n_l, m)."""

    a: dict = field(default_factory=dict)
    z: dict = field(default_factory=dict)


@dataclass
class Grad:
    """A gradient in the network's layout: ``flat`` and its views ``theta[l]``, ``b[l]``."""

    flat: np.ndarray
    theta: dict
    b: dict

    @classmethod
    def zeros_like(cls, net):
        flat = np.zeros_like(net.params)
        return cls(flat, *layer_views(flat, net.sizes))


def check_sizes(sizes):
    """Validate ``sizes = (n_1, …, n_L)`` and return it as a tuple of ints."""
    try:
        sizes = tuple(int(n) for n in sizes)
    except (TypeError, ValueError):
        msg = f"sizes={sizes!r} must be a sequence of layer widths, e.g. (3, 5, 2)"
        raise ConfigError(msg) from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise ConfigError(
            f"sizes={sizes!r} needs at least 2 layers (input and output), each of width >= 1"
        )
    return sizes


def check_dtype(dtype):
    """``dtype`` as a NumPy dtype, float64 or float32; else ``ConfigError`` naming it."""
    try:
        parsed = np.dtype(dtype)
    except (TypeError, ValueError):  # not a dtype at all: "garbage", 3, object()
        parsed, dtype = None, repr(dtype)
    if parsed is None or parsed not in DTYPES:  # (np.dtype(None) is float64)
        raise ConfigError(f"dtype={parsed or dtype} is not supported; use float64 or float32")
    return parsed


class Network:
    """A fully connected feed-forward network with a linear output layer.

    Parameters
    ----------
    sizes : sequence of int
        ``(n_1, …, n_L)``: input width, hidden widths, output width.
    activation : str
        φ of the hidden layers: identity, sigmoid, tanh, relu, leaky_relu, elu or softplus.
    rng : numpy.random.Generator, optional
        Source of the initial weights (``initialize``: Glorot uniform, zero biases). Without
        it the parameters start at zero.
    dtype : float64 or float32
        Kept end to end: parameters, activations and gradients.
    params : array of shape (parameter_count(sizes),), optional
        Initial flat parameters (copied).
    """

    def __init__(self, sizes, activation="tanh", *, rng=None, dtype=np.float64, params=None):
        self.sizes = check_sizes(sizes)
        self.activation: Activation = get_activation(activation)
        self.dtype = check_dtype(dtype)
        self.params = np.zeros(parameter_count(self.sizes), dtype=self.dtype)
        self.theta, self.b = layer_views(self.params, self.sizes)
        if params is not None:
            self.set_params(params)
        elif rng is not None:
            self.initialize(rng)

    @property
    def L(self):
        """Number of layers, input and output included."""
        return len(self.sizes)

    def __repr__(self):
        sizes = "-".join(map(str, self.sizes))
        return f"Network(sizes={sizes}, activation={self.activation.name}, dtype={self.dtype})"

    def __getstate__(self):  # pickle the flat vector only; the views are rebuilt on load
        return {
            "sizes": self.sizes,
            "activation": self.activation.name,
            "dtype": self.dtype.str,
            "params": self.params,
        }

    def __setstate__(self, state):
        self.__init__(**state)

    def set_params(self, params):
        params = np.asarray(params)
        if params.shape != self.params.shape:
            raise ConfigError(
                f"params has shape {params.shape}; sizes={self.sizes} needs {self.params.shape}"
            )
        self.params[...] = params

    def initialize(self, rng):
        """Draw every Θ^(l) from U(−r_l, r_l), r_l = √(6 / (n_l + n_{l+1})); set every b^(l) to 0.

        Glorot & Bengio's (2010) normalized bound, for every layer l = 1..L−1 (the linear
        output layer included) and every activation. It keeps the variance of z^(l+1) near
        that of a^(l) going forward and of δ^(l) going back, so the first predictions a^(L)
        are small and J starts near the loss of predicting the mean (standardized targets).
        Chosen by measurement against scikit-learn's ``MLPRegressor`` after 50 epochs
        (``benchmarks/convergence.py``, docs/derivation.md "Initialization"): He's bound
        √(6/n_l) on relu layers and the output started J 2–3× higher; scikit-learn's own
        scheme (bound √(2/(n_l + n_{l+1})) for the sigmoid, biases drawn like the weights)
        trained slower than this one with adam and sgd (L-BFGS generalized better with its
        random biases).
        """
        for theta in self.theta.values():
            n_out, n_in = theta.shape  # n_{l+1}, n_l
            r = np.sqrt(6.0 / (n_in + n_out))
            theta[...] = rng.uniform(-r, r, size=theta.shape)  # Θ^(l)
        for b in self.b.values():
            b[...] = 0  # b^(l)

    def forward(self, X):
        """Forward pass over the columns of X (n_1, m); returns the ``Cache`` of a^(l), z^(l)."""
        return forward(self, self._check_X(X))

    def predict(self, X):
        """a^(L) for the columns of X (n_1, m): an array (n_L, m)."""
        return self.forward(X).a[self.L]

    def loss_and_grad(self, X, Y, alpha=0.0, loss="squared"):
        """J and ∂J/∂params for X (n_1, m) and Y (n_L, m); returns ``(J, Grad)``."""
        X = self._check_X(X)
        Y = self._check_Y(Y, X.shape[1])
        loss = get_loss(loss)
        cache = forward(self, X)
        J = eq.cost(loss, cache.a[self.L], Y, self.theta.values(), alpha, X.shape[1])
        return J, backward(self, cache, Y, alpha=alpha, loss=loss)

    def _check_X(self, X):
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[0] != self.sizes[0]:
            raise DataError(
                f"X has shape {X.shape}; the network expects (n_1, m) = ({self.sizes[0]}, m) "
                "with samples as columns (pass X.T for samples as rows)"
            )
        return X.astype(self.dtype, copy=False)

    def _check_Y(self, Y, m):
        Y = np.asarray(Y)
        if Y.ndim == 1 and self.sizes[-1] == 1:
            Y = Y[None, :]
        if Y.shape != (self.sizes[-1], m):
            raise DataError(f"Y has shape {Y.shape}; expected (n_L, m) = ({self.sizes[-1]}, {m})")
        return Y.astype(self.dtype, copy=False)


class Workspace:
    """Preallocated z^(l), a^(l), δ^(l) and φ'(z^(l)) for batches of exactly m columns.

    A training loop makes one per batch size and passes it to ``forward`` and ``backward``, so
    a step allocates no array of batch size: every GEMM and element-wise operation writes into
    these buffers (``np.matmul(..., out=)``). The ``Cache`` that ``forward`` returns is
    ``workspace.cache``: its arrays are overwritten by the next ``forward`` with this workspace.
    """

    def __init__(self, net, m):
        L, self.m = net.L, m

        def empty(l):
            return np.empty((net.sizes[l - 1], m), dtype=net.dtype)  # (n_l, m)

        self.z = {l: empty(l) for l in range(2, L + 1)}
        self.a = {l: empty(l) for l in range(2, L)} | {L: self.z[L]}  # a^(L) = z^(L)
        self.cache = Cache(self.a, self.z)  # the same dicts: forward fills them in place
        self.delta = {l: empty(l) for l in range(2, L + 1)}
        self.dphi = {l: empty(l) for l in range(2, L)}


def _buffer(workspace, kind, l):
    """``workspace.<kind>[l]`` to write into, or None (allocate a new array) without one."""
    return None if workspace is None else getattr(workspace, kind)[l]


def forward(net, X, workspace=None):
    """a^(1) = x;  z^(l) = Θ^(l−1) a^(l−1) + b^(l);  a^(l) = φ(z^(l)) (hidden), a^(L) = z^(L).

    X: (n_1, m), samples as columns, already of the network's dtype. With a ``Workspace`` for
    m columns the values are written into its buffers and its ``cache`` is returned.
    """
    L, phi = net.L, net.activation
    if workspace is not None and workspace.m != X.shape[1]:
        raise ConfigError(f"X has {X.shape[1]} columns; this workspace is for m={workspace.m}")
    cache = Cache() if workspace is None else workspace.cache
    a, z = cache.a, cache.z
    a[1] = X  # (n_1, m)
    for l in range(2, L):
        z[l] = eq.z_layer(net.theta[l - 1], a[l - 1], net.b[l], out=_buffer(workspace, "z", l))
        a[l] = eq.a_hidden(phi, z[l], out=_buffer(workspace, "a", l))  # (n_l, m)
    z[L] = eq.z_layer(net.theta[L - 1], a[L - 1], net.b[L], out=_buffer(workspace, "z", L))
    a[L] = z[L]  # linear output: (n_L, m)
    return cache


def backward(net, cache, Y, alpha=0.0, loss: str | Loss = "squared", out=None, *, workspace=None):
    """The gradient of J for the samples in ``cache``; Y: (n_L, m). Returns a ``Grad``.

    ``out``, a ``Grad`` of this network, is filled in place when given; with a ``Workspace``
    for m columns, δ^(l) and φ'(z^(l)) are written into its buffers.
    """
    L, m = net.L, Y.shape[1]
    a, z, phi = cache.a, cache.z, net.activation
    grad = out if out is not None else Grad.zeros_like(net)
    delta = eq.delta_output(get_loss(loss), a[L], Y, out=_buffer(workspace, "delta", L))  # δ^(L)
    for l in range(L - 1, 0, -1):
        eq.grad_theta(delta, a[l], net.theta[l], alpha, m, out=grad.theta[l])  # (n_{l+1}, n_l)
        eq.grad_b(delta, m, out=grad.b[l + 1])  # (n_{l+1},)
        if l > 1:
            dphi = eq.dphi(phi, z[l], a[l], out=_buffer(workspace, "dphi", l))  # φ'(z^(l))
            delta = eq.delta_hidden(net.theta[l], delta, dphi, out=_buffer(workspace, "delta", l))
    return grad
