import importlib.util

import numpy as np
import pytest

from striate.datasets import DatasetNotFoundError, digits, load_digits

needs_sklearn = pytest.mark.skipif(importlib.util.find_spec("sklearn") is None,
                                   reason="scikit-learn is not installed (pip install scikit-learn)")


@needs_sklearn
def test_digits_match_scikit_learn():
    from sklearn.datasets import load_digits as sklearn_load_digits

    images, labels = load_digits()
    reference = sklearn_load_digits()
    assert images.shape == (1797, 8, 8) and images.dtype == np.float32
    assert labels.shape == (1797,) and labels.dtype == np.int64
    np.testing.assert_array_equal(images, reference.images)
    np.testing.assert_array_equal(labels, reference.target)
    assert images.min() == 0 and images.max() == 16


@needs_sklearn
def test_falls_back_to_scikit_learn_when_the_file_moved(monkeypatch):
    def moved(*args, **kwargs):
        raise DatasetNotFoundError("moved")

    monkeypatch.setattr(digits, "find_package_file", moved)
    images, labels = load_digits()
    assert images.shape == (1797, 8, 8) and images.dtype == np.float32 and labels.dtype == np.int64


def test_missing_scikit_learn_says_pip_install(monkeypatch):
    monkeypatch.setattr(digits, "package_installed", lambda name: False)
    with pytest.raises(DatasetNotFoundError, match="pip install scikit-learn"):
        load_digits()
