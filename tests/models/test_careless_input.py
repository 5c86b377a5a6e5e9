"""Careless and hostile arguments to fit/evaluate/predict: a clear error naming what was wrong,
raised before any weight changes (issue 11's list and what turned up beside it)."""

import numpy as np
import pytest

import striate
from striate import layers

RNG = np.random.default_rng(0)
X = RNG.normal(size=(12, 3)).astype("float32")
Y = RNG.integers(0, 3, 12)


def classifier():
    model = striate.Sequential([layers.Input(shape=(3,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def weights_of(model):
    return [w.tobytes() for w in model.get_weights()]


def refused(model, call, error, match):
    """``call(model)`` raises ``error`` matching ``match`` and leaves every weight as it was."""
    before = weights_of(model)
    with pytest.raises(error, match=match):
        call(model)
    assert weights_of(model) == before


@pytest.mark.parametrize("labels, match", [
    (np.full(12, 3), r"class ids outside \[0, 3\) \(min 3, max 3\)"),
    (np.full(12, -1), r"class ids outside \[0, 3\) \(min -1, max -1\)"),
    (np.full(12, 1.5), "integer class ids"),
    (np.full(12, np.nan), "NaN or infinite"),
    (np.where(np.arange(12) == 7, np.inf, 1.0), r"NaN or infinite values \(first at index \(7,\)\)"),
])
def test_bad_sparse_labels(labels, match):
    refused(classifier(), lambda m: m.fit(X, labels, verbose=0), ValueError, match)


def test_nan_in_one_hot_labels_and_in_validation_labels():
    model = classifier()
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    onehot = np.eye(3)[Y]
    onehot[4, 1] = np.nan
    refused(model, lambda m: m.fit(X, onehot, verbose=0), ValueError, "y contains NaN")
    refused(classifier(), lambda m: m.fit(X, Y, validation_data=(X, np.full(12, np.inf)), verbose=0),
            ValueError, "y_val contains NaN")


@pytest.mark.parametrize("x, error, match", [
    ([[1.0, 2.0, 3.0], [1.0, 2.0]], TypeError, "x could not be read as an array"),       # ragged
    (np.array([object()] * 12), TypeError, "x must hold numbers .* dtype object"),
    (np.array(["a"] * 12), TypeError, "x must hold numbers"),
    (X.astype(complex), TypeError, "dtype complex128"),
    (np.float32(3.0), ValueError, r"x is empty \(shape \(\)\)"),
    (None, ValueError, "x is None"),
])
def test_object_ragged_and_empty_inputs(x, error, match):
    refused(classifier(), lambda m: m.fit(x, Y[:len(x)] if hasattr(x, "__len__") and len(x) > 1 else Y,
                                          verbose=0), error, match)


@pytest.mark.parametrize("kwargs, match", [
    ({"batch_size": 0}, "batch_size must be a positive integer, got 0"),
    ({"batch_size": -4}, "batch_size must be a positive integer, got -4"),
    ({"batch_size": 2.5}, "batch_size must be a positive integer"),
    ({"batch_size": True}, "batch_size must be a positive integer"),
    ({"epochs": -1}, "epochs must be a non-negative integer, got -1"),
    ({"epochs": 2.0}, "epochs must be a non-negative integer"),
    ({"initial_epoch": -1}, "initial_epoch must be a non-negative integer"),
    ({"steps_per_epoch": 0}, "steps_per_epoch must be a positive integer or None, got 0"),
    ({"steps_per_epoch": -1}, "steps_per_epoch must be a positive integer"),
    ({"steps_per_epoch": 1.5}, "steps_per_epoch must be a positive integer"),
    ({"validation_split": 0.2, "validation_freq": 0}, "validation_freq must be a positive integer"),
    ({"validation_split": 0.2, "validation_steps": 0}, "validation_steps must be a positive integer"),
    ({"shuffle": "batch"}, "shuffle must be True or False"),
    ({"validation_split": 1.0}, r"validation_split must be a number in \[0, 1\)"),
    ({"sample_weight": -np.ones(12)}, "sample_weight must be a 1-D array of finite non-negative numbers"),
    ({"class_weight": {0: float("nan")}}, r"class_weight\[0\] must be a finite non-negative number"),
])
def test_bad_fit_arguments(kwargs, match):
    refused(classifier(), lambda m: m.fit(X, Y, verbose=0, **kwargs), ValueError, match)


def test_bad_callbacks_arguments():
    history = striate.callbacks.History()
    refused(classifier(), lambda m: m.fit(X, Y, callbacks=history, verbose=0), TypeError, "wrap it in a list")
    refused(classifier(), lambda m: m.fit(X, Y, callbacks=[3], verbose=0), TypeError, "Callback instances, got 3")


@pytest.mark.parametrize("method", ["evaluate", "predict"])
@pytest.mark.parametrize("kwargs, match", [
    ({"steps": 0}, "steps must be a positive integer or None, got 0"),
    ({"steps": -2}, "steps must be a positive integer"),
    ({"batch_size": 0}, "batch_size must be a positive integer"),
    ({"callbacks": striate.callbacks.History()}, "wrap it in a list"),
])
def test_bad_evaluate_and_predict_arguments(method, kwargs, match):
    args = (X, Y) if method == "evaluate" else (X,)
    error = TypeError if "callbacks" in kwargs else ValueError
    refused(classifier(), lambda m: getattr(m, method)(*args, verbose=0, **kwargs), error, match)


def test_initial_epoch_beyond_epochs_trains_nothing_as_keras():
    model = classifier()
    before = weights_of(model)
    assert model.fit(X, Y, epochs=1, initial_epoch=3, verbose=0).history == {}
    assert weights_of(model) == before


def test_set_weights_with_wrong_shapes_or_types_changes_nothing():
    model = classifier()
    kernel, bias = model.get_weights()
    refused(model, lambda m: m.set_weights([np.ones((4, 3)), bias]), ValueError, r"has shape \(3, 3\).*\(4, 3\)")
    refused(model, lambda m: m.set_weights([kernel, np.ones(4)]), ValueError, r"has shape \(3,\).*\(4,\)")
    refused(model, lambda m: m.set_weights([kernel]), ValueError, "expected 2 arrays, got 1")
    refused(model, lambda m: m.set_weights([kernel.astype(str), bias]), TypeError, "needs numbers")


def test_load_weights_of_another_architecture_changes_nothing(tmp_path):
    other = striate.Sequential([layers.Input(shape=(3,)), layers.Dense(4), layers.Dense(3)])
    path = tmp_path / "other.weights.safetensors"
    other.save_weights(path)
    refused(classifier(), lambda m: m.load_weights(path), ValueError, "weights")


def test_a_batch_too_large_to_allocate_names_the_layer_and_changes_nothing():
    # 1,000,000 samples x 30,000 units of float32 is 112 GiB: more than any test machine has.
    model = striate.Sequential([layers.Input(shape=(2,)), layers.Dense(30_000, name="wide"), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((1_000_000, 2), "float32"), np.zeros((1_000_000, 1), "float32")
    for call in (lambda m: m.predict(x, batch_size=len(x), verbose=0),
                 lambda m: m.fit(x, y, batch_size=len(x), verbose=0)):
        refused(model, call, MemoryError, r"Layer 'wide' \(Dense\) ran out of memory on inputs of shape "
                                          r"\(1000000, 2\).*smaller batch_size")
    # and the model still works on a batch that fits
    assert model.predict(x[:5], verbose=0).shape == (5, 1)
