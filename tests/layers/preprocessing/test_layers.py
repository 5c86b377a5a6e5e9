"""The preprocessing layers' contract: shapes, configs, saving, gradients, the training rule, errors."""

import numpy as np
import pytest

import striate
from striate import layers as L
from striate.utils.resampling import resize_weights
from striate.tensor import Tensor
from tests.helpers import check_layer_contract

RNG = np.random.default_rng(0)
X = RNG.uniform(0, 1, (2, 6, 8, 3)).astype("float32")

ALL_LAYERS = [
    lambda: L.Rescaling(1 / 255, offset=0.5), lambda: L.Resizing(3, 4, interpolation="area"),
    lambda: L.Resizing(5, 5, pad_to_aspect_ratio=True, fill_value=1.0), lambda: L.CenterCrop(4, 4),
    lambda: L.RandomCrop(4, 5, seed=1), lambda: L.RandomFlip("vertical", seed=1),
    lambda: L.RandomRotation((-0.2, 0.1), fill_mode="wrap", seed=2), lambda: L.RandomTranslation(0.1, (0.0, 0.2)),
    lambda: L.RandomZoom(0.2, 0.3, fill_mode="constant", fill_value=0.5), lambda: L.RandomContrast(0.3),
    lambda: L.RandomBrightness((-0.1, 0.2), value_range=(0, 1)), lambda: L.RandomGrayscale(0.2, seed=3),
    lambda: L.Normalization(axis=-1), lambda: L.Normalization(mean=[0.1, 0.2, 0.3], variance=[1.0, 2.0, 3.0]),
]


@pytest.mark.parametrize("make", ALL_LAYERS)
def test_config_round_trip_and_symbolic_shape(make):
    layer = make()
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    symbolic = layer(striate.Input(shape=X.shape[1:]))
    assert symbolic.shape == (None,) + layer(X, training=False).shape[1:]


def test_layer_contracts():
    check_layer_contract(lambda: L.Rescaling(2.0, -1.0), (5, 4, 3), (5, 4, 3), 0)
    check_layer_contract(lambda: L.Resizing(3, 7), (5, 4, 2), (3, 7, 2), 0)
    check_layer_contract(lambda: L.Resizing(3, 3, crop_to_aspect_ratio=True), (5, 4, 2), (3, 3, 2), 0)
    check_layer_contract(lambda: L.CenterCrop(3, 2), (5, 4, 2), (3, 2, 2), 0)
    check_layer_contract(lambda: L.Normalization(mean=[1.0, 2.0], variance=[4.0, 0.5]), (5, 4, 2), (5, 4, 2), 0)
    check_layer_contract(lambda: L.Normalization(), (5, 4, 2), (5, 4, 2), 5)  # mean, variance (2 each), count


def test_gradients_of_the_random_layers_with_their_draws_fixed():
    x = RNG.uniform(0.2, 0.8, (2, 5, 6, 3))
    cases = [
        (L.RandomFlip(), {"flips": np.array([True, False]).reshape(2, 1, 1, 1)}),
        (L.RandomRotation(0.2), None), (L.RandomZoom(0.3), None), (L.RandomTranslation(0.2, 0.2), None),
        (L.RandomContrast(0.2, value_range=(-10, 10)), None), (L.RandomBrightness(0.1, value_range=(-10, 10)), None),
        (L.RandomGrayscale(), np.array([True, False]).reshape(2, 1, 1, 1)), (L.RandomCrop(3, 4), (1, 2)),
    ]
    with striate.backend.floatx_scope("float64"):
        for layer, draw in cases:
            draw = layer.get_random_transformation(x) if draw is None else draw
            assert striate.gradcheck(lambda t: layer.transform_images(t, draw, training=True), x), layer.name


def test_resize_weights_rows_sum_to_one_and_area_is_mean_pooling():
    for method in ("bilinear", "nearest", "area"):
        for n_in, n_out in ((7, 3), (3, 7), (5, 5)):
            np.testing.assert_allclose(resize_weights(n_in, n_out, method).sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(resize_weights(6, 3, "area"), np.kron(np.eye(3), [[0.5, 0.5]]), rtol=1e-12)
    y = L.Resizing(3, 4, interpolation="area")(X).data
    np.testing.assert_allclose(y, X.reshape(2, 3, 2, 4, 2, 3).mean(axis=(2, 4)), rtol=1e-5, atol=1e-6)


def test_random_layers_augment_when_called_directly_and_in_fit_not_in_predict():
    """Keras's rule: a random layer's call defaults to training=True; predict passes False."""
    flip = L.RandomFlip("horizontal", seed=0)
    outcomes = {bool((flip(X[:1]).data != X[:1]).any()) for _ in range(12)}
    assert outcomes == {True, False}
    model = striate.Sequential([striate.Input(X.shape[1:]), L.RandomFlip("horizontal", seed=0), L.Flatten(),
                                L.Dense(2)])
    np.testing.assert_array_equal(model.predict(X, verbose=0), model.predict(X, verbose=0))
    direct = {bool((model(X[:1]).data != model(X[:1], training=False).data).any()) for _ in range(12)}
    assert direct == {True, False}
    # inside fit the flip is active: a spy layer after it sees flipped images
    seen = []

    class Spy(L.Layer):
        def call(self, inputs, training=False):
            seen.append(inputs.data.copy())
            return inputs

    model = striate.Sequential([striate.Input(X.shape[1:]), L.RandomFlip("horizontal", seed=0), Spy(), L.Flatten(),
                                L.Dense(2)])
    model.compile("sgd", "mse")
    x = np.repeat(X[:1], 16, axis=0)
    model.fit(x, np.zeros((16, 2)), batch_size=16, epochs=1, verbose=0, shuffle=False)
    flipped = (seen[-1] == X[:1, :, ::-1]).all(axis=(1, 2, 3))
    assert 0 < flipped.sum() < 16
    assert ((seen[-1] == X[:1]).all(axis=(1, 2, 3)) | flipped).all()


def test_dropout_stays_off_when_a_model_is_called_directly():
    model = striate.Sequential([striate.Input((4,)), L.Dropout(0.5), L.Dense(2)])
    x = np.ones((3, 4), "float32")
    np.testing.assert_array_equal(model(x).data, model(x, training=False).data)


def test_seeds_make_draws_repeatable():
    a = L.RandomRotation(0.3, seed=7)(X).data
    b = L.RandomRotation(0.3, seed=7)(X).data
    np.testing.assert_array_equal(a, b)
    striate.utils.set_random_seed(3)
    c = L.RandomZoom(0.3)(X).data
    striate.utils.set_random_seed(3)
    np.testing.assert_array_equal(c, L.RandomZoom(0.3)(X).data)


def test_saved_model_with_augmentation_and_adapted_normalization(tmp_path):
    norm = L.Normalization()
    norm.adapt(X * 10 + 3)
    model = striate.Sequential([
        striate.Input(X.shape[1:]), L.Rescaling(10.0, 3.0), norm, L.RandomFlip(seed=1), L.RandomRotation(0.1),
        L.RandomZoom(0.1, fill_mode="nearest"), L.RandomContrast(0.2, value_range=(-5, 5)), L.CenterCrop(4, 6),
        L.Resizing(4, 4), L.Flatten(), L.Dense(3)])
    model.compile("adam", "mse")
    path = tmp_path / "augmented.keras"
    model.save(path)
    loaded = striate.models.load_model(path)
    assert [type(layer).__name__ for layer in loaded.layers] == [type(layer).__name__ for layer in model.layers]
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    np.testing.assert_array_equal(loaded.layers[1].adapt_mean.data, norm.adapt_mean.data)
    assert int(loaded.layers[1].count.data) == 2 * 6 * 8


def test_normalization_adapt_from_a_generator_and_bad_data():
    layer = L.Normalization()
    layer.adapt((X[i:i + 1], np.zeros(1)) for i in range(2))  # (x, y) tuples: x is used
    np.testing.assert_allclose(layer.adapt_mean.data, X.reshape(-1, 3).mean(0), rtol=1e-6)
    np.testing.assert_allclose(layer.adapt_variance.data, X.reshape(-1, 3).var(0), rtol=1e-5)
    before = layer.adapt_mean.data.copy()
    with pytest.raises(ValueError, match="batch 1 has shape"):
        layer.adapt([X, X[..., :2]])
    bad = X.copy()
    bad[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        layer.adapt(bad)
    with pytest.raises(ValueError, match="no data"):
        layer.adapt([])
    np.testing.assert_array_equal(layer.adapt_mean.data, before)  # a failed adapt changes nothing
    with pytest.raises(ValueError, match="both mean and variance"):
        L.Normalization(mean=1.0)


@pytest.mark.parametrize("make, match", [
    (lambda: L.RandomRotation(1.5), "factor"), (lambda: L.RandomZoom(-1.0), "height_factor"),
    (lambda: L.RandomTranslation(0.1, "x"), "width_factor"), (lambda: L.RandomContrast(-0.1), "factor"),
    (lambda: L.RandomRotation(0.1, fill_mode="mirror"), "fill_mode"),
    (lambda: L.RandomZoom(0.1, interpolation="bicubic"), "interpolation"),
    (lambda: L.Resizing(0, 3), "height"), (lambda: L.Resizing(3, 3, interpolation="lanczos3"), "interpolation"),
    (lambda: L.Resizing(3, 3, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True), "only one"),
    (lambda: L.RandomFlip("diagonal"), "mode"), (lambda: L.RandomBrightness(0.1, value_range=(0,)), "value_range"),
    (lambda: L.RandomGrayscale(2.0), "factor"), (lambda: L.CenterCrop(2, 2, data_format="nhwc"), "data_format"),
])
def test_bad_arguments_name_the_layer(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_inputs_name_the_layer():
    with pytest.raises(ValueError, match="RandomFlip .* got shape"):
        L.RandomFlip()(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="RandomGrayscale .*3 channels"):
        L.RandomGrayscale()(np.zeros((2, 3, 3, 1)))
    with pytest.raises(TypeError, match="seed"):
        L.RandomFlip(seed=1.5)


def test_single_images_and_channels_first():
    single = L.RandomRotation((0.25, 0.25), fill_mode="constant")(X[0]).data
    batch = L.RandomRotation((0.25, 0.25), fill_mode="constant")(X[:1]).data
    np.testing.assert_allclose(single, batch[0], rtol=1e-6, atol=1e-6)
    first = np.ascontiguousarray(X.transpose(0, 3, 1, 2))
    y = L.RandomZoom((-0.5, -0.5), data_format="channels_first")(first).data
    z = L.RandomZoom((-0.5, -0.5))(X).data
    np.testing.assert_allclose(y, z.transpose(0, 3, 1, 2), rtol=1e-6, atol=1e-6)
    assert L.Resizing(3, 4, data_format="channels_first").compute_output_shape((None, 3, 6, 8)) == (None, 3, 3, 4)


def test_rescaling_is_differentiable_inside_a_model():
    model = striate.Sequential([striate.Input((3,)), L.Dense(3), L.Rescaling(0.5, 1.0), L.Dense(1)])
    x = Tensor(RNG.standard_normal((4, 3)))
    with striate.backend.floatx_scope("float64"):
        model64 = striate.Sequential([striate.Input((3,)), L.Dense(3), L.Rescaling(0.5, 1.0), L.Dense(1)])
        assert striate.gradcheck(lambda t: model64(t), x.data, params=model64.trainable_weights)
    assert model(x).shape == (4, 1)
