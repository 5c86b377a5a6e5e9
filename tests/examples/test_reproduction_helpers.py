"""Unit tests of the helpers behind the reproduction scripts (``examples/_common.py``, the
1989 network's custom layers) and of Keras's feature-extractor pattern
``Model(inputs=model.inputs, outputs=model.get_layer(name).output)``."""

import doctest
import importlib
import sys
from pathlib import Path

import numpy as np
import pytest

import striate as keras
from striate import applications

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def ex():
    """The example modules, imported from ``examples/``."""
    sys.path.insert(0, str(EXAMPLES))
    try:
        yield {name: importlib.import_module(name) for name in ("_common", "lecun1989", "fashion_mnist_cifar_cnn")}
    finally:
        sys.path.remove(str(EXAMPLES))


def test_common_doctests(ex):
    result = doctest.testmod(ex["_common"])
    assert result.attempted > 0 and result.failed == 0


# ---- random_shifts ------------------------------------------------------------------------
def _shift_reference(image, dy, dx, fill):
    out = np.full_like(image, fill)
    h, w = image.shape[:2]
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        image[max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


@pytest.mark.parametrize("shape", [(40, 7, 9), (40, 6, 5, 3)])
def test_random_shifts_are_whole_pixel_shifts_with_fill(ex, shape):
    x = np.random.default_rng(0).random(shape).astype("float32")
    y = ex["_common"].random_shifts(x, 2, seed=5, fill=-1.0)
    assert y.shape == x.shape and y.dtype == x.dtype
    seen = set()
    for image, shifted in zip(x, y):
        matches = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)
                   if np.array_equal(shifted, _shift_reference(image, dy, dx, -1.0))]
        assert len(matches) == 1
        seen.add(matches[0])
    assert len(seen) > 5  # the shifts vary from image to image


def test_random_shifts_zero_and_seed(ex):
    rs = ex["_common"].random_shifts
    x = np.arange(2 * 5 * 5, dtype="float32").reshape(2, 5, 5)
    assert np.array_equal(rs(x, 0, seed=0), x)
    assert np.array_equal(rs(x, 1, seed=3), rs(x, 1, seed=3))
    with pytest.raises(ValueError, match="random_shifts"):
        rs(x[0], 1)
    with pytest.raises(ValueError, match="max_shift"):
        rs(x, -1)


def test_random_shifts_shift_covers_the_whole_range(ex):
    x = np.zeros((2000, 5, 5), "float32")
    x[:, 2, 2] = 1.0  # one bright pixel in the centre: its new place is the shift
    y = ex["_common"].random_shifts(x, 2, seed=0)
    rows, cols = np.nonzero(y.sum(axis=2))[1], np.nonzero(y.sum(axis=1))[1]
    assert set(rows - 2) == set(range(-2, 3)) and set(cols - 2) == set(range(-2, 3))
    assert np.all(y.sum(axis=(1, 2)) == 1.0)  # a 2-pixel shift of the centre never leaves a 5x5 image


# ---- LeCun's 1989 initialisation ----------------------------------------------------------------
@pytest.mark.parametrize("shape, fan_in", [((5, 5, 1, 12), 25), ((192, 30), 192), ((30, 10), 30)])
@pytest.mark.parametrize("power", [1.0, 0.5])
def test_lecun1989_uniform_statistics(ex, shape, fan_in, power):
    init = ex["_common"].LeCun1989Uniform(2.4, power=power, seed=0)
    limit = 2.4 / fan_in ** power
    assert init.limit(shape) == pytest.approx(limit)
    big = ex["_common"].LeCun1989Uniform(2.4, power=power, fan_in=fan_in, seed=1)((200_000,))
    assert np.abs(big).max() <= limit
    assert big.mean() == pytest.approx(0.0, abs=0.01 * limit)
    assert big.std() == pytest.approx(limit / np.sqrt(3.0), rel=0.01)  # uniform(-a, a): std a / sqrt(3)
    assert init(shape).dtype == np.float32 and np.array_equal(init(shape), init(shape))


def test_lecun1989_uniform_fan_in_override(ex):
    init = ex["_common"].LeCun1989Uniform(fan_in=200, seed=0)
    assert init.limit((5, 5, 8, 4)) == pytest.approx(2.4 / 200)


# ---- per_class_subset -------------------------------------------------------------------------
def test_per_class_subset(ex):
    y = np.repeat(np.arange(10), 40)[np.random.default_rng(0).permutation(400)]
    idx = ex["_common"].per_class_subset(y, 7, seed=3)
    assert len(idx) == 70 and len(set(idx.tolist())) == 70
    assert np.bincount(y[idx]).tolist() == [7] * 10
    assert np.array_equal(idx, ex["_common"].per_class_subset(y, 7, seed=3))
    assert not np.array_equal(idx, ex["_common"].per_class_subset(y, 7, seed=4))
    with pytest.raises(ValueError, match="only 40"):
        ex["_common"].per_class_subset(y, 41)


# ---- the 1989 network's pieces ------------------------------------------------------------------
def test_lecun1989_parameter_counts(ex):
    assert ex["lecun1989"].lecun1989_model("sparse").count_params() == 9760  # the paper's count
    assert ex["lecun1989"].lecun1989_model("full").count_params() == 1068 + 3792 + 5790 + 310


def test_scaled_tanh_maps_one_to_one(ex):
    y = ex["lecun1989"].scaled_tanh(keras.Tensor(np.array([-1.0, 0.0, 1.0])))
    assert np.allclose(y.data, [-1.0, 0.0, 1.0], atol=1e-3)


def test_constant_padding_and_sparse_h2_inputs(ex):
    model = ex["lecun1989"].lecun1989_model("sparse")
    x = np.random.default_rng(0).uniform(-1, 1, (3, 16, 16, 1)).astype("float32")
    pad1 = keras.Model(inputs=model.inputs, outputs=model.get_layer("pad1").output).predict(x, verbose=0)
    assert pad1.shape == (3, 20, 20, 1)
    np.testing.assert_allclose(pad1[:, 2:18, 2:18], x, atol=1e-6)  # (x + 1) - 1 rounds
    assert np.all(pad1[:, :2] == -1.0) and np.all(pad1[:, :, -2:] == -1.0)
    pad2 = keras.Model(inputs=model.inputs, outputs=model.get_layer("pad2").output).predict(x, verbose=0)
    for g, maps in enumerate(ex["lecun1989"].H2_GROUPS):
        sub = keras.Model(inputs=model.inputs, outputs=model.get_layer(f"h2_in{g}").output).predict(x, verbose=0)
        assert np.array_equal(sub, pad2[..., list(maps)])


def test_unit_bias_has_one_bias_per_unit(ex):
    model = ex["lecun1989"].lecun1989_model()
    assert model.get_layer("h1_bias").get_weights()[0].shape == (8, 8, 12)
    assert model.get_layer("h2_bias").get_weights()[0].shape == (4, 4, 12)


def test_lecun1989_trains_with_batch_size_one(ex):
    model = ex["lecun1989"].lecun1989_model()
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (20, 16, 16, 1)).astype("float32")
    t = 2.0 * keras.utils.to_categorical(rng.integers(0, 10, 20), 10) - 1.0
    model.compile(optimizer=keras.optimizers.SGD(0.03), loss="mean_squared_error")
    before = model.evaluate(x, t, verbose=0)
    model.fit(x, t, batch_size=1, epochs=3, verbose=0)
    assert model.evaluate(x, t, verbose=0) < before


# ---- the feature-extractor pattern --------------------------------------------------------------
def test_feature_extractor_equals_intermediate_activation_sequential():
    model = applications.lenet5()
    x = np.random.default_rng(0).random((6, 28, 28, 1)).astype("float32")
    extractor = keras.Model(inputs=model.inputs, outputs=model.get_layer("fc2").output)
    features = extractor.predict(x, verbose=0)
    h = keras.Tensor(x)  # the full model's layers run one by one, up to fc2
    for layer in model.layers:
        h = layer(h)
        if layer.name == "fc2":
            break
    assert features.shape == (6, 84)
    # Not bit-identical (docs/determinism.md): predict splits the batch over striate's threads
    # with a single-threaded BLAS, the direct calls run whole-batch multi-threaded GEMMs, and
    # OpenBLAS may round those differently (seen: 1.7e-7 on AMD EPYC). Float32 rounding over
    # five layers whose sums have up to 400 terms: a few ulps of the largest value.
    np.testing.assert_allclose(features, h.data, rtol=1e-5, atol=1e-6 * np.abs(h.data).max())
    # ... and the rest of the full model on those features gives the full model's output
    np.testing.assert_allclose(model.get_layer("output")(keras.Tensor(features)).data,
                               model.predict(x, verbose=0), rtol=1e-6, atol=1e-7)


def test_feature_extractor_equals_intermediate_activation_functional(ex):
    model = ex["lecun1989"].lecun1989_model()
    x = np.random.default_rng(1).uniform(-1, 1, (5, 16, 16, 1)).astype("float32")
    h3 = keras.Model(inputs=model.inputs, outputs=model.get_layer("h3").output).predict(x, verbose=0)
    flat = keras.Model(inputs=model.inputs, outputs=model.get_layer("flatten").output).predict(x, verbose=0)
    w, b = model.get_layer("h3").get_weights()
    np.testing.assert_allclose(h3, np.tanh(flat @ w + b), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.get_layer("output")(keras.Tensor(h3)).data, model.predict(x, verbose=0),
                               rtol=1e-6, atol=1e-7)


def test_frozen_extractor_does_not_change_while_the_head_trains():
    base = applications.lenet5()
    extractor = keras.Model(inputs=base.inputs, outputs=base.get_layer("fc2").output)
    extractor.trainable = False
    inputs = keras.Input(shape=(28, 28, 1))
    outputs = keras.layers.Dense(10, activation="softmax")(extractor(inputs, training=False))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    before = [w.copy() for w in base.get_weights()]
    x = np.random.default_rng(0).random((16, 28, 28, 1)).astype("float32")
    model.fit(x, np.arange(16) % 10, epochs=2, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, base.get_weights()))
    assert len(model.trainable_weights) == 2


def test_torch_copy_of_cifar_cnn_gives_the_same_outputs(ex):
    torch = pytest.importorskip("torch")
    model = applications.cifar_cnn(input_shape=(28, 28, 1))
    net = ex["fashion_mnist_cifar_cnn"].torch_network(torch)
    ex["fashion_mnist_cifar_cnn"].copy_weights_to_torch(model, net, torch)
    net.eval()
    x = np.random.default_rng(0).random((4, 28, 28, 1)).astype("float32")
    with torch.no_grad():
        theirs = torch.softmax(net(torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))), 1).numpy()
    np.testing.assert_allclose(model.predict(x, verbose=0), theirs, atol=1e-5)
