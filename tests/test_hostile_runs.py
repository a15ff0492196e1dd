"""Bad input and mistakes on the newer surfaces of the command line (Dask globs, reports,
model files with huge values, empty option values): one line, the right exit status, before
any work, and never a user's file destroyed."""

import json
import re

import numpy as np
import pytest

from deltaprop import DeltapropRegressor
from deltaprop.cli import main
from deltaprop.data import write_csv
from deltaprop.io import checksum, save_model

FAST = ["--hidden", "2", "--epochs", "3", "--quiet"]


@pytest.fixture
def parts(tmp_path, rng):
    """Two CSV files part-0.csv and part-1.csv (columns a, b, y) and their glob."""
    for k in range(2):
        X = rng.standard_normal((12, 2))
        write_csv(tmp_path / f"part-{k}.csv", ("a", "b", "y"), np.column_stack([X, X.sum(1)]))
    return tmp_path, str(tmp_path / "part-*.csv")


def contents(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("option", ["--out", "--report"])
def test_an_output_that_a_dask_glob_matches_is_refused_before_any_work(parts, capsys, option):
    """The output checks compare with each file the glob matches, not with the pattern: the
    command exits 2 before a cluster starts and the data file is untouched."""
    pytest.importorskip("distributed")
    folder, pattern = parts
    before = contents(folder)
    victim = str(folder / "part-1.csv")
    args = ["train", pattern, "--target", "y", "--dask", "local:1", *FAST]
    args += ["--out", victim] if option == "--out" else ["--out", str(folder / "m.npz")]
    args += ["--report", victim] if option == "--report" else []
    assert main(args) == 2
    assert capsys.readouterr().err == (
        f"deltaprop: error: the output {victim!r} is the data file {victim!r}; writing it "
        "would destroy that file: give another output path\n"
    )
    assert contents(folder) == before


def test_a_report_onto_a_plot_of_the_same_run_is_refused(parts, capsys):
    folder, _ = parts
    report = str(folder / "pp" / "loss.png")
    args = ["train", str(folder / "part-0.csv"), "--target", "y", *FAST]
    args += ["--out", str(folder / "m.npz"), "--plots", str(folder / "pp"), "--report", report]
    assert main(args) == 2
    assert capsys.readouterr().err == (
        f"deltaprop: error: the output {report!r} is the plot loss.png of this run (--plots) "
        f"{report!r}; writing it would destroy that file: give another output path\n"
    )
    assert not (folder / "m.npz").exists()


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["train", "--target", ""], "--target"),  # was: trained on the bundled data
        (["train", "--plots", ""], "--plots"),  # was: no plots, silently
        (["train", "--dask", ""], "--dask"),  # was: trained in memory
        (["train", "--report", ""], "--report"),
        (["evaluate", "m.npz", "d.csv", "--target", ""], "--target"),
        (["predict", "", "d.csv"], "MODEL.npz"),
    ],
)
def test_an_empty_option_value_is_a_usage_error_not_an_option_left_out(
    tmp_path, capsys, args, shown
):
    assert main([*args, "--out", str(tmp_path / "m.npz")] if args[0] == "train" else args) == 2
    err = capsys.readouterr().err
    assert err.endswith(f"error: {shown} is empty; give a value or leave it out\n")
    assert list(tmp_path.iterdir()) == []


BAD_ADDRESSES = [
    "local:²",
    "local:0",
    "local:99999",
    "tcp://",
    "://",
    "foo://bar",
    "tcp://[::1",
    "tcp://host:99999",
    "tls://scheduler:8786",
    "ucx://scheduler:8786",
]


@pytest.mark.parametrize("spec", BAD_ADDRESSES)
def test_a_bad_dask_address_is_a_usage_error_before_a_cluster_starts(parts, capsys, spec):
    pytest.importorskip("distributed")
    folder, pattern = parts
    model = str(folder / "m.npz")
    runs = [
        ["train", pattern, "--target", "y", "--dask", spec, "--out", model, "--quiet"],
        ["predict", model, pattern, "--dask", spec, "-o", str(folder / "out")],
        ["evaluate", model, pattern, "--dask", spec],
    ]
    for args in runs:
        assert main(args) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"deltaprop: error: --dask {spec!r}") and err.count("\n") == 1
    assert sorted(p.name for p in folder.iterdir()) == ["part-0.csv", "part-1.csv"]


def test_an_inproc_address_of_no_scheduler_is_one_line(parts, capsys):
    pytest.importorskip("distributed")
    folder, pattern = parts
    args = ["train", pattern, "--target", "y", "--dask", "inproc://x", "--out", "m.npz"]
    assert main([*args, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("deltaprop: error: cannot reach the Dask scheduler at inproc://x (")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("options", "match"),
    [
        (["--features", "a", "--exclude", "b"], "give the feature columns .* or the columns to"),
        (["--features", "a,y"], r"column\(s\) 'y' cannot be both a feature and a target"),
        (["--sep", "é"], r"--sep 'é' must be one ASCII character"),
    ],
)
def test_column_usage_errors_on_dask_exit_2_before_a_cluster_starts(parts, capsys, options, match):
    """Found on the driver (they used to be found on the workers, exit 1, once a cluster ran)."""
    pytest.importorskip("distributed")
    folder, pattern = parts
    args = ["train", pattern, "--target", "y", "--dask", "local:1", "--out", "m.npz", *options]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("deltaprop: error: ") and err.count("\n") == 1
    assert re.search(match, err)
    if options[0] == "--sep":  # likewise predict and evaluate
        for command in (["predict", "m.npz", pattern, "-o", "out"], ["evaluate", "m.npz", pattern]):
            assert main([*command, "--dask", "local:1", *options]) == 2
            assert re.search(match, capsys.readouterr().err)


# ---------------------------------------------------------------- models with huge values


@pytest.fixture
def huge_model(tmp_path, rng):
    """A model file whose parameters are finite but huge (1e300), and a CSV it predicts on."""
    X = rng.standard_normal((10, 2))
    write_csv(tmp_path / "d.csv", ("a", "b", "y"), np.column_stack([X, X.sum(1)]))
    model = DeltapropRegressor(hidden_layer_sizes=(3,), max_iter=2, solver="lbfgs")
    model.fit(X, X.sum(1))
    model.network_.params[:] = 1e300
    path = tmp_path / "huge.npz"
    save_model(path, model, feature_names=["a", "b"], target_names=["y"])
    return path, tmp_path / "d.csv"


def test_huge_parameters_are_one_error_in_predict_and_evaluate(huge_model, tmp_path, capsys):
    """They used to make predict write inf with exit 0 and evaluate fail inside."""
    path, data = huge_model
    out = tmp_path / "p.csv"
    for args in (
        ["predict", path, data, "-o", out],
        ["predict", path, data],
        ["evaluate", path, data],
    ):
        assert main([str(a) for a in args]) == 1
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err.startswith("deltaprop: error: the model predicts inf for row 0")
        assert "its parameters or scales are too large for this input" in captured.err
    assert not out.exists()


def test_a_tiny_scale_in_a_model_is_blamed_on_the_model_not_the_data(tmp_path, rng, capsys):
    X = rng.standard_normal((10, 2))
    write_csv(tmp_path / "d.csv", ("a", "b", "y"), np.column_stack([X, X.sum(1)]))
    model = DeltapropRegressor(hidden_layer_sizes=(3,), max_iter=2, solver="lbfgs")
    model.fit(X, X.sum(1))
    path = tmp_path / "m.npz"
    save_model(path, model, feature_names=["a", "b"], target_names=["y"])
    with np.load(path) as npz:
        arrays = {name: npz[name] for name in npz.files}
    metadata = json.loads(str(arrays.pop("metadata")))
    arrays["x_scale"] = np.array([1e-310, 1.0])
    metadata["sha256"] = checksum(arrays, metadata)
    np.savez(path, **arrays, metadata=np.array(json.dumps(metadata)))
    assert main(["predict", str(path), str(tmp_path / "d.csv")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"deltaprop: error: column 'a' of {tmp_path / 'd.csv'} holds ")
    assert "the column's scale 1e-310 (the model's, not the data's) makes overflow" in err
    assert "rescale the column" not in err


# ---------------------------------------------------------------- bounded before allocating


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["explain", "--sizes", "3,20000,1"], r"a layer of 20,000 units, whose n_l × n_l"),
        (["explain", "--sizes", "3,100000,1"], r"need about 224 GiB; .* widths up to 4,000"),
        (["explain", "--batch", "1000000000"], r"--batch 1,000,000,000 is more columns than"),
        (["gradcheck", "--samples", "1000000000"], r"on 1,000,000,000 samples needs about 417"),
        (["gradcheck", "--sizes", "3,100000,1"], r"--mode full checks the 500,001 parameters"),
        (["train", "--hidden", "100000,100000"], r"means at least 10,000,400,001 parameters"),
        (["train", "--hidden", "99999999999999999999"], r"at least 299,999,999,999,999,999,998"),
        (["train", "--hidden", ",".join(["2"] * 999)], r"--hidden gives 999 hidden layers; a "),
    ],
)
def test_what_a_command_would_allocate_is_bounded_before_any_work(
    tmp_path, capsys, monkeypatch, args, message
):
    """They used to ask NumPy for gigabytes (MemoryError, an internal error), run for minutes
    without a word, or (999 hidden layers) train fully and then fail to save."""
    from deltaprop.commands import train

    monkeypatch.setattr(train, "physical_memory", lambda: 16 * 2**30)  # any machine's
    out = ["--out", str(tmp_path / "m.npz"), "--quiet"] if args[0] == "train" else []
    assert main([*args, *out]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert re.search(message, captured.err) and captured.err.startswith("deltaprop: error: ")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- Ctrl-C and warnings


def test_ctrl_c_while_the_command_line_starts_is_one_line(monkeypatch, capsys):
    """It used to print a traceback (the parser imports every command's module)."""
    import deltaprop.cli as cli

    def interrupted(command=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", interrupted)
    assert main(["info", "m.npz"]) == 130
    assert capsys.readouterr().err == "deltaprop: interrupted\n"


@pytest.mark.filterwarnings("default")
def test_a_library_warning_is_one_line_on_stderr(tmp_path, monkeypatch, capsys):
    """Not Python's "file:line: UserWarning: …" and the source line."""
    import warnings

    from deltaprop.commands import train

    real = train.load_default

    def warning_load():
        warnings.warn("Glyph 128512 missing from font(s) DejaVu Sans.\n  more", stacklevel=1)
        return real()

    monkeypatch.setattr(train, "load_default", warning_load)
    assert main(["train", *FAST, "--out", str(tmp_path / "m.npz")]) == 0
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert lines[0] == "deltaprop: warning: Glyph 128512 missing from font(s) DejaVu Sans. more"
    assert all(line.startswith("deltaprop: warning: ") for line in lines)


# ---------------------------------------------------------------- fuzz, without PyTorch


def test_fuzz_the_torch_architecture_json_without_torch():
    """Every edit of an exported architecture JSON is refused by ``check_spec`` as one
    ``ModelFileError`` line or gives layers that chain; a state dict file of the exported
    size never lets it declare more parameters (``check_size``). Runs without PyTorch (the
    tests of test_torch_files.py load the modules when it is installed)."""
    from deltaprop import ModelFileError, Network
    from deltaprop.interop.torch_nn import architecture, check_size, check_spec

    net = Network((3, 4, 2, 1), "tanh", rng=np.random.default_rng(0))
    text = json.dumps({"format": "deltaprop-torch", "format_version": 1, "dtype": "float64"})
    spec = json.loads(text) | {"layers": architecture(net)}
    text, file_size = json.dumps(spec), net.params.nbytes + 600  # the state dict's few headers
    layers, _ = check_spec(text.encode())
    assert layers == spec["layers"]
    rng, outcomes = np.random.default_rng(0), {"refused": 0, "read": 0}
    for i in rng.choice(len(text), size=min(len(text), 300), replace=False):
        for edited in (
            text[:i] + text[i + 1 :],
            text[:i] + text[i] * 2 + text[i:],
            text[:i] + chr(rng.integers(32, 127)) + text[i + 1 :],
            text[:i] + "9" * 30 + text[i:],
        ):
            try:
                layers, dtype = check_spec(edited.encode())
                check_size(layers, dtype, file_size)
            except ModelFileError as err:
                assert "\n" not in str(err)
                outcomes["refused"] += 1
                continue
            linear = [layer for layer in layers if layer["type"] == "Linear"]
            assert all(
                a["out_features"] == b["in_features"]
                for a, b in zip(linear, linear[1:], strict=False)
            )
            assert sum(a["out_features"] * (a["in_features"] + 1) for a in linear) <= file_size
            outcomes["read"] += 1
    assert outcomes["refused"] > outcomes["read"] > 0
