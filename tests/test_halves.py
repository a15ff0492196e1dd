"""Element-wise work as two halves of rows on two threads (``deltaprop.speed.in_halves``): the
same bits as one piece, and one piece for small arrays and on a busy machine."""

import numpy as np
import pytest

from deltaprop import Grad, Network, speed
from deltaprop.activations import ACTIVATIONS, OUTPUTS, tanh_by_exp
from deltaprop.network import Workspace, loss_and_grad

FUNCTIONS = [(f"{n} φ", act.phi, 1) for n, act in ACTIVATIONS.items()]
FUNCTIONS += [(f"{n} φ'", act.dphi, 2) for n, act in ACTIVATIONS.items()]
FUNCTIONS += [("tanh by exp", tanh_by_exp, 1), ("exp output", OUTPUTS["exp"].phi, 1)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(2, 1), (3, 5), (7, 333), (33, 1001)])
@pytest.mark.parametrize("name, f, n_args", FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_halves_give_the_bits_of_one_piece(rng, dtype, shape, name, f, n_args):
    z = (4 * rng.standard_normal(shape)).astype(dtype)
    z.flat[::7] = 0.0  # relu's kink
    args = (z, np.tanh(z))[:n_args]
    one = speed.in_one_piece(f, *args, out=np.empty_like(z))
    out = np.empty_like(z)
    assert speed.in_halves(f, *args, out=out) is out
    np.testing.assert_array_equal(out, one, strict=True)


def test_an_error_in_the_helpers_half_is_raised_under_the_callers_errstate():
    z = np.ones((4, 3))
    z[0, 0] = 1000.0  # in the first half of the rows: the helper thread's
    with np.errstate(over="raise"), pytest.raises(FloatingPointError, match="overflow"):
        speed.in_halves(np.exp, z, out=np.empty_like(z))
    with np.errstate(over="ignore"):
        assert speed.in_halves(np.exp, z, out=np.empty_like(z))[0, 0] == np.inf


def test_split_pays_for_a_costly_phi_from_the_break_even_and_two_rows():
    n = speed.SPLIT_MIN_VALUES
    assert speed.split_pays("tanh", 2, n // 2)
    assert not speed.split_pays("tanh", 2, n // 2 - 1)  # below the break-even
    assert not speed.split_pays("tanh", 1, 10 * n)  # one row: no halves
    assert not speed.split_pays("relu", 64, n)  # a cheap φ never paid


class FakeLoad:
    def __init__(self, others, n_cpus=2):
        self.others, self.last = others, (0.0, 0.0, 0.0, n_cpus)

    def cores(self):
        return self.others


@pytest.mark.parametrize(
    "load, idle",
    [
        (FakeLoad(0.0), True),  # an idle machine
        (FakeLoad(0.4), True),  # a little other work: still a CPU free
        (FakeLoad(1.0), False),  # one busy process on 2 CPUs
        (FakeLoad(None), False),  # the first window: not known yet
        (FakeLoad(0.0, n_cpus=1), False),  # one CPU: nowhere to put a half
        (None, False),  # no load measure here (not Linux)
    ],
)
def test_cpu_idle_follows_the_load(monkeypatch, load, idle):
    monkeypatch.setattr(speed, "other_load", lambda: load)
    assert speed.cpu_idle() is idle
    with speed.elementwise_in_one_piece():
        assert not speed.cpu_idle()


BIG = (4, 64, 1)  # 64 × 4096 values in the hidden layer: the break-even
SMALL = (10, 8, 8, 1)


@pytest.mark.parametrize("others, halves", [(0.0, True), (1.0, False)])
def test_a_workspace_runs_big_layers_in_halves_only_when_a_cpu_is_idle(monkeypatch, others, halves):
    monkeypatch.setattr(speed, "other_load", lambda: FakeLoad(others))
    big = Workspace(Network(BIG, "tanh"), 4096).elementwise()
    small = Workspace(Network(SMALL, "tanh"), 200).elementwise()
    cheap = Workspace(Network(BIG, "relu"), 4096).elementwise()
    assert big == {2: speed.in_halves if halves else speed.in_one_piece}
    assert small == {2: speed.in_one_piece, 3: speed.in_one_piece}  # below the break-even
    assert cheap == {2: speed.in_one_piece}  # relu's φ: never in halves


@pytest.mark.parametrize("activation", sorted(speed.SPLIT_ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_pass_in_halves_gives_the_bits_of_one_piece(monkeypatch, rng, activation, dtype):
    m = 4096
    net = Network((3, 64, 64, 1), activation, rng=rng, dtype=dtype)
    X, Y = rng.standard_normal((3, m)), rng.standard_normal((1, m))
    ws = Workspace(net, m)
    assert all(ws.halves.values())
    results = []
    for others in (0.0, 1.0):  # idle: in halves; busy: in one piece
        monkeypatch.setattr(speed, "other_load", lambda others=others: FakeLoad(others))
        with speed.blas_threads_as_set():  # the same BLAS threads for both (float32's bits)
            J, grad = loss_and_grad(net, X, Y, alpha=0.1, out=Grad.zeros_like(net), workspace=ws)
        results.append((J, grad.flat.copy(), ws.a[2].copy()))
    assert results[0][0] == results[1][0]
    for a, b in zip(results[0][1:], results[1][1:], strict=True):
        np.testing.assert_array_equal(a, b, strict=True)
