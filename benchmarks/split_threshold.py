"""Element-wise work in two halves on two threads (``deltaprop.speed.in_halves``): where it
pays. Run it on an otherwise idle machine: the second half needs a free CPU.

    python benchmarks/split_threshold.py [--rounds 15] [--dtype float64]

For φ and φ' of tanh and relu on arrays of n_l × m values, times one piece against two halves
(wall time, the two alternated, best and median of ``--rounds`` rounds of many calls) and
prints the smallest size from which the halves are faster for every larger size: the
break-even that ``SPLIT_MIN_VALUES`` is set from. Then one training step of W1 and W3 with
the split forced on and off (µs, median). Prints the load average before and after.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deltaprop import Grad, Network, get_activation, get_loss  # noqa: E402
from deltaprop import network as network_module  # noqa: E402
from deltaprop.network import Workspace, loss_and_grad_unchecked  # noqa: E402
from deltaprop.speed import in_halves, in_one_piece  # noqa: E402

SIZES = [(32, m) for m in (64, 128, 256, 512, 1024, 2048, 4096, 8192)]


def timed(fn, number, rounds):
    """Per-call µs of ``number`` calls: a list of ``rounds`` figures."""
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        out.append(1e6 * (time.perf_counter() - start) / number)
    return out


def compare(f, args, out, rounds):
    """(one piece, halves): lists of µs per call, alternated round by round."""
    number = max(5, 200_000 // out.size)
    f(*args, out=out)  # warm-up (and the helper thread started)
    in_halves(f, *args, out=out)
    one, two = [], []
    for _ in range(rounds):
        one += timed(lambda: in_one_piece(f, *args, out=out), number, 1)
        two += timed(lambda: in_halves(f, *args, out=out), number, 1)
    return one, two


def break_even(rows):
    """The smallest size from which the halves' median is below one piece's for every larger
    size (None if never)."""
    best = None
    for values, one, two in reversed(rows):
        if statistics.median(two) >= statistics.median(one):
            break
        best = values
    return best


def functions(dtype, rng):
    for name in ("tanh", "relu"):
        act = get_activation(name)
        yield f"{name} φ", act.phi, lambda z, a: (z,)
        yield f"{name} φ'", act.dphi, lambda z, a: (z, a)


def sizes_table(dtype, rounds):
    rng = np.random.default_rng(0)
    for label, f, args_of in functions(dtype, rng):
        rows = []
        print(f"\n{label} ({dtype}): µs per call, best / median of {rounds}")
        print("| n_l × m | values | one piece | two halves | halves / one |")
        print("|---|---|---|---|---|")
        for n, m in SIZES:
            z = rng.standard_normal((n, m)).astype(dtype)
            a, out = np.tanh(z), np.empty_like(z)
            one, two = compare(f, args_of(z, a), out, rounds)
            rows.append((z.size, one, two))
            ratio = statistics.median(two) / statistics.median(one)
            print(
                f"| {n} × {m} | {z.size} | {min(one):.1f} / {statistics.median(one):.1f} "
                f"| {min(two):.1f} / {statistics.median(two):.1f} | {ratio:.2f} |"
            )
        print(f"break-even ({label}): {break_even(rows)} values")


def step_times(name, dtype, rounds):
    """Median µs of one ``name`` step (as ``deltaprop.train``): (one piece, halves forced)."""
    from workloads import WORKLOADS, make_data

    w = WORKLOADS[name]
    X, y = make_data(w, dtype)
    net = Network(w.sizes, w.activation, rng=np.random.default_rng(1), dtype=dtype)
    b = w.batch_size
    X_b, Y_b = np.ascontiguousarray(X[:b]).T, y[None, :b].copy()
    ws, grad, loss = Workspace(net, b), Grad.zeros_like(net), get_loss("squared")
    times, idle = {False: [], True: []}, network_module.cpu_idle
    try:
        for _ in range(rounds):
            for forced in (False, True):
                network_module.cpu_idle = lambda forced=forced: forced
                step = lambda: loss_and_grad_unchecked(net, X_b, Y_b, 0.0, loss, grad, ws)  # noqa: E731
                times[forced] += timed(step, max(5, 20_000 // b), 1)
    finally:
        network_module.cpu_idle = idle
    return statistics.median(times[False]), statistics.median(times[True])


def step_table(dtype, rounds):
    print(f"\nOne training step ({dtype}, 1 BLAS thread per the policy), µs, median of {rounds}")
    print("| workload | one piece | halves where big enough | halves / one |")
    print("|---|---|---|---|")
    for name in ("W1", "W3"):
        one, two = step_times(name, dtype, rounds)
        print(f"| {name} | {one:.1f} | {two:.1f} | {two / one:.2f} |")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--dtype", default="float64")
    args = p.parse_args(argv)
    print(f"load average before: {os.getloadavg()}")
    sizes_table(args.dtype, args.rounds)
    step_table(args.dtype, args.rounds)
    print(f"\nload average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
