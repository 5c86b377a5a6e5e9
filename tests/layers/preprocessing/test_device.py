"""The preprocessing layers and the data pipeline on the strict fake device (tests/gpu/fake_device.py):
the same numbers as on NumPy, so no host array reaches the engine and no device array reaches NumPy.

Random draws stay on the host (a seed gives the same augmentation on every backend), the
resampling plans are built there and moved once per call, and a PyDataset's batches are moved
to the device after their checks, as ArrayIterator moves array batches.
"""

import numpy as np
import pytest

import striate
from striate import backend
from tests.gpu import device_checks as C
from tests.gpu import fake_device

fake_device.register()
L = striate.layers

LAYERS = [
    ("rescaling", lambda: L.Rescaling(0.5, [0.1, 0.2, 0.3])),
    ("resizing_bilinear", lambda: L.Resizing(4, 7)),
    ("resizing_pad", lambda: L.Resizing(5, 5, pad_to_aspect_ratio=True, fill_value=0.5)),
    ("resizing_area_crop", lambda: L.Resizing(3, 3, interpolation="area", crop_to_aspect_ratio=True)),
    ("center_crop", lambda: L.CenterCrop(4, 4)),
    ("random_crop", lambda: L.RandomCrop(4, 5, seed=1)),
    ("random_flip", lambda: L.RandomFlip(seed=1)),
    ("random_rotation_reflect", lambda: L.RandomRotation(0.2, seed=2)),
    ("random_rotation_constant_nearest", lambda: L.RandomRotation(0.2, fill_mode="constant", fill_value=0.3,
                                                                  interpolation="nearest", seed=2)),
    ("random_zoom_constant", lambda: L.RandomZoom(0.3, fill_mode="constant", fill_value=-1.0, seed=3)),
    ("random_translation_wrap", lambda: L.RandomTranslation(0.2, 0.3, fill_mode="wrap", seed=4)),
    ("random_contrast", lambda: L.RandomContrast(0.4, value_range=(-5, 5), seed=5)),
    ("random_brightness", lambda: L.RandomBrightness(0.2, value_range=(-5, 5), seed=6)),
    ("random_grayscale", lambda: L.RandomGrayscale(0.5, seed=7)),
    ("normalization_fixed", lambda: L.Normalization(mean=[0.1, 0.2, 0.3], variance=[1.0, 2.0, 3.0])),
]


def case_without_gradient(make_layer, input_shape):
    """The augmentation path taken for input images (no graph: plain array code)."""
    layer = make_layer()
    x = C._data((3,) + input_shape)
    return {"y": layer(x, training=True).numpy(), "inference": layer(x, training=False).numpy()}


def case_adapt_and_stream_fit():
    """Normalization.adapt over a PyDataset, then fit/evaluate/predict on it with workers."""

    class Data(striate.utils.PyDataset):
        def __len__(self):
            return 4

        def __getitem__(self, index):
            x, y = C._data((8, 6, 6, 3), seed=index, classes=3)
            return x, y

    norm = L.Normalization()
    norm.adapt(Data())
    model = striate.Sequential([striate.Input((6, 6, 3)), norm, L.RandomFlip(seed=1), L.RandomRotation(0.1, seed=2),
                                L.Conv2D(4, 3, activation="relu"), L.Flatten(), L.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(Data(workers=2), epochs=2, verbose=0, validation_data=Data(workers=0))
    return {"history": {k: [float(v) for v in vs] for k, vs in history.history.items()},
            "evaluate": [float(v) for v in model.evaluate(Data(), verbose=0)],
            "predict": model.predict(Data(), verbose=0), "weights": model.get_weights(),
            "mean": backend.to_host(norm.adapt_mean.data)}


@pytest.mark.parametrize("name, make_layer", LAYERS, ids=[name for name, _ in LAYERS])
def test_layers_match_numpy_on_the_fake_device(name, make_layer):
    expected, got = C.on("numpy", C.case_layer, make_layer, (6, 8, 3)), C.on("fake", C.case_layer, make_layer, (6, 8, 3))
    C.assert_close(expected, got, where=name)
    expected = C.on("numpy", case_without_gradient, make_layer, (6, 8, 3))
    got = C.on("fake", case_without_gradient, make_layer, (6, 8, 3))
    C.assert_close(expected, got, where=name + " without gradient")


def test_adapt_and_a_pydataset_fit_match_numpy_on_the_fake_device():
    expected, got = C.on("numpy", case_adapt_and_stream_fit), C.on("fake", case_adapt_and_stream_fit)
    C.assert_close(expected, got, where="stream fit")
    assert isinstance(got["predict"], np.ndarray)
