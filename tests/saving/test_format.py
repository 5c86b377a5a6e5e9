"""The safetensors container: every dtype round-trips, and every rule of the parser holds."""

import io
import json
import struct

import numpy as np
import pytest

from striate.saving import ModelFileError
from striate.saving.format import DTYPES, MAX_HEADER_BYTES, parse_bytes, write_tensors


def _write(tensors, metadata=None):
    buffer = io.BytesIO()
    write_tensors(buffer, tensors, metadata or {})
    return buffer.getvalue()


def _raw(header, data=b""):
    """A file from a header dict and data, with no checksum (as another tool would write it)."""
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


@pytest.mark.parametrize("dtype", [np.dtype(v) for v in DTYPES.values()])
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 0, 3), (2, 3, 4)])
def test_every_dtype_and_shape_round_trips(dtype, shape):
    rng = np.random.default_rng(0)
    array = (rng.normal(size=shape) * 100).astype(dtype)
    _, out = parse_bytes(_write({"t": array}))
    assert out["t"].dtype == array.dtype.newbyteorder("=") and out["t"].shape == shape
    assert out["t"].tobytes() == array.tobytes()


def test_layout_is_safetensors():
    content = _write({"b": np.arange(3, dtype=">i4"), "a": np.ones((2, 2), "float64")[:, ::-1]}, {"k": "v"})
    n = struct.unpack("<Q", content[:8])[0]
    assert n % 8 == 0
    header = json.loads(content[8:8 + n])
    assert header["b"] == {"dtype": "I32", "shape": [3], "data_offsets": [0, 12]}
    assert header["a"] == {"dtype": "F64", "shape": [2, 2], "data_offsets": [12, 44]}
    assert header["__metadata__"]["k"] == "v" and header["__metadata__"]["checksum"].startswith("sha256:")
    assert content[8 + n:8 + n + 12] == np.arange(3, dtype="<i4").tobytes()  # always little-endian
    _, out = parse_bytes(content)
    assert out["b"].tolist() == [0, 1, 2] and out["a"].flags.writeable


def test_writer_refuses_what_it_cannot_store():
    for bad in (np.array(["text"]), np.array([1j]), np.array([object()], dtype=object)):
        with pytest.raises(TypeError, match="cannot store"):
            _write({"t": bad})
    with pytest.raises(ValueError):
        _write({"__metadata__": np.zeros(1)})
    with pytest.raises(TypeError):
        _write({}, {"k": 1})


REFUSED = [
    (b"", "too short"),
    (struct.pack("<Q", 2**63) + b"{}", "declares a header of"),
    (struct.pack("<Q", MAX_HEADER_BYTES + 8) + b" " * 8, "declares a header of"),
    (struct.pack("<Q", 1) + b"{", "declares a header of"),
    (struct.pack("<Q", 4) + b"[  ]", "corrupt header"),
    (struct.pack("<Q", 2) + b"\xff}", "corrupt header"),
    (_raw({"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"1234")[:-1], "outside the file"),
    (_raw({"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"12345"), "cover 4 bytes"),
    (_raw({"t": {"dtype": "O", "shape": [1], "data_offsets": [0, 8]}}, b"12345678"), "dtype 'O'"),
    (_raw({"t": {"dtype": "BF16", "shape": [1], "data_offsets": [0, 2]}}, b"12"), "dtype 'BF16'"),
    (_raw({"t": {"dtype": "F32", "shape": [2**40, 2**40], "data_offsets": [0, 4]}}, b"1234"), "declares shape"),
    (_raw({"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 2**62]}}, b"1234"), "outside the file"),
    (_raw({"t": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"1234"), "invalid shape"),
    (_raw({"t": {"dtype": "F32", "shape": [True], "data_offsets": [0, 4]}}, b"1234"), "invalid shape"),
    (_raw({"t": {"dtype": "F32", "shape": [1] * 40, "data_offsets": [0, 4]}}, b"1234"), "invalid shape"),
    (_raw({"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "x": 1}}, b"1234"), "exactly"),
    (_raw({"a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]},
           "b": {"dtype": "U8", "shape": [2], "data_offsets": [1, 3]}}, b"123"), "overlaps"),
    (_raw({"a": {"dtype": "U8", "shape": [1], "data_offsets": [1, 2]}}, b"12"), "gap"),
    (_raw({"__metadata__": {"k": 1}}), "must map strings"),
    (_raw({"__metadata__": {"format": "striate.model"}}), "no checksum"),
    (struct.pack("<Q", 16) + b'{"a":1, "a":2}  ', "duplicate keys"),
    (struct.pack("<Q", 8) + b'{"a":NaN', "corrupt header"),
    (b"PK\x03\x04" + b"\x00" * 100, "zip archive"),
    (b"\x80\x04\x95" + b"\x00" * 100, "pickle"),
    (b"\x89HDF\r\n\x1a\n" + b"\x00" * 100, "HDF5"),
]


@pytest.mark.parametrize("content, message", REFUSED, ids=[f"{i}-{m}" for i, (_, m) in enumerate(REFUSED)])
def test_parser_refuses(content, message):
    with pytest.raises(ModelFileError, match=message):
        parse_bytes(content)


def test_checksum_catches_any_data_change():
    content = bytearray(_write({"t": np.arange(4, dtype="float32")}, {"format": "striate.weights"}))
    content[-1] ^= 1
    with pytest.raises(ModelFileError, match="checksum"):
        parse_bytes(content)


def test_files_of_other_tools_need_no_checksum():
    content = _raw({"t": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]}}, b"\x01\x02")
    assert parse_bytes(content)[1]["t"].tolist() == [1, 2]
