"""Peak memory of one training epoch (sgd) of one implementation, in a fresh process.

    python benchmarks/memory.py W1 float64 "deltaprop core" [--quick]

prints one JSON line: ``data_mb`` (X and y), ``peak_mb`` and ``method``. For the NumPy-based
implementations ``peak_mb`` is the peak of memory allocated during the training call beyond
what was allocated before it (``tracemalloc``, which sees every NumPy array); for PyTorch,
whose allocator tracemalloc does not see, it is the growth of the process's peak resident set
(Linux ``VmHWM``, reset just before training) over its size before (null off Linux).
"""

import gc
import json
import sys
import tracemalloc

import numpy as np

from deltaprop import Network
from peers import IMPLEMENTATIONS
from workloads import WORKLOADS, make_data, quick


def status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def reset_peak():
    """Reset the kernel's peak-RSS counter of this process (Linux >= 4.0)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def traced_peak_mb(train):
    """Peak NumPy/Python allocation during ``train()`` beyond what was allocated before."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        train()
        return (tracemalloc.get_traced_memory()[1] - base) / 2**20
    finally:
        tracemalloc.stop()


def rss_peak_mb(train):
    """Growth of the peak resident set during ``train()`` (Linux), or None."""
    try:
        base = status_kb("VmRSS")
        reset_peak()
    except OSError:  # no /proc: not Linux
        return None
    train()
    return (status_kb("VmHWM") - base) / 2**10


def measure(w, dtype, impl, solver="sgd"):
    X, y = make_data(w, dtype)
    params0 = Network(w.sizes, w.activation, rng=np.random.default_rng(1), dtype=dtype).params
    warm = min(w.m, 2 * w.batch_size)
    IMPLEMENTATIONS[impl](w, X[:warm], y[:warm], params0, solver, 1, 0)  # imports, pools
    gc.collect()

    def train():
        IMPLEMENTATIONS[impl](w, X, y, params0, solver, 1, 0)

    torch = impl == "PyTorch"
    peak = rss_peak_mb(train) if torch else traced_peak_mb(train)
    return {
        "data_mb": (X.nbytes + y.nbytes) / 2**20,
        "peak_mb": peak,
        "method": "peak RSS growth" if torch else "tracemalloc peak",
    }


def main(argv):
    name, dtype, impl = argv[:3]
    w = quick(WORKLOADS[name]) if "--quick" in argv else WORKLOADS[name]
    print(json.dumps(measure(w, dtype, impl)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
