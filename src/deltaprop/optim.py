"""Optimizers and learning-rate schedules, each its paper's update rule on ONE flat vector.

An optimizer is a small object with ``step(params, grad)`` that updates ``params`` (the
network's flat parameter vector Θ) in place from ``grad`` (∇J, the same layout). Its learning
rate ``eta`` is an attribute that a schedule may change between steps. Each line of a ``step``
is one line of the update rule, with the rule in its comment (the style of JAX's
``example_libraries/optimizers.py``). Work buffers are allocated once, on the first step, so a
step allocates nothing and keeps the parameters' dtype (float32 stays float32).

L-BFGS is not a step rule; ``deltaprop.train`` hands the flat vector to SciPy's L-BFGS-B.
"""

import math

import numpy as np

from deltaprop.speed import adam_kernel

# Parameter updates (parameters × steps) above which the compiled Adam kernel pays for
# importing Numba and loading it (benchmarks/NOTES.md, "Compiled Adam: when it pays").
COMPILED_ADAM_MIN_WORK = 1e9  # about 4× the break-even measured


class GD:
    """Gradient descent: Θ ← Θ − η ∇J (full batch in ``solver="gd"``; the question's rule)."""

    def __init__(self, eta):
        self.eta = eta
        self.t = 0  # steps taken
        self._buf = None

    def step(self, params, grad):
        if self._buf is None:
            self._buf = np.empty_like(params)
        self.t += 1
        np.multiply(grad, self.eta, out=self._buf)  # η ∇J
        params -= self._buf  # Θ ← Θ − η ∇J


class SGD:
    """Stochastic gradient descent with (Nesterov) momentum, as scikit-learn's MLP.

    Polyak momentum (Sutskever et al. 2013, eq. 1–2):      v ← μ v − η ∇J;  Θ ← Θ + v
    Nesterov momentum, in the same "look-ahead" form:      v ← μ v − η ∇J;  Θ ← Θ + μ v − η ∇J
    """

    def __init__(self, eta, momentum=0.9, nesterov=True):
        self.eta, self.mu, self.nesterov = eta, momentum, nesterov
        self.t = 0
        self.v = self._buf = None

    def step(self, params, grad):
        if self.v is None:
            self.v, self._buf = np.zeros_like(params), np.empty_like(params)
        self.t += 1
        np.multiply(grad, self.eta, out=self._buf)  # η ∇J
        self.v *= self.mu  # μ v
        self.v -= self._buf  # v ← μ v − η ∇J
        if self.nesterov:
            params -= self._buf  # Θ ← Θ − η ∇J …
            self._buf[...] = self.v
            self._buf *= self.mu
            params += self._buf  # … + μ v
        else:
            params += self.v  # Θ ← Θ + v


def adam_update(params, grad, m, v, buf, eta_t, beta_1, beta_2, epsilon):
    """One Adam update in place, with NumPy: Θ (P,), ∇J, the moments m and v, a work buffer.

    The one statement of the rule; ``deltaprop.speed.adam_kernel`` compiles the same
    operations, in the same order, into one pass (the tests check the bits agree).
    """
    m *= beta_1
    np.multiply(grad, 1 - beta_1, out=buf)
    m += buf  # m ← β₁ m + (1 − β₁) ∇J          (first moment)
    v *= beta_2
    np.multiply(grad, grad, out=buf)
    buf *= 1 - beta_2
    v += buf  # v ← β₂ v + (1 − β₂) ∇J ⊙ ∇J     (second moment)
    np.sqrt(v, out=buf)
    buf += epsilon  # √v + ε
    np.divide(m, buf, out=buf)  # m / (√v + ε)
    buf *= eta_t
    params -= buf  # Θ ← Θ − η_t m / (√v + ε)


class Adam:
    """Adam (Kingma & Ba 2015, Algorithm 1, with the bias corrections folded into η_t, §2).

    m ← β₁ m + (1 − β₁) ∇J;  v ← β₂ v + (1 − β₂) ∇J ⊙ ∇J
    η_t = η √(1 − β₂ᵗ) / (1 − β₁ᵗ);  Θ ← Θ − η_t m / (√v + ε)

    The update is ``adam_update``. With Numba installed (the ``fast`` extra) it can run as
    one fused, compiled pass (``deltaprop.speed.adam_kernel``): the same bits, 4–5× faster
    per update, but importing Numba and loading the kernel costs about a second once per
    process. ``compiled="auto"`` uses it only when the run is big enough to win that back:
    ``params.size × steps >= COMPILED_ADAM_MIN_WORK`` (measured, ``benchmarks/NOTES.md``),
    ``steps`` being the planned number of updates; ``True`` always (when Numba is there),
    ``False`` never.
    """

    def __init__(self, eta, beta_1=0.9, beta_2=0.999, epsilon=1e-8, *, compiled="auto", steps=None):
        self.eta, self.beta_1, self.beta_2, self.epsilon = eta, beta_1, beta_2, epsilon
        self.compiled, self.steps = compiled, steps
        self.t = 0
        self.m = self.v = self._buf = self._kernel = None

    def step(self, params, grad):
        if self.m is None:
            self.m, self.v = np.zeros_like(params), np.zeros_like(params)
            self._buf = np.empty_like(params)
            self._kernel = adam_kernel() if self._pays(params.size) else None
        b1, b2 = self.beta_1, self.beta_2
        self.t += 1
        eta_t = self.eta * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)  # bias-corrected η
        if self._kernel is not None:
            self._kernel(params, grad, self.m, self.v, eta_t, b1, b2, self.epsilon)
        else:
            adam_update(params, grad, self.m, self.v, self._buf, eta_t, b1, b2, self.epsilon)

    def __getstate__(self):  # a pickled Adam goes on with NumPy's update: the same bits
        return self.__dict__ | {"_kernel": None}

    def _pays(self, n_params):
        """Whether to use the compiled kernel for ``n_params`` parameters."""
        if self.compiled != "auto":
            return bool(self.compiled)
        return self.steps is not None and n_params * self.steps >= COMPILED_ADAM_MIN_WORK


def make_optimizer(
    solver,
    eta,
    *,
    momentum=0.9,
    nesterov=True,
    beta_1=0.9,
    beta_2=0.999,
    epsilon=1e-8,
    steps=None,
):
    """The step rule of ``solver`` ("gd", "sgd" or "adam") with learning rate ``eta``;
    ``steps``, the planned number of updates, decides whether Adam's kernel pays."""
    if solver == "gd" or (solver == "sgd" and momentum == 0):  # μ = 0: v is never read again
        return GD(eta)  # Θ ← Θ − η ∇J in 2 passes, not SGD's 4: the same bits
    if solver == "sgd":
        return SGD(eta, momentum, nesterov)
    return Adam(eta, beta_1, beta_2, epsilon, steps=steps)


class Constant:
    """η_t = η₀."""

    def __init__(self, eta0):
        self.eta0 = eta0

    def after_step(self, optimizer):
        """Called after each step; may change ``optimizer.eta``."""

    def on_plateau(self, optimizer):
        """Called when the monitored loss stopped improving; True means "stop training"."""
        return True


class InvScaling(Constant):
    """η_t = η₀ / t^power_t, t the number of steps taken (inverse scaling)."""

    def __init__(self, eta0, power_t=0.5):
        super().__init__(eta0)
        self.power_t = power_t

    def after_step(self, optimizer):
        optimizer.eta = self.eta0 / (optimizer.t + 1) ** self.power_t  # η for step t + 1


class ReduceOnPlateau(Constant):
    """η ← η / 5 each time the loss stops improving; stop once η ≤ 1e-6 (sklearn's "adaptive")."""

    factor = 5.0
    min_eta = 1e-6

    def on_plateau(self, optimizer):
        if optimizer.eta <= self.min_eta:
            return True
        optimizer.eta /= self.factor
        return False


def make_schedule(name, eta0, power_t=0.5):
    """The learning-rate schedule ``name``: "constant", "invscaling" or "adaptive"."""
    if name == "invscaling":
        return InvScaling(eta0, power_t)
    if name == "adaptive":
        return ReduceOnPlateau(eta0)
    return Constant(eta0)
