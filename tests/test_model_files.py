"""Model files as untrusted input: the checksum covers the metadata, every field and array is
checked whatever the checksum says, memory stays bounded, and every failure is one
``ModelFileError`` line."""

import io
import json
import os
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest

from deltaprop import DeltapropRegressor, ModelFileError
from deltaprop.cli import main
from deltaprop.io import checksum, load_model, save_model


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    """A small fitted model saved once: ``(path, arrays, metadata, X, predictions)``."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    model = DeltapropRegressor(hidden_layer_sizes=(4,), activation="tanh", max_iter=3)
    model.fit(X, y)
    path = tmp_path_factory.mktemp("original") / "m.npz"
    save_model(path, model, feature_names=["a", "b", "c"], target_names=["y"])
    arrays, metadata = unpack(path)
    return path, arrays, metadata, X, model.predict(X)


def unpack(path):
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    return arrays, json.loads(str(arrays.pop("metadata")))


def forge(path, arrays, metadata, *, keep_checksum=False):
    """Write a model file with this content, its checksum recomputed (as an editor would)."""
    metadata = json.loads(json.dumps(metadata))
    if not keep_checksum:
        metadata["sha256"] = checksum(arrays, metadata)
    np.savez(path, **arrays, metadata=np.array(json.dumps(metadata)))
    return path


def edited(original, tmp_path, change, **options):
    """The original model file with ``change(arrays, metadata)`` applied."""
    _, arrays, metadata, _, _ = original
    arrays = {name: a.copy() for name, a in arrays.items()}
    metadata = json.loads(json.dumps(metadata))
    change(arrays, metadata)
    return forge(tmp_path / "edited.npz", arrays, metadata, **options)


def refused(path, match):
    with pytest.raises(ModelFileError, match=match) as info:
        load_model(path)
    assert "\n" not in str(info.value)


# ---------------------------------------------------------------- the checksum covers the metadata


def set_field(*keys_and_value):
    *keys, value = keys_and_value

    def change(arrays, metadata):
        for key in keys[:-1]:
            metadata = metadata[key]
        metadata[keys[-1]] = value

    return change


@pytest.mark.parametrize(
    "change",
    [
        set_field("architecture", "activation", "relu"),
        set_field("feature_names", ["b", "a", "c"]),
        set_field("target_names", ["z"]),
    ],
    ids=["tanh to relu", "swapped feature names", "renamed target"],
)
def test_an_edited_metadata_field_fails_the_checksum(original, tmp_path, change):
    path = edited(original, tmp_path, change, keep_checksum=True)
    refused(path, r"is corrupted \(checksum mismatch\); re-save or re-train it$")


def test_a_format_1_file_is_still_read(original, tmp_path):
    _, arrays, metadata, X, y_pred = original
    training = {k: v for k, v in metadata["training"].items() if k != "validation_scores"}
    old = {**metadata, "format_version": 1, "training": training, "sha256": checksum(arrays)}
    del old["preprocessing"]  # format 4 on
    path = tmp_path / "v1.npz"
    np.savez(path, **arrays, metadata=np.array(json.dumps(old)))
    model, meta = load_model(path)
    np.testing.assert_array_equal(model.predict(X), y_pred)
    assert meta["format_version"] == 1


# ---------------------------------------------------------------- everything is checked


def set_array(name, value):
    def change(arrays, metadata):
        arrays[name] = value(arrays[name]) if callable(value) else value

    return change


def nan_at_0(a):
    a = a.copy()
    a[0] = np.nan
    return a


ARRAY_CASES = [
    (set_array("params", nan_at_0), r"has non-finite values in params"),
    (
        set_array("x_mean", np.zeros(1)),
        r"has x_mean of shape \(1,\); the architecture needs \(3,\)",
    ),
    (set_array("x_scale", np.zeros(3)), r"has x_scale <= 0 \(a scale must be positive\)"),
    (set_array("y_scale", -np.ones(1)), r"has y_scale <= 0"),
    (set_array("y_mean", np.array([np.inf])), r"has non-finite values in y_mean"),
    (set_array("params", lambda a: a[:-1]), r"has params of shape \(20,\); the architecture"),
    (set_array("params", lambda a: a.astype(np.complex128)), r"has params of dtype complex128"),
    (set_array("params", lambda a: a.astype(np.int64)), r"has params of dtype int64"),
    (set_array("params", lambda a: a.astype(np.float32)), r"has params of dtype float32; the"),
    (
        set_array("params", lambda a: a.astype([("w", "<f8")])),
        r"has params of dtype \[\('w', '<f8'\)\]",
    ),
    (set_array("x_mean", lambda a: a.reshape(3, 1)), r"has x_mean of shape \(3, 1\)"),
]
FIELD_CASES = [
    (set_field("architecture", "sizes", [3, "4", 1]), r"architecture.sizes\[1\] \(n_2\) must be"),
    (set_field("architecture", "sizes", [3, 0, 1]), r"must be an integer >= 1, not 0"),
    (set_field("architecture", "sizes", [3, True, 1]), r"must be an integer >= 1, not True"),
    (set_field("architecture", "sizes", 5), r"architecture.sizes must be a list of 2 to 1000"),
    (set_field("architecture", "activation", "sine"), r"architecture.activation is 'sine'; it"),
    (set_field("architecture", "dtype", "int8"), r"architecture.dtype is 'int8'"),
    (set_field("architecture", "y_ndim", 3), r"architecture.y_ndim must be one of \(1, 2\)"),
    (set_field("architecture", "x"), r"architecture must be an object, not a string"),
    (set_field("feature_names", ["a", "b"]), r"feature_names has 2 names but the architecture"),
    (set_field("feature_names", ["a", 1, "c"]), r"feature_names must be a list of strings"),
    (set_field("target_names", "y"), r"target_names must be a list of strings"),
    (set_field("feature_names_in", "yes"), r"feature_names_in must be true or false"),
    (set_field("deltaprop_version", 1), r"deltaprop_version must be a string"),
    (set_field("training", "loss_curve", [0.5, "x"]), r"training.loss_curve\[1\] must be a fin"),
    (set_field("training", "loss_curve", [float("nan")]), r"loss_curve\[0\] must be a finite"),
    (set_field("training", "n_iter", -1), r"training.n_iter must be an integer >= 0"),
    (set_field("training", "interrupted", None), r"training.interrupted must be true or false"),
    (set_field("settings", "max_iter", -1), r"has invalid settings \(max_iter=-1 must be an"),
    (set_field("settings", "solver", {"a": 1}), r"settings.solver must be a number, string"),
    (set_field("settings", "hidden_layer_sizes", [5]), r"hidden_layer_sizes is \[5\]; the arch"),
    (set_field("settings", "random_state", -5), r"has invalid settings \("),
    (set_field("extra", "split", 3), r"extra.split must be an object"),
    (set_field("extra", "test_metrics", {"y": 1}), r"extra.test_metrics must be an object of"),
    (set_field("extra", "deep", json.loads("[" * 40 + "]" * 40)), r"extra is nested more than"),
    (set_field("unknown", 1), r"metadata.unknown is not a field of this format"),
]


@pytest.mark.parametrize(("change", "match"), ARRAY_CASES + FIELD_CASES)
def test_every_array_and_field_is_checked_whatever_the_checksum(original, tmp_path, change, match):
    refused(edited(original, tmp_path, change), rf"^model file '.*edited.npz' .*{match}")


def test_a_field_of_the_wrong_type_is_one_line_on_the_command_line(original, tmp_path, capsys):
    path = edited(original, tmp_path, set_field("training", "x"))
    for command in ("info", "predict", "gradcheck"):
        argv = [command, str(path)] + ([str(path)] if command == "predict" else [])
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err.startswith("deltaprop: error: model file ") and err.count("\n") == 1, err
        assert "invalid metadata field: training must be an object, not a string" in err


# ---------------------------------------------------------------- bounded memory


def npy(array):
    out = io.BytesIO()
    np.lib.format.write_array(out, np.asarray(array), allow_pickle=False)
    return out.getvalue()


def npy_with_header(header, data=b""):
    text = header.encode("latin1")
    text += b" " * (-(len(text) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + data


def members(original):
    _, arrays, metadata, _, _ = original
    return {
        **{f"{name}.npy": npy(a) for name, a in arrays.items()},
        "metadata.npy": npy(np.array(json.dumps(metadata))),
    }


def zipped(path, files, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def test_an_extra_member_is_refused_without_reading_it(original, tmp_path):
    files = members(original)
    path = zipped(tmp_path / "bomb.npz", files)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:  # 64 MiB of zeros
        archive.writestr("zeros.npy", bytes(64 * 2**20))
    assert path.stat().st_size < 2**20
    tracemalloc.start()
    try:
        refused(path, r"has an unexpected member 'zeros.npy'; re-save it$")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 2**20


def test_a_huge_declared_shape_is_refused_before_reading(original, tmp_path):
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }"
    files = {**members(original), "params.npy": npy_with_header(header, bytes(64))}
    refused(
        zipped(tmp_path / "huge.npz", files),
        r"has params of shape \(1000000000000,\); the architecture needs \(21,\)",
    )


def test_a_huge_architecture_is_refused_before_reading(original, tmp_path):
    _, arrays, metadata, _, _ = original
    n = 10**6
    metadata = {**metadata, "architecture": {**metadata["architecture"], "sizes": [n, n, 1]}}
    metadata["settings"] = {**metadata["settings"], "hidden_layer_sizes": [n]}
    metadata["feature_names"] = None
    header = f"{{'descr': '<f8', 'fortran_order': False, 'shape': ({n * n + 2 * n + 1},), }}"
    files = {
        **members(original),
        "params.npy": npy_with_header(header, bytes(64)),
        "metadata.npy": npy(np.array(json.dumps(metadata))),
    }
    refused(zipped(tmp_path / "huge.npz", files), r"is truncated or corrupted \(params.npy is not")


def test_a_plain_npy_named_npz(original, tmp_path):
    path = tmp_path / "params.npz"
    path.write_bytes(npy(original[1]["params"]))
    refused(path, r"^'.*params.npz' is a .npy array, not a deltaprop model file$")


def test_a_compressed_archive_is_refused(original, tmp_path):
    path = zipped(tmp_path / "small.npz", members(original), zipfile.ZIP_DEFLATED)
    refused(path, r"member 'params.npy' is compressed; deltaprop writes none: re-save it$")


# ---------------------------------------------------------------- every failure a ModelFileError


def patched_headers(path, offset_local, offset_central, value, fmt):
    """Set a field in every local and central zip header of ``path`` (e.g. flags, method)."""
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", offset_local), (b"PK\x01\x02", offset_central)):
        start = data.find(signature)
        while start >= 0:
            struct.pack_into(fmt, data, start + offset, value)
            start = data.find(signature, start + 4)
    path.write_bytes(bytes(data))
    return path


def test_an_encrypted_flag(original, tmp_path):
    path = zipped(tmp_path / "locked.npz", members(original))
    refused(patched_headers(path, 6, 8, 0x1, "<H"), r"member '.*' is encrypted")


def test_an_unknown_compression_method(original, tmp_path):
    path = zipped(tmp_path / "odd.npz", members(original))
    refused(patched_headers(path, 8, 10, 99, "<H"), r"member '.*' is compressed")


@pytest.mark.parametrize(
    "header",
    [
        "{'descr': '<f8', 'fortran_order': False, 'shape': (21,), '''",  # tokenize.TokenError
        "{'descr': '<f8', 'fortran_order': False, 'shape': (21,), 'x': " + "(" * 200,
        "{'descr': [('a', '<f8', (-1,))], 'fortran_order': False, 'shape': (21,), }",
        "[1, 2]",
    ],
    ids=["unterminated string", "deep nesting", "bad descr", "not a dict"],
)
def test_a_broken_npy_header(original, tmp_path, header):
    files = {**members(original), "params.npy": npy_with_header(header, bytes(168))}
    refused(zipped(tmp_path / "header.npz", files), r"is truncated or corrupted \(.+\); re-save")


def test_deeply_nested_metadata_json(original, tmp_path):
    files = {**members(original), "metadata.npy": npy(np.array("[" * 100_000 + "]" * 100_000))}
    refused(zipped(tmp_path / "nested.npz", files), r"has corrupted metadata \(not JSON\)")


def test_metadata_that_is_not_text(original, tmp_path):
    data = struct.pack("<4I", 0x7B, 0x110000, 0xD800, 0x7D)  # beyond Unicode, a surrogate
    header = "{'descr': '<U4', 'fortran_order': False, 'shape': (), }"
    files = {**members(original), "metadata.npy": npy_with_header(header, data)}
    refused(zipped(tmp_path / "text.npz", files), r"has corrupted metadata \(not text\)")


# ---------------------------------------------------------------- what the path is


def test_a_folder_a_fifo_a_link_loop_and_a_device(tmp_path):
    fifo = tmp_path / "fifo.npz"
    os.mkfifo(fifo)
    loop = tmp_path / "loop.npz"
    loop.symlink_to(loop)
    refused(tmp_path, r"^model file '.*' is a folder, not a model file; give a .npz file path$")
    refused(fifo, r"^model file '.*fifo.npz' is a FIFO \(named pipe\), not a model file")
    refused(loop, r"^model file '.*loop.npz' cannot be opened \(Too many levels of symbolic")
    refused(os.devnull, r"^model file '/dev/null' is a character device, not a model file")
    if os.path.exists("/dev/zero"):
        refused("/dev/zero", r"^model file '/dev/zero' is a character device")


def test_a_duplicated_member_is_refused(original, tmp_path):
    import warnings

    path = zipped(tmp_path / "twice.npz", members(original))
    with warnings.catch_warnings(), zipfile.ZipFile(path, "a") as archive:
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate it writes
        archive.writestr("params.npy", npy(original[1]["params"]))
    refused(path, r"has an unexpected member 'params.npy'; re-save it$")


def test_info_escapes_control_characters_from_the_file(original, tmp_path, capsys):
    _, arrays, metadata, _, _ = original
    metadata = {**metadata, "feature_names": ["a\nb", "\x1b[2J", "c"]}
    metadata["extra"] = {"data": "x\rtrained on: evil", "test_metrics": {"y\n": {"r2\t": 1.0}}}
    path = forge(tmp_path / "names.npz", arrays, metadata)
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out and "\t" not in out
    assert "features (3): a\\nb, \\x1b[2J, c\n" in out
    assert "trained on: x\\rtrained on: evil\n" in out
    assert "test metrics, y\\n: r2\\t=1\n" in out


# ---------------------------------------------------------------- round three


def test_duplicate_feature_names_are_refused(original, tmp_path):
    """Else ``predict`` would feed the one column of that name into every input named so."""
    path = edited(original, tmp_path, set_field("feature_names", ["a", "b", "a"]))
    refused(path, r"feature_names names 'a' more than once; names must be unique")


def test_malformed_training_metrics_are_refused(original, tmp_path, capsys):
    path = edited(original, tmp_path, set_field("extra", "training_metrics", [1, 2]))
    refused(path, r"extra.training_metrics must be an object of objects")
    assert main(["info", str(path)]) == 1
    assert "extra.training_metrics must be an object" in capsys.readouterr().err


def test_a_big_endian_file_is_read(original, tmp_path):
    """A file written on a big-endian machine: arrays, metadata and checksum in that order."""
    _, arrays, metadata, X, y_pred = original
    swapped = {name: a.astype(a.dtype.newbyteorder(">")) for name, a in arrays.items()}
    metadata = {**metadata, "sha256": checksum(swapped, metadata)}
    text = np.array(json.dumps(metadata))
    np.savez(tmp_path / "be.npz", **swapped, metadata=text.astype(text.dtype.newbyteorder(">")))
    model, _ = load_model(tmp_path / "be.npz")
    assert model.network_.params.dtype == np.float64 and model.network_.params.dtype.isnative
    np.testing.assert_array_equal(model.predict(X), y_pred)


def random_json(rng, depth=0):
    """A random JSON value: numbers (with NaN and ±inf), text with control characters, lists
    and objects, nested at most 4 deep."""
    kind = rng.integers(0, 7 if depth < 4 else 4)
    if kind == 0:
        return [None, True, False][rng.integers(3)]
    if kind == 1:
        return float(rng.choice([0.0, -1.5, 1e308, np.nan, np.inf, -np.inf]))
    if kind == 2:
        return int(rng.integers(-(2**62), 2**62))
    if kind == 3:
        return "".join(rng.choice(list("ab\n\x1b\u202e\x00é \t$\\"), size=rng.integers(0, 6)))
    if kind == 4:
        return [random_json(rng, depth + 1) for _ in range(rng.integers(0, 4))]
    keys = ["data", "split", "test_metrics", "training_metrics", "y", "R²", "\x1b[2J"]
    return {str(rng.choice(keys)): random_json(rng, depth + 1) for _ in range(rng.integers(0, 4))}


def test_fuzz_the_extra_field(original, tmp_path, capsys):
    """Random ``extra`` objects: each file is refused (one line), or ``info`` describes it with
    no raw control character and ``info --json`` prints standard JSON (no NaN or Infinity)."""
    rng, outcomes = np.random.default_rng(0), {0: 0, 1: 0}
    for _ in range(150):
        extra = random_json(rng, depth=1)
        extra = extra if isinstance(extra, dict) else {"data": extra}
        path = edited(original, tmp_path, set_field("extra", extra))
        capsys.readouterr()
        status = main(["info", str(path)])
        out, err = capsys.readouterr()
        outcomes[status] += 1
        assert status in (0, 1)
        if status == 1:
            assert out == "" and len(err.splitlines()) == 1 and "deltaprop: error:" in err
        assert all(line.isprintable() for line in (out + err).splitlines())
        if status == 0:
            assert main(["info", "--json", str(path)]) == 0
            shown = json.loads(capsys.readouterr().out, parse_constant=pytest.fail)
            assert shown["format"] == "deltaprop-model"
    assert outcomes[0] > 10 and outcomes[1] > 10


@pytest.mark.parametrize("bug", [TypeError, KeyError, IndexError, RuntimeError])
def test_a_bug_in_the_reader_is_not_reported_as_a_corrupted_file(original, monkeypatch, bug):
    """Only the errors of malformed bytes read as "truncated or corrupted": an error of the
    reader's own code (here in checking a member's shape) is raised as it is."""
    from deltaprop import modelfile

    def broken(member):
        raise bug("a bug in the reader")

    monkeypatch.setattr(modelfile, "read_header", broken)
    with pytest.raises(bug, match="a bug in the reader"):
        load_model(original[0])
