"""CIFAR-10 from the "python version" batch files a user already has.

The archive ``cifar-10-python.tar.gz`` unpacks to ``cifar-10-batches-py/``
with ``data_batch_1`` ... ``data_batch_5`` and ``test_batch``: pickles (made
by Python 2's cPickle, protocol 2) of a dict whose ``b"data"`` is a uint8
array (10000, 3072), each row the red, green then blue 32×32 planes in
row-major order, and whose ``b"labels"`` is a list of 10000 ints 0..9.

They are read with striate's restricted pickle reader
(``striate.datasets._safe_pickle``), never with ``pickle``, because unpickling
a file can run arbitrary code; see that module for the exact whitelist.

Search order for ``load_data()``: ``path`` (or its ``cifar-10-batches-py/``),
``$STRIATE_DATA`` (or its ``cifar-10-batches-py/``), Keras's cache
``~/.keras/datasets/cifar-10-batches-py/``.

>>> from striate.datasets import cifar10
>>> cifar10.CLASS_NAMES[:3]
('airplane', 'automobile', 'bird')
"""

import os

import numpy as np

from striate.datasets import _search
from striate.datasets._safe_pickle import loads
from striate.datasets.errors import DatasetNotFoundError

__all__ = ["load_data", "load_cifar10", "read_cifar10_batch", "CLASS_NAMES", "FILE_NAMES"]

CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
FILE_NAMES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",)
SYSTEM_DIRS = []  # no system package ships CIFAR-10; kept so tests and users can add one


def _field(batch, name, path):
    # Python 2 files give bytes keys; a file re-pickled from Python 3 may use str keys.
    for key in (name.encode(), name):
        if key in batch:
            return batch[key]
    raise ValueError(f"read_cifar10_batch: {path}: no {name!r} entry (keys: {sorted(map(str, batch))})")


def read_cifar10_batch(path):
    """Read one CIFAR-10 batch file safely (no ``pickle``).

    Args:
        path: a batch file such as ``data_batch_1`` or ``test_batch``.

    Returns:
        ``(images, labels)``: uint8 (N, 32, 32, 3) channels-last images and int64 (N,) labels.

    Raises:
        ValueError: naming the file, when it is not a pickle of the CIFAR
            structure, uses any opcode outside the safe reader's whitelist
            (``GLOBAL`` of anything but NumPy's array reconstruction, ``INST``,
            ``STACK_GLOBAL`` ...), or has labels outside 0..9 or of another count.
        FileNotFoundError: when ``path`` does not exist.

    >>> import os, pickle, tempfile, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "data_batch_1")
    >>> data = np.arange(2 * 3072, dtype=np.uint8).reshape(2, 3072)  # 2 images, R then G then B planes
    >>> with open(path, "wb") as f:
    ...     f.write(pickle.dumps({b"data": data, b"labels": [3, 8]}, protocol=2)) > 0
    True
    >>> images, labels = read_cifar10_batch(path)
    >>> images.shape, labels.tolist(), images[0, 0, 1].tolist()  # pixel (0, 1): R, G, B
    ((2, 32, 32, 3), [3, 8], [1, 1, 1])
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        raw = f.read()
    try:
        batch = loads(raw)
    except ValueError as error:
        raise ValueError(f"read_cifar10_batch: {path}: {error}") from error
    if not isinstance(batch, dict):
        raise ValueError(f"read_cifar10_batch: {path}: expected a pickled dict, got {type(batch).__name__}")
    data, labels = _field(batch, "data", path), _field(batch, "labels", path)
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        shape = getattr(data, "shape", type(data).__name__)
        raise ValueError(f"read_cifar10_batch: {path}: 'data' must be a uint8 array (N, 3072), got {shape}")
    if isinstance(labels, np.ndarray):
        labels = labels.tolist()
    if (not isinstance(labels, list) or len(labels) != len(data)
            or not all(isinstance(v, int) and 0 <= v <= 9 for v in labels)):
        raise ValueError(f"read_cifar10_batch: {path}: 'labels' must be {len(data)} ints in 0..9")
    images = data.reshape(len(data), 3, 32, 32).transpose(0, 2, 3, 1)  # (N, 32, 32, 3)
    # the copy makes the result contiguous and writable (the parsed array views the file's bytes)
    return np.ascontiguousarray(images), np.asarray(labels, dtype=np.int64)


def load_cifar10(path=None):
    """Load CIFAR-10 from local batch files, as ``keras.datasets.cifar10.load_data()``.

    Args:
        path: a folder holding ``data_batch_1`` ... ``data_batch_5`` and
            ``test_batch``, or holding ``cifar-10-batches-py/`` with them. None
            searches the default places (module docstring).

    Returns:
        ``(x_train, y_train), (x_test, y_test)`` exactly in Keras's layout:
        uint8 images (50000, 32, 32, 3) and (10000, 32, 32, 3), and uint8
        labels of shape (50000, 1) and (10000, 1) (Keras keeps the trailing 1;
        ``y.ravel()`` gives (N,)).

    Raises:
        DatasetNotFoundError: when no searched folder has all six files.
        ValueError: when a file is corrupt, unsafe or not in CIFAR's structure.

    >>> import os, pickle, tempfile, numpy as np
    >>> folder = tempfile.mkdtemp()
    >>> for name in FILE_NAMES:  # six one-image stand-ins for the real batches
    ...     with open(os.path.join(folder, name), "wb") as f:
    ...         _ = f.write(pickle.dumps({b"data": np.zeros((1, 3072), np.uint8), b"labels": [7]}, protocol=2))
    >>> (x_train, y_train), (x_test, y_test) = load_cifar10(folder)
    >>> x_train.shape, y_train.shape, y_train.dtype
    ((5, 32, 32, 3), (5, 1), dtype('uint8'))
    """
    dirs = _search.candidate_dirs(path, "cifar-10-batches-py", SYSTEM_DIRS, keras_subdir="cifar-10-batches-py")
    found = _search.find_all(dirs, FILE_NAMES, allow_gz=False)
    if found is None:
        raise DatasetNotFoundError(_search.not_found_message(
            "CIFAR-10", dirs,
            "No package ships CIFAR-10 offline; unpack cifar-10-python.tar.gz (the 'python version') "
            "if you have it.", f"its six batch files ({', '.join(FILE_NAMES)})"))
    train = [read_cifar10_batch(p) for p in found[:5]]
    x_test, y_test = read_cifar10_batch(found[5])
    x_train = np.concatenate([x for x, _ in train])  # (50000, 32, 32, 3)
    y_train = np.concatenate([y for _, y in train])
    return ((x_train, y_train.astype(np.uint8).reshape(-1, 1)),
            (x_test, y_test.astype(np.uint8).reshape(-1, 1)))


# Keras's spelling: striate.datasets.cifar10.load_data()
load_data = load_cifar10
