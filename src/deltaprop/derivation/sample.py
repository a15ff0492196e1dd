"""A random network and batch with the true value of every quantity, from the core's passes.

The true values come from ``Network.forward`` and ``Network.loss_and_grad`` (the core's backward
pass), never from a formula of this package: δ^(l) for sample i is ∂J/∂b^(l) of the network
evaluated on that sample alone, which is δ^(l) by definition (∂z^(l)/∂b^(l) = I).
"""

import numpy as np

from deltaprop import equations as eq
from deltaprop.activations import get_activation, get_output
from deltaprop.config import check_int
from deltaprop.derivation.notation import LayerIndex, Sym
from deltaprop.derivation.shapes import BATCHES, ConcreteDomain, evaluate
from deltaprop.errors import ConfigError
from deltaprop.losses import Loss, get_loss
from deltaprop.network import Network, check_sizes, parameter_count

ALPHA = 0.37  # the L2 strength used when an equation mentions α
MAX_PARAMETERS = 1_000_000  # a random network for teaching: estimated before allocating
MAX_LAYERS = 50
MAX_WIDTH = 4_000  # units of one layer: three n_l × n_l matrices of 128 MB at most
MAX_BATCH = 5_000  # columns of the batched forms (--batch)
COPIES = 12  # parameter-sized arrays held at once: Θ and b, the batch and per-sample gradients


def check_work(sizes, batch=None):
    """``sizes`` validated and small enough to build a random network on, judged from the
    parameter count, the widest layer (its Diag(φ') and Jacobians are n_l × n_l) and the
    ``batch`` before anything is allocated (a one-line ConfigError otherwise)."""
    sizes = check_sizes(sizes)
    if batch is not None and batch > MAX_BATCH:
        raise ConfigError(
            f"--batch {batch:,} is more columns than the derivation commands take (at most "
            f"{MAX_BATCH:,}, enough to show the batched forms); give a smaller --batch"
        )
    count = parameter_count(sizes)  # Θ and b
    if count > MAX_PARAMETERS or len(sizes) > MAX_LAYERS:
        gib = count * 8 * COPIES / 2**30
        raise ConfigError(
            f"sizes {','.join(map(str, sizes))} mean {count:,} parameters in {len(sizes)} layers "
            f"(about {gib:.2g} GiB for the random network and its gradients); the derivation "
            f"commands take at most {MAX_PARAMETERS:,} parameters and {MAX_LAYERS} layers: "
            "use smaller widths, e.g. --sizes 3,5,4,1"
        )
    if max(sizes) > MAX_WIDTH:
        gib = 3 * 8 * max(sizes) ** 2 / 2**30
        raise ConfigError(
            f"sizes {','.join(map(str, sizes))} have a layer of {max(sizes):,} units, whose "
            f"n_l × n_l matrices (Diag(φ'), Jacobians) need about {gib:.3g} GiB; the "
            f"derivation commands take widths up to {MAX_WIDTH:,}: use smaller widths"
        )
    return sizes


def check_seed(seed):
    """``seed`` as an int >= 0 for ``numpy.random.default_rng`` (a ConfigError otherwise)."""
    return check_int("seed", seed, low=0)


def squared_after(output):
    """The loss ½‖σ(z^(L)) − y‖² of the linear output z^(L): a network whose output layer
    applies σ, run by the core's linear one. δ^(L) = (σ(z^(L)) − y) ⊙ σ'(z^(L))."""

    squared = get_loss("squared").value  # ½‖a − y‖²

    def value(z, y):
        return squared(output.phi(z), y)

    def delta(z, y, out=None):
        a = output.phi(z)
        return np.multiply(a - y, output.dphi(z, a), out=out)  # written into out if given

    text = "(a^(L) − y) ⊙ φ'(z^(L))"
    return Loss(f"squared after {output.name}", value, delta, f"½ ({output.formula} − y)²", text)


FUNCTIONS = {record.key: record.function for record in eq.EQUATIONS}  # by Equation.key


def passes(theta, b, x, y, activation, moved=(), functions=FUNCTIONS, loss=None):
    """``(z, a, δ)`` of every layer by the equations' own functions (``functions``, by
    ``Equation.key``: a test may replace one) for ``loss`` (default: squared, linear output),
    on arrays of any kind (SymPy's expressions in ``prove``); ``moved[(name, l)]`` is added to
    z^(l) and a^(l) as they are computed (``calculus.State``: a^(1) = x)."""
    f, L, moved, loss = functions, len(b) + 1, dict(moved), loss or get_loss("squared")
    z, a = {}, {1: x + moved.get(("a", 1), 0)}
    for l in range(2, L + 1):
        z[l] = f["z"](theta[l - 1], a[l - 1], b[l]) + moved.get(("z", l), 0)  # (n_l, m)
        a[l] = f["a_hidden"](activation, z[l]) if l < L else z[l]  # linear output: z^(L)
        if l == L and loss.output != "identity":  # a^(L) = exp(z^(L)), the Poisson loss's
            a[l] = f["a_output"](get_output(loss.output), z[l])
        a[l] = a[l] + moved.get(("a", l), 0)
    delta = {L: f["delta_output"](loss, a[L], y)}  # δ^(L) = a^(L) − y (the loss's own)
    for l in range(L - 1, 1, -1):  # φ'(z^(l)) of z itself: a^(l) may be moved
        dphi_z = activation.dphi(z[l], activation.phi(z[l]))
        delta[l] = f["delta_hidden"](theta[l], delta[l + 1], dphi_z)  # (n_l, m)
    return z, a, delta


class RandomNetwork:
    """A ``sizes``-network with random Θ and b, m random samples (columns), and the true
    value of every quantity on them.

    Lower-case quantities (δ, a, z, x, y) are sample 0; capitals (Δ, A, Z, X, Y) the batch.
    With ``output_activation`` the output layer applies it, a^(L) = σ(z^(L)) as in Nielsen's
    book: the core's linear network then runs with the loss ½‖σ(z^(L)) − y‖² (same gradient).
    """

    def __init__(
        self, sizes, activation="tanh", m=7, alpha=0.0, seed=0, output_activation=None, loss=None
    ):
        rng = np.random.default_rng(seed)
        self.sizes, self.m, self.alpha = check_sizes(sizes), m, alpha
        self.output = None if output_activation is None else get_activation(output_activation)
        self.loss = (
            get_loss(loss or "squared") if self.output is None else squared_after(self.output)
        )
        self.net = Network(self.sizes, activation, output=self.loss.output)
        self.net.set_params(rng.normal(0.0, 0.8, size=self.net.params.shape))
        self.X = rng.normal(size=(self.sizes[0], m))  # (n_1, m)
        spread = 1.0 if self.loss.name == "squared" else 4.0  # residuals on every piece
        self.Y = spread * rng.normal(size=(self.sizes[-1], m))  # (n_L, m)
        if self.loss.output == "exp":  # the Poisson loss: counts
            self.Y = rng.poisson(2.0, size=self.Y.shape).astype(np.float64)  # (n_L, m)
        self.cache = self.net.forward(self.X)
        self.J, self.grad = self.net.loss_and_grad(self.X, self.Y, alpha, self.loss)  # batch
        self.Delta = self._deltas()

    def _deltas(self):
        """Δ^(l) (n_l, m): column i is ∂J^(i)/∂b^(l), the core's gradient on sample i alone
        (the L2 term leaves biases alone); and J^(i) of every sample (``J_each``)."""
        each = [
            self.net.loss_and_grad(self.X[:, [i]], self.Y[:, [i]], self.alpha, self.loss)
            for i in range(self.m)
        ]
        self.J_each = [J for J, _ in each]
        self.grad_each = [g for _, g in each]  # ∂J^(i)/∂• of each sample, for Σ_i
        return {l: np.stack([g.b[l] for _, g in each], axis=1) for l in self.net.b}

    def activation(self, k=None):
        """``(φ, φ')`` of layer ``k``: the hidden layers', or the output layer's own (linear,
        unless it applies an output activation) when ``k`` is the output layer."""
        record = self.net.activation if k != len(self.sizes) else (self.output or self.net.output)
        return record.phi, lambda z: record.dphi(z, record.phi(z))

    def value(self, name, k, column=0):
        """The value of quantity ``name`` at layer ``k`` (see ``shapes.RANGES``); lower-case
        quantities are sample ``column``, a column of their batch; with ``column`` None, the
        gradients and the cost are the batch's, (1/m) Σ_i."""
        if name in BATCHES:
            return self.value(BATCHES[name], k)[:, column : column + 1]
        z, dphi = self.cache.z, self.activation()[1]

        def grad():  # ∂J/∂• of the batch or of sample ``column``, read only when asked for
            return self.grad if column is None else self.grad_each[column]

        values = {
            "Θ": lambda: self.net.theta[k],
            "b": lambda: self.net.b[k][:, None],
            "Z": lambda: z[k],
            "A": lambda: self._a()[k],
            "X": lambda: self.X,
            "Y": lambda: self.Y,
            "Δ": lambda: self.Delta[k],
            "P": lambda: np.diag(dphi(z[k][:, column])),
            "φ'": lambda: dphi(z[k][:, [column]]),
            "∂J/∂A": lambda: self.error(k),
            "∂z/∂z": lambda: self.net.theta[k] @ np.diag(dphi(z[k][:, column])),
            "G": lambda: grad().theta[k],
            "Acc": lambda: self.m * self.grad.theta[k] - self.alpha * self.net.theta[k],
            "gb": lambda: grad().b[k][:, None],
            "J": lambda: self.J if column is None else self.J_each[column],
            "m": lambda: float(self.m),
            "α": lambda: self.alpha,
            "R": lambda: self.alpha / self.m * self.net.theta[k],
            "RJ": lambda: (
                self.alpha / (2 * self.m) * sum(np.sum(t**2) for t in self.net.theta.values())
            ),
        }
        return values[name]()

    def error(self, k):
        """∂J^(i)/∂a^(k) of every sample (n_k, m), each column one sample's, without 1/m:
        (Θ^(k))ᵀ Δ^(k+1) before a hidden layer; at the output layer ℓ'(a^(L), y), the loss's
        derivative by the output (:meth:`dloss`)."""
        if k < len(self.sizes):
            return self.net.theta[k].T @ self.Delta[k + 1]
        return self.dloss(self._a()[k], self.Y)

    def dloss(self, a, y=None):
        """ℓ'(a, y) = ∂ℓ(a, y)/∂a (of the residuals a = r without ``y``): a − y after an output
        activation, the loss's δ^(L) for a linear output, δ^(L) ⊘ exp'(z^(L)) = δ^(L) ⊘ a
        after the Poisson loss's exp output."""
        y = np.zeros_like(a) if y is None else y
        if self.output is not None:
            return a - y
        delta = self.loss.delta(a, y)
        return delta / a if self.net.output.name == "exp" else delta

    def loss_of(self, r, y=None):
        """ℓ(r) = Σ_j ℓ(r_j): the loss of the residuals r = a^(L) − y, summed over outputs;
        with ``y``, ℓ(a, y) of the outputs r = a (a loss with an output link: Poisson)."""
        return self.loss.value(r, np.zeros_like(r) if y is None else y)

    def _a(self):
        """a^(l) of every layer, with the output activation applied at layer L if any."""
        if self.output is None:
            return self.cache.a
        L = len(self.sizes)
        return self.cache.a | {L: self.output.phi(self.cache.z[L])}

    def truth(self, name, k, batched):
        """The true value of target ``name``: batched gradients and cost are (1/m) Σ_i; Ng's
        folded quantities (G+, a+, …) are views of the question's (``shapes.evaluate``)."""
        column = None if batched and name in ("G", "G+", "gb", "J") else 0
        if name.endswith("+"):  # G+ = [∂J/∂b^(k+1) ∂J/∂Θ^(k)], a+ = [1; a^(k)], …
            domain = ConcreteDomain(self.sizes, {}, m=self.m, sample=self, column=column)
            return evaluate(Sym(None, name, LayerIndex("", k)), domain).value
        return self.value(name, k, column)
