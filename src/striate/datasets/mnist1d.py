"""MNIST-1D (Greydanus, 2020): 4,000 + 1,000 one-dimensional "digits" of length 40.

Built locally by the ``mnist1d`` package (``pip install mnist1d``) with
``mnist1d.data.make_dataset(mnist1d.data.get_dataset_args())``: deterministic
for the package's default seed (42), ~1 s. Its ``get_dataset()`` is never
called, because it tries a download first. The package imports matplotlib,
scipy and requests, so it is imported only inside the loader.

Reference test accuracies from the paper: logistic regression 32 %, MLP 68 %,
CNN 94 %, GRU 91 %, human 96 %.

>>> from striate.datasets.mnist1d import INSTALL_HINT
>>> INSTALL_HINT
'pip install mnist1d'
"""

import random

import numpy as np

from striate.datasets.errors import DatasetNotFoundError

__all__ = ["load_mnist1d", "INSTALL_HINT"]

INSTALL_HINT = "pip install mnist1d"


def load_mnist1d():
    """Generate MNIST-1D with the package's default arguments.

    ``make_dataset`` reseeds Python's and NumPy's global random state; this
    loader restores both afterwards, so loading data does not change the
    random numbers the rest of a program draws.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: float32 (4000, 40) and (1000, 40)
        signals (the package's standardised values), int64 labels (4000,) and (1000,) in 0..9.

    Raises:
        DatasetNotFoundError: when ``mnist1d`` (or one of its dependencies) cannot
            be imported; the message says ``pip install mnist1d``.

    >>> import pytest
    >>> _ = pytest.importorskip("mnist1d", reason="pip install mnist1d")
    >>> (x_train, y_train), (x_test, y_test) = load_mnist1d()
    >>> x_train.shape, x_train.dtype, y_test.shape
    ((4000, 40), dtype('float32'), (1000,))
    """
    try:
        import mnist1d.data as mnist1d_data
    except ImportError as error:
        raise DatasetNotFoundError(f"MNIST-1D needs the mnist1d package, which could not be imported "
                                   f"({error}); install it with `{INSTALL_HINT}`") from error
    python_state, numpy_state = random.getstate(), np.random.get_state()
    try:
        data = mnist1d_data.make_dataset(mnist1d_data.get_dataset_args())
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
    return ((np.asarray(data["x"], dtype=np.float32), np.asarray(data["y"], dtype=np.int64)),
            (np.asarray(data["x_test"], dtype=np.float32), np.asarray(data["y_test"], dtype=np.int64)))
