"""Categorical columns, missing values and row ids (deltaprop.tabular), against hand-worked
answers, and the generated tables (tests/synthetic.py)."""

import json
import math

import numpy as np
import pytest
from scipy import sparse

from deltaprop.errors import ConfigError, DataError
from deltaprop.tabular import (
    CategoricalColumn,
    InvalidEncoder,
    NumericColumn,
    category_text,
    encoder_from_json,
    filled_text,
    fit_encoder,
    looks_like_id,
    unseen_text,
)
from synthetic import make_table

R2 = math.sqrt(2.0)


def small_table():
    """a: numbers with one missing cell; c: text with one missing cell."""
    return {
        "a": np.array([1.0, np.nan, 3.0, 5.0]),
        "c": np.array(["x", None, "y ", "x"], dtype=object),
    }


def test_fit_learns_medians_scalers_indicators_and_categories():
    encoder = fit_encoder(small_table(), missing="impute")
    # median of 1, 3, 5 is 3; filled [1, 3, 3, 5]: mean 3, std sqrt(2)
    assert encoder.columns == (
        NumericColumn("a", 3.0, 3.0, R2, True),
        CategoricalColumn("c", ("", "x", "y")),  # "y " stripped; "" the missing category
    )
    assert encoder.feature_names == ("a", "a (missing)", "c=(missing)", "c=x", "c=y")
    assert encoder.n_encoded == 5


def test_transform_is_one_hot_blocks_kept_sparse():
    encoder = fit_encoder(small_table(), missing="impute")
    encoded = encoder.transform(small_table())
    assert sparse.issparse(encoded.X) and encoded.X.format == "csr"
    expected = [
        [-R2, 0, 0, 1, 0],
        [0, 1, 1, 0, 0],
        [0, 0, 0, 0, 1],
        [R2, 0, 0, 1, 0],
    ]
    np.testing.assert_allclose(encoded.X.toarray(), expected, rtol=1e-15)
    assert encoded.filled == {"a": 1, "c": 1}
    assert encoded.unseen == {}
    assert filled_text(encoder, encoded.filled) == (
        "filled 2 missing cell(s): a (1, the median 3, with a was-missing column), "
        "c (1, as the category (missing))"
    )


def test_first_layer_of_a_one_hot_block_is_a_lookup():
    encoder = fit_encoder(small_table(), missing="impute")
    X = encoder.transform(small_table()).X  # (4, 5) CSR
    theta = np.random.default_rng(0).standard_normal((3, 5))  # Θ^(1): n_2 × n_1
    z = (X @ theta.T).T  # (3, 4)
    # row 2 is a = 3 (standardized 0, not missing) and c = "y": the column of c=y
    np.testing.assert_allclose(z[:, 2], theta[:, 4], rtol=0, atol=0)


def test_unseen_categories_are_zero_rows_or_an_error():
    encoder = fit_encoder(small_table(), missing="impute")
    new = {"a": np.array([2.0, 3.0]), "c": np.array(["z", "x"], dtype=object)}
    encoded = encoder.transform(new)
    np.testing.assert_allclose(encoded.X.toarray(), [[-1 / R2, 0, 0, 0, 0], [0, 0, 0, 1, 0]])
    assert encoded.unseen == {"c": ["z"]}
    assert unseen_text(encoded.unseen) == "column 'c' has categories not seen in training: 'z'"
    with pytest.raises(DataError, match="column 'c' has categories not seen in training: 'z'"):
        encoder.transform(new, unknown="error")


def test_missing_cells_of_a_column_without_them_in_training():
    encoder = fit_encoder({"a": np.array([1.0, 2.0]), "c": np.array(["x", "y"], dtype=object)})
    assert encoder.columns[0] == NumericColumn("a", 1.5, 1.5, 0.5, False)
    encoded = encoder.transform({"a": np.array([np.nan]), "c": np.array([None], dtype=object)})
    np.testing.assert_allclose(encoded.X.toarray(), [[0.0, 0.0, 0.0]])  # the median; no category
    assert encoded.filled == {"a": 1, "c": 1} and encoded.unseen == {}
    with pytest.raises(DataError, match=r"2 missing cell\(s\): column 'a' row 0; column 'c'"):
        encoder.transform({"a": np.array([np.nan]), "c": np.array([""])}, missing="error")


def test_every_missing_cell_is_named_up_to_a_limit():
    table = {"a": np.full(25, np.nan), "b": np.ones(25), "c": np.array([None] * 3, dtype=object)}
    table["a"][[0, 5]] = 1.0
    with pytest.raises(DataError) as err:
        fit_encoder(table)
    text = str(err.value)
    assert text.startswith("26 missing cell(s): column 'a' rows 1, 2, 3, 4, 6, 7, 8, 9, 10, 11")
    assert ", and 16 more (rows counting from 0); fill them in, or impute them" in text


def test_all_numeric_without_missing_cells_stays_dense():
    table = {"a": np.array([1.0, 2.0, 4.0]), "b": np.array([0.0, 0.0, 0.0])}
    encoder = fit_encoder(table)
    X = encoder.transform(table).X
    assert isinstance(X, np.ndarray) and X.shape == (3, 2)
    np.testing.assert_allclose(X[:, 1], 0.0)  # a constant column: scale 1, standardized to 0
    np.testing.assert_allclose(X[:, 0], (np.array([1, 2, 4]) - 7 / 3) / np.std([1, 2, 4]))


def test_coded_integers_named_categorical():
    table = {"grade": np.array([1.0, 2.0, 1.0, np.nan]), "x": np.arange(4.0)}
    encoder = fit_encoder(table, categorical=("grade",), missing="impute")
    assert encoder.columns[0] == CategoricalColumn("grade", ("", "1", "2"))
    assert encoder.categorical == ("grade",)
    assert category_text(np.array([3.0, 2.5, np.nan, -0.0], dtype=object)).tolist() == [
        "3",
        "2.5",
        "",
        "0",
    ]


def test_too_many_categories_is_refused_with_the_way_out():
    table = {"name": np.array([f"n{i}" for i in range(30)], dtype=object)}
    assert fit_encoder(table, max_categories=30).columns[0].width == 30
    with pytest.raises(DataError, match=r"column 'name' has 30 distinct values, more than "):
        fit_encoder(table, max_categories=29)
    with pytest.raises(DataError, match="--exclude name, or raise --max-categories"):
        fit_encoder(table, max_categories=29)


def test_bad_settings_and_cells():
    with pytest.raises(ConfigError, match="missing='drop' is not one of: impute, error"):
        fit_encoder(small_table(), missing="drop")
    with pytest.raises(DataError, match="column 'a' has no numbers, only missing cells"):
        fit_encoder({"a": np.array([np.nan, np.nan])}, missing="impute")
    with pytest.raises(DataError, match=r"column 'a' holds inf in row 1 \(counting from 0\)"):
        fit_encoder({"a": np.array([1.0, np.inf])})


@pytest.mark.parametrize(
    ("name", "values", "expected"),
    [
        ("id", [3.0, 1.0, 2.0], True),
        ("ID", ["a", "b", "c"], True),
        ("customer_id", [10.0, 11.0, 12.0], True),
        ("userId", [1.0, 2.0, 3.0], True),
        ("id", [1.0, 1.0, 2.0], False),  # not unique
        ("id", [1.0, 2.5, 3.0], False),  # not whole numbers
        ("id", ["a", None, "c"], False),  # a missing cell
        ("area", [1.0, 2.0, 3.0], False),  # unique but not named like an id
        ("paid", [1.0, 2.0, 3.0], False),
        ("valid", ["a", "b", "c"], False),
    ],
)
def test_looks_like_id(name, values, expected):
    kind = object if isinstance(values[0], str) else np.float64
    assert looks_like_id(name, np.array(values, dtype=kind)) is expected


def test_json_round_trip_is_exact_and_checked():
    encoder = fit_encoder(small_table(), missing="impute")
    data = json.loads(json.dumps(encoder.to_json()))
    assert encoder_from_json(data, n_encoded=5) == encoder
    with pytest.raises(InvalidEncoder, match="make 5 inputs; the network has 4"):
        encoder_from_json(data, n_encoded=4)
    bad = json.loads(json.dumps(data))
    bad["columns"][0]["scale"] = 0.0
    with pytest.raises(InvalidEncoder, match=r"columns\[0\]: fill, mean and scale must be"):
        encoder_from_json(bad)
    bad = json.loads(json.dumps(data))
    bad["columns"][1]["categories"] = ["x", "x"]
    with pytest.raises(InvalidEncoder, match=r"columns\[1\].categories must be non-empty and"):
        encoder_from_json(bad)
    bad = json.loads(json.dumps(data))
    bad["columns"][1]["name"] = "a"
    with pytest.raises(InvalidEncoder, match="names a column twice"):
        encoder_from_json(bad)
    with pytest.raises(InvalidEncoder, match="must be an object with the one key"):
        encoder_from_json([])


def test_generated_table_has_the_structure_it_says():
    table = make_table(4000, seed=1)
    columns = table.columns
    assert list(columns) == ["id", "area", "age", "rooms", "income", "city", "shop", "grade"]
    assert sorted(columns["id"]) == list(range(1, 4001))
    assert looks_like_id("id", columns["id"])
    assert 0.01 < np.isnan(columns["age"]).mean() < 0.03
    assert len(set(columns["shop"])) == 200
    assert len({c for c in columns["city"] if c is not None}) == 5
    assert set(np.unique(columns["grade"])) == set(range(1, 7))
    assert 0.8 < table.best_r2() < 0.95
    encoder = fit_encoder({k: v for k, v in columns.items() if k != "id"}, missing="impute")
    assert encoder.categorical == ("city", "shop")
    assert encoder.n_encoded == 1 + 2 + 1 + 1 + 6 + 200 + 1  # area, age+indicator, …, city, shop


def test_generated_table_csv_reads_back(tmp_path):
    from deltaprop.data import read_table

    table = make_table(50, seed=2, missing=0.2)
    table.write_csv(tmp_path / "t.csv")
    read = read_table(tmp_path / "t.csv")
    assert read.columns == ("id", "area", "age", "rooms", "income", "city", "shop", "grade", "y")
    np.testing.assert_array_equal(read.column("y"), table.y)


# ---------------------------------------------------------------- reading tables as they come


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_wrong_separator_names_the_right_one(tmp_path):
    from deltaprop.data import read_dataset

    path = write(tmp_path / "d.csv", "a,b,y\n1,2,3\n4,5,6\n")
    with pytest.raises(DataError, match=r"the header was read as one column: its names seem "):
        read_dataset(path, ["y"], sep=";")
    with pytest.raises(DataError, match=r"separated by ','; read it with --sep ','"):
        read_dataset(path, ["y"], sep=";")


def test_decimal_commas_get_a_hint_and_read_with_decimal(tmp_path):
    from deltaprop.data import read_dataset, read_table

    path = write(tmp_path / "d.csv", "a;y\n1,5;197169,0\n2,25;3\n")
    with pytest.raises(DataError, match=r"'197169,0', not a number; .* --decimal , "):
        read_dataset(path, ["y"])
    data = read_dataset(path, ["y"], decimal=",")
    np.testing.assert_array_equal(data.X[:, 0], [1.5, 2.25])
    np.testing.assert_array_equal(data.y[:, 0], [197169.0, 3.0])
    with pytest.raises(
        DataError, match=r"column 'a' of .* has 2 cell\(s\) that are not numbers: '1,5' \(line 2\)"
    ):
        read_table(path).raw("a")
    with pytest.raises(ConfigError, match="--decimal , needs another column separator"):
        read_table(path, sep=",", decimal=",")


def test_raw_columns_for_the_encoder(tmp_path):
    from deltaprop.data import read_table

    path = write(
        tmp_path / "d.csv",
        "n,m,t,bad\n1,,x,1\n2,NA,,oops\n3,4.5,y,2\n,5,x,?\n5,6,y,3\n",
    )
    table = read_table(path)
    np.testing.assert_array_equal(table.raw("n"), [1.0, 2.0, 3.0, np.nan, 5.0])
    np.testing.assert_array_equal(table.raw("m"), [np.nan, np.nan, 4.5, 5.0, 6.0])
    assert table.raw("t").tolist() == ["x", None, "y", "x", "y"]
    with pytest.raises(DataError) as err:
        table.raw("bad")
    assert str(err.value) == (
        f"column 'bad' of {path} has 2 cell(s) that are not numbers: 'oops' "
        "(line 3), '?' (line 5); fix them, or leave them empty to have them imputed "
        "(--missing impute)"
    )
