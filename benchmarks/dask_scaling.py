"""Training on Dask against in memory: seconds per L-BFGS iteration and per sgd step and epoch.

On a synthetic dataset (default 2,000,000 rows × 10 features, network 10-32-1, tanh, float64)
it times, interleaved within each repeat (the first one rotating) and as medians:

- one full-batch J and ∇J (what one L-BFGS iteration costs; SciPy's L-BFGS-B spends about one
  evaluation per iteration): in memory, and on a ``LocalCluster`` of 1 and of 2 worker
  processes (one thread each; the in-memory run has one BLAS thread too);
- one synchronous "sgd" step at several batch sizes, and from it the seconds per epoch
  (m / b steps);
- the round trip alone: one step over a partition of one row, i.e. sending θ, one task per
  worker, gathering the sums.

From these it models the speedup at W workers: a full-batch step costs t_c / W (compute,
measured at 1 worker) plus the round trip, whose driver side grows with W (one task and one
gradient vector per worker, measured as the increase from 1 to 2 workers).

    python benchmarks/dask_scaling.py                       # 2,000,000 rows
    python benchmarks/dask_scaling.py --rows 200000 --repeats 3

``--out-of-core`` measures instead a fit on data larger than the workers' memory: Parquet
files (one file of ``--file-mb`` MB written once and hard-linked, so the disk holds one)
totalling ``--times`` × the workers' summed ``memory_limit``, read by ``dask.dataframe`` on a
``LocalCluster`` of ``--workers`` worker processes. The estimator chooses by itself (the
automatic rule) to read the files at each pass; each worker's peak resident memory
(``ru_maxrss``) is read at the end, against its ``memory_limit``. Dask's spilling (60 %, 70 %)
and pause (80 % of the limit) are turned off (a worker process holds about 300 MB before any
data, so a small limit would pause it for good); the nanny still kills a worker that passes
95 %.

    python benchmarks/dask_scaling.py --out-of-core --memory-limit 450 --times 3.2
"""

import argparse
import logging
import os
import statistics
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one BLAS thread: in memory and per worker

import numpy as np  # noqa: E402

BATCHES = (200, 2000, 20000, 200000)


def main(argv=None):
    args = parse(argv)
    if args.out_of_core:
        return out_of_core(args)
    import dask.array as da
    from distributed import Client, LocalCluster

    from deltaprop.distributed import DaskRows
    from deltaprop.network import Network
    from deltaprop.train import TrainConfig

    logging.getLogger("distributed").setLevel(logging.WARNING)  # no INFO lines on closing
    m, n, sizes = args.rows, 10, (10, 32, 1)
    net = Network(sizes, "tanh", rng=np.random.default_rng(0))
    X = np.random.default_rng(1).normal(size=(n, m))  # (n_1, m), samples as columns
    Y = np.sin(X[:1]) + X[1:2]  # (n_L, m)
    config, clusters = TrainConfig(solver="lbfgs"), {}
    print(f"{m:,} rows × {n} features, network {sizes}, float64, {args.repeats} repeats")
    for w in (1, 2):
        cluster = LocalCluster(
            n_workers=w,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.WARNING,
        )
        client = Client(cluster)
        chunks = (-(-m // (2 * w)), n)  # two partitions per worker
        dX = da.random.default_rng(1).normal(size=(m, n), chunks=chunks)
        dY = da.sin(dX[:, :1]) + dX[:, 1:2]
        data = unscaled(DaskRows.from_collections(client, dX, dY))
        tiny = unscaled(
            DaskRows.from_collections(client, da.ones((w, n), chunks=(1, n)), da.ones(w, 1))
        )
        clusters[w] = (cluster, client, data, tiny)
    runs = {"in memory": in_memory(net, X, Y)}
    for w, (_, _, data, tiny) in clusters.items():
        runs[f"Dask, {w} worker{'s' * (w > 1)}"] = data.full_batch(net, config)
        runs[f"round trip, {w} worker{'s' * (w > 1)}"] = tiny.full_batch(net, config)
    full = timed(runs, net.params, args.repeats)
    report_full(full)
    steps = {
        f"{w} worker{'s' * (w > 1)}, b={b}": sgd_step(net, data, b)
        for w, (_, _, data, _) in clusters.items()
        for b in BATCHES
        if b <= m
    }
    report_steps(timed(steps, net.params, args.repeats), m)
    model(full)
    logging.getLogger("distributed").setLevel(logging.CRITICAL)  # heartbeats cut by closing
    for cluster, client, *_ in clusters.values():
        client.close()
        cluster.close()


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out-of-core", action="store_true")
    parser.add_argument("--memory-limit", type=int, default=450, help="MB per worker")
    parser.add_argument("--times", type=float, default=3.2, help="data / summed memory_limit")
    parser.add_argument("--file-mb", type=float, default=4.0, help="MB per Parquet file")
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    return parser.parse_args(argv)


def out_of_core(args):
    """Fit on ``args.times`` × the workers' memory_limit of Parquet files; print the memory."""
    import tempfile
    import warnings

    import dask
    import dask.dataframe as dd
    import pandas as pd
    from distributed import Client, LocalCluster
    from sklearn.exceptions import ConvergenceWarning

    from deltaprop import DeltapropRegressor
    from deltaprop.distributed import footprint, keep_in_memory

    limit, workers = args.memory_limit * 10**6, args.workers
    rows = int(args.file_mb * 1e6 / 32)  # 3 features and y, float64
    n_files = int(np.ceil(args.times * workers * limit / (rows * 32)))
    X = np.random.default_rng(1).normal(size=(rows, 3))  # (rows, n)
    y = np.sin(X[:, 0]) + X[:, 1] * X[:, 2]  # (rows,)
    kwargs = dict(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=3, random_state=0)
    warnings.simplefilter("ignore", ConvergenceWarning)  # 3 iterations, on purpose
    with (
        tempfile.TemporaryDirectory() as folder,
        dask.config.set(  # the limit is what is measured; no spilling (nothing to spill)
            {f"distributed.worker.memory.{k}": False for k in ("target", "spill", "pause")}
        ),
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            memory_limit=limit,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        write_linked(folder, np.column_stack([X, y]), n_files)
        frame = dd.read_parquet(os.path.join(folder, "part-*.parquet"))
        size, total = n_files * rows * 32, workers * limit
        print(f"{n_files} files × {rows:,} rows = {size / 1e9:.2f} GB as float64 in memory")
        print(f"{workers} workers × memory_limit {limit / 1e6:.0f} MB = {total / 1e9:.2f} GB")
        kept = keep_in_memory(client, footprint(n_files * rows, (3, 8, 1), "f8"))
        print(f"the automatic rule keeps the partitions in memory: {kept}")
        before = client.run(lambda: __import__("psutil").Process().memory_info().rss)
        start = time.perf_counter()
        model = DeltapropRegressor(**kwargs).fit(frame[["a", "b", "c"]], frame["y"])
        seconds = time.perf_counter() - start
        peaks = client.run(peak_rss)
    ref = DeltapropRegressor(**kwargs).fit(X, y)  # the same mean J and ∇J: one file
    rows = pd.DataFrame(X[:1000], columns=["a", "b", "c"])  # the names it was fitted with
    gap = np.abs(model.predict(rows) - ref.predict(X[:1000])).max()
    print(
        f"fit: {seconds:.1f} s, {model.n_iter_} iterations; |ŷ − ŷ in memory on one file| {gap:.1e}"
    )
    for w, peak in peaks.items():
        print(
            f"  worker {w}: {before[w] / 1e6:.0f} MB before its first task, peak (ru_maxrss) "
            f"{peak / 1e6:.0f} MB = {peak / limit:.0%} of its memory_limit"
        )


def write_linked(folder, values, n_files):
    """``part-00000.parquet`` of ``values`` (rows, 4) and ``n_files − 1`` hard links to it."""
    from deltaprop.data import write_parquet

    first = os.path.join(folder, "part-00000.parquet")
    write_parquet(first, ["a", "b", "c", "y"], values)
    for k in range(1, n_files):
        os.link(first, os.path.join(folder, f"part-{k:05d}.parquet"))


def peak_rss():
    """This process's peak resident memory in bytes (on a worker, through ``Client.run``)."""
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def in_memory(net, X, Y):
    """θ ↦ (J, ∇J) by ``loss_and_grad`` on the whole in-memory batch, one workspace reused."""
    from deltaprop.losses import get_loss
    from deltaprop.network import Grad, Workspace, loss_and_grad_unchecked

    grad, ws, loss = Grad.zeros_like(net), Workspace(net, X.shape[1]), get_loss("squared")

    def fun(theta):
        net.params[...] = theta
        return loss_and_grad_unchecked(net, X, Y, 0.0, loss, grad, ws)

    return fun


def unscaled(rows):
    """The ``DaskData`` of ``rows`` as they are (scalers 0 and 1), in float64."""
    return rows.standardized(rows.scalers((False, False), np.float64, (None, None)), np.float64)


def sgd_step(net, data, b):
    """θ ↦ J and ∇J of one random batch of b rows, summed over the workers' shares."""
    from deltaprop.losses import get_loss
    from deltaprop.network import Grad

    batches, grad = data.batches(b, True), Grad.zeros_like(net)
    rows = np.random.default_rng(2).permutation(data.m)[:b]
    batch = (data.shares(rows), b)

    def fun(theta):
        net.params[...] = theta
        return batches.loss_and_grad(net, batch, 0.0, get_loss("squared"), grad)

    return fun


def timed(funs, theta, repeats):
    """Median seconds of each ``fun(theta)``, the functions alternating within each repeat."""
    names, times = list(funs), {name: [] for name in funs}
    for name in names:
        funs[name](theta)  # warm up: workspaces, imports on the workers
    for r in range(repeats):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            start = time.perf_counter()
            funs[name](theta)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def report_full(full):
    base = full["in memory"]
    print("\nfull batch (one L-BFGS iteration): seconds, and ratio to in memory")
    for name, t in full.items():
        print(f"  {name:24s} {t:9.4f} s   {t / base:6.2f}×")


def report_steps(steps, m):
    print("\nsgd: seconds per step and per epoch (m / b steps)")
    for name, t in steps.items():
        b = int(name.split("b=")[1])
        print(f"  {name:24s} {t * 1e3:9.2f} ms/step   {t * m / b:9.1f} s/epoch")


def model(full):
    """Speedup at W workers: t_c / (t_c / W + t_0 + (W − 1) t_w), from the measured figures."""
    t_c = full["Dask, 1 worker"] - full["round trip, 1 worker"]  # compute of all m rows
    t_0 = full["round trip, 1 worker"]
    t_w = max(full["round trip, 2 workers"] - t_0, 0.0)  # the driver's cost per extra worker
    print(f"\nmodel: compute t_c = {t_c:.4f} s, round trip t_0 = {t_0 * 1e3:.2f} ms, ")
    print(f"       per extra worker t_w = {t_w * 1e3:.2f} ms")
    for W in (1, 2, 8, 64, 256):
        step = t_c / W + t_0 + (W - 1) * t_w
        print(f"  W = {W:3d}: {step:.4f} s per full-batch step, speedup {t_c / step:6.1f}×")


if __name__ == "__main__":
    main()
