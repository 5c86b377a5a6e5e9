"""SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout, ActivityRegularization."""

import numpy as np
import pytest

import striate
from striate import backend
from striate.layers import (ActivityRegularization, Dense, GaussianDropout, GaussianNoise, Input, SpatialDropout1D,
                            SpatialDropout2D, SpatialDropout3D)
from striate.saving.serialization import deserialize_layer, serialize_layer
from tests.helpers import check_layer_contract


@pytest.mark.parametrize("cls, shape, channel_axis, data_format", [
    (SpatialDropout1D, (8, 5, 16), 2, None),
    (SpatialDropout2D, (8, 4, 5, 16), 3, None),
    (SpatialDropout2D, (8, 16, 4, 5), 1, "channels_first"),
    (SpatialDropout3D, (8, 3, 4, 2, 16), 4, None),
    (SpatialDropout3D, (8, 16, 3, 4, 2), 1, "channels_first"),
])
def test_spatial_dropout_drops_whole_channels(cls, shape, channel_axis, data_format):
    kwargs = {} if data_format is None else {"data_format": data_format}
    layer = cls(0.5, seed=3, **kwargs)
    x = np.random.default_rng(0).uniform(1.0, 2.0, shape).astype("float32")
    np.testing.assert_array_equal(layer(x).data, x)                  # inference: identity
    y = layer(x, training=True).data
    ratio = y / x                                                    # 0 or 1 / (1 - rate) = 2
    assert set(np.unique(ratio).round(5).tolist()) == {0.0, 2.0}
    # Constant over every spatial axis: one decision per (sample, channel).
    spatial = tuple(i for i in range(len(shape)) if i not in (0, channel_axis))
    assert (ratio.min(axis=spatial) == ratio.max(axis=spatial)).all()
    kept = (ratio.max(axis=spatial) > 0).mean()
    assert 0.3 < kept < 0.7


def test_spatial_dropout_gradient_and_contract():
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 5))
    with backend.floatx_scope("float64"):
        layer = SpatialDropout2D(0.4, seed=0)
        # Same mask in every evaluation: a fresh layer with the same seed per call.
        assert striate.gradcheck(lambda t: SpatialDropout2D(0.4, seed=0)(t, training=True), x)
        t = striate.Tensor(x, requires_grad=True)
        y = layer(t, training=True)
        y.backward(np.ones_like(x))
        np.testing.assert_allclose(t.grad, y.data / np.where(x == 0, 1, x))  # mask * 1/(1-rate)
    check_layer_contract(lambda: SpatialDropout1D(0.3), (5, 4), (5, 4), 0)
    check_layer_contract(lambda: SpatialDropout2D(0.3), (3, 5, 4), (3, 5, 4), 0)
    check_layer_contract(lambda: SpatialDropout3D(0.3), (2, 3, 2, 4), (2, 3, 2, 4), 0)


def test_spatial_dropout_in_fit_is_active_only_while_training():
    model = striate.Sequential([Input(shape=(6, 6, 4)), SpatialDropout2D(0.5), striate.layers.Flatten(), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((4, 6, 6, 4), "float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))
    model.fit(x, np.zeros((4, 1)), epochs=1, verbose=0)


def test_gaussian_noise():
    layer = GaussianNoise(0.5, seed=0)
    x = np.full((200, 50), 3.0, "float32")
    np.testing.assert_array_equal(layer(x).data, x)
    y = layer(x, training=True).data
    assert y.dtype == np.float32
    assert abs((y - x).mean()) < 0.02 and abs((y - x).std() - 0.5) < 0.02
    with backend.floatx_scope("float64"):
        assert striate.gradcheck(lambda t: GaussianNoise(0.5, seed=0)(t, training=True), np.ones((3, 4)))
    check_layer_contract(lambda: GaussianNoise(0.1), (4,), (4,), 0)


def test_gaussian_dropout():
    layer = GaussianDropout(0.2, seed=0)
    x = np.full((400, 50), 2.0, "float32")
    np.testing.assert_array_equal(layer(x).data, x)
    noise = layer(x, training=True).data / x
    assert abs(noise.mean() - 1.0) < 0.01 and abs(noise.std() - np.sqrt(0.2 / 0.8)) < 0.01
    with backend.floatx_scope("float64"):
        assert striate.gradcheck(lambda t: GaussianDropout(0.2, seed=0)(t, training=True), np.ones((3, 4)))
    check_layer_contract(lambda: GaussianDropout(0.1), (4,), (4,), 0)


def test_activity_regularization_adds_its_penalty():
    layer = ActivityRegularization(l1=0.1, l2=0.01)
    x = np.array([[1.0, -2.0, 3.0]], "float32")
    np.testing.assert_array_equal(layer(x).data, x)
    np.testing.assert_allclose([loss.item() for loss in layer.losses], [0.1 * 6 + 0.01 * 14], rtol=1e-6)
    check_layer_contract(lambda: ActivityRegularization(l2=0.1), (4,), (4,), 0)


@pytest.mark.parametrize("layer", [SpatialDropout1D(0.2, seed=1), SpatialDropout2D(0.3, data_format="channels_first"),
                                   SpatialDropout3D(0.1), GaussianNoise(0.2, seed=4), GaussianDropout(0.3),
                                   ActivityRegularization(l1=0.5)])
def test_config_round_trip(layer):
    clone = deserialize_layer(serialize_layer(layer))
    assert type(clone) is type(layer) and clone.get_config() == layer.get_config()
    assert "noise_shape" not in layer.get_config()


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match=r"SpatialDropout2D 'sd'.*rate.*1.5"):
        SpatialDropout2D(1.5, name="sd")
    with pytest.raises(ValueError, match="data_format"):
        SpatialDropout2D(0.1, data_format="nhwc")
    with pytest.raises(ValueError, match=r"'sd1'.*ndim=3.*\(2, 3, 4, 5\)"):
        SpatialDropout1D(0.1, name="sd1")(np.zeros((2, 3, 4, 5), "float32"))
    with pytest.raises(ValueError, match=r"'sd2'.*ndim=4.*\(2, 3\)"):
        SpatialDropout2D(0.1, name="sd2")(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="stddev"):
        GaussianNoise(-1.0)
    with pytest.raises(ValueError, match="rate"):
        GaussianDropout(1.0)
    with pytest.raises(ValueError, match="l1"):
        ActivityRegularization(l1=-1.0)
