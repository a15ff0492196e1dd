"""``load_torch`` reads its two files as untrusted input: the architecture JSON is checked in
full before any tensor is made, a state dict file that is not one is one ``ModelFileError``,
and a fuzz of the JSON never ends in anything else. Skipped without PyTorch."""

import json

import numpy as np
import pytest

from deltaprop import DeltapropRegressor, ModelFileError
from deltaprop.interop import load_torch
from deltaprop.interop.torch_nn import save_torch

torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch)")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """``(folder, spec, state bytes, X, predictions)`` of a small exported model."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((10, 3))
    est = DeltapropRegressor(hidden_layer_sizes=(4,), activation="elu", max_iter=2)
    est.fit(X, X @ [1.0, -1.0, 0.5])
    folder = tmp_path_factory.mktemp("torch")
    files = save_torch(est, str(folder / "m.pt"))
    spec = json.loads(files[str(folder / "m.json")])
    return spec, files[str(folder / "m.pt")], X, est.predict(X)


def write(tmp_path, spec, state):
    (tmp_path / "m.json").write_text(spec if isinstance(spec, str) else json.dumps(spec))
    (tmp_path / "m.pt").write_bytes(state)
    return tmp_path / "m.pt"


def test_the_exported_files_load_and_predict(tmp_path, exported):
    spec, state, X, y_pred = exported
    module = load_torch(write(tmp_path, spec, state))
    with torch.no_grad():
        got = module(torch.from_numpy(X)).numpy()[:, 0]
    np.testing.assert_allclose(got, y_pred, rtol=1e-12, atol=1e-12)


def test_a_small_json_cannot_make_it_allocate_gigabytes(tmp_path, exported):
    """200 bytes declaring a 5 GB Linear: refused from the state dict's size, before building."""
    _, state, _, _ = exported
    spec = {"format": "deltaprop-torch", "format_version": 1, "dtype": "float64"}
    spec["layers"] = [{"type": "Linear", "in_features": 25000, "out_features": 25000}]
    path = write(tmp_path, spec, state)
    with pytest.raises(ModelFileError, match=r"declares 625,025,000 parameters but the state"):
        load_torch(path)


@pytest.mark.parametrize("state", [b"", b"\x80\x02", b"\x80\x02}q\x00(X", b"PK\x03\x04" + bytes(9)])
def test_a_state_dict_file_that_is_not_one_is_a_model_file_error(tmp_path, exported, state):
    spec = exported[0]
    with pytest.raises(ModelFileError, match=r"cannot load PyTorch model .*m\.pt") as err:
        load_torch(write(tmp_path, spec, state))
    assert "\n" not in str(err.value) and len(str(err.value)) < 400


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("device", "meta", "unexpected or missing key 'device'"),
        ("dtype", "float16", "unexpected or missing key 'dtype'"),
        ("bias", False, "unexpected or missing key 'bias'"),
        ("in_features", 2**40, "has a width 1099511627776"),
        ("in_features", 2, "takes 2 inputs but the layer before gives"),
        ("out_features", True, "has a width True"),
    ],
)
def test_layer_arguments_beyond_what_export_writes_are_refused(
    tmp_path, exported, key, value, message
):
    """``"device": "meta"`` used to load a module without weights that computes nothing."""
    spec, state, _, _ = exported
    spec = json.loads(json.dumps(spec))
    spec["layers"][2][key] = value  # the second Linear
    with pytest.raises(ModelFileError, match=message):
        load_torch(write(tmp_path, spec, state))


def test_activation_arguments_must_be_deltaprops(tmp_path, exported):
    spec, state, _, _ = exported
    spec = json.loads(json.dumps(spec))
    spec["layers"][1]["alpha"] = 2.0  # ELU(alpha=2) is not deltaprop's elu
    with pytest.raises(ModelFileError, match=r"layer 1 \(ELU\) has arguments other than"):
        load_torch(write(tmp_path, spec, state))


def test_an_architecture_file_that_is_a_fifo_is_not_opened(tmp_path, exported):
    import os

    spec, state, _, _ = exported
    path = write(tmp_path, spec, state)
    os.unlink(tmp_path / "m.json")
    os.mkfifo(tmp_path / "m.json")
    with pytest.raises(ModelFileError, match="is a FIFO"):
        load_torch(path)


def mutations(text):
    """Deterministic edits of the JSON text: each byte dropped, doubled or replaced."""
    rng = np.random.default_rng(0)
    for i in rng.choice(len(text), size=min(len(text), 120), replace=False):
        yield text[:i] + text[i + 1 :]
        yield text[:i] + text[i] * 2 + text[i:]
        yield text[:i] + chr(rng.integers(32, 127)) + text[i + 1 :]


def test_fuzz_the_architecture_json(tmp_path, exported):
    """Every edit of the JSON loads a module that predicts as the original, or is refused."""
    spec, state, X, y_pred = exported
    text, outcomes = json.dumps(spec), {"refused": 0, "same": 0}
    (tmp_path / "m.pt").write_bytes(state)
    for edited in mutations(text):
        (tmp_path / "m.json").write_text(edited, encoding="utf-8", errors="surrogatepass")
        try:
            module = load_torch(tmp_path / "m.pt")
        except ModelFileError as err:
            assert "\n" not in str(err)
            outcomes["refused"] += 1
            continue
        with torch.no_grad():
            got = module(torch.from_numpy(X)).numpy()[:, 0]
        np.testing.assert_allclose(got, y_pred, rtol=1e-12, atol=1e-12, err_msg=edited)
        outcomes["same"] += 1
    assert outcomes["refused"] > outcomes["same"] > 0
