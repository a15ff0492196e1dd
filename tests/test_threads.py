"""NumPy's BLAS threads per step size and load (``deltaprop.speed``): the choice for each
case, the load measure, the count restored, and the same training whatever the count."""

import contextlib
import time

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from deltaprop import Network, speed
from deltaprop.config import TrainConfig
from deltaprop.network import Workspace, loss_and_grad
from deltaprop.train import train

BIG = (100, 256, 256, 1)  # W2's network: a step of 256 columns is above SMALL_STEP_FLOPS
SMALL = (10, 64, 64, 1)  # W1's


def test_step_flops_counts_six_per_weight_and_sample():
    # weights 10·64 + 64·64 + 64·1 = 4800; 6 × 4800 × 200
    assert speed.step_flops(SMALL, 200) == 6 * 4800 * 200
    assert speed.step_flops(SMALL, 200) < speed.SMALL_STEP_FLOPS < speed.step_flops(BIG, 256)


@pytest.mark.parametrize(
    "sizes, m, base, others, n_cpus, expected",
    [
        (SMALL, 200, 2, 0.0, 2, 1),  # small: 1 thread even on an idle machine
        (BIG, 256, 2, 0.0, 2, 2),  # big, idle: all of NumPy's threads
        (BIG, 256, 2, 0.4, 2, 2),  # a little other work: still room
        (BIG, 256, 2, 1.0, 2, 1),  # one busy process on 2 cores: 1 thread
        (BIG, 256, 4, 1.0, 8, 4),  # one busy process on 8 cores: room for 4
        (BIG, 256, 2, None, 2, 1),  # the load not known yet: 1
        (BIG, 256, 1, 0.0, 2, 1),  # NumPy set to 1 thread: never more
    ],
)
def test_threads_for_each_case(sizes, m, base, others, n_cpus, expected):
    flops = speed.step_flops(sizes, m)
    assert speed.threads_for(flops, base, others, n_cpus) == expected


def test_other_load_from_idle_time(monkeypatch):
    """Busy CPUs minus this process's own CPU time: an idle machine is 0, CPUs never idle
    while this process sleeps are the other processes' work."""
    monkeypatch.setattr(speed.OtherLoad, "WINDOW", 0.02)
    idle = speed.OtherLoad(lambda: (2 * time.perf_counter(), 2))  # both CPUs idle throughout
    assert idle.cores() is None  # no window has ended yet
    time.sleep(0.03)
    assert idle.cores() == 0.0
    busy = speed.OtherLoad(lambda: (0.0, 2))  # never idle
    time.sleep(0.05)  # this process sleeps: its CPU time hardly grows
    assert 1.5 < busy.cores() <= 2.0


def test_proc_stat_idle_reads_the_cpus_of_this_process():
    try:
        idle, n_cpus = speed.proc_stat_idle()
    except OSError:
        pytest.skip("no /proc/stat here")
    assert n_cpus >= 1 and idle > 0


@pytest.fixture
def two_threads():
    if speed.numpy_blas() is None:
        pytest.skip("NumPy's BLAS is not an OpenBLAS that threadpoolctl controls")
    with threadpool_limits(limits=2, user_api="blas"):
        yield speed.numpy_blas()


class FakeLoad:
    def __init__(self, others):
        self.others, self.last = others, (0.0, 0.0, 0.0, 2)

    def cores(self):
        return self.others


@pytest.mark.parametrize("others, big_threads", [(0.0, 2), (1.0, 1)])
def test_a_pass_runs_with_the_chosen_count(two_threads, monkeypatch, rng, others, big_threads):
    monkeypatch.setattr(speed, "other_load", lambda: FakeLoad(others))
    seen = {}
    for sizes, m in ((BIG, 256), (SMALL, 200)):
        net = Network(sizes, "relu", rng=rng)
        X, Y = rng.standard_normal((sizes[0], m)), rng.standard_normal((1, m))
        with speed.blas_threads_held():
            loss_and_grad(net, X, Y, workspace=Workspace(net, m))
            seen[sizes] = two_threads.current  # the count the pass set, kept by the hold
        assert two_threads.current == 2  # restored after the hold
    assert seen == {BIG: big_threads, SMALL: 1}


def test_count_restored_after_a_pass_outside_a_hold(two_threads, rng):
    net = Network(SMALL, "tanh", rng=rng)
    X, Y = rng.standard_normal((10, 50)), rng.standard_normal((1, 50))
    loss_and_grad(net, X, Y)
    assert two_threads.current == 2
    assert two_threads.base() == 2


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-10), (np.float32, 2e-4)])
def test_training_the_same_whatever_the_count(two_threads, rng, dtype, rtol):
    """The policy, 1 thread and 2 threads give the same fit (within rounding: in float32 the
    thread count may change the last bits)."""
    X = rng.standard_normal((100, 512)).astype(dtype)
    Y = np.tanh(X[:3].sum(axis=0, keepdims=True))
    start = Network(BIG, "relu", rng=rng, dtype=dtype).params
    config = TrainConfig(
        solver="sgd", batch_size=256, max_iter=3, learning_rate_init=1e-2, momentum=0.0, tol=0.0
    )
    fits = []
    for limit in ("policy", 1, 2):
        net = Network(BIG, "relu", dtype=dtype, params=start)
        with speed.blas_threads_as_set() if limit != "policy" else contextlib.nullcontext():
            with threadpool_limits(limits=2 if limit == "policy" else limit, user_api="blas"):
                train(net, X, Y, config, rng=np.random.default_rng(0))
        fits.append(net.params.copy())
    for fit in fits[1:]:
        np.testing.assert_allclose(fit, fits[0], rtol=rtol, atol=rtol * 1e-2)
    assert not np.allclose(fits[0], start)  # it trained


def test_numpy_blas_found_by_its_path_is_numpys(two_threads):
    """NumPy's wheel's OpenBLAS, found by path (no scan of every loaded library), is the one
    threadpoolctl reports as NumPy's."""
    from threadpoolctl import threadpool_info

    found = speed.bundled_openblas()
    if found is None:
        pytest.skip("this NumPy brings no OpenBLAS of its own")

    def numpys():
        return [i["num_threads"] for i in threadpool_info() if "numpy" in i["filepath"]]

    found.use(1)
    try:
        assert numpys() == [1]
    finally:
        found.use(2)
    assert numpys() == [2]
