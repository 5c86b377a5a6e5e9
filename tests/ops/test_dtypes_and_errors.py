"""Keras's dtype promotion (against ``keras.backend.result_type``), the Tensor-in/array-out contract,
and clear errors for unsupported arguments, dtypes and shapes."""

import itertools

import numpy as np
import pytest

import striate
from striate import ops
from striate.ops._dtypes import result_type

DTYPES = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64", "float16", "float32",
          "float64", int, float]


def test_result_type_matches_keras():
    from tests.ops.keras_oracle import load_keras
    keras = load_keras()
    checked = 0
    for a, b in itertools.product(DTYPES, repeat=2):
        ours = result_type(a, b)
        if "64" in ours:
            continue  # documented departure: striate keeps 64-bit results, Keras narrows them to 32 bits
        assert ours == keras.backend.result_type(a, b), (a, b)
        checked += 1
    assert checked > 120


def test_weak_python_numbers():
    assert ops.add(np.ones(2, "int8"), 3).dtype == np.int8
    assert ops.add(np.ones(2, "int8"), 3.0).dtype == np.float32
    assert ops.multiply(np.ones(2, "float16"), 3.0).dtype == np.float16
    assert ops.add(np.ones(2, "float64"), np.ones(2, "float32")).dtype == np.float64
    assert ops.add(np.ones(2, "int64"), np.ones(2, "float32")).dtype == np.float32
    assert ops.add(1, 2).dtype == np.int32 and ops.add(1, 2.0).dtype == np.float32
    with striate.backend.floatx_scope("float64"):
        assert ops.add(np.ones(2, "int32"), 0.5).dtype == np.float64 and ops.ones(2).dtype == np.float64


def test_tensors_in_tensors_out_arrays_otherwise():
    x = np.arange(6.0).reshape(2, 3)
    for fn in [ops.relu, ops.sum, ops.exp, lambda v: ops.add(v, 1), lambda v: ops.split(v, 3, axis=1)[0],
               lambda v: ops.top_k(v, 2)[1], ops.linalg.norm, lambda v: ops.image.resize(v[None, ..., None], (4, 4))]:
        assert isinstance(fn(x), np.ndarray)
        assert isinstance(fn(striate.Tensor(x)), striate.Tensor)
    assert isinstance(ops.add(2, 3), np.ndarray) and ops.add(2, 3).ndim == 0
    t = striate.Tensor(x, requires_grad=True)
    mixed = ops.matmul(x, ops.transpose(t))  # an array with a Tensor: a differentiable Tensor
    assert isinstance(mixed, striate.Tensor) and mixed.requires_grad
    ints = ops.add(striate.Tensor(np.arange(3)), 1)
    assert isinstance(ints, striate.Tensor) and not ints.requires_grad and ints.dtype == np.int64


BAD_CALLS = [  # (call, exception, words the message must contain)
    (lambda: ops.add(np.ones((2, 3)), np.ones((4,))), ValueError, ["add", "(2, 3)", "(4,)"]),
    (lambda: ops.matmul(np.ones((2, 3)), np.ones((4, 2))), ValueError, ["matmul", "align"]),
    (lambda: ops.sum(np.ones((2, 3)), axis=2), ValueError, ["sum", "axis 2"]),
    (lambda: ops.sum(np.ones(2), axis=1.5), TypeError, ["sum", "axis"]),
    (lambda: ops.reshape(np.ones(6), (4, 2)), ValueError, ["reshape", "(4, 2)"]),
    (lambda: ops.concatenate([np.ones((2, 3)), np.ones((3, 3))], axis=1), ValueError, ["concatenate"]),
    (lambda: ops.stack([]), ValueError, ["stack"]),
    (lambda: ops.take(np.ones(3), [5]), ValueError, ["take", "[-3, 3)"]),
    (lambda: ops.take(np.ones(3), [0.5]), TypeError, ["take", "integers"]),
    (lambda: ops.squeeze(np.ones((2, 3)), 0), ValueError, ["squeeze", "size 1"]),
    (lambda: ops.pad(np.ones(3), 1, mode="linear_ramp"), ValueError, ["pad", "mode"]),
    (lambda: ops.einsum("ij,jk", np.ones((2, 3))), ValueError, ["einsum", "2 operands"]),
    (lambda: ops.einsum("ij,jk", np.ones((2, 3)), np.ones((4, 2))), ValueError, ["einsum", "'j'"]),
    (lambda: ops.ones((2, -1)), ValueError, ["ones", "negative"]),
    (lambda: ops.ones((2,), dtype="bfloat16"), TypeError, ["bfloat16"]),
    (lambda: ops.cast(np.ones(2), "complex64"), TypeError, ["cast", "complex64"]),
    (lambda: ops.exp(np.array(["a"])), TypeError, ["exp", "dtype"]),
    (lambda: ops.exp(object()), TypeError, ["exp"]),
    (lambda: ops.split(np.ones(5), 2), ValueError, ["split", "equal parts"]),
    (lambda: ops.conv(np.ones((1, 5, 5, 3)), np.ones((3, 3, 2, 4))), ValueError, ["conv", "channels"]),
    (lambda: ops.conv(np.ones((1, 5, 5, 3)), np.ones((3, 3, 3, 4)), padding="causal"), ValueError, ["padding"]),
    (lambda: ops.conv(np.ones((5, 5, 3)), np.ones((3, 3, 3, 4))), ValueError, ["conv", "rank"]),
    (lambda: ops.max_pool(np.ones((1, 4, 4, 1)), 2, data_format="nhwc"), ValueError, ["data_format"]),
    (lambda: ops.depthwise_conv(np.ones((1, 5, 5, 3)), np.ones((3, 3, 2, 1))), ValueError, ["depthwise_conv"]),
    (lambda: ops.one_hot(np.array([0.5]), 3), TypeError, ["one_hot", "integer"]),
    (lambda: ops.one_hot(np.array([1]), 0), ValueError, ["one_hot", "num_classes"]),
    (lambda: ops.one_hot(np.array([1]), 3, sparse=True), ValueError, ["sparse"]),
    (lambda: ops.sparse_categorical_crossentropy(np.array([3]), np.ones((1, 3))), ValueError, ["[0, 3)"]),
    (lambda: ops.categorical_crossentropy(np.ones((2, 3)), np.ones((2, 4))), ValueError, ["one shape", "(2, 4)"]),
    (lambda: ops.linalg.inv(np.ones((2, 3))), ValueError, ["inv", "square"]),
    (lambda: ops.linalg.inv(np.zeros((2, 2))), ValueError, ["inv"]),
    (lambda: ops.linalg.cholesky(-np.eye(2)), ValueError, ["cholesky", "positive definite"]),
    (lambda: ops.linalg.eig(np.eye(2)), TypeError, ["eig", "complex"]),
    (lambda: ops.linalg.norm(np.ones((2, 2)), ord="nuc", axis=0), ValueError, ["norm", "matrices"]),
    (lambda: ops.linalg.svd(striate.Tensor(np.ones((3, 2)), requires_grad=True)), ValueError,
     ["svd", "full_matrices=False"]),
    (lambda: ops.image.resize(np.ones((4, 4, 1)), (2, 2), interpolation="lanczos3"), ValueError, ["interpolation"]),
    (lambda: ops.image.resize(np.ones((4, 4)), (2, 2)), ValueError, ["resize", "(N, H, W, C)"]),
    (lambda: ops.image.affine_transform(np.ones((1, 4, 4, 1)), np.ones(6)), ValueError, ["transform", "(8,)"]),
    (lambda: ops.image.crop_images(np.ones((1, 4, 4, 1)), 1, 1), ValueError, ["crop_images", "two"]),
    (lambda: ops.scatter(np.array([[5]]), np.ones(1), (3,)), ValueError, ["scatter", "out of range"]),
    (lambda: ops.slice(np.ones((3, 3)), (2, 2), (2, 2)), ValueError, ["slice", "does not fit"]),
    (lambda: ops.while_loop(lambda a, b: a < 2, lambda a, b: a + 1, (0, 0)), ValueError, ["while_loop"]),
    (lambda: ops.scan(lambda c, x: (c, x), 0), ValueError, ["scan", "xs or length"]),
    (lambda: ops.cond(np.ones(2), lambda: 0, lambda: 1), ValueError, ["cond", "single"]),
    (lambda: ops.top_k(np.ones(3), 4), ValueError, ["top_k", "k=4"]),
    (lambda: ops.moments(np.ones(3), [0], synchronized=True), ValueError, ["synchronized"]),
    (lambda: ops.dot_product_attention(np.ones((1, 2, 3, 4)), np.ones((1, 2, 2, 4)), np.ones((1, 2, 2, 4))),
     ValueError, ["dot_product_attention"]),
    (lambda: ops.normalize(np.ones(3), order=0), ValueError, ["normalize", "order"]),
    (lambda: ops.add(np.ones(2), [1, [2]]), TypeError, ["add"]),
    (lambda: ops.relu(np.ones(2), 3), TypeError, ["relu"]),
    (lambda: ops.custom_gradient(lambda x: x)(striate.Tensor([1.0])), TypeError, ["custom_gradient"]),
]


@pytest.mark.parametrize("call, error, words", BAD_CALLS, ids=[f"case{i}" for i in range(len(BAD_CALLS))])
def test_bad_input_raises_a_clear_error(call, error, words):
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value), f"{word!r} not in {info.value!s}"
