"""Fashion-MNIST (Zalando): 60,000 + 10,000 grey 28×28 images of clothes, 10 classes.

``load_data()`` is ``keras.datasets.fashion_mnist.load_data()`` without the
download: it reads the four IDX files from the first folder that has them
(``path``; ``$STRIATE_DATA`` and its ``fashion-mnist/``; Debian's
``/usr/share/datasets/fashion-mnist/`` from ``apt-get install
dataset-fashion-mnist``; Keras's cache ``~/.keras/datasets/fashion-mnist/``).

>>> from striate.datasets import fashion_mnist
>>> fashion_mnist.CLASS_NAMES[9]
'Ankle boot'
"""

from striate.datasets import _search
from striate.datasets.errors import DatasetNotFoundError
from striate.datasets.idx import read_idx_images_labels

__all__ = ["load_data", "load_fashion_mnist", "CLASS_NAMES", "FILE_NAMES", "SYSTEM_DIRS"]

CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
FILE_NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
              "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
# Where Debian's dataset-fashion-mnist package installs the files.
SYSTEM_DIRS = ["/usr/share/datasets/fashion-mnist"]


def load_fashion_mnist(path=None):
    """Load Fashion-MNIST from local IDX files, as ``keras.datasets.fashion_mnist.load_data()``.

    Args:
        path: a folder holding the four files (``train-images-idx3-ubyte.gz``,
            ``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz``,
            ``t10k-labels-idx1-ubyte.gz``; gzipped or not), or holding a
            ``fashion-mnist/`` folder with them. None searches the default places.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images (60000, 28, 28)
        and (10000, 28, 28), uint8 labels (60000,) and (10000,) in 0..9 (see
        ``CLASS_NAMES``).

    Raises:
        DatasetNotFoundError: when no searched folder has all four files; the
            message lists the folders and how to install the data.
        ValueError: when a file is corrupt or truncated.

    >>> import os, pytest
    >>> if not os.path.isdir(SYSTEM_DIRS[0]): pytest.skip("dataset-fashion-mnist is not installed")
    >>> (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    >>> x_train.shape, y_train.dtype, x_test.shape
    ((60000, 28, 28), dtype('uint8'), (10000, 28, 28))
    """
    dirs = _search.candidate_dirs(path, "fashion-mnist", SYSTEM_DIRS, keras_subdir="fashion-mnist")
    found = _search.find_all(dirs, FILE_NAMES)
    if found is None:
        raise DatasetNotFoundError(_search.not_found_message(
            "Fashion-MNIST", dirs,
            "On Debian/Ubuntu install it with `apt-get install dataset-fashion-mnist`.",
            f"the four IDX files ({', '.join(n + '.gz' for n in FILE_NAMES)}; gzipped or not)"))
    x_train, y_train = read_idx_images_labels(found[0], found[1])
    x_test, y_test = read_idx_images_labels(found[2], found[3])
    return (x_train, y_train), (x_test, y_test)


# Keras's spelling: striate.datasets.fashion_mnist.load_data()
load_data = load_fashion_mnist
