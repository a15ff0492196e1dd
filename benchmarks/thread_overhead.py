"""Where W2's step loses time with two BLAS threads: the step against its parts, 1 and 2 threads.

    python benchmarks/thread_overhead.py [--dtype float64] [--rounds 9] [--workload W2]
                                         [--threads 1,2] [--cpu]

``floors.py`` finds W2's step (2 threads) well above its GEMMs and element-wise passes timed
each alone. This splits that "overhead", timing in wall time, with 1 and then 2 threads
(alternated rounds, median; ``--cpu``: the process's CPU time, for 1 thread on a busy
machine, where wall time swings): the step as the core loop runs it (``Step.run``); the same NumPy
calls bare (``Step.bare``); the step's GEMMs one after the other with nothing between them;
its element-wise passes one after the other; each GEMM alone, in a loop of its own. Then

- step − bare: deltaprop's own Python;
- GEMMs in a row − Σ GEMMs alone: what a GEMM loses when it follows another GEMM rather
  than itself (operands not in cache, the threads' hand-over between shapes);
- bare − (GEMMs in a row + element-wise in a row): what GEMMs and element-wise passes lose by
  alternating: with 2 threads, the BLAS's second thread waits (spins, then sleeps) through each
  single-threaded pass and must be woken for the next GEMM, and the data a pass wrote on one
  core is read by the other core's half of the GEMM.
"""

import argparse
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_limits

from deltaprop.speed import blas_threads_as_set
from floors import Step
from workloads import WORKLOADS


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workload", default="W2")
    p.add_argument("--dtype", default="float64")
    p.add_argument("--rounds", type=int, default=9)
    p.add_argument("--threads", default="1,2", help="the BLAS thread counts to compare")
    p.add_argument("--cpu", action="store_true", help="time the process's CPU time")
    args = p.parse_args(argv)
    threads = [int(n) for n in args.threads.split(",")]
    clock = time.process_time if args.cpu else time.perf_counter
    s = Step(WORKLOADS[args.workload], args.dtype)
    items = parts(s)
    med = timed(items, args.rounds, threads, clock)
    what = "CPU" if args.cpu else "wall"
    print(f"{args.workload} {args.dtype}: {what} µs per call, median of {args.rounds} rounds\n")
    print("| | " + " | ".join(f"{n} thread(s)" for n in threads) + " |")
    print("|---|" + "---|" * len(threads))
    for k in items:
        print(f"| {k} | " + " | ".join(f"{med[k, n]:.0f}" for n in threads) + " |")
    print("| **split** |" + " |" * len(threads))
    for label, fn in split().items():
        print(f"| {label} | " + " | ".join(f"{fn(med, n):.0f}" for n in threads) + " |")
    return 0


def parts(s):
    """{label: function}: the step, bare, GEMMs in a row, element-wise in a row, each GEMM."""
    gemms = s.gemms()
    passes = [fn for label, fn in s.elementwise() if not label.startswith("shuffle")]

    def gemms_in_a_row():
        for _, _, A, B, C in gemms:
            np.matmul(A, B, out=C)

    def elementwise_in_a_row():
        for fn in passes:
            fn()

    items = {"step": s.run, "bare": s.bare, "GEMMs in a row": gemms_in_a_row}
    items["element-wise in a row"] = elementwise_in_a_row
    for label, _, A, B, C in gemms:
        items[f"GEMM {label}"] = lambda A=A, B=B, C=C: np.matmul(A, B, out=C)
    return items


def timed(items, rounds, threads, clock, calls=20):
    """{(label, threads): median µs on ``clock``}: each round times every item with each
    thread count, the order of the counts alternating from round to round."""
    times = {(k, n): [] for k in items for n in threads}
    with blas_threads_as_set():
        for r in range(rounds):
            for n in threads if r % 2 else threads[::-1]:
                with threadpool_limits(n, user_api="blas"):
                    for k, fn in items.items():
                        fn()
                        start = clock()
                        for _ in range(calls):
                            fn()
                        times[k, n].append(1e6 * (clock() - start) / calls)
    return {key: statistics.median(t) for key, t in times.items()}


def split():
    def gemms_alone(med, n):
        return sum(us for (k, m), us in med.items() if m == n and k.startswith("GEMM "))

    return {
        "Σ GEMMs alone": gemms_alone,
        "deltaprop's Python (step − bare)": lambda med, n: med["step", n] - med["bare", n],
        "GEMMs in a row − Σ alone": lambda med, n: med["GEMMs in a row", n] - gemms_alone(med, n),
        "alternating (bare − GEMMs in a row − element-wise in a row)": lambda med, n: (
            med["bare", n] - med["GEMMs in a row", n] - med["element-wise in a row", n]
        ),
    }


if __name__ == "__main__":
    raise SystemExit(main())
