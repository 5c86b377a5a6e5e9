import gzip
import time

import numpy as np
import pytest

from striate.datasets.idx import read_idx, read_idx_images_labels


@pytest.mark.parametrize("gz", [False, True])
def test_reads_uint8_images(tmp_path, gz, idx):
    images = np.random.default_rng(0).integers(0, 256, (4, 28, 28), dtype=np.uint8)
    path = idx.write(tmp_path / "images-idx3-ubyte", idx.bytes(images), gz=gz)
    out = read_idx(path)
    assert out.dtype == np.uint8 and out.shape == (4, 28, 28)
    np.testing.assert_array_equal(out, images)
    out[0, 0, 0] = 1  # Keras's arrays are writable; ours must be too


@pytest.mark.parametrize("dtype", [">i2", ">i4", ">f4", ">f8", "i1"])
def test_big_endian_types_come_back_native(tmp_path, dtype, idx):
    values = np.array([[-3, 0, 7], [100, -100, 42]], dtype=np.dtype(dtype).newbyteorder("="))
    path = idx.write(tmp_path / "values.idx", idx.bytes(values, dtype))
    out = read_idx(path)
    assert out.dtype.isnative and out.dtype == values.dtype
    np.testing.assert_array_equal(out, values)


def test_gzip_is_detected_by_content_not_name(tmp_path, idx):
    labels = np.arange(10, dtype=np.uint8)
    path = idx.write(tmp_path / "labels-no-suffix", idx.bytes(labels), gz=True)
    np.testing.assert_array_equal(read_idx(path), labels)


def test_real_fashion_mnist_header_layout():
    # The documented header of the real train-labels file: magic 2049, 60000 items.
    path = "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz"
    try:
        header = gzip.open(path).read(8)
    except FileNotFoundError:
        pytest.skip("dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist)")
    assert header == bytes([0, 0, 8, 1]) + (60000).to_bytes(4, "big")
    assert read_idx(path).shape == (60000,)


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("cut", [2, 6, 8 + 28 * 28 * 2 - 1])  # inside magic, inside dims, inside data
def test_truncated_file_names_file_and_problem(tmp_path, gz, cut, idx):
    data = idx.bytes(np.zeros((2, 28, 28), np.uint8))[:cut]
    path = idx.write(tmp_path / "cut-idx3-ubyte", data, gz=gz)
    with pytest.raises(ValueError, match="truncated") as info:
        read_idx(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("gz", [False, True])
def test_extra_bytes_are_an_error(tmp_path, gz, idx):
    data = idx.bytes(np.zeros(5, np.uint8)) + b"\x00"
    path = idx.write(tmp_path / "long-idx1", data, gz=gz)
    with pytest.raises(ValueError, match="corrupt|extra"):
        read_idx(path)


def test_bad_magic(tmp_path, idx):
    data = b"\x01\x02" + idx.bytes(np.zeros(3, np.uint8))[2:]
    path = idx.write(tmp_path / "bad", data)
    with pytest.raises(ValueError, match="magic number") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_not_an_idx_file_at_all(tmp_path, idx):
    path = idx.write(tmp_path / "text.txt", b"hello, world\n")
    with pytest.raises(ValueError, match="magic number"):
        read_idx(path)


def test_unknown_dtype_code(tmp_path, idx):
    data = bytearray(idx.bytes(np.zeros(3, np.uint8)))
    data[2] = 0x07
    with pytest.raises(ValueError, match="dtype code 0x07"):
        read_idx(idx.write(tmp_path / "code", bytes(data)))


def test_zero_dimensions(tmp_path, idx):
    with pytest.raises(ValueError, match="0 dimensions"):
        read_idx(idx.write(tmp_path / "scalar", bytes([0, 0, 8, 0, 1])))


@pytest.mark.parametrize("gz", [False, True])
def test_huge_declared_dims_fail_fast_without_allocating(tmp_path, gz, idx):
    # 3 dims of 2**32 - 1: ~7.9e28 bytes declared, 10 bytes present.
    header = bytes([0, 0, 0x0E, 3]) + b"\xff\xff\xff\xff" * 3
    path = idx.write(tmp_path / "huge", header + bytes(10), gz=gz)
    start = time.perf_counter()
    with pytest.raises(ValueError, match="declares") as info:
        read_idx(path)
    assert time.perf_counter() - start < 0.5
    assert str(path) in str(info.value)


def test_gzip_truncated_within_plausible_size(tmp_path, idx):
    # Declares 200,000 bytes; a gzip of 150,000 zero bytes is small enough that the
    # size bound alone cannot reject it, so the chunked reader must notice.
    header = bytes([0, 0, 8, 1]) + (200_000).to_bytes(4, "big")
    path = idx.write(tmp_path / "short.gz", header + bytes(150_000), gz=True)
    with pytest.raises(ValueError, match="declares 200000 data bytes but the file holds 150000"):
        read_idx(path)


def test_cut_gzip_stream(tmp_path, idx):
    compressed = gzip.compress(idx.bytes(np.arange(5000, dtype=np.uint8).reshape(50, 100) % 7))
    path = tmp_path / "cut.gz"
    path.write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(ValueError, match="truncated"):
        read_idx(path)


def test_corrupt_gzip_stream(tmp_path, idx):
    compressed = bytearray(gzip.compress(idx.bytes(np.arange(200, dtype=np.uint8))))
    compressed[12:20] = b"\xff" * 8  # garble the deflate data
    path = tmp_path / "garbled.gz"
    path.write_bytes(bytes(compressed))
    with pytest.raises(ValueError, match="garbled.gz"):
        read_idx(path)


def test_missing_file():
    with pytest.raises(FileNotFoundError):
        read_idx("/nonexistent/train-images-idx3-ubyte")


def test_images_labels_pair_checks(tmp_path, idx):
    images = idx.write(tmp_path / "i", idx.bytes(np.zeros((3, 4, 4), np.uint8)))
    labels = idx.write(tmp_path / "l", idx.bytes(np.zeros(3, np.uint8)))
    short_labels = idx.write(tmp_path / "l2", idx.bytes(np.zeros(2, np.uint8)))
    flat_images = idx.write(tmp_path / "i2", idx.bytes(np.zeros((3, 16), np.uint8)))
    x, y = read_idx_images_labels(images, labels)
    assert x.shape == (3, 4, 4) and y.shape == (3,)
    with pytest.raises(ValueError, match="3 images but .* 2 labels"):
        read_idx_images_labels(images, short_labels)
    with pytest.raises(ValueError, match=r"\(N, H, W\)"):
        read_idx_images_labels(flat_images, labels)
    with pytest.raises(ValueError, match=r"labels \(N,\)"):
        read_idx_images_labels(images, images)
