"""ONNX export of a model with preprocessing (categorical columns, missing values): the graph
takes the raw columns as named inputs, and onnxruntime predicts what ``predict`` does, on rows
with categories not seen in training and with missing cells."""

import numpy as np
import pytest

from deltaprop import DeltapropRegressor
from deltaprop.errors import ConfigError, UnseenCategoryWarning

pd = pytest.importorskip("pandas")
ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


def table(m, seed):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "area": rng.normal(150.0, 60.0, m),
            "city": rng.choice(["Oslo", "Rome", "Lima"], m).astype(object),
            "age": rng.uniform(0.0, 100.0, m),
            "grade": rng.integers(1, 4, m).astype(float),
        }
    )
    y = frame["area"] / 60 + frame["city"].map({"Oslo": 1.0, "Rome": -1.0, "Lima": 0.0})
    frame.loc[rng.random(m) < 0.1, "age"] = np.nan
    frame.loc[rng.random(m) < 0.1, "city"] = None
    return frame, y.to_numpy()


def feeds(frame):
    """The raw columns as onnxruntime inputs: numbers float64, text strings ("" missing)."""
    inputs = {}
    for name in frame.columns:
        values = frame[name]
        if values.dtype.kind in "fiub":
            inputs[name] = values.to_numpy(np.float64).reshape(-1, 1)
        else:  # object, or pandas' str dtype
            inputs[name] = np.array([[v if isinstance(v, str) else ""] for v in values], object)
    return inputs


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_onnx_predicts_as_predict_with_unseen_categories_and_missing_cells(dtype):
    from deltaprop.interop import to_onnx

    X, y = table(200, 0)
    model = DeltapropRegressor(
        (8,), categorical_features=["city", "grade"], missing="impute", dtype=dtype,
        max_iter=30, random_state=0,
    ).fit(X, y)  # fmt: skip
    new, _ = table(50, 1)
    new.loc[0, "city"], new.loc[1, "grade"], new.loc[2, "area"] = "Paris", 9.0, np.nan
    with pytest.warns(UnseenCategoryWarning):
        expected = model.predict(new)
    onnx_model = to_onnx(model)
    assert [i.name for i in onnx_model.graph.input] == ["area", "city", "age", "grade"]
    session = ort.InferenceSession(onnx_model.SerializeToString())
    inputs = feeds(new)
    inputs["grade"] = np.array([[str(int(v))] for v in new["grade"]], dtype=object)  # codes as text
    (got,) = session.run(None, inputs)
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_allclose(got[:, 0], expected, rtol=1e-6, atol=1e-6 * np.abs(expected).max())


def test_other_exports_refuse_preprocessing():
    from deltaprop.interop import to_sklearn

    X, y = table(40, 0)
    model = DeltapropRegressor((3,), missing="impute", max_iter=2).fit(X, y)
    with pytest.raises(ConfigError, match="which only the ONNX export carries"):
        to_sklearn(model)
