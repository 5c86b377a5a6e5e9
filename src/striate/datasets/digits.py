"""scikit-learn's 8×8 digits (1,797 images, UCI optical recognition set).

The data is scikit-learn's file ``sklearn/datasets/data/digits.csv.gz`` (64
pixel values 0..16, then the label), read directly so that scikit-learn and
scipy are not imported; if a future scikit-learn moves the file, the loader
falls back to ``sklearn.datasets.load_digits``.

>>> from striate.datasets.digits import INSTALL_HINT
>>> INSTALL_HINT
'pip install scikit-learn'
"""

import numpy as np

from striate.datasets._package_files import find_package_file, package_installed
from striate.datasets.errors import DatasetNotFoundError

__all__ = ["load_digits", "INSTALL_HINT"]

INSTALL_HINT = "pip install scikit-learn"
_N_IMAGES = 1797


def _from_sklearn():
    from sklearn.datasets import load_digits as sklearn_load_digits

    bunch = sklearn_load_digits()
    return bunch.images, bunch.target


def load_digits():
    """Load the 8×8 digits, in scikit-learn's order.

    Returns:
        ``(images, labels)``: float32 (1797, 8, 8) with whole values 0..16, int64 (1797,) in 0..9.

    Raises:
        DatasetNotFoundError: when scikit-learn is not installed (says ``pip install scikit-learn``).
        ValueError: when the data file does not have the expected layout.

    >>> import importlib.util, pytest
    >>> if importlib.util.find_spec("sklearn") is None: pytest.skip("pip install scikit-learn")
    >>> images, labels = load_digits()
    >>> images.shape, images.dtype, float(images.max()), labels[:4].tolist()
    ((1797, 8, 8), dtype('float32'), 16.0, [0, 1, 2, 3])
    """
    if not package_installed("sklearn"):
        raise DatasetNotFoundError(f"the 8x8 digits ship with scikit-learn, which is not installed; "
                                   f"install it with `{INSTALL_HINT}`")
    try:
        path = find_package_file("sklearn", "datasets", "data", "digits.csv.gz", install_hint=INSTALL_HINT)
    except DatasetNotFoundError:
        images, labels = _from_sklearn()
    else:
        table = np.loadtxt(path, delimiter=",", dtype=np.float64, ndmin=2)  # (1797, 65)
        if table.shape != (_N_IMAGES, 65):
            raise ValueError(f"load_digits: {path}: expected {_N_IMAGES} rows of 65 values, got {table.shape}")
        images, labels = table[:, :-1].reshape(-1, 8, 8), table[:, -1]  # (1797, 8, 8)
    return np.asarray(images, dtype=np.float32), np.asarray(labels, dtype=np.int64)
