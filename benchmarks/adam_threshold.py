"""When the compiled Adam kernel pays: its one-off cost against its per-update saving.

The one-off cost is importing Numba and loading the cached kernel, timed in fresh processes
(the cache is warm after the first). The saving is NumPy's ``adam_update`` minus the kernel,
per update and parameter, alternated in one process. Their ratio is the break-even work
(parameters × updates) behind ``deltaprop.optim.COMPILED_ADAM_MIN_WORK``.

    python benchmarks/adam_threshold.py
"""

import statistics
import subprocess
import sys
import time

import numpy as np

from deltaprop.optim import Adam

ONE_OFF = """
import time
t = time.perf_counter()
import numpy as np
from deltaprop.speed import adam_kernel
kernel = adam_kernel()
kernel(np.zeros(8), np.ones(8), np.zeros(8), np.zeros(8), 1e-3, 0.9, 0.999, 1e-8)
print(time.perf_counter() - t)
"""
BASELINE = ONE_OFF.replace("from deltaprop.speed import adam_kernel", "import deltaprop")
BASELINE = BASELINE.split("kernel = ")[0] + "print(time.perf_counter() - t)\n"


def fresh_process_seconds(code, repeats=5):
    return [float(subprocess.check_output([sys.executable, "-c", code])) for _ in range(repeats)]


def per_update_seconds(n_params, repeats=7):
    """Best-of-``repeats`` seconds per update, NumPy and kernel, alternated."""
    grad = np.random.default_rng(0).standard_normal(n_params)
    best = {False: np.inf, True: np.inf}
    n = max(3, int(2e7 // n_params))
    for _ in range(repeats):
        for compiled in (False, True):
            opt, theta = Adam(1e-3, compiled=compiled), np.zeros(n_params)
            opt.step(theta, grad)
            start = time.perf_counter()
            for _ in range(n):
                opt.step(theta, grad)
            best[compiled] = min(best[compiled], (time.perf_counter() - start) / n)
    return best[False], best[True]


def main():
    fresh_process_seconds(ONE_OFF, 1)  # warm the cache
    with_kernel = statistics.median(fresh_process_seconds(ONE_OFF))
    without = statistics.median(fresh_process_seconds(BASELINE))
    one_off = with_kernel - without
    print(f"one-off cost (import Numba, load the cached kernel): {one_off:.3f} s")
    print("| parameters | NumPy µs/update | kernel µs/update | saving ns/param/update |")
    print("|---|---|---|---|")
    savings = []
    for n_params in (10**4, 10**5, 10**6, 4 * 10**6):
        numpy_s, kernel_s = per_update_seconds(n_params)
        savings.append((numpy_s - kernel_s) / n_params)
        print(
            f"| {n_params:,} | {numpy_s * 1e6:.1f} | {kernel_s * 1e6:.1f} | "
            f"{savings[-1] * 1e9:.2f} |"
        )
    print(f"break-even work = one-off / saving ≈ {one_off / min(savings):.2g} parameter updates")


if __name__ == "__main__":
    main()
