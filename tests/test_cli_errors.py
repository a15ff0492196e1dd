"""Bad input on the command line: one line on stderr, exit 1 (data, model) or 2 (usage), no
traceback, and nothing half-written."""

import json
import os

import numpy as np
import pytest

from deltaprop.cli import main
from deltaprop.data import write_csv
from deltaprop.errors import DataError

FAST = ["--hidden", "4", "--epochs", "5", "--quiet"]


@pytest.fixture
def good_csv(tmp_path, rng):
    X = rng.standard_normal((30, 2))
    path = tmp_path / "good.csv"
    write_csv(path, ("a", "b", "y"), np.column_stack([X, X[:, 0] - X[:, 1]]))
    return path


@pytest.fixture
def model(tmp_path, good_csv, capsys):
    path = tmp_path / "m.npz"
    assert main(["train", str(good_csv), "--target", "y", "--out", str(path), *FAST]) == 0
    capsys.readouterr()
    return path


def fails(argv, capsys, code, match):
    """Run ``argv``; check the exit code and that stderr is the one expected line."""
    assert main(argv) == code
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith(
        (
            "deltaprop: error: ",
            "deltaprop train: error: ",
            "deltaprop predict: error: ",
            "deltaprop gradcheck: error: ",
        )
    )
    import re

    assert re.search(match, lines[0]), lines[0]
    return lines[0]


def csv_file(tmp_path, text, name="bad.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def files(folder):
    return sorted(p.name for p in folder.iterdir())


# ---------------------------------------------------------------- train: data errors, exit 1


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "is empty; expected a header row"),
        ("a,b,y\n", "has a header but no data rows"),
        (
            "a,b,y\n1,2,3\n1,x,3\n2,3,4\n3,x,5\n4,5,6\n",
            r"column 'b' of .*bad.csv has 2 cell\(s\) that are not numbers: 'x' \(line 3\), "
            r"'x' \(line 5\); fix them, or leave them empty to have them imputed",
        ),
        ("a,b,y\n1,2,3\n1,2,x\n", r"column 'y', line 3 .* is 'x', not a number"),
        ("a,b,y\n1,2,3\n1,inf,3\n", r"column 'b', line 3 .* is 'inf', not a finite number"),
        ("a,b,y\n1,2,nan\n1,2,\n", r"every row of .*bad.csv has an empty target \(y 2\)"),
        ("a,b,y\n1,2,3\n1,2,3\n1,2,3\n", r"has 3 rows, too few for a test split of 0.2"),
    ],
)
def test_bad_training_data(tmp_path, capsys, text, match):
    data = csv_file(tmp_path, text)
    out = tmp_path / "m.npz"
    fails(["train", str(data), "--target", "y", "--out", str(out), *FAST], capsys, 1, match)
    assert files(tmp_path) == ["bad.csv"]  # no model, no temporary file


def test_missing_data_file(tmp_path, capsys):
    fails(
        ["train", str(tmp_path / "nope.csv"), "--target", "y"],
        capsys,
        1,
        "data file '.*nope.csv' does not exist",
    )


def unreadable(tmp_path, monkeypatch):
    """A data file in a folder that the user may not enter; for root (who enters it anyway)
    the open fails as it would for a user."""
    folder = tmp_path / "locked"
    folder.mkdir()
    path = folder / "data.csv"
    path.write_text("a,b,y\n1,2,3\n")
    folder.chmod(0)
    deny_open(path, monkeypatch)
    return path


def deny_open(path, monkeypatch):
    """Where ``path`` can be read anyway (root), let ``os.open`` of it fail as for a user."""
    if not os.access(path, os.R_OK):
        return
    real_open = os.open

    def no_permission(name, flags, *args):
        if str(name) == str(path):
            raise PermissionError(13, "Permission denied")
        return real_open(name, flags, *args)

    monkeypatch.setattr(os, "open", no_permission)


NOT_DATA_FILES = {
    "folder": (
        lambda tmp_path, _: tmp_path,
        r"data file '.*' is a folder, not a file; give the path of a CSV or Parquet file$",
    ),
    "fifo": (
        lambda tmp_path, _: os.mkfifo(tmp_path / "pipe.csv") or tmp_path / "pipe.csv",
        r"data file '.*pipe.csv' is a FIFO \(named pipe\), not a file; save the data to a file "
        r"first \(data files are read more than once\)$",
    ),
    "device": (
        lambda *_: "/dev/zero",
        r"data file '/dev/zero' is a character device, not a file; give the path of a CSV",
    ),
    "unreadable": (
        unreadable,
        r"cannot read data file '.*locked/data.csv': permission denied; check the permissions",
    ),
}


@pytest.mark.parametrize("kind", NOT_DATA_FILES)
@pytest.mark.parametrize("command", ["train", "predict", "evaluate"])
def test_a_data_path_that_is_not_a_readable_file(
    tmp_path, model, capsys, monkeypatch, no_training, command, kind
):
    make, match = NOT_DATA_FILES[kind]
    if kind == "device" and not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero on this system")
    path = str(make(tmp_path, monkeypatch))
    argv = ["train", path, "--target", "y"] if command == "train" else [command, str(model), path]
    before = files(tmp_path)
    fails(argv, capsys, 1, rf"^deltaprop: error: {match}")
    if kind == "unreadable":
        (tmp_path / "locked").chmod(0o755)
    assert files(tmp_path) == before  # nothing written


@pytest.mark.parametrize("option", [["train", "--out"], ["train", "--report"], ["predict", "-o"]])
def test_an_output_path_that_is_a_folder(tmp_path, good_csv, model, capsys, no_training, option):
    folder = tmp_path / "out"
    folder.mkdir()
    command, flag = option
    inputs = [str(good_csv), "--target", "y"] if command == "train" else [str(model), str(good_csv)]
    fails(
        [command, *inputs, flag, str(folder)],
        capsys,
        1,
        r"cannot write '.*out': it is a folder; give a file name$",
    )
    assert files(folder) == []


OVERFLOW = r"holds -1\.7e\+308, too large to standardize in float64: its distance from the column"


@pytest.mark.parametrize("column", ["b", "y"])
def test_a_column_too_large_to_standardize_is_named_by_its_header(tmp_path, capsys, column):
    values = {"a": [1.0, 2.0, 3.0, 4.0], "b": [1.0, 2.0, 1.0, 2.0], "y": [1.0, 2.0, 3.0, 4.0]}
    values[column][:3] = [1.7e308, -1.7e308, 1.7e308]
    data = tmp_path / "big.csv"
    write_csv(data, tuple(values), np.column_stack(list(values.values())))
    argv = ["train", str(data), "--target", "y", "--test-size", "0", "--out", str(tmp_path / "m")]
    fails(
        [*argv, *FAST], capsys, 1, rf"^deltaprop: error: column '{column}' of .*big.csv {OVERFLOW}"
    )
    assert files(tmp_path) == ["big.csv"]


@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_a_column_too_large_to_standardize_for_a_model_is_named(tmp_path, capsys, command):
    near_max = np.array([1.0, 1.2, 1.4, 1.6]) * 1e308  # (4,) the model's mean is about 1.3e308
    train = tmp_path / "train.csv"
    write_csv(train, ("a", "b", "y"), np.column_stack([np.arange(4.0), near_max, np.arange(4.0)]))
    model = tmp_path / "m.npz"
    argv = ["train", str(train), "--target", "y", "--test-size", "0", "--out", str(model)]
    assert main([*argv, *FAST]) == 0
    capsys.readouterr()
    new = tmp_path / "new.csv"
    write_csv(new, ("a", "b", "y"), [[0.0, 1.0, 0.0], [1.0, -1.7e308, 1.0]])
    fails([command, str(model), str(new)], capsys, 1, rf"column 'b' of .*new.csv {OVERFLOW}")


def test_missing_target_column_lists_columns(good_csv, capsys):
    fails(
        ["train", str(good_csv), "--target", "price"],
        capsys,
        1,
        r"target column\(s\) 'price' not in .*good.csv; the columns are: a, b, y",
    )


def test_missing_feature_column(good_csv, capsys):
    fails(
        ["train", str(good_csv), "--target", "y", "--features", "a,q"],
        capsys,
        1,
        r"feature column\(s\) 'q' not in .*; the columns are: a, b, y",
    )


def test_diverging_run_writes_no_model(tmp_path, good_csv, capsys):
    out = tmp_path / "m.npz"
    fails(
        [
            "train",
            str(good_csv),
            "--target",
            "y",
            "--solver",
            "sgd",
            "--activation",
            "relu",
            "--lr",
            "1e6",
            "--out",
            str(out),
            "--plots",
            str(tmp_path / "p"),
            *FAST,
        ],
        capsys,
        1,
        r"training diverged at epoch \d+ .* lower the learning rate",
    )
    assert files(tmp_path) == ["good.csv"]  # no model, no plot folder


def test_missing_output_folders_are_created(tmp_path, good_csv, capsys):
    out = tmp_path / "models" / "new" / "m.npz"
    assert main(["train", str(good_csv), "--target", "y", "--out", str(out), *FAST]) == 0
    assert files(out.parent) == ["m.npz"]


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if training starts."""
    from deltaprop.estimator import DeltapropRegressor

    def fit(*args):
        raise AssertionError("training started")

    monkeypatch.setattr(DeltapropRegressor, "fit", fit)


def read_only(folder, monkeypatch):
    """Make ``folder`` read-only; for root (who may write anyway) also tell ``os.access`` so."""
    folder.mkdir()
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):
        real_access = os.access
        monkeypatch.setattr(
            os, "access", lambda p, mode: False if str(p) == str(folder) else real_access(p, mode)
        )
    return folder


@pytest.mark.parametrize("option", ["--out", "--plots"])
def test_unwritable_output_fails_before_training(
    tmp_path, good_csv, capsys, monkeypatch, no_training, option
):
    locked = read_only(tmp_path / "locked", monkeypatch)
    target = locked / "m.npz" if option == "--out" else locked / "plots"
    argv = ["train", str(good_csv), "--target", "y", "--out", str(tmp_path / "m.npz")]
    fails(
        [*argv, option, str(target)],
        capsys,
        1,
        r"cannot write '.*locked/.*': the folder '.*locked' is not writable; give a path in "
        r"a folder you can write to",
    )
    locked.chmod(0o755)
    assert files(tmp_path) == ["good.csv", "locked"] and files(locked) == []


def test_output_below_a_file_fails_before_training(tmp_path, good_csv, capsys, no_training):
    fails(
        ["train", str(good_csv), "--target", "y", "--out", str(good_csv / "m.npz")],
        capsys,
        1,
        r"cannot write '.*good.csv/m.npz': '.*good.csv' is not a folder",
    )


@pytest.mark.parametrize("alias", ["same", "dot", "hard link", "symbolic link"])
@pytest.mark.parametrize("command", ["train --out", "predict -o data", "predict -o model"])
def test_an_output_onto_an_input_is_refused(tmp_path, model, capsys, no_training, command, alias):
    data = tmp_path / "good.csv"
    victim = model if command.endswith("model") else data
    out = {
        "same": str(victim),
        "dot": os.path.join(os.path.dirname(victim), ".", victim.name),
        "hard link": tmp_path / "hard",
        "symbolic link": tmp_path / "soft",
    }[alias]
    if alias == "hard link":
        os.link(victim, out)
    elif alias == "symbolic link":
        os.symlink(victim, out)
    before = victim.read_bytes()
    if command.startswith("train"):
        argv = ["train", str(data), "--target", "y", "--out", str(out)]
    else:
        argv = ["predict", str(model), str(data), "-o", str(out)]
    role = "model" if command.endswith("model") else "data"
    fails(argv, capsys, 2, rf"the output '.*' is the {role} file '.*'; writing it would destroy")
    assert victim.read_bytes() == before


def test_plots_that_fail_after_training_keep_the_model(tmp_path, good_csv, capsys, monkeypatch):
    import deltaprop.plots as plots

    save_png = plots.save_png

    def no_space(fig, path):
        if path.name == "pred_vs_true.png":
            raise DataError("cannot write plot 'pred_vs_true.png': No space left on device")
        save_png(fig, path)

    monkeypatch.setattr(plots, "save_png", no_space)
    out, folder = tmp_path / "m.npz", tmp_path / "plots"
    argv = ["train", str(good_csv), "--target", "y", "--out", str(out), "--plots", str(folder)]
    well_fit = ["--hidden", "4", "--solver", "lbfgs", "--epochs", "50", "--quiet"]  # no warning
    fails(
        [*argv, *well_fit],
        capsys,
        1,
        r"cannot write plot 'pred_vs_true.png': No space left on device; the model was "
        r"written to .*m.npz, and the plot .*plots/loss.png$",
    )
    assert files(tmp_path) == ["good.csv", "m.npz", "plots"] and files(folder) == ["loss.png"]


def test_plots_path_is_a_file(tmp_path, good_csv, capsys):
    fails(
        [
            "train",
            str(good_csv),
            "--target",
            "y",
            "--plots",
            str(good_csv),
            "--out",
            str(tmp_path / "m.npz"),
        ],
        capsys,
        1,
        "is a file, not a folder",
    )
    assert not (tmp_path / "m.npz").exists()


# ---------------------------------------------------------------- train: usage errors, exit 2


def test_target_required_with_a_csv(good_csv, capsys):
    fails(
        ["train", str(good_csv)],
        capsys,
        2,
        "--target is required with a data file; the columns of .* are: a, b, y",
    )


def test_target_without_data(capsys):
    fails(
        ["train", "--target", "y"], capsys, 2, "--target, --features and --exclude need a DATA file"
    )


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--activation", "sine"], "activation='sine' is not known; use one of: identity"),
        (["--solver", "newton"], "solver='newton' is not known; use one of: gd, sgd, adam"),
        (["--loss", "l1"], "loss='l1' is not known; use one of: squared, huber, poisson"),
        (["--hidden", "8,x"], "argument --hidden: '8,x' must be layer widths >= 1, or 'none'"),
        (["--hidden", "8,0"], "argument --hidden: '8,0' must be layer widths >= 1, or 'none'"),
        (["--epochs", "0"], "argument --epochs: '0' is not a positive integer"),
        (["--lr", "-1"], "argument --lr: '-1' is not a finite number > 0"),
        (["--alpha", "nan"], "argument --alpha: 'nan' is not a finite number >= 0"),
        (["--batch-size", "0"], "argument --batch-size: '0' is not a positive integer"),
        (["--test-size", "1"], "--test-size 1.0 must be at least 0 and below 1"),
        (["--features", "a,y"], "'y' cannot be both a feature and a target"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_invalid_hyperparameters(tmp_path, good_csv, capsys, args, match):
    out = tmp_path / "m.npz"
    fails(["train", str(good_csv), "--target", "y", "--out", str(out), *args], capsys, 2, match)
    assert not out.exists()


def test_no_command_and_unknown_command(capsys):
    assert main([]) == 2
    assert "usage: deltaprop" in capsys.readouterr().err
    fails(["fly"], capsys, 2, "invalid choice: 'fly'")


# ---------------------------------------------------------------- predict / evaluate / info


def test_predict_missing_feature_columns_writes_nothing(tmp_path, model, capsys):
    data = csv_file(tmp_path, "b,c\n1,2\n", "new.csv")
    out = tmp_path / "pred.csv"
    fails(
        ["predict", str(model), str(data), "-o", str(out)],
        capsys,
        1,
        r"lacks the feature column\(s\) 'a' that the model was trained on; the model needs: "
        r"a, b",
    )
    assert not out.exists()


def test_failing_predict_keeps_an_existing_output_file(tmp_path, model, capsys):
    data = csv_file(tmp_path, "a,b\n1,2\n3,oops\n", "new.csv")
    out = tmp_path / "pred.csv"
    out.write_text("earlier results\n")
    fails(
        ["predict", str(model), str(data), "-o", str(out)],
        capsys,
        1,
        r"column 'b', line 3 .* is 'oops', not a number",
    )
    assert out.read_text() == "earlier results\n"
    assert files(tmp_path) == ["good.csv", "m.npz", "new.csv", "pred.csv"]


def test_evaluate_missing_target_and_wrong_target_count(tmp_path, model, capsys):
    data = csv_file(tmp_path, "a,b\n1,2\n", "new.csv")
    fails(
        ["evaluate", str(model), str(data)],
        capsys,
        1,
        r"target column\(s\) 'y' not in .*new.csv; the columns are: a, b",
    )
    fails(
        ["evaluate", str(model), str(data), "--target", "a,b"],
        capsys,
        2,
        r"--target names 2 column\(s\) but the model predicts 1",
    )


@pytest.mark.parametrize("command", ["predict", "evaluate", "info"])
def test_missing_model_file(tmp_path, good_csv, capsys, command):
    argv = [command, str(tmp_path / "none.npz")] + ([str(good_csv)] if command != "info" else [])
    fails(argv, capsys, 1, "model file '.*none.npz' does not exist")


def test_non_deltaprop_truncated_and_corrupted_model_files(tmp_path, model, capsys):
    text = csv_file(tmp_path, "not a model", "text.npz")
    fails(["info", str(text)], capsys, 1, "is not a deltaprop model file")
    other = tmp_path / "other.npz"
    np.savez(other, weights=np.zeros(3))
    fails(["info", str(other)], capsys, 1, "is an .npz file but not a deltaprop model")
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(model.read_bytes()[:300])
    fails(["info", str(truncated)], capsys, 1, "is truncated or corrupted")


def test_model_file_from_a_newer_version(tmp_path, model, capsys):
    with np.load(model, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    metadata = json.loads(str(arrays["metadata"]))
    metadata["format_version"] = 99
    arrays["metadata"] = np.array(json.dumps(metadata))
    newer = tmp_path / "newer.npz"
    np.savez(newer, **arrays)
    fails(
        ["predict", str(newer), str(model)],
        capsys,
        1,
        "written by a newer deltaprop \\(format 99\\); this version reads formats 1 to 4",
    )


# ---------------------------------------------------------------- gradcheck


def test_gradcheck_usage_errors(capsys):
    fails(["gradcheck", "--sizes", "3"], capsys, 2, "--sizes: '3' must be at least 2 layer widths")
    fails(["gradcheck", "--mode", "half"], capsys, 2, "argument --mode: invalid choice")
    fails(["gradcheck", "--activation", "sine"], capsys, 2, "activation='sine' is not known")


# ---------------------------------------------------------------- Ctrl-C


def test_ctrl_c_keeps_the_best_weights_saves_and_exits_130(
    tmp_path, good_csv, capsys, ctrl_c_at_epoch
):
    ctrl_c_at_epoch(3)
    out = tmp_path / "m.npz"
    argv = [
        "train",
        str(good_csv),
        "--target",
        "y",
        "--out",
        str(out),
        "--hidden",
        "4",
        "--epochs",
        "50",
        "--quiet",
    ]
    assert main(argv) == 130
    captured = capsys.readouterr()
    assert "training interrupted (Ctrl-C) after 2 epochs; keeping the best weights" in captured.err
    assert f"model written to {out}" in captured.out
    assert main(["info", str(out), "--json"]) == 0
    meta = json.loads(capsys.readouterr().out)
    assert meta["training"]["interrupted"] is True and meta["extra"]["interrupted"] is True


def test_negative_seed_is_a_usage_error(capsys):
    fails(["train", "--seed", "-1"], capsys, 2, "argument --seed: '-1' is not an integer >= 0")


# ---------------------------------------------------------------- model paths of every kind


def test_a_model_path_that_is_not_utf8_is_printed_as_given(tmp_path, model, monkeypatch):
    import io

    odd = os.path.join(os.fsencode(tmp_path), b"m\xff.npz")
    os.link(model, odd)
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    monkeypatch.setattr("sys.stdout", stdout)  # as in a UTF-8 locale: undecodable bytes fail
    assert main(["info", os.fsdecode(odd)]) == 0
    stdout.flush()
    assert stdout.buffer.getvalue().startswith(b"model: " + odd + b" (format version 4)\n")


def test_an_unreadable_model_file(tmp_path, model, capsys, monkeypatch):
    model.chmod(0)
    deny_open(model, monkeypatch)
    fails(["info", str(model)], capsys, 1, r"model file '.*m.npz' cannot be opened \(Permission")
    model.chmod(0o644)


def test_model_paths_that_are_not_model_files(tmp_path, good_csv, capsys):
    fifo = tmp_path / "fifo.npz"
    os.mkfifo(fifo)
    dangling = tmp_path / "gone.npz"
    dangling.symlink_to(tmp_path / "nowhere.npz")
    fails(["predict", str(fifo), str(good_csv)], capsys, 1, r"is a FIFO \(named pipe\), not a")
    fails(["evaluate", str(tmp_path), str(good_csv)], capsys, 1, r"is a folder, not a model file")
    fails(["gradcheck", str(dangling)], capsys, 1, r"gone.npz' is a symbolic link to '.*nowhe")
