"""Shared helpers for the data-set tests: IDX files written byte by byte
(an oracle independent of the reader) and a search path cut off from the
machine's real data, so "not found" tests do not depend on what is installed.

The helpers reach the tests as the ``idx`` fixture (not by importing this
file), so they work in every pytest import mode."""

import gzip
import struct
import types

import numpy as np
import pytest

from striate.datasets import cifar10, fashion_mnist, mnist

IDX_CODES = {np.dtype("u1"): 0x08, np.dtype("i1"): 0x09, np.dtype(">i2"): 0x0B,
             np.dtype(">i4"): 0x0C, np.dtype(">f4"): 0x0D, np.dtype(">f8"): 0x0E}


def idx_bytes(array, big_endian_dtype=None):
    """The IDX encoding of ``array``: 0, 0, dtype code, ndim, big-endian dims, big-endian data."""
    dtype = np.dtype(big_endian_dtype or array.dtype)
    header = struct.pack(">HBB", 0, IDX_CODES[dtype], array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=dtype).tobytes()


def write_file(path, data, gz=False):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def write_idx_set(folder, n_train=3, n_test=2, gz=True, marker=0):
    """Write a tiny Fashion-MNIST-style set of 4 files; pixel [0, 0, 0] of the
    first training image is ``marker`` so tests can tell folders apart."""
    rng = np.random.default_rng(marker)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": np.arange(n_train, dtype=np.uint8) % 10,
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": (np.arange(n_test, dtype=np.uint8) + 5) % 10,
    }
    arrays["train-images-idx3-ubyte"][0, 0, 0] = marker
    for name, array in arrays.items():
        write_file(folder / (name + (".gz" if gz else "")), idx_bytes(array), gz=gz)
    return arrays


@pytest.fixture
def idx():
    """``idx.bytes(array)``, ``idx.write(path, data, gz)``, ``idx.write_set(folder, ...)``."""
    return types.SimpleNamespace(bytes=idx_bytes, write=write_file, write_set=write_idx_set)


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """No STRIATE_DATA, an empty home (Keras's cache), no system folders."""
    monkeypatch.delenv("STRIATE_DATA", raising=False)
    monkeypatch.delenv("KERAS_HOME", raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for module in (fashion_mnist, mnist, cifar10):
        monkeypatch.setattr(module, "SYSTEM_DIRS", [])
    return home
