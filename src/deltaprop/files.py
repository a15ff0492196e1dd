"""Writing users' files without destroying any (docs/usage.md says what each kind of output
path gets): the one writer of model files, CSV output and plots (``atomic_open``), and the
checks a command makes before doing any work on its output paths (``check_output``: a folder
that cannot be created or written, an output that is one of the command's inputs, so that an
hour of training is never lost to a typo) and on its data files (``check_input``).
"""

import contextlib
import os
import stat
import sys
import tempfile
from contextlib import contextmanager

from deltaprop.errors import ConfigError, DataError

STDOUT = "-"


def output_kind(path):
    """``"stdout"``, ``"stream"`` (FIFO, character device) or ``"file"`` (regular or missing).

    Raises ``DataError`` for anything that must not be written: a folder, a block device, a
    socket, a symbolic link loop; ``ConfigError`` for a path that names no file (empty, or
    ending with a separator).
    """
    text = os.fspath(path)
    if text == STDOUT:
        return "stdout"
    if not text or text.endswith((os.sep, os.altsep or os.sep)):
        raise ConfigError(f"the output path {text!r} names no file; give a file name")
    try:
        mode = os.stat(path).st_mode  # follows symbolic links
    except (FileNotFoundError, NotADirectoryError):  # check_output tells which folder is wrong
        return "file"
    except (OSError, ValueError) as err:  # a link loop, a name too long, a NUL byte
        raise DataError(f"cannot write {text!r}: {_reason(err)}") from None
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        return "stream"
    raise DataError(
        f"cannot write {os.fspath(path)!r}: it is {describe_mode(mode)}; give a file name"
    )


def describe_mode(mode):
    """What a non-regular ``st_mode`` is, in words ("a folder", "a FIFO (named pipe)", …)."""
    kinds = (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((text for test, text in kinds if test(mode)), "not a regular file")


def check_input(path, what="data file", fix="give the path of a CSV or Parquet file"):
    """Fail unless ``path`` is a regular file that can be opened for reading.

    The type is checked on a handle opened without blocking, so a FIFO never hangs the command
    and a device (``/dev/zero``) is never read. Raises ``DataError`` naming ``what`` and the
    problem: missing, not readable (permissions), a folder, a FIFO, a device; ``fix`` says what
    to give instead of a path that is not a regular file.
    """
    text = os.fspath(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (FileNotFoundError, NotADirectoryError):
        raise DataError(f"{what} {text!r} does not exist; check the path") from None
    except PermissionError:
        raise DataError(
            f"cannot read {what} {text!r}: permission denied; check the permissions of the "
            f"file and of its folders"
        ) from None
    except (OSError, ValueError) as err:  # a link loop, a name too long, a NUL byte
        raise DataError(f"cannot read {what} {text!r}: {_reason(err)}; check the path") from None
    try:
        mode = os.fstat(fd).st_mode
    finally:
        os.close(fd)
    if stat.S_ISFIFO(mode):  # read more than once (the fast parse, then a bad cell's line)
        fix = f"save the data to a file first ({what}s are read more than once)"
    if not stat.S_ISREG(mode):
        raise DataError(f"{what} {text!r} is {describe_mode(mode)}, not a file; {fix}")


def check_output(path, inputs=()):
    """Fail before any work when ``path`` (``-``: stdout) cannot be written or is one of
    ``inputs``, the command's input files with their role (``[("the data file", "in.csv")]``):
    the same file as an input (same resolved path, or the same inode through a hard or symbolic
    link) is a ``ConfigError`` (exit 2) naming the input."""
    if output_kind(path) != "file":
        return
    for role, source in inputs:
        if source is not None and same_file(path, source):
            raise ConfigError(
                f"the output {os.fspath(path)!r} is {role} {os.fspath(source)!r}; writing it "
                f"would destroy that file: give another output path"
            )
    target = os.path.realpath(path)
    folder = _existing_ancestor(os.path.dirname(target))
    if not os.path.isdir(folder):
        raise DataError(
            f"cannot write {os.fspath(path)!r}: {folder!r} is not a folder; give a path in a folder"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DataError(
            f"cannot write {os.fspath(path)!r}: the folder {folder!r} is not writable; "
            f"give a path in a folder you can write to"
        )


def same_file(a, b):
    """True when paths ``a`` and ``b`` name one file (resolved path, or same device and inode)."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # one of them does not exist (or has a NUL byte)
        return False


def _existing_ancestor(folder):
    """``folder`` itself if it exists, else its nearest ancestor that exists."""
    while not os.path.lexists(folder):
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return folder


@contextmanager
def atomic_open(path, mode="w", *, what="file", error=DataError, **open_args):
    """Open ``path`` for writing; yield the file object. Standard output (``-``), a FIFO or a
    character device is written through; a regular file or a new path is written atomically
    (``_replacing``); a symbolic link is followed; anything else is refused (``output_kind``).

    ``mode`` is ``"w"`` or ``"wb"``; ``open_args`` go to ``open`` (``newline``, ``encoding``).
    An ``OSError`` becomes ``error`` (a ``DeltapropError`` class): "cannot write {what} {path!r}:
    {reason}".
    """
    kind = output_kind(path)
    if kind == "stdout":
        yield sys.stdout.buffer if "b" in mode else sys.stdout
        return
    try:
        if kind == "stream":
            with open(path, mode, **open_args) as file:
                yield file
        else:
            with _replacing(path, mode, open_args) as file:
                yield file
    except OSError as err:
        raise error(f"cannot write {what} {os.fspath(path)!r}: {_reason(err)}") from None


@contextmanager
def _replacing(path, mode, open_args):
    """A temporary file beside the (link-resolved) ``path``, in folders made as needed, renamed
    onto it with the usual mode of a new file (0o666 less the umask) once written and synced; an
    error or Ctrl-C leaves the old file untouched, and no temporary file or folder made."""
    target = os.path.realpath(path)
    folder = os.path.dirname(target)
    made, tmp, done = _make_folders(folder), None, False
    try:
        prefix = f".{os.path.basename(target)}."
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=".tmp")
        with os.fdopen(fd, mode, **open_args) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.chmod(tmp, 0o666 & ~umask())  # mkstemp makes it private; give the usual mode
        os.replace(tmp, target)
        done = True
    finally:
        if not done:
            _remove(tmp, made)


def _remove(tmp, folders):
    """After a failure: remove the temporary file (if made) and the folders made for it."""
    if tmp is not None:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    for folder in reversed(folders):
        with contextlib.suppress(OSError):
            os.rmdir(folder)


def _make_folders(folder):
    """Create ``folder`` and its missing parents; return those created, outermost first."""
    missing = []
    while not os.path.lexists(folder):
        missing.append(folder)
        folder = os.path.dirname(folder)
    for created in reversed(missing):
        os.mkdir(created)
    return missing[::-1]


def umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _reason(err):
    """An ``OSError`` in words, e.g. "Permission denied", "Too many levels of symbolic links"."""
    return getattr(err, "strerror", None) or str(err)
