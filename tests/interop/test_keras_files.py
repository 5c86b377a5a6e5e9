"""Keras 3 ``.keras`` archives both ways, for every layer striate has: the same outputs in Keras and striate."""

import zipfile

import numpy as np
import pytest

import striate
from striate import layers as S
from tests.interop.layer_cases import cases, randomize
from tests.keras_oracle import keras_or_skip, to_numpy

keras = keras_or_skip()
pytest.importorskip("h5py")
RNG = np.random.default_rng(32)


def _predict_keras(model, xs):
    return to_numpy(model(xs if len(xs) > 1 else xs[0], training=False))


@pytest.mark.parametrize("build", list(cases(pytest)))
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
    model.save(tmp_path / "f.keras", format="keras")  # the spelling of model.export, as the issue writes it
    assert zipfile.is_zipfile(tmp_path / "f.keras")
    with pytest.raises(ValueError, match="disagree"):
        model.save(tmp_path / "y.keras", format="keras", save_format="striate")
    assert not (tmp_path / "x.keras").exists() and not (tmp_path / "y.keras").exists()


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
