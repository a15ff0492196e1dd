"""The practitioner command line: train → predict → evaluate → info, plots, gradcheck.

Each test calls ``deltaprop.cli.main`` directly and checks the exit status, the printed text and
the files written.
"""

import contextlib
import csv
import io
import json
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from deltaprop.cli import main
from deltaprop.commands.metrics import format_metrics, metric_cells, regression_metrics
from deltaprop.data import read_dataset, write_csv
from deltaprop.io import load_model

# short fits on purpose: scikit-learn's ConvergenceWarning (and deltaprop's PoorFitWarning, a
# subclass) are expected here; tests of the warnings themselves use pytest.warns
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


FAST = ["--hidden", "6", "--epochs", "40", "--lr", "0.01", "--quiet"]


def make_csv(path, rng, m=80, targets=("y",), order=("a", "b", "c")):
    """A smooth regression problem with an id column the model must ignore."""
    X = rng.uniform(-1, 1, size=(m, 3))  # columns a, b, c
    ys = {"y": np.sin(2 * X[:, 0]) + X[:, 1] * X[:, 2], "z": X[:, 0] - 2 * X[:, 2]}
    columns = {"a": X[:, 0], "b": X[:, 1], "c": X[:, 2]}
    header = ["id", *order, *targets]
    values = np.column_stack(
        [np.arange(m), *(columns[n] for n in order), *(ys[t] for t in targets)]
    )
    write_csv(path, header, values)
    return path


@pytest.fixture
def data_csv(tmp_path, rng):
    return make_csv(tmp_path / "train.csv", rng)


@pytest.fixture
def trained(tmp_path, data_csv, capsys):
    model = tmp_path / "m.npz"
    code = main(
        ["train", str(data_csv), "--target", "y", "--features", "a,b,c", "--out", str(model), *FAST]
    )
    assert code == 0
    return model, capsys.readouterr()


def read_csv_rows(text):
    return list(csv.reader(text.splitlines()))


def test_train_prints_metrics_and_writes_the_model(trained):
    model, out = trained
    assert "held-out test split (16 rows):" in out.out
    assert f"model written to {model}" in out.out
    row = next(line for line in out.out.splitlines() if line.strip().startswith("y "))
    r2, rmse, mae = (float(v) for v in row.split()[1:])
    assert r2 > 0.0 and 0 < mae <= rmse
    estimator, meta = load_model(model)
    assert meta["feature_names"] == ["a", "b", "c"] and meta["target_names"] == ["y"]
    assert meta["extra"]["split"] == {"seed": 0, "test_size": 0.2, "n_train": 64, "n_test": 16}
    assert meta["extra"]["test_metrics"]["y"]["r2"] == pytest.approx(r2, abs=1e-4)
    assert tuple(estimator.network_.sizes) == (3, 6, 1)
    assert out.err == ""  # --quiet: no progress bar


def test_predict_matches_columns_by_name(trained, tmp_path, rng, capsys):
    model, _ = trained
    shuffled = make_csv(tmp_path / "new.csv", rng, m=7, targets=(), order=("c", "a", "b"))
    assert main(["predict", str(model), str(shuffled)]) == 0
    printed = read_csv_rows(capsys.readouterr().out)
    estimator, _ = load_model(model)
    table = read_dataset(shuffled, ["id"], features=["a", "b", "c"])
    expected = estimator.predict(table.X).reshape(-1)
    assert printed[0] == ["y"]
    np.testing.assert_array_equal([float(r[0]) for r in printed[1:]], expected)


def test_predict_to_file(trained, data_csv, tmp_path, capsys):
    model, _ = trained
    out = tmp_path / "pred.csv"
    assert main(["predict", str(model), str(data_csv), "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and f"80 predictions written to {out}" in captured.err
    rows = read_csv_rows(out.read_text())
    assert rows[0] == ["y"] and len(rows) == 81


def test_evaluate_recomputes_the_metrics(trained, data_csv, capsys):
    model, _ = trained
    assert main(["evaluate", str(model), str(data_csv)]) == 0
    text = capsys.readouterr().out
    estimator, meta = load_model(model)
    data = read_dataset(data_csv, ["y"], features=meta["feature_names"])
    scores = regression_metrics(data.y, estimator.predict(data.X).reshape(-1, 1))
    assert f"{data_csv} (80 rows):" in text
    row = next(line for line in text.splitlines() if line.strip().startswith("y "))
    cells = metric_cells(scores)
    assert row.split()[1:] == [cells["r2"][0], cells["rmse"][0], cells["mae"][0]]


def test_info_text_and_json(trained, capsys):
    model, _ = trained
    assert main(["info", str(model)]) == 0
    text = capsys.readouterr().out
    assert "architecture: 3-6-1 (tanh hidden layers, linear output)" in text
    assert "parameters: 31" in text  # 6·(3+1) + 1·(6+1)
    assert "features (3): a, b, c" in text and "targets (1): y" in text
    assert "test metrics, y: r2=" in text
    assert main(["info", str(model), "--json"]) == 0
    meta = json.loads(capsys.readouterr().out)
    assert meta["parameter_count"] == 31 and meta["feature_names"] == ["a", "b", "c"]


def test_two_targets(tmp_path, rng, capsys):
    data = make_csv(tmp_path / "two.csv", rng, targets=("y", "z"))
    model = tmp_path / "two.npz"
    assert main(["train", str(data), "--target", "y,z", "--out", str(model), *FAST]) == 0
    text = capsys.readouterr().out
    assert any(line.strip().startswith("y ") for line in text.splitlines())
    assert any(line.strip().startswith("z ") for line in text.splitlines())
    assert main(["predict", str(model), str(data)]) == 0
    rows = read_csv_rows(capsys.readouterr().out)
    assert rows[0] == ["y", "z"] and len(rows[1]) == 2


def test_regression_metrics_agree_with_scikit_learn(rng):
    from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error

    y, y_hat = rng.standard_normal((50, 2)), rng.standard_normal((50, 2))
    scores = regression_metrics(y, y_hat)
    np.testing.assert_allclose(scores["r2"], r2_score(y, y_hat, multioutput="raw_values"))
    np.testing.assert_allclose(
        scores["rmse"], root_mean_squared_error(y, y_hat, multioutput="raw_values")
    )
    np.testing.assert_allclose(
        scores["mae"], mean_absolute_error(y, y_hat, multioutput="raw_values")
    )
    constant = regression_metrics(np.ones((4, 1)), np.zeros((4, 1)))
    assert np.isnan(constant["r2"][0]) and constant["mae"][0] == 1.0


def test_plots_writes_both_pngs(tmp_path, data_csv, capsys):
    plots = tmp_path / "plots"
    code = main(
        [
            "train",
            str(data_csv),
            "--target",
            "y",
            "--out",
            str(tmp_path / "m.npz"),
            "--plots",
            str(plots),
            "--early-stopping",
            *FAST,
        ]
    )
    assert code == 0
    assert sorted(p.name for p in plots.iterdir()) == [
        "loss.png",
        "pred_vs_true.png",
        "residuals.png",
    ]
    for png in plots.iterdir():
        assert png.read_bytes()[:4] == b"\x89PNG"
    assert "plots written to" in capsys.readouterr().out


def test_bundled_default_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--epochs", "5", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "held-out test split (89 rows):" in text and "progression" in text
    assert "model written to model.npz" in text
    _, meta = load_model(tmp_path / "model.npz")
    assert meta["target_names"] == ["progression"] and len(meta["feature_names"]) == 10


def test_train_summary_lines_without_quiet(tmp_path, data_csv, capsys):
    main(
        [
            "train",
            str(data_csv),
            "--target",
            "y",
            "--hidden",
            "4",
            "--epochs",
            "3",
            "--out",
            str(tmp_path / "m.npz"),
        ]
    )
    text = capsys.readouterr().out
    assert "left out id: an identifier (a different value in every row)" in text
    assert "80 rows, 3 features → y; 64 to train, 16 held out (seed 0)" in text
    assert "network: 3-4-1, tanh, adam, squared loss" in text
    assert "trained 3 epochs: training loss" in text


@pytest.mark.parametrize("solver", ["gd", "sgd", "lbfgs"])
def test_other_solvers_and_huber(tmp_path, data_csv, solver):
    code = main(
        [
            "train",
            str(data_csv),
            "--target",
            "y",
            "--solver",
            solver,
            "--loss",
            "huber",
            "--batch-size",
            "16",
            "--out",
            str(tmp_path / "m.npz"),
            *FAST,
        ]
    )
    assert code == 0


def test_gradcheck_passes_on_a_random_network(capsys):
    assert main(["gradcheck", "--sizes", "3,5,4,2", "--samples", "6"]) == 0
    text = capsys.readouterr().out
    assert "PASSED: max relative error" in text


def test_gradcheck_on_a_saved_model_in_directions_mode(trained, capsys):
    model, _ = trained
    assert main(["gradcheck", str(model), "--mode", "directions", "--alpha", "0.1"]) == 0
    assert "PASSED" in capsys.readouterr().out


def test_gradcheck_fails_with_exit_1_when_tolerance_is_impossible(capsys):
    assert main(["gradcheck", "--tol", "0", "--sizes", "2,3,1"]) == 1
    assert "FAILED: max relative error" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["train", "predict", "evaluate", "info", "gradcheck"])
def test_every_help_has_an_example(command, capsys):
    assert main([command, "--help"]) == 0
    text = capsys.readouterr().out
    assert f"usage: deltaprop {command}" in text
    assert f"examples:\n  deltaprop {command}" in text


def mlp_pipelines(seed):
    """scikit-learn's MLPRegressor with deltaprop train's default network, X standardized;
    and the same with y standardized too."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from deltaprop.commands.train import TRAIN_DEFAULTS as d

    def mlp():
        return make_pipeline(
            StandardScaler(),
            MLPRegressor(
                hidden_layer_sizes=(int(d["hidden"]),),
                activation=d["activation"],
                solver=d["solver"],
                alpha=d["alpha"],
                max_iter=d["epochs"],
                learning_rate_init=d["lr"],
                random_state=seed,
            ),
        )

    return mlp(), TransformedTargetRegressor(mlp(), transformer=StandardScaler())


def held_out_r2(model, train, test):
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 200 epochs is what both get
        model.fit(train.X, train.y[:, 0])
    return regression_metrics(test.y, np.reshape(model.predict(test.X), (-1, 1)))["r2"][0]


def test_default_run_matches_or_beats_scikit_learn(tmp_path, capsys):
    """The default run against MLPRegressor on the same split: a comparison, not pinned figures
    (the absolute R² of each are in benchmarks/, they depend on the machine's last bits)."""
    from sklearn.linear_model import LinearRegression

    from deltaprop.data import load_default, train_test_split

    assert main(["train", "--quiet", "--out", str(tmp_path / "m.npz")]) == 0
    ours = load_model(tmp_path / "m.npz")[1]["extra"]["test_metrics"]["progression"]["r2"]
    train, test = train_test_split(load_default(), 0.2, seed=0)
    x_scaled, xy_scaled = (held_out_r2(m, train, test) for m in mlp_pipelines(seed=0))
    least_squares = held_out_r2(LinearRegression(), train, test)
    assert ours >= xy_scaled - 0.01 and xy_scaled > x_scaled
    assert ours >= least_squares - 0.05  # a network no worse than the linear model


def test_default_network_is_on_par_with_scikit_learn_over_ten_splits():
    from deltaprop.commands.train import TRAIN_DEFAULTS as d
    from deltaprop.data import load_default, train_test_split
    from deltaprop.estimator import DeltapropRegressor

    ours, theirs = [], []
    for seed in range(10):
        train, test = train_test_split(load_default(), 0.2, seed=seed)
        ours.append(
            held_out_r2(
                DeltapropRegressor(
                    hidden_layer_sizes=(int(d["hidden"]),),
                    activation=d["activation"],
                    alpha=d["alpha"],
                    max_iter=d["epochs"],
                    random_state=seed,
                ),
                train,
                test,
            )
        )
        theirs.append(held_out_r2(mlp_pipelines(seed)[1], train, test))
    assert np.mean(ours) >= np.mean(theirs) - 0.01


def test_model_saved_from_python_without_names(tmp_path, rng, capsys):
    """Without stored feature names, predict takes the file's columns in order and checks
    their count; info and evaluate fall back to y0, y1, …"""
    from deltaprop.estimator import DeltapropRegressor
    from deltaprop.io import save_model

    X = rng.standard_normal((40, 2))
    Y = np.column_stack([X.sum(axis=1), X[:, 0] * X[:, 1]])
    model = tmp_path / "api.npz"
    save_model(
        model, DeltapropRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, Y)
    )
    write_csv(tmp_path / "x.csv", ("p", "q"), X[:3])
    assert main(["predict", str(model), str(tmp_path / "x.csv"), "-o", "-"]) == 0
    rows = read_csv_rows(capsys.readouterr().out)
    assert rows[0] == ["y0", "y1"] and len(rows) == 4
    write_csv(tmp_path / "x3.csv", ("p", "q", "r"), np.zeros((2, 3)))
    assert main(["predict", str(model), str(tmp_path / "x3.csv")]) == 1
    assert "the model stores no feature names and needs 2 columns, but" in capsys.readouterr().err
    assert main(["info", str(model)]) == 0
    text = capsys.readouterr().out
    assert "features (2): (unnamed)" in text and "targets (2): y0, y1" in text


def test_evaluate_two_targets_in_the_order_given(tmp_path, rng, capsys):
    data = make_csv(tmp_path / "two.csv", rng, targets=("y", "z"))
    model = tmp_path / "two.npz"
    assert main(["train", str(data), "--target", "y,z", "--out", str(model), *FAST]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(model), str(data)]) == 0
    default = capsys.readouterr().out.splitlines()
    assert main(["evaluate", str(model), str(data), "--target", "y,z"]) == 0
    assert capsys.readouterr().out.splitlines() == default
    assert [line.split()[0] for line in default[2:]] == ["y", "z"]


def test_multi_target_plots(tmp_path, rng, capsys):
    data = make_csv(tmp_path / "two.csv", rng, targets=("y", "z"))
    plots = tmp_path / "plots"
    assert (
        main(
            [
                "train",
                str(data),
                "--target",
                "y,z",
                "--out",
                str(tmp_path / "m.npz"),
                "--plots",
                str(plots),
                *FAST,
            ]
        )
        == 0
    )
    assert sorted(p.name for p in plots.iterdir()) == [
        "loss.png",
        "pred_vs_true.png",
        "residuals.png",
    ]


def test_python_m_deltaprop_predict_into_a_pipe_closed_early(trained, tmp_path, rng):
    """`python -m deltaprop predict … | head -1`: exit 0, nothing on stderr."""
    import subprocess
    import sys

    model, _ = trained
    big = make_csv(tmp_path / "big.csv", rng, m=20000)
    process = subprocess.Popen(
        [sys.executable, "-m", "deltaprop", "predict", str(model), str(big)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout.readline() == b"y\n"
    process.stdout.close()  # as `head -1` does
    assert process.wait(timeout=120) == 0
    assert process.stderr.read() == b""
    process.stderr.close()


def test_linear_model_on_the_cli_equals_least_squares(tmp_path, capsys):
    """--hidden none --alpha 0 --solver lbfgs is ordinary least squares: same test metrics."""
    from deltaprop.data import load_default, train_test_split

    out = tmp_path / "lin.npz"
    argv = [
        "train",
        "--hidden",
        "none",
        "--alpha",
        "0",
        "--solver",
        "lbfgs",
        "--epochs",
        "500",
        "--quiet",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    stored = load_model(out)[1]["extra"]["test_metrics"]["progression"]
    train, test = train_test_split(load_default(), 0.2, seed=0)
    A = np.column_stack([train.X, np.ones(train.n_samples)])  # (m, n + 1)
    w = np.linalg.lstsq(A, train.y, rcond=None)[0]  # (n + 1, 1)
    expected = regression_metrics(test.y, np.column_stack([test.X, np.ones(test.n_samples)]) @ w)
    for key in ("r2", "rmse", "mae"):
        assert stored[key] == pytest.approx(expected[key][0], rel=1e-4)  # L-BFGS stop: tol


def test_parquet_in_and_out_and_exclude(trained, tmp_path, rng, capsys):
    import pyarrow as pa
    import pyarrow.parquet as pq

    model, _ = trained
    csv_path = make_csv(tmp_path / "rows.csv", rng, m=9, targets=("y",))
    data = read_dataset(csv_path, ["y"], features=["a", "b", "c"])
    parquet = tmp_path / "rows.parquet"
    columns = {"id": [f"r{i}" for i in range(9)], "a": data.X[:, 0], "b": data.X[:, 1]}
    pq.write_table(pa.table({**columns, "c": data.X[:, 2], "y": data.y[:, 0]}), parquet)
    expected = load_model(model)[0].predict(data.X).reshape(-1)
    for output, reader in [("p.parquet", "parquet"), ("p", "parquet"), ("p.csv", "csv")]:
        assert main(["predict", str(model), str(parquet), "-o", str(tmp_path / output)]) == 0
        if reader == "parquet":
            got = pq.read_table(tmp_path / output).column("y").to_numpy()
        else:
            got = [float(row[0]) for row in read_csv_rows((tmp_path / output).read_text())[1:]]
        np.testing.assert_array_equal(got, expected)
    assert main(["evaluate", str(model), str(parquet)]) == 0
    assert f"{parquet} (9 rows):" in capsys.readouterr().out
    out = tmp_path / "pq.npz"
    assert main(["train", str(parquet), "--target", "y", "--exclude", "id", "--out", str(out),
                 "--test-size", "0.3", *FAST]) == 0  # fmt: skip
    assert load_model(out)[1]["feature_names"] == ["a", "b", "c"]


def test_text_columns_are_categorical_and_names_are_left_out(tmp_path, capsys):
    path = tmp_path / "people.csv"
    rows = [f"{n};{city};{age};{age / 10}" for n, city, age in
            zip("ABCDEFGH", "xyxyxyxy", range(30, 38), strict=True)]  # fmt: skip
    path.write_text("name;city;age;y\n" + "\n".join(rows) + "\n")
    code = main(["train", str(path), "--target", "y", "--test-size", "0.25", "--hidden", "4",
                 "--epochs", "3", "--out", str(tmp_path / "m.npz")])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "left out name: an identifier (a different value in every row) predicts " in out
    assert "categorical, one-hot: city (2 values)" in out
    assert "network: 3-4-1" in out  # age, city=x, city=y
    code = main(["train", str(path), "--target", "y", "--categorical", "age",
                 "--max-categories", "5", "--out", str(tmp_path / "m.npz"), *FAST])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1
    assert (
        "column 'age' has 8 distinct values, more than --max-categories 5 (an identifier or "
        "free text is no category): leave it out with --exclude age, or raise --max-categories"
    ) in err


@pytest.mark.parametrize(
    ("option", "value", "match"),
    [
        ("--target", "y,y", r"'y,y' names 'y' more than once; name each column once"),
        ("--features", "a,a", r"'a,a' names 'a' more than once"),
    ],
)
def test_duplicate_names_are_usage_errors(data_csv, tmp_path, capsys, option, value, match):
    extra = [] if option == "--target" else ["--target", "y"]
    code = main(["train", str(data_csv), option, value, *extra, "--out", str(tmp_path / "m")])
    assert code == 2
    assert re.search(match, capsys.readouterr().err)
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("target_kind", ["series", "frame"])
def test_model_fitted_on_a_dataframe_predicts_without_warning_and_keeps_names(
    tmp_path, rng, capsys, target_kind
):
    import pandas as pd

    from deltaprop.estimator import DeltapropRegressor
    from deltaprop.io import save_model

    X = pd.DataFrame(rng.standard_normal((40, 2)), columns=["p", "q"])
    y = pd.Series(X["p"] - X["q"], name="price")
    y = y if target_kind == "series" else y.to_frame()
    estimator = DeltapropRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    estimator.fit(X, y)
    assert estimator.target_names_ == ["price"]
    model = tmp_path / "frame.npz"
    save_model(model, estimator)
    write_csv(tmp_path / "x.csv", ("q", "p"), X[["q", "p"]].to_numpy()[:3])
    assert main(["predict", str(model), str(tmp_path / "x.csv")]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""  # no "X does not have valid feature names" warning
    rows = read_csv_rows(captured.out)
    assert rows[0] == ["price"]
    expected = np.asarray(estimator.predict(X.iloc[:3])).reshape(-1)
    np.testing.assert_array_equal([float(r[0]) for r in rows[1:]], expected)


def test_metrics_columns_have_one_precision_each():
    scores = {
        "r2": np.array([0.52268, 0.4, np.nan]),
        "rmse": np.array([52.9932, 54.3, 7.0]),
        "mae": np.array([0.012345, 0.5, 0.25]),
    }
    rows = format_metrics(scores, ["a", "b", "c"]).splitlines()[1:]
    assert [row.split()[1:] for row in rows] == [
        ["0.5227", "52.99", "0.0123"],
        ["0.4000", "54.30", "0.5000"],
        ["n/a", "7.00", "0.2500"],
    ]


def test_test_size_zero_trains_on_every_row_and_says_so(tmp_path, data_csv, capsys):
    model = tmp_path / "all.npz"
    args = ["train", str(data_csv), "--target", "y", "--test-size", "0", "--out", str(model)]
    assert main([*args, *FAST]) == 0
    text = capsys.readouterr().out
    assert "training rows (80 rows; --test-size 0: not a test on new data):" in text
    estimator, meta = load_model(model)
    assert meta["extra"]["split"]["n_train"] == 80 and meta["extra"]["split"]["n_test"] == 0
    data = read_dataset(data_csv, ["y"], exclude=["id"])  # the id column is left out
    expected = regression_metrics(data.y, estimator.predict(data.X).reshape(-1, 1))
    stored = meta["extra"]["training_metrics"]["y"]
    assert stored["r2"] == pytest.approx(expected["r2"][0], rel=1e-12)
    assert "test_metrics" not in meta["extra"]
    assert main(["info", str(model)]) == 0
    assert "training metrics, y: r2=" in capsys.readouterr().out


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def report_run(tmp_path_factory):
    """One training run with --report: (report path, printed text)."""
    folder = tmp_path_factory.mktemp("report")
    data = make_csv(folder / "train.csv", np.random.default_rng(5))
    report = folder / "run.html"
    argv = ["train", str(data), "--target", "y", "--exclude", "id", "--report", str(report)]
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        assert main([*argv, "--out", str(folder / "m.npz"), *FAST]) == 0
    return report, stdout.getvalue()


def test_report_holds_settings_metrics_and_plots_inline(report_run):
    report, printed = report_run
    assert f"report written to {report}" in printed
    page = report.read_text(encoding="utf-8")
    assert "<h2>Metrics: held-out test split (16 rows)</h2>" in page
    row = next(line for line in printed.splitlines() if line.strip().startswith("y "))
    cells = "".join(f"<td class=num>{cell}</td>" for cell in row.split()[1:])
    assert f"<tr><td>y</td>{cells}</tr>" in page  # the numbers printed, same precision
    for setting in ("3-6-1, tanh hidden layers", "adam, η = 0.01", "squared, α = 1.0"):
        assert setting in page
    images = re.findall(r"<img src='([^']*)'", page)
    assert len(images) == 3 and all(src.startswith("data:image/png;base64,") for src in images)
    assert not re.search(r"(src|href)=(?!['\"]?data:)", page)  # nothing loaded from elsewhere


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_report_renders_offline_in_headless_chromium(report_run, tmp_path):
    report, _ = report_run
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    url = report.as_uri()
    dom = subprocess.run(
        [CHROMIUM, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120
    ).stdout
    assert "<h1>deltaprop train:" in dom and dom.count("<img") == 3
    assert dom.count("<tr>") >= 11 + 2  # settings, metrics header and row
    shot = tmp_path / "shot.png"
    subprocess.run(
        [CHROMIUM, *flags, f"--screenshot={shot}", "--window-size=1000,2600", url],
        capture_output=True,
        timeout=120,
    )
    from matplotlib.image import imread

    pixels = imread(shot)[..., :3]  # (h, w, 3) in [0, 1]
    blue = np.abs(pixels - np.array([31, 119, 180]) / 255).max(axis=-1) < 0.08  # matplotlib C0
    assert blue.sum() > 300  # the embedded plots were decoded and drawn (text is not blue)


def test_named_features_without_pandas_go_in_as_a_pyarrow_table(monkeypatch, rng):
    from deltaprop.commands.common import named

    class NoPandas:  # a finder that makes `import pandas` fail as where it is not installed
        def find_spec(self, name, path=None, target=None):
            if name == "pandas":
                raise ModuleNotFoundError("No module named 'pandas'")

    X = rng.standard_normal((3, 2))
    monkeypatch.delitem(sys.modules, "pandas", raising=False)
    monkeypatch.setattr(sys, "meta_path", [NoPandas(), *sys.meta_path])
    table = named(X, ["p", "q"])
    assert table.column_names == ["p", "q"]
    assert table.column("q").to_pylist() == X[:, 1].tolist()
