"""Gradient check: backpropagation's ∂J/∂Θ^(l), ∂J/∂b^(l) against central differences.

``gradcheck(net, X, Y)`` works in float64 on a copy of the network (a float32 net is copied to
float64) and compares the analytic gradient with

    ∂J/∂θ_i ≈ (J(θ + ε e_i) − J(θ − ε e_i)) / 2ε

for every parameter (``mode="full"``), or, for big nets, directional derivatives along random
unit directions u supported on one block at a time (``mode="directions"``):

    ∇J · u ≈ (J(θ + ε u) − J(θ − ε u)) / 2ε.

The relative error of an entry is deltaprop's one definition, ``deltaprop.relerror.rel_error``:
|g − n| / max(|n|, floor) with g analytic, n numerical (the reference) and
``floor = 1e-3 · max(1, |J|)``: a central difference carries a rounding error of about
1e-16 |J| / ε ≈ 1e-10 |J|, so entries smaller than the floor are judged against the floor
(an absolute error of at most ``tol · floor``) instead of blowing their relative error up.
A NaN or inf on either side is an infinite error: a check that meets one never passes.

Kinks: if a perturbation ±ε flips the sign of some z^(l) (for any sample) of an activation
with a kink (relu, leaky_relu), the difference quotient straddles the kink and says nothing
about the derivative. Such entries are detected exactly (by comparing the sign patterns of z at
θ + ε and θ − ε), excluded from the error and counted in the report. The Huber loss is treated
alike where a residual crosses ±1 (its second derivative jumps there).
"""

import math
from dataclasses import dataclass

import numpy as np

from deltaprop.errors import ConfigError
from deltaprop.losses import HUBER_DELTA, get_loss
from deltaprop.network import Grad, Network, Workspace, loss_and_grad, loss_and_grad_unchecked
from deltaprop.relerror import rel_error
from deltaprop.weights import check_sample_weight

KINKED = ("relu", "leaky_relu")  # activations whose φ' jumps at z = 0
MODES = ("full", "directions")


@dataclass(frozen=True)
class GradcheckRow:
    """One block: Θ^(l) or b^(l)."""

    name: str  # "Θ^(1)", "b^(2)", …
    shape: tuple
    max_rel_error: float
    worst: tuple  # index of the worst entry (mode "directions": (direction,))
    checked: int  # entries (or directions) compared
    kinks: int  # entries excluded because ±ε straddles a relu kink


@dataclass(frozen=True)
class GradcheckReport:
    """The result of ``gradcheck``: one row per block, in layer order."""

    rows: list
    mode: str
    eps: float
    tol: float = 1e-6  # the largest relative error that passes

    @property
    def max_rel_error(self):
        return max((row.max_rel_error for row in self.rows), default=0.0)

    def passed(self, tol=None):
        """True when every checked entry agrees to ``tol`` (default: the report's) relative
        error; never when an error is NaN or inf."""
        tol = self.tol if tol is None else tol
        return math.isfinite(self.max_rel_error) and self.max_rel_error <= tol

    def __str__(self):
        head = ("block", "shape", "max rel. error", "worst entry", "checked", "kinks skipped")
        body = [
            (
                r.name,
                "×".join(map(str, r.shape)),
                format_error(r.max_rel_error),
                str(r.worst) if r.checked else "-",
                str(r.checked),
                str(r.kinks),
            )
            for r in self.rows
        ]
        widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
            for line in [head, *body]
        ]
        status = "passed" if self.passed() else "FAILED"
        lines.append(
            f"max relative error {format_error(self.max_rel_error)} ({self.mode} mode, "
            f"eps={self.eps:.3g}): {status} at tol {self.tol:.3g}"
        )
        return "\n".join(lines)


def format_error(value):
    """A relative error for people: 3 significant digits in scientific notation (they span
    many orders of magnitude), and "inf (not comparable)" when a side was NaN or inf."""
    return f"{value:.2e}" if math.isfinite(value) else "inf (NaN or inf met)"


def gradcheck(
    net,
    X,
    Y,
    *,
    alpha=0.0,
    loss="squared",
    eps=1e-6,
    mode="full",
    n_directions=16,
    rng=None,
    tol=1e-6,
    sample_weight=None,
):
    """Compare backpropagation with central differences on X (n_1, m), Y (n_L, m).

    ``sample_weight`` (m,) checks the weighted J and ∇J. Returns a ``GradcheckReport``;
    ``report.passed()`` is True when they agree to ``tol``.
    """
    if mode not in MODES:
        raise ConfigError(f"mode={mode!r} is not known; use one of: {', '.join(MODES)}")
    net64 = Network(
        net.sizes, net.activation, dtype=np.float64, params=net.params, output=net.output
    )
    X = net64.check_X(np.asarray(X, dtype=np.float64))
    Y = net64.check_Y(np.asarray(Y, dtype=np.float64), X.shape[1])
    w = check_sample_weight(sample_weight, X.shape[1])
    probe = Probe(net64, X, Y, alpha, get_loss(loss), eps, w)
    J, grad = loss_and_grad(net64, X, Y, alpha=alpha, loss=loss, sample_weight=w)
    floor = 1e-3 * max(1.0, abs(J))
    blocks = []  # Θ^(1), b^(2), Θ^(2), b^(3), …: the order of the flat vector
    for l in range(1, net64.L):
        blocks += [
            (f"Θ^({l})", net64.theta[l], grad.theta[l]),
            (f"b^({l + 1})", net64.b[l + 1], grad.b[l + 1]),
        ]
    if mode == "full":
        rows = [full_row(probe, name, p, g, floor) for name, p, g in blocks]
    else:
        rng = rng if rng is not None else np.random.default_rng(0)
        rows = [direction_row(probe, name, p, g, floor, n_directions, rng) for name, p, g in blocks]
    return GradcheckReport(rows, mode, eps, tol)


class Probe:
    """J at θ ± ε u, with a flag for a kink crossed between the two points."""

    def __init__(self, net, X, Y, alpha, loss, eps, w=None):
        self.net, self.X, self.Y, self.alpha, self.loss, self.eps = net, X, Y, alpha, loss, eps
        self.w = w  # sample weights (m,) or None
        self.kinked = net.activation.name in KINKED
        self.grad, self.workspace = Grad.zeros_like(net), Workspace(net, X.shape[1])

    def cost(self):
        """J and the side of each kink every sample is on (hidden z^(l) > 0, |r| ≤ 1)."""
        net, ws, L = self.net, self.workspace, self.net.L
        J, _ = loss_and_grad_unchecked(
            net, self.X, self.Y, self.alpha, self.loss, self.grad, ws, w=self.w
        )
        cache = ws.cache  # the forward values of this J
        sides = [cache.z[l] > 0 for l in range(2, L)] if self.kinked else []
        if self.loss.name == "huber":
            sides.append(np.abs(cache.a[L] - self.Y) <= HUBER_DELTA)
        return J, sides

    def central_difference(self, block, index, u=1.0):
        """(J(θ + εu) − J(θ − εu)) / 2ε along ``u`` placed at ``block[index]``; and a kink flag."""
        plus, minus = at_both_sides(self.cost, block, index, self.eps * u)
        (J_plus, sides_plus), (J_minus, sides_minus) = plus, minus
        kink = any((p != q).any() for p, q in zip(sides_plus, sides_minus, strict=True))
        return (J_plus - J_minus) / (2 * self.eps), kink


def at_both_sides(f, block, index, step):
    """``(f(), f())`` with ``block[index]`` moved by +``step``, then by −``step`` (in place,
    restored after): the two evaluations of a central difference (f(θ + h) − f(θ − h)) / 2h,
    the one implementation (``derivation.explain`` uses it too)."""
    saved = block[index].copy()
    block[index] = saved + step
    plus = f()
    block[index] = saved - step
    minus = f()
    block[index] = saved
    return plus, minus


def full_row(probe, name, p, g, floor):
    """Every entry of one block by central differences."""
    worst, worst_at, checked, kinks = 0.0, (), 0, 0
    for index in np.ndindex(p.shape):
        n, kink = probe.central_difference(p, index)
        if kink:
            kinks += 1
            continue
        checked += 1
        err = rel_error(float(g[index]), n, floor)
        if err >= worst:
            worst, worst_at = err, index
    return GradcheckRow(name, p.shape, worst, worst_at, checked, kinks)


def direction_row(probe, name, p, g, floor, n_directions, rng):
    """``n_directions`` random unit directions u within one block: ∇J · u vs the difference."""
    worst, worst_at, checked, kinks = 0.0, (), 0, 0
    for k in range(n_directions):
        u = rng.standard_normal(p.shape)
        u /= np.linalg.norm(u)
        n, kink = probe.central_difference(p, ..., u)
        if kink:
            kinks += 1
            continue
        checked += 1
        err = rel_error(float(np.vdot(g, u)), n, floor)
        if err >= worst:
            worst, worst_at = err, (k,)
    return GradcheckRow(name, p.shape, worst, worst_at, checked, kinks)
