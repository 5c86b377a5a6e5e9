"""The reference models (networks (b)-(e) of BENCHMARKS.md), residual blocks, and smoke runs of the
convnet examples."""

import importlib.util
import pathlib

import numpy as np
import pytest

import striate
from striate import applications, layers
from striate.datasets import DatasetNotFoundError

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


# ---- structure: output shapes and parameter counts ---------------------------------------------
# Counts worked out by hand (3x3 conv: 9 * C_in * C_out + C_out; dense: in * out + out; BN: 4 * C,
# half of it non-trainable); they equal what Keras reports for the same layers.
@pytest.mark.parametrize("build, input_shape, total, non_trainable", [
    (applications.lecun1989, (16, 16, 1), 312 + 3612 + 5790 + 310, 0),
    (applications.lenet5, (28, 28, 1), 156 + 2416 + 48120 + 10164 + 850, 0),
    (applications.cifar_cnn, (32, 32, 3), 896 + 9248 + 18496 + 36928 + 1180160 + 5130, 0),
    (applications.small_resnet, (32, 32, 3), 432 + 64 + 3 * 2 * (2304 + 64) + 170, 7 * 32),
])
def test_output_shape_and_parameter_counts(build, input_shape, total, non_trainable):
    model = build()
    assert isinstance(model, striate.Model) and not model.compiled
    assert model.input_shape == (None,) + input_shape
    assert model.output_shape == (None, 10)
    assert model.count_params() == total
    assert sum(w.size for w in model.non_trainable_weights) == non_trainable
    assert sum(w.size for w in model.trainable_weights) == total - non_trainable
    x = np.random.default_rng(0).uniform(0, 1, (2,) + input_shape).astype("float32")
    probabilities = model.predict(x, verbose=0)
    assert probabilities.shape == (2, 10) and probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_documented_totals():
    assert applications.lecun1989().count_params() == 10024
    assert applications.lenet5().count_params() == 61706
    assert applications.cifar_cnn().count_params() == 1250858
    assert applications.small_resnet().count_params() == 14874
    assert applications.small_resnet(use_bias=True).count_params() == 14874 + 7 * 16


def test_lecun1989_layer_shapes_follow_the_paper():
    model = applications.lecun1989()
    shapes = {layer.name: layer.output_shape for layer in model.layers}
    assert shapes["h1"] == (None, 8, 8, 12)
    assert shapes["h2"] == (None, 4, 4, 12)
    assert shapes["h3"] == (None, 30)
    assert model.get_layer("h1").get_config()["strides"] in ((2, 2), [2, 2])


def test_intermediate_shapes_of_lenet5_and_cifar_cnn():
    lenet = {layer.name: layer.output_shape for layer in applications.lenet5().layers}
    assert lenet["conv1"] == (None, 28, 28, 6) and lenet["pool2"] == (None, 5, 5, 16)
    assert lenet["flatten"] == (None, 400)
    cnn = {layer.name: layer.output_shape for layer in applications.cifar_cnn().layers}
    assert cnn["conv2"] == (None, 30, 30, 32) and cnn["conv4"] == (None, 13, 13, 64)
    assert cnn["flatten"] == (None, 2304)


def test_small_resnet_structure():
    model = applications.small_resnet()
    names = [layer.name for layer in model.layers]
    assert sum(isinstance(layer, layers.BatchNormalization) for layer in model.layers) == 7
    assert sum(isinstance(layer, layers.Add) for layer in model.layers) == 3
    assert all(f"block{i}_add" in names for i in (1, 2, 3))
    assert all(not layer.use_bias for layer in model.layers if isinstance(layer, layers.Conv2D))
    # Global pooling accepts any image size.
    flexible = applications.small_resnet(input_shape=(None, None, 3))
    assert flexible.predict(np.zeros((1, 12, 8, 3), "float32"), verbose=0).shape == (1, 10)


def test_arguments():
    logits = applications.lenet5(num_classes=4, classifier_activation=None)
    assert logits.output_shape == (None, 4)
    out = logits.predict(np.random.default_rng(1).uniform(size=(3, 28, 28, 1)), verbose=0)
    assert not np.allclose(out.sum(axis=1), 1.0)
    assert applications.lecun1989(activation="relu").get_layer("h1").get_config()["activation"] == "relu"
    assert applications.cifar_cnn(dropout=0.25).get_layer("dropout").rate == 0.25
    assert applications.small_resnet(filters=8, blocks=1).count_params() == \
        3 * 9 * 8 + 32 + 2 * (9 * 8 * 8 + 32) + 8 * 10 + 10


@pytest.mark.parametrize("build, features", [(applications.lecun1989, (4, 4, 12)), (applications.lenet5, (5, 5, 16)),
                                             (applications.cifar_cnn, (6, 6, 64)),
                                             (applications.small_resnet, (32, 32, 16))])
def test_feature_extractors(build, features):
    assert build(include_top=False).output_shape == (None,) + features
    assert build(include_top=False, pooling="avg").output_shape == (None, features[-1])
    assert build(include_top=False, pooling="max").output_shape == (None, features[-1])


def test_models_are_independent_and_round_trip_through_config():
    a, b = applications.lenet5(), applications.lenet5()
    assert a is not b and not np.array_equal(a.get_weights()[0], b.get_weights()[0])
    model = applications.small_resnet(filters=4, blocks=1, input_shape=(8, 8, 3))
    clone = striate.Model.from_config(model.get_config())
    assert clone.count_params() == model.count_params()
    clone.set_weights(model.get_weights())
    x = np.random.default_rng(2).uniform(size=(2, 8, 8, 3)).astype("float32")
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_bad_arguments_name_the_model():
    with pytest.raises(ValueError, match=r"lenet5: input_shape.*\(28, 28\)"):
        applications.lenet5(input_shape=(28, 28))
    with pytest.raises(ValueError, match="lecun1989: num_classes"):
        applications.lecun1989(num_classes=0)
    with pytest.raises(ValueError, match="cifar_cnn: pooling"):
        applications.cifar_cnn(include_top=False, pooling="mean")
    with pytest.raises(ValueError, match="only with include_top=False"):
        applications.small_resnet(pooling="avg")
    with pytest.raises(ValueError, match="small_resnet: blocks"):
        applications.small_resnet(blocks=-1)
    with pytest.raises(ValueError, match=r"lenet5: input_shape.*None"):
        applications.lenet5(input_shape=(None, 28, 1))


# ---- residual blocks through the functional API ------------------------------------------------
def test_residual_block_shapes_and_errors():
    x = striate.Input(shape=(6, 6, 8))
    y = applications.residual_block(x, 8, name="res")
    assert y.shape == (None, 6, 6, 8)
    with pytest.raises(ValueError, match=r"residual_block 'bad'.*4 channels.*\(None, 6, 6, 8\)"):
        applications.residual_block(x, 4, name="bad")


def test_conv_residual_network_trains_on_a_tiny_problem():
    """Input -> conv -> BN -> relu -> conv -> BN -> Add(shortcut) -> relu -> pool -> dense, with the functional API."""
    rng = np.random.default_rng(3)
    n = 64
    labels = rng.integers(0, 2, n)
    x = rng.normal(0, 0.3, (n, 8, 8, 1)).astype("float32")
    x[labels == 1, 2:6, 3:5, 0] += 1.0   # class 1: a bright vertical bar
    inputs = striate.Input(shape=(8, 8, 1))
    stem = layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    # momentum 0.8: the moving statistics must catch up within the test's 48 steps (Keras's 0.99 needs hundreds)
    h = layers.Conv2D(4, 3, padding="same", use_bias=False)(stem)
    h = layers.Activation("relu")(layers.BatchNormalization(momentum=0.8)(h))
    h = layers.Conv2D(4, 3, padding="same", use_bias=False)(h)
    h = layers.BatchNormalization(momentum=0.8)(h)
    h = layers.Activation("relu")(layers.Add()([stem, h]))
    outputs = layers.Dense(2, activation="softmax")(layers.GlobalAveragePooling2D()(h))
    model = striate.Model(inputs, outputs)
    model.compile(optimizer=striate.optimizers.Adam(learning_rate=0.02), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, labels, batch_size=16, epochs=12, verbose=0)
    assert history.history["loss"][-1] < 0.6 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.85
    # Inference uses the moving statistics, which by now describe the data.
    assert model.evaluate(x, labels, verbose=0)[1] > 0.85


def test_small_resnet_takes_training_steps():
    model = applications.small_resnet(input_shape=(8, 8, 3), filters=4, blocks=2)
    model.compile(optimizer=striate.optimizers.SGD(learning_rate=0.1, momentum=0.9),
                  loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(4)
    x = rng.uniform(size=(32, 8, 8, 3)).astype("float32")
    y = (x[:, :4].mean(axis=(1, 2, 3)) > x[:, 4:].mean(axis=(1, 2, 3))).astype("int64")
    moving_before = model.get_layer("stem_bn").moving_mean.numpy().copy()
    history = model.fit(x, y, batch_size=8, epochs=6, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert not np.allclose(model.get_layer("stem_bn").moving_mean.numpy(), moving_before)


# ---- smoke runs of the examples (the 97 % / 90 % checks themselves take minutes) ----------------
def _load_example(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["mnist_convnet", "fashion_mnist_convnet"])
def test_example_runs_one_epoch_on_a_slice(name, tmp_path, capsys):
    module = _load_example(name)
    try:
        status = module.main(["--epochs", "1", "--limit", "300", "--out", str(tmp_path)])
    except DatasetNotFoundError as error:
        pytest.skip(f"data not installed: {error}")
    assert status == 0
    printed = capsys.readouterr().out
    assert "test accuracy:" in printed and f"target >= {module.TARGET:.2f}" in printed
    assert all((tmp_path / png).is_file() for png in ("training_curves.png", "first_layer_filters.png", "confusion_matrix.png"))
