"""The one writer of users' files: only regular files are replaced, FIFOs and devices are written
through, links to regular files are followed, the usual mode, nothing left after an error."""

import os
import stat
import threading

import numpy as np
import pytest

from deltaprop.data import write_csv
from deltaprop.errors import ConfigError, DataError

VALUES = np.array([[1.5], [-2.0]])  # (2, 1)
TEXT = "p\n1.5\n-2.0\n"


def test_a_regular_file_is_replaced_with_the_usual_mode(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("old\n")
    old_mask = os.umask(0o027)
    try:
        write_csv(path, ("p",), VALUES)
    finally:
        os.umask(old_mask)
    assert path.read_text() == TEXT
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["out.csv"]


def test_a_link_to_a_regular_file_is_followed_and_kept(tmp_path):
    target = tmp_path / "real.csv"
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    write_csv(link, ("p",), VALUES)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == TEXT
    assert sorted(os.listdir(tmp_path)) == ["link.csv", "real.csv"]


def test_a_fifo_is_written_through_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    write_csv(fifo, ("p",), VALUES)
    reader.join(timeout=10)
    assert received == [TEXT]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert os.listdir(tmp_path) == ["pipe"]


def test_a_link_to_a_character_device_is_written_through(tmp_path):
    link = tmp_path / "null.csv"
    link.symlink_to(os.devnull)
    write_csv(link, ("p",), VALUES)
    assert link.is_symlink() and stat.S_ISCHR(os.stat(link).st_mode)
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    assert os.listdir(tmp_path) == ["null.csv"]


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs Linux's /proc/self/fd")
def test_a_link_to_an_open_pipe_writes_into_the_pipe(tmp_path):
    r, w = os.pipe()
    link = tmp_path / "out.csv"
    link.symlink_to(f"/proc/self/fd/{w}")
    try:
        write_csv(link, ("p",), VALUES)
        os.close(w)
        w = None
        with os.fdopen(r) as pipe:
            assert pipe.read() == TEXT
    finally:
        if w is not None:
            os.close(w)
    assert link.is_symlink()


def test_stdout(capsys):
    write_csv("-", ("p",), VALUES)
    assert capsys.readouterr().out == TEXT


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda p: p.mkdir(), "it is a folder; give a file name"),
        (lambda p: p.symlink_to(p), "Too many levels of symbolic links"),
    ],
)
def test_what_cannot_be_written_is_refused(tmp_path, make, match):
    path = tmp_path / "out.csv"
    make(path)
    with pytest.raises(DataError, match=rf"^cannot write '.*out\.csv': {match}"):
        write_csv(path, ("p",), VALUES)
    assert os.listdir(tmp_path) == ["out.csv"]


def test_an_error_leaves_neither_a_temporary_file_nor_new_folders(tmp_path):
    path = tmp_path / "new" / "deeper" / "out.csv"
    with pytest.raises(ValueError, match="could not convert"):
        write_csv(path, ("p",), [["not a number"]])
    assert os.listdir(tmp_path) == []


def test_paths_that_name_no_file(tmp_path):
    for path in ("", f"{tmp_path}{os.sep}new{os.sep}"):
        with pytest.raises(ConfigError, match=r"^the output path '.*' names no file; give a file"):
            write_csv(path, ("p",), VALUES)
    with pytest.raises(DataError, match=r"^cannot write '.*\\x00b': embedded null byte$"):
        write_csv(f"{tmp_path}{os.sep}a\0b", ("p",), VALUES)
    assert os.listdir(tmp_path) == []
