"""Data files as people write them, seen by a new user: thousands separators and decimal
commas in many rows, "nan" written for a missing number, a column name misspelt, and metrics
of targets in very small or very large units. Each message is one line that names the problem
and the fix."""

import csv

import numpy as np
import pytest

from deltaprop.cli import main
from deltaprop.commands.metrics import format_metrics

FAST = ["--hidden", "4", "--epochs", "5", "--quiet"]


def write_rows(path, header, rows, sep=","):
    with open(path, "w", newline="") as file:
        writer = csv.writer(file, delimiter=sep, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def train_refused(capsys, data, *options):
    """The one error line of ``train`` on ``data`` with ``options`` (exit status 1)."""
    argv = ["train", str(data), *options, "--out", str(data.parent / "m.npz"), *FAST]
    assert main(argv) == 1
    return one_error_line(capsys)


def one_error_line(capsys):
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def numbers(rng, m):
    """Rows a, b, y (m of them) of plain numbers, y = a − b."""
    a, b = rng.standard_normal(m), rng.standard_normal(m) * 3000
    return [[f"{a[i]:.4f}", f"{b[i]:.2f}", f"{a[i] - b[i] / 3000:.4f}"] for i in range(m)]


# ---------------------------------------------------------------- many cells that are not numbers


def test_thousands_separators_in_many_rows_are_named_with_the_fix(tmp_path, rng, capsys):
    rows = numbers(rng, 40)
    for i in range(12):  # 12 of 40 cells written as 1,234.56 (quoted: the separator is ',')
        rows[i][1] = f"{1000 + 100 * i:,.2f}"
    data = write_rows(tmp_path / "sales.csv", ["a", "b", "y"], rows)
    line = train_refused(capsys, data, "--target", "y")
    assert "column 'b' of " in line and " has 12 cell(s) that are not numbers: " in line
    assert "'1,000.00' (line 2), '1,100.00' (line 3)" in line
    assert "'1,900.00' (line 11), and 2 more; " in line  # ten shown, then a count
    assert "thousands separators" in line and "without them" in line
    assert not (tmp_path / "m.npz").exists()


def test_decimal_commas_in_every_row_name_the_option_that_reads_them(tmp_path, rng, capsys):
    rows = [[cell.replace(".", ",") for cell in row] for row in numbers(rng, 30)]
    data = write_rows(tmp_path / "euro.csv", ["a", "b", "y"], rows, sep=";")
    line = train_refused(capsys, data, "--target", "y")
    assert " has 30 cell(s) that are not numbers: " in line and ", and 20 more; " in line
    assert "read the file with --decimal ," in line
    argv = ["train", str(data), "--target", "y", "--out", str(tmp_path / "m.npz"), *FAST]
    assert main([*argv, "--decimal", ","]) == 0


@pytest.mark.parametrize("marker", ["-", "?"])
def test_a_placeholder_in_many_rows_is_named_not_an_internal_error(tmp_path, rng, marker, capsys):
    rows = numbers(rng, 60)
    for i in range(5, 60, 4):  # 14 cells
        rows[i][0] = marker
    data = write_rows(tmp_path / "survey.csv", ["a", "b", "y"], rows)
    line = train_refused(capsys, data, "--target", "y")
    assert f"column 'a' of {data} has 14 cell(s) that are not numbers: {marker!r} (line 7)" in line
    assert ", and 4 more; fix them, or leave them empty to have them imputed" in line


def test_cells_are_shown_as_written_with_decimal_commas(tmp_path, rng, capsys):
    """With --decimal , a bad cell was shown with its comma turned into a point ('1.000.00'
    for 1.000,00), and thousands points got no hint."""
    rows = [[cell.replace(".", ",") for cell in row] for row in numbers(rng, 40)]
    for i in range(12):
        rows[i][1] = f"{1000 + 100 * i:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    data = write_rows(tmp_path / "de.csv", ["a", "b", "y"], rows, sep=";")
    argv = ["train", str(data), "--target", "y", "--decimal", ",", "--out", str(tmp_path / "m.npz")]
    assert main([*argv, *FAST]) == 1
    line = one_error_line(capsys)
    assert "'1.000,00' (line 2), '1.100,00' (line 3)" in line and "1.000.00" not in line
    assert "thousands separators: write them without them (1234,5)" in line


# ---------------------------------------------------------------- "nan" is a missing number


@pytest.mark.parametrize("marker", ["nan", "NaN", "NA", "null"])
def test_nan_written_in_a_column_of_numbers_is_a_missing_cell(tmp_path, rng, marker, capsys):
    """As pandas reads it, and as docs/usage.md says: NaN is missing, like NA and an empty
    cell; the training fills it with the median (it was refused as 'not a finite number')."""
    rows = numbers(rng, 50)
    for i in (3, 17, 30):
        rows[i][0] = marker
    data = write_rows(tmp_path / "nan.csv", ["a", "b", "y"], rows)
    model = tmp_path / "m.npz"
    assert main(["train", str(data), "--target", "y", "--out", str(model), "--hidden", "4",
                 "--epochs", "5", "--test-size", "0"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "filled 3 missing cell(s)" in out
    assert "a (" in out and "the median" in out
    assert main(["predict", str(model), str(data)]) == 0
    predictions = capsys.readouterr().out.splitlines()
    assert len(predictions) == 51 and all(p not in ("", '""') for p in predictions)


def test_nan_in_a_target_drops_the_row_as_an_empty_target_does(tmp_path, rng, capsys):
    rows = numbers(rng, 50)
    for i in (3, 17, 30, 41):
        rows[i][2] = "nan"
    data = write_rows(tmp_path / "nan.csv", ["a", "b", "y"], rows)
    assert main(["train", str(data), "--target", "y", "--out", str(tmp_path / "m.npz"),
                 "--hidden", "4", "--epochs", "5"]) == 0  # fmt: skip
    assert "dropped 4 of 50 rows with an empty target (y 4)" in capsys.readouterr().out


def test_inf_is_still_refused_naming_its_line(tmp_path, rng, capsys):
    rows = numbers(rng, 20)
    rows[6][0] = "inf"
    data = write_rows(tmp_path / "inf.csv", ["a", "b", "y"], rows)
    assert "column 'a', line 8 of " in train_refused(capsys, data, "--target", "y")


@pytest.mark.parametrize("marker", ["#N/A", "<NA>", "#NA", "N/A", "None"])
def test_pandas_missing_markers_are_missing_cells(tmp_path, rng, marker, capsys):
    """Excel writes #N/A, pandas <NA>: pandas reads both as missing, and so does deltaprop."""
    rows = numbers(rng, 50)
    for i in (3, 17, 30):
        rows[i][0] = marker
    data = write_rows(tmp_path / "export.csv", ["a", "b", "y"], rows)
    argv = ["train", str(data), "--target", "y", "--out", str(tmp_path / "m.npz"), "--hidden"]
    assert main([*argv, "4", "--epochs", "5", "--test-size", "0"]) == 0
    assert "filled 3 missing cell(s)" in capsys.readouterr().out


def test_a_text_target_says_deltaprop_predicts_numbers(tmp_path, rng, capsys):
    rows = [[*row[:2], ["red", "green", "blue"][i % 3]] for i, row in enumerate(numbers(rng, 30))]
    data = write_rows(tmp_path / "colors.csv", ["a", "b", "color"], rows)
    line = train_refused(capsys, data, "--target", "color")
    assert "column 'color', line 2 of " in line and "is 'red', not a number" in line
    assert "choose a target column of numbers (deltaprop does regression" in line


# ---------------------------------------------------------------- a misspelt column name


@pytest.mark.parametrize(
    ("option", "given", "meant"),
    [
        ("--target", "Price", "price"),
        ("--target", "prise", "price"),
        ("--features", "area,colour", "color"),
        ("--exclude", "colr", "color"),
    ],
)
def test_a_misspelt_column_name_gets_a_suggestion(tmp_path, rng, capsys, option, given, meant):
    rows = [[*row[:2], "red", row[2]] for row in numbers(rng, 20)]
    data = write_rows(tmp_path / "h.csv", ["area", "rooms", "color", "price"], rows)
    target = [] if option == "--target" else ["--target", "price"]
    line = train_refused(capsys, data, *target, option, given)
    assert f"did you mean {meant!r}?" in line
    assert line.endswith("the columns are: area, rooms, color, price")


def test_no_suggestion_when_no_column_is_close(tmp_path, rng, capsys):
    data = write_rows(tmp_path / "h.csv", ["area", "rooms", "y"], numbers(rng, 20))
    assert "did you mean" not in train_refused(capsys, data, "--target", "price")


def test_predict_suggests_a_column_renamed_by_its_case(tmp_path, rng, capsys):
    data = write_rows(tmp_path / "h.csv", ["area", "rooms", "y"], numbers(rng, 20))
    model = tmp_path / "m.npz"
    assert main(["train", str(data), "--target", "y", "--out", str(model), *FAST]) == 0
    capsys.readouterr()
    renamed = write_rows(tmp_path / "new.csv", ["Area", "rooms"], [r[:2] for r in numbers(rng, 3)])
    assert main(["predict", str(model), str(renamed)]) == 1
    line = one_error_line(capsys)
    assert "lacks the feature column(s) 'area'" in line and "did you mean 'Area'?" in line


def test_predict_keep_suggests_a_misspelt_column(tmp_path, rng, capsys):
    rows = [[str(9000 + i), *row] for i, row in enumerate(numbers(rng, 20))]
    data = write_rows(tmp_path / "h.csv", ["id", "area", "rooms", "y"], rows)
    model = tmp_path / "m.npz"
    assert main(["train", str(data), "--target", "y", "--out", str(model), *FAST]) == 0
    capsys.readouterr()
    assert main(["predict", str(model), str(data), "--keep", "ID"]) == 1
    line = one_error_line(capsys)
    assert "--keep names 'ID', not a column of " in line and "did you mean 'id'?" in line


# ---------------------------------------------------------------- metrics in any unit


def test_metrics_of_tiny_and_huge_targets_keep_their_digits():
    scores = {
        "r2": np.array([0.5, 0.25]),
        "rmse": np.array([1.2934e-12, 2.5e-13]),
        "mae": np.array([1.0534e13, 2.0e12]),
    }
    rows = format_metrics(scores, ["a", "b"]).splitlines()[1:]
    assert [row.split()[1:] for row in rows] == [
        ["0.5000", "1.293e-12", "1.053e+13"],
        ["0.2500", "2.500e-13", "2.000e+12"],
    ]


# ---------------------------------------------------------------- a column with no values


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_column_empty_in_every_row_is_left_out_and_said(tmp_path, rng, suffix, capsys):
    """An export's empty column predicts nothing: left out with one line, as an id is (it was
    an error in a Parquet file and a one-hot block of no category in a CSV file)."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    rows = numbers(rng, 40)
    columns = {name: [float(row[j]) for row in rows] for j, name in enumerate(["a", "b", "y"])}
    columns["notes"] = [None] * 40
    data = tmp_path / f"export{suffix}"
    if suffix == ".csv":
        write_rows(data, ["a", "notes", "b", "y"], [[r[0], "", r[1], r[2]] for r in rows])
    else:
        table = pa.table({name: columns[name] for name in ["a", "notes", "b", "y"]})
        pq.write_table(table.cast(pa.schema([(n, pa.float64()) for n in table.column_names])), data)
    model = tmp_path / "m.npz"
    argv = ["train", str(data), "--target", "y", "--out", str(model), "--hidden", "4"]
    assert main([*argv, "--epochs", "5"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "left out notes: empty in every row"
    assert "network: 2-4-1" in out and "categorical" not in out and "filled" not in out
    assert main(["info", str(model)]) == 0
    assert "features (2): a, b" in capsys.readouterr().out
