"""The suite's results as a Markdown table, the issue's targets checked, and a bar chart."""

DELTAPROP = ("deltaprop core", "deltaprop estimator")
PEERS = ("scikit-learn", "PyTorch")


def _fmt(x, digits=3):
    return "—" if x is None else f"{x:.{digits}g}"


def ratio(case, name, peer):
    """How many times faster ``name`` is than ``peer`` (median over median), or None."""
    r = case["results"]
    if name not in r or peer not in r:
        return None
    return r[peer]["median_ms"] / r[name]["median_ms"]


def gflops(case, name):
    if case["solver"] == "lbfgs":
        return None  # an iteration may evaluate J and ∇J more than once
    return case["gflop_per_epoch"] / (case["results"][name]["median_ms"] / 1e3)


def markdown_table(result, memory=None):
    """One row per (workload, dtype, solver, implementation)."""
    memory = memory or {}
    head = (
        "| workload | dtype | solver | implementation | ms/epoch median [min–max] | GFLOP/s "
        "| % GEMM peak | × sklearn | × PyTorch | final J | peak MB (data MB) |"
    )
    lines = [head, "|" + "---|" * 11]
    for case in result["cases"]:
        peak = result["peak_gflops"][case["dtype"]]
        for name, r in case["results"].items():
            g = gflops(case, name)
            mem = memory.get(f"{case['workload']} {case['dtype']} {name}")
            mem_text = (
                "—"
                if not mem or mem["peak_mb"] is None
                else (f"{mem['peak_mb']:.0f} ({mem['data_mb']:.0f})")
            )
            unit = " /iter" if case["solver"] == "lbfgs" else ""
            lines.append(
                f"| {case['workload']} | {case['dtype']} | {case['solver']} | {name} "
                f"| {_fmt(r['median_ms'])}{unit} [{_fmt(r['min_ms'])}–{_fmt(r['max_ms'])}] "
                f"| {_fmt(g)} | {_fmt(None if g is None else 100 * g / peak)} "
                f"| {_fmt(ratio(case, name, 'scikit-learn') if name in DELTAPROP else None)} "
                f"| {_fmt(ratio(case, name, 'PyTorch') if name in DELTAPROP else None)} "
                f"| {r['final_loss']:.4g} | {mem_text} |"
            )
    return "\n".join(lines)


def _case(result, workload, dtype, solver):
    for case in result["cases"]:
        if (case["workload"], case["dtype"], case["solver"]) == (workload, dtype, solver):
            return case
    return None


def targets(result, name="deltaprop core"):
    """The issue's targets for ``name``: rows of (target, measured, met)."""
    rows = []

    def check(text, value, ok):
        if value is not None:
            rows.append((text, value, ok(value)))

    for dt in ("float64", "float32"):
        peak = result["peak_gflops"].get(dt)
        w1, w2, w3, w4 = (_case(result, w, dt, "sgd") for w in ("W1", "W2", "W3", "W4"))
        for w, peer, need in [
            (w1, "scikit-learn", 2.0),
            (w1, "PyTorch", 2.0),
            (w2, "scikit-learn", 1.6),
            (w2, "PyTorch", 1.2),
            (w3, "scikit-learn", 3.0),
            (w3, "PyTorch", 3.0),
        ]:
            if w and name in w["results"]:
                check(
                    f"{w['workload']} {dt} sgd: >= {need}× {peer}",
                    ratio(w, name, peer),
                    lambda v, need=need: v >= need,
                )
        for w, need in [(w2, 85), (w4, 90)]:
            if w and name in w["results"]:
                check(
                    f"{w['workload']} {dt} sgd: >= {need}% GEMM peak",
                    100 * gflops(w, name) / peak,
                    lambda v, need=need: v >= need,
                )
        for wl in ("W1", "W2", "W3", "W4"):
            sgd, adam = _case(result, wl, dt, "sgd"), _case(result, wl, dt, "adam")
            if sgd and adam and name in sgd["results"] and name in adam["results"]:
                check(
                    f"{wl} {dt}: adam/sgd time per epoch <= 1.10",
                    adam["results"][name]["median_ms"] / sgd["results"][name]["median_ms"],
                    lambda v: v <= 1.10,
                )
            lb = _case(result, wl, dt, "lbfgs")
            if lb and name in lb["results"]:
                check(
                    f"{wl} {dt} lbfgs: per iteration faster than scikit-learn (×)",
                    ratio(lb, name, "scikit-learn"),
                    lambda v: v > 1.0,
                )
    return rows


def targets_table(result, name="deltaprop core"):
    lines = [f"| target ({name}) | measured | met |", "|---|---|---|"]
    for text, value, ok in targets(result, name):
        lines.append(f"| {text} | {value:.3g} | {'yes' if ok else '**no**'} |")
    return "\n".join(lines)


def bar_chart(runs, path):
    """Time per epoch (L-BFGS: per iteration) relative to scikit-learn's, one bar per
    implementation and case; a row of panels per run. Below 1: faster than scikit-learn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    solvers = ("sgd", "adam", "lbfgs")
    fig, axes = plt.subplots(len(runs), len(solvers), figsize=(16, 4.2 * len(runs)), squeeze=False)
    for row, (label, result) in enumerate(runs.items()):
        for col, solver in enumerate(solvers):
            ax = axes[row][col]
            cases = [c for c in result["cases"] if c["solver"] == solver]
            names = sorted({n for c in cases for n in c["results"]}, key=_order)
            x = np.arange(len(cases))
            width = 0.8 / max(len(names), 1)
            for i, name in enumerate(names):
                rel = [_relative(c, name) for c in cases]
                ax.bar(x + i * width, rel, width, label=name)
            ax.axhline(1.0, color="black", linewidth=0.8)
            ax.set_xticks(x + 0.4 - width / 2)
            ax.set_xticklabels([f"{c['workload']}\n{c['dtype']}" for c in cases], fontsize=8)
            ax.set_ylim(0, 2.5)
            unit = "iteration" if solver == "lbfgs" else "epoch"
            ax.set_title(f"{solver}, OpenBLAS variables {label}", fontsize=10)
            ax.set_ylabel(f"time per {unit} / scikit-learn's (lower is faster)", fontsize=8)
            ax.grid(axis="y", alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _relative(case, name):
    r = case["results"]
    if name not in r or "scikit-learn" not in r:
        return float("nan")
    return r[name]["median_ms"] / r["scikit-learn"]["median_ms"]


def _order(name):
    return (DELTAPROP + PEERS).index(name) if name in DELTAPROP + PEERS else 99
