import importlib.util
import random
import sys

import numpy as np
import pytest

from striate.datasets import DatasetNotFoundError, load_mnist1d

needs_mnist1d = pytest.mark.skipif(importlib.util.find_spec("mnist1d") is None,
                                   reason="mnist1d is not installed (pip install mnist1d)")


@pytest.fixture(scope="module")
def loaded():
    random.seed(11)
    np.random.seed(11)
    python_before, numpy_before = random.random(), np.random.random()
    random.seed(11)
    np.random.seed(11)
    data = load_mnist1d()
    # the loader restores the global random states that mnist1d reseeds
    return data, (python_before, numpy_before), (random.random(), np.random.random())


@needs_mnist1d
def test_shapes_dtypes_and_classes(loaded):
    ((x_train, y_train), (x_test, y_test)), _, _ = loaded
    assert x_train.shape == (4000, 40) and x_test.shape == (1000, 40)
    assert x_train.dtype == x_test.dtype == np.float32
    assert y_train.dtype == y_test.dtype == np.int64
    assert sorted(set(y_train.tolist())) == list(range(10))
    assert abs(float(np.concatenate([x_train, x_test]).std()) - 1.0) < 1e-3  # the package standardises


@needs_mnist1d
def test_deterministic_package_defaults_and_global_random_state_restored(loaded):
    ((x_train, y_train), (x_test, y_test)), before, after = loaded
    assert before == after
    # Pinned from make_dataset(get_dataset_args()) (seed 42): the paper's data set.
    assert y_train[:10].tolist() == [2, 6, 4, 5, 6, 6, 6, 0, 3, 1]
    assert y_test[:10].tolist() == [2, 6, 3, 9, 4, 3, 1, 9, 5, 2]
    np.testing.assert_allclose(x_train[0, :4], [-0.33200568, -0.47191036, -0.77869707, -1.00974083], rtol=1e-6)


def test_missing_package_says_pip_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mnist1d", None)  # makes `import mnist1d...` fail
    monkeypatch.setitem(sys.modules, "mnist1d.data", None)
    with pytest.raises(DatasetNotFoundError, match="pip install mnist1d"):
        load_mnist1d()
