import os
import pickle

import numpy as np
import pytest

from striate import datasets
from striate.datasets import DatasetNotFoundError, cifar10, load_cifar10, read_cifar10_batch


def make_batch(n, seed):
    """CIFAR's dict: data (n, 3072) uint8 as R, G, B planes; labels a list of ints."""
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
    labels = rng.integers(0, 10, n).tolist()
    return {b"batch_label": b"testing batch", b"labels": labels, b"data": data,
            b"filenames": [f"img_{i}.png".encode() for i in range(n)]}


def write_batch(path, batch, protocol=2):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(batch, protocol=protocol))
    return path


def write_cifar_folder(folder, n=2):
    batches = [make_batch(n, seed) for seed in range(6)]
    for name, batch in zip(cifar10.FILE_NAMES, batches):
        write_batch(folder / name, batch)
    return batches


@pytest.mark.parametrize("protocol", [2, 3])
def test_batch_is_channels_last_with_the_right_pixels(tmp_path, protocol):
    batch = make_batch(3, seed=0)
    images, labels = read_cifar10_batch(write_batch(tmp_path / "data_batch_1", batch, protocol))
    assert images.shape == (3, 32, 32, 3) and images.dtype == np.uint8
    assert labels.dtype == np.int64 and labels.tolist() == batch[b"labels"]
    data = batch[b"data"]
    for n, row, col in [(0, 0, 0), (1, 5, 7), (2, 31, 31)]:
        # plane c starts at c*1024; pixel (row, col) is at row*32 + col inside it
        expected = [data[n, c * 1024 + row * 32 + col] for c in range(3)]
        assert images[n, row, col].tolist() == expected
    assert images.flags.c_contiguous and images.flags.writeable


def test_str_keys_from_python3_repickling(tmp_path):
    batch = make_batch(2, seed=1)
    path = write_batch(tmp_path / "b", {"data": batch[b"data"], "labels": batch[b"labels"]})
    images, labels = read_cifar10_batch(path)
    assert images.shape == (2, 32, 32, 3) and labels.tolist() == batch[b"labels"]


@pytest.mark.parametrize("change, message", [
    (lambda b: b.pop(b"data"), "no 'data' entry"),
    (lambda b: b.pop(b"labels"), "no 'labels' entry"),
    (lambda b: b.__setitem__(b"data", b[b"data"].astype(np.float32)), "uint8 array"),
    (lambda b: b.__setitem__(b"data", b[b"data"][:, :100]), r"\(N, 3072\)"),
    (lambda b: b.__setitem__(b"labels", b[b"labels"][:-1]), "ints in 0..9"),
    (lambda b: b.__setitem__(b"labels", [10] * len(b[b"labels"])), "ints in 0..9"),
])
def test_wrong_structure_names_the_file(tmp_path, change, message):
    batch = make_batch(2, seed=2)
    change(batch)
    path = write_batch(tmp_path / "broken_batch", batch)
    with pytest.raises(ValueError, match=message) as info:
        read_cifar10_batch(path)
    assert str(path) in str(info.value)


def test_not_a_dict_and_unsafe_file(tmp_path):
    with pytest.raises(ValueError, match="expected a pickled dict"):
        read_cifar10_batch(write_batch(tmp_path / "list", [1, 2]))
    evil = tmp_path / "evil"
    evil.write_bytes(b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00trueq\x00\x85R.")
    with pytest.raises(ValueError, match="evil.*GLOBAL os.system"):
        read_cifar10_batch(evil)


def test_load_data_in_keras_layout(isolated, tmp_path):
    batches = write_cifar_folder(tmp_path / "c", n=2)
    (x_train, y_train), (x_test, y_test) = cifar10.load_data(tmp_path / "c")
    assert x_train.shape == (10, 32, 32, 3) and x_test.shape == (2, 32, 32, 3)
    assert y_train.shape == (10, 1) and y_test.shape == (2, 1)  # Keras keeps the trailing 1
    assert x_train.dtype == y_train.dtype == np.uint8
    expected = sum((b[b"labels"] for b in batches[:5]), [])  # data_batch_1 .. 5 in order
    assert y_train.ravel().tolist() == expected
    assert y_test.ravel().tolist() == batches[5][b"labels"]
    first, _ = read_cifar10_batch(tmp_path / "c" / "data_batch_3")
    np.testing.assert_array_equal(x_train[4:6], first)


def test_search_subfolder_env_and_keras_cache(isolated, tmp_path, monkeypatch):
    write_cifar_folder(isolated / ".keras" / "datasets" / "cifar-10-batches-py", n=1)
    assert load_cifar10()[0][0].shape == (5, 32, 32, 3)
    write_cifar_folder(tmp_path / "env" / "cifar-10-batches-py", n=2)
    monkeypatch.setenv("STRIATE_DATA", str(tmp_path / "env"))
    assert load_cifar10()[0][0].shape == (10, 32, 32, 3)
    write_cifar_folder(tmp_path / "arg" / "cifar-10-batches-py", n=3)
    assert load_cifar10(tmp_path / "arg")[0][0].shape == (15, 32, 32, 3)


def test_not_found(isolated, tmp_path):
    write_cifar_folder(tmp_path / "partial")
    os.remove(tmp_path / "partial" / "test_batch")
    with pytest.raises(DatasetNotFoundError, match="CIFAR-10 not found") as info:
        load_cifar10(tmp_path / "partial")
    assert "test_batch" in str(info.value) and str(tmp_path / "partial") in str(info.value)


def test_keras_namespace_and_class_names():
    assert datasets.cifar10.load_data is load_cifar10
    assert cifar10.CLASS_NAMES == ("airplane", "automobile", "bird", "cat", "deer",
                                   "dog", "frog", "horse", "ship", "truck")
