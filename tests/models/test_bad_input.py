"""Bad input gets a clear ValueError/TypeError naming the argument, the expected and the received
value, before anything changes: every weight (and the optimizer) is bit-identical afterwards."""

import re

import numpy as np
import pytest

import striate
from striate.callbacks import Callback
from striate.layers import Dense, Input
from striate.models import Sequential

N, FEATURES, CLASSES = 12, 4, 3


def make_model(loss="sparse_categorical_crossentropy", units=CLASSES, activation="softmax", compiled=True):
    model = Sequential([Input(shape=(FEATURES,)), Dense(5, activation="relu"), Dense(units, activation=activation)])
    if compiled:
        model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


def data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((N, FEATURES)).astype("float32"), np.arange(N) % CLASSES


def with_value_at(array, index, value):
    out = np.array(array, dtype="float64")
    out[index] = value
    return out


def snapshot(model):
    return [w.tobytes() for w in model.get_weights()]


def assert_fails_cleanly(model, call, error, *patterns):
    """``call()`` raises ``error`` whose message matches every pattern; the model is untouched."""
    before = snapshot(model)
    iterations = model.optimizer.iterations if model.optimizer is not None else None
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    for pattern in patterns:
        assert re.search(pattern, message), f"{pattern!r} not in {message!r}"
    assert snapshot(model) == before
    if iterations is not None:
        assert model.optimizer.iterations == iterations
    assert "operands could not be broadcast" not in message


x, labels = data()

# (id, call(model), error, patterns): every bad input from the issue, at fit, evaluate and predict.
CASES = [
    ("fit: wrong feature count", lambda m: m.fit(np.ones((N, 5)), labels, verbose=0), ValueError,
     [r"expects samples of shape \(4,\)", r"x has shape \(12, 5\)"]),
    ("predict: wrong feature count", lambda m: m.predict(np.ones((N, 5)), verbose=0), ValueError,
     [r"expects samples of shape \(4,\)", r"x has shape \(12, 5\)"]),
    ("fit: wrong rank", lambda m: m.fit(np.ones((N, 4, 1)), labels, verbose=0), ValueError,
     [r"expects samples of shape \(4,\)", r"\(12, 4, 1\)"]),
    ("predict: wrong rank", lambda m: m.predict(np.ones((2, 2, 2)), verbose=0), ValueError,
     [r"\(4,\)", r"\(2, 2, 2\)"]),
    ("evaluate: wrong feature count", lambda m: m.evaluate(np.ones((N, 3)), labels, verbose=0), ValueError,
     [r"\(4,\)", r"\(12, 3\)"]),
    ("fit: x and y lengths differ", lambda m: m.fit(x, labels[:-1], verbose=0), ValueError,
     [r"same number of samples", r"x: 12", r"y: 11"]),
    ("fit: label above the class range", lambda m: m.fit(x, with_value_at(labels, 5, 3), verbose=0), ValueError,
     [r"y holds class ids outside \[0, 3\)", r"max 3"]),
    ("fit: negative label", lambda m: m.fit(x, with_value_at(labels, 0, -1), verbose=0), ValueError,
     [r"outside \[0, 3\)", r"min -1"]),
    ("fit: non-integer label", lambda m: m.fit(x, with_value_at(labels, 0, 0.5), verbose=0), ValueError,
     [r"integer class ids", r"0\.5"]),
    ("fit: NaN in x", lambda m: m.fit(with_value_at(x, (7, 2), np.nan), labels, verbose=0), ValueError,
     [r"x contains NaN or infinite values", r"\(7, 2\)"]),
    ("fit: inf in x", lambda m: m.fit(with_value_at(x, (0, 0), np.inf), labels, verbose=0), ValueError,
     [r"x contains NaN or infinite"]),
    ("predict: NaN in x", lambda m: m.predict(with_value_at(x, (11, 3), np.nan), verbose=0), ValueError,
     [r"x contains NaN", r"\(11, 3\)"]),
    ("fit: NaN in y", lambda m: m.fit(x, with_value_at(labels, 4, np.nan), verbose=0), ValueError,
     [r"y contains NaN or infinite values", r"\(4,\)"]),
    ("evaluate: inf in y", lambda m: m.evaluate(x, with_value_at(labels, 2, np.inf), verbose=0), ValueError,
     [r"y contains NaN or infinite"]),
    ("fit: empty x", lambda m: m.fit(np.zeros((0, 4)), np.zeros(0), verbose=0), ValueError,
     [r"x is empty", r"\(0, 4\)"]),
    ("predict: empty x", lambda m: m.predict(np.zeros((0, 4)), verbose=0), ValueError, [r"x is empty"]),
    ("evaluate: empty y", lambda m: m.evaluate(x[:0], labels[:0], verbose=0), ValueError, [r"is empty"]),
    ("fit: batch size 0", lambda m: m.fit(x, labels, batch_size=0, verbose=0), ValueError,
     [r"batch_size must be a positive integer, got 0"]),
    ("fit: negative batch size", lambda m: m.fit(x, labels, batch_size=-4, verbose=0), ValueError,
     [r"batch_size .* got -4"]),
    ("predict: fractional batch size", lambda m: m.predict(x, batch_size=2.5, verbose=0), ValueError,
     [r"batch_size .* got 2\.5"]),
    ("evaluate: batch size True", lambda m: m.evaluate(x, labels, batch_size=True, verbose=0), ValueError,
     [r"batch_size .* got True"]),
    ("fit: x is None", lambda m: m.fit(None, labels, verbose=0), ValueError, [r"x is None"]),
    ("fit: y is None", lambda m: m.fit(x, None, verbose=0), ValueError, [r"y is None"]),
    ("fit: strings", lambda m: m.fit(np.full((N, 4), "a"), labels, verbose=0), TypeError,
     [r"x must hold numbers", r"<U1"]),
    ("predict: ragged", lambda m: m.predict([[1, 2, 3, 4], [1, 2]], verbose=0), TypeError,
     [r"x could not be read as an array"]),
    ("fit: sample_weight length", lambda m: m.fit(x, labels, sample_weight=np.ones(N - 2), verbose=0), ValueError,
     [r"sample_weight: 10"]),
    ("fit: negative sample_weight", lambda m: m.fit(x, labels, sample_weight=-np.ones(N), verbose=0), ValueError,
     [r"sample_weight must be .*non-negative", r"minimum -1"]),
    ("fit: class_weight not a dict", lambda m: m.fit(x, labels, class_weight=[1.0, 2.0], verbose=0), TypeError,
     [r"class_weight must be a dict", r"list"]),
    ("fit: negative class weight", lambda m: m.fit(x, labels, class_weight={0: -1.0}, verbose=0), ValueError,
     [r"class_weight\[0\] must be a finite non-negative number, got -1\.0"]),
    ("fit: negative epochs", lambda m: m.fit(x, labels, epochs=-1, verbose=0), ValueError,
     [r"epochs must be a non-negative integer, got -1"]),
    ("fit: verbose 3", lambda m: m.fit(x, labels, verbose=3), ValueError, [r"verbose must be .* got 3"]),
    ("fit: callbacks not Callbacks", lambda m: m.fit(x, labels, verbose=0, callbacks=[print]), TypeError,
     [r"callbacks must be striate.callbacks.Callback instances"]),
    ("fit: validation_split out of range", lambda m: m.fit(x, labels, validation_split=1.0, verbose=0), ValueError,
     [r"validation_split must be a number in \[0, 1\), got 1\.0"]),
    ("fit: validation_data of one array", lambda m: m.fit(x, labels, validation_data=(x,), verbose=0), ValueError,
     [r"validation_data must be a tuple \(x_val, y_val\)"]),
    # the validation data is checked before the first epoch, including its last samples
    ("fit: NaN near the end of x_val",
     lambda m: m.fit(x, labels, validation_data=(with_value_at(x, (10, 1), np.nan), labels), verbose=0),
     ValueError, [r"x_val contains NaN", r"\(10, 1\)"]),
    ("fit: label out of range near the end of y_val",
     lambda m: m.fit(x, labels, validation_data=(x, with_value_at(labels, 11, 9)), verbose=0),
     ValueError, [r"y_val holds class ids outside \[0, 3\)", r"max 9"]),
    ("fit: x_val with wrong features",
     lambda m: m.fit(x, labels, validation_data=(np.ones((N, 6)), labels), verbose=0),
     ValueError, [r"\(4,\)", r"x_val has shape \(12, 6\)"]),
    ("fit: x_val and y_val lengths differ",
     lambda m: m.fit(x, labels, validation_data=(x, labels[:5]), verbose=0),
     ValueError, [r"x_val and y_val must have the same number of samples", r"y_val: 5"]),
    ("train_on_batch: wrong features", lambda m: m.train_on_batch(np.ones((3, 2)), labels[:3]), ValueError,
     [r"\(4,\)", r"\(3, 2\)"]),
    ("train_on_batch: label out of range", lambda m: m.train_on_batch(x, labels + 1), ValueError,
     [r"outside \[0, 3\)"]),
    ("test_on_batch: NaN", lambda m: m.test_on_batch(with_value_at(x, 0, np.nan), labels), ValueError, [r"NaN"]),
    ("predict_on_batch: wrong features", lambda m: m.predict_on_batch(np.ones((3, 5))), ValueError,
     [r"\(4,\)", r"\(3, 5\)"]),
]


@pytest.mark.parametrize("call, error, patterns", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_raises_clearly_and_leaves_the_model_unchanged(call, error, patterns):
    model = make_model()
    model.fit(x, labels, epochs=1, verbose=0)          # trained once: optimizer state exists too
    assert_fails_cleanly(model, lambda: call(model), error, *patterns)


@pytest.mark.parametrize("y, patterns", [
    (np.zeros((N, 4)), [r"y has shape \(12, 4\)", r"one-hot rows of width 3"]),
    (np.zeros((N, 2)), [r"\(12, 2\)", r"width 3"]),
    (np.arange(N) % 3, [r"\(12,\)", r"width 3", r"sparse_categorical_crossentropy"]),
])
def test_one_hot_labels_of_the_wrong_width(y, patterns):
    model = make_model(loss="categorical_crossentropy")
    assert_fails_cleanly(model, lambda: model.fit(x, y, verbose=0), ValueError, *patterns)
    assert_fails_cleanly(model, lambda: model.evaluate(x, y, verbose=0), ValueError, *patterns)


def test_binary_labels_outside_zero_one():
    model = make_model(loss="binary_crossentropy", units=1, activation="sigmoid")
    assert_fails_cleanly(model, lambda: model.fit(x, np.full(N, 2.0), verbose=0), ValueError,
                         r"values in \[0, 1\] for binary_crossentropy", r"max 2\.0")


def test_regression_targets_of_the_wrong_shape():
    model = make_model(loss="mse", units=2, activation=None)
    assert_fails_cleanly(model, lambda: model.fit(x, np.zeros((N, 3)), verbose=0), ValueError,
                         r"y has samples of shape \(3,\)", r"output gives samples of shape \(2,\)")


@pytest.mark.parametrize("kwargs, patterns", [
    ({"optimizer": "adamm", "loss": "mse"}, [r"Unknown optimizer 'adamm'", r"adam"]),
    ({"optimizer": "adam", "loss": "mean_squared_eror"}, [r"Unknown loss 'mean_squared_eror'", r"mean_squared_error"]),
    ({"optimizer": "adam", "loss": "mse", "metrics": ["acuracy"]}, [r"Unknown metric 'acuracy'"]),
])
def test_unknown_names_at_compile_leave_the_previous_compile(kwargs, patterns):
    model = make_model()
    optimizer = model.optimizer
    assert_fails_cleanly(model, lambda: model.compile(**kwargs), ValueError, *patterns)
    assert model.optimizer is optimizer and model.loss == "sparse_categorical_crossentropy"
    model.fit(x, labels, verbose=0)                     # the earlier compile still works


def test_unknown_metric_is_caught_before_the_model_is_built():
    model = Sequential([Dense(2)])
    with pytest.raises(ValueError, match="Unknown metric 'acuracy'"):
        model.compile(optimizer="sgd", loss="mse", metrics=["acuracy"])


def test_unknown_activation_names_the_activation():
    with pytest.raises(ValueError, match=r"unknown activation 'sigmoidd'.*'sigmoid'"):
        Dense(3, activation="sigmoidd")
    with pytest.raises(ValueError, match="unknown activation 'rlu'"):
        striate.layers.Activation("rlu")


@pytest.mark.parametrize("method", ["fit", "evaluate", "train_on_batch", "test_on_batch"])
def test_training_methods_before_compile(method):
    # Keras raises RuntimeError here ("You must call compile() before ..."); the issue asks for a
    # ValueError: NotCompiledError is both.
    model = make_model(compiled=False)
    assert issubclass(striate.models.NotCompiledError, RuntimeError)
    assert_fails_cleanly(model, lambda: getattr(model, method)(x, labels), ValueError,
                         rf"call compile\(optimizer=\.\.\., loss=\.\.\.\) before {method}\(\)")


def test_predict_before_compile_works():
    assert make_model(compiled=False).predict(x, verbose=0).shape == (N, CLASSES)


def test_a_failure_inside_training_does_not_hide_behind_bad_input_checks():
    # A callback that fails in the first batch: the error surfaces unchanged.
    class Boom(Callback):
        def on_train_batch_end(self, batch, logs=None):
            raise KeyError("boom")

    model = make_model()
    with pytest.raises(KeyError, match="boom"):
        model.fit(x, labels, verbose=0, callbacks=[Boom()])


def test_several_inputs_bad_input_names_the_input():
    a, b = Input(shape=(2,), name="left"), Input(shape=(3,), name="right")
    model = striate.Model([a, b], Dense(1)(striate.layers.Concatenate()([a, b])))
    model.compile(optimizer="sgd", loss="mse")
    good = [np.ones((4, 2)), np.ones((4, 3))]
    assert_fails_cleanly(model, lambda: model.fit([good[0], np.ones((4, 4))], np.ones(4), verbose=0), ValueError,
                         r"input 'right' expects samples of shape \(3,\)", r"x for input 'right' has shape \(4, 4\)")
    assert_fails_cleanly(model, lambda: model.fit([good[0], good[1][:3]], np.ones(4), verbose=0), ValueError,
                         r"x: 4, x: 3, y: 4")
    assert_fails_cleanly(model, lambda: model.fit({"left": good[0]}, np.ones(4), verbose=0), ValueError,
                         r"without entries for \['right'\]")
