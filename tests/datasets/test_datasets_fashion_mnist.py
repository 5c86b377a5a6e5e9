import os

import numpy as np
import pytest

from striate import datasets
from striate.datasets import DatasetNotFoundError, fashion_mnist, load_fashion_mnist

DEBIAN_DIR = "/usr/share/datasets/fashion-mnist"


def first_pixel(result):
    (x_train, _), _ = result
    return int(x_train[0, 0, 0])


def test_loads_tiny_set_from_path_with_keras_shapes_and_dtypes(isolated, idx, tmp_path):
    arrays = idx.write_set(tmp_path / "d", n_train=3, n_test=2)
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(tmp_path / "d")
    assert x_train.shape == (3, 28, 28) and x_test.shape == (2, 28, 28)
    assert x_train.dtype == y_train.dtype == x_test.dtype == y_test.dtype == np.uint8
    np.testing.assert_array_equal(x_train, arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(y_test, arrays["t10k-labels-idx1-ubyte"])


def test_uncompressed_files_work(isolated, idx, tmp_path):
    idx.write_set(tmp_path / "raw", gz=False, marker=7)
    assert first_pixel(load_fashion_mnist(str(tmp_path / "raw"))) == 7


def test_search_order_path_then_env_then_system_then_keras_cache(isolated, idx, tmp_path, monkeypatch):
    idx.write_set(tmp_path / "arg", marker=1)
    idx.write_set(tmp_path / "env" / "fashion-mnist", marker=2)
    idx.write_set(tmp_path / "system", marker=3)
    idx.write_set(isolated / ".keras" / "datasets" / "fashion-mnist", marker=4)
    monkeypatch.setattr(fashion_mnist, "SYSTEM_DIRS", [str(tmp_path / "system")])
    monkeypatch.setenv("STRIATE_DATA", str(tmp_path / "env"))
    assert first_pixel(load_fashion_mnist(tmp_path / "arg")) == 1
    assert first_pixel(load_fashion_mnist()) == 2  # $STRIATE_DATA/fashion-mnist
    monkeypatch.delenv("STRIATE_DATA")
    assert first_pixel(load_fashion_mnist()) == 3  # the system folder
    monkeypatch.setattr(fashion_mnist, "SYSTEM_DIRS", [])
    assert first_pixel(load_fashion_mnist()) == 4  # Keras's cache under $HOME


def test_env_folder_itself_before_its_subfolder(isolated, idx, tmp_path, monkeypatch):
    idx.write_set(tmp_path / "env", marker=5)
    idx.write_set(tmp_path / "env" / "fashion-mnist", marker=6)
    monkeypatch.setenv("STRIATE_DATA", str(tmp_path / "env"))
    assert first_pixel(load_fashion_mnist()) == 5


def test_path_subfolder_is_searched(isolated, idx, tmp_path):
    idx.write_set(tmp_path / "root" / "fashion-mnist", marker=8)
    assert first_pixel(load_fashion_mnist(tmp_path / "root")) == 8


def test_keras_home_variable(isolated, idx, tmp_path, monkeypatch):
    idx.write_set(tmp_path / "kh" / "datasets" / "fashion-mnist", marker=9)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    assert first_pixel(load_fashion_mnist()) == 9


def test_incomplete_folder_is_skipped(isolated, idx, tmp_path, monkeypatch):
    idx.write_set(tmp_path / "env", marker=1)
    os.remove(tmp_path / "env" / "t10k-labels-idx1-ubyte.gz")
    idx.write_set(tmp_path / "env" / "fashion-mnist", marker=2)
    monkeypatch.setenv("STRIATE_DATA", str(tmp_path / "env"))
    assert first_pixel(load_fashion_mnist()) == 2


def test_explicit_path_without_files_is_an_error_even_if_data_exists_elsewhere(isolated, idx, tmp_path,
                                                                                monkeypatch):
    idx.write_set(tmp_path / "env")
    monkeypatch.setenv("STRIATE_DATA", str(tmp_path / "env"))
    with pytest.raises(DatasetNotFoundError, match="typo"):
        load_fashion_mnist(tmp_path / "typo")


def test_not_found_message_lists_places_and_install_command(isolated, tmp_path, monkeypatch):
    monkeypatch.setenv("STRIATE_DATA", str(tmp_path / "nothing"))
    monkeypatch.setattr(fashion_mnist, "SYSTEM_DIRS", [str(tmp_path / "debian")])
    with pytest.raises(DatasetNotFoundError) as info:
        load_fashion_mnist()
    message = str(info.value)
    assert "apt-get install dataset-fashion-mnist" in message
    assert "STRIATE_DATA" in message and "train-images-idx3-ubyte.gz" in message
    for place in (tmp_path / "nothing", tmp_path / "nothing" / "fashion-mnist", tmp_path / "debian",
                  isolated / ".keras" / "datasets" / "fashion-mnist"):
        assert str(place) in message
    assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, OSError)


def test_mismatched_counts_are_a_value_error(isolated, idx, tmp_path):
    idx.write_set(tmp_path / "d", n_train=3)
    idx.write(tmp_path / "d" / "train-labels-idx1-ubyte.gz", idx.bytes(np.zeros(4, np.uint8)), gz=True)
    with pytest.raises(ValueError, match="3 images but .* 4 labels"):
        load_fashion_mnist(tmp_path / "d")


def test_keras_namespace_and_class_names():
    assert datasets.fashion_mnist.load_data is load_fashion_mnist
    assert len(fashion_mnist.CLASS_NAMES) == 10
    assert fashion_mnist.CLASS_NAMES[0] == "T-shirt/top" and fashion_mnist.CLASS_NAMES[9] == "Ankle boot"
    assert datasets.FASHION_MNIST_CLASS_NAMES is fashion_mnist.CLASS_NAMES


@pytest.mark.skipif(not os.path.isdir(DEBIAN_DIR),
                    reason="dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist)")
def test_real_fashion_mnist(monkeypatch):
    monkeypatch.delenv("STRIATE_DATA", raising=False)
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert x_train.dtype == y_train.dtype == np.uint8
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert y_train[:5].tolist() == [9, 0, 0, 3, 0]  # the published first labels
    assert x_train.max() == 255 and x_train.min() == 0
