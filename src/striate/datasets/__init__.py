"""Offline data sets: loaders that read installed packages or local files and
never download (see DATA.md), plus toy 2-D sets generated here.

Every loader returns NumPy arrays in Keras's shapes and raises
``DatasetNotFoundError`` (an ``OSError``) saying what to install or where to
put files when its data is missing. Keras's namespaces work too:
``striate.datasets.fashion_mnist.load_data()``, ``striate.datasets.mnist.load_data()``,
``striate.datasets.cifar10.load_data()``.

>>> from striate import datasets
>>> x, y = datasets.make_spirals(90, n_classes=3, seed=0)
>>> x.shape, y.max().item()
((90, 2), 2)
"""

from striate.datasets import cifar10, fashion_mnist, mnist
from striate.datasets.cifar10 import load_cifar10, read_cifar10_batch
from striate.datasets.digits import load_digits
from striate.datasets.errors import DatasetNotFoundError
from striate.datasets.fashion_mnist import CLASS_NAMES as FASHION_MNIST_CLASS_NAMES
from striate.datasets.fashion_mnist import load_fashion_mnist
from striate.datasets.idx import read_idx
from striate.datasets.mnist import load_mnist
from striate.datasets.mnist1d import load_mnist1d
from striate.datasets.mnist_subset import load_mnist_split, load_mnist_subset
from striate.datasets.synthetic import make_blobs, make_circles, make_moons, make_spirals, make_xor

__all__ = [
    "DatasetNotFoundError",
    "make_moons", "make_circles", "make_xor", "make_spirals", "make_blobs",
    "load_mnist_subset", "load_mnist_split",
    "read_idx", "load_fashion_mnist", "load_mnist", "FASHION_MNIST_CLASS_NAMES",
    "load_mnist1d", "load_digits",
    "read_cifar10_batch", "load_cifar10",
    "fashion_mnist", "mnist", "cifar10",
]
