"""Reading a model file as untrusted input: bounded memory, and every failure a ``ModelFileError``.

A model file is a zip archive of six uncompressed ``.npy`` members (``params``, ``x_mean``,
``x_scale``, ``y_mean``, ``y_scale``, ``metadata``). Before any array data is read, the archive's
directory and each member's ``.npy`` header (shape and dtype) are checked: exactly these members,
none encrypted or compressed, each no larger than the file, the metadata at most
``MAX_METADATA_CHARS`` characters, and every array of the shape and dtype that the architecture in
the metadata needs. So reading takes memory in proportion to the file's size, whatever its
directory and headers declare, and a directory, FIFO or device given as a model file is named as
such without being read. The metadata's structure is checked in ``deltaprop.modelcheck``.
"""

import contextlib
import math
import os
import stat
import struct
import tokenize
import warnings
import zipfile

import numpy as np

from deltaprop.errors import ModelFileError
from deltaprop.files import describe_mode

MEMBERS = ("metadata", "params", "x_mean", "x_scale", "y_mean", "y_scale")
MAX_METADATA_CHARS = 2**24  # 16 Mi characters of JSON: ~10^6 epochs of loss curves
NPY_MAGIC, ZIP_MAGIC = b"\x93NUMPY", b"PK\x03\x04"

# What zipfile raises on malformed bytes (``read_header`` turns the .npy header parser's
# errors into ValueError). Anything else is a bug, raised as it is, never "corrupted".
MALFORMED = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    OSError,
    ValueError,
    struct.error,
    NotImplementedError,  # an unknown zip version or compression method
)
# What numpy's .npy header parser raises on a malformed header: it evaluates the header as a
# Python literal and makes a dtype of it (and warns on Python-2 headers).
BAD_HEADER = (
    TypeError,
    ValueError,
    SyntaxError,
    tokenize.TokenError,
    RecursionError,
    MemoryError,
    OverflowError,
    Warning,
)


def fail(path, problem):
    """The one shape of a load error: ``model file 'PATH' PROBLEM``."""
    return ModelFileError(f"model file {os.fspath(path)!r} {problem}")


@contextlib.contextmanager
def open_regular(path):
    """Open ``path`` for reading only if it is a regular file (checked on the open handle, so a
    FIFO never blocks and a device is never read); yield the binary file object."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        if os.path.islink(path):
            target = os.readlink(path)
            raise fail(path, f"is a symbolic link to {target!r}, which does not exist") from None
        raise fail(path, "does not exist; check the path") from None
    except (OSError, ValueError) as err:
        reason = err.strerror if isinstance(err, OSError) else str(err)
        raise fail(path, f"cannot be opened ({reason}); check the path") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise fail(path, f"is {describe_mode(mode)}, not a model file; give a .npz file path")
    with os.fdopen(fd, "rb") as file:
        yield file


def open_archive(file, path):
    """The ``ZipFile`` and its members ``{name: ZipInfo}``, checked against ``MEMBERS``."""
    head = file.read(len(NPY_MAGIC))
    file.seek(0)
    if head.startswith(NPY_MAGIC):
        raise ModelFileError(f"{os.fspath(path)!r} is a .npy array, not a deltaprop model file")
    if not head.startswith(ZIP_MAGIC):
        raise ModelFileError(
            f"{os.fspath(path)!r} is not a deltaprop model file (not an .npz archive)"
        )
    try:
        archive = zipfile.ZipFile(file)
        infos = archive.infolist()
    except MALFORMED as err:
        raise corrupted(path, err) from None
    return archive, check_members(path, infos, os.fstat(file.fileno()).st_size)


def check_members(path, infos, file_size):
    names = [info.filename for info in infos]
    expected = [f"{name}.npy" for name in MEMBERS]
    if "metadata.npy" not in names:
        raise ModelFileError(f"{os.fspath(path)!r} is an .npz file but not a deltaprop model")
    unknown = sorted(set(names) - set(expected)) or sorted(
        n for n in set(names) if names.count(n) > 1
    )
    if unknown:
        raise fail(path, f"has an unexpected member {unknown[0]!r}; re-save it")
    missing = [name for name in expected if name not in names]
    if missing:
        raise fail(path, f"lacks the member {missing[0]!r}; re-save it")
    for info in infos:
        where = f"member {info.filename!r}"
        if info.flag_bits & 0x1:
            raise fail(path, f"{where} is encrypted; deltaprop writes none: re-save it")
        if info.compress_type != zipfile.ZIP_STORED:
            raise fail(path, f"{where} is compressed; deltaprop writes none: re-save it")
        if info.file_size != info.compress_size or info.file_size > file_size:
            raise fail(path, f"{where} declares more bytes than the file holds; re-save it")
    return {info.filename[: -len(".npy")]: info for info in infos}


def corrupted(path, err):
    reason = " ".join(str(err).split())[:200] or type(err).__name__  # one line, bounded
    return fail(path, f"is truncated or corrupted ({reason}); re-save it")


def read_member(archive, info, path, check):
    """Read one ``.npy`` member: parse its header, ``check(shape, dtype)`` it (raises
    ``ModelFileError``), then read exactly the bytes the header declares."""
    try:
        with archive.open(info) as member:
            shape, dtype = read_header(member)
            check(shape, dtype)
            nbytes = math.prod(shape) * dtype.itemsize
            if member.tell() + nbytes != info.file_size:
                raise zipfile.BadZipFile(f"{info.filename} is not the size its header declares")
            data = member.read(nbytes)
            if len(data) != nbytes or member.read(1):  # the last read also checks the CRC
                raise zipfile.BadZipFile(f"{info.filename} is truncated")
    except ModelFileError:  # from check(): already one clear line (and a ValueError)
        raise
    except MALFORMED as err:
        raise corrupted(path, err) from None
    return data, shape, dtype


def read_header(member):
    """``(shape, dtype)`` from a ``.npy`` header (format 1.0 or 2.0); ``ValueError`` for a
    malformed one."""
    version = np.lib.format.read_magic(member)
    readers = {
        (1, 0): np.lib.format.read_array_header_1_0,
        (2, 0): np.lib.format.read_array_header_2_0,
    }
    if version not in readers:
        raise ValueError(f".npy format {version} is not one deltaprop writes")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            shape, _, dtype = readers[version](member)
        except BAD_HEADER as err:
            raise ValueError(f"a malformed .npy header ({type(err).__name__}: {err})") from None
    return shape, dtype


def read_metadata_text(archive, info, path):
    """The metadata member: a 0-d Unicode array of at most ``MAX_METADATA_CHARS`` characters."""

    def check(shape, dtype):
        if shape != () or dtype.kind != "U" or dtype.shape != ():
            raise fail(path, f"has an invalid metadata member (shape {shape}, dtype {dtype})")
        if dtype.itemsize > 4 * MAX_METADATA_CHARS:
            raise fail(path, f"has metadata of more than {MAX_METADATA_CHARS} characters")

    data, _, dtype = read_member(archive, info, path, check)
    codec = "utf-32-be" if dtype.byteorder == ">" else "utf-32-le"
    try:
        return data.decode(codec).rstrip("\0")  # NumPy pads Unicode arrays with NULs
    except UnicodeDecodeError:
        raise fail(path, "has corrupted metadata (not text); re-save it") from None


def read_float_array(archive, info, path, shape, dtype):
    """A member that must be a float array of exactly ``shape`` and ``dtype``'s width, in the
    byte order of the file (a file written on a big-endian machine is big-endian)."""
    name = info.filename[: -len(".npy")]

    def check(found_shape, found):
        if found.kind != "f" or found.shape != () or found.itemsize != dtype.itemsize:
            raise fail(path, f"has {name} of dtype {found}; the architecture needs {dtype}")
        if found_shape != shape:
            raise fail(path, f"has {name} of shape {found_shape}; the architecture needs {shape}")

    data, _, found = read_member(archive, info, path, check)
    return np.frombuffer(data, dtype=found).reshape(shape)  # (shape), in the file's byte order
