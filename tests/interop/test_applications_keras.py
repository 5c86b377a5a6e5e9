"""VGG16, ResNet50 and MobileNetV2: Keras's architectures, names and weight files, checked against Keras 3.

Nothing can be downloaded here, so each test builds the same architecture in Keras
(``weights=None``, small inputs, a few classes), gives it random weights and batch
statistics, writes them as Keras writes an application file (the legacy ``.h5``
layout of the downloaded ImageNet weights) or as a ``.weights.h5``, and loads that
file into striate with ``weights=path``: the outputs must agree to float32 tolerance.
"""

import numpy as np
import pytest

import striate
from striate.applications import MobileNetV2, ResNet50, VGG16, imagenet, mobilenet_v2, resnet50, vgg16
from striate.saving.keras_h5 import keras_layer_order
from tests.keras_oracle import keras_or_skip, to_numpy

keras = keras_or_skip()
h5py = pytest.importorskip("h5py")
RNG = np.random.default_rng(21)


@pytest.fixture(autouse=True)
def _fresh_keras_names():
    keras.backend.clear_session()  # Keras numbers unnamed layers per session, as striate does


def randomize(model):
    """Random weights with sensible scales: kernels as initialised, BN statistics and affine random."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            c = layer.gamma.shape[0]
            layer.set_weights([RNG.uniform(0.5, 1.5, c), RNG.normal(0, 0.1, c), RNG.normal(0, 0.1, c),
                               RNG.uniform(0.5, 1.5, c)])
        elif layer.weights:
            layer.set_weights([w + RNG.normal(0, 0.01, w.shape) for w in layer.get_weights()])


def write_legacy_h5(model, path):
    """The layout of keras.applications' downloaded weight files (layer_names, weight_names)."""
    from keras.src.legacy.saving import legacy_h5_format

    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)


def compare(ours, theirs, shape, scale_tol=2e-4):
    x = RNG.uniform(-1, 1, size=(2,) + shape).astype("float32")
    expected = to_numpy(theirs(x, training=False))
    got = ours.predict(x, verbose=0)
    assert got.shape == expected.shape
    # float32 through ~50 layers: relative error of a few 1e-5 of the output's scale
    np.testing.assert_allclose(got, expected, rtol=scale_tol, atol=scale_tol * np.abs(expected).max())


CASES = [  # (application, builder, arguments, file layout); VGG16's top is 17M weights, so it is built once
    ("VGG16", VGG16, dict(include_top=True, classes=5, input_shape=(32, 32, 3), classifier_activation=None), "legacy"),
    ("VGG16", VGG16, dict(include_top=False, input_shape=(40, 32, 3), pooling="max"), "keras3"),
    ("ResNet50", ResNet50, dict(include_top=True, classes=4, input_shape=(32, 32, 3), classifier_activation=None),
     "legacy"),
    ("ResNet50", ResNet50, dict(include_top=False, input_shape=(32, 40, 3)), "keras3"),
    ("MobileNetV2", MobileNetV2, dict(include_top=False, input_shape=(64, 48, 3), pooling="avg", alpha=0.35),
     "legacy"),
    ("MobileNetV2", MobileNetV2, dict(include_top=True, classes=3, input_shape=(32, 32, 3), alpha=1.3), "keras3"),
]


@pytest.mark.parametrize("class_name,build,kwargs,fmt", CASES)
def test_keras_weights_file_loads_into_the_same_architecture(tmp_path, class_name, build, kwargs, fmt):
    reference = getattr(keras.applications, class_name)(weights=None, **kwargs)
    randomize(reference)
    path = tmp_path / ("w.h5" if fmt == "legacy" else "w.weights.h5")
    if fmt == "legacy":
        write_legacy_h5(reference, path)
    else:
        reference.save_weights(path)
    ours = build(weights=str(path), **kwargs)
    # the same layers, and in Keras's order (which names the weight groups of Keras 3 files)
    assert [layer.name for layer in keras_layer_order(ours)] == [layer.name for layer in reference.layers]
    assert sorted(layer.name for layer in ours.layers) == sorted(layer.name for layer in reference.layers)
    assert ours.count_params() == reference.count_params() and ours.name == reference.name
    compare(ours, reference, kwargs["input_shape"])


def test_full_size_parameter_counts_match_keras():
    for class_name, build, kwargs in [("ResNet50", ResNet50, {}), ("MobileNetV2", MobileNetV2, {"alpha": 0.5})]:
        reference = getattr(keras.applications, class_name)(weights=None, **kwargs)
        ours = build(weights=None, **kwargs)
        assert ours.count_params() == reference.count_params() and ours.output_shape == (None, 1000)
        assert ours.name == reference.name
    assert vgg16.VGG16(weights=None, include_top=False).output_shape == (None, None, None, 512)


def test_transfer_learning_recipe_on_a_loaded_base(tmp_path):
    """The lecture's recipe: frozen pretrained base, new head, a few steps lower the loss."""
    reference = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3), alpha=0.35)
    labels = np.arange(32) % 2  # dark images against bright ones
    images = mobilenet_v2.preprocess_input(RNG.uniform(0, 100, (32, 32, 32, 3)) + 155 * labels[:, None, None, None])
    # Stand-in for ImageNet training: batch norms calibrated on the images (momentum 0 for one pass), so
    # that the frozen features keep their scale through 50 layers, as trained statistics do.
    for layer in reference.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = 0.0
    reference(images[::2].astype("float32"), training=True)
    write_legacy_h5(reference, tmp_path / "base.h5")
    base = MobileNetV2(weights=str(tmp_path / "base.h5"), include_top=False, input_shape=(32, 32, 3), alpha=0.35)
    base.trainable = False
    inputs = striate.Input(shape=(32, 32, 3))
    x = base(inputs, training=False)
    x = striate.layers.GlobalAveragePooling2D()(x)
    outputs = striate.layers.Dense(2, activation="softmax")(x)
    model = striate.Model(inputs, outputs)
    model.compile(optimizer=striate.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    before = [w.copy() for w in base.get_weights()]
    history = model.fit(images, labels, epochs=10, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] == 1.0
    assert all((a == b).all() for a, b in zip(before, base.get_weights()))  # the frozen base did not move


def test_imagenet_weights_raise_a_clear_error():
    with pytest.raises(ValueError, match=r"does not download.*vgg16_weights_tf_dim_ordering_tf_kernels_notop\.h5.*"
                                         r"weights='/path/to/"):
        VGG16(include_top=False)
    with pytest.raises(ValueError, match=r"resnet50_weights_tf_dim_ordering_tf_kernels\.h5"):
        ResNet50()
    with pytest.raises(ValueError, match=r"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0\.5_128_no_top\.h5"):
        MobileNetV2(input_shape=(128, 128, 3), alpha=0.5, include_top=False)


def test_keras_argument_rules():
    with pytest.raises(ValueError, match="classes must be 1000"):
        VGG16(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="at least 32x32"):
        ResNet50(weights=None, include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="must be static"):
        VGG16(weights=None, input_shape=(None, None, 3))
    with pytest.raises(ValueError, match="no such file"):
        VGG16(weights="/nonexistent/weights.h5")
    with pytest.raises(ValueError, match="pooling must be"):
        ResNet50(weights=None, include_top=False, pooling="mean")
    with pytest.raises(ValueError, match="alpha in"):
        MobileNetV2(alpha=0.6)
    with pytest.warns(UserWarning, match="1 or 3 input channels"):
        VGG16(weights=None, include_top=False, input_shape=(32, 32, 4))


def test_classifier_activation_is_checked_with_weights(tmp_path):
    reference = keras.applications.MobileNetV2(weights=None, input_shape=(32, 32, 3), alpha=0.35, classes=2)
    reference.save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match="classifier_activation must be None or 'softmax'"):
        MobileNetV2(weights=str(tmp_path / "w.weights.h5"), input_shape=(32, 32, 3), alpha=0.35, classes=2,
                    classifier_activation="sigmoid")


def test_preprocess_input_matches_keras():
    x = RNG.uniform(0, 255, (2, 4, 5, 3)).astype("float32")
    for ours, theirs in [(vgg16.preprocess_input, keras.applications.vgg16.preprocess_input),
                         (resnet50.preprocess_input, keras.applications.resnet50.preprocess_input),
                         (mobilenet_v2.preprocess_input, keras.applications.mobilenet_v2.preprocess_input)]:
        np.testing.assert_allclose(ours(x), to_numpy(theirs(x.copy())), rtol=1e-6, atol=1e-4)
    assert imagenet.preprocess_input(x, mode="torch").shape == x.shape
    assert ours(x) is not x and (x == x).all()
