"""The container of every striate file: the safetensors layout, written and parsed with strict bounds.

A file is three parts, back to back::

    8 bytes   N: the header's length, unsigned 64-bit little-endian
    N bytes   the header: a UTF-8 JSON object, padded with spaces to a multiple of 8
    the rest  the data: each tensor's raw little-endian bytes, in offset order, no gaps

    header = {"__metadata__": {str: str, ...},
              "<tensor name>": {"dtype": "F32", "shape": [3, 4], "data_offsets": [begin, end]}, ...}

This is exactly the `safetensors <https://github.com/huggingface/safetensors>`_
format, so ``safetensors.numpy.load_file(path)`` reads the weights of any
striate file (striate itself never needs that package). The format cannot carry
code: a header is JSON data and a tensor is raw numbers of a fixed list of dtypes.

Reading checks everything before it allocates: the header length against the
real file size, every tensor's ``shape x itemsize`` against its byte range, and
the byte ranges against each other (sorted, no overlap, no gap, nothing after
the last one). A declared size that the file cannot hold fails at once, so a
small file can never make the reader allocate much memory (no "memory bomb").
The only allocation is the data part itself, whose size is the real file size.

Integrity: striate writes a ``checksum`` metadata entry, ``"sha256:<hex>"`` of
every other metadata entry, every tensor's name, dtype, shape and offsets, and
the data. A striate file (one whose metadata has a ``format``) must carry it and
match it, so a flipped bit anywhere that matters is an error, never silently
different weights. (A checksum detects corruption; it does not authenticate: a
file's author can always write a matching one.) Files written by other tools
have no ``format`` and need no checksum.

>>> import io, numpy as np
>>> buffer = io.BytesIO()
>>> write_tensors(buffer, {"w": np.arange(3, dtype="float32")}, {"format": "demo"})
>>> metadata, tensors = parse_bytes(buffer.getvalue(), "demo.bin")
>>> metadata["format"], metadata["checksum"][:7], tensors["w"].tolist()
('demo', 'sha256:', [0.0, 1.0, 2.0])
"""

import errno
import hashlib
import json
import math
import os
import stat
import struct

import numpy as np

from striate.saving.errors import ModelFileError, ModelPathError

__all__ = ["write_tensors", "read_tensors", "parse_bytes", "open_regular_file", "DTYPES", "MAX_HEADER_BYTES",
           "MAX_NDIM"]

# safetensors' dtype names -> NumPy's (always little-endian in the file). BF16 and the
# float8 types have no NumPy dtype and are refused with a clear message.
DTYPES = {"BOOL": "|b1", "U8": "|u1", "I8": "|i1", "U16": "<u2", "I16": "<i2", "U32": "<u4", "I32": "<i4",
          "U64": "<u8", "I64": "<i8", "F16": "<f2", "F32": "<f4", "F64": "<f8"}
_CODES = {np.dtype(v).str[1:]: k for k, v in DTYPES.items()}  # "f4" -> "F32"
# As safetensors: a header over 100 MB is refused (a real model's header is a few kB).
MAX_HEADER_BYTES = 100_000_000
MAX_NDIM = 32
_MAGIC = [  # what a file that is not ours usually starts with, for a helpful message
    (b"PK\x03\x04", "a zip archive (a Keras .keras file or a NumPy .npz?)"),
    (b"\x89HDF\r\n\x1a\n", "an HDF5 file (a Keras .h5 file?)"),
    (b"\x93NUMPY", "a NumPy .npy file"),
    (b"\x80", "a Python pickle (striate never loads pickles: they can run code)"),
]


# ---- writing ------------------------------------------------------------------------------
def write_tensors(file, tensors, metadata):
    """Write ``tensors`` (``{name: ndarray}``, in this order) and ``metadata`` (``{str: str}``) to ``file``.

    Raises:
        TypeError: for a tensor of a dtype the format has no code for (object,
            strings, complex ...) or a metadata value that is not a string.
        ValueError: for an empty or reserved tensor name.
    """
    metadata = _check_metadata(metadata)
    header, arrays, entries, offset = {}, [], [], 0
    for name, value in tensors.items():
        if not isinstance(name, str) or not name or name == "__metadata__":
            raise ValueError(f"tensor name must be a non-empty string other than '__metadata__', got {name!r}")
        array = np.asarray(value)
        code = _CODES.get(array.dtype.str[1:])
        if code is None:
            raise TypeError(f"tensor {name!r} has dtype {array.dtype}, which a striate file cannot store; "
                            f"storable dtypes: {', '.join(np.dtype(v).name for v in DTYPES.values())}")
        array = np.asarray(array, dtype=np.dtype(DTYPES[code]), order="C")  # (ascontiguousarray makes 0-d 1-d)
        header[name] = {"dtype": code, "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        entries.append((name, code, array.shape, offset, offset + array.nbytes))
        offset += array.nbytes
        arrays.append(array)
    metadata["checksum"] = _checksum(metadata, entries, [_bytes(a) for a in arrays])
    header = {"__metadata__": metadata, **header}
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode("ascii")
    text += b" " * (-len(text) % 8)  # keep the data 8-byte aligned, as safetensors does
    file.write(struct.pack("<Q", len(text)))
    file.write(text)
    for array in arrays:
        if array.nbytes:
            file.write(_bytes(array))


def _bytes(array):
    return array.reshape(-1).view(np.uint8).data


def _check_metadata(metadata):
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"file metadata must map strings to strings, got {key!r}: {type(value).__name__}")
    return {k: v for k, v in metadata.items() if k != "checksum"}


def _checksum(metadata, entries, chunks):
    """``sha256:<hex>`` of the metadata (but the checksum), the tensor table (by offset) and the data."""
    digest = hashlib.sha256()
    for key in sorted(metadata):
        if key != "checksum":
            digest.update(json.dumps([key, metadata[key]]).encode() + b"\n")
    for name, code, shape, begin, end in entries:
        digest.update(json.dumps([name, code, list(shape), begin, end]).encode() + b"\n")
    for chunk in chunks:
        digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def _verify(metadata, entries, data, name, what):
    expected = metadata.get("checksum")
    if expected is None:
        if "format" in metadata:
            raise ModelFileError(f"{what} {name!r} has no checksum in its metadata; a striate file always has one")
        return
    if _checksum(metadata, entries, [data]) != expected:
        raise ModelFileError(f"{what} {name!r} is corrupted: its content does not match its checksum "
                             "(a changed byte, or an incomplete copy)")


# ---- reading ------------------------------------------------------------------------------
def open_regular_file(path, what="model file"):
    """Open ``path`` for binary reading, only if it is a regular file.

    The check is made on the opened descriptor (``fstat``), so a path swapped
    for a pipe or a device between a check and the open cannot block or feed
    endless bytes; pipes are opened non-blocking for that reason.

    Raises:
        TypeError: when ``path`` is not a str or path-like.
        ModelPathError: when the path is missing, not a regular file, or unreadable.
    """
    path = _fspath(path, what)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError as error:
        raise ModelPathError(error.errno, f"no {what} at {path!r}: the file does not exist") from None
    except OSError as error:
        raise ModelPathError(error.errno, f"cannot open the {what} {path!r}: {error.strerror}") from None
    try:
        mode = os.fstat(fd).st_mode
    except OSError as error:
        os.close(fd)
        raise ModelPathError(error.errno, f"cannot read the {what} {path!r}: {error.strerror}") from None
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file (a pipe, device or socket)"
        code = errno.EISDIR if stat.S_ISDIR(mode) else errno.EINVAL
        raise ModelPathError(code, f"the {what} path {path!r} is {kind}")
    return os.fdopen(fd, "rb")


def _fspath(path, what):
    try:
        path = os.fspath(path)
    except TypeError:
        raise TypeError(f"the {what} path must be a str or os.PathLike, got {type(path).__name__}") from None
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not path or "\x00" in path:
        raise ModelPathError(errno.EINVAL, f"invalid {what} path {path!r}")
    return path


def read_tensors(path, what="model file"):
    """``(metadata, tensors)`` of the file at ``path``; tensors in file order, as native-endian arrays.

    Raises:
        ModelPathError: see :func:`open_regular_file`; also for a read error.
        ModelFileError: for anything wrong inside the file (the message names the
            file, the part and the fault).
    """
    name = os.fspath(path) if isinstance(path, (str, os.PathLike)) else path
    with open_regular_file(path, what) as file:
        try:
            size = os.fstat(file.fileno()).st_size
            head = file.read(8)
            n = _header_length(head, size, name, what)
            header_bytes = file.read(n)
            if len(header_bytes) != n:
                raise ModelFileError(f"{what} {name!r} is truncated: its header is cut short")
            entries, metadata, data_size = _parse_header(header_bytes, size - 8 - n, name, what)
            data = bytearray(data_size)  # the real remaining file size, never a declared one
            if file.readinto(data) != data_size or file.read(1):
                raise ModelFileError(f"{what} {name!r} changed size while it was read")
        except OSError as error:
            raise ModelPathError(error.errno, f"cannot read the {what} {name!r}: {error.strerror}") from None
    _verify(metadata, entries, data, name, what)
    return metadata, _arrays(entries, data)


def parse_bytes(content, name="<bytes>", what="model file"):
    """The same as :func:`read_tensors` for a file's content held in memory."""
    content = bytes(content)
    n = _header_length(content[:8], len(content), name, what)
    entries, metadata, data_size = _parse_header(content[8:8 + n], len(content) - 8 - n, name, what)
    data = bytearray(content[8 + n:])
    _verify(metadata, entries, data, name, what)
    return metadata, _arrays(entries, data)


def _header_length(head, size, name, what):
    if len(head) < 8:
        raise ModelFileError(f"{what} {name!r} is {size} bytes long: too short to be a striate file "
                             "(truncated or empty)")
    n = struct.unpack("<Q", head)[0]
    if n < 2 or n > size - 8 or n > MAX_HEADER_BYTES:
        for magic, kind in _MAGIC:
            if head.startswith(magic):
                raise ModelFileError(f"{what} {name!r} is {kind}, not a striate (safetensors) file")
        if n > size - 8:
            raise ModelFileError(f"{what} {name!r} declares a header of {n} bytes but holds only {size} bytes: "
                                 "truncated, or not a striate file")
        raise ModelFileError(f"{what} {name!r} declares a header of {n} bytes; a striate header holds 2 to "
                             f"{MAX_HEADER_BYTES} bytes")
    return n


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        duplicated = sorted({k for k in keys if keys.count(k) > 1})
        raise ValueError(f"duplicate keys {duplicated[:5]}")
    return dict(pairs)


def _refuse_constant(name):
    raise ValueError(f"non-standard JSON constant {name}")


def _parse_header(header_bytes, data_size, name, what):
    """Validated ``(entries, metadata, data_size)``; entries are ``(name, dtype, shape, begin, end)`` by offset."""
    try:
        text = header_bytes.decode("utf-8")
        if not text.startswith("{"):
            raise ValueError("it does not start with '{'")
        header = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ModelFileError(f"{what} {name!r} has a corrupt header (not valid UTF-8 JSON: {error})") from None
    if not isinstance(header, dict):
        raise ModelFileError(f"{what} {name!r}: the header must be a JSON object")
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ModelFileError(f"{what} {name!r}: '__metadata__' must map strings to strings")
    entries = [_check_entry(key, info, data_size, name, what) for key, info in header.items()]
    entries.sort(key=lambda e: (e[3], e[4]))
    position = 0
    for key, _, _, begin, end in entries:
        if begin != position:
            problem = "overlaps the one before" if begin < position else f"leaves a gap of {begin - position} bytes"
            raise ModelFileError(f"{what} {name!r}: tensor {key!r} {problem} (data_offsets begin at {begin}, "
                                 f"expected {position})")
        position = end
    if position != data_size:
        raise ModelFileError(f"{what} {name!r}: the tensors cover {position} bytes of data but the file holds "
                             f"{data_size} (truncated, or bytes appended)")
    return entries, metadata, data_size


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _check_entry(key, info, data_size, name, what):
    where = f"{what} {name!r}: tensor {key!r}"
    if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
        raise ModelFileError(f"{where} must be an object with exactly 'dtype', 'shape' and 'data_offsets'")
    dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if dtype not in DTYPES:
        raise ModelFileError(f"{where} has dtype {dtype!r}; striate reads {sorted(DTYPES)}")
    if not isinstance(shape, list) or len(shape) > MAX_NDIM or not all(_is_int(n) and n >= 0 for n in shape):
        raise ModelFileError(f"{where} has an invalid shape {str(shape)[:80]} (a list of at most {MAX_NDIM} "
                             "non-negative integers)")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(_is_int(o) for o in offsets)
            and 0 <= offsets[0] <= offsets[1] <= data_size):
        raise ModelFileError(f"{where} has data_offsets {str(offsets)[:80]} outside the file's {data_size} "
                             "data bytes")
    # Python ints: the product cannot overflow, so a huge declared shape is caught here, before any allocation.
    nbytes = math.prod(shape) * np.dtype(DTYPES[dtype]).itemsize
    if nbytes != offsets[1] - offsets[0]:
        raise ModelFileError(f"{where} declares shape {shape} of {dtype} ({nbytes} bytes) but its data_offsets "
                             f"span {offsets[1] - offsets[0]} bytes")
    return key, dtype, tuple(shape), offsets[0], offsets[1]


def _arrays(entries, data):
    """Arrays over ``data`` (one buffer, no copy unless unaligned or big-endian host)."""
    out = {}
    for key, code, shape, begin, end in entries:
        dtype = np.dtype(DTYPES[code])
        if begin == end:  # frombuffer refuses an offset at the very end of the buffer
            out[key] = np.zeros(shape, dtype.newbyteorder("="))
            continue
        array = np.frombuffer(data, dtype=dtype, count=math.prod(shape), offset=begin).reshape(shape)
        if not array.flags.aligned or not dtype.isnative:
            array = array.astype(dtype.newbyteorder("="))
        out[key] = array
    return out
