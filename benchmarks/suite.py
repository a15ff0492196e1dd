"""One pass of the suite in this process: GEMM peak, BLAS info, every (workload, dtype, solver).

Implementations are alternated within each repeat (the starting one rotates), so slow drifts of
a shared machine hit all of them alike. Times are per epoch (sgd, adam) or per L-BFGS iteration.
"""

import platform
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_info

from deltaprop import Network
from peers import IMPLEMENTATIONS, torch

SOLVERS = ("sgd", "adam", "lbfgs")
# Pause before each timed run: PyTorch's OpenMP threads (and OpenBLAS's) keep spinning for a
# while after a call and slowed whatever ran next by ~30 % (W3, 20 ms runs); 50 ms lets them
# sleep (measured: 0.26 → 0.20 ms/epoch for deltaprop right after PyTorch).
SETTLE_S = 0.05
DTYPES = ("float64", "float32")


def gemm_peak(dtype, n=2048, repeats=5):
    """Best GFLOP/s of an n × n × n matmul: the machine's GEMM peak for ``dtype`` right now."""
    rng = np.random.default_rng(0)
    A, B = rng.random((n, n)).astype(dtype), rng.random((n, n)).astype(dtype)
    C = np.empty((n, n), dtype=dtype)
    np.matmul(A, B, out=C)  # warm-up
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        np.matmul(A, B, out=C)
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9


def blas_info():
    """The BLAS libraries NumPy (and SciPy) load, with the kernel OpenBLAS chose."""
    import scipy.linalg  # noqa: F401  (loads SciPy's BLAS too)

    keys = ("internal_api", "version", "architecture", "num_threads", "prefix")
    return [{k: lib.get(k) for k in keys} for lib in threadpool_info() if lib["user_api"] == "blas"]


def half_squared_error(predict, X, y):
    """J = (1/2m) Σ_i (a^(L)(x^(i)) − y^(i))², in float64 whatever the model's dtype."""
    r = np.asarray(predict(X), dtype=np.float64) - y.astype(np.float64)
    return 0.5 * float(np.mean(r * r))


def run_case(w, X, y, params0, solver, impls, seed=0):
    """Time each implementation ``w.repeats`` times, alternating; return per-impl results."""
    units = w.lbfgs_iters if solver == "lbfgs" else w.epochs
    warm = min(w.m, 4 * w.batch_size)
    for name in impls:  # warm-up on a slice: imports, thread pools, first allocations
        IMPLEMENTATIONS[name](w, X[:warm], y[:warm], params0, solver, 1, seed)
    ms, losses, done = {n: [] for n in impls}, {}, {}
    for r in range(w.repeats):
        for name in impls[r % len(impls) :] + impls[: r % len(impls)]:
            time.sleep(SETTLE_S)
            seconds, units_done, predict = IMPLEMENTATIONS[name](
                w, X, y, params0, solver, units, seed
            )
            ms[name].append(1e3 * seconds / max(units_done, 1))
            losses[name], done[name] = half_squared_error(predict, X, y), units_done
    return {
        name: {
            "ms": ms[name],
            "median_ms": statistics.median(ms[name]),
            "min_ms": min(ms[name]),
            "max_ms": max(ms[name]),
            "units": done[name],
            "final_loss": losses[name],
        }
        for name in impls
    }


def run_suite(workloads, impls, solvers=SOLVERS, dtypes=DTYPES, log=print):
    """Every case of the suite; returns a JSON-ready dict."""
    from workloads import make_data

    if torch is not None:
        torch.set_num_threads(len(__import__("os").sched_getaffinity(0)))
    result = {
        "blas": blas_info(),
        "machine": platform.processor() or platform.machine(),
        "cores": len(__import__("os").sched_getaffinity(0)),
        "numpy": np.__version__,
        "torch": None if torch is None else torch.__version__,
        "peak_gflops": {dt: gemm_peak(dt) for dt in dtypes},
        "cases": [],
    }
    log(f"GEMM peak GFLOP/s: {result['peak_gflops']}; BLAS {result['blas']}")
    for w in workloads:
        for dt in dtypes:
            X, y = make_data(w, dt)
            params0 = Network(w.sizes, w.activation, rng=np.random.default_rng(1), dtype=dt).params
            for solver in solvers:
                start = time.perf_counter()
                impl_results = run_case(w, X, y, params0, solver, impls)
                result["cases"].append(
                    {
                        "workload": w.name,
                        "sizes": list(w.sizes),
                        "activation": w.activation,
                        "m": w.m,
                        "batch": w.batch_size,
                        "dtype": dt,
                        "solver": solver,
                        "units_per_repeat": w.lbfgs_iters if solver == "lbfgs" else w.epochs,
                        "repeats": w.repeats,
                        "gflop_per_epoch": w.gflop_per_epoch(),
                        "results": impl_results,
                    }
                )
                medians = ", ".join(f"{n} {r['median_ms']:.3g}" for n, r in impl_results.items())
                log(f"  {w.name} {dt} {solver}: {medians} ms ({time.perf_counter() - start:.0f} s)")
    return result
