"""The network's forward and backward pass: gradients against central differences, by hand."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltaprop import (
    ACTIVATIONS,
    ConfigError,
    DataError,
    Grad,
    Network,
    Workspace,
    backward,
    forward,
    get_loss,
    layer_views,
    loss_and_grad,
    parameter_count,
)
from deltaprop.network import check_sizes, loss_and_grad_unchecked


def central_differences(net, X, Y, alpha, loss, eps=1e-6):
    """∂J/∂θ_i ≈ (J(θ + ε e_i) − J(θ − ε e_i)) / 2ε for every entry of the flat vector."""
    num = np.empty_like(net.params)
    for i in range(net.params.size):
        saved = net.params[i]
        net.params[i] = saved + eps
        J_plus, _ = net.loss_and_grad(X, Y, alpha=alpha, loss=loss)
        net.params[i] = saved - eps
        J_minus, _ = net.loss_and_grad(X, Y, alpha=alpha, loss=loss)
        net.params[i] = saved
        num[i] = (J_plus - J_minus) / (2 * eps)
    return num


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("loss", ["squared", "huber"])
@pytest.mark.parametrize("alpha", [0.0, 0.3])
@settings(max_examples=6, deadline=None, derandomize=True)
@given(
    hidden=st.lists(st.integers(1, 4), min_size=0, max_size=2),
    n_in=st.integers(1, 3),
    n_out=st.integers(1, 3),
    m=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_backprop_matches_central_differences(
    activation, loss, hidden, n_in, n_out, m, alpha, seed
):
    rng = np.random.default_rng(seed)
    net = Network((n_in, *hidden, n_out), activation, rng=rng)
    net.params[...] += 0.1 * rng.standard_normal(net.params.size)  # nonzero biases too
    X = rng.standard_normal((n_in, m))  # (n_1, m)
    Y = 2 * rng.standard_normal((n_out, m))  # (n_L, m): residuals on both sides of Huber's ±1
    _, grad = net.loss_and_grad(X, Y, alpha=alpha, loss=loss)
    num = central_differences(net, X, Y, alpha, loss)
    # Continuous random data: no z^(l) lies within ε of a relu kink (probability ~1e-6).
    np.testing.assert_allclose(grad.flat, num, rtol=1e-6, atol=1e-8)


def hand_net():
    """The 2-2-1 relu network worked by hand below."""
    net = Network((2, 2, 1), "relu")
    net.theta[1][...] = [[1.0, -1.0], [0.5, 0.5]]  # Θ^(1): (2, 2)
    net.b[2][...] = [0.5, -1.0]  # b^(2)
    net.theta[2][...] = [[2.0, 3.0]]  # Θ^(2): (1, 2)
    net.b[3][...] = [0.25]  # b^(3)
    return net


def test_hand_worked_2_2_1_network():
    net = hand_net()
    x, y = np.array([[1.0], [2.0]]), np.array([[1.0]])  # one sample (m = 1) as a column
    cache = net.forward(x)
    # z^(2) = Θ^(1) x + b^(2) = [1·1 − 1·2 + 0.5, 0.5·1 + 0.5·2 − 1] = [−0.5, 0.5]
    np.testing.assert_array_equal(cache.z[2][:, 0], [-0.5, 0.5])
    # a^(2) = relu(z^(2)) = [0, 0.5]
    np.testing.assert_array_equal(cache.a[2][:, 0], [0.0, 0.5])
    # a^(3) = z^(3) = Θ^(2) a^(2) + b^(3) = 2·0 + 3·0.5 + 0.25 = 1.75
    np.testing.assert_array_equal(cache.a[3], [[1.75]])
    J, grad = net.loss_and_grad(x, y)
    # J = ½ (1.75 − 1)² = ½ · 0.5625 = 0.28125
    assert J == 0.28125
    # δ^(3) = a^(3) − y = 0.75
    # ∂J/∂Θ^(2) = δ^(3) (a^(2))ᵀ = 0.75 · [0, 0.5] = [[0, 0.375]];  ∂J/∂b^(3) = δ^(3) = 0.75
    np.testing.assert_array_equal(grad.theta[2], [[0.0, 0.375]])
    np.testing.assert_array_equal(grad.b[3], [0.75])
    # δ^(2) = (Θ^(2))ᵀ δ^(3) ⊙ relu'(z^(2)) = [2·0.75, 3·0.75] ⊙ [0, 1] = [0, 2.25]
    # ∂J/∂Θ^(1) = δ^(2) xᵀ = [0, 2.25]ᵀ [1, 2] = [[0, 0], [2.25, 4.5]];  ∂J/∂b^(2) = [0, 2.25]
    np.testing.assert_array_equal(grad.theta[1], [[0.0, 0.0], [2.25, 4.5]])
    np.testing.assert_array_equal(grad.b[2], [0.0, 2.25])


def test_hand_worked_2_2_1_network_with_l2_penalty():
    net = hand_net()
    x, y = np.array([[1.0], [2.0]]), np.array([[1.0]])
    J, grad = net.loss_and_grad(x, y, alpha=0.5)
    # (α/2m) Σ‖Θ^(l)‖²_F = 0.25 · (1 + 1 + 0.25 + 0.25 + 4 + 9) = 0.25 · 15.5 = 3.875
    assert J == 0.28125 + 3.875
    # ∂J/∂Θ^(l) gains (α/m) Θ^(l); the biases do not
    np.testing.assert_array_equal(grad.theta[2], [[0.0 + 1.0, 0.375 + 1.5]])
    np.testing.assert_array_equal(grad.theta[1], [[0.5, -0.5], [2.25 + 0.25, 4.5 + 0.25]])
    np.testing.assert_array_equal(grad.b[2], [0.0, 2.25])
    np.testing.assert_array_equal(grad.b[3], [0.75])


def test_batched_gradient_is_the_mean_of_per_sample_gradients(rng):
    net = Network((3, 4, 2), "tanh", rng=rng)
    X, Y = rng.standard_normal((3, 6)), rng.standard_normal((2, 6))
    _, grad = net.loss_and_grad(X, Y)
    per_sample = [net.loss_and_grad(X[:, [i]], Y[:, [i]])[1].flat for i in range(6)]
    np.testing.assert_allclose(grad.flat, np.mean(per_sample, axis=0), rtol=1e-12, atol=1e-15)


def test_params_are_one_flat_vector_with_views(rng):
    net = Network((3, 5, 4, 2), "tanh", rng=rng)
    assert net.params.size == parameter_count((3, 5, 4, 2)) == 5 * 4 + 4 * 6 + 2 * 5
    assert [net.theta[l].shape for l in (1, 2, 3)] == [(5, 3), (4, 5), (2, 4)]
    assert [net.b[l].shape for l in (2, 3, 4)] == [(5,), (4,), (2,)]
    net.theta[2][1, 3] = 7.0
    assert 7.0 in net.params  # a view, not a copy
    theta, b = layer_views(net.params, net.sizes)
    assert theta[2][1, 3] == 7.0 and np.shares_memory(b[4], net.params)


# Θ^(1) is 50 × 3, Θ^(2) is 1 × 50: Glorot bounds √(c/(n_l + n_{l+1})) = √(c/53), √(c/51)
@pytest.mark.parametrize("c", [6.0, 2.0])
@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_initialization_glorot_on_every_layer_hidden_biases_spread(activation, c):
    net = Network((3, 50, 1), activation)
    net.initialize(np.random.default_rng(0), c=c)
    for l, bound in ((1, np.sqrt(c / 53)), (2, np.sqrt(c / 51))):  # the output layer too
        assert 0.8 * bound < np.abs(net.theta[l]).max() <= bound
    bound = np.sqrt(c / 53)  # b^(2) is drawn with Θ^(1)'s bound
    assert 0.8 * bound < np.abs(net.b[2]).max() <= bound and np.unique(net.b[2]).size == 50
    assert not net.b[3].any()  # the output bias: the first predictions stay near 0


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("loss", ["squared", "huber"])
def test_float32_end_to_end(rng, activation, loss):
    net = Network((3, 4, 2), activation, rng=rng, dtype=np.float32)
    X, Y = rng.standard_normal((3, 5)), rng.standard_normal((2, 5))  # float64 in
    cache = net.forward(X)
    assert all(v.dtype == np.float32 for v in [*cache.a.values(), *cache.z.values()])
    ws = Workspace(net, 5)
    J, grad = loss_and_grad(net, X, Y, alpha=0.1, loss=loss, workspace=ws)
    assert net.params.dtype == grad.flat.dtype == net.predict(X).dtype == np.float32
    buffers = (ws.a, ws.z, ws.delta, ws.dphi)
    assert all(v.dtype == np.float32 for d in buffers for v in d.values())
    net64 = Network((3, 4, 2), activation, params=net.params)
    J64, grad64 = net64.loss_and_grad(X, Y, alpha=0.1, loss=loss)
    np.testing.assert_allclose(grad.flat, grad64.flat, rtol=1e-4, atol=1e-6)
    assert J == pytest.approx(J64, rel=1e-5)


def test_backward_fills_the_given_buffer(rng):
    net = Network((2, 3, 1), "elu", rng=rng)
    X, Y = rng.standard_normal((2, 4)), rng.standard_normal((1, 4))
    out = Grad.zeros_like(net)
    grad = backward(net, forward(net, X), Y, out=out)
    assert grad is out
    np.testing.assert_array_equal(out.flat, net.loss_and_grad(X, Y)[1].flat)


def test_predictions_invariant_to_batch_splitting(rng):
    net = Network((4, 16, 8, 3), "tanh", rng=rng)
    X = rng.standard_normal((4, 101))
    whole = net.predict(X)  # (3, 101)
    parts = np.hstack([net.predict(X[:, i : i + 7]) for i in range(0, 101, 7)])
    np.testing.assert_allclose(parts, whole, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sizes": (3,)}, r"^sizes=\(3,\) must be at least 2 layer widths >= 1 \(input, hidden…,"),
        ({"sizes": (3, 0, 1)}, r"^sizes=\(3, 0, 1\) must be at least 2 layer widths >= 1"),
        ({"sizes": "abc"}, r"^sizes='abc' must be at least 2 .* output\), e.g. \(3, 5, 2\)$"),
        ({"sizes": (3, 2.5)}, r"^sizes=\(3, 2.5\) must be at least 2 layer widths >= 1"),
        ({"sizes": (2, 1), "activation": "swish"}, r"activation='swish' is not known; use one"),
        ({"sizes": (2, 1), "dtype": np.int32}, r"dtype=int32 is not supported; use float64"),
        ({"sizes": (2, 1), "params": np.zeros(4)}, r"params has shape \(4,\); sizes=\(2, 1\)"),
    ],
)
def test_network_config_errors(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        Network(**kwargs)


def test_network_data_errors():
    net = Network((3, 2), "tanh")
    with pytest.raises(DataError, match=r"X has shape \(5, 3\); the network expects \(n_1, m\)"):
        net.predict(np.zeros((5, 3)))
    with pytest.raises(DataError, match=r"Y has shape \(3, 4\); expected \(n_L, m\) = \(2, 4\)"):
        net.loss_and_grad(np.zeros((3, 4)), np.zeros((3, 4)))


def test_pickle_and_deepcopy_keep_theta_and_b_as_views_of_params():
    import copy
    import pickle

    net = Network((2, 3, 1), "elu", rng=np.random.default_rng(0))
    for clone in (pickle.loads(pickle.dumps(net)), copy.deepcopy(net)):
        np.testing.assert_array_equal(clone.params, net.params)
        assert clone.activation is net.activation  # rebuilt by name, not a copy of lambdas
        clone.params[0] = 99.0
        assert clone.theta[1][0, 0] == 99.0  # still a view into the flat vector
        assert net.theta[1][0, 0] != 99.0


def test_loss_and_grad_fills_out_and_workspace_and_equals_the_method(rng):
    net = Network((3, 4, 2), "tanh", rng=rng)
    X, Y = rng.standard_normal((3, 5)), rng.standard_normal((2, 5))
    J, grad = net.loss_and_grad(X, Y, 0.3, "huber")
    out, ws = Grad.zeros_like(net), Workspace(net, 5)
    for _ in range(2):  # the second call overwrites what the first one wrote
        J_out, grad_out = loss_and_grad(net, X, Y, alpha=0.3, loss="huber", out=out, workspace=ws)
        assert grad_out is out and J_out == J
        np.testing.assert_array_equal(out.flat, grad.flat)
    np.testing.assert_array_equal(ws.cache.a[3], net.predict(X))  # the forward values of J
    J_raw, _ = loss_and_grad_unchecked(net, X, Y, 0.3, get_loss("huber"), out, ws)
    assert J_raw == J


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"alpha": "x"}, ConfigError, r"^alpha='x' must be a finite number >= 0 \(the L2 stren"),
        ({"alpha": -1}, ConfigError, r"^alpha=-1 must be a finite number >= 0"),
        ({"alpha": float("nan")}, ConfigError, r"^alpha=nan must be a finite number >= 0"),
        ({"alpha": float("inf")}, ConfigError, r"^alpha=inf must be a finite number >= 0"),
        ({"alpha": None}, ConfigError, r"^alpha=None must be a finite number >= 0"),
        (
            {"loss": "l1"},
            ConfigError,
            r"^loss='l1' is not known; use one of: squared, huber, poisson$",
        ),
        ({"loss": ["squared"]}, ConfigError, r"^loss=\['squared'\] is not known; use one of"),
        ({"m": 0}, DataError, r"^X has no columns \(m = 0\); pass at least one sample$"),
        ({"out": "array"}, ConfigError, r"^out must be a Grad of this network: pass Grad"),
        ({"out": "f32"}, ConfigError, r"^out has dtype float32; this network computes in float64"),
        ({"workspace": 4}, ConfigError, r"^X has 5 columns; this workspace is for m=4$"),
        ({"workspace": "other"}, ConfigError, r"^workspace must be a Workspace of this network"),
        ({"workspace": "f32"}, ConfigError, r"^workspace holds float32; this network computes"),
        ({"workspace": "forward"}, ConfigError, r"^workspace was made with backward=False; pass"),
    ],
)
def test_loss_and_grad_input_errors_name_the_argument(kwargs, error, match):
    net = Network((3, 4, 2), "tanh", rng=np.random.default_rng(0))
    m = kwargs.pop("m", 5)
    X, Y = np.zeros((3, m)), np.zeros((2, m))
    net32 = Network(net.sizes, "tanh", dtype=np.float32)
    buffers = {
        "f32": Grad.zeros_like(net32) if "out" in kwargs else Workspace(net32, 5),
        "array": np.zeros(3),
        4: Workspace(net, 4),
        "other": Workspace(Network((3, 2), "tanh"), 5),
        "forward": Workspace(net, 5, backward=False),
    }
    kwargs = {k: buffers.get(v, v) if k in ("out", "workspace") else v for k, v in kwargs.items()}
    with pytest.raises(error, match=match):
        loss_and_grad(net, X, Y, **kwargs)


@pytest.mark.parametrize(
    ("value", "min_layers", "sizes"),
    [
        ("64,64", 0, (64, 64)),
        (" 3, 4 ,2 ", 2, (3, 4, 2)),
        ("3-4-2", 2, (3, 4, 2)),  # as `deltaprop explain` and `info` print an architecture
        ("none", 0, ()),
        ("", 0, ()),
        (5, 0, (5,)),  # one hidden layer, as scikit-learn's hidden_layer_sizes=5
        ([3, 5, 2], 2, (3, 5, 2)),
        (np.array([3, 1], dtype=np.int64), 2, (3, 1)),
    ],
)
def test_check_sizes_is_the_one_parser_of_layer_widths(value, min_layers, sizes):
    parsed = check_sizes(value, min_layers=min_layers)
    assert parsed == sizes and all(type(n) is int for n in parsed)


@pytest.mark.parametrize(
    ("value", "name", "min_layers", "match"),
    [
        ("8,x", "", 0, r"^'8,x' must be layer widths >= 1, or 'none' for no layer, e.g. 64,64$"),
        ("3", "--sizes", 2, r"^--sizes '3' must be at least 2 layer widths >= 1 \(input, hidd"),
        ("none", "sizes", 2, r"^sizes='none' must be at least 2 layer widths >= 1"),
        ("3--2", "sizes", 2, r"^sizes='3--2' must be at least 2 layer widths"),
        ((True, 2), "sizes", 2, r"^sizes=\(True, 2\) must be at least 2 layer widths"),
        (None, "hidden_layer_sizes", 0, r"^hidden_layer_sizes=None must be layer widths >= 1, or"),
    ],
)
def test_check_sizes_errors_name_the_argument(value, name, min_layers, match):
    with pytest.raises(ConfigError, match=match):
        check_sizes(value, name=name, min_layers=min_layers)
