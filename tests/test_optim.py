"""Each optimizer's step and each schedule against its formula, computed by hand."""

import numpy as np
import pytest

from deltaprop.optim import (
    GD,
    SGD,
    Adam,
    Constant,
    InvScaling,
    ReduceOnPlateau,
    make_optimizer,
    make_schedule,
)

G1 = np.array([0.5, -1.0])  # ∇J at the first step
G2 = np.array([1.0, 1.0])  # ∇J at the second step


def test_gd_step():
    theta = np.array([1.0, 2.0])
    GD(0.1).step(theta, G1)
    # Θ ← Θ − η ∇J = [1 − 0.1·0.5, 2 + 0.1·1] = [0.95, 2.1]
    np.testing.assert_allclose(theta, [0.95, 2.1], rtol=1e-15)


def test_sgd_momentum_steps():
    theta, opt = np.array([1.0, 2.0]), SGD(0.1, momentum=0.9, nesterov=False)
    opt.step(theta, G1)
    # v = 0.9·0 − 0.1·[0.5, −1] = [−0.05, 0.1];  Θ = [1, 2] + v = [0.95, 2.1]
    np.testing.assert_allclose(theta, [0.95, 2.1], rtol=1e-15)
    opt.step(theta, G2)
    # v = 0.9·[−0.05, 0.1] − 0.1·[1, 1] = [−0.145, −0.01];  Θ = [0.95 − 0.145, 2.1 − 0.01]
    np.testing.assert_allclose(opt.v, [-0.145, -0.01], rtol=1e-14)
    np.testing.assert_allclose(theta, [0.805, 2.09], rtol=1e-14)


def test_sgd_nesterov_steps():
    theta, opt = np.array([1.0, 2.0]), SGD(0.1, momentum=0.9, nesterov=True)
    opt.step(theta, G1)
    # v = [−0.05, 0.1];  Θ = Θ + μ v − η ∇J = [1 − 0.045 − 0.05, 2 + 0.09 + 0.1] = [0.905, 2.19]
    np.testing.assert_allclose(theta, [0.905, 2.19], rtol=1e-14)
    opt.step(theta, G2)
    # v = [−0.145, −0.01];  Θ = [0.905 − 0.1305 − 0.1, 2.19 − 0.009 − 0.1] = [0.6745, 2.081]
    np.testing.assert_allclose(theta, [0.6745, 2.081], rtol=1e-14)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_without_momentum_is_gradient_descent_to_the_bit(nesterov):
    # μ = 0: v = −η ∇J, so Θ + v (and Θ − η ∇J + μ v) is Θ − η ∇J, bit for bit
    rng = np.random.default_rng(3)
    theta_sgd = rng.standard_normal(50)
    theta_gd, sgd, gd = theta_sgd.copy(), SGD(0.3, momentum=0.0, nesterov=nesterov), GD(0.3)
    for _ in range(3):
        g = rng.standard_normal(50)
        sgd.step(theta_sgd, g)
        gd.step(theta_gd, g)
    np.testing.assert_array_equal(theta_sgd, theta_gd)


def test_adam_first_step_is_eta_times_sign():
    theta, opt = np.array([1.0, 2.0]), Adam(0.01, epsilon=0.0)
    opt.step(theta, G1)
    # m = 0.1·g = [0.05, −0.1];  v = 0.001·g² = [0.00025, 0.001]
    # η_1 = 0.01·√(1 − 0.999)/(1 − 0.9) = 0.01·√0.001/0.1;  m/√v = [0.05/√0.00025, −0.1/√0.001]
    #     = [√10, −√10] and √0.001/0.1 = 1/√10, so the step is η·sign(g) = [0.01, −0.01]
    np.testing.assert_allclose(opt.m, [0.05, -0.1], rtol=1e-15)
    np.testing.assert_allclose(opt.v, [0.00025, 0.001], rtol=1e-15)
    np.testing.assert_allclose(theta, [0.99, 2.01], rtol=1e-14)


def test_adam_second_step_against_the_formula():
    theta, opt = np.array([1.0, 2.0]), Adam(0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-8)
    opt.step(theta, G1)
    before = theta.copy()
    opt.step(theta, G2)
    # m = 0.9·[0.05, −0.1] + 0.1·[1, 1] = [0.145, 0.01]
    # v = 0.999·[0.00025, 0.001] + 0.001·[1, 1] = [0.00124975, 0.001999]
    m, v = np.array([0.145, 0.01]), np.array([0.00124975, 0.001999])
    eta_2 = 0.01 * np.sqrt(1 - 0.999**2) / (1 - 0.9**2)
    np.testing.assert_allclose(opt.m, m, rtol=1e-14)
    np.testing.assert_allclose(opt.v, v, rtol=1e-14)
    np.testing.assert_allclose(theta, before - eta_2 * m / (np.sqrt(v) + 1e-8), rtol=1e-14)


@pytest.mark.parametrize("solver", ["gd", "sgd", "adam"])
def test_steps_keep_float32_and_update_in_place(solver):
    theta = np.ones(5, dtype=np.float32)
    opt = make_optimizer(solver, 0.1)
    view = theta[:]
    for _ in range(3):
        opt.step(theta, np.full(5, 0.5, dtype=np.float32))
    assert theta.dtype == np.float32 and np.shares_memory(view, theta)
    assert (theta < 1).all()
    assert opt.t == 3


def test_invscaling_schedule():
    opt, schedule = GD(0.1), make_schedule("invscaling", 0.1, power_t=0.5)
    assert isinstance(schedule, InvScaling)
    theta = np.zeros(1)
    for _ in range(3):
        opt.step(theta, np.zeros(1))
        schedule.after_step(opt)
    # after t = 3 steps, step 4 uses η_4 = η_0 / 4^0.5 = 0.05
    assert opt.eta == pytest.approx(0.05, rel=1e-15)


def test_reduce_on_plateau_divides_by_five_then_stops():
    opt, schedule = GD(1e-5), make_schedule("adaptive", 1e-5)
    assert isinstance(schedule, ReduceOnPlateau)
    assert schedule.on_plateau(opt) is False and opt.eta == pytest.approx(2e-6)
    assert schedule.on_plateau(opt) is False and opt.eta == pytest.approx(4e-7)
    assert schedule.on_plateau(opt) is True  # η ≤ 1e-6: stop, as scikit-learn's "adaptive"


def test_constant_schedule_stops_on_plateau_and_keeps_eta():
    opt, schedule = GD(0.3), make_schedule("constant", 0.3)
    assert isinstance(schedule, Constant)
    schedule.after_step(opt)
    assert opt.eta == 0.3 and schedule.on_plateau(opt) is True
