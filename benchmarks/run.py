"""deltaprop's benchmark suite: deltaprop vs scikit-learn's MLPRegressor and PyTorch on the CPU.

    python benchmarks/run.py [--quick] [--workloads W1,W3] [--solvers sgd,adam] [--dtypes float32]
                             [--env set|unset|both] [--no-memory]

OpenBLAS reads OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE when it loads, so the suite runs itself
in a subprocess once with the environment as set and once with both variables removed (the
environment of this command only). Then peak memory is measured, one fresh process per case.
Prints Markdown tables; writes ``results/bench.json``, ``results/bench.md`` and
``results/bench.png`` next to this file.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small data, few repeats (iteration)")
    p.add_argument("--workloads", default="W1,W2,W3,W4")
    p.add_argument("--solvers", default="sgd,adam,lbfgs")
    p.add_argument("--dtypes", default="float64,float32")
    p.add_argument("--impls", default=None, help="comma-separated subset of implementations")
    p.add_argument("--env", choices=("set", "unset", "both"), default="both")
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory processes")
    p.add_argument("--out", type=Path, default=HERE / "results")
    p.add_argument("--child", help=argparse.SUPPRESS)  # internal: run one pass, write JSON here
    return p.parse_args(argv)


def selected_workloads(args):
    from workloads import WORKLOADS, quick

    chosen = [WORKLOADS[name] for name in args.workloads.split(",")]
    return [quick(w) for w in chosen] if args.quick else chosen


def child(args):
    """One pass of the suite in this process's environment; writes JSON to ``args.child``."""
    from peers import available
    from suite import run_suite

    impls = available()
    if args.impls:
        impls = [n for n in impls if n in args.impls.split(",")]
    result = run_suite(
        selected_workloads(args),
        impls,
        args.solvers.split(","),
        args.dtypes.split(","),
        log=lambda s: print(s, flush=True),
    )
    result["environment"] = {v: os.environ.get(v, "(unset)") for v in OPENBLAS_VARS}
    Path(args.child).write_text(json.dumps(result, indent=1))
    return 0


def run_pass(label, argv, out):
    """Run the suite in a subprocess: ``label`` "set" keeps the OpenBLAS variables, "unset"
    removes both from that subprocess's environment."""
    env = dict(os.environ)
    if label == "unset":
        for v in OPENBLAS_VARS:
            env.pop(v, None)
    shown = {v: env.get(v, "(unset)") for v in OPENBLAS_VARS}
    print(f"\n== pass with OpenBLAS variables {label}: {shown}", flush=True)
    path = out / f"pass_{label}.json"
    cmd = [sys.executable, str(HERE / "run.py"), *argv, "--child", str(path)]
    subprocess.run(cmd, env=env, check=True)
    return json.loads(path.read_text())


def measure_memory(result, quick):
    """Peak memory of one sgd epoch per (workload, dtype, implementation), each in a fresh
    process."""
    memory = {}
    for case in result["cases"]:
        if case["solver"] != "sgd":
            continue
        for name in case["results"]:
            cmd = [sys.executable, str(HERE / "memory.py"), case["workload"], case["dtype"], name]
            out = subprocess.run(
                cmd + (["--quick"] if quick else []), capture_output=True, text=True, check=True
            )
            memory[f"{case['workload']} {case['dtype']} {name}"] = json.loads(out.stdout)
    return memory


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.child:
        return child(args)
    from report import bar_chart, markdown_table, targets_table

    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    labels = ("set", "unset") if args.env == "both" else (args.env,)
    runs = {label: run_pass(label, argv, args.out) for label in labels}
    memory = {} if args.no_memory else measure_memory(next(iter(runs.values())), args.quick)
    report = []
    for label, result in runs.items():
        env = result["environment"]
        blas = "; ".join(
            f"{b['internal_api']} {b['version']} kernel {b['architecture']}, "
            f"{b['num_threads']} threads"
            for b in result["blas"]
        )
        peak = ", ".join(f"{dt} {g:.0f}" for dt, g in result["peak_gflops"].items())
        report += [
            f"\n## OpenBLAS variables {label}: {env}",
            f"\nBLAS: {blas}. GEMM peak (2048³ matmul, GFLOP/s): {peak}. "
            f"Cores: {result['cores']}; numpy {result['numpy']}; PyTorch {result['torch']}.\n",
            markdown_table(result, memory),
            "",
            targets_table(result, "deltaprop core"),
            "",
            targets_table(result, "deltaprop estimator"),
        ]
    report.append(
        f"\nPeak memory: one sgd epoch in a fresh process (as set); tracemalloc peak "
        f"for the NumPy-based rows, peak RSS growth for PyTorch. Total time "
        f"{time.perf_counter() - start:.0f} s."
    )
    text = "\n".join(report)
    print(text)
    (args.out / "bench.md").write_text(text + "\n")
    (args.out / "bench.json").write_text(json.dumps({"runs": runs, "memory": memory}, indent=1))
    bar_chart(runs, args.out / "bench.png")
    print(f"\nwrote {args.out / 'bench.json'}, bench.md, bench.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
