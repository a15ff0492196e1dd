"""The command line on tables as they come: text columns, empty cells, row ids, predict
--keep, rows that cannot be predicted, categories not seen in training, and the model file."""

import numpy as np
import pytest

from deltaprop.cli import main
from deltaprop.io import load_model
from synthetic import make_table

FAST = ["--epochs", "5", "--quiet"]


@pytest.fixture
def houses(tmp_path):
    path = tmp_path / "houses.csv"
    make_table(300, seed=2, levels=(4, 8, 5), missing=0.05).write_csv(path)
    return path


def run(capsys, argv):
    code = main(argv)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def test_train_says_what_it_did_to_the_columns(houses, tmp_path, capsys):
    code, out, _ = run(capsys, ["train", str(houses), "--target", "y", "--epochs", "5",
                                "--out", str(tmp_path / "m.npz")])  # fmt: skip
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("left out id: an identifier (a different value in every row)")
    assert lines[1] == "categorical, one-hot: city (4 values), shop (8 values)"
    assert (
        "network: 19-64-1, relu" in out
    )  # 5 numbers, age (missing), 4 cities + (missing), 8 shops
    assert "filled " in out and "of the training rows: age (" in out
    model, meta = load_model(tmp_path / "m.npz")
    assert meta["feature_names"] == ["area", "age", "rooms", "income", "city", "shop", "grade"]
    assert model.encoder_.categorical == ("city", "shop")
    assert model.network_.sizes[0] == model.encoder_.n_encoded == 19


def test_categorical_codes_missing_error_and_drop(houses, tmp_path, capsys):
    out_file = str(tmp_path / "m.npz")
    code, _, err = run(capsys, ["train", str(houses), "--target", "y", "--missing", "error",
                                "--out", out_file])  # fmt: skip
    assert code == 1 and err.count("\n") == 1
    assert "has 21 empty cell(s): column 'age' line 16, line 60, " in err
    assert ", and 11 more; fill them in, or leave --missing out to impute them" in err
    argv = ["train", str(houses), "--target", "y", "--missing", "drop", "--categorical", "grade"]
    code, out, _ = run(capsys, [*argv, "--epochs", "5", "--out", out_file])
    assert code == 0
    assert "dropped " in out and " of 300 rows with an empty cell (age " in out
    model, _ = load_model(out_file)
    assert model.encoder_.categorical == ("city", "shop", "grade")
    assert model.missing == "error"  # nothing left to fill


def test_predict_keeps_ids_and_never_shifts_rows(houses, tmp_path, capsys):
    model = tmp_path / "m.npz"
    plain = tmp_path / "plain.npz"
    assert main(["train", str(houses), "--target", "y", "--out", str(model), *FAST]) == 0
    assert main(["train", str(houses), "--target", "y", "--exclude", "id,city,shop",
                 "--missing", "drop", "--out", str(plain), *FAST]) == 0  # fmt: skip
    new = tmp_path / "new.csv"
    new.write_text(
        "id,area,age,rooms,income,city,shop,grade\n"
        "11,120,30,3,40000,city_1,shop_3,2\n"
        "12,,40,4,50000,Paris,shop_4,1\n"
        "13,100,,2,30000,,shop_1,3\n"
    )
    capsys.readouterr()
    code, out, err = run(capsys, ["predict", str(model), str(new), "--keep", "id,city"])
    assert code == 0
    rows = [line.split(",") for line in out.splitlines()]
    assert rows[0] == ["id", "city", "y"] and [r[:2] for r in rows[1:]] == [
        ["11", "city_1"], ["12", "Paris"], ["13", ""]]  # fmt: skip
    assert all(r[2] for r in rows[1:])  # every row predicted: the model fills what is empty
    assert "warning: column 'city' has categories not seen in training: 'Paris'" in err
    assert "filled 3 missing cell(s): area (1, the median" in err
    code, _, err = run(capsys, ["predict", str(model), str(new), "--unknown", "error"])
    assert code == 1 and "'Paris'; retrain with these rows, or drop them" in err
    # a model without imputation: the rows it cannot predict get an empty prediction
    code, out, err = run(capsys, ["predict", str(plain), str(new), "--keep", "id"])
    assert code == 0
    assert [line.split(",")[0] for line in out.splitlines()] == ["id", "11", "12", "13"]
    assert out.splitlines()[2] == "12," and out.splitlines()[3] == "13,"
    assert (
        "2 row(s) of " in err
        and "could not be predicted, for empty cells the model cannot fill (column 'area' line "
        "3; column 'age' line 4): written with an empty prediction"
        in err
    )
    code, out, err = run(capsys, ["predict", str(plain), str(new), "--keep", "id",
                                  "--missing", "drop"])  # fmt: skip
    assert out.splitlines()[1:] == [out.splitlines()[1]] and out.splitlines()[1].startswith("11,")
    assert "left out of the output (--missing drop)" in err
    code, _, err = run(capsys, ["predict", str(plain), str(new), "--missing", "error"])
    assert code == 1 and "has 2 empty cell(s): column 'area' line 3; column 'age' line 4" in err
    code, _, err = run(capsys, ["predict", str(model), str(new), "--keep", "nope"])
    assert code == 1 and "--keep names 'nope', not a column of" in err


def test_predict_to_parquet_keeps_the_column_types(houses, tmp_path, capsys):
    import pyarrow.parquet as pq

    model = tmp_path / "m.npz"
    assert main(["train", str(houses), "--target", "y", "--out", str(model), *FAST]) == 0
    out = tmp_path / "p.parquet"
    assert main(["predict", str(model), str(houses), "--keep", "id,city", "-o", str(out)]) == 0
    table = pq.read_table(out)
    assert table.column_names == ["id", "city", "y"] and table.num_rows == 300
    assert table.column("city").null_count > 0 and table.column("y").null_count == 0


def test_evaluate_scores_the_rows_it_can(houses, tmp_path, capsys):
    model = tmp_path / "m.npz"
    assert main(["train", str(houses), "--target", "y", "--missing", "drop", "--exclude",
                 "city,shop", "--out", str(model), *FAST]) == 0  # fmt: skip
    capsys.readouterr()
    code, out, err = run(capsys, ["evaluate", str(model), str(houses)])
    assert code == 0
    n_empty = int(np.isnan(make_table(300, seed=2, levels=(4, 8, 5), missing=0.05)
                           .columns["age"]).sum())  # fmt: skip
    assert out.startswith(f"{houses} ({300 - n_empty} of 300 rows):")
    assert "left out of the scores" in err


def test_decimal_commas_read_with_decimal(tmp_path, capsys):
    path = tmp_path / "comma.csv"
    rows = [f"{i};{i / 2:.1f};{i * 1.5:.2f}".replace(".", ",") for i in range(1, 11)]
    path.write_text("n;x;y\n" + "\n".join(rows) + "\n")
    code, _, err = run(capsys, ["train", str(path), "--target", "y", "--out",
                                str(tmp_path / "m.npz"), *FAST])  # fmt: skip
    assert code == 1 and "read the file with --decimal ," in err
    code, _, err = run(capsys, ["train", str(path), "--target", "y", "--decimal", ",",
                                "--out", str(tmp_path / "m.npz"), *FAST])  # fmt: skip
    assert code == 0, err


def test_export_carries_the_preprocessing_or_refuses(houses, tmp_path, capsys):
    pytest.importorskip("onnxruntime")
    import onnx

    model = tmp_path / "m.npz"
    assert main(["train", str(houses), "--target", "y", "--out", str(model), *FAST]) == 0
    code, out, _ = run(capsys, ["export", str(model), "-o", str(tmp_path / "m.onnx")])
    assert code == 0 and "onnx model written to" in out
    graph = onnx.load(tmp_path / "m.onnx").graph
    assert [i.name for i in graph.input] == [
        "area", "age", "rooms", "income", "city", "shop", "grade"]  # fmt: skip
    code, _, err = run(capsys, ["export", str(model), "--to", "sklearn"])
    assert code == 2 and "which only the ONNX export carries" in err


def test_dask_predict_and_evaluate_refuse_an_encoding_model(houses, tmp_path, capsys):
    pytest.importorskip("dask")
    model = tmp_path / "m.npz"
    assert main(["train", str(houses), "--target", "y", "--out", str(model), *FAST]) == 0
    capsys.readouterr()
    argv = ["predict", str(model), str(houses), "--dask", "local:1", "-o", str(tmp_path / "p")]
    code, _, err = run(capsys, argv)
    assert code == 2 and "this model encodes its columns" in err
    assert "predict each file without --dask" in err and not (tmp_path / "p").exists()
    code, _, err = run(capsys, ["evaluate", str(model), str(houses), "--dask", "local:1"])
    assert code == 2 and "evaluate each file without --dask" in err
