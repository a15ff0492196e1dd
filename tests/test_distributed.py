"""Training on Dask: the distributed J and ∇J are the in-memory ones, and so are the paths."""

import logging
import os
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from deltaprop import ConfigError, DataError, DeltapropRegressor, Network
from deltaprop.losses import get_loss
from deltaprop.network import Grad, loss_and_grad
from deltaprop.relerror import rel_error
from deltaprop.train import TrainConfig, train, train_on

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")

from deltaprop.distributed import DaskRows, load_part, reduce_to_cost, require_dask  # noqa: E402


@pytest.fixture(scope="module")
def client():
    """Two in-process workers (threads); made current only inside each test that asks."""
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def workers():
    """Two worker processes (one thread each), for the tests that need real processes."""
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            dashboard_address=":0",
            silence_logs=logging.CRITICAL,
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        yield client


@pytest.fixture
def current(client):
    with client.as_current():
        yield client


def make_data(rng, m=240, n=3, k=1):
    X = rng.normal(size=(m, n)) * [1.0, 3.0, 0.5][:n]  # (m, n)
    Y = np.column_stack([np.sin(X[:, 0]) + (j + 1) * X[:, 1] for j in range(k)])  # (m, k)
    return X, Y


def dask_data(client, X, Y, chunks):
    """The ``DaskData`` of X (m, n), Y (m, k) in blocks of ``chunks``, not standardized."""
    Y = da.from_array(Y, (chunks[0], -1))  # X's rows, all columns; y is rechunked to match
    rows = DaskRows.from_collections(client, da.from_array(X, chunks), Y)
    scalers = rows.scalers((False, False), np.float64, (None, None))
    return rows.standardized(scalers, np.float64)


@pytest.mark.parametrize("chunks", [(240, 3), (17, 3), (100, 2), ((1, 150, 89), (1, 2))])
def test_gradient_equals_in_memory_for_any_chunking(current, rng, chunks):
    X, Y = make_data(rng, k=2)
    net = Network((3, 5, 4, 2), "tanh", rng=rng)
    data = dask_data(current, X, Y, chunks)
    J_ref, grad_ref = loss_and_grad(net, X.T, Y.T, alpha=0.3)
    J_sum, g_sum, m = data.sums(net, get_loss("squared"))
    grad = Grad.zeros_like(net)
    J = reduce_to_cost(net, J_sum, g_sum, m, 0.3, grad)
    assert m == 240
    assert rel_error(J, J_ref) < 1e-12
    assert rel_error(grad.flat, grad_ref.flat) < 1e-12


def test_distributed_gradient_against_central_differences(current, rng):
    X, Y = make_data(rng, m=60)
    net = Network((3, 3, 1), "sigmoid", rng=rng)
    data = dask_data(current, X, Y, (25, 3))
    fun = data.full_batch(net, TrainConfig(alpha=0.5, loss="huber"))
    theta = net.params.copy()
    _, grad = fun(theta)
    grad, h = grad.copy(), 1e-6
    numeric = np.array(
        [(fun(theta + h * e)[0] - fun(theta - h * e)[0]) / (2 * h) for e in np.eye(len(theta))]
    )
    assert rel_error(grad, numeric) < 1e-7


def paths(X, Y, config, run):
    """The parameters after each epoch (iteration) of ``run(net, config, callback)``."""
    net = Network((3, 6, 1), "tanh", rng=np.random.default_rng(7))
    seen = []
    history = run(net, config, lambda net, history: seen.append(net.params.copy()))
    return np.array(seen), history


@pytest.mark.parametrize(
    "config",
    [
        TrainConfig(solver="lbfgs", max_iter=25, alpha=1e-2),
        TrainConfig(solver="gd", max_iter=20, learning_rate_init=0.1),
        # 240 rows in batches of 48: 5 steps per epoch, 20 steps in all
        TrainConfig(solver="sgd", max_iter=4, batch_size=48, learning_rate_init=0.05),
        TrainConfig(solver="adam", max_iter=4, batch_size=48, learning_rate_init=0.01),
    ],
    ids=lambda c: c.solver,
)
def test_training_takes_the_in_memory_path(current, rng, config):
    X, Y = make_data(rng)
    data = dask_data(current, X, Y, (70, 3))
    ref, h_ref = paths(
        X, Y, config, lambda net, c, cb: train(net, X.T, Y.T, c, rng=seeded(), callback=cb)
    )
    got, h_got = paths(
        X, Y, config, lambda net, c, cb: train_on(net, data, c, rng=seeded(), callback=cb)
    )
    assert h_got.n_iter == h_ref.n_iter == len(ref) > 3
    assert rel_error(got, ref) < 1e-10
    assert rel_error(np.array(h_got.loss_curve), np.array(h_ref.loss_curve)) < 1e-10
    assert h_got.stop_reason == h_ref.stop_reason
    assert rel_error(h_got.final_loss, h_ref.final_loss) < 1e-10
    assert rel_error(h_got.trivial_loss, h_ref.trivial_loss) < 1e-12


def seeded():
    return np.random.default_rng(3)


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_estimator_on_dask_array_and_dataframe_equals_numpy(current, rng, solver):
    X, Y = make_data(rng)
    y = Y[:, 0] * 10 + 100
    kwargs = dict(hidden_layer_sizes=(6,), solver=solver, max_iter=8, random_state=0)
    ref = DeltapropRegressor(**kwargs).fit(X, y)
    on_array = DeltapropRegressor(**kwargs).fit(da.from_array(X, (50, 2)), da.from_array(y, 60))
    frame = dd.from_pandas(pd.DataFrame(X, columns=["a", "b", "c"]).assign(y=y), npartitions=3)
    on_frame = DeltapropRegressor(**kwargs).fit(frame[["a", "b", "c"]], frame["y"])
    rows = pd.DataFrame(X, columns=["a", "b", "c"])
    for model, X_in in ((on_array, X), (on_frame, rows)):
        assert model.n_iter_ == ref.n_iter_ and model.t_ == ref.t_
        assert model.stop_reason_ == ref.stop_reason_ == "max_iter"
        assert rel_error(model.x_scale_, ref.x_scale_) < 1e-14
        assert rel_error(model.predict(X_in), ref.predict(X)) < 1e-10
    assert list(on_frame.feature_names_in_) == ["a", "b", "c"]
    assert not hasattr(on_array, "feature_names_in_")
    assert on_frame.target_names_ == ["y"] and on_array.target_names_ is None


@pytest.mark.parametrize("solver", ["adam", "gd"])
def test_early_stopping_takes_the_in_memory_path_on_the_same_split(current, rng, solver):
    """The validation split drawn on the workers (``validation_rows``), reproduced here:
    training on Dask and in memory on those rows gives the same losses, validation losses and
    R² per epoch, the same stop and the same kept weights."""
    from deltaprop.distributed import validation_rows
    from deltaprop.trainingdata import InMemoryData

    X, Y = make_data(rng)
    data = dask_data(current, X, Y, (70, 3))
    split = (int(seeded().integers(2**63)), 0.25)  # the seed that DaskData.split draws
    val = np.concatenate(
        [validation_rows(k, len(c), split) for k, c in enumerate(np.split(X, [70, 140, 210]))]
    )
    parts = InMemoryData(X[~val].T, Y[~val].T), InMemoryData(X[val].T, Y[val].T)

    class SplitAsOnDask(InMemoryData):
        def split(self, fraction, rng):
            rng.integers(2**63)  # the draw of the seed, as on Dask
            return parts

    config = TrainConfig(
        solver=solver, max_iter=60, early_stopping=True, n_iter_no_change=3, batch_size=48,
        learning_rate_init=0.5 if solver == "gd" else 0.05, tol=1e-2, validation_fraction=0.25,
    )  # fmt: skip
    nets = [Network((3, 6, 1), "tanh", rng=np.random.default_rng(7)) for _ in range(2)]
    h_ref = train_on(nets[0], SplitAsOnDask(X.T, Y.T), config, rng=seeded())
    h_got = train_on(nets[1], data, config, rng=seeded())
    training, validation = data.halves
    assert (training.m, validation.m) == (parts[0].m, parts[1].m) and 40 < validation.m < 80
    assert h_got.stop_reason == h_ref.stop_reason == "early_stopping"
    assert h_got.n_iter == h_ref.n_iter > 5
    for curve in ("loss_curve", "validation_loss_curve", "validation_scores"):
        assert rel_error(np.array(getattr(h_got, curve)), np.array(getattr(h_ref, curve))) < 1e-10
    assert rel_error(nets[1].params, nets[0].params) < 1e-10  # the best epoch's, restored


def stream_chunk(X, y, rows, on_dask, frame):
    """Rows ``rows`` of X (m, 3), y (m,): NumPy or pandas (``frame``), or Dask of those."""
    if not frame:
        X, y = X[rows], y[rows]
        return (da.from_array(X, 50), da.from_array(y, 50)) if on_dask else (X, y)
    chunk = pd.DataFrame(X[rows], columns=["a", "b", "c"]).assign(y=y[rows])
    chunk = dd.from_pandas(chunk, npartitions=3) if on_dask else chunk
    return chunk[["a", "b", "c"]], chunk["y"]


@pytest.mark.parametrize(
    "solver, frame, scalers",
    [("adam", False, {"y_mean": [100.0], "y_scale": [10.0]}), ("sgd", True, None)],
    ids=["adam-array-scalers", "sgd-frame"],
)
def test_partial_fit_on_dask_goes_on_as_in_memory(current, rng, solver, frame, scalers):
    """A stream of chunks, on Dask but for one in memory (the state is shared): after each
    call the weights and the loss curve are those of in-memory calls on the same rows (the
    same permutations, batches of 48 and updates), and the scalers those of the first."""
    X, Y = make_data(rng)
    y = Y[:, 0] * 10 + 100
    kwargs = dict(hidden_layer_sizes=(6,), solver=solver, batch_size=48, random_state=0)
    ref, got = (DeltapropRegressor(**kwargs, learning_rate_init=0.01) for _ in range(2))
    calls = [(slice(0, 240), True), (slice(0, 120), False), (slice(100, 240), True)]
    for i, (rows, on_dask) in enumerate(calls + [(slice(0, 240), True)]):
        given = scalers if i == 0 else None
        ref.partial_fit(*stream_chunk(X, y, rows, False, frame), scalers=given)
        got.partial_fit(*stream_chunk(X, y, rows, on_dask, frame), scalers=given)
        assert got.n_iter_ == 1 and got.t_ == ref.t_ and len(got.loss_curve_) == i + 1
        assert rel_error(got.network_.params, ref.network_.params) < 1e-10
        assert rel_error(np.array(got.loss_curve_), np.array(ref.loss_curve_)) < 1e-10
    assert got._state.optimizer.t == ref._state.optimizer.t == 5 + 3 + 3 + 5
    for name in ("x_mean_", "x_scale_", "y_mean_", "y_scale_"):
        assert rel_error(getattr(got, name), getattr(ref, name)) < 1e-14
    assert not scalers or got.y_scale_[0] == 10.0
    X_in = pd.DataFrame(X, columns=["a", "b", "c"]) if frame else X
    assert rel_error(got.predict(X_in), ref.predict(X_in)) < 1e-10
    assert list(getattr(got, "feature_names_in_", [])) == (["a", "b", "c"] if frame else [])
    assert got.target_names_ == (["y"] if frame else None)


def test_partial_fit_on_dask_after_fit_and_its_refusals(current, rng):
    """partial_fit goes on from a fit on Dask as from one in memory; a changed number of
    columns or outputs is refused as in memory, sample weights and Poisson as in fit."""
    from sklearn.exceptions import ConvergenceWarning

    X, Y = make_data(rng, m=120)
    dX, dy = da.from_array(X, 50), da.from_array(Y[:, 0], 50)
    kwargs = dict(hidden_layer_sizes=(4,), batch_size=40, max_iter=2, random_state=0)
    with pytest.warns(ConvergenceWarning):
        ref, got = (
            DeltapropRegressor(**kwargs).fit(X, Y[:, 0]),
            DeltapropRegressor(**kwargs).fit(dX, dy),
        )
    ref.partial_fit(X, Y[:, 0])
    got.partial_fit(dX, dy)
    assert got.t_ == ref.t_ == 3 * 120 and got._state.optimizer.t == 3 * 3
    assert rel_error(got.network_.params, ref.network_.params) < 1e-10
    before = got.network_.params.copy()
    with pytest.raises(ValueError) as in_memory:
        ref.partial_fit(X[:, :2], Y[:, 0])
    with pytest.raises(
        ValueError, match="X has 2 features, but DeltapropRegressor is expecti"
    ) as e:
        got.partial_fit(dX[:, :2], dy)
    assert str(e.value) == str(in_memory.value)
    with pytest.raises(DataError, match="y has 2 outputs; this model was fitted with 1"):
        got.partial_fit(dX, da.from_array(Y[:, [0, 0]], 50))
    with pytest.raises(ConfigError, match=r"sample_weight is not available for Dask input; pass"):
        got.partial_fit(dX, dy, sample_weight=np.ones(120))
    with pytest.raises(ConfigError, match=r"loss='poisson' does not train on Dask yet"):
        DeltapropRegressor(loss="poisson").partial_fit(dX, abs(dy))
    assert (got.network_.params == before).all() and got.t_ == 3 * 120
    assert not hasattr(DeltapropRegressor(solver="lbfgs"), "partial_fit")


def test_early_stopping_on_dask_fits_the_estimator_and_refuses_a_tiny_split(current, rng):
    X, Y = make_data(rng, m=200)
    kwargs = dict(hidden_layer_sizes=(5,), early_stopping=True, learning_rate_init=0.05)
    kwargs["random_state"] = 0  # a drawn start can stop early below R² 0.5
    model = DeltapropRegressor(**kwargs).fit(da.from_array(X, 50), da.from_array(Y[:, 0], 50))
    assert len(model.validation_scores_) == model.n_iter_ == len(model.validation_loss_curve_)
    assert model.best_validation_score_ == max(model.validation_scores_) > 0.5
    assert model.best_loss_ is None
    with pytest.raises(
        DataError, match=r"validation set is too small\. .* give [01] validation row,"
    ):
        DeltapropRegressor(**kwargs, validation_fraction=0.01).fit(
            da.from_array(X[:12], 6), da.from_array(Y[:12, 0], 6)
        )


def test_dask_fits_follow_the_input_dtype_as_in_memory(current, rng):
    X, Y = make_data(rng)
    X32, y32 = X.astype(np.float32), Y[:, 0].astype(np.float32)
    kwargs = dict(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=5, random_state=0)
    ref = DeltapropRegressor(**kwargs).fit(X32, y32)
    frame = dd.from_pandas(pd.DataFrame(X32, columns=["a", "b", "c"]).assign(y=y32), 2)
    fits = [
        DeltapropRegressor(**kwargs).fit(da.from_array(X32, 60), da.from_array(y32, 60)),
        DeltapropRegressor(**kwargs).fit(frame[["a", "b", "c"]], frame["y"]),
    ]
    rows = pd.DataFrame(X32, columns=["a", "b", "c"])
    for model, X_in in zip(fits, (X32, rows), strict=True):
        assert model.network_.dtype == ref.network_.dtype == np.float32
        assert model.coefs_[0].dtype == model.x_scale_.dtype == np.float32
        assert model.predict(X_in).dtype == np.float32
        assert rel_error(model.predict(X_in), ref.predict(X32)) < 1e-3  # float32 sums
    as64 = DeltapropRegressor(**kwargs).fit(da.from_array(X, 60), da.from_array(y32, 60))
    assert as64.network_.dtype == np.float64  # X decides, as in memory
    forced = DeltapropRegressor(**kwargs, dtype="float64").fit(da.from_array(X32, 60), y32)
    assert forced.network_.dtype == np.float64


def test_dask_fit_warns_and_diverges_as_in_memory(current, rng):
    from sklearn.exceptions import ConvergenceWarning

    from deltaprop.errors import DivergenceError

    X, Y = make_data(rng, m=60)
    dX, dy = da.from_array(X, 20), da.from_array(Y[:, 0], 20)
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations reached \(max_iter=2\)"):
        DeltapropRegressor((3,), max_iter=2, random_state=0).fit(dX, dy)
    huge = DeltapropRegressor((8,), solver="gd", learning_rate_init=1e3, random_state=0)
    with pytest.raises(DivergenceError) as ref:
        huge.fit(X, Y[:, 0])
    with pytest.raises(DivergenceError) as got:
        huge.fit(dX, dy)
    assert str(got.value) == str(ref.value)


def test_without_a_client_fit_starts_a_local_cluster(rng):
    X, Y = make_data(rng, m=50)
    kwargs = dict(hidden_layer_sizes=(3,), solver="lbfgs", max_iter=5, random_state=0)
    ref = DeltapropRegressor(**kwargs).fit(X, Y)
    model = DeltapropRegressor(**kwargs).fit(da.from_array(X, 20), da.from_array(Y, 20))
    assert rel_error(model.predict(X), ref.predict(X)) < 1e-10
    assert model.predict(X).shape == (50, 1)
    with pytest.raises(ValueError):
        distributed.get_client()  # closed again after the fit


def test_nan_names_the_partition_row_and_column(current, rng, capfd):
    X, Y = make_data(rng, m=90)
    X[65, 2] = np.nan  # partition 2 of chunks of 30: its row 5
    with pytest.raises(DataError, match=r"partition 2: X contains NaN at row 5, column 2"):
        DeltapropRegressor().fit(da.from_array(X, 30), da.from_array(Y[:, 0], 30))
    assert "Traceback" not in capfd.readouterr().err


def test_text_is_refused_before_training(current):
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["x", "y", "z"], "y": [1.0, 2.0, 3.0]})
    frame = dd.from_pandas(frame, npartitions=2)
    with pytest.raises(DataError, match=r"X has non-numeric or complex columns: b; drop them"):
        DeltapropRegressor().fit(frame[["a", "b"]], frame["y"])
    X = np.array([[1.0], [2.0], ["3,5"], [4.0]], dtype=object)
    with pytest.raises(DataError, match=r"partition 1: a value is not a number .*'3,5'"):
        DeltapropRegressor().fit(da.from_array(X, 2), da.from_array(np.ones(4), 2))


def test_mismatched_partitions_are_refused(current, rng):
    X, Y = make_data(rng, m=40)
    frame = dd.from_pandas(pd.DataFrame(X), npartitions=2)
    target = dd.from_pandas(pd.Series(Y[:, 0]), npartitions=3)
    with pytest.raises(DataError, match=r"X has 2 partitions and y 3; take both"):
        DeltapropRegressor().fit(frame, target)


def test_without_dask_one_line_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(
        ConfigError, match=r"^Dask is not installed; .*pip install 'deltaprop\[dask\]'$"
    ):
        require_dask()


def test_the_example_of_docs_scaling_runs_and_prints_what_it_says(capsys):
    page = (Path(__file__).parents[1] / "docs" / "scaling.md").read_text(encoding="utf-8")
    for code in re.findall(r"```python\n(.*?)```", page, re.S):  # fit, then partial_fit
        # any free port for the dashboard, as the other clusters here: 8787 may be taken
        code = code.replace("LocalCluster(", 'LocalCluster(dashboard_address=":0", ')
        exec(compile(code, "docs/scaling.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed == ["True", "True", "(2000,) True", "2000 2 1"]


def write_parts(folder, rng, n_files=3, m=60, kind="parquet"):
    """``part-k`` files of columns a, b, c and a target y nearly linear in them."""
    from deltaprop.data import write_csv, write_parquet

    write = write_parquet if kind == "parquet" else write_csv
    for k in range(n_files):
        X = rng.normal(size=(m, 3))
        y = X @ [1.0, 2.0, -1.0] + 0.1 * np.sin(X[:, 0])
        write(folder / f"part-{k}.{kind}", ["a", "b", "c", "y"], np.column_stack([X, y]))
    return str(folder / f"part-*.{kind}")


QUICK = ("--solver", "lbfgs", "--epochs", "15", "--hidden", "3")


def train_args(glob, out, spec, *extra):
    return ["train", glob, "--target", "y", "--dask", spec, "--out", str(out), "--quiet", *extra]


def test_cli_trains_on_a_parquet_glob_on_a_running_scheduler(client, rng, tmp_path, capsys):
    from deltaprop.cli import main
    from deltaprop.io import load_model

    pattern = write_parts(tmp_path, rng)
    args = train_args(pattern, tmp_path / "m.npz", client.scheduler.address)
    outputs = ["--plots", str(tmp_path / "plots"), "--report", str(tmp_path / "run.html")]
    assert main([*args, "--solver", "lbfgs", "--epochs", "40", "--hidden", "4", *outputs]) == 0
    out = capsys.readouterr().out
    n_test = int(re.search(r"held-out test split \((\d+) rows\)", out).group(1))
    assert 0 < n_test < 180 and float(re.search(r"\n  y\s+([-\d.]+)", out).group(1)) > 0.99
    model, meta = load_model(tmp_path / "m.npz")
    split = meta["extra"]["split"]
    assert model.n_iter_ == 40 and split["n_test"] == n_test
    assert split["n_train"] + n_test == 180
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == [
        "loss.png",
        "pred_vs_true.png",
        "residuals.png",
    ]
    assert "deltaprop train: " in (tmp_path / "run.html").read_text(encoding="utf-8")


def test_cli_test_size_0_scores_the_training_rows_and_early_stopping_runs(
    client, rng, tmp_path, capsys
):
    from deltaprop.cli import main
    from deltaprop.io import load_model

    pattern = write_parts(tmp_path, rng, n_files=3, m=40)
    args = train_args(pattern, tmp_path / "m.npz", client.scheduler.address, "--test-size", "0")
    assert main([*args, "--early-stopping", "--lr", "0.05", "--epochs", "40"]) == 0
    out = capsys.readouterr().out
    assert "training rows (120 rows; --test-size 0: not a test on new data):" in out
    model, meta = load_model(tmp_path / "m.npz")
    split = meta["extra"]["split"]
    assert split["n_train"] == 120 and split["n_test"] == 0 and "training_metrics" in meta["extra"]
    assert len(model.validation_loss_curve_) == model.n_iter_ > 1


def test_cli_bad_cell_names_file_line_and_column(client, rng, tmp_path, capsys):
    from deltaprop.cli import main

    pattern = write_parts(tmp_path, rng, n_files=2, m=5, kind="csv")
    lines = (tmp_path / "part-1.csv").read_text().splitlines()
    lines[3] = "1.0,x7,2.0,3.0"
    (tmp_path / "part-1.csv").write_text("\n".join(lines) + "\n")
    assert main(train_args(pattern, tmp_path / "m.npz", client.scheduler.address)) == 1
    err = capsys.readouterr().err
    assert re.fullmatch(
        r"deltaprop: error: partition 1 \(.*part-1\.csv\): column 'b', line 4 of .*part-1\.csv"
        r" \(data row 3\) is 'x7', not a number; .*\n",
        err,
    )
    assert not (tmp_path / "m.npz").exists()


def test_cli_local_cluster_of_worker_processes(rng, tmp_path, capsys):
    from deltaprop.cli import main

    pattern = write_parts(tmp_path, rng, n_files=2, m=30, kind="csv")
    args = train_args(pattern, tmp_path / "m.npz", "local:2", "--solver", "lbfgs")
    assert main([*args, "--epochs", "5", "--hidden", "2"]) == 0
    assert "held-out test split" in capsys.readouterr().out and (tmp_path / "m.npz").exists()


def test_cli_without_dask_or_with_a_bad_spec_says_what_to_do(monkeypatch, tmp_path, capsys):
    from deltaprop.cli import main

    assert main(train_args("part-*.csv", tmp_path / "m.npz", "somewhere")) == 2
    assert "use local:N (N worker processes" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "distributed", None)
    assert main(train_args(str(tmp_path / "*.csv"), tmp_path / "m.npz", "local:2")) != 0
    assert capsys.readouterr().err == (
        "deltaprop: error: Dask is not installed; install it with: pip install 'deltaprop[dask]'\n"
    )


def test_cli_files_with_other_columns_are_named(client, rng, tmp_path, capsys):
    from deltaprop.cli import main
    from deltaprop.data import write_csv

    pattern = write_parts(tmp_path, rng, n_files=2, m=5, kind="csv")
    write_csv(tmp_path / "part-2.csv", ["a", "b", "d", "y"], np.ones((5, 4)))
    assert main(train_args(pattern, tmp_path / "m.npz", client.scheduler.address)) == 1
    assert re.fullmatch(
        r"deltaprop: error: .*part-2\.csv has the columns a, b, d, y but .*part-0\.csv has "
        r"a, b, c, y; give every file the same columns\n",
        capsys.readouterr().err,
    )


class PeakMemory:
    """The largest resident memory of each worker process over a block, sampled every 5 ms
    from this process (``psutil``), less its memory at the start: {worker: bytes}."""

    def __init__(self, client):
        import psutil

        self.processes = {w: psutil.Process(pid) for w, pid in client.run(os.getpid).items()}

    def __enter__(self):
        import threading

        self.start = {w: p.memory_info().rss for w, p in self.processes.items()}
        self.peak, self.done = dict(self.start), threading.Event()
        self.thread = threading.Thread(target=self.sample)
        self.thread.start()
        return self

    def sample(self):
        while not self.done.wait(0.005):
            for w, p in self.processes.items():
                self.peak[w] = max(self.peak[w], p.memory_info().rss)

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()
        self.growth = {w: self.peak[w] - self.start[w] for w in self.processes}


N_FILES = 30


def test_cli_predict_writes_one_file_per_input_file_and_evaluate_sums_on_workers(
    client, rng, tmp_path, capsys
):
    """predict --dask: a new folder with one file of predictions per input file, equal to
    the in-memory predictions of each file; evaluate --dask: the in-memory metrics of all the
    rows together, from the workers' sums."""
    from deltaprop.cli import main
    from deltaprop.commands.common import predict_matrix
    from deltaprop.commands.metrics import metrics_from_sums, regression_metrics
    from deltaprop.commands.on_dask import file_sums
    from deltaprop.data import read_table
    from deltaprop.io import load_model

    pattern = write_parts(tmp_path, rng, n_files=3, m=40, kind="csv")
    address = client.scheduler.address
    assert main([*train_args(pattern, tmp_path / "m.npz", address), *QUICK]) == 0
    capsys.readouterr()
    out = tmp_path / "out" / "predictions"
    args = ["predict", str(tmp_path / "m.npz"), pattern, "--dask", address, "-o", str(out)]
    assert main(args) == 0
    assert capsys.readouterr().err == f"120 predictions written to {out} (3 files)\n"
    assert sorted(p.name for p in out.iterdir()) == ["part-0.csv", "part-1.csv", "part-2.csv"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["predictions"]
    model, meta = load_model(tmp_path / "m.npz")
    tables = [read_table(str(tmp_path / f"part-{k}.csv")) for k in range(3)]  # as on workers
    X = [t.matrix(["a", "b", "c"]) for t in tables]
    for k in range(3):
        got = read_table(str(out / f"part-{k}.csv"))
        assert list(got.columns) == ["y"]
        assert rel_error(got.matrix(["y"]), predict_matrix(model, X[k])) < 1e-15
    assert main(["evaluate", str(tmp_path / "m.npz"), pattern, "--dask", address]) == 0
    assert re.fullmatch(
        rf"{re.escape(pattern)} \(3 files, 120 rows\):\n  target.*\n  y +0\.9\d+ .*\n",
        capsys.readouterr().out,
    )
    sums = [
        file_sums(k, str(tmp_path / f"part-{k}.csv"), model, meta, ("y",), None) for k in range(3)
    ]
    scores, m = metrics_from_sums(sums)
    y_true = np.concatenate([t.matrix(["y"]) for t in tables])
    ref = regression_metrics(y_true, predict_matrix(model, np.concatenate(X)))
    assert m == 120 and all(rel_error(scores[key], ref[key]) < 1e-12 for key in ref)


def test_cli_predict_on_dask_leaves_nothing_when_a_file_is_bad(client, rng, tmp_path, capsys):
    from deltaprop.cli import main

    pattern = write_parts(tmp_path, rng, n_files=2, m=30, kind="parquet")
    address = client.scheduler.address
    assert main([*train_args(pattern, tmp_path / "m.npz", address), *QUICK]) == 0
    capsys.readouterr()
    write_parts(tmp_path, rng, n_files=1, m=3, kind="csv")  # part-0.csv: a third input
    (tmp_path / "part-0.csv").write_text("a,b,y\n1,2,3\n")  # no column c
    before = sorted(p.name for p in tmp_path.iterdir())
    args = ["predict", str(tmp_path / "m.npz"), str(tmp_path / "part-*"), "--dask", address]
    assert main([*args, "-o", str(tmp_path / "out")]) == 1
    assert re.fullmatch(r"deltaprop: error: .*part-0\.csv.*'c'.*\n", capsys.readouterr().err)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no folder, no staging
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.csv").write_text("x\n")
    assert main([*args, "-o", str(tmp_path / "full")]) == 2
    assert "is a folder that is not empty; give a new folder" in capsys.readouterr().err
    assert main([*args]) == 2
    assert "give -o FOLDER" in capsys.readouterr().err


@pytest.mark.parametrize("magnitude", [1e200, 1e-200])
def test_dask_scalers_of_huge_and_tiny_columns_are_the_in_memory_ones(current, rng, magnitude):
    """The distributed pass works in units of each column's largest magnitude, as in memory:
    no overflow of 1e200² (it used to scale by the maximum and warn), no underflow of 1e-200²."""
    X, Y = make_data(rng, m=60)
    X = X * [magnitude, 1.0, 1.0]
    kwargs = dict(hidden_layer_sizes=(3,), solver="lbfgs", max_iter=3, random_state=0)
    ref = DeltapropRegressor(**kwargs).fit(X, Y[:, 0])
    on_dask = DeltapropRegressor(**kwargs).fit(
        da.from_array(X, (25, 3)), da.from_array(Y[:, 0], 25)
    )
    for name in ("x_mean_", "x_scale_", "y_mean_", "y_scale_"):
        assert rel_error(getattr(on_dask, name), getattr(ref, name)) < 1e-13, name
    assert rel_error(on_dask.predict(X), ref.predict(X)) < 1e-9


def test_complex_x_on_dask_is_refused_as_in_memory(current, rng):
    X, Y = make_data(rng, m=20)
    model = DeltapropRegressor(hidden_layer_sizes=(2,), max_iter=2)
    with pytest.raises(DataError, match=r"^X is complex; deltaprop fits real numbers"):
        model.fit(da.from_array(X + 1j, 10), da.from_array(Y[:, 0], 10))
    frame = dd.from_pandas(pd.DataFrame({"a": X[:, 0] + 1j, "y": Y[:, 0]}), npartitions=2)
    with pytest.raises(DataError, match=r"X has non-numeric or complex columns: a; drop them"):
        model.fit(frame[["a"]], frame["y"])


def test_an_empty_partition_is_skipped_and_no_rows_is_one_error(current, rng):
    """A filter that empties a partition used to fail inside (cannot reshape array of size 0);
    the fit equals the in-memory fit on the rows left. A fit or a partial_fit on no rows at
    all is one ``DataError``."""
    X, Y = make_data(rng, m=40)
    table = pd.DataFrame(X, columns=list("abc")).assign(y=Y[:, 0], i=np.arange(40))
    frame = dd.from_pandas(table, npartitions=2)
    kept = frame[frame.i < 20]  # the second partition is empty
    kwargs = dict(hidden_layer_sizes=(3,), solver="lbfgs", max_iter=4, random_state=0)
    ref = DeltapropRegressor(**kwargs).fit(X[:20], Y[:20, 0])
    model = DeltapropRegressor(**kwargs).fit(kept[["a", "b", "c"]], kept["y"])
    assert rel_error(model.x_scale_, ref.x_scale_) < 1e-14 and model.t_ == ref.t_
    assert rel_error(model.predict(pd.DataFrame(X, columns=list("abc"))), ref.predict(X)) < 1e-10
    step = DeltapropRegressor(hidden_layer_sizes=(3,), batch_size=8, random_state=0)
    step.partial_fit(kept[["a", "b", "c"]], kept["y"])
    assert step.t_ == 20
    none = frame[frame.i < 0]
    for fit in (DeltapropRegressor(**kwargs).fit, step.partial_fit):
        with pytest.raises(DataError, match=r"^the data have no rows \(every partition is empty"):
            fit(none[["a", "b", "c"]], none["y"])
    with pytest.raises(DataError, match=r"no rows"):
        DeltapropRegressor(**kwargs).fit(da.zeros((0, 3), chunks=1), da.zeros((0,), chunks=1))


def test_cli_a_file_whose_rows_all_land_in_the_test_split(client, rng, tmp_path, capsys):
    """Its partition of training rows is empty: skipped (it used to make the loss NaN)."""
    from deltaprop.cli import main
    from deltaprop.data import write_csv

    pattern = write_parts(tmp_path, rng, n_files=1, m=40, kind="csv")
    seed = next(s for s in range(100) if np.random.default_rng([s, 1]).random(1)[0] < 0.5)
    write_csv(tmp_path / "part-1.csv", ["a", "b", "c", "y"], np.ones((1, 4)))
    args = train_args(pattern, tmp_path / "m.npz", client.scheduler.address, *QUICK)
    assert main([*args, "--seed", str(seed), "--test-size", "0.5"]) == 0
    assert "held-out test split" in capsys.readouterr().out
    assert main([*args, "--test-size", "0.999"]) == 1  # every row held out: one line
    assert capsys.readouterr().err.startswith("deltaprop: error: the data have no rows (every")


def test_cli_predict_on_dask_into_a_link_to_an_empty_folder_and_where_it_cannot_write(
    client, rng, tmp_path, capsys
):
    """A symbolic link to an empty folder gets the files in that folder (it used to fail
    inside); a folder that cannot be made (/proc/x) is one line, nothing left behind."""
    from deltaprop.cli import main

    pattern = write_parts(tmp_path, rng, n_files=2, m=20, kind="csv")
    address = client.scheduler.address
    assert main([*train_args(pattern, tmp_path / "m.npz", address), *QUICK]) == 0
    (tmp_path / "empty").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "empty")
    args = ["predict", str(tmp_path / "m.npz"), pattern, "--dask", address, "-o"]
    assert main([*args, str(tmp_path / "link")]) == 0
    assert (tmp_path / "link").is_symlink()
    assert sorted(p.name for p in (tmp_path / "empty").iterdir()) == ["part-0.csv", "part-1.csv"]
    capsys.readouterr()
    if os.path.isdir("/proc/self"):
        assert main([*args, "/proc/x"]) == 1
        assert re.fullmatch(
            r"deltaprop: error: cannot write -o '/proc/x'.*\n", capsys.readouterr().err
        )


def test_a_folder_filled_by_another_run_meanwhile_is_one_error_and_nothing_is_left(tmp_path):
    """Two runs into one new folder at once: the second to finish finds it taken."""
    from deltaprop.commands.on_dask import staging_folder

    out = tmp_path / "out"
    with pytest.raises(DataError, match=r"it is no longer a new or empty folder; nothing was"):
        with staging_folder(str(out)) as staging:
            (Path(staging) / "part-0.csv").write_text("y\n1\n")
            out.mkdir()
            (out / "theirs.csv").write_text("y\n2\n")  # the other run's
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert [p.name for p in out.iterdir()] == ["theirs.csv"]


def test_cli_ctrl_c_on_dask_saves_the_best_weights_and_exits_130(
    client, rng, tmp_path, capsys, ctrl_c_at_epoch
):
    """As in memory: Ctrl-C during training on Dask keeps the best weights so far, scores
    them and saves them (the workers go on: they ignore Ctrl-C, see the next test)."""
    from deltaprop.cli import main
    from deltaprop.io import load_model

    ctrl_c_at_epoch(3)
    pattern = write_parts(tmp_path, rng, n_files=2, m=30, kind="csv")
    args = train_args(pattern, tmp_path / "m.npz", client.scheduler.address, "--epochs", "20")
    assert main([*args, "--hidden", "3"]) == 130
    captured = capsys.readouterr()
    assert "training interrupted (Ctrl-C) after 2 epochs; keeping the best weights" in captured.err
    assert "held-out test split" in captured.out
    model, meta = load_model(tmp_path / "m.npz")
    assert model.interrupted_ and model.n_iter_ == 2 and meta["training"]["interrupted"]


def test_local_cluster_workers_ignore_ctrl_c():
    """In a terminal Ctrl-C reaches the whole process group: the worker processes of
    --dask local:N ignore it (they used to die, and training failed 30 s later with nothing
    saved); this process keeps its own handler."""
    import signal

    from deltaprop.distributed import connect

    before = signal.getsignal(signal.SIGINT)
    with connect("local:1") as client:
        assert signal.getsignal(signal.SIGINT) is before
        handlers = client.run(lambda: signal.getsignal(signal.SIGINT) == signal.SIG_IGN)
    assert list(handlers.values()) == [True]


@pytest.fixture
def doomed():
    """One in-process worker, for a test that takes it away (``cluster.scale(0)``); no
    worker for 0.5 s is a lost cluster."""
    import dask

    with (
        dask.config.set({"deltaprop.lost-after": 0.5}),
        distributed.LocalCluster(
            n_workers=1,
            processes=False,
            dashboard_address=":0",
            silence_logs=logging.CRITICAL,
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        yield cluster, client


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_every_worker_lost_is_one_error_that_keeps_the_best_weights(doomed, rng, solver):
    """The only worker goes after iteration (epoch) 3: ``ClusterLostError``, and the network
    holds the parameters of iteration 3 of the in-memory run (its lowest loss so far)."""
    from deltaprop.distributed import ClusterLostError

    cluster, client = doomed
    X, Y = make_data(rng, m=120)
    config = TrainConfig(solver=solver, max_iter=12, batch_size=60, learning_rate_init=0.01)
    ref, h_ref = paths(
        X, Y, config, lambda net, c, cb: train(net, X.T, Y.T, c, rng=seeded(), callback=cb)
    )
    data = dask_data(client, X, Y, (50, 3))

    def lose_every_worker_at_3(net, history):
        if history.n_iter == 3:
            cluster.scale(0)

    net = Network((3, 6, 1), "tanh", rng=np.random.default_rng(7))
    message = (
        r"^the Dask cluster was lost during training \(no Dask worker left for 0\.5 s\) after 3 "
        r"(iterations|epochs); the model keeps the best weights so far: restart the workers"
    )
    with pytest.raises(ClusterLostError, match=message) as lost:
        train_on(net, data, config, rng=seeded(), callback=lose_every_worker_at_3)
    history = lost.value.history
    assert history.n_iter == 3 and history.interrupted and history.stop_reason == "interrupted"
    assert rel_error(np.array(history.loss_curve), np.array(h_ref.loss_curve[:3])) < 1e-10
    assert np.argmin(h_ref.loss_curve[:3]) == 2  # iteration 3 is the best so far
    assert rel_error(net.params, ref[2]) < 1e-10


def test_a_cluster_without_workers_is_one_error_before_training(doomed, rng, tmp_path, capsys):
    from deltaprop.cli import main
    from deltaprop.distributed import ClusterLostError

    cluster, client = doomed
    cluster.scale(0)
    X, Y = make_data(rng, m=40)
    message = r"^the Dask cluster cannot read the data \(no Dask worker left for 0\.5 s\); start"
    with client.as_current(), pytest.raises(ClusterLostError, match=message):
        DeltapropRegressor().fit(da.from_array(X, 20), da.from_array(Y[:, 0], 20))
    pattern = write_parts(tmp_path, rng, n_files=2, m=10, kind="csv")
    assert main(train_args(pattern, tmp_path / "m.npz", client.scheduler.address)) == 1
    assert re.fullmatch(
        r"deltaprop: error: the Dask cluster cannot read the data .*\n", capsys.readouterr().err
    )
    assert not (tmp_path / "m.npz").exists()


def test_a_closed_cluster_is_one_error_and_the_estimator_stays_usable(doomed, rng, monkeypatch):
    """The cluster closes during the fit (after 4 passes): the estimator raises one
    ``ClusterLostError`` and is fitted with the best weights so far; it predicts."""
    from deltaprop.distributed import ClusterLostError, DaskData

    cluster, client = doomed
    X, Y = make_data(rng, m=120)
    passes, gather = [], DaskData.gather

    def closing_after_4(self, futures):
        passes.append(1)
        if len(passes) == 5:
            cluster.close()
        return gather(self, futures)

    monkeypatch.setattr(DaskData, "gather", closing_after_4)
    model = DeltapropRegressor((4,), solver="lbfgs", max_iter=30, random_state=0)
    message = r"^the Dask cluster was lost during training \(its tasks were cancelled: the sch"
    with client.as_current(), pytest.raises(ClusterLostError, match=message) as lost:
        model.fit(da.from_array(X, 40), da.from_array(Y[:, 0], 40))
    assert "\n" not in str(lost.value)
    assert model.interrupted_ and model.stop_reason_ == "interrupted" and model.n_iter_ >= 1
    assert model.predict(X).shape == (120,) and np.isfinite(model.predict(X)).all()


def test_cli_a_lost_cluster_saves_the_best_weights_and_exits_1(doomed, rng, tmp_path, capsys):
    """train --dask: every worker gone after the 6th pass: one line, exit 1, and the model
    file holds the best weights so far (as Ctrl-C saves them)."""
    from deltaprop.cli import main
    from deltaprop.distributed import DaskData
    from deltaprop.io import load_model

    cluster, client = doomed
    pattern = write_parts(tmp_path, rng, n_files=2, m=40, kind="csv")
    passes, gather = [], DaskData.gather

    def losing_every_worker_after_6(self, futures):
        passes.append(1)
        if len(passes) == 7:
            cluster.scale(0)
        return gather(self, futures)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DaskData, "gather", losing_every_worker_after_6)
        args = train_args(pattern, tmp_path / "m.npz", client.scheduler.address, *QUICK)
        assert main(args) == 1
    out, err = capsys.readouterr()
    assert re.fullmatch(
        r"deltaprop: error: the Dask cluster was lost during training \(no Dask worker left "
        r"for 0\.5 s\) after [1-9] iterations?; the model keeps the best weights so far: .* "
        r"\(saved to .*m\.npz\)\n",
        err,
    )
    model, meta = load_model(tmp_path / "m.npz")
    assert meta["extra"]["interrupted"] and meta["extra"]["cluster_lost"]
    assert model.interrupted_ and 1 <= model.n_iter_ < 15
    assert rel_error(model.loss_curve_[-1], min(model.loss_curve_)) == 0.0
    assert model.predict(np.zeros((1, 3))).shape == (1,)


class SchedulerInfo:
    """A client whose scheduler reports these workers' ``memory_limit`` and memory in use."""

    def __init__(self, *workers):
        self.workers = {
            f"w{i}": {"memory_limit": limit, "metrics": {"memory": used}}
            for i, (limit, used) in enumerate(workers)
        }

    def scheduler_info(self, n_workers):
        return {"workers": self.workers}


def test_partitions_are_kept_when_they_fit_half_the_workers_memory():
    import dask

    from deltaprop.distributed import keep_in_memory

    two = SchedulerInfo((1000, 300), (1000, 300))  # free: 2 × (500 − 300)
    assert keep_in_memory(two, 400) and not keep_in_memory(two, 401)
    full = SchedulerInfo((1000, 300), (1000, 700))  # a full worker frees nothing
    assert keep_in_memory(full, 200) and not keep_in_memory(full, 201)
    assert keep_in_memory(SchedulerInfo((1000, 300), (0, 300)), 10**12)  # 0: no limit
    with dask.config.set({"deltaprop.persist": False}):
        assert not keep_in_memory(two, 1)
    with dask.config.set({"deltaprop.persist": True}):
        assert keep_in_memory(two, 10**12)


def test_footprint_is_the_bytes_of_a_persisted_partition_and_its_workspace():
    from deltaprop.distributed import footprint
    from deltaprop.network import Workspace

    net = Network((3, 5, 4, 2), "tanh", dtype="float32")
    ws = Workspace(net, 70)
    arrays = {id(a): a for d in (ws.z, ws.a, ws.delta, ws.dphi) for a in d.values()}
    X, Y = np.empty((3, 70), "f4"), np.empty((2, 70), "f4")
    expected = X.nbytes + Y.nbytes + sum(a.nbytes for a in arrays.values())
    assert footprint(70, (3, 5, 4, 2), "float32") == expected


def test_out_of_core_reads_the_files_at_each_pass_in_bounded_memory(workers, rng, tmp_path):
    """Out of core on worker processes: 30 Parquet files (the same 4 MB file, hard-linked)
    read by ``dask.dataframe`` at each pass. No worker's memory grows by half of its share of
    the data (persisting would add all of it and more; a third held on an idle machine, a
    little more when a busy one keeps more partitions in flight): it holds a few partitions at
    a time, whatever the size of the data (benchmarks/NOTES.md: 3× the workers' memory_limit).
    The fit equals the in-memory fit on one file (the same mean J and ∇J)."""
    import dask

    from deltaprop.data import write_parquet

    X, Y = make_data(rng, m=125_000)
    write_parquet(tmp_path / "part-00.parquet", ["a", "b", "c", "y"], np.column_stack([X, Y]))
    for k in range(1, N_FILES):
        os.link(tmp_path / "part-00.parquet", tmp_path / f"part-{k:02d}.parquet")
    share = N_FILES * X.size * 4 // 3 * 8 / 2  # bytes of the rows as float64, per worker
    kwargs = dict(hidden_layer_sizes=(), solver="lbfgs", max_iter=1, random_state=0)
    frame = dd.read_parquet(str(tmp_path / "part-*.parquet"))
    with dask.config.set({"deltaprop.persist": False}), workers.as_current():
        first = frame.partitions[:2]  # warm-up: the imports and buffers of a task, once
        DeltapropRegressor(**kwargs).fit(first[["a", "b", "c"]], first["y"])
        with PeakMemory(workers) as memory:
            model = DeltapropRegressor(**kwargs).fit(frame[["a", "b", "c"]], frame["y"])
    assert share > 59e6 and max(memory.growth.values()) < share / 2
    ref = DeltapropRegressor(**kwargs).fit(X, Y[:, 0])
    assert model.n_iter_ == ref.n_iter_ == 1
    assert rel_error(model.predict(pd.DataFrame(X, columns=["a", "b", "c"])), ref.predict(X)) < 1e-8


def test_a_worker_killed_mid_training_is_replaced_by_recomputing_its_partitions(workers, rng):
    """Worker processes: kill one after 3 L-BFGS iterations; its partitions are recomputed
    from their lineage on the other worker and training ends where it does in memory."""
    import signal

    X, Y = make_data(rng, m=200)
    config = TrainConfig(solver="lbfgs", max_iter=12)
    ref, h_ref = paths(
        X, Y, config, lambda net, c, cb: train(net, X.T, Y.T, c, rng=seeded(), callback=cb)
    )
    with workers.as_current():
        data = dask_data(workers, X, Y, (50, 3))
        distributed.wait(data.parts)
        holder = workers.who_has(data.parts[:1])[data.parts[0].key][0]  # holds partition 0
        victim = workers.run(os.getpid)[holder]
        killed = []

        def kill_at_iteration_3(net, history):
            if history.n_iter == 3:
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

        net = Network((3, 6, 1), "tanh", rng=np.random.default_rng(7))
        history = train_on(net, data, config, rng=seeded(), callback=kill_at_iteration_3)
    assert killed and history.n_iter == h_ref.n_iter == 12
    assert rel_error(net.params, ref[-1]) < 1e-10


def test_a_partition_keeps_its_columns_in_c_order_and_its_batches_do_not_copy_them():
    rows = np.arange(12.0).reshape(4, 3)  # a block of 4 rows of 3 features
    part = load_part(0, rows, np.arange(4.0))
    np.testing.assert_array_equal(part.X, rows.T)
    assert part.X.flags.c_contiguous and part.steps.X is part.X
