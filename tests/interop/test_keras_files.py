"""Keras 3 ``.keras`` archives both ways, for every layer striate has: the same outputs in Keras and striate."""

import zipfile

import numpy as np
import pytest

import striate
from striate import layers as S
from tests.keras_oracle import keras_or_skip, to_numpy

keras = keras_or_skip()
pytest.importorskip("h5py")
RNG = np.random.default_rng(31)

# (striate layer factory, Keras class name and kwargs, one sample's input shape); merge layers take two inputs
LAYERS = [
    (lambda: S.Dense(3, activation="tanh", kernel_regularizer="l2"), (5,)),
    (lambda: S.Activation("softplus"), (4,)), (lambda: S.Flatten(), (2, 3, 2)), (lambda: S.Reshape((3, -1)), (6, 2)),
    (lambda: S.Identity(), (3,)), (lambda: S.Dropout(0.3, seed=1), (4,)),
    (lambda: S.Conv1D(3, 3, padding="causal", dilation_rate=2), (9, 2)),
    (lambda: S.Conv2D(4, (3, 2), strides=2, padding="same", activation="relu", groups=2), (7, 6, 2)),
    (lambda: S.Conv3D(2, 2, use_bias=False), (4, 3, 4, 2)),
    (lambda: S.MaxPooling1D(2), (6, 2)), (lambda: S.AveragePooling2D(3, strides=2, padding="same"), (7, 7, 2)),  # see below
    (lambda: S.MaxPooling3D(2), (4, 4, 4, 1)), (lambda: S.AveragePooling1D(2, padding="same"), (5, 2)),
    (lambda: S.GlobalAveragePooling1D(), (5, 3)), (lambda: S.GlobalMaxPooling2D(keepdims=True), (4, 5, 3)),
    (lambda: S.GlobalAveragePooling3D(), (3, 3, 2, 2)),
    (lambda: S.BatchNormalization(momentum=0.9, epsilon=1e-2), (4, 3)),
    (lambda: S.LayerNormalization(axis=[1, 2]), (4, 3)),
    (lambda: S.SpatialDropout2D(0.2), (4, 4, 2)), (lambda: S.GaussianNoise(0.1), (3,)),
    (lambda: S.GaussianDropout(0.2), (3,)), (lambda: S.ActivityRegularization(l1=0.01), (3,)),
    (lambda: S.ZeroPadding2D(((1, 2), (0, 1))), (3, 3, 2)), (lambda: S.ZeroPadding1D(2), (3, 2)),
    (lambda: S.ZeroPadding3D(1), (2, 2, 2, 1)), (lambda: S.Cropping2D(((1, 0), (0, 1))), (4, 4, 2)),
    (lambda: S.Cropping1D((1, 1)), (5, 2)), (lambda: S.Cropping3D(1), (3, 4, 3, 1)),
    (lambda: S.UpSampling1D(2), (3, 2)), (lambda: S.UpSampling2D((2, 1)), (2, 3, 2)),
    (lambda: S.UpSampling3D(2), (2, 2, 1, 1)), (lambda: S.RepeatVector(3), (4,)), (lambda: S.Permute((2, 1)), (3, 4)),
    (lambda: S.ReLU(6.0, 0.1, 0.5), (5,)), (lambda: S.LeakyReLU(0.1), (5,)), (lambda: S.ELU(0.5), (5,)),
    (lambda: S.Softmax(axis=1), (3, 4)), (lambda: S.PReLU(shared_axes=[1]), (3, 4)),
    (lambda: S.DepthwiseConv2D(3, depth_multiplier=2, padding="same"), (5, 5, 3)),
    (lambda: S.DepthwiseConv1D(2, strides=2), (6, 2)),
    (lambda: S.SeparableConv2D(4, 3, dilation_rate=2), (7, 7, 2)), (lambda: S.SeparableConv1D(3, 2), (5, 2)),
]
MERGES = [lambda: S.Add(), lambda: S.Subtract(), lambda: S.Multiply(), lambda: S.Average(), lambda: S.Maximum(),
          lambda: S.Minimum(), lambda: S.Concatenate(axis=1)]


# AveragePooling 'same' with an odd total of padding: Keras on torch pads with zeros that it then averages
# (TensorFlow, and striate, leave padding out of the mean), so only symmetric cases are compared with it here.


def randomize(model):
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([RNG.uniform(0.5, 1.5, w.shape).astype(w.dtype) for w in layer.get_weights()])


def single(make, shape):
    inputs = striate.Input(shape=shape)
    return striate.Model(inputs, make()(inputs)), [RNG.standard_normal((3,) + shape).astype("float32")]


def merged(make):
    a, b = striate.Input(shape=(4, 3), name="a"), striate.Input(shape=(4, 3), name="b")
    return striate.Model([a, b], make()([a, b])), [RNG.standard_normal((2, 4, 3)).astype("float32") for _ in "ab"]


def cases():
    for i, (make, shape) in enumerate(LAYERS):
        yield pytest.param(lambda make=make, shape=shape: single(make, shape), id=f"{i}-{make().__class__.__name__}")
    for i, make in enumerate(MERGES):
        yield pytest.param(lambda make=make: merged(make), id=f"merge-{make().__class__.__name__}")


def _predict_keras(model, xs):
    return to_numpy(model(xs if len(xs) > 1 else xs[0], training=False))


@pytest.mark.parametrize("build", list(cases()))
def test_every_layer_round_trips_through_keras(tmp_path, build):
    ours, xs = build()
    randomize(ours)
    expected = ours.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    ours.save(tmp_path / "ours.keras", save_format="keras")
    theirs = keras.models.load_model(tmp_path / "ours.keras")  # Keras opens striate's file ...
    np.testing.assert_allclose(_predict_keras(theirs, xs), expected, rtol=1e-5, atol=1e-5)
    theirs.save(tmp_path / "theirs.keras")
    back = striate.models.load_model(tmp_path / "theirs.keras")  # ... and striate opens Keras's
    np.testing.assert_allclose(back.predict(xs if len(xs) > 1 else xs[0], verbose=0), expected, rtol=1e-5, atol=1e-5)
    assert [type(layer) for layer in back.layers] == [type(layer) for layer in ours.layers]
    assert [w.shape for w in back.weights] == [w.shape for w in ours.weights]


def keras_net():
    """A Keras model with the graph features that matter: branches, a shared layer, nesting, two outputs."""
    L = keras.layers
    inner = keras.Sequential([keras.Input((6,)), L.Dense(4, activation="relu"), L.BatchNormalization()], name="inner")
    x = keras.Input((8, 8, 3), name="image")
    y = L.Conv2D(6, 3, padding="same", activation="relu")(x)
    z = L.DepthwiseConv2D(3, padding="same")(y)
    y = L.Add()([y, L.ReLU(6.0)(z)])
    y = L.GlobalAveragePooling2D()(y)
    shared = L.Dense(6, name="shared")
    h = inner(shared(y))
    h2 = shared(L.Dense(6)(y))
    out1 = L.Dense(3, activation="softmax", name="class")(L.Concatenate()([h, h2]))
    out2 = L.Dense(1, name="score")(h)
    return keras.Model(x, [out1, out2], name="net")


def test_a_keras_graph_with_branches_shared_and_nested_layers_loads(tmp_path):
    model = keras_net()
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9), loss=["categorical_crossentropy", "mse"],
                  metrics=[["accuracy"], ["mae"]])
    x = RNG.standard_normal((4, 8, 8, 3)).astype("float32")
    model.fit(x, [np.eye(3)[[0, 1, 2, 0]], np.ones((4, 1))], epochs=2, verbose=0)  # moves the BN statistics
    model.save(tmp_path / "net.keras")
    ours = striate.models.load_model(tmp_path / "net.keras")
    for got, expected in zip(ours.predict(x, verbose=0), model(x, training=False)):
        np.testing.assert_allclose(got, to_numpy(expected), rtol=1e-5, atol=1e-5)
    assert type(ours.optimizer).__name__ == "SGD" and ours.optimizer.momentum == pytest.approx(0.9)
    ours.fit(x, [np.eye(3)[[0, 1, 2, 0]], np.ones((4, 1))], epochs=1, verbose=0)  # compiled and trainable
    ours.save(tmp_path / "again.keras", save_format="keras")
    again = keras.models.load_model(tmp_path / "again.keras")
    for got, expected in zip(again(x, training=False), ours.predict(x, verbose=0)):
        np.testing.assert_allclose(to_numpy(got), expected, rtol=1e-5, atol=1e-5)


def test_striate_format_stays_the_default(tmp_path):
    model = striate.Sequential([striate.Input(shape=(3,)), S.Dense(2)])
    model.save(tmp_path / "m.keras")
    assert not zipfile.is_zipfile(tmp_path / "m.keras")  # striate's own (safetensors) file
    model.save(tmp_path / "k.keras", save_format="keras")
    assert zipfile.ZipFile(tmp_path / "k.keras").namelist() == ["metadata.json", "config.json", "model.weights.h5"]
    for name in ("m.keras", "k.keras"):
        loaded = striate.models.load_model(tmp_path / name)
        np.testing.assert_array_equal(loaded.get_weights()[0], model.get_weights()[0])
    with pytest.raises(ValueError, match="save_format must be None, 'striate' or 'keras'"):
        model.save(tmp_path / "x.keras", save_format="h5")


def test_keras_weights_files_both_ways(tmp_path):
    ours = striate.Sequential([striate.Input(shape=(6, 6, 2)), S.Conv2D(3, 3), S.BatchNormalization(),
                               S.Flatten(), S.Dense(2)])
    randomize(ours)
    theirs = keras.Sequential([keras.Input((6, 6, 2)), keras.layers.Conv2D(3, 3), keras.layers.BatchNormalization(),
                               keras.layers.Flatten(), keras.layers.Dense(2)])
    ours.save_weights(tmp_path / "ours.weights.h5")
    theirs.load_weights(tmp_path / "ours.weights.h5")
    x = RNG.standard_normal((2, 6, 6, 2)).astype("float32")
    np.testing.assert_allclose(_predict_keras(theirs, [x]), ours.predict(x, verbose=0), rtol=1e-5, atol=1e-5)
    twin = striate.Sequential([striate.Input(shape=(6, 6, 2)), S.Conv2D(3, 3), S.BatchNormalization(),
                               S.Flatten(), S.Dense(2)])
    theirs.save_weights(tmp_path / "theirs.weights.h5")
    twin.load_weights(tmp_path / "theirs.weights.h5")
    np.testing.assert_allclose(twin.predict(x, verbose=0), ours.predict(x, verbose=0), rtol=0, atol=0)
    theirs.save(tmp_path / "theirs.keras")
    twin.load_weights(tmp_path / "theirs.keras")  # the weights of a .keras archive, as Keras allows


def test_lambda_layers_follow_keras_safe_mode(tmp_path):
    def double(t):
        return t * 2

    x = keras.Input((3,))
    keras.Model(x, keras.layers.Lambda(double)(x)).save(tmp_path / "named.keras")
    keras.Model(x, keras.layers.Lambda(lambda t: t + 1)(x)).save(tmp_path / "bytecode.keras")
    with pytest.raises(striate.models.ModelFileError, match="Lambda layer.*safe mode.*safe_mode=False"):
        striate.models.load_model(tmp_path / "named.keras")
    with pytest.raises(striate.models.ModelFileError, match="pass that function in custom_objects"):
        striate.models.load_model(tmp_path / "named.keras", safe_mode=False)
    model = striate.models.load_model(tmp_path / "named.keras", safe_mode=False, custom_objects={"double": double})
    assert model.predict(np.ones((1, 3), "float32"), verbose=0).tolist() == [[2.0, 2.0, 2.0]]
    with pytest.raises(striate.models.ModelFileError, match="bytecode.*never runs code"):
        striate.models.load_model(tmp_path / "bytecode.keras", safe_mode=False)
