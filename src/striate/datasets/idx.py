"""Read IDX files, the format of MNIST and Fashion-MNIST, gzipped or raw.

Layout: two zero bytes, a dtype code, the number of dimensions ``ndim``, then
``ndim`` big-endian uint32 sizes, then the values in C order, big-endian.
The header is checked before any data is read: a file whose header declares
more data than the file can hold fails at once, without allocating it.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "tiny-idx1-ubyte")
>>> with open(path, "wb") as f:
...     _ = f.write(bytes([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 8, 9]))
>>> read_idx(path)
array([7, 8, 9], dtype=uint8)
"""

import gzip
import math
import os
import struct
import zlib

import numpy as np

__all__ = ["read_idx", "read_idx_images_labels"]

# IDX dtype codes; data are big-endian.
_DTYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
# Deflate expands at most ~1032:1, so a .gz of S bytes cannot hold more than
# this many times S: a larger declared size is rejected before reading.
_MAX_GZIP_RATIO = 1100
_CHUNK = 1 << 24  # read gzip data in 16 MiB pieces, so memory follows the real data


def _read_exact(stream, n, path, what):
    data = stream.read(n)
    if len(data) != n:
        raise ValueError(f"read_idx: {path}: file ends inside the {what} "
                         f"(needed {n} bytes, found {len(data)}); the file is truncated")
    return data


def _read_header(stream, path):
    zero, code, ndim = struct.unpack(">HBB", _read_exact(stream, 4, path, "magic number"))
    if zero != 0:
        raise ValueError(f"read_idx: {path}: bad magic number (the first two bytes must be 0, got "
                         f"0x{zero:04x}); this is not an IDX file")
    if code not in _DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in _DTYPES)
        raise ValueError(f"read_idx: {path}: unknown IDX dtype code 0x{code:02X} (known: {known})")
    if ndim == 0:
        raise ValueError(f"read_idx: {path}: the header declares 0 dimensions")
    dims = struct.unpack(f">{ndim}I", _read_exact(stream, 4 * ndim, path, "dimension sizes"))
    return _DTYPES[code], dims, 4 + 4 * ndim


def _read_gzip_body(stream, n_bytes, path):
    """The next ``n_bytes`` bytes, read in chunks; error if fewer or more exist."""
    body = bytearray()
    while len(body) < n_bytes:
        chunk = stream.read(min(_CHUNK, n_bytes - len(body)))
        if not chunk:
            break
        body += chunk
    if len(body) < n_bytes:
        raise ValueError(f"read_idx: {path}: the header declares {n_bytes} data bytes but the file "
                         f"holds {len(body)}; the file is truncated")
    if stream.read(1):
        raise ValueError(f"read_idx: {path}: extra bytes after the {n_bytes} data bytes the header "
                         f"declares; the file is corrupt")
    return body


def read_idx(path):
    """Read one IDX file (``.gz`` or raw, detected from its content).

    Args:
        path: the file's path.

    Returns:
        A writable array of the declared shape, in native byte order, with the
        declared dtype (uint8 for MNIST's images and labels).

    Raises:
        FileNotFoundError: when ``path`` does not exist.
        ValueError: naming the file, when the magic number, dtype code or
            dimensions are invalid, when the file is truncated or has extra
            bytes, or when its gzip stream is corrupt.

    >>> import os, struct, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "pair-idx2-short")
    >>> with open(path, "wb") as f:  # int16 (code 0x0B), 2-D: shape (1, 2), big-endian values
    ...     _ = f.write(struct.pack(">HBBII2h", 0, 0x0B, 2, 1, 2, -1, 300))
    >>> read_idx(path)
    array([[ -1, 300]], dtype=int16)
    """
    path = os.fspath(path)
    with open(path, "rb") as raw:
        file_size = os.fstat(raw.fileno()).st_size
        is_gzip = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        stream = gzip.GzipFile(fileobj=raw, mode="rb") if is_gzip else raw
        try:
            dtype, dims, header_size = _read_header(stream, path)
            n_bytes = math.prod(dims) * dtype.itemsize
            if is_gzip:
                if n_bytes > _MAX_GZIP_RATIO * file_size:
                    raise ValueError(f"read_idx: {path}: the header declares dims {dims} ({n_bytes} bytes), "
                                     f"more than a {file_size}-byte gzip file can hold; the file is corrupt")
                body = _read_gzip_body(stream, n_bytes, path)
            else:
                if header_size + n_bytes != file_size:
                    state = "truncated" if header_size + n_bytes > file_size else "corrupt (extra bytes)"
                    raise ValueError(f"read_idx: {path}: the header declares dims {dims} "
                                     f"({header_size + n_bytes} bytes with the header) but the file has "
                                     f"{file_size} bytes; the file is {state}")
                body = bytearray(n_bytes)  # safe: the file's size was just checked to hold it
                if raw.readinto(body) != n_bytes:
                    raise ValueError(f"read_idx: {path}: the file shrank while being read")
        except (EOFError, zlib.error, gzip.BadGzipFile) as error:
            raise ValueError(f"read_idx: {path}: corrupt or truncated gzip data ({error})") from error
    array = np.frombuffer(body, dtype=dtype).reshape(dims)  # writable: it views a bytearray
    return array if dtype.isnative else array.astype(dtype.newbyteorder("="))


def read_idx_images_labels(images_path, labels_path):
    """Read an image file and its label file, and check that they match.

    Args:
        images_path: an IDX file of shape (N, H, W).
        labels_path: an IDX file of shape (N,).

    Returns:
        ``(images, labels)``: uint8 arrays (N, H, W) and (N,).

    Raises:
        ValueError: when either file is invalid (see ``read_idx``), not uint8,
            of the wrong rank, or when the counts differ.

    >>> import os, struct, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> with open(os.path.join(folder, "images"), "wb") as f:  # two 1x2 images
    ...     _ = f.write(struct.pack(">HBBIII4B", 0, 8, 3, 2, 1, 2, 0, 255, 9, 9))
    >>> with open(os.path.join(folder, "labels"), "wb") as f:
    ...     _ = f.write(struct.pack(">HBBI2B", 0, 8, 1, 2, 3, 5))
    >>> images, labels = read_idx_images_labels(os.path.join(folder, "images"), os.path.join(folder, "labels"))
    >>> images.shape, labels.tolist()
    ((2, 1, 2), [3, 5])
    """
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(f"read_idx_images_labels: {images_path}: expected uint8 images (N, H, W), "
                         f"got {images.dtype} {images.shape}")
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise ValueError(f"read_idx_images_labels: {labels_path}: expected uint8 labels (N,), "
                         f"got {labels.dtype} {labels.shape}")
    if len(images) != len(labels):
        raise ValueError(f"read_idx_images_labels: {images_path} has {len(images)} images but "
                         f"{labels_path} has {len(labels)} labels")
    return images, labels
