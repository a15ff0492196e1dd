"""The network: sizes, one flat parameter vector with Θ^(l) and b^(l) as views, forward, backward.

``loss_and_grad(net, X, Y, alpha=, loss=)`` is the one function that computes J and ∇J: the
estimator, the training loops, ``gradcheck`` and the benchmarks all call it.

Indices are the question's layer numbers: ``theta[l]`` is Θ^(l) (n_{l+1} × n_l) for l = 1..L−1,
``b[l]`` is b^(l) (n_l,) for l = 2..L. Samples are the **columns** of X (n_1 × m).
"""

import math
import numbers
import re
from dataclasses import dataclass, field

import numpy as np

from deltaprop import equations as eq
from deltaprop.activations import Activation, get_activation, get_output
from deltaprop.errors import ConfigError, DataError
from deltaprop.lazy import issparse
from deltaprop.losses import Loss, get_loss, weight_total
from deltaprop.speed import StepThreads, cpu_idle, in_halves, in_one_piece, split_pays, step_flops
from deltaprop.weights import check_sample_weight

DTYPES = (np.dtype(np.float64), np.dtype(np.float32))


def parameter_count(sizes):
    """Number of entries of all Θ^(l) and b^(l+1): Σ_l n_{l+1} (n_l + 1)."""
    return sum(n_next * (n + 1) for n, n_next in zip(sizes[:-1], sizes[1:], strict=True))


def layer_views(flat, sizes):
    """Θ^(l) and b^(l+1) as views into ``flat``, laid out Θ^(1), b^(2), Θ^(2), b^(3), …

    Returns ``(theta, b)``: dicts keyed by the question's layer numbers.
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


def check_sizes(value, *, name="sizes", min_layers=2):
    """Layer widths as a tuple of ints >= 1, at least ``min_layers`` of them: the one parser.

    ``value`` is a sequence of ints (``(3, 5, 2)``), one int (one layer), or text as the CLI
    takes it and ``deltaprop explain`` prints it: ``"3,5,2"``, ``"3-5-2"``, and ``"none"`` or
    ``""`` for no layer. Anything else is a ``ConfigError`` naming ``name`` (an argument such
    as ``"hidden_layer_sizes"`` or ``"--sizes"``; empty inside an argparse ``type``).
    """
    sizes = _widths(value)
    if sizes is not None and len(sizes) >= min_layers and min(sizes, default=1) >= 1:
        return sizes
    python = name and not name.startswith("-")  # a Python argument, not a command-line option
    label = f"{name}={value!r}" if python else f"{name} {value!r}".lstrip()
    none = "()" if python else "'none'"
    if min_layers >= 2:
        what, example = "at least 2 layer widths >= 1 (input, hidden…, output)", "3,5,2"
    else:
        what, example = f"layer widths >= 1, or {none} for no layer", "64,64"
    example = f"({example.replace(',', ', ')})" if python else example
    raise ConfigError(f"{label} must be {what}, e.g. {example}")


def _widths(value):
    """``value`` (text, an int or a sequence) as a tuple of ints, or None if it is none of them."""
    if isinstance(value, str):
        text = value.strip().lower()
        value = () if text in ("", "none") else re.split(r"[,-]", text)
    elif isinstance(value, numbers.Integral):
        value = (value,)
    try:
        return tuple(_width(n) for n in value)
    except (TypeError, ValueError):
        return None


def _width(n):
    """One layer width: an integer, or the text of one (``ValueError`` otherwise)."""
    if isinstance(n, str):
        return int(n)
    if isinstance(n, numbers.Integral) and not isinstance(n, bool):
        return int(n)
    raise ValueError(f"{n!r} is not a layer width")


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
    """A fully connected feed-forward network with a linear (or exp) output layer.

    Parameters
    ----------
    sizes : sequence of int
        ``(n_1, …, n_L)``: input width, hidden widths, output width.
    activation : str
        φ of the hidden layers: identity, sigmoid, tanh, relu, leaky_relu, elu or softplus.
    rng : numpy.random.Generator, optional
        Source of the initial weights (``initialize``: Glorot uniform, output bias 0). Without
        it the parameters start at zero.
    dtype : float64 or float32
        Kept end to end: parameters, activations and gradients.
    params : array of shape (parameter_count(sizes),), optional
        Initial flat parameters (copied).
    output : {"identity", "exp"}, default "identity"
        The output layer: a^(L) = z^(L), or a^(L) = exp(z^(L)) (the log link of
        ``loss="poisson"``, whose ``Loss.output`` it is).
    """

    def __init__(
        self,
        sizes,
        activation="tanh",
        *,
        rng=None,
        dtype=np.float64,
        params=None,
        output="identity",
    ):
        self.sizes = check_sizes(sizes)
        self.activation: Activation = get_activation(activation)
        self.output: Activation = get_output(output)
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
        out = "" if self.output.name == "identity" else f", output={self.output.name}"
        return f"Network(sizes={sizes}, activation={self.activation.name}{out}, dtype={self.dtype})"

    def __getstate__(self):  # pickle the flat vector only; the views are rebuilt on load
        return {
            "sizes": self.sizes,
            "activation": self.activation.name,
            "dtype": self.dtype.str,
            "params": self.params,
            "output": self.output.name,
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

    def initialize(self, rng, *, c=6.0):
        """Draw Θ^(l) and the hidden b^(l+1) from U(−r_l, r_l), r_l = √(c / (n_l + n_{l+1})).

        Glorot & Bengio's (2010) normalized bound (c = 6) for every layer l = 1..L−1 and
        every activation: it keeps the variance of z^(l+1) near that of a^(l) going forward
        and of δ^(l) going back. The hidden biases spread the units' kinks (relu) and centers
        (tanh, sigmoid) over the standardized data instead of stacking them at 0; the output
        bias b^(L) = 0, so the first predictions a^(L) are small and J starts near the loss of
        predicting the mean. scikit-learn's scheme, except b^(L) = 0 and its c = 2 for the
        sigmoid (``c`` here: the estimator uses 2 for the sigmoid with L-BFGS only). Chosen
        by measurement against ``MLPRegressor`` (``benchmarks/convergence.py``;
        docs/derivation.md, "Initialization").
        """
        r = {l: np.sqrt(c / sum(theta.shape)) for l, theta in self.theta.items()}  # r_l
        for l, theta in self.theta.items():
            theta[...] = rng.uniform(-r[l], r[l], size=theta.shape)  # Θ^(l): (n_{l+1}, n_l)
        for l, b in self.b.items():  # b^(l), l = 2..L
            b[...] = rng.uniform(-r[l - 1], r[l - 1], size=b.shape) if l < self.L else 0

    def forward(self, X):
        """Forward pass over the columns of X (n_1, m); returns the ``Cache`` of a^(l), z^(l)."""
        return forward(self, self.check_X(X))

    def predict(self, X):
        """a^(L) for the columns of X (n_1, m): an array (n_L, m)."""
        return self.forward(X).a[self.L]

    def loss_and_grad(self, X, Y, alpha=0.0, loss="squared"):
        """J and ∂J/∂params for X (n_1, m) and Y (n_L, m); returns ``(J, Grad)``.

        The same as ``loss_and_grad(self, X, Y, alpha=alpha, loss=loss)``.
        """
        return loss_and_grad(self, X, Y, alpha=alpha, loss=loss)

    def check_X(self, X):
        """X (n_1, m), samples as columns, in the network's dtype; ``DataError`` otherwise."""
        X = X if issparse(X) else np.asarray(X)  # sparse: kept sparse (equations)
        if X.ndim != 2 or X.shape[0] != self.sizes[0]:
            raise DataError(
                f"X has shape {X.shape}; the network expects (n_1, m) = ({self.sizes[0]}, m) "
                "with samples as columns (pass X.T for samples as rows)"
            )
        return X.astype(self.dtype, copy=False)

    def check_Y(self, Y, m):
        """Y (n_L, m) (or (m,) for one output) in the network's dtype; ``DataError`` otherwise."""
        Y = np.asarray(Y)
        if Y.ndim == 1 and self.sizes[-1] == 1:
            Y = Y[None, :]
        if Y.shape != (self.sizes[-1], m):
            raise DataError(f"Y has shape {Y.shape}; expected (n_L, m) = ({self.sizes[-1]}, {m})")
        return Y.astype(self.dtype, copy=False)


class Workspace:
    """The arrays of one pass over exactly m columns: z^(l), a^(l), δ^(l) and φ'(z^(l)).

    ``forward`` writes z^(l) and a^(l) into it and returns ``workspace.cache`` (the same dicts),
    ``backward`` writes δ^(l) and φ'(z^(l)). A training loop makes one per batch size and
    passes it to every step, so a step allocates no array of batch size (every GEMM and
    element-wise operation writes with ``out=``); each pass overwrites the previous one's
    values. ``forward`` and ``backward`` make a new one when they are given none.

    Parameters
    ----------
    net : Network
    m : int
        The number of columns (samples) of every batch passed with this workspace.
    backward : bool, default True
        False: only z^(l) and a^(l), for a forward pass alone (``predict``).
    """

    def __init__(self, net, m, *, backward=True):
        L, self.m, self.sizes, self.dtype = net.L, m, net.sizes, net.dtype
        layers = {
            "z": range(2, L),  # z^(l): (n_l, m), l = 2..L−1
            "a": range(2, L),  # a^(l): (n_l, m)
            "delta": range(2, L + 1) if backward else (),  # δ^(l): (n_l, m), l = 2..L
            "dphi": range(2, L) if backward else (),  # φ'(z^(l)): (n_l, m), l = 2..L−1
        }
        arrays = layer_arrays(net.sizes, m, net.dtype, layers)
        self.z, self.delta, self.dphi = arrays["z"], arrays["delta"], arrays["dphi"]
        # z^(L), a^(L) (n_L, m) of their own, so that a prediction kept keeps no hidden layer
        self.z[L] = np.empty((net.sizes[-1], m), dtype=net.dtype)
        linear = net.output.name == "identity"  # a^(L) = z^(L): the same array
        self.a = arrays["a"] | {L: self.z[L] if linear else np.empty_like(self.z[L])}
        self.cache = Cache(self.a, self.z)  # the same dicts: forward fills them in place
        self.threads = StepThreads(step_flops(net.sizes, m))  # BLAS threads of a pass (speed)
        # hidden layers whose φ may run as two halves at once (speed)
        self.halves = {l: split_pays(net.activation.name, net.sizes[l - 1], m) for l in range(2, L)}
        self.one_piece = dict.fromkeys(self.halves, in_one_piece)

    def elementwise(self):
        """``{l: run}`` for this pass: ``run(f, *args, out=)`` computes layer l's φ, as two
        halves of rows on two threads where the layer is big enough and another CPU is idle
        now, else in one piece (the same bits either way)."""
        if not any(self.halves.values()) or not cpu_idle():
            return self.one_piece
        return {l: in_halves if big else in_one_piece for l, big in self.halves.items()}


def layer_arrays(sizes, m, dtype, layers):
    """Arrays (n_l, m) for each name and layer l in ``layers`` ({name: layers}), as views into
    ONE new buffer, each starting on a 64-byte boundary: ``{name: {l: array}}``.

    One allocation instead of one per array: NumPy asks the kernel to back a large one
    (>= 4 MB) with huge pages, so first touching a big workspace costs a few page faults
    instead of one per 4 kB (1–8 µs each on a virtual machine; benchmarks/NOTES.md).
    """
    itemsize = np.dtype(dtype).itemsize
    align = 64 // itemsize  # elements per 64 bytes
    wanted = [(name, l) for name, ls in layers.items() for l in ls]
    spans = [-(-sizes[l - 1] * m // align) * align for _, l in wanted]  # rounded up
    buffer = np.empty(sum(spans) + align, dtype=dtype)
    arrays, start = {name: {} for name in layers}, (-buffer.ctypes.data % 64) // itemsize
    for (name, l), span in zip(wanted, spans, strict=True):
        arrays[name][l] = buffer[start : start + sizes[l - 1] * m].reshape(sizes[l - 1], m)
        start += span
    return arrays


def forward(net, X, workspace=None):
    """a^(1) = x;  z^(l) = Θ^(l−1) a^(l−1) + b^(l);  a^(l) = φ(z^(l)) (hidden), a^(L) = z^(L)
    (linear output) or exp(z^(L)) (``net.output``).

    X: (n_1, m), samples as columns, already of the network's dtype. The values are written
    into ``workspace`` (a ``Workspace`` for m columns; a new one when None), whose ``cache``
    is returned.
    """
    L, phi, theta, b = net.L, net.activation, net.theta, net.b
    ws = Workspace(net, X.shape[1], backward=False) if workspace is None else workspace
    if ws.m != X.shape[1]:
        raise ConfigError(f"X has {X.shape[1]} columns; this workspace is for m={ws.m}")
    a, z, run = ws.a, ws.z, ws.elementwise()
    a[1] = X  # a^(1) = x: (n_1, m)
    for l in range(2, L + 1):
        eq.z_layer(theta[l - 1], a[l - 1], b[l], out=z[l])  # z^(l): (n_l, m)
        if l < L:
            run[l](eq.a_hidden, phi, z[l], out=a[l])  # a^(l) = φ(z^(l)): (n_l, m)
    if net.output.name != "identity":
        eq.a_output(net.output, z[L], out=a[L])  # a^(L) = exp(z^(L)): (n_L, m)
    return ws.cache  # linear output: a^(L) = z^(L), one array (n_L, m)


def backward(
    net, cache, Y, alpha=0.0, loss: str | Loss = "squared", out=None, *, workspace=None, w=None
):
    """The gradient of J for the samples in ``cache``; Y: (n_L, m). Returns a ``Grad``.

    The backward equations of docs/design.md, in the order ``deltaprop explain`` prints them.
    ``out``, a ``Grad`` of this network, is filled in place when given (else a new one);
    δ^(l) and φ'(z^(l)) are written into ``workspace`` (a ``Workspace`` for m columns; a new
    one when None). Sample weights w (m,) scale column i of every Δ^(l) by w_i and m becomes
    Σ_i w_i (``docs/derivation.md``).
    """
    L, phi, theta, a, z = net.L, net.activation, net.theta, cache.a, cache.z
    ws = Workspace(net, Y.shape[1]) if workspace is None else workspace
    delta, dphi = ws.delta, ws.dphi  # δ^(l), φ'(z^(l)) by layer l
    grad = Grad.zeros_like(net) if out is None else out
    m = weight_total(w, Y.shape[1])  # m, or Σ_i w_i
    eq.delta_output(get_loss(loss), a[L], Y, out=delta[L], w=w)  # δ^(L) = ∂J^(i)/∂z^(L): (n_L, m)
    for l in range(L - 1, 0, -1):  # l = L−1 … 1
        # ∂J/∂b^(l+1) = (1/m) Δ^(l+1) 1
        eq.grad_b(delta[l + 1], m, out=grad.b[l + 1])  # (n_{l+1},)
        # ∂J/∂Θ^(l) = (1/m) (Δ^(l+1) (A^(l))ᵀ + α Θ^(l))
        eq.grad_theta(delta[l + 1], a[l], theta[l], alpha, m, out=grad.theta[l])  # (n_{l+1}, n_l)
        if l > 1:
            phi.dphi(z[l], a[l], out=dphi[l])  # φ'(z^(l)): (n_l, m)
            # δ^(l) = (Θ^(l))ᵀ δ^(l+1) ⊙ φ'(z^(l))
            eq.delta_hidden(theta[l], delta[l + 1], dphi[l], out=delta[l])  # (n_l, m)
    return grad


def loss_and_grad(
    net, X, Y, *, alpha=0.0, loss="squared", out=None, workspace=None, sample_weight=None
):
    """J and ∇J on X (n_1, m) and Y (n_L, m): forward, cost, backward, with checked input.

    Parameters
    ----------
    net : Network
    X : array or scipy.sparse matrix/array of shape (n_1, m)
        Samples as columns; converted to the network's dtype (a sparse X stays sparse: the
        first layer multiplies it as it is).
    Y : array of shape (n_L, m), or (m,) when n_L = 1
        Targets as columns; converted to the network's dtype.
    alpha : float >= 0, default 0
        L2 strength: J += (α/2m) Σ_l ‖Θ^(l)‖²_F.
    loss : str or Loss, default "squared"
        "squared" (½‖a^(L) − y‖²), "huber", or "poisson" (a network with ``output="exp"``).
    out : Grad, optional
        A ``Grad`` of this network to fill in place (``Grad.zeros_like(net)``).
    workspace : Workspace, optional
        A ``Workspace`` of this network for m columns; a new one when None.
    sample_weight : array of shape (m,), optional
        w_i >= 0 per sample: J = (Σ_i w_i J^(i) + (α/2) Σ_l ‖Θ^(l)‖²_F) / Σ_i w_i.

    Returns
    -------
    J : float
        The cost, (1/m) Σ_i J^(i) + (α/2m) Σ_l ‖Θ^(l)‖²_F (weighted as above).
    grad : Grad
        ∂J/∂Θ^(l) and ∂J/∂b^(l) in the network's layout and dtype (``out`` when given).

    Raises
    ------
    DataError
        X or Y of the wrong shape, or no samples (m = 0).
    ConfigError
        alpha not a finite number >= 0, an unknown loss or one defined with another output
        layer, an ``out`` or ``workspace`` of another network.
    """
    X = net.check_X(X)
    Y = net.check_Y(Y, X.shape[1])
    if X.shape[1] == 0:
        raise DataError("X has no columns (m = 0); pass at least one sample")
    alpha, loss = check_alpha(alpha), check_loss_output(net, loss)
    grad, workspace = _check_out(net, out), _check_workspace(net, workspace, X.shape[1])
    w = check_sample_weight(sample_weight, X.shape[1], net.dtype)
    return loss_and_grad_unchecked(net, X, Y, alpha, loss, grad, workspace, w=w)


def loss_and_grad_unchecked(net, X, Y, alpha, loss, grad, workspace, *, w=None):
    """``loss_and_grad`` without the checks, for training loops that checked once up front.

    X (n_1, m) and Y (n_L, m) of the network's dtype, ``alpha`` a float >= 0, ``loss`` a
    ``Loss``, ``grad`` a ``Grad`` of this network (filled in place), ``workspace`` a
    ``Workspace`` for m columns and ``w`` checked sample weights (m,) or None. Returns
    ``(J, grad)``.
    """
    with workspace.threads:  # NumPy's BLAS threads for this size of step (deltaprop.speed)
        cache = forward(net, X, workspace)
        J = eq.cost(loss, cache.a[net.L], Y, net.theta.values(), alpha, X.shape[1], w)
        return J, backward(net, cache, Y, alpha, loss, grad, workspace=workspace, w=w)


def check_loss_output(net, loss):
    """The ``Loss`` named ``loss``; ``ConfigError`` unless ``net``'s output layer is the one
    it is defined with (``loss="poisson"`` needs ``output="exp"``)."""
    loss = get_loss(loss)
    if loss.output != net.output.name:
        raise ConfigError(
            f"loss={loss.name!r} is defined with the output layer {loss.output!r}; this "
            f"network's is {net.output.name!r}: build it with Network(..., "
            f"output={loss.output!r})"
        )
    return loss


def _check_out(net, out):
    """``out``, or a new ``Grad``; ``ConfigError`` if it is not a ``Grad`` of this network."""
    if out is None:
        return Grad.zeros_like(net)
    if not isinstance(out, Grad) or out.flat.shape != net.params.shape:
        raise ConfigError("out must be a Grad of this network: pass Grad.zeros_like(net)")
    if out.flat.dtype != net.dtype:
        raise ConfigError(f"out has dtype {out.flat.dtype}; this network computes in {net.dtype}")
    return out


def _check_workspace(net, workspace, m):
    """``workspace``, or a new one for m columns; ``ConfigError`` if it does not fit."""
    if workspace is None:
        return Workspace(net, m)
    if not isinstance(workspace, Workspace) or workspace.sizes != net.sizes:
        raise ConfigError("workspace must be a Workspace of this network: pass Workspace(net, m)")
    if workspace.m != m:
        raise ConfigError(f"X has {m} columns; this workspace is for m={workspace.m}")
    if workspace.dtype != net.dtype:
        raise ConfigError(
            f"workspace holds {workspace.dtype}; this network computes in {net.dtype}"
        )
    if not workspace.delta:
        raise ConfigError("workspace was made with backward=False; pass Workspace(net, m)")
    return workspace


def check_alpha(alpha):
    """``alpha`` as a float, or ``ConfigError`` unless it is a finite number >= 0."""
    # a float first: the ABC check of numbers.Real costs 1.5 µs, once per step of a core loop
    if type(alpha) is float or isinstance(alpha, numbers.Real) and not isinstance(alpha, bool):
        if math.isfinite(alpha) and alpha >= 0:
            return float(alpha)
    raise ConfigError(f"alpha={alpha!r} must be a finite number >= 0 (the L2 strength), e.g. 1e-4")
