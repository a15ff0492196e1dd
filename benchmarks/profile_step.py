"""Where the time of one training step goes: GEMMs, element-wise, optimizer, batch gathering,
Python overhead and allocation; for a straightforward step and for the workspace path.

    python benchmarks/profile_step.py [W1 W2 …] [--dtype float32] [--threads 1] [--cpu]

Each part is timed on its own, best of 7 rounds of many calls. With ``--cpu`` the clock is this
process's CPU time (``time.process_time``), which a busy shared machine does not inflate;
use it with ``--threads 1`` (BLAS helper threads would add their spinning). The parts are:
the GEMMs alone with ``out=`` buffers, the element-wise operations alone with ``out=``
buffers, the optimizer update, the batch gathering. "Python + allocation" is the whole
step minus those parts.
"""

import sys
import time
import timeit

import numpy as np

from deltaprop import Grad, Network, get_loss
from deltaprop import equations as eq
from deltaprop.network import Workspace, loss_and_grad_unchecked
from workloads import WORKLOADS, make_data

TIMER = [time.perf_counter]


def best_us(fn, number):
    return 1e6 * min(timeit.repeat(fn, number=number, repeat=7, timer=TIMER[0])) / number


def plain_grad(net, X, Y):
    """Backprop as first written (the code before this work): every array freshly allocated,
    φ'(z) as a new array, δ^(L−1) by a BLAS product of inner size 1, Σ_i by ``np.sum``."""
    L, m, phi = net.L, X.shape[1], net.activation
    a, z = {1: X}, {}
    for l in range(2, L + 1):
        z[l] = net.theta[l - 1] @ a[l - 1] + net.b[l][:, None]
        a[l] = phi.phi(z[l]) if l < L else z[l]
    g_theta, g_b, delta = {}, {}, a[L] - Y
    for l in range(L - 1, 0, -1):
        g_theta[l] = (delta @ a[l].T) * (1 / m)
        g_b[l + 1] = delta.sum(axis=1) * (1 / m)
        if l > 1:
            delta = (net.theta[l].T @ delta) * phi.dphi(z[l], a[l])
    return np.concatenate([np.concatenate([g_theta[l].ravel(), g_b[l + 1]]) for l in range(1, L)])


def straightforward_step(net, X, Y, idx, eta):
    """The plain step: fancy-index the batch, allocate every array, params -= η ∇J."""
    X_b, Y_b = X[:, idx], Y[:, idx]  # batch gathering per step
    net.params -= eta * plain_grad(net, X_b, Y_b)


def fast_step(net, X_b, Y_b, grad, ws, buf, eta):
    """The workspace step (as ``deltaprop.train``): contiguous batch view, J and ∇J with the
    buffers reused, in-place update."""
    loss_and_grad_unchecked(net, X_b, Y_b, 0.0, get_loss("squared"), grad, ws)
    np.multiply(grad.flat, eta, out=buf)
    net.params -= buf


def gemm_only(net, X_b, ws, grad):
    """The step's matrix products alone, into preallocated buffers."""
    L, a, z, d = net.L, ws.a, ws.z, ws.delta
    a[1] = X_b
    for l in range(2, L + 1):
        np.matmul(net.theta[l - 1], a[l - 1], out=z[l])
    for l in range(L - 1, 0, -1):
        np.matmul(d[l + 1], a[l].T, out=grad.theta[l])
        if l > 1 and net.sizes[l] == 1:  # inner size 1: an outer product, as delta_hidden
            np.multiply(net.theta[l].T, d[l + 1], out=d[l])
        elif l > 1:
            np.matmul(net.theta[l].T, d[l + 1], out=d[l])


def elementwise_only(net, ws, grad, Y_b, m):
    """The step's element-wise work alone: bias, φ, δ^(L), φ', ⊙, 1/m scaling, bias sums."""
    L, a, z, d, phi = net.L, ws.a, ws.z, ws.delta, net.activation
    for l in range(2, L + 1):
        z[l] += net.b[l][:, None]
        if l < L:
            eq.a_hidden(phi, z[l], out=a[l])
    np.subtract(a[L], Y_b, out=d[L])
    for l in range(L - 1, 0, -1):
        grad.theta[l] *= 1 / m
        eq.grad_b(d[l + 1], m, out=grad.b[l + 1])  # (1/m) Δ 1, a gemv
        if l > 1:
            d[l] *= phi.dphi(z[l], a[l], out=ws.dphi[l])


def profile(w, dtype):
    X, y = make_data(w, dtype)
    X, Y = np.ascontiguousarray(X.T), y[None, :]  # columns, as a user hands them to the core
    net = Network(w.sizes, w.activation, rng=np.random.default_rng(1), dtype=dtype)
    b, eta = w.batch_size, w.eta
    rng = np.random.default_rng(0)
    idx = rng.permutation(w.m)[:b]
    X_rows, perm = np.ascontiguousarray(X.T), rng.permutation(w.m)
    rows = X_rows[perm]  # the epoch's shuffle buffer (m, n_1)
    X_b, Y_b = rows[:b].T, np.ascontiguousarray(Y[:, :b])
    ws, grad, buf = Workspace(net, b), Grad.zeros_like(net), np.empty_like(net.params)
    n = max(3, int(2e5 / (w.weights * b / 1e3 + 50)))
    saved = net.params.copy()
    parts = {
        "step, straightforward": best_us(lambda: straightforward_step(net, X, Y, idx, eta), n),
        "step, workspace": best_us(lambda: fast_step(net, X_b, Y_b, grad, ws, buf, eta), n),
        "GEMMs": best_us(lambda: gemm_only(net, X_b, ws, grad), n),
        "element-wise (out=)": best_us(lambda: elementwise_only(net, ws, grad, Y_b, b), n),
        "optimizer η∇J in place": best_us(
            lambda: (np.multiply(grad.flat, eta, out=buf), np.subtract(net.params, buf, out=buf)), n
        ),
        "gather X[:, idx] per step": best_us(lambda: (X[:, idx], Y[:, idx]), n),
        "shuffle into buffer / step": best_us(
            lambda: np.take(X_rows, perm, axis=0, out=rows), max(1, n // 20)
        )
        * b
        / w.m
        if b < w.m
        else 0.0,
    }
    net.params[...] = saved
    gflop = 6 * w.weights * b / 1e9
    print(
        f"\n{w.name} {w.sizes} {w.activation} batch {b} {dtype}: {gflop * 1e3:.2f} MFLOP per step"
    )
    for name, us in parts.items():
        print(f"  {name:28s} {us:9.1f} µs")
    for label in ("straightforward", "workspace"):
        rest = parts[f"step, {label}"] - parts["GEMMs"] - parts["element-wise (out=)"]
        rest -= parts["optimizer η∇J in place"]
        if label == "straightforward":
            rest -= parts["gather X[:, idx] per step"]
        print(f"  Python + allocation ({label:15s}) {rest:7.1f} µs")
    print(f"  GEMM-only rate: {gflop / parts['GEMMs'] * 1e6:.1f} GFLOP/s")


def option(argv, name, default):
    return argv[argv.index(name) + 1] if name in argv else default


def main(argv):
    from threadpoolctl import threadpool_limits

    dtype, threads = option(argv, "--dtype", "float64"), option(argv, "--threads", None)
    if "--cpu" in argv:
        TIMER[0] = time.process_time
    names = [a for a in argv if a in WORKLOADS] or ["W1", "W2", "W3", "W4"]
    with threadpool_limits(None if threads is None else int(threads), user_api="blas"):
        for name in names:
            profile(WORKLOADS[name], dtype)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
