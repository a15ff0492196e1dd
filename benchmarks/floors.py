"""The floor of each workload's training step, measured: GEMMs, element-wise work, overhead.

    python benchmarks/floors.py [W1 …] [--dtypes float64,float32] [--threads N] [--cpu]
                                [--targets results/targets.json] [--detail]

One sgd step of W1–W4 (the networks and batch sizes of ``workloads.py``) on the step's own
arrays, split into

- **step**: ``loss_and_grad`` and the optimizer's update, as the core loop (``peers.run_core``);
- **GEMMs**: each matrix product of the step alone: ``np.matmul`` with ``out=`` on the step's
  own operands and layouts (NumPy's BLAS), and ``torch.matmul`` on the same memory with the
  same thread count when PyTorch is installed (its BLAS, at the same shapes);
- **element-wise**: the bias adds, φ, φ', δ^(L), ⊙ φ', the outer product δ^(L−1) (n_L = 1), the
  1/m scalings, Δ 1 (a gemv), J, the update, and the epoch's shuffle (its share per step), each
  alone with ``out=``;
- **overhead**: step − GEMMs − element-wise (Python, NumPy's per-call dispatch, the checks),
  and in brackets the part of it that is deltaprop's own Python: step − the same NumPy calls
  written out bare (``Step.bare``).

The floor with this BLAS is GEMMs + element-wise: the step with no Python and no dispatch at
all. Per epoch (``targets.py``'s rows: W1 100 steps, W2 40, W3 1, W4 8) it is set beside the
epoch time each target needs: W2 and W4 from the GEMM peak of this run (a 2048³ matmul, the
same threads), W1 and W3 from the peers' epoch times in ``--targets`` (``targets.py``'s JSON
of the same run), else from PyTorch's own step measured here (the "PyTorch step" column: its
model's forward, loss, backward and SGD update on the same batch).

Threads: by default, what deltaprop's policy takes on an idle machine (1 below
``SMALL_STEP_FLOPS``, NumPy's count above), for NumPy and PyTorch alike. The parts are timed
in 5 interleaved rounds (``Rounds``) and each figure is a median; ``--cpu`` times the
process's CPU time (use it with ``--threads 1`` on a busy machine, where two threads
collapse). The overhead also holds what the parts lose to each other in the real step
(caches): the parts are timed each in a loop of its own.
"""

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from deltaprop import Grad, Network, get_loss
from deltaprop import equations as eq
from deltaprop.network import Workspace, loss_and_grad
from deltaprop.optim import GD
from deltaprop.speed import SMALL_STEP_FLOPS, blas_threads_as_set, step_flops
from peers import torch, torch_model
from workloads import WORKLOADS, make_data

HERE = Path(__file__).resolve().parent
STEPS = {"W1": 100, "W2": 40, "W3": 1, "W4": 8}  # steps per epoch in targets.py's rows
NEEDED = {"W1": 2.0, "W3": 3.0}  # × faster than both peers
PEAK_SHARE = {"W2": 0.85, "W4": 0.90}  # of the GEMM peak
TIMER = [time.perf_counter]


class Rounds:
    """Items timed in interleaved rounds: each round times every item once (a batch of calls
    of ~``batch_s`` seconds), so that a busy machine's drifts hit all parts of a round alike;
    a figure is the median over rounds (a difference of parts: the median of the per-round
    differences). Within a round, deltaprop's and NumPy's items run first, then PyTorch's
    (keys starting "torch"), each group after a pause of ``SETTLE_S``: one library's idle
    threads spin for a while after a call (OpenMP's, OpenBLAS's) and slow the other's. Each
    item makes one untimed call before its timed batch: without it the first item after the
    pause (the step) paid the BLAS threads' wake-up and cold caches, in batches of 2 calls
    for W2 (benchmarks/NOTES.md, round five)."""

    SETTLE_S = 0.05  # as suite.py

    def __init__(self, rounds=5, batch_s=0.005):
        self.rounds, self.batch_s, self.items = rounds, batch_s, {}

    def add(self, key, fn):
        clock = TIMER[0]
        start = clock()
        fn()  # also a warm-up
        n = max(2, min(10_000, int(self.batch_s / max(clock() - start, 1e-7))))
        self.items[key] = (fn, n, [])

    def run(self):
        clock = TIMER[0]
        groups = [
            [v for k, v in self.items.items() if k[0].startswith("torch") is torch_group]
            for torch_group in (False, True)
        ]
        for _ in range(self.rounds):
            for group in groups:
                time.sleep(self.SETTLE_S)
                for fn, n, times in group:
                    fn()  # untimed: the first call after the pause wakes the BLAS threads
                    start = clock()
                    for _ in range(n):
                        fn()
                    times.append(1e6 * (clock() - start) / n)

    def median(self, combine):
        """Median over rounds of ``combine({key: µs of that round})``."""
        return statistics.median(
            combine({k: times[r] for k, (_, _, times) in self.items.items()})
            for r in range(self.rounds)
        )

    def __getitem__(self, key):
        return statistics.median(self.items[key][2])


def best_us(fn, rounds=3):
    """Best time of one call of ``fn`` in µs (the GEMM peak)."""
    clock, best = TIMER[0], np.inf
    fn()
    for _ in range(rounds):
        start = clock()
        fn()
        best = min(best, clock() - start)
    return 1e6 * best


def gemm_peak(dtype, n=2048):
    """GFLOP/s of an n × n × n matmul, best of 3, on this TIMER (the targets' peak)."""
    rng = np.random.default_rng(0)
    A, B = rng.random((n, n)).astype(dtype), rng.random((n, n)).astype(dtype)
    C = np.empty_like(A)
    return 2 * n**3 / best_us(lambda: np.matmul(A, B, out=C)) * 1e-3


class Step:
    """One step's network, batch, workspace and gradient, after one real step (real values)."""

    def __init__(self, w, dtype):
        X, y = make_data(replace(w, m=STEPS[w.name] * w.batch_size), dtype)  # targets.py's rows
        self.w, self.m = w, w.batch_size
        self.net = Network(w.sizes, w.activation, rng=np.random.default_rng(1), dtype=dtype)
        self.rows = X  # (m_epoch, n_1): what run_core shuffles once per epoch
        self.X, self.Y = X[: self.m].T, y[None, : self.m]  # (n_1, m) a view, (1, m)
        if self.m == X.shape[0]:  # a full batch: C-ordered columns, as peers.core_epochs
            self.X = np.ascontiguousarray(self.X)
        self.ws, self.grad = Workspace(self.net, self.m), Grad.zeros_like(self.net)
        self.optimizer, self.loss = GD(w.eta), get_loss("squared")
        self.saved = self.net.params.copy()
        self.run()

    def run(self):
        loss_and_grad(self.net, self.X, self.Y, out=self.grad, workspace=self.ws)
        self.optimizer.step(self.net.params, self.grad.flat)

    def bare(self):
        """The step's NumPy calls alone, written out with no deltaprop function around them
        (the same operations as ``run``): the step less deltaprop's own Python."""
        net, ws, g, m, phi = self.net, self.ws, self.grad, self.m, self.net.activation
        theta, b, a, z, d, dphi, L = net.theta, net.b, ws.a, ws.z, ws.delta, ws.dphi, net.L
        a[1], one = self.X, eq.ones(m, net.dtype)
        for l in range(2, L + 1):
            np.matmul(theta[l - 1], a[l - 1], out=z[l])
            z[l] += b[l][:, None]
            if l < L:
                phi.phi(z[l], out=a[l])
        np.subtract(a[L], self.Y, out=d[L])
        r = d[L].ravel()
        0.5 * float(np.dot(r, r)) / m  # J
        for l in range(L - 1, 0, -1):
            np.matmul(d[l + 1], one, out=g.b[l + 1])
            g.b[l + 1] *= 1 / m
            np.matmul(d[l + 1], a[l].T, out=g.theta[l])
            g.theta[l] *= 1 / m
            if l > 1:
                phi.dphi(z[l], a[l], out=dphi[l])
                if net.sizes[l] == 1:
                    np.einsum("j,i->ji", theta[l][0], d[l + 1][0], out=d[l])
                else:
                    np.matmul(theta[l].T, d[l + 1], out=d[l])
                d[l] *= dphi[l]
        self.optimizer.step(net.params, g.flat)

    def gemms(self):
        """[(label, (rows, inner, columns), A, B, out)]: the step's matrix products, in order."""
        net, a, z, d, g = self.net, self.ws.a, self.ws.z, self.ws.delta, self.grad.theta
        out = []
        for l in range(2, net.L + 1):
            out.append((f"z^({l}) = Θ^({l - 1}) A^({l - 1})", net.theta[l - 1], a[l - 1], z[l]))
        for l in range(net.L - 1, 0, -1):
            out.append((f"∂J/∂Θ^({l}) = Δ^({l + 1}) A^({l})ᵀ", d[l + 1], a[l].T, g[l]))
            if l > 1 and net.sizes[l] > 1:  # n_{l+1} = 1: an outer product (element-wise)
                out.append((f"δ^({l}) = (Θ^({l}))ᵀ Δ^({l + 1})", net.theta[l].T, d[l + 1], d[l]))
        return [(label, (A.shape[0], A.shape[1], B.shape[1]), A, B, C) for label, A, B, C in out]

    def elementwise(self):
        """[(label, thunk)]: the step's element-wise work and reductions; in-place operations
        act on scratch copies, so the step's values stay as they are."""
        net, ws, grad, m, phi = self.net, self.ws, self.grad, self.m, self.net.activation
        a, z, d, dphi, L = ws.a, ws.z, ws.delta, ws.dphi, net.L
        scratch = {k: v.copy() for k, v in (("z", z), ("d", d), ("g", grad.theta))}
        params, out = net.params.copy(), []
        for l in range(2, L + 1):
            out.append((f"+ b^({l}) 1ᵀ", lambda l=l: scratch["z"][l].__iadd__(net.b[l][:, None])))
            if l < L:
                out.append((f"φ(z^({l}))", lambda l=l: eq.a_hidden(phi, z[l], out=a[l])))
        out.append(("δ^(L) = a^(L) − y", lambda: self.loss.delta(a[L], self.Y, out=d[L])))
        out.append(("J", lambda: eq.cost(self.loss, a[L], self.Y, net.theta.values(), 0.0, m)))
        for l in range(L - 1, 0, -1):
            out.append(
                (f"Δ^({l + 1}) 1 / m", lambda l=l: eq.grad_b(d[l + 1], m, out=grad.b[l + 1]))
            )
            out.append((f"∂J/∂Θ^({l}) × 1/m", lambda l=l: scratch["g"][l].__imul__(1 / m)))
            if l == 1:
                continue
            out.append((f"φ'(z^({l}))", lambda l=l: phi.dphi(z[l], a[l], out=dphi[l])))
            if net.sizes[l] == 1:
                outer = lambda l=l: eq.delta_hidden(net.theta[l], d[l + 1], dphi[l], out=d[l])  # noqa: E731
                out.append((f"δ^({l}) outer product ⊙ φ'", outer))
            else:
                out.append((f"⊙ φ'(z^({l}))", lambda l=l: scratch["d"][l].__imul__(dphi[l])))
        out.append(("update Θ −= η ∇J", lambda: self.optimizer.step(params, grad.flat)))
        if self.m < self.rows.shape[0]:
            out.append(("shuffle (share per step)", self.shuffle_share()))
        return out

    def shuffle_share(self):
        """The epoch's gather into the shuffle buffer (``profile`` counts 1/steps of it)."""
        perm = np.random.default_rng(0).permutation(self.rows.shape[0])
        x_rows = np.empty_like(self.rows)
        return lambda: np.take(self.rows, perm, axis=0, out=x_rows, mode="clip")

    def torch_step(self):
        """PyTorch's own step on the same batch: forward, J, backward, SGD (samples as rows)."""
        model = torch_model(self.w, self.saved, getattr(torch, str(self.net.dtype)))
        opt = torch.optim.SGD(model.parameters(), lr=self.w.eta, momentum=0.0)
        Xt, yt = torch.from_numpy(np.ascontiguousarray(self.X.T)), torch.from_numpy(self.Y.T)

        def step():
            opt.zero_grad(set_to_none=True)
            loss = 0.5 * torch.mean((model(Xt) - yt) ** 2)
            loss.backward()
            opt.step()

        return step


def profile(w, dtype, threads, detail):
    """One row of the floor table (a dict), printing the parts when ``detail``."""
    s, t = Step(w, dtype), Rounds()
    t.add(("step",), s.run)
    t.add(("bare",), s.bare)
    gemms = s.gemms()
    for label, _, A, B, C in gemms:
        t.add(("gemm", label), lambda A=A, B=B, C=C: np.matmul(A, B, out=C))
        if torch is not None:
            tA, tB, tC = (torch.from_numpy(x) for x in (A, B, C))
            t.add(("torch", label), lambda tA=tA, tB=tB, tC=tC: torch.matmul(tA, tB, out=tC))
    parts = s.elementwise()
    for label, fn in parts:
        t.add(("elem", label), fn)
    if torch is not None:
        t.add(("torch step",), s.torch_step())
    t.run()
    s.net.params[...] = s.saved
    share = s.m / s.rows.shape[0]  # the shuffle is once per epoch

    def total(kind):
        return lambda r: sum(
            us * (share if k[1].startswith("shuffle") else 1) for k, us in r.items() if k[0] == kind
        )

    row = {"workload": w.name, "dtype": dtype, "threads": threads, "step": t[("step",)]}
    row["gemm"], row["elementwise"] = t.median(total("gemm")), t.median(total("elem"))
    row["gemm_torch"] = t.median(total("torch")) if torch is not None else None
    row["overhead"] = t.median(lambda r: r[("step",)] - total("gemm")(r) - total("elem")(r))
    row["python"] = t.median(lambda r: r[("step",)] - r[("bare",)])  # deltaprop's own
    row["floor"] = t.median(lambda r: total("gemm")(r) + total("elem")(r))
    row["torch_step"] = t[("torch step",)] if torch is not None else None
    row["gemm_gflops"] = 2 * sum(r * k * c for _, (r, k, c), *_ in gemms) / row["gemm"] * 1e-3
    if detail:
        print(f"\n{w.name} {w.sizes} {w.activation} batch {s.m} {dtype}, {threads} thread(s)")
        for label, (r, k, c), *_ in gemms:
            us, flop = t[("gemm", label)], 2 * r * k * c
            text = f"  GEMM {label:28s} {r:5d}×{k:5d}×{c:5d} {us:9.1f} µs ({flop / us / 1e3:5.1f})"
            if torch is not None:
                tus = t[("torch", label)]
                text += f"  torch {tus:9.1f} µs ({flop / tus / 1e3:5.1f})"
            print(text)
        for label, _ in parts:
            us = t[("elem", label)] * (share if label.startswith("shuffle") else 1)
            print(f"  elem {label:28s} {us:9.1f} µs")
    return row


def needed_ms(row, peak, peers):
    """The epoch time (ms) the row's target needs, and what it is measured against."""
    name = row["workload"]
    if name in PEAK_SHARE:
        gflop = 6 * WORKLOADS[name].weights * STEPS[name] * WORKLOADS[name].batch_size / 1e9
        return gflop / (PEAK_SHARE[name] * peak) * 1e3, f"{PEAK_SHARE[name]:.0%} of peak"
    fastest = peers.get((name, row["dtype"]))
    if fastest is None and row["torch_step"] is not None:  # PyTorch's step, measured here
        fastest, what = row["torch_step"] * STEPS[name] / 1e3, "PyTorch step"
    else:
        what = "peers' epoch"
    if fastest is None:
        return None, ""
    return fastest / NEEDED[name], f"{what} / {NEEDED[name]:g}"


def peer_epochs(path):
    """{(workload, dtype): the faster peer's median ms per epoch} from targets.py's JSON."""
    if path is None or not path.exists():
        return {}
    result = json.loads(path.read_text())
    out = {}
    for case in result["cases"]:
        peers = [r["median_ms"] for n, r in case["results"].items() if not n.startswith("delta")]
        if case["solver"] == "sgd" and peers:
            out[(case["workload"], case["dtype"])] = min(peers)
    return out


def table(rows, peaks, peers):
    head = (
        "| workload | dtype | thr | step µs | GEMMs µs (GFLOP/s, % peak) | GEMMs torch µs "
        "| element-wise µs | overhead µs (deltaprop's Python) | floor µs | PyTorch step µs "
        "| floor ms/epoch | target needs ms/epoch | reachable |"
    )
    lines = [head, "|" + "---|" * 13]
    for r in rows:
        peak = peaks[(r["dtype"], r["threads"])]
        need, what = needed_ms(r, peak, peers)
        floor_ms = r["floor"] * STEPS[r["workload"]] / 1e3
        ok = "—" if need is None else ("yes" if floor_ms <= need else "**no**")
        t = lambda x: "—" if x is None else f"{x:.0f}"  # noqa: E731
        lines.append(
            f"| {r['workload']} | {r['dtype']} | {r['threads']} | {r['step']:.0f} "
            f"| {r['gemm']:.0f} ({r['gemm_gflops']:.0f}, {100 * r['gemm_gflops'] / peak:.0f} %) "
            f"| {t(r['gemm_torch'])} | {r['elementwise']:.0f} "
            f"| {r['overhead']:.0f} ({r['python']:.0f}) "
            f"| {r['floor']:.0f} | {t(r['torch_step'])} | {floor_ms:.3g} "
            f"| {'—' if need is None else f'{need:.3g} ({what})'} | {ok} |"
        )
    return "\n".join(lines)


def policy_threads(w, base):
    """The threads deltaprop's policy gives this step on an idle machine."""
    return 1 if step_flops(w.sizes, w.batch_size) < SMALL_STEP_FLOPS else base


def main(argv=None):
    from threadpoolctl import threadpool_info, threadpool_limits

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("workloads", nargs="*", default=list(WORKLOADS))
    p.add_argument("--dtypes", default="float64,float32")
    p.add_argument("--threads", type=int, help="BLAS (and PyTorch) threads for every part")
    p.add_argument("--cpu", action="store_true", help="time the process's CPU time")
    p.add_argument("--targets", type=Path, default=HERE / "results" / "targets.json")
    p.add_argument("--detail", action="store_true", help="print every GEMM and element-wise part")
    args = p.parse_args(argv)
    if args.cpu:
        TIMER[0] = time.process_time
    base = max(lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas")
    rows, peaks = [], {}
    with blas_threads_as_set():  # the step runs on the threads set here, as the GEMMs alone
        for name in args.workloads:
            w = WORKLOADS[name]
            threads = args.threads or policy_threads(w, base)
            for dtype in args.dtypes.split(","):
                with threadpool_limits(threads, user_api="blas"):
                    if torch is not None:
                        torch.set_num_threads(threads)
                    if (dtype, threads) not in peaks:
                        peaks[(dtype, threads)] = gemm_peak(dtype)
                    rows.append(profile(w, dtype, threads, args.detail))
    peak_text = ", ".join(f"{dt} {th} thread(s) {g:.0f}" for (dt, th), g in peaks.items())
    clock = "CPU time" if args.cpu else "wall time"
    peers = peer_epochs(args.targets)
    source = f"the peers' epochs from {args.targets}" if peers else "PyTorch's step measured here"
    print(f"\nGEMM peak (2048³, GFLOP/s): {peak_text}; {clock}, medians of 5 rounds;")
    print(f"W1 and W3 targets from {source}.\n")
    print(table(rows, peaks, peers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
