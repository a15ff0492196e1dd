"""Model files: bit-exact round trip, atomic writes, one-line errors for every bad file."""

import json
import os

import numpy as np
import pytest

import deltaprop
from deltaprop import ConfigError, DeltapropRegressor, ModelFileError
from deltaprop.io import checksum, load_model, save_model

# short fits on purpose: scikit-learn's ConvergenceWarning (and deltaprop's PoorFitWarning, a
# subclass) are expected here; tests of the warnings themselves use pytest.warns
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    Y = np.column_stack([np.sin(X[:, 0]), X[:, 1] * X[:, 2]])
    model = DeltapropRegressor(
        hidden_layer_sizes=(6, 5),
        activation="tanh",
        max_iter=20,
        early_stopping=True,
        random_state=0,
    ).fit(X, Y)
    return model, X


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_round_trip_is_bit_exact(tmp_path, dtype):
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((40, 2)), rng.standard_normal(40)
    model = DeltapropRegressor(
        hidden_layer_sizes=(4,), max_iter=5, dtype=dtype, random_state=0
    ).fit(X, y)
    path = tmp_path / "model.npz"
    save_model(path, model)
    loaded, metadata = load_model(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.predict(X).dtype == model.predict(X).dtype == np.dtype(dtype)
    np.testing.assert_array_equal(loaded.network_.params, model.network_.params)
    assert loaded.network_.sizes == (2, 4, 1) and loaded.predict(X).shape == (40,)
    assert loaded.get_params() == model.get_params()
    assert metadata["architecture"]["dtype"] == dtype


def test_metadata_contents(tmp_path, fitted):
    model, X = fitted
    path = tmp_path / "m.npz"
    save_model(
        path,
        model,
        feature_names=["a", "b", "c"],
        target_names=["s", "p"],
        extra={"test": {"r2": 0.5}},
    )
    loaded, meta = load_model(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert meta["format_version"] == 4 and meta["deltaprop_version"] == deltaprop.__version__
    assert meta["architecture"] == {
        "sizes": [3, 6, 5, 2],
        "activation": "tanh",
        "dtype": "float64",
        "loss": "squared",
        "y_ndim": 2,
    }
    assert meta["feature_names"] == ["a", "b", "c"] and meta["target_names"] == ["s", "p"]
    assert meta["settings"]["hidden_layer_sizes"] == [6, 5] and meta["settings"]["max_iter"] == 20
    assert meta["training"]["n_iter"] == model.n_iter_
    assert meta["training"]["loss_curve"] == model.loss_curve_
    assert meta["training"]["validation_loss_curve"] == model.validation_loss_curve_
    assert meta["training"]["interrupted"] is False
    assert meta["extra"] == {"test": {"r2": 0.5}}
    with np.load(path, allow_pickle=False) as npz:  # no pickle anywhere in the file
        arrays = {k: npz[k] for k in npz.files if k != "metadata"}
    assert meta["sha256"] == checksum(arrays, meta)  # format 2: the metadata is covered too
    assert loaded.validation_loss_curve_ == model.validation_loss_curve_
    assert not hasattr(loaded, "feature_names_in_")  # fitted on an array: none to enforce


def test_feature_names_of_a_dataframe_fit_are_kept(tmp_path):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(rng.standard_normal((30, 2)), columns=["x1", "x2"])
    model = DeltapropRegressor(hidden_layer_sizes=(3,), max_iter=3).fit(frame, frame.x1)
    save_model(tmp_path / "m.npz", model)
    loaded, meta = load_model(tmp_path / "m.npz")
    assert meta["feature_names"] == ["x1", "x2"]
    assert list(loaded.feature_names_in_) == ["x1", "x2"]
    np.testing.assert_array_equal(loaded.predict(frame), model.predict(frame))


def test_write_is_atomic_on_failure(tmp_path, fitted, monkeypatch):
    model, _ = fitted
    path = tmp_path / "m.npz"
    save_model(path, model)
    before = path.read_bytes()

    def failing_savez(file, **arrays):
        file.write(b"PK\x03\x04 half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", failing_savez)
    with pytest.raises(
        ModelFileError,
        match=r"^cannot write model file .*m\.npz': No space "
        r"left on device$",
    ):
        save_model(path, model)
    assert path.read_bytes() == before  # the old file is untouched …
    assert os.listdir(tmp_path) == ["m.npz"]  # … and no temporary file is left behind


def test_no_file_is_left_when_interrupted(tmp_path, fitted, monkeypatch):
    model, _ = fitted

    def interrupted_savez(file, **arrays):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", interrupted_savez)
    with pytest.raises(KeyboardInterrupt):
        save_model(tmp_path / "m.npz", model)
    assert os.listdir(tmp_path) == []


def test_save_errors(tmp_path, fitted):
    model, _ = fitted
    with pytest.raises(ConfigError, match=r"^the estimator is not fitted; call fit"):
        save_model(tmp_path / "m.npz", DeltapropRegressor())
    with pytest.raises(ConfigError, match=r"^feature_names has 2 names but the model has 3"):
        save_model(tmp_path / "m.npz", model, feature_names=["a", "b"])
    with pytest.raises(ConfigError, match=r"^extra must be a JSON-serializable dict"):
        save_model(tmp_path / "m.npz", model, extra={"f": object()})
    assert os.listdir(tmp_path) == []
    save_model(tmp_path / "new" / "folder" / "m.npz", model)  # missing folders are created
    assert os.listdir(tmp_path / "new" / "folder") == ["m.npz"]


def rewrite(path, arrays, metadata):
    np.savez(path, **arrays, metadata=np.array(json.dumps(metadata)))


def saved(tmp_path, fitted):
    path = tmp_path / "m.npz"
    save_model(path, fitted[0])
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    return path, arrays, json.loads(str(arrays.pop("metadata")))


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match=r"^model file .*nope\.npz' does not exist; check"):
        load_model(tmp_path / "nope.npz")


def test_not_an_npz(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(
        ModelFileError,
        match=r"^'.*data\.csv' is not a deltaprop model file "
        r"\(not an \.npz archive\)$",
    ):
        load_model(path)


def test_truncated(tmp_path, fitted):
    path, _, _ = saved(tmp_path, fitted)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(
        ModelFileError,
        match=r"^model file .* is truncated or corrupted \(.*\); "
        r"re-save it$",
    ):
        load_model(path)


def test_corrupted_byte(tmp_path, fitted):
    path, _, _ = saved(tmp_path, fitted)
    data = bytearray(path.read_bytes())
    data[200] ^= 0xFF  # inside the stored params: the zip's CRC no longer matches
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match=r"^model file .* is truncated or corrupted"):
        load_model(path)


def test_checksum_mismatch(tmp_path, fitted):
    path, arrays, metadata = saved(tmp_path, fitted)
    arrays["params"][0] += 1.0  # a consistent zip whose arrays no longer match the SHA-256
    rewrite(path, arrays, metadata)
    with pytest.raises(ModelFileError, match=r"^model file .* is corrupted \(checksum mismatch\)"):
        load_model(path)


def test_an_npz_that_is_not_a_model(tmp_path, fitted):
    path = tmp_path / "other.npz"
    np.savez(path, weights=np.ones(3))
    with pytest.raises(
        ModelFileError,
        match=r"^'.*other\.npz' is an \.npz file but not a "
        r"deltaprop model$",
    ):
        load_model(path)
    path, arrays, metadata = saved(tmp_path, fitted)
    rewrite(path, arrays, {**metadata, "format": "something-else"})
    with pytest.raises(ModelFileError, match=r"is an \.npz file but not a deltaprop model$"):
        load_model(path)


def test_newer_format_version(tmp_path, fitted):
    path, arrays, metadata = saved(tmp_path, fitted)
    rewrite(path, arrays, {**metadata, "format_version": 5})
    with pytest.raises(
        ModelFileError,
        match=r"was written by a newer deltaprop \(format 5\); "
        r"this version reads formats 1 to 4; upgrade deltaprop$",
    ):
        load_model(path)


def test_pickle_is_never_loaded(tmp_path, fitted):
    path, arrays, _ = saved(tmp_path, fitted)
    np.savez(path, **arrays, metadata=np.array([{"a": 1}], dtype=object))  # needs pickle
    with pytest.raises(
        ModelFileError, match=r"has an invalid metadata member \(shape \(1,\), dtype object\)"
    ):
        load_model(path)


def test_invalid_metadata(tmp_path, fitted):
    path, arrays, metadata = saved(tmp_path, fitted)
    del metadata["architecture"]
    rewrite(path, arrays, metadata)
    with pytest.raises(
        ModelFileError,
        match=r"^model file .* has an invalid metadata field: metadata.architecture is "
        r"missing; re-save it$",
    ):
        load_model(path)


@pytest.mark.parametrize(("with_mean", "with_std"), [(True, True), (False, True), (True, False)])
def test_a_standard_scaler_pipeline_is_folded_into_the_model(tmp_path, with_mean, with_std):
    pd = pytest.importorskip("pandas")
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.standard_normal((50, 2)) * [1e3, 1e-2] + [5e3, 1.0], columns=["u", "v"])
    y = X.u / 1e3 - 100 * X.v
    pipeline = make_pipeline(
        StandardScaler(with_mean=with_mean, with_std=with_std),
        DeltapropRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0),
    ).fit(X, y)
    save_model(tmp_path / "p.npz", pipeline)
    loaded, meta = load_model(tmp_path / "p.npz")
    np.testing.assert_allclose(loaded.predict(X), pipeline.predict(X), rtol=1e-10)
    assert meta["feature_names"] == ["u", "v"] and list(loaded.feature_names_in_) == ["u", "v"]
    assert loaded.loss_curve_ == pipeline[-1].loss_curve_


def test_other_pipelines_and_estimators_are_refused(tmp_path, fitted):
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    X = fitted[1]
    minmax = make_pipeline(MinMaxScaler(), DeltapropRegressor(max_iter=2)).fit(X, X[:, 0])
    with pytest.raises(
        ConfigError,
        match=r"^save_model cannot save the preprocessing of this pipeline \(MinMaxScaler → "
        r"DeltapropRegressor\); it saves a DeltapropRegressor alone or after one StandardScaler",
    ):
        save_model(tmp_path / "m.npz", minmax)
    with pytest.raises(ConfigError, match=r"^the estimator is not fitted; call fit"):
        save_model(tmp_path / "m.npz", make_pipeline(StandardScaler(), DeltapropRegressor()))
    with pytest.raises(ConfigError, match=r"a StandardScaler in a Pipeline\), not a Linear"):
        save_model(tmp_path / "m.npz", LinearRegression().fit(X, X[:, 0]))
    alone = make_pipeline(fitted[0])  # a pipeline of the model alone saves the model
    save_model(tmp_path / "m.npz", alone)
    np.testing.assert_array_equal(load_model(tmp_path / "m.npz")[0].predict(X), alone.predict(X))
    assert os.listdir(tmp_path) == ["m.npz"]


def test_an_estimator_built_from_a_network_saves_its_real_architecture(tmp_path):
    from deltaprop.network import Network

    net = Network((3, 5, 2), "sigmoid", rng=np.random.default_rng(0))
    model = DeltapropRegressor.from_network(net)  # hidden_layer_sizes keeps its default (100,)
    save_model(tmp_path / "m.npz", model)
    loaded, meta = load_model(tmp_path / "m.npz")
    assert meta["settings"]["hidden_layer_sizes"] == [5]
    X = np.random.default_rng(1).standard_normal((4, 3))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
