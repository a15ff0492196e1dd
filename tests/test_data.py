"""CSV reading, the bundled data, the test split and atomic CSV writing (deltaprop.data)."""

from pathlib import Path

import numpy as np
import pytest

from deltaprop.data import (
    Dataset,
    load_default,
    model_features,
    read_dataset,
    read_table,
    split_names,
    train_test_split,
    write_csv,
)
from deltaprop.errors import ConfigError, DataError


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_features_and_target_by_name(tmp_path):
    path = write(tmp_path, "a,b,y\n1,2,3\n4.5,-5e-1,6\n")
    data = read_dataset(path, ["y"])
    np.testing.assert_array_equal(data.X, [[1.0, 2.0], [4.5, -0.5]])
    np.testing.assert_array_equal(data.y, [[3.0], [6.0]])
    assert data.X.dtype == np.float64 and data.y.shape == (2, 1)
    assert data.feature_names == ("a", "b") and data.target_names == ("y",)


def test_features_choose_and_order_columns_and_unused_text_is_ignored(tmp_path):
    path = write(tmp_path, "id,a,b,y1,y2\nx17,1,2,3,4\nx18,5,6,7,8\n")
    data = read_dataset(path, ["y2", "y1"], features=["b", "a"])
    np.testing.assert_array_equal(data.X, [[2, 1], [6, 5]])
    np.testing.assert_array_equal(data.y, [[4, 3], [8, 7]])


def test_blank_lines_whitespace_and_byte_order_mark_are_tolerated(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes("\ufeff a , y \n 1 , 2 \n\n3,4\n\n".encode())
    data = read_dataset(path, ["y"])
    assert data.feature_names == ("a",)
    np.testing.assert_array_equal(data.X[:, 0], [1, 3])


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"data file '.*nope.csv' does not exist; check the path"):
        read_table(tmp_path / "nope.csv")


def test_empty_file(tmp_path):
    with pytest.raises(DataError, match="is empty; expected a header row"):
        read_table(write(tmp_path, "\n\n"))


def test_header_only(tmp_path):
    with pytest.raises(DataError, match="has a header but no data rows"):
        read_table(write(tmp_path, "a,b,y\n"))


def test_non_numeric_value_names_column_line_and_value(tmp_path):
    path = write(tmp_path, "a,b,y\n1,2,3\n\n4,five,6\n")
    with pytest.raises(
        DataError,
        match=r"column 'b', line 4 of .*data.csv \(data row 2\) is "
        r"'five', not a number",
    ):
        read_dataset(path, ["y"])


@pytest.mark.parametrize("cell", ["nan", "NaN", "inf", "-Infinity"])
def test_nan_and_inf_name_column_and_line(tmp_path, cell):
    path = write(tmp_path, f"a,y\n1,2\n3,4\n5,{cell}\n")
    with pytest.raises(
        DataError,
        match=rf"column 'y', line 4 of .* \(data row 3\) is "
        rf"'{cell}', not a finite number",
    ):
        read_dataset(path, ["y"])


def test_empty_cell_names_column_and_line(tmp_path):
    path = write(tmp_path, "a,y\n1,2\n ,4\n")
    with pytest.raises(DataError, match=r"column 'a', line 3 of .* \(data row 2\) is empty"):
        read_dataset(path, ["y"])


def test_ragged_row(tmp_path):
    with pytest.raises(DataError, match="line 3 of .* has 2 fields but the header has 3"):
        read_table(write(tmp_path, "a,b,y\n1,2,3\n4,5\n"))


def test_missing_target_lists_the_columns(tmp_path):
    path = write(tmp_path, "a,b,y\n1,2,3\n")
    with pytest.raises(
        DataError,
        match=r"target column\(s\) 'price' not in .*; the columns "
        r"are: a, b, y",
    ):
        read_dataset(path, ["price"])


def test_missing_feature_columns_are_listed(tmp_path):
    path = write(tmp_path, "a,b,y\n1,2,3\n")
    with pytest.raises(
        DataError,
        match=r"feature column\(s\) 'c', 'd' not in .*; the columns "
        r"are: a, b, y",
    ):
        read_dataset(path, ["y"], features=["a", "c", "d"])


def test_feature_that_is_also_the_target(tmp_path):
    path = write(tmp_path, "a,y\n1,2\n")
    with pytest.raises(ConfigError, match="'y' cannot be both a feature and a target"):
        read_dataset(path, ["y"], features=["a", "y"])


def test_no_feature_column_left(tmp_path):
    with pytest.raises(DataError, match="has no feature columns besides the target"):
        read_dataset(write(tmp_path, "y\n1\n"), ["y"])


def test_duplicate_and_unnamed_header_columns(tmp_path):
    with pytest.raises(DataError, match="names column\\(s\\) a more than once"):
        read_table(write(tmp_path, "a,a,y\n1,2,3\n"))
    with pytest.raises(DataError, match="unnamed column \\(number 2\\)"):
        read_table(write(tmp_path, "a,,y\n1,2,3\n"))


def test_binary_file_is_a_data_error(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(DataError, match="is not a readable CSV text file"):
        read_table(path)


def test_model_features_matches_by_name_and_lists_missing(tmp_path):
    table = read_table(write(tmp_path, "extra,b,a\n9,2,1\n9,4,3\n"))
    np.testing.assert_array_equal(model_features(table, ["a", "b"]), [[1, 2], [3, 4]])
    with pytest.raises(
        DataError,
        match=r"lacks the feature column\(s\) 'c' that the model was "
        r"trained on; the model needs: a, b, c",
    ):
        model_features(table, ["a", "b", "c"])


def test_split_names():
    assert split_names(" a, b ,c") == ("a", "b", "c")
    assert split_names(None) is None
    with pytest.raises(ConfigError, match="names no columns"):
        split_names(" , ")
    with pytest.raises(ConfigError, match=r"'b, a,b' names 'b' more than once"):
        split_names("b, a,b")


def test_bundled_default_is_the_diabetes_data_in_raw_units():
    from sklearn.datasets import load_diabetes

    data = load_default()
    reference = load_diabetes(scaled=False)
    assert data.X.shape == (442, 10) and data.y.shape == (442, 1)
    np.testing.assert_array_equal(data.X, reference.data)
    np.testing.assert_array_equal(data.y[:, 0], reference.target)
    assert data.feature_names[:4] == ("age", "sex", "bmi", "bp")
    assert data.target_names == ("progression",)


def test_split_is_a_seeded_partition():
    data = Dataset(
        np.arange(20.0).reshape(10, 2), np.arange(10.0).reshape(10, 1), ("a", "b"), ("y",), "test"
    )
    train, test = train_test_split(data, 0.25, seed=3)
    assert (train.n_samples, test.n_samples) == (7, 3)
    rows = np.concatenate([train.y[:, 0], test.y[:, 0]])
    np.testing.assert_array_equal(np.sort(rows), np.arange(10.0))  # a partition
    np.testing.assert_array_equal(train.X[:, 0], 2 * train.y[:, 0])  # rows stay whole
    again = train_test_split(data, 0.25, seed=3)[1]
    np.testing.assert_array_equal(again.y, test.y)
    other = train_test_split(data, 0.25, seed=4)[1]
    assert not np.array_equal(other.y, test.y)


def test_too_few_rows_for_the_split():
    data = Dataset(np.zeros((3, 1)), np.zeros((3, 1)), ("a",), ("y",), "tiny.csv")
    with pytest.raises(
        DataError,
        match=r"tiny.csv has 3 rows, too few for a test split of 0.2 "
        r"\(2 to train, 1 to test\)",
    ):
        train_test_split(data, 0.2, seed=0)


@pytest.mark.parametrize("size", [1.0, -0.1, 1.5])
def test_test_size_must_be_a_fraction(size):
    data = Dataset(np.zeros((10, 1)), np.zeros((10, 1)), ("a",), ("y",), "x")
    with pytest.raises(ConfigError, match="must be at least 0 and below 1"):
        train_test_split(data, size, seed=0)


def test_test_size_zero_trains_on_every_row():
    data = Dataset(np.arange(6.0).reshape(3, 2), np.ones((3, 1)), ("a", "b"), ("y",), "x")
    train, test = train_test_split(data, 0.0, seed=0)
    assert train is data and test is None
    with pytest.raises(DataError, match=r"has 1 rows, too few .* \(1 to train, 0 to test\)"):
        train_test_split(data.take([0]), 0.0, seed=0)


def test_write_csv_round_trips_exactly(tmp_path, rng):
    values = rng.standard_normal((5, 2)) * 1e3
    path = tmp_path / "out.csv"
    write_csv(path, ("p", "q"), values)
    data = read_dataset(path, ["q"])
    np.testing.assert_array_equal(data.X[:, 0], values[:, 0])
    np.testing.assert_array_equal(data.y[:, 0], values[:, 1])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]  # no temporary left


def test_write_csv_failure_leaves_no_file(tmp_path):
    path = tmp_path / "out.csv"
    with pytest.raises(ValueError):
        write_csv(path, ("p",), [["not a number"]])
    assert list(tmp_path.iterdir()) == []


def test_write_csv_into_missing_folder_creates_it(tmp_path):
    write_csv(tmp_path / "no" / "out.csv", ("p",), np.zeros((1, 1)))
    assert (tmp_path / "no" / "out.csv").read_text() == "p\n0.0\n"


def test_a_dataset_written_as_csv_reads_back(tmp_path):
    data = load_default()
    header = data.feature_names + data.target_names
    write_csv(tmp_path / "d.csv", header, np.hstack([data.X, data.y]))
    again = read_dataset(tmp_path / "d.csv", ["progression"])
    np.testing.assert_array_equal(again.X, data.X)
    np.testing.assert_array_equal(again.y, data.y)
    assert again.feature_names == data.feature_names


@pytest.mark.parametrize("cell", ["1_000", "0_1257302210933933", "0x10", "1,5"])
def test_python_only_number_syntax_is_not_a_number(tmp_path, cell):
    path = write(tmp_path, f'a,y\n1,2\n"{cell}",4\n')
    with pytest.raises(
        DataError,
        match=rf"column 'a', line 3 of .* \(data row 2\) is '{cell}', not a number",
    ):
        read_dataset(path, ["y"])


def test_a_long_bad_cell_is_cut_and_newlines_are_escaped(tmp_path):
    long_cell = "x" * 500
    path = write(tmp_path, f'a,y\n1,2\n{long_cell},4\n"two\nlines",5\n')
    with pytest.raises(DataError, match=r"is 'x{59}…', not a number") as caught:
        read_dataset(path, ["y"])
    assert len(str(caught.value)) < 400
    path = write(tmp_path, 'a,"y\nz"\n1,2\n', name="newline.csv")
    with pytest.raises(DataError, match=r"the columns are: a, 'y\\nz'") as caught:
        read_dataset(path, ["y"])
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("target", "features", "what"),
    [(["y", "y"], None, "target"), (["y"], ["a", "a"], "feature")],
)
def test_a_column_named_twice_is_refused(tmp_path, target, features, what):
    path = write(tmp_path, "a,b,y\n1,2,3\n4,5,6\n")
    with pytest.raises(ConfigError, match=rf"the {what} columns name '(y|a)' more than once"):
        read_dataset(path, target, features)


def test_text_columns_among_default_features_are_named_with_the_exclude_hint(tmp_path):
    path = write(tmp_path, "id,a,city,y\nx1,1,Oslo,2\nx2,3,Rome,4\n")
    with pytest.raises(
        DataError,
        match=r"column 'id', line 2 of .* \(data row 1\) is 'x1', not a number; column\(s\) "
        r"'id', 'city' of .* are not numeric: leave them out with --exclude id,city",
    ):
        read_dataset(path, ["y"])
    data = read_dataset(path, ["y"], exclude=["id", "city"])
    assert data.feature_names == ("a",)
    np.testing.assert_array_equal(data.X[:, 0], [1, 3])
    with pytest.raises(DataError, match=r"excluded column\(s\) 'name' not in"):
        read_dataset(path, ["y"], exclude=["name"])
    with pytest.raises(ConfigError, match="not both"):
        read_dataset(path, ["y"], features=["a"], exclude=["id"])


def test_a_text_column_after_the_first_block_and_many_blocks(tmp_path, monkeypatch, rng):
    import deltaprop.data

    monkeypatch.setattr(deltaprop.data, "SCHEMA_BLOCK", 256)  # bytes: the first few rows
    monkeypatch.setattr(deltaprop.data, "BLOCK", 1024)  # so the rows come in many chunks
    values = rng.standard_normal((300, 2))  # (300, 2) a, y
    ids = [str(i) for i in range(150)] + [f"x{i}" for i in range(150, 300)]
    rows = zip(ids, values.tolist(), strict=True)
    lines = ["id,a,y", *(f"{k},{a!r},{y!r}" for k, (a, y) in rows)]
    path = write(tmp_path, "\n".join(lines) + "\n")
    data = read_dataset(path, ["y"], exclude=["id"])
    np.testing.assert_array_equal(data.X[:, 0], values[:, 0])
    np.testing.assert_array_equal(data.y[:, 0], values[:, 1])
    with pytest.raises(DataError, match=r"column 'id', line 152 of .* \(data row 151\) is 'x150"):
        read_dataset(path, ["y"])


@pytest.mark.parametrize("sep", [";", "\t"])
def test_semicolon_and_tab_separators_are_detected_from_the_header(tmp_path, sep):
    path = write(tmp_path, f"a{sep}b{sep}y\n1,5{sep}2{sep}3\n4{sep}5{sep}6\n")
    if sep == ";":  # a decimal comma is text, named with its line
        with pytest.raises(DataError, match=r"column 'a', line 2 .* is '1,5', not a number"):
            read_dataset(path, ["y"])
        path = write(tmp_path, "a;b;y\n1.5;2;3\n4;5;6\n")
    else:
        path = write(tmp_path, "a\tb\ty\n1.5\t2\t3\n4\t5\t6\n")
    data = read_dataset(path, ["y"])
    np.testing.assert_array_equal(data.X, [[1.5, 2], [4, 5]])


def test_explicit_separator_and_an_ambiguous_header(tmp_path):
    path = write(tmp_path, "a|y\n1|2\n3|4\n")
    np.testing.assert_array_equal(read_dataset(path, ["y"], sep="|").y[:, 0], [2, 4])
    with pytest.raises(ConfigError, match="both semicolons and tabs; .* with --sep"):
        read_table(write(tmp_path, "a;b\tc\n1;2\t3\n", name="mixed.csv"))
    tabbed = write(tmp_path, "a;b\tc\n1;2\t3\n", name="tabbed.csv")
    assert read_table(tabbed, sep="\\t").columns == ("a;b", "c")  # as typed in a shell
    for sep in (";;", '"', "\n"):
        with pytest.raises(ConfigError, match="must be one ASCII character other than a quote"):
            read_table(tabbed, sep=sep)


def test_parquet_reads_like_csv_and_names_rows(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "data.parquet"
    pq.write_table(pa.table({"id": ["p", "q"], "a": [1, 3], "y": [2.5, 4.0]}), path)
    data = read_dataset(path, ["y"], exclude=["id"])
    np.testing.assert_array_equal(data.X, [[1], [3]])
    np.testing.assert_array_equal(data.y, [[2.5], [4.0]])
    pq.write_table(pa.table({"a": [1.0, None], "y": [1.0, 2.0]}), path)
    with pytest.raises(DataError, match=r"column 'a', row 2 of .*data.parquet is empty"):
        read_dataset(path, ["y"])
    pq.write_table(pa.table({"a": [1.0, 2.0], "y": [1.0, float("nan")]}), path)
    with pytest.raises(DataError, match=r"column 'y', row 2 of .* is 'nan', not a finite"):
        read_dataset(path, ["y"])
    (tmp_path / "bad.parquet").write_text("a,y\n1,2\n")
    with pytest.raises(DataError, match="is not a readable Parquet file"):
        read_table(tmp_path / "bad.parquet")


def test_the_fast_parse_and_the_csv_module_read_the_same_numbers(tmp_path, rng):
    values = rng.standard_normal((300, 3)) * 10.0 ** rng.integers(-300, 300, (300, 3))
    lines = ["a,b,y", *(",".join(repr(v) for v in row) for row in values.tolist())]
    lines.insert(5, "")  # an empty line, skipped
    fast = read_dataset(write(tmp_path, "\n".join(lines) + "\n"), ["y"])
    lines[30] = f'"{lines[30]}"'.replace(",", '","')  # quoted cells
    scanned = read_table(write(tmp_path, "\n".join(lines) + "\n", name="quoted.csv"))
    assert scanned.matrix(("a", "b", "y")).tolist() == values.tolist()
    np.testing.assert_array_equal(fast.X, values[:, :2])
    np.testing.assert_array_equal(fast.y[:, 0], values[:, 2])
    lines[20] = lines[20].replace(",", ",,", 1)
    with pytest.raises(DataError, match=r"line 21 of .* has 4 fields but the header has 3"):
        read_table(write(tmp_path, "\n".join(lines) + "\n", name="ragged.csv"))
    lines[20], lines[40] = lines[20].replace(",,", ",", 1), "1,2,x"
    with pytest.raises(DataError, match=r"column 'y', line 41 of .* \(data row 39\) is 'x'"):
        read_dataset(write(tmp_path, "\n".join(lines) + "\n", name="bad.csv"), ["y"])
    lines[40] = " , , "
    with pytest.raises(DataError, match=r"column 'y', line 41 of .* \(data row 39\) is empty"):
        read_dataset(write(tmp_path, "\n".join(lines) + "\n", name="blank.csv"), ["y"])


def test_the_parquet_example_is_the_bundled_data():
    root = Path(__file__).resolve().parents[1]
    shipped = read_dataset(root / "examples" / "diabetes.parquet", ["progression"])
    bundled = load_default()
    np.testing.assert_array_equal(shipped.X, bundled.X)
    np.testing.assert_array_equal(shipped.y, bundled.y)
    assert shipped.feature_names == bundled.feature_names


@pytest.mark.parametrize("name", ["data.csv", "data.parquet"])
def test_a_file_that_cannot_be_read_is_one_data_error(tmp_path, monkeypatch, name):
    import pyarrow.csv
    import pyarrow.parquet

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(pyarrow.csv, "open_csv", refuse)
    monkeypatch.setattr(pyarrow.parquet, "read_table", refuse)
    monkeypatch.setattr(pyarrow.parquet, "read_metadata", refuse)  # read first: the footer
    path = write(tmp_path, "a,y\n1,2\n", name=name)
    with pytest.raises(DataError, match=r"cannot read data file .* \(Permission denied\)"):
        read_table(path)
