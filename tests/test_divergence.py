"""Trust in training: divergence stops every solver, a poor fit is never silent, the scaler
copes with any scale, Ctrl-C keeps a usable model, verification never passes on NaN."""

import importlib.util
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import deltaprop.train as training
from deltaprop import DataError, DeltapropRegressor, DivergenceError, Network, gradcheck
from deltaprop.cli import main
from deltaprop.data import load_default, write_csv
from deltaprop.errors import PoorFitWarning
from deltaprop.relerror import rel_error
from deltaprop.train import TrainConfig, train

ROOT = Path(__file__).resolve().parents[1]
IGNORE_CONVERGENCE = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def smooth_data(rng, m=200, n=4):
    """Rows X (m, n) and y (m,) = a smooth function of X."""
    X = rng.standard_normal((m, n))
    return X, np.sin(X[:, 0]) + X[:, 1] * X[:, 2] + 0.5 * X[:, 3]


# ---------------------------------------------------------------- the divergence rule


def test_tanh_run_that_grows_without_overflow_is_stopped(rng):
    """tanh saturates, nothing overflows; the growth rule stops it (issue: loss 3.7e+151)."""
    d = load_default()
    model = DeltapropRegressor((16,), activation="tanh", solver="sgd", learning_rate_init=10.0)
    with pytest.raises(
        DivergenceError,
        match=r"^training diverged at epoch \d+ \(loss \S+ grew beyond 1000× its starting "
        r"value \S+\) with learning_rate_init=10; lower the learning rate \(try 1\)",
    ):
        model.set_params(random_state=0).fit(d.X, d.y[:, 0])


def test_adam_with_a_huge_learning_rate_is_stopped():
    d = load_default()
    with pytest.raises(DivergenceError, match=r"learning_rate_init=1000; lower"):
        DeltapropRegressor(learning_rate_init=1e3, random_state=0).fit(d.X, d.y[:, 0])


def test_non_finite_parameter_names_it_as_scikit_learn_does(rng, monkeypatch):
    real_step = training.batch_step

    def step_then_inf(net, *args):
        J = real_step(net, *args)
        net.params[0] = np.inf  # after the last (only, "gd") batch of the epoch
        return J

    monkeypatch.setattr(training, "batch_step", step_then_inf)
    X, y = smooth_data(rng)
    with pytest.raises(
        DivergenceError,
        match=r"^training diverged at epoch 1 \(Solver produced non-finite parameter "
        r"weights\) with",
    ):
        DeltapropRegressor((4,), solver="gd", random_state=0).fit(X, y)


def blow_up_after_epoch(scale, monkeypatch):
    """Make every epoch end with Θ and b multiplied by ``scale`` (finite), J reported as 0.1."""
    real_run_epoch = training.run_epoch

    def run_epoch(net, *args):
        real_run_epoch(net, *args)
        net.params *= scale
        return 0.1

    monkeypatch.setattr(training, "run_epoch", run_epoch)


@pytest.mark.parametrize(
    ("scale", "match"),
    [
        (1e200, r"^training diverged at epoch 1 \(overflow encountered in matmul\)"),
        (1e3, r"^training diverged at epoch \d \(validation loss \S+ grew beyond 1000×"),
    ],
)
def test_validation_pass_is_guarded(rng, monkeypatch, scale, match):
    """Overflow or growth in the early-stopping validation pass is a divergence too (it
    escaped as a raw FloatingPointError)."""
    blow_up_after_epoch(scale, monkeypatch)
    X, y = smooth_data(rng)
    model = DeltapropRegressor((8, 8), activation="identity", early_stopping=True)
    with pytest.raises(DivergenceError, match=match):
        model.fit(X, y)


def test_lbfgs_cannot_start_on_overflowing_raw_data(rng):
    X, y = smooth_data(rng, m=40)
    model = DeltapropRegressor((4,), solver="lbfgs", standardize=False)
    with pytest.raises(DivergenceError, match=r"^training cannot start \((loss is inf|overflow)"):
        model.fit(X, 1e200 * y)


def test_lbfgs_iterate_growth_is_a_divergence(rng, monkeypatch):
    """An accepted L-BFGS iterate 1000× above the start stops it (checked per iteration)."""
    real_record = training.record
    monkeypatch.setattr(training, "record", lambda h, J, m: real_record(h, J * 1e6, m))
    X, y = smooth_data(rng, m=40)
    with pytest.raises(
        DivergenceError, match=r"^training diverged at iteration 1 \(loss \S+ grew beyond 1000×"
    ):
        DeltapropRegressor((4,), solver="lbfgs", random_state=0).fit(X, y)


def load_workloads():
    spec = importlib.util.spec_from_file_location("workloads", ROOT / "benchmarks/workloads.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@IGNORE_CONVERGENCE
@pytest.mark.parametrize("solver", ["gd", "sgd", "adam", "lbfgs"])
def test_the_guard_never_fires_on_healthy_runs(solver):
    """The bundled data (estimator defaults) and the benchmark workloads W1–W4 (their networks
    on 200 of their rows, 3 epochs), at the solver's default and the workload's η. (L-BFGS
    skips W4: its 1.8M parameters take seconds per iteration, and the guard is the same.)"""
    d = load_default()
    DeltapropRegressor(solver=solver, random_state=0).fit(d.X, d.y[:, 0])
    workloads = load_workloads()
    for w in workloads.WORKLOADS.values():
        if solver == "lbfgs" and w.name == "W4":
            continue
        X, y = workloads.make_data(workloads.Workload(**{**w.__dict__, "m": 200}), np.float64)
        for eta in {1e-3, w.eta} if solver != "lbfgs" else {None}:
            net = Network(w.sizes, w.activation, rng=np.random.default_rng(0))
            config = TrainConfig(
                solver=solver, learning_rate_init=eta or 1e-3, batch_size=w.batch, max_iter=3
            )
            history = train(net, X.T, y[None, :], config, rng=np.random.default_rng(0))
            assert np.isfinite(history.final_loss) and history.stop_reason is not None


# ---------------------------------------------------------------- warnings


def caught_warnings(fit):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = fit()
    return model, [(type(w.message), str(w.message)) for w in caught]


def test_worse_than_the_mean_is_a_warning(rng):
    X, y = smooth_data(rng)
    model = DeltapropRegressor((32,), max_iter=1, learning_rate_init=1e-6, random_state=0)
    model, caught = caught_warnings(lambda: model.fit(X, y))
    assert model.score(X, y) < 0  # the warning is true
    poor = [text for kind, text in caught if kind is PoorFitWarning]
    assert len(poor) == 1 and re.match(
        r"^training ended worse than predicting the mean of the training targets \(loss "
        r"without the L2 term \S+, the mean's \S+\) after 1 iterations: train longer",
        poor[0],
    )
    assert issubclass(PoorFitWarning, ConvergenceWarning)


def test_epoch_limit_is_scikit_learns_convergence_warning(rng):
    X, y = smooth_data(rng)
    model = DeltapropRegressor((8,), activation="tanh", max_iter=3)
    model, caught = caught_warnings(lambda: model.fit(X, y))
    assert model.stop_reason_ == "max_iter"
    assert (
        ConvergenceWarning,
        "Maximum iterations reached (max_iter=3) and the optimization hasn't converged yet; "
        "raise the limit or tol",
    ) in caught


@IGNORE_CONVERGENCE
def test_stop_reasons(rng):
    X, y = smooth_data(rng)
    assert DeltapropRegressor((8,), tol=1e9).fit(X, y).stop_reason_ == "converged"
    early = DeltapropRegressor((8,), tol=1e9, early_stopping=True).fit(X, y)
    assert early.stop_reason_ == "early_stopping"
    lbfgs = DeltapropRegressor((8,), solver="lbfgs", max_iter=2).fit(X, y)
    assert lbfgs.stop_reason_ == "max_iter" and lbfgs.n_iter_ == 2


# ---------------------------------------------------------------- the scaler


@IGNORE_CONVERGENCE
@pytest.mark.parametrize("scale", [1e-300, 1e-150, 1e-16, 1e-15, 1e15, 1e150, 1e300])
@pytest.mark.parametrize("what", ["X", "y"])
def test_any_scale_learns_as_scale_one(rng, scale, what):
    """Features or a target multiplied by 1e-300 … 1e300 are standardized to the same
    numbers, so the fit and its R² are those of the original data (up to rounding)."""
    X, y = smooth_data(rng, m=120)
    settings = dict(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=30, random_state=0)
    reference = DeltapropRegressor(**settings).fit(X, y)
    X_s, y_s = (X * scale, y) if what == "X" else (X, y * scale)
    scaled = DeltapropRegressor(**settings).fit(X_s, y_s)
    y_pred = scaled.predict(X_s) / (scale if what == "y" else 1.0)
    np.testing.assert_allclose(y_pred, reference.predict(X), rtol=1e-6, atol=1e-6)
    assert reference.score(X, y) > 0.9  # and that is a fit


def test_constant_columns_are_relative_to_their_magnitude():
    X = np.array([[1e300, 1e-300, 0.0, 3.0], [1e300, 2e-300, 0.0, 3.0], [1e300, 3e-300, 0, 3.0]])
    model = DeltapropRegressor((2,), max_iter=1)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, np.arange(3.0))
    # constant columns get their magnitude as scale (standardized ≈ 0); 1e-300·(1, 2, 3) is data
    np.testing.assert_allclose(model.x_scale_, [1e300, np.sqrt(2 / 3) * 1e-300, 1, 3])


def test_overflowing_column_is_a_data_error_naming_it():
    X = np.array([[1.0, 1.7e308], [2.0, -1.7e308], [3.0, 1.7e308]])
    with pytest.raises(
        DataError,
        match=r"^X column 1 holds -1\.7e\+308 \(row 1, counting from 0\), too large to "
        r"standardize in float64: .* rescale the column",
    ):
        DeltapropRegressor((2,)).fit(X, np.arange(3.0))


def test_overflowing_column_of_a_dataframe_or_series_is_named_by_its_name():
    pd = pytest.importorskip("pandas")
    big = np.array([1.7e308, -1.7e308, 1.7e308])
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "big": big})
    with pytest.raises(DataError, match=r"^X column 'big' holds -1\.7e\+308 \(row 1, counting"):
        DeltapropRegressor((2,)).fit(X, np.arange(3.0))
    y = pd.Series(big, name="price")
    with pytest.raises(DataError, match=r"^y column 'price' holds -1\.7e\+308 \(row 1, count"):
        DeltapropRegressor((2,)).fit(X[["a"]], y)


def test_float32_beyond_its_range_is_a_data_error():
    X = np.array([[1e300], [2e300], [4e300]])
    with pytest.raises(DataError, match=r"^X column 0 is of size .* beyond the range of float32"):
        DeltapropRegressor((2,), dtype="float32").fit(X, np.arange(3.0))


# ---------------------------------------------------------------- Ctrl-C in the first epoch


def interrupt_at_once(monkeypatch, solver):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    name = "minimize" if solver == "lbfgs" else "batch_step"
    monkeypatch.setattr(training, name, interrupt)


@IGNORE_CONVERGENCE  # the initial weights fit worse than the mean: a PoorFitWarning
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_ctrl_c_in_the_first_epoch_keeps_the_initial_weights(rng, monkeypatch, solver):
    interrupt_at_once(monkeypatch, solver)
    X, y = smooth_data(rng)
    model = DeltapropRegressor((8,), solver=solver, random_state=3).fit(X, y)
    initial = Network((4, 8, 1), "relu", rng=np.random.default_rng(3))
    np.testing.assert_array_equal(model.network_.params, initial.params)
    assert model.interrupted_ and model.n_iter_ == 0 and model.stop_reason_ == "interrupted"
    assert np.isfinite(model.predict(X)).all()


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_cli_saves_and_exits_130_on_ctrl_c_in_the_first_epoch(
    tmp_path, rng, capsys, monkeypatch, solver
):
    interrupt_at_once(monkeypatch, solver)
    X, y = smooth_data(rng, m=40)
    write_csv(tmp_path / "d.csv", ("a", "b", "c", "d", "y"), np.column_stack([X, y]))
    out = tmp_path / "m.npz"
    argv = ["train", str(tmp_path / "d.csv"), "--target", "y", "--solver", solver]
    assert main([*argv, "--hidden", "4", "--out", str(out)]) == 130
    captured = capsys.readouterr()
    unit = "iterations" if solver == "lbfgs" else "epochs"
    assert f"training interrupted (Ctrl-C) after 0 {unit}; keeping the initial weights" in (
        captured.err
    )
    assert f"trained 0 {unit}\nstopped: interrupted (Ctrl-C)\n" in captured.out
    assert out.exists() and "internal error" not in captured.err


# ---------------------------------------------------------------- the command line


def test_cli_diverged_run_writes_nothing_and_exits_1(tmp_path, rng, capsys):
    """`deltaprop train data.csv --target y --solver sgd --lr 10` (it exited 0 and wrote the
    model, with R² printed as a 180-digit number)."""
    X, y = smooth_data(rng)
    write_csv(tmp_path / "d.csv", ("a", "b", "c", "d", "y"), np.column_stack([X, 50 + 20 * y]))
    out, plots = tmp_path / "m.npz", tmp_path / "plots"
    argv = ["train", str(tmp_path / "d.csv"), "--target", "y", "--solver", "sgd", "--lr", "10"]
    assert main([*argv, "--out", str(out), "--plots", str(plots), "--quiet"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("deltaprop: error: training diverged at epoch ")
    assert not out.exists() and not plots.exists()


@IGNORE_CONVERGENCE
def test_cli_says_why_training_stopped(tmp_path, rng, capsys):
    X, y = smooth_data(rng, m=60)
    write_csv(tmp_path / "d.csv", ("a", "b", "c", "d", "y"), np.column_stack([X, y]))
    base = ["train", str(tmp_path / "d.csv"), "--target", "y", "--out", str(tmp_path / "m.npz")]
    assert main([*base, "--epochs", "3"]) == 0
    assert "stopped: epoch limit --epochs 3 reached before convergence" in capsys.readouterr().out
    assert main([*base, "--tol", "1e9", "--patience", "2"]) == 0
    out = capsys.readouterr().out
    assert "trained 4 epochs: training loss" in out
    assert "stopped: converged (no improvement > --tol 1e+09 in the training loss for 2 epochs)"
    assert main([*base, "--solver", "lbfgs", "--epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert "trained 2 iterations: training loss" in out
    assert "stopped: iteration limit --epochs 2 reached before convergence" in out


def test_cli_prints_a_poor_fit_as_one_warning_line(tmp_path, rng, capsys):
    X, y = smooth_data(rng, m=60)
    write_csv(tmp_path / "d.csv", ("a", "b", "c", "d", "y"), np.column_stack([X, y]))
    argv = ["train", str(tmp_path / "d.csv"), "--target", "y", "--epochs", "1", "--lr", "1e-6"]
    argv += ["--hidden", "64", "--activation", "relu", "--seed", "1"]
    assert main([*argv, "--out", str(tmp_path / "m.npz"), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("deltaprop: warning: training ended worse than predicting the mean")
    assert err.count("\n") == 1
    assert "after 1 epoch (loss without the --alpha term " in err
    assert "try a lower --lr than 1e-06, more --epochs, another --hidden" in err
    assert "max_iter" not in err and "learning_rate_init" not in err
    assert main([*argv, "--epochs", "5", "--tol", "1e9", "--patience", "1",
                 "--out", str(tmp_path / "m.npz")]) == 0  # fmt: skip
    captured = capsys.readouterr()
    out = captured.out
    assert "converged" not in out
    assert "stopped: the loss stopped improving, worse than predicting the mean: not a " in out
    # one loss definition: the trained line quotes the number the warning compares
    printed = re.search(r"training loss (\S+) \(without the --alpha term\)", out).group(1)
    assert f"(loss without the --alpha term {printed}, the mean's " in captured.err


def test_the_training_loss_is_the_data_term_at_the_kept_weights(rng):
    """``final_loss_``: J without the α term on the training rows at the weights kept, i.e.
    ½ the mean squared residual of ``predict`` (standardize=False)."""
    X, y = smooth_data(rng, m=80)
    model = DeltapropRegressor(
        hidden_layer_sizes=(6,), alpha=10.0, max_iter=30, standardize=False, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    residual = model.predict(X) - y
    assert rel_error(model.final_loss_, 0.5 * np.mean(residual**2)) < 1e-10
    assert model.loss_curve_[-1] > model.final_loss_  # the curve adds the α term


# ---------------------------------------------------------------- verification


def test_gradcheck_never_passes_on_nan(rng):
    net = Network((3, 4, 2), "tanh", rng=rng)
    net.params[5] = np.nan
    X, Y = rng.standard_normal((3, 5)), rng.standard_normal((2, 5))
    report = gradcheck(net, X, Y)
    assert not report.passed() and report.max_rel_error == np.inf
    assert "max relative error inf (NaN or inf met)" in str(report)


def test_gradcheck_report_knows_its_tolerance(rng, capsys):
    assert main(["gradcheck", "--tol", "0"]) == 1
    out = capsys.readouterr().out
    assert "passed at tol" not in out and ": FAILED at tol 0\n" in out
    assert out.splitlines()[-1].startswith("FAILED: max relative error ")
    assert out.splitlines()[-1].endswith(" > tol 0")
