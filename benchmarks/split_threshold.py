"""Element-wise work in two halves on two threads (``deltaprop.speed.in_halves``): where it
pays. Run it on an otherwise idle machine: the second half needs a free CPU.

    python benchmarks/split_threshold.py [--rounds 15] [--dtype float64]

For φ and φ' of tanh and relu on arrays of n_l × m values, times one piece against two halves
(wall time, the two alternated, best and median of ``--rounds`` rounds of many calls) and
prints the smallest size from which the halves are faster for every larger size: the
break-even that ``SPLIT_MIN_VALUES`` is set from. Then whole passes with φ in halves forced
on and off (µs, median): W1's forward pass over 4 096 columns, a W3 step. Prints the load
average before and after.
"""

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from threadpoolctl import threadpool_limits  # noqa: E402

from deltaprop import Grad, Network, get_activation, get_loss  # noqa: E402
from deltaprop import network as network_module  # noqa: E402
from deltaprop.network import Workspace, forward, loss_and_grad_unchecked  # noqa: E402
from deltaprop.speed import blas_threads_as_set, in_halves, in_one_piece  # noqa: E402

SIZES = [(32, m) for m in (256, 1024, 4096, 8192, 16384, 32768)]


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


def pass_times(name, m, whole_step, dtype, rounds):
    """Median µs of one pass of ``name`` over m columns, φ in halves forced off and on:
    (one piece, halves); the forward pass alone unless ``whole_step`` (J and ∇J)."""
    from workloads import WORKLOADS, make_data

    w = WORKLOADS[name]
    X, y = make_data(replace(w, m=max(m, w.m)), dtype)
    net = Network(w.sizes, w.activation, rng=np.random.default_rng(1), dtype=dtype)
    X_b, Y_b = np.ascontiguousarray(X[:m]).T, y[None, :m].copy()
    ws, grad, loss = Workspace(net, m), Grad.zeros_like(net), get_loss("squared")

    def one_pass():
        if whole_step:
            loss_and_grad_unchecked(net, X_b, Y_b, 0.0, loss, grad, ws)
        else:
            forward(net, X_b, ws)

    times, idle = {False: [], True: []}, network_module.cpu_idle
    try:
        for _ in range(rounds):
            for forced in (False, True):
                network_module.cpu_idle = lambda forced=forced: forced
                times[forced] += timed(one_pass, max(5, 20_000 // m), 1)
    finally:
        network_module.cpu_idle = idle
    return statistics.median(times[False]), statistics.median(times[True])


def pass_table(dtype, rounds):
    print(f"\nWhole passes ({dtype}, 1 BLAS thread), µs, median of {rounds}")
    print("| pass | one piece | φ in halves where big enough | halves / one |")
    print("|---|---|---|---|")
    cases = [
        ("W1 forward over 4 096 columns (a chunk of the final-loss pass)", "W1", 4096, False),
        ("W3 step (2 000 columns)", "W3", 2000, True),
    ]
    with threadpool_limits(limits=1, user_api="blas"), blas_threads_as_set():
        for label, name, m, whole_step in cases:
            one, two = pass_times(name, m, whole_step, dtype, rounds)
            print(f"| {label} | {one:.1f} | {two:.1f} | {two / one:.2f} |")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--dtype", default="float64")
    args = p.parse_args(argv)
    print(f"load average before: {os.getloadavg()}")
    sizes_table(args.dtype, args.rounds)
    pass_table(args.dtype, args.rounds)
    print(f"\nload average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
