"""Property tests (hypothesis, from the test extras): the IDX reader and the safe
pickle reader agree with independent encoders on arbitrary inputs."""

import gzip
import pickle
import struct

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from striate.datasets._safe_pickle import loads  # noqa: E402
from striate.datasets.idx import read_idx  # noqa: E402

IDX_TYPES = [(0x08, "u1"), (0x09, "i1"), (0x0B, ">i2"), (0x0C, ">i4"), (0x0D, ">f4"), (0x0E, ">f8")]


@st.composite
def idx_arrays(draw):
    code, dtype = draw(st.sampled_from(IDX_TYPES))
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5))
    array = draw(hnp.arrays(np.dtype(dtype), shape, elements={"allow_nan": False} if "f" in dtype else None))
    return code, array


@settings(max_examples=60, deadline=None)
@given(idx_arrays(), st.booleans())
def test_idx_round_trip(tmp_path_factory, case, gz):
    code, array = case
    data = struct.pack(">HBB", 0, code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()
    path = tmp_path_factory.mktemp("idx") / "a"
    path.write_bytes(gzip.compress(data) if gz else data)
    out = read_idx(path)
    assert out.shape == array.shape and out.dtype.isnative
    np.testing.assert_array_equal(out, array)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 60), st.binary(min_size=1, max_size=1))
def test_idx_corruption_gives_value_error_never_anything_else(position, byte):
    data = bytearray(struct.pack(">HBBII", 0, 0x08, 2, 3, 4) + bytes(range(12)))
    if position < len(data):
        data[position] = byte[0]
    else:
        data = data[: position % len(data)]  # truncation instead
    import os
    import tempfile
    fd, name = tempfile.mkstemp()
    with os.fdopen(fd, "wb") as f:
        f.write(bytes(data))
    try:
        read_idx(name)
    except ValueError:
        pass
    finally:
        os.remove(name)


plain_data = st.recursive(
    st.none() | st.booleans() | st.integers(-(2 ** 70), 2 ** 70) | st.text(max_size=8) | st.binary(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.tuples(children, children)
    | st.dictionaries(st.binary(max_size=4) | st.text(max_size=4), children, max_size=4),
    max_leaves=20)


@settings(max_examples=150, deadline=None)
@given(plain_data, st.sampled_from([2, 3]))
def test_safe_pickle_agrees_with_pickle_on_plain_data(value, protocol):
    assert loads(pickle.dumps(value, protocol=protocol)) == value


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=64))
def test_safe_pickle_random_bytes_raise_value_error_only(blob):
    try:
        loads(b"\x80\x02" + blob)
    except ValueError:
        pass
