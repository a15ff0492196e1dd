"""DeltapropRegressor on input a new user hands it: a model fitted on a DataFrame asked to
predict an array (and the other way round), no rows, a target with NaN, a column of dates.
scikit-learn's behaviour decides the expected answer; each error names the problem and the
fix."""

import numpy as np
import pytest

from deltaprop import DeltapropRegressor
from deltaprop.errors import DataError

pd = pytest.importorskip("pandas")


def shops(m=40, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"area": rng.normal(size=m), "city": rng.choice(["Oslo", "Rome"], m)})
    y = 2.0 * X["area"].to_numpy() + (X["city"] == "Rome").to_numpy()
    return X, y


def small(**params):
    return DeltapropRegressor((4,), solver="lbfgs", max_iter=20, random_state=0, **params)


def test_a_model_fitted_on_a_frame_predicts_an_array_by_position():
    """As scikit-learn: a warning that X has no feature names, then the columns by position
    (it was a DataError calling the text column 'x1' not categorical)."""
    X, y = shops()
    model = small().fit(X, y)
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        by_position = model.predict(X.to_numpy())
    np.testing.assert_array_equal(by_position, model.predict(X))


def test_a_model_fitted_on_an_array_predicts_a_frame_by_position():
    X, y = shops()
    model = small(categorical_features=[1]).fit(X.to_numpy(), y)
    with pytest.warns(UserWarning, match="X has feature names, but DeltapropRegressor"):
        by_position = model.predict(X)
    np.testing.assert_array_equal(by_position, model.predict(X.to_numpy()))


@pytest.mark.parametrize("frame", [True, False])
def test_no_rows_is_scikit_learns_error(frame):
    """It said "column 'area' has no numbers, only missing cells" for a frame of no rows."""
    X, y = shops()
    X0 = X.iloc[:0] if frame else X.to_numpy()[:0]
    with pytest.raises(ValueError, match=r"Found array with 0 sample\(s\)"):
        small(categorical_features="from_dtype" if frame else [1]).fit(X0, y[:0])


@pytest.mark.parametrize("missing", ["error", "impute"])
def test_nan_in_y_says_a_target_is_never_imputed(missing):
    """It advised missing='impute', which fills X only, and then said the same again."""
    X, y = shops()
    y[[3, 7]] = np.nan
    with pytest.raises(DataError, match=r"^y contains NaN at row 3 .*row 7") as error:
        small(missing=missing).fit(X, y)
    message = str(error.value)
    assert "missing='impute' fills" not in message
    assert "leave out the rows whose target is missing" in message


def test_nan_in_x_still_points_at_impute():
    X, y = shops()
    X = X[["area"]].to_numpy(copy=True)
    X[5, 0] = np.nan
    with pytest.raises(DataError, match=r"X contains NaN at row 5.*missing='impute'"):
        small().fit(X, y)


def test_a_column_of_dates_is_named_with_the_fix():
    """It was a TypeError from float() of a Timestamp."""
    X, y = shops()
    X["sold"] = pd.date_range("2024-01-01", periods=len(X))
    with pytest.raises(DataError, match=r"^column 'sold' holds dates or times") as error:
        small().fit(X, y)
    assert "as numbers" in str(error.value) and "leave it out of X" in str(error.value)
    model = small().fit(X.assign(sold=X["sold"].dt.day_of_year), y)  # the fix works
    assert model.n_features_in_ == 3
