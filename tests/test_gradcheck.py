"""gradcheck: passes on backpropagation, catches wrong gradients, knows relu kinks."""

import importlib

import numpy as np
import pytest

from deltaprop import ACTIVATIONS, ConfigError, GradcheckReport, Network, gradcheck


def small_problem(rng, activation="tanh", sizes=(3, 5, 4, 2), dtype=np.float64, m=6):
    net = Network(sizes, activation, rng=rng, dtype=dtype)
    net.params[...] += 0.1 * rng.standard_normal(net.params.size)  # nonzero biases
    X = rng.standard_normal((sizes[0], m))
    Y = 2 * rng.standard_normal((sizes[-1], m))
    return net, X, Y


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("loss", ["squared", "huber"])
def test_backprop_passes_in_both_modes(rng, activation, loss):
    net, X, Y = small_problem(rng, activation)
    full = gradcheck(net, X, Y, alpha=0.2, loss=loss)
    assert isinstance(full, GradcheckReport) and full.passed(), str(full)
    assert [r.name for r in full.rows] == ["Θ^(1)", "b^(2)", "Θ^(2)", "b^(3)", "Θ^(3)", "b^(4)"]
    assert [r.shape for r in full.rows] == [(5, 3), (5,), (4, 5), (4,), (2, 4), (2,)]
    assert all(r.checked + r.kinks == np.prod(r.shape) for r in full.rows)
    directions = gradcheck(
        net, X, Y, alpha=0.2, loss=loss, mode="directions", n_directions=4, rng=rng
    )
    assert directions.passed(), str(directions)
    assert all(r.checked + r.kinks == 4 for r in directions.rows)


def test_catches_a_wrong_gradient_and_names_the_block(rng, monkeypatch):
    gradcheck_module = importlib.import_module("deltaprop.gradcheck")  # the function shadows it
    net, X, Y = small_problem(rng)
    right = gradcheck_module.loss_and_grad

    def loss_and_grad_off_by_one_percent(net, X, Y, **kwargs):
        J, grad = right(net, X, Y, **kwargs)
        grad.theta[2] *= 1.01  # only ∂J/∂Θ^(2) is wrong
        return J, grad

    monkeypatch.setattr(gradcheck_module, "loss_and_grad", loss_and_grad_off_by_one_percent)
    report = gradcheck(net, X, Y)
    assert not report.passed()
    errors = {r.name: r.max_rel_error for r in report.rows}
    assert errors["Θ^(2)"] == pytest.approx(0.01, rel=1e-3)  # |1.01g − g| / |g|
    assert max(e for name, e in errors.items() if name != "Θ^(2)") < 1e-6
    assert "Θ^(2)  4×5    1.00e-02" in str(report) and "FAILED at tol 1e-06" in str(report)


def test_relu_kinks_are_detected_and_excluded(rng):
    net = Network((2, 3, 1), "relu", rng=rng)
    net.b[2][...] = 0
    X = rng.standard_normal((2, 5))
    X[:, 0] = 0.0  # z^(2) = Θ^(1)·0 + b^(2) = 0 exactly for sample 0: on the kink
    Y = rng.standard_normal((1, 5))
    report = gradcheck(net, X, Y)
    assert report.passed(), str(report)
    kinks = {r.name: r.kinks for r in report.rows}
    assert kinks["b^(2)"] == 3  # moving any b^(2)_j by ±ε crosses z = 0 for sample 0
    assert kinks["Θ^(2)"] == kinks["b^(3)"] == 0  # layers after the kink are smooth in θ


def test_float32_net_is_checked_in_float64_on_a_copy(rng):
    net, X, Y = small_problem(rng, dtype=np.float32)
    before = net.params.copy()
    report = gradcheck(net, X.astype(np.float32), Y.astype(np.float32))
    assert report.passed(), str(report)  # float32's own rounding would fail 1e-6
    np.testing.assert_array_equal(net.params, before)
    assert net.params.dtype == np.float32


def test_report_table(rng):
    net, X, Y = small_problem(rng, sizes=(2, 3, 1))
    text = str(gradcheck(net, X, Y))
    lines = text.splitlines()
    assert lines[0].split() == [
        "block",
        "shape",
        "max",
        "rel.",
        "error",
        "worst",
        "entry",
        "checked",
        "kinks",
        "skipped",
    ]
    assert lines[1].startswith("Θ^(1)  3×2") and lines[2].startswith("b^(2)  3  ")
    assert lines[-1].startswith("max relative error ") and lines[-1].endswith(
        "(full mode, eps=1e-06): passed at tol 1e-06"
    )
    column = lines[0].index("checked")  # aligned: every row's count starts under "checked"
    assert all(line[column].isdigit() for line in lines[1:-1])


def test_unknown_mode():
    net = Network((2, 1), "tanh")
    with pytest.raises(ConfigError, match=r"^mode='fast' is not known; use one of: full, direc"):
        gradcheck(net, np.zeros((2, 1)), np.zeros((1, 1)), mode="fast")
