"""Core layers (Dense, Activation, Flatten, Reshape, Identity, Dropout), merge layers,
initializers and regularizers: contracts, NumPy oracles, gradient checks, statistics."""

import math

import numpy as np
import pytest

import striate
from striate import activations, backend, initializers, regularizers
from striate.layers import (Activation, Add, Average, Concatenate, Dense, Dropout, Flatten, Identity, Input,
                            Maximum, Minimum, Multiply, Reshape, Subtract)
from striate.tensor import Tensor
from tests.helpers import check_layer_contract

ACTIVATIONS = sorted(activations._BY_NAME)


def _np_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _np_softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# ---- Dense -----------------------------------------------------------------------------------
@pytest.mark.parametrize("use_bias, params", [(True, 4 * 3 + 3), (False, 4 * 3)])
def test_dense_contract(use_bias, params):
    check_layer_contract(lambda: Dense(3, use_bias=use_bias), (4,), (3,), params)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_dense_contract_for_each_activation(activation):
    check_layer_contract(lambda: Dense(3, activation=activation), (4,), (3,), 15)


def test_dense_contract_on_3d_inputs_acts_on_the_last_axis():
    check_layer_contract(lambda: Dense(3, activation="tanh"), (5, 4), (5, 3), 15)


def test_dense_weights_have_keras_layout_and_names():
    layer = Dense(7, input_shape=(5,))
    layer(np.zeros((1, 5), dtype="float32"))
    assert [w.shape for w in layer.weights] == [(5, 7), (7,)]
    assert [w.path for w in layer.weights] == [f"{layer.name}/kernel", f"{layer.name}/bias"]
    assert Dense(2, use_bias=False)(np.zeros((1, 3))).shape == (1, 2)


@pytest.mark.parametrize("activation, reference", [
    (None, lambda z: z), ("linear", lambda z: z), ("relu", lambda z: np.maximum(z, 0)),
    ("sigmoid", _np_sigmoid), ("tanh", np.tanh), ("softmax", _np_softmax),
])
def test_dense_forward_equals_numpy(activation, reference):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 4)).astype("float32")
    layer = Dense(3, activation=activation, bias_initializer="random_normal")
    out = layer(x).data
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(out, reference(x @ kernel + bias), rtol=1e-5, atol=1e-6)


def test_dense_3d_forward_equals_numpy():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 5, 4)).astype("float32")
    layer = Dense(3, bias_initializer="ones")
    out = layer(x).data
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(out, np.einsum("nti,io->nto", x, kernel) + bias, rtol=1e-5, atol=1e-6)


def test_dense_gradcheck_with_and_without_bias_in_float64():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 2, 4))
    with backend.floatx_scope("float64"):
        for use_bias in (True, False):
            layer = Dense(3, activation="sigmoid", use_bias=use_bias)
            layer(x)
            assert striate.gradcheck(lambda t: layer(t), x, params=layer.trainable_weights)


def test_dense_rejects_bad_arguments_and_inputs_naming_the_layer():
    with pytest.raises(ValueError, match="units must be a positive integer, got 0"):
        Dense(0)
    with pytest.raises(ValueError, match=r"units .* got 2\.5"):
        Dense(2.5)
    with pytest.raises(ValueError, match="unknown activation 'relux'"):
        Dense(2, activation="relux")
    with pytest.raises(ValueError, match="unknown initializer 'glorot'"):
        Dense(2, kernel_initializer="glorot")
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        Dense(2, unit=3)
    layer = Dense(2, name="scores")
    layer(np.zeros((1, 4)))
    with pytest.raises(ValueError, match=r"'scores'.*axis -1 .* value 4.*\(1, 5\)"):
        layer(np.zeros((1, 5)))
    with pytest.raises(ValueError, match=r"'scores'.*min_ndim=2, found ndim=1"):
        layer(np.zeros(4))


def test_dense_accepts_numpy_integer_units():
    # e.g. Dense(units=y.max() + 1): NumPy integers are integers
    assert Dense(np.int64(3)).units == 3


# ---- Activation, Flatten, Reshape, Identity ---------------------------------------------------
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_layer_contract_and_matches_the_function(name):
    check_layer_contract(lambda: Activation(name), (3, 4), (3, 4), 0)
    x = np.random.default_rng(3).standard_normal((2, 3, 4)).astype("float32")
    np.testing.assert_allclose(Activation(name)(x).data, activations.get(name)(Tensor(x)).data)


def test_activation_layer_references():
    x = np.array([[-2.0, -0.5, 0.0, 0.5, 2.0]], dtype="float32")
    np.testing.assert_allclose(Activation("relu")(x).data, np.maximum(x, 0))
    np.testing.assert_allclose(Activation("sigmoid")(x).data, _np_sigmoid(x), rtol=1e-6)
    np.testing.assert_allclose(Activation("softmax")(x).data, _np_softmax(x), rtol=1e-6)
    np.testing.assert_allclose(Activation(activations.tanh)(x).data, np.tanh(x), rtol=1e-6)  # a callable


def test_flatten_contract_and_order():
    check_layer_contract(lambda: Flatten(), (3, 4, 2), (24,), 0)
    x = np.arange(2 * 3 * 4, dtype="float32").reshape(2, 3, 4)
    np.testing.assert_array_equal(Flatten()(x).data, x.reshape(2, 12))  # C order: channels last stays last
    assert Flatten()(np.ones((5, 1))).shape == (5, 1)


def test_flatten_of_unknown_sizes_is_unknown():
    assert Flatten()(Input(shape=(None, 3))).shape == (None, None)


@pytest.mark.parametrize("target, expected", [((6, 2), (6, 2)), ((-1, 3), (4, 3)), ((12,), (12,))])
def test_reshape_contract(target, expected):
    check_layer_contract(lambda: Reshape(target), (3, 4), expected, 0)
    x = np.arange(24, dtype="float32").reshape(2, 3, 4)
    np.testing.assert_array_equal(Reshape(target)(x).data, x.reshape((2,) + expected))


def test_reshape_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match="at most one -1"):
        Reshape((-1, -1))
    with pytest.raises(ValueError, match=r"Reshape 'r'.*12 values per sample.*\(5,\) needs 5"):
        Reshape((5,), name="r")(Input(shape=(3, 4)))
    with pytest.raises(ValueError, match=r"Reshape 'r2'.*cannot reshape"):
        Reshape((-1, 5), name="r2")(np.zeros((2, 3, 4)))


def test_identity_contract_and_value():
    check_layer_contract(lambda: Identity(), (3,), (3,), 0)
    x = np.random.default_rng(0).standard_normal((2, 3)).astype("float32")
    np.testing.assert_array_equal(Identity()(x).data, x)


# ---- Dropout ------------------------------------------------------------------------------------
def test_dropout_contract():
    check_layer_contract(lambda: Dropout(0.3), (5,), (5,), 0)


def test_dropout_is_identity_at_inference_and_outside_fit():
    x = np.random.default_rng(0).standard_normal((4, 10)).astype("float32")
    layer = Dropout(0.5)
    np.testing.assert_array_equal(layer(x).data, x)
    np.testing.assert_array_equal(layer(x, training=False).data, x)


def test_dropout_training_zeroes_and_scales_by_inverse_keep_probability():
    rate = 0.25
    x = np.ones((200, 100), dtype="float32")
    y = Dropout(rate, seed=1)(x, training=True).data
    np.testing.assert_allclose(np.unique(y), [0.0, 1.0 / (1.0 - rate)], rtol=1e-6)
    dropped = np.mean(y == 0)
    assert abs(dropped - rate) < 0.01                  # 20,000 draws: sd 0.003
    assert abs(y.mean() - 1.0) < 0.02                  # inverted dropout keeps the expectation


def test_dropout_rate_zero_is_identity_even_in_training():
    x = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
    np.testing.assert_array_equal(Dropout(0.0)(x, training=True).data, x)


def test_dropout_gradient_is_the_scaled_mask():
    x = np.random.default_rng(0).uniform(0.5, 1.5, size=(20, 30))
    t = Tensor(x, requires_grad=True)
    y = Dropout(0.4, seed=3)(t, training=True)
    y.sum().backward()
    kept = y.data != 0
    np.testing.assert_allclose(t.grad[kept], 1 / 0.6, rtol=1e-6)    # d(x * mask / 0.6)/dx
    np.testing.assert_array_equal(t.grad[~kept], 0.0)
    np.testing.assert_allclose(y.data[kept], x[kept] / 0.6, rtol=1e-6)
    assert 0.3 < np.mean(~kept) < 0.5


def test_dropout_noise_shape_shares_the_mask_along_none_one_axes():
    x = np.ones((8, 5, 6), dtype="float32")
    y = Dropout(0.5, noise_shape=(None, 1, 6), seed=0)(x, training=True).data
    assert np.all(y == y[:, :1, :])                         # the same mask along axis 1
    assert 0 < np.mean(y == 0) < 1


def test_dropout_seed_determinism_and_global_seed():
    x = np.ones((10, 10), dtype="float32")
    a = Dropout(0.5, seed=42)(x, training=True).data
    b = Dropout(0.5, seed=42)(x, training=True).data
    c = Dropout(0.5, seed=43)(x, training=True).data
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    striate.utils.set_random_seed(7)
    d = Dropout(0.5)(x, training=True).data
    striate.utils.set_random_seed(7)
    e = Dropout(0.5)(x, training=True).data
    np.testing.assert_array_equal(d, e)


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, "0.5", True])
def test_dropout_rejects_bad_rates(rate):
    with pytest.raises(ValueError, match=r"rate must be a number in \[0, 1\)"):
        Dropout(rate)


def test_dropout_is_active_in_fit_only():
    # A model that is all dropout: predict is the identity, a training step is not.
    model = striate.Sequential([Input(shape=(50,)), Dropout(0.5, seed=0)])
    x = np.ones((4, 50), dtype="float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    seen = model(x, training=True).data
    assert np.any(seen == 0) and np.any(seen == 2.0)


def test_dropout_acts_in_fit_and_not_in_evaluate():
    # Dropout then a sum: evaluate sees sum(x) = 20 exactly; training sees a random sum of 2s.
    model = striate.Sequential([Input(shape=(20,)), Dropout(0.5),
                                Dense(1, kernel_initializer="ones", use_bias=False)])
    model.compile(optimizer=striate.optimizers.SGD(learning_rate=0.0), loss="mse")
    x, y = np.ones((64, 20), dtype="float32"), np.zeros((64, 1), dtype="float32")
    assert model.evaluate(x, y, verbose=0) == 400.0
    losses = model.fit(x, y, epochs=3, verbose=0).history["loss"]
    assert all(loss != 400.0 for loss in losses)
    assert all(abs(loss - 420.0) < 100.0 for loss in losses)  # E[(sum of 20 draws of 0 or 2)^2] = 400 + 20


# ---- merge layers -------------------------------------------------------------------------------
MERGES = [
    (Add, lambda *a: sum(a)),
    (Subtract, lambda a, b: a - b),
    (Multiply, lambda *a: np.prod(a, axis=0)),
    (Average, lambda *a: sum(a) / len(a)),
    (Maximum, lambda *a: np.max(a, axis=0)),
    (Minimum, lambda *a: np.min(a, axis=0)),
]


@pytest.mark.parametrize("cls, reference", MERGES, ids=[c.__name__ for c, _ in MERGES])
def test_merge_forward_gradcheck_and_symbolic_shape(cls, reference):
    rng = np.random.default_rng(0)
    n = 2 if cls is Subtract else 3
    arrays = [rng.standard_normal((4, 5)) for _ in range(n)]
    out = cls()([a.astype("float32") for a in arrays])
    np.testing.assert_allclose(out.data, reference(*arrays), rtol=1e-5, atol=1e-6)
    with backend.floatx_scope("float64"):
        layer = cls()
        assert striate.gradcheck(lambda *ts: layer(list(ts)), *arrays)
    symbolic = cls()([Input(shape=(5,)) for _ in range(n)])
    assert symbolic.shape == (None, 5)
    assert cls().count_params() == 0


@pytest.mark.parametrize("cls", [Add, Subtract, Multiply, Average, Maximum, Minimum])
def test_merge_shape_mismatch_names_the_layer_and_shapes(cls):
    with pytest.raises(ValueError, match=rf"{cls.__name__} 'join'.*same shape.*\(None, 3\).*\(None, 4\)"):
        cls(name="join")([Input(shape=(3,)), Input(shape=(4,))])
    with pytest.raises(ValueError, match=rf"{cls.__name__} 'join2'.*, 3\).*, 4\)"):
        cls(name="join2")([np.zeros((2, 3)), np.zeros((2, 4))])


@pytest.mark.parametrize("cls", [Add, Multiply, Average, Maximum, Minimum, Subtract])
def test_merge_needs_a_list_of_inputs(cls):
    with pytest.raises(ValueError, match=cls.__name__):
        cls()([Input(shape=(3,))])


def test_subtract_takes_exactly_two_inputs():
    with pytest.raises(ValueError, match="exactly 2 inputs, got 3"):
        Subtract()([Input(shape=(3,))] * 3)


def test_merge_broadcasts_size_one_axes_as_keras():
    a, b = np.ones((2, 1, 3), dtype="float32"), np.full((2, 4, 3), 2.0, dtype="float32")
    assert Add()([a, b]).shape == (2, 4, 3)
    assert Add()([Input(shape=(1, 3)), Input(shape=(4, 3))]).shape == (None, 4, 3)


@pytest.mark.parametrize("axis, shapes, expected", [
    (-1, [(4, 2), (4, 3)], (4, 5)),
    (1, [(2, 3), (5, 3)], (7, 3)),
    (2, [(2, 3), (2, 1), (2, 2)], (2, 6)),
])
def test_concatenate_forward_gradcheck_and_shape(axis, shapes, expected):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((2,) + s) for s in shapes]
    out = Concatenate(axis=axis)([a.astype("float32") for a in arrays])
    np.testing.assert_allclose(out.data, np.concatenate(arrays, axis=axis), rtol=1e-6)
    with backend.floatx_scope("float64"):
        layer = Concatenate(axis=axis)
        assert striate.gradcheck(lambda *ts: layer(list(ts)), *arrays)
    assert Concatenate(axis=axis)([Input(shape=s) for s in shapes]).shape == (None,) + expected


def test_concatenate_errors_name_the_layer_axis_and_shapes():
    with pytest.raises(ValueError, match=r"Concatenate 'cat'.*except along axis -1.*\(None, 2, 3\).*\(None, 4, 3\)"):
        Concatenate(name="cat")([Input(shape=(2, 3)), Input(shape=(4, 3))])
    with pytest.raises(ValueError, match=r"axis 5 is out of range for inputs of rank 3"):
        Concatenate(axis=5)([Input(shape=(2, 3)), Input(shape=(2, 3))])
    with pytest.raises(ValueError, match=r"Concatenate 'c2'.*, 3\).*, 4, 1\)"):
        Concatenate(name="c2")([np.zeros((2, 3)), np.zeros((2, 4, 1))])


# ---- initializers ------------------------------------------------------------------------------
FANS = (300, 200)     # fan_in, fan_out of a Dense kernel: 60,000 draws


@pytest.mark.parametrize("name, limit", [
    ("glorot_uniform", math.sqrt(6 / (300 + 200))),
    ("he_uniform", math.sqrt(6 / 300)),
    ("lecun_uniform", math.sqrt(3 / 300)),
])
def test_uniform_variance_scaling_limits_and_variance(name, limit):
    w = initializers.get(name)(FANS)
    assert w.shape == FANS and w.dtype == np.float32
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.99 * limit                 # the whole interval is used
    assert abs(w.var() - limit ** 2 / 3) < 0.03 * limit ** 2 / 3
    assert abs(w.mean()) < 0.02 * limit


@pytest.mark.parametrize("name, stddev", [
    ("glorot_normal", math.sqrt(2 / (300 + 200))),
    ("he_normal", math.sqrt(2 / 300)),
    ("lecun_normal", math.sqrt(1 / 300)),
])
def test_truncated_normal_variance_scaling_stddev_and_truncation(name, stddev):
    # Keras draws from a normal of stddev s / 0.8796 truncated at 2 of its stddevs,
    # which has stddev s exactly.
    w = initializers.get(name)(FANS)
    assert abs(w.std() - stddev) < 0.02 * stddev
    assert np.abs(w).max() <= 2 * stddev / 0.87962566103423978 * (1 + 1e-6)
    assert np.abs(w).max() > 1.9 * stddev / 0.87962566103423978
    assert abs(w.mean()) < 0.02 * stddev


def test_variance_scaling_untruncated_and_modes():
    w = initializers.VarianceScaling(scale=3.0, mode="fan_out", distribution="untruncated_normal")(FANS)
    assert abs(w.std() - math.sqrt(3.0 / 200)) < 0.02 * math.sqrt(3.0 / 200)
    assert np.abs(w).max() > 2.5 * math.sqrt(3.0 / 200)       # not truncated
    u = initializers.VarianceScaling(scale=2.0, mode="fan_avg", distribution="uniform")(FANS)
    assert np.abs(u).max() <= math.sqrt(3 * 2.0 / 250)
    with pytest.raises(ValueError, match="mode must be one of"):
        initializers.VarianceScaling(mode="fan")
    with pytest.raises(ValueError, match="scale must be positive"):
        initializers.VarianceScaling(scale=0)


@pytest.mark.parametrize("shape, fans", [
    ((), (1, 1)), ((7,), (7, 7)), ((5, 3), (5, 3)),
    ((3, 3, 16, 32), (3 * 3 * 16, 3 * 3 * 32)), ((5, 8, 4), (5 * 8, 5 * 4)),
])
def test_compute_fans_follows_keras(shape, fans):
    assert initializers.compute_fans(shape) == fans


def test_conv_shaped_kernels_use_the_receptive_field():
    w = initializers.HeUniform(seed=0)((3, 3, 16, 32))          # fan_in 144
    assert np.abs(w).max() <= math.sqrt(6 / 144)
    assert np.abs(w).max() > 0.99 * math.sqrt(6 / 144)
    g = initializers.GlorotNormal(seed=0)((3, 3, 16, 32))       # fans 144 + 288
    assert abs(g.std() - math.sqrt(2 / 432)) < 0.03 * math.sqrt(2 / 432)


def test_random_uniform_normal_truncated_zeros_ones_constant():
    u = initializers.RandomUniform(minval=-0.2, maxval=0.6)(FANS)
    assert u.min() >= -0.2 and u.max() < 0.6 and abs(u.mean() - 0.2) < 0.01
    n = initializers.RandomNormal(mean=1.0, stddev=0.5)(FANS)
    assert abs(n.mean() - 1.0) < 0.01 and abs(n.std() - 0.5) < 0.01
    t = initializers.TruncatedNormal(mean=0.0, stddev=0.1)(FANS)
    assert np.abs(t).max() <= 0.2 and abs(t.std() - 0.1 * 0.8796) < 0.003
    assert np.all(initializers.get("zeros")((2, 3)) == 0)
    assert np.all(initializers.get("ones")((2, 3)) == 1)
    assert np.all(initializers.Constant(0.5)((2, 3)) == 0.5)
    d = initializers.RandomNormal()(FANS)                       # Keras defaults: stddev 0.05
    assert abs(d.std() - 0.05) < 0.002


def test_orthogonal_and_identity():
    q = initializers.Orthogonal(gain=2.0, seed=0)((8, 4)).astype(np.float64)
    np.testing.assert_allclose(q.T @ q, 4.0 * np.eye(4), atol=1e-5)
    q = initializers.Orthogonal(seed=0)((4, 8)).astype(np.float64)
    np.testing.assert_allclose(q @ q.T, np.eye(4), atol=1e-5)
    np.testing.assert_array_equal(initializers.get("identity")((3, 3)), np.eye(3))


@pytest.mark.parametrize("name", ["random_uniform", "random_normal", "truncated_normal", "glorot_uniform",
                                  "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
                                  "orthogonal"])
def test_seeded_initializers_repeat_and_seeds_differ(name):
    cls = type(initializers.get(name))
    a, b, c = cls(seed=3)((6, 5)), cls(seed=3)((6, 5)), cls(seed=4)((6, 5))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(cls(seed=3)((6, 5)), cls(seed=3)((6, 5)))
    assert not np.array_equal(a, c)
    assert cls.from_config(cls(seed=3).get_config())((6, 5)).tolist() == a.tolist()


def test_unseeded_initializers_follow_set_random_seed():
    striate.utils.set_random_seed(11)
    a = initializers.GlorotUniform()((5, 5))
    layer_a = Dense(4, kernel_initializer="he_normal")
    layer_a.build((None, 3))
    striate.utils.set_random_seed(11)
    b = initializers.GlorotUniform()((5, 5))
    layer_b = Dense(4, kernel_initializer="he_normal")
    layer_b.build((None, 3))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(layer_a.kernel.data, layer_b.kernel.data)
    assert not np.array_equal(initializers.GlorotUniform()((5, 5)), a)   # the stream moves on


def test_initializer_lookup():
    assert isinstance(initializers.get("xavier_uniform"), initializers.GlorotUniform)
    assert isinstance(initializers.get("GlorotNormal"), initializers.GlorotNormal)
    assert isinstance(initializers.get(initializers.HeNormal), initializers.HeNormal)
    assert initializers.get("he_normal")((2, 2), dtype="float64").dtype == np.float64
    with pytest.raises(ValueError, match="unknown initializer 'glorot'"):
        initializers.get("glorot")
    with pytest.raises(TypeError, match="seed must be an int"):
        initializers.GlorotUniform(seed=1.5)
    config = initializers.serialize(initializers.RandomNormal(mean=1.0, stddev=2.0, seed=5))
    again = initializers.deserialize(config)
    assert (again.mean, again.stddev, again.seed) == (1.0, 2.0, 5)


def test_dense_uses_its_initializers():
    layer = Dense(3, kernel_initializer="ones", bias_initializer=initializers.Constant(0.5))
    out = layer(np.array([[1.0, 2.0]], dtype="float32")).data
    np.testing.assert_array_equal(out, [[3.5, 3.5, 3.5]])
    default = Dense(300)
    default.build((None, 200))
    assert np.abs(default.kernel.data).max() <= math.sqrt(6 / 500)   # Keras default: glorot_uniform
    assert np.all(default.bias.data == 0)                            # and zeros


# ---- regularizers -------------------------------------------------------------------------------
def test_regularizer_penalty_values():
    w = np.array([[1.0, -2.0], [0.5, 3.0]])
    t = Tensor(w)
    assert regularizers.L1(0.1)(t).item() == pytest.approx(0.1 * np.abs(w).sum())
    assert regularizers.L2(0.1)(t).item() == pytest.approx(0.1 * (w ** 2).sum())
    assert regularizers.L1L2(l1=0.2, l2=0.3)(t).item() == pytest.approx(0.2 * np.abs(w).sum() + 0.3 * (w ** 2).sum())
    assert regularizers.get("l2")(t).item() == pytest.approx(0.01 * (w ** 2).sum())   # Keras's default
    assert regularizers.get("l1")(t).item() == pytest.approx(0.01 * np.abs(w).sum())


def test_regularizer_lookup_and_config():
    with pytest.raises(ValueError, match="unknown regularizer 'l3'"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match="l2 must be a non-negative number"):
        regularizers.L2(-1.0)
    again = regularizers.deserialize(regularizers.serialize(regularizers.L1L2(l1=0.1, l2=0.2)))
    assert (again.l1, again.l2) == (0.1, 0.2)
    assert regularizers.get(None) is None


def test_regularizer_gradcheck():
    w = np.random.default_rng(0).standard_normal((3, 4))
    assert striate.gradcheck(lambda t: regularizers.L1L2(l1=0.3, l2=0.7)(t), w)


def test_dense_regularizers_appear_in_layer_losses():
    layer = Dense(3, kernel_regularizer=regularizers.L2(0.5), bias_regularizer=regularizers.L1(0.25),
                  bias_initializer="ones")
    layer.build((None, 4))
    kernel = layer.kernel.data
    values = sorted(float(p.item()) for p in layer.losses)
    expected = sorted([0.5 * (kernel.astype(np.float64) ** 2).sum(), 0.25 * 3])
    np.testing.assert_allclose(values, expected, rtol=1e-5)


def test_regularization_is_added_to_the_loss_in_fit_and_evaluate():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 4)).astype("float32")
    y = rng.standard_normal((16, 2)).astype("float32")
    model = striate.Sequential([Input(shape=(4,)), Dense(2, kernel_regularizer=regularizers.L2(0.3))])
    model.compile(optimizer=striate.optimizers.SGD(learning_rate=0.0), loss="mse")   # weights stay put
    kernel, bias = model.get_weights()
    expected = np.mean((x @ kernel + bias - y) ** 2) + 0.3 * np.sum(kernel.astype(np.float64) ** 2)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-5)
    assert model.fit(x, y, batch_size=16, verbose=0).history["loss"][0] == pytest.approx(expected, rel=1e-5)


def test_l2_penalty_gradient_in_a_training_step():
    # Zero inputs and targets: the data loss has no gradient, only the penalty
    # 0.5 * sum(w^2) does, so one SGD step multiplies the kernel by (1 - lr * 2 * 0.5).
    model = striate.Sequential([Input(shape=(3,)), Dense(2, use_bias=False, kernel_regularizer=regularizers.L2(0.5))])
    model.compile(optimizer=striate.optimizers.SGD(learning_rate=0.1), loss="mse")
    before = model.get_weights()[0]
    model.train_on_batch(np.zeros((4, 3)), np.zeros((4, 2)))
    np.testing.assert_allclose(model.get_weights()[0], before * (1 - 0.1 * 2 * 0.5), rtol=1e-6)


def test_activity_regularizer_penalises_outputs():
    layer = Dense(2, kernel_initializer="ones", activity_regularizer=regularizers.L1(0.1))
    out = layer(np.array([[1.0, 2.0]], dtype="float32"))
    assert [float(p.item()) for p in layer.losses] == [pytest.approx(0.1 * np.abs(out.data).sum())]
