"""The restricted pickle reader: it must read what CIFAR's files and Python's
own pickler produce for plain data and NumPy arrays, and refuse everything
that could run code, without running it."""

import os
import pickle
import struct
import warnings

import numpy as np
import pytest

from striate.datasets._safe_pickle import loads


def python2_style_pickle(data, labels):
    """What Python 2's cPickle (protocol 2) wrote for CIFAR-10's batch dicts:
    str as SHORT_BINSTRING/BINSTRING, numpy.core.multiarray, dtype('u1', 0, 1)."""
    raw = data.tobytes()
    out = bytearray(b"\x80\x02}q\x01(")
    out += b"U\x04dataq\x02"
    out += b"cnumpy.core.multiarray\n_reconstruct\nq\x03cnumpy\nndarray\nq\x04K\x00\x85U\x01b\x87Rq\x05("
    out += b"K\x01M" + struct.pack("<H", data.shape[0]) + b"M" + struct.pack("<H", data.shape[1]) + b"\x86"
    out += b"cnumpy\ndtype\nq\x06U\x02u1K\x00K\x01\x87Rq\x07"
    out += b"(K\x03U\x01|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
    out += b"\x89T" + struct.pack("<i", len(raw)) + raw + b"tb"
    out += b"U\x06labelsq\x08]q\t(" + b"".join(b"K" + bytes([v]) for v in labels) + b"e"
    out += b"U\x0bbatch_labelq\nU\x15training batch 1 of 5q\x0b"
    out += b"U\tfilenamesq\x0c]q\r(U\x05a.pngq\x0eU\x05b.pngq\x0fe"
    out += b"u."
    return bytes(out)


def test_python2_cifar_style_pickle_matches_pickle_itself():
    data = np.arange(2 * 3072, dtype=np.uint32).reshape(2, 3072).astype(np.uint8)
    blob = python2_style_pickle(data, [3, 8])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy.core is deprecated in NumPy 2
        reference = pickle.loads(blob, encoding="bytes")  # our own bytes: safe to unpickle here
    result = loads(blob)
    assert result.keys() == reference.keys()
    np.testing.assert_array_equal(result[b"data"], reference[b"data"])
    assert result[b"data"].dtype == np.uint8
    assert result[b"labels"] == [3, 8] and result[b"filenames"] == [b"a.png", b"b.png"]
    assert result[b"batch_label"] == b"training batch 1 of 5"


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("array", [
    np.arange(12, dtype=np.uint8).reshape(3, 4),
    np.array([[1.5, -2.0], [3.25, 1e30]], dtype=">f8"),
    np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3)),
    np.array([True, False]),
    np.zeros((0, 5), dtype=np.int64),
    np.array(7, dtype=np.int16),
])
def test_arrays_round_trip(protocol, array):
    out = loads(pickle.dumps(array, protocol=protocol))
    assert out.dtype == array.dtype and out.shape == array.shape
    np.testing.assert_array_equal(out, array)


@pytest.mark.parametrize("protocol", [2, 3])
def test_plain_data_round_trips(protocol):
    value = {b"k": [1, -1, 300, 70000, -(2 ** 40), 2 ** 70], "s": ("é", b"\x00\xff", None, True, False),
             1: [], "t": (), "big": list(range(2000))}
    assert loads(pickle.dumps(value, protocol=protocol)) == value


def test_shared_array_and_dtype_through_the_memo():
    a = np.arange(3, dtype=np.uint8)
    value = {b"a": a, b"same": a, b"b": np.arange(4, dtype=np.uint8)}  # dtype pickled once, then BINGET
    out = loads(pickle.dumps(value, protocol=2))
    assert out[b"a"] is out[b"same"]
    np.testing.assert_array_equal(out[b"b"], np.arange(4))


class Exploit:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (os.mkdir, (self.target,))


@pytest.mark.parametrize("protocol", [0, 1, 2, 3, 4, 5])
def test_code_execution_is_refused_and_nothing_runs(tmp_path, protocol):
    target = str(tmp_path / "pwned")
    blob = pickle.dumps({b"data": Exploit(target)}, protocol=protocol)
    with pytest.raises(ValueError, match="not allowed|protocol"):
        loads(blob)
    assert not os.path.exists(target)


@pytest.mark.parametrize("blob, opcode", [
    (b"\x80\x02cos\nsystem\n.", "GLOBAL os.system"),
    (b"\x80\x02cbuiltins\neval\n.", "GLOBAL builtins.eval"),
    (b"\x80\x02X\x02\x00\x00\x00osX\x06\x00\x00\x00system\x93.", "STACK_GLOBAL"),
    (b"\x80\x02(ios\nsystem\n.", "INST"),
    (b"\x80\x02(o.", "OBJ"),
    (b"\x80\x02}X\x01\x00\x00\x00a\x81.", "NEWOBJ"),
    (b"\x80\x02}}b.", "BUILD"),
    (b"\x80\x02\x82\x01.", "EXT1"),
    (b"\x80\x02X\x01\x00\x00\x00aQ.", "BINPERSID"),
    (b"\x80\x02G?\xf0\x00\x00\x00\x00\x00\x00.", "BINFLOAT"),
    (b"\x80\x04\x95\x01\x00\x00\x00\x00\x00\x00\x00N.", "protocol"),
])
def test_opcodes_outside_the_whitelist(blob, opcode):
    with pytest.raises(ValueError, match=opcode):
        loads(blob)


def test_reduce_on_whitelisted_names_with_other_arguments():
    # numpy.dtype with an object type, and _codecs.encode with another codec
    with pytest.raises(ValueError, match="REDUCE"):
        loads(b"\x80\x02cnumpy\ndtype\nX\x02\x00\x00\x00O8\x89\x88\x87R.")
    with pytest.raises(ValueError, match="REDUCE"):
        loads(b"\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00aX\x05\x00\x00\x00utf-8\x86R.")
    with pytest.raises(ValueError, match="REDUCE"):
        loads(b"\x80\x02cnumpy\nndarray\n)R.")  # ndarray may appear only as _reconstruct's argument


def test_object_and_structured_arrays_are_refused():
    with pytest.raises(ValueError):
        loads(pickle.dumps(np.array([1, "a"], dtype=object), protocol=2))
    with pytest.raises(ValueError):
        loads(pickle.dumps(np.zeros(2, dtype=[("a", "u1"), ("b", "f4")]), protocol=2))


def test_raw_data_must_fill_the_declared_shape():
    blob = pickle.dumps(np.arange(6, dtype=np.uint8).reshape(2, 3), protocol=2)
    # claim 3 rows instead of 2: BININT1 2 inside the shape tuple becomes 3
    bad = blob.replace(b"K\x02K\x03\x86", b"K\x03K\x03\x86", 1)
    assert bad != blob
    with pytest.raises(ValueError, match="do not fill"):
        loads(bad)


def test_bare_and_unfinished_objects_are_not_data():
    with pytest.raises(ValueError, match="container"):
        loads(b"\x80\x02cnumpy\nndarray\n.")  # a bare GLOBAL as the result
    with pytest.raises(ValueError, match="container"):
        loads(b"\x80\x02]cnumpy\ndtype\nX\x02\x00\x00\x00u1\x89\x88\x87Ra.")  # dtype never BUILT, put in a list


@pytest.mark.parametrize("cut", [1, 3, 10, 40, -2])
def test_truncated_pickles(cut):
    blob = pickle.dumps({b"data": np.arange(10, dtype=np.uint8), b"labels": [1, 2]}, protocol=2)
    with pytest.raises(ValueError):
        loads(blob[:cut])


@pytest.mark.parametrize("blob", [b"\x80\x02.", b"\x80\x02e.", b"\x80\x02h\x05.", b"\x80\x02Nu.", b"\x80\x02N\x86."])
def test_malformed_stacks(blob):
    with pytest.raises(ValueError, match="malformed|SETITEM|APPEND"):
        loads(blob)
