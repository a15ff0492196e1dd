"""validation_scores_ and best_validation_score_ survive model files (format 3); format 2 files
are still read; an edited score list is refused like any other field."""

import json
import zipfile

import numpy as np
import pytest

from deltaprop import DeltapropRegressor, ModelFileError
from deltaprop.io import checksum, load_model, save_model
from problems import tanh_ridge

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def unpack(path):
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files if name != "metadata"}
        return arrays, json.loads(str(npz["metadata"]))


def forge(path, arrays, metadata):
    """A model file with ``metadata`` (its checksum recomputed, as an editor could)."""
    covered = metadata if metadata["format_version"] >= 2 else None
    metadata = {**metadata, "sha256": checksum(arrays, covered)}
    np.savez(path, **arrays, metadata=np.array(json.dumps(metadata)))
    assert zipfile.is_zipfile(path)
    return path


@pytest.mark.parametrize("early_stopping", [False, True])
def test_validation_scores_round_trip(rng, tmp_path, early_stopping):
    X, y = tanh_ridge(rng, 60)
    model = DeltapropRegressor(
        (4,), early_stopping=early_stopping, max_iter=6, random_state=0, validation_fraction=0.2
    ).fit(X, y)
    save_model(tmp_path / "m.npz", model)
    loaded, metadata = load_model(tmp_path / "m.npz")
    assert metadata["format_version"] == 4
    assert loaded.validation_scores_ == model.validation_scores_
    assert loaded.best_validation_score_ == model.best_validation_score_
    if early_stopping:
        assert len(loaded.validation_scores_) == 6
        assert loaded.best_validation_score_ == max(model.validation_scores_)
    else:
        assert loaded.validation_scores_ is None and loaded.best_validation_score_ is None


def test_a_format_2_file_is_read_without_scores(rng, tmp_path):
    X, y = tanh_ridge(rng, 60)
    model = DeltapropRegressor((4,), early_stopping=True, max_iter=3, random_state=0).fit(X, y)
    save_model(tmp_path / "m.npz", model)
    arrays, metadata = unpack(tmp_path / "m.npz")
    del metadata["training"]["validation_scores"], metadata["preprocessing"]
    path = forge(tmp_path / "v2.npz", arrays, {**metadata, "format_version": 2})
    loaded, _ = load_model(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.validation_scores_ == [] and loaded.best_validation_score_ is None


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda t: t.pop("validation_scores"), r"training\.validation_scores is missing"),
        (
            lambda t: t.update(validation_scores="high"),
            r"training\.validation_scores must be a list, not a string",
        ),
        (
            lambda t: t.update(validation_scores=[0.5, None, 0.7]),
            r"training\.validation_scores\[1\] must be a finite number, not None",
        ),
        (
            lambda t: t.update(validation_scores=[0.5]),
            r"training\.validation_scores has 1 values; validation_loss_curve has 3",
        ),
    ],
)
def test_edited_scores_are_refused(rng, tmp_path, change, match):
    X, y = tanh_ridge(rng, 60)
    model = DeltapropRegressor((4,), early_stopping=True, max_iter=3, random_state=0).fit(X, y)
    save_model(tmp_path / "m.npz", model)
    arrays, metadata = unpack(tmp_path / "m.npz")
    change(metadata["training"])
    path = forge(tmp_path / "edited.npz", arrays, metadata)
    with pytest.raises(ModelFileError, match=match) as info:
        load_model(path)
    assert "\n" not in str(info.value)


def test_a_format_2_file_with_scores_is_refused(rng, tmp_path):
    X, y = tanh_ridge(rng, 60)
    model = DeltapropRegressor((4,), max_iter=2, random_state=0).fit(X, y)
    save_model(tmp_path / "m.npz", model)
    arrays, metadata = unpack(tmp_path / "m.npz")
    del metadata["preprocessing"]
    path = forge(tmp_path / "odd.npz", arrays, {**metadata, "format_version": 2})
    with pytest.raises(ModelFileError, match=r"training\.validation_scores is not a field"):
        load_model(path)
