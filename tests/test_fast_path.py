"""The optimized path (workspace buffers, in-place φ and φ') against a straightforward
reference written here from the equations: same inputs ⇒ the same bits; float32 stays float32;
buffers are reused, so a step allocates no array of batch size."""

import math
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from scipy.special import expit

from deltaprop import ACTIVATIONS, LOSSES, ConfigError, Grad, Network, backward, forward, get_loss
from deltaprop import equations as eq
from deltaprop.activations import LEAKY_SLOPE, tanh_by_exp, tanh_uses_exp
from deltaprop.losses import HUBER_DELTA
from deltaprop.network import Workspace

SIZES = (4, 7, 5, 3)


def reference_grad(net, X, Y, alpha, loss):
    """Backprop written straight from the equations, every array freshly allocated."""
    L, m, phi, loss = net.L, X.shape[1], net.activation, get_loss(loss)
    a, z = {1: X}, {}
    for l in range(2, L + 1):
        z[l] = net.theta[l - 1] @ a[l - 1] + net.b[l][:, None]  # z^(l) = Θ^(l−1) a^(l−1) + b^(l)
        a[l] = phi.phi(z[l]) if l < L else z[l]  # a^(l) = φ(z^(l)); a^(L) = z^(L)
    g_theta, g_b = {}, {}
    delta = loss.delta(a[L], Y)  # δ^(L)
    for l in range(L - 1, 0, -1):
        g_theta[l] = (delta @ a[l].T + alpha * net.theta[l]) * (1 / m)  # ∂J/∂Θ^(l)
        g_b[l + 1] = (delta @ np.ones(m, dtype=X.dtype)) * (1 / m)  # ∂J/∂b^(l+1) = (1/m) Δ 1
        if l > 1:
            delta = (net.theta[l].T @ delta) * phi.dphi(z[l], a[l])  # δ^(l)
    return np.concatenate([np.concatenate([g_theta[l].ravel(), g_b[l + 1]]) for l in range(1, L)])


def make_problem(activation, dtype, m=9, seed=0, sizes=SIZES):
    rng = np.random.default_rng(seed)
    net = Network(sizes, activation, rng=rng, dtype=dtype)
    net.b[3][...] = rng.normal(size=net.b[3].shape)  # nonzero biases: exercise the bias add
    X = rng.normal(size=(sizes[0], m)).astype(dtype)
    Y = rng.normal(size=(sizes[-1], m)).astype(dtype)
    return net, X, Y


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("loss, alpha", [("squared", 0.0), ("huber", 0.3)])
@pytest.mark.parametrize("sizes", [SIZES, (4, 7, 5, 1)])  # n_L = 1: δ^(L−1) is an outer product
def test_workspace_gradient_is_bit_identical_to_reference(activation, dtype, loss, alpha, sizes):
    net, X, Y = make_problem(activation, dtype, m=300, sizes=sizes)
    ws, grad = Workspace(net, X.shape[1]), Grad.zeros_like(net)
    for _ in range(2):  # the second call reuses the buffers the first one filled
        backward(net, forward(net, X, workspace=ws), Y, alpha, loss, out=grad, workspace=ws)
        np.testing.assert_array_equal(grad.flat, reference_grad(net, X, Y, alpha, loss))
    plain = backward(net, forward(net, X), Y, alpha, loss)  # the allocating path agrees too
    np.testing.assert_array_equal(plain.flat, grad.flat)
    assert grad.flat.dtype == dtype


# φ and φ' as first written, each a new array: the in-place records must give the same bits
PLAIN = {
    "identity": (lambda z: z, lambda z, a: np.ones_like(z)),
    "sigmoid": (expit, lambda z, a: a * (1 - a)),
    "tanh": (
        lambda z: tanh_by_exp(z) if tanh_uses_exp(z.dtype) else np.tanh(z),
        lambda z, a: 1 - a * a,
    ),
    "relu": (lambda z: np.maximum(z, 0), lambda z, a: (z > 0).astype(z.dtype)),
    "leaky_relu": (
        lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
        lambda z, a: np.where(z > 0, 1, LEAKY_SLOPE).astype(z.dtype),
    ),
    "elu": (
        lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
        lambda z, a: np.where(z > 0, 1, a + 1).astype(z.dtype),
    ),
    "softplus": (lambda z: np.logaddexp(0, z), lambda z, a: expit(z)),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_in_place_phi_and_dphi_give_the_bits_of_the_plain_formulas(name, dtype):
    z = np.concatenate([np.linspace(-40, 40, 801), [0.0, -0.0, 1e-30, -1e-30]]).astype(dtype)
    z = z.reshape(5, -1)
    act, (phi, dphi) = ACTIVATIONS[name], PLAIN[name]
    a, out = phi(z), np.full_like(z, np.nan)
    assert act.phi(z, out=out) is out
    np.testing.assert_array_equal(out, a, strict=True)  # strict: same dtype and shape
    np.testing.assert_array_equal(act.phi(z), a, strict=True)  # a new array: the same bits
    assert act.dphi(z, a, out=out) is out
    np.testing.assert_array_equal(out, dphi(z, a), strict=True)
    np.testing.assert_array_equal(act.dphi(z, a), dphi(z, a), strict=True)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tanh_by_exp_is_tanh_to_a_few_ulp(dtype):
    """The exp form (used for float64 where NumPy's tanh has no AVX-512 loop)."""
    z = np.concatenate([np.linspace(-40, 40, 8001), [0.0, -0.0, 1e-30, 1e-8, -1e-3]])
    exact = np.tanh(z)  # float64
    got = tanh_by_exp(z.astype(dtype))
    assert got.dtype == dtype
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(got, exact, rtol=0, atol=2 * eps)  # absolute, everywhere
    big = np.abs(z) >= 1
    np.testing.assert_allclose(got[big], exact[big], rtol=2 * eps, atol=0)  # relative, |z| >= 1
    assert np.all(np.abs(got) <= 1) and np.all(np.sign(got[got != 0]) == np.sign(z[got != 0]))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tanh_by_exp_saturates_without_a_floating_point_error(dtype):
    """Far from 0, e^(2z) over- or underflows: the result is exactly ±1, and no error is raised
    even where every one is (training raises on overflow to detect divergence)."""
    big = np.finfo(dtype).max
    z = np.array([21, 400, 1e30, big, np.inf, -21, -400, -1e30, -big, -np.inf], dtype=dtype)
    with np.errstate(all="raise"):
        got = tanh_by_exp(z)
        assert np.isnan(tanh_by_exp(np.array([np.nan], dtype=dtype)))[0]
    np.testing.assert_array_equal(got, np.sign(z).astype(dtype), strict=True)


def test_the_tanh_record_is_numpys_or_the_exp_form():
    z = np.linspace(-5, 5, 101)
    out = ACTIVATIONS["tanh"].phi(z)
    expected = tanh_by_exp(z) if tanh_uses_exp(z.dtype) else np.tanh(z)
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(
        ACTIVATIONS["tanh"].phi(z.astype(np.float32)), np.tanh(z.astype(np.float32))
    )


def test_the_tanh_choice_comes_from_the_cpu_not_from_a_timing(monkeypatch):
    """The same answer in every process on one machine: no timing, only the platform and the
    loop NumPy dispatched (never the exp form off x86)."""
    from deltaprop import activations

    first = activations._exp_tanh_pays()
    activations._exp_tanh_pays.cache_clear()
    assert activations._exp_tanh_pays() == first
    monkeypatch.setattr(activations.platform, "machine", lambda: "aarch64")
    activations._exp_tanh_pays.cache_clear()
    try:
        assert activations._exp_tanh_pays() is False
    finally:
        monkeypatch.undo()
        activations._exp_tanh_pays.cache_clear()


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_in_place_loss_delta_gives_the_bits_of_the_plain_formula(name, dtype):
    rng = np.random.default_rng(4)
    a, y = (3 * rng.standard_normal((2, 50))).astype(dtype), rng.standard_normal(50).astype(dtype)
    plain = np.clip(a - y, -HUBER_DELTA, HUBER_DELTA) if name == "huber" else a - y
    out = np.full_like(a, np.nan)
    assert LOSSES[name].delta(a, y, out=out) is out
    np.testing.assert_array_equal(out, plain, strict=True)
    np.testing.assert_array_equal(LOSSES[name].delta(a, y), plain, strict=True)


def test_training_steps_same_seed_same_weights_bit_exact():
    """Ten SGD steps over one shuffled epoch: workspace loop == reference loop, to the bit."""
    net, X, Y = make_problem("tanh", np.float64, m=40)
    ref = Network(SIZES, "tanh", params=net.params)
    rng_a, rng_b, eta, batch = np.random.default_rng(7), np.random.default_rng(7), 0.1, 8
    grad, workspaces = Grad.zeros_like(net), {}
    rows_x, rows_y = np.empty((40, SIZES[0])), np.empty((40, SIZES[-1]))
    for _ in range(2):  # epochs
        perm_a, perm_b = rng_a.permutation(40), rng_b.permutation(40)
        np.take(X.T, perm_a, axis=0, out=rows_x)  # one shuffle per epoch into a buffer
        np.take(Y.T, perm_a, axis=0, out=rows_y)
        for start in range(0, 40, batch):
            X_b, Y_b = rows_x[start : start + batch].T, rows_y[start : start + batch].T
            ws = workspaces.setdefault(X_b.shape[1], Workspace(net, X_b.shape[1]))
            backward(
                net, forward(net, X_b, workspace=ws), Y_b, 0.0, "squared", out=grad, workspace=ws
            )
            grad.flat *= eta
            net.params -= grad.flat
            idx = perm_b[start : start + batch]  # the reference: fancy indexing per batch
            ref.params -= eta * reference_grad(ref, X[:, idx], Y[:, idx], 0.0, "squared")
    np.testing.assert_array_equal(net.params, ref.params)


def test_forward_writes_into_the_workspace_buffers():
    net, X, _ = make_problem("relu", np.float32)
    ws = Workspace(net, X.shape[1])
    first = forward(net, X, workspace=ws)
    ids = {l: id(first.a[l]) for l in first.a if l > 1} | {-l: id(first.z[l]) for l in first.z}
    second = forward(net, 2 * X, workspace=ws)
    assert second is first and second.a[1] is not X  # the new input, the same cache
    assert ids == {l: id(second.a[l]) for l in second.a if l > 1} | {
        -l: id(second.z[l]) for l in second.z
    }
    assert all(ws.z[l] is second.z[l] for l in second.z)
    assert second.a[net.L] is second.z[net.L]  # linear output: one array
    np.testing.assert_array_equal(second.a[net.L], forward(net, 2 * X).a[net.L])


def test_float32_step_allocates_no_batch_sized_array():
    """With a workspace, a float32 step allocates nothing as large as one (n_l, m) float32
    array, so certainly no float64 array of batch size. (NumPy's broadcasting ufuncs use a
    fixed scratch buffer of 8192 elements whatever m is; m is chosen above that.)"""
    rng = np.random.default_rng(0)
    m, sizes = 2048, (6, 32, 32, 16)
    net = Network(sizes, "tanh", rng=rng, dtype=np.float32)
    X = rng.normal(size=(m, 6)).astype(np.float32).T  # (n_1, m): a view of rows, as in training
    Y = rng.normal(size=(16, m)).astype(np.float32)
    ws, grad = Workspace(net, m), Grad.zeros_like(net)
    backward(net, forward(net, X, workspace=ws), Y, 0.0, "squared", out=grad, workspace=ws)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        cache = forward(net, X, workspace=ws)
        backward(net, cache, Y, 0.0, "squared", out=grad, workspace=ws)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    smallest_batch_array = min(sizes[1:]) * m * 4  # bytes of the smallest (n_l, m) float32
    assert peak < smallest_batch_array
    assert all(v.dtype == np.float32 for d in (ws.a, ws.z, ws.delta, ws.dphi) for v in d.values())
    assert grad.flat.dtype == np.float32


def test_workspace_for_another_batch_size_is_refused():
    net, X, _ = make_problem("tanh", np.float64, m=9)
    with pytest.raises(ConfigError, match=r"X has 9 columns; this workspace is for m=4"):
        forward(net, X, workspace=Workspace(net, 4))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_compiled_adam_kernel_gives_the_numpy_update_bit_exact(dtype):
    pytest.importorskip("numba", reason="the compiled kernel is the optional 'fast' extra")
    from deltaprop.optim import adam_update
    from deltaprop.speed import adam_kernel

    rng = np.random.default_rng(3)
    params = rng.normal(size=1000).astype(dtype)
    state = [params.copy(), np.zeros_like(params), np.zeros_like(params)]  # Θ, m, v: kernel
    ref = [params.copy(), np.zeros_like(params), np.zeros_like(params)]  # Θ, m, v: NumPy
    buf = np.empty_like(params)
    kernel = adam_kernel()
    for t in range(1, 6):
        grad = rng.normal(scale=10.0**-t, size=1000).astype(dtype)
        eta_t = 1e-2 * math.sqrt(1 - 0.999**t) / (1 - 0.9**t)  # a Python float, as in Adam
        kernel(state[0], grad, state[1], state[2], eta_t, 0.9, 0.999, 1e-8)
        adam_update(ref[0], grad, ref[1], ref[2], buf, eta_t, 0.9, 0.999, 1e-8)
        for got, want in zip(state, ref, strict=True):
            np.testing.assert_array_equal(got, want)
            assert got.dtype == dtype


def test_scipy_blas_single_thread_limits_only_scipys_blas():
    from threadpoolctl import threadpool_info

    from deltaprop.speed import scipy_blas_single_thread

    def threads():
        return {
            i["filepath"]: i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"
        }

    before = threads()
    scipy_libs = [p for p in before if "scipy.libs" in p]
    if not scipy_libs:
        pytest.skip("SciPy shares NumPy's BLAS here: nothing to limit")
    with scipy_blas_single_thread():
        inside = threads()
        assert all(inside[p] == 1 for p in scipy_libs)
        assert all(inside[p] == before[p] for p in before if p not in scipy_libs)
    assert threads() == before


def test_train_hot_path_equals_straightforward_steps(monkeypatch):
    """``deltaprop.train``'s step (workspaces, in-place) against the same loop whose step is
    the straightforward reference above: same seed ⇒ the same weights, to the bit."""
    from deltaprop import train as training
    from deltaprop.train import TrainConfig, train

    net, X, Y = make_problem("tanh", np.float64, m=50, sizes=(4, 7, 5, 1))
    ref = Network(net.sizes, "tanh", params=net.params)
    config = TrainConfig(
        solver="sgd",
        momentum=0.0,
        nesterovs_momentum=False,
        batch_size=8,
        max_iter=3,
        tol=0.0,
        learning_rate_init=0.05,
    )
    train(net, X, Y, config, rng=np.random.default_rng(5))

    def reference_step(net, batches, batch, grad, optimizer, config, loss):
        X_b, Y_b = batch
        a_L = net.forward(X_b).a[net.L]  # J of the batch before the update, as batch_step
        J = eq.cost(loss, a_L, Y_b, net.theta.values(), config.alpha, X_b.shape[1])
        grad.flat[...] = reference_grad(net, X_b, Y_b, config.alpha, loss)
        optimizer.step(net.params, grad.flat)
        return J

    monkeypatch.setattr(training, "batch_step", reference_step)
    train(ref, X, Y, config, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(net.params, ref.params)


def test_adam_uses_the_kernel_or_numpy_with_the_same_bits():
    from deltaprop.optim import Adam

    rng = np.random.default_rng(2)
    fast, plain = Adam(0.01, compiled=True), Adam(0.01, compiled=False)
    theta_fast = rng.normal(size=300)
    theta_plain = theta_fast.copy()
    for _ in range(4):
        grad = rng.normal(size=300)
        fast.step(theta_fast, grad)
        plain.step(theta_plain, grad)
    np.testing.assert_array_equal(theta_fast, theta_plain)
    assert plain._kernel is None


def test_adam_uses_the_kernel_only_where_it_pays():
    """ "auto": parameters × planned steps against the measured threshold."""
    pytest.importorskip("numba", reason="the compiled kernel is the optional 'fast' extra")
    from deltaprop.optim import COMPILED_ADAM_MIN_WORK, Adam

    small, big, unknown = Adam(0.01, steps=600), Adam(0.01, steps=10_000), Adam(0.01)
    theta = np.zeros(int(COMPILED_ADAM_MIN_WORK // 10_000) + 1)
    for opt in (small, big, unknown):
        opt.step(theta, np.ones_like(theta))
    assert small._kernel is None and unknown._kernel is None and big._kernel is not None


def test_compiled_kernel_is_cached_outside_the_source_tree(monkeypatch, tmp_path):
    numba = pytest.importorskip("numba", reason="the compiled kernel is the optional 'fast' extra")
    from deltaprop import speed

    monkeypatch.setattr(numba.config, "CACHE_DIR", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    speed._compiled_adam.cache_clear()
    try:
        dispatcher = speed._compiled_adam()  # not called: no compilation needed to see where
    finally:
        speed._compiled_adam.cache_clear()
    where = Path(dispatcher._cache._cache_path)  # Numba's cache locator, chosen at njit time
    assert where.is_relative_to(tmp_path / "deltaprop" / "numba")
    assert not where.is_relative_to(Path(speed.__file__).parent)
    assert numba.config.CACHE_DIR == ""  # the setting is left as it was
