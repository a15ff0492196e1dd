"""DeltapropRegressor on tables as they come: categorical columns (categorical_features, as
HistGradientBoostingRegressor reads it), missing cells (missing="error" | "impute") and
categories not seen in training, against closed-form least squares."""

import numpy as np
import pytest

from deltaprop import DeltapropRegressor
from deltaprop.errors import ConfigError, DataError, UnseenCategoryWarning

pd = pytest.importorskip("pandas")


def city_frame(m=60, seed=0):
    """y = effect(city) + 2 · area exactly: a linear model on the one-hot block fits it."""
    rng = np.random.default_rng(seed)
    city = rng.choice(["Oslo", "Rome", "Lima"], m)
    area = rng.normal(0.0, 1.0, m)
    effect = {"Oslo": 1.0, "Rome": -2.0, "Lima": 0.5}
    y = np.array([effect[c] for c in city]) + 2.0 * area
    return pd.DataFrame({"area": area, "city": city}), y


def linear(**params):
    return DeltapropRegressor(hidden_layer_sizes=(), solver="lbfgs", alpha=0.0, tol=1e-12, **params)


def test_text_column_is_a_one_hot_block_fitted_as_least_squares():
    X, y = city_frame()
    model = linear(random_state=0).fit(X, y)
    assert model.encoder_.categorical == ("city",)
    assert model.encoder_.feature_names == ("area", "city=Lima", "city=Oslo", "city=Rome")
    assert model.n_features_in_ == 2 and list(model.feature_names_in_) == ["area", "city"]
    assert model.network_.sizes == (4, 1)
    # the reference: least squares on [area, one-hot(city), 1]
    onehot = pd.get_dummies(X["city"]).to_numpy(float)
    design = np.column_stack([X["area"], onehot])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    new = pd.DataFrame({"area": [0.3, -1.0], "city": ["Rome", "Lima"]})
    reference = (
        np.column_stack(
            [
                new["area"],
                pd.get_dummies(new["city"])
                .reindex(columns=["Lima", "Oslo", "Rome"], fill_value=False)
                .to_numpy(float),
            ]
        )
        @ coef
    )
    np.testing.assert_allclose(model.predict(new), reference, atol=1e-6)


@pytest.mark.parametrize("spec", [["grade"], [1], [False, True], np.array([False, True])])
def test_categorical_features_by_name_index_or_mask(spec):
    X = pd.DataFrame({"area": [1.0, 2.0, 3.0, 4.0], "grade": [3, 1, 3, 2]})
    model = DeltapropRegressor(categorical_features=spec, max_iter=2).fit(X, [1.0, 2, 3, 4])
    assert model.encoder_.feature_names == ("area", "grade=1", "grade=2", "grade=3")


def test_indices_on_an_array_name_its_columns_x0_x1():
    X = np.array([[1.0, 3.0], [2.0, 1.0], [3.0, 3.0]])
    model = DeltapropRegressor(categorical_features=[1], max_iter=2).fit(X, [1.0, 2.0, 3.0])
    assert model.encoder_.feature_names == ("x0", "x1=1", "x1=3")
    assert model.predict(X).shape == (3,)


def test_from_dtype_on_arrays_changes_nothing():
    X = np.arange(12.0).reshape(4, 3)
    model = DeltapropRegressor(max_iter=2).fit(X, np.arange(4.0))
    assert model.encoder_ is None and model.x_scale_.shape == (3,)


def test_missing_cells_are_an_error_naming_each_by_default():
    X = pd.DataFrame({"a": [1.0, np.nan, 3.0, np.nan], "c": ["x", None, "y", "x"]})
    with pytest.raises(DataError, match=r"3 missing cell\(s\): column 'a' rows 1, 3; column 'c'"):
        DeltapropRegressor().fit(X, [1.0, 2, 3, 4])


def test_missing_impute_fills_the_median_with_an_indicator():
    X = pd.DataFrame({"a": [1.0, np.nan, 3.0, 5.0], "c": ["x", None, "y", "x"]})
    model = DeltapropRegressor(missing="impute", max_iter=2, random_state=0)
    model.fit(X, [1.0, 2, 3, 4])
    assert model.encoder_.feature_names == ("a", "a (missing)", "c=(missing)", "c=x", "c=y")
    assert model.filled_ == {"a": 1, "c": 1}
    assert np.all(model.x_mean_ == 0) and np.all(model.x_scale_ == 1)
    assert np.all(np.isfinite(model.predict(X)))


def test_missing_impute_on_numbers_only_stays_dense():
    X = np.array([[1.0, 2.0], [np.nan, 1.0], [3.0, 0.0], [4.0, 1.0]])
    model = DeltapropRegressor(missing="impute", max_iter=2).fit(X, [1.0, 2, 3, 4])
    assert model.encoder_.feature_names == ("x0", "x0 (missing)", "x1")
    assert model.predict(np.array([[np.nan, np.nan]])).shape == (1,)


def test_unseen_category_is_one_warning_or_an_error():
    X, y = city_frame()
    model = linear(random_state=0).fit(X, y)
    mean = model.encoder_.columns[0].mean  # area standardized to 0
    new = pd.DataFrame({"area": [mean, mean], "city": ["Paris", "Oslo"]})
    with pytest.warns(
        UnseenCategoryWarning,
        match="column 'city' has categories not seen in "
        "training: 'Paris': their rows get no category",
    ):
        p = model.predict(new)
    # no category, area 0: the input is all zero, the output its bias b^(2)
    assert p[0] == pytest.approx(model.intercepts_[0][0] * model.y_scale_[0] + model.y_mean_[0])
    model.set_params(handle_unknown="error")
    with pytest.raises(DataError, match="'Paris'; retrain with these rows, or drop them"):
        model.predict(new)


def test_bad_settings_and_text_not_named_categorical():
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "c": ["x", "y", "x"]})
    with pytest.raises(DataError, match="column 'c' holds text, not numbers; make it categorical"):
        DeltapropRegressor(categorical_features=None).fit(X, [1.0, 2, 3])
    with pytest.raises(ConfigError, match="categorical_features='all' must be None, 'from_dtype'"):
        DeltapropRegressor(categorical_features="all").fit(X, [1.0, 2, 3])
    with pytest.raises(ConfigError, match="names 'z', not a column of X"):
        DeltapropRegressor(categorical_features=["z"]).fit(X, [1.0, 2, 3])
    with pytest.raises(ConfigError, match="names column 5; X has columns 0 to 1"):
        DeltapropRegressor(categorical_features=[5]).fit(X, [1.0, 2, 3])
    with pytest.raises(ConfigError, match="mask of 3 entries; X has 2 columns"):
        DeltapropRegressor(categorical_features=[True, False, True]).fit(X, [1.0, 2, 3])
    with pytest.raises(ConfigError, match="missing='drop' is not one of: impute, error"):
        DeltapropRegressor(missing="drop").fit(X, [1.0, 2, 3])


def test_predict_checks_the_raw_columns():
    X, y = city_frame()
    model = DeltapropRegressor(max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="feature names"):
        model.predict(X.rename(columns={"city": "town"}))


def test_save_model_round_trips_the_encoder_exactly(tmp_path):
    import json

    from deltaprop.io import load_model, read_arrays, save_model

    X, y = city_frame()
    X.loc[3, "area"], X.loc[5, "city"] = np.nan, None
    model = DeltapropRegressor((5,), missing="impute", max_iter=20, random_state=0).fit(X, y)
    save_model(tmp_path / "m.npz", model)
    loaded, metadata = load_model(tmp_path / "m.npz")
    assert metadata["format_version"] == 4
    assert metadata["feature_names"] == ["area", "city"]
    assert metadata["preprocessing"] == json.loads(json.dumps(model.encoder_.to_json()))
    assert loaded.encoder_ == model.encoder_ and loaded.get_params() == model.get_params()
    assert loaded.n_features_in_ == 2
    new = pd.DataFrame({"area": [np.nan, 1.0, 2.0], "city": ["Oslo", None, "Paris"]})
    with pytest.warns(UnseenCategoryWarning):
        expected = model.predict(new)
    with pytest.warns(UnseenCategoryWarning):
        np.testing.assert_array_equal(loaded.predict(new), expected)
    arrays, _ = read_arrays(tmp_path / "m.npz")
    assert arrays["x_mean"].tolist() == [0.0] * 6  # area, area (missing), (missing) + 3 cities


def test_an_edited_preprocessing_is_refused(tmp_path):
    from deltaprop.errors import ModelFileError
    from deltaprop.io import checksum, load_model, read_arrays, save_model

    X, y = city_frame()
    model = DeltapropRegressor((3,), max_iter=2, random_state=0).fit(X, y)
    save_model(tmp_path / "m.npz", model)
    arrays, metadata = read_arrays(tmp_path / "m.npz")
    metadata["preprocessing"]["columns"][1]["categories"].append("Paris")  # one input too many
    metadata["sha256"] = checksum(arrays, metadata)
    np.savez(tmp_path / "e.npz", **arrays, metadata=np.array(__import__("json").dumps(metadata)))
    with pytest.raises(ModelFileError, match=r"preprocessing is invalid: .*make 5 inputs; the "):
        load_model(tmp_path / "e.npz")


def test_info_shows_the_preprocessing(tmp_path, capsys):
    from deltaprop.cli import main
    from deltaprop.io import save_model

    X, y = city_frame()
    X.loc[3, "area"] = np.nan
    model = DeltapropRegressor((3,), missing="impute", max_iter=2, random_state=0).fit(X, y)
    save_model(tmp_path / "m.npz", model)
    assert main(["info", str(tmp_path / "m.npz")]) == 0
    out = capsys.readouterr().out
    column = model.encoder_.columns[0]
    assert "features (2): area, city\ninputs (5), from the columns:\n" in out
    assert (
        f"    area: number, (x - {column.mean:.6g}) / {column.scale:.6g}, missing cells "
        f"{column.fill:.6g} (the median), with a was-missing column\n"
        "    city: 3 categories, one-hot: Lima, Oslo, Rome\n"
    ) in out
