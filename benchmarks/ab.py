"""Before/after: deltaprop at a git revision against the working tree (or a second revision),
interleaved in one run.

    python benchmarks/ab.py [--base main] [--head REV] [--rounds 5] [--quick] [--workloads W1,W3]
                            [--solvers sgd,adam,lbfgs] [--dtypes float64,float32] [--cpu]

The revisions' ``src/`` and ``benchmarks/`` are exported (``git archive``) to a temporary
folder. Each round runs one fresh process per tree, the tree that goes first alternating, and
each process times every case once for "deltaprop core" and "deltaprop estimator" with that
tree's own ``peers.py`` (after a warm-up). A shared machine's drifts thus hit both trees alike.
Prints, per case, the median time per epoch (or L-BFGS iteration) of each tree and their ratio
after / before (< 1: the working tree is faster). With ``--cpu`` every process runs with one
BLAS thread and times the process's CPU time, which other processes on a busy machine do not
inflate (a descheduled second BLAS thread makes wall times swing 2–10×).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
IMPLS = ("deltaprop core", "deltaprop estimator")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", default="main", help="the git revision to compare with")
    p.add_argument("--head", help="the git revision timed as 'after' (default: the working tree)")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--quick", action="store_true", help="the smaller workloads of run.py --quick")
    p.add_argument("--workloads", default="W1,W2,W3,W4")
    p.add_argument("--solvers", default="sgd,adam,lbfgs")
    p.add_argument("--dtypes", default="float64,float32")
    p.add_argument(
        "--cpu",
        action="store_true",
        help="one BLAS thread and the process's CPU time: what a busy machine does not inflate",
    )
    p.add_argument("--child", help=argparse.SUPPRESS)  # internal: time the tree in this folder
    return p.parse_args(argv)


def child(args):
    """Time every case once with the tree in ``args.child``; print JSON {case: {impl: ms}}."""
    tree = Path(args.child)
    sys.path[:0] = [str(tree / "src"), str(tree / "benchmarks")]
    import numpy as np

    import deltaprop
    from deltaprop import Network
    from peers import IMPLEMENTATIONS
    from workloads import WORKLOADS, make_data, quick

    times = {}
    for name in args.workloads.split(","):
        w = quick(WORKLOADS[name]) if args.quick else WORKLOADS[name]
        for dtype in args.dtypes.split(","):
            X, y = make_data(w, dtype)
            params0 = Network(w.sizes, w.activation, rng=np.random.default_rng(1), dtype=dtype)
            for solver in args.solvers.split(","):
                units = w.lbfgs_iters if solver == "lbfgs" else w.epochs
                case = times.setdefault(f"{name} {dtype} {solver}", {})
                for impl in IMPLS:
                    run = IMPLEMENTATIONS[impl]
                    warm = min(w.m, 4 * w.batch_size)
                    run(w, X[:warm], y[:warm], params0.params, solver, 1, 0)  # warm-up
                    cpu = time.process_time()
                    seconds, done, _ = run(w, X, y, params0.params, solver, units, 0)
                    seconds = time.process_time() - cpu if args.cpu else seconds
                    case[impl] = 1e3 * seconds / max(done, 1)
    print(f"timed {deltaprop.__file__}", file=sys.stderr)
    print(json.dumps(times))
    return 0


def export(revision, folder):
    """``src/`` and ``benchmarks/`` of ``revision`` into ``folder`` (made here)."""
    folder.mkdir()
    archive = subprocess.run(
        ["git", "archive", revision, "src", "benchmarks"],
        cwd=HERE.parent,
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.child:
        return child(args)
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"before": Path(tmp) / "before", "after": Path(tmp) / "after"}
        export(args.base, trees["before"])
        if args.head:
            export(args.head, trees["after"])
        else:
            trees["after"] = HERE.parent
        runs = {label: [] for label in trees}
        for r in range(args.rounds):
            for label in list(trees)[r % 2 :] + list(trees)[: r % 2]:
                cmd = [sys.executable, str(HERE / "ab.py"), *argv, "--child", str(trees[label])]
                env = os.environ | ({"OPENBLAS_NUM_THREADS": "1"} if args.cpu else {})
                out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
                out = out.stdout
                runs[label].append(json.loads(out.splitlines()[-1]))
                print(f"round {r + 1}/{args.rounds}: {label} done", file=sys.stderr, flush=True)
    clock = "CPU ms, 1 BLAS thread" if args.cpu else "ms"
    print(f"| case | implementation | before {clock} | after | after / before ({args.base}) |")
    print("|---|---|---|---|---|")
    for case in runs["before"][0]:
        for impl in IMPLS:
            before, after = (
                statistics.median(run[case][impl] for run in runs[label])
                for label in ("before", "after")
            )
            print(f"| {case} | {impl} | {before:.3g} | {after:.3g} | {after / before:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
