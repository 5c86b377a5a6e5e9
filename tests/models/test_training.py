"""compile / fit / evaluate / predict and the single-batch methods, checked against NumPy."""

import warnings

import numpy as np
import pytest

import striate
from striate.callbacks import LambdaCallback
from striate.layers import Dense, Input
from striate.models import Sequential
from striate.optimizers import SGD


def classification_data(n=60, features=5, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype("float32")
    labels = np.argmax(x[:, :classes] + 0.3 * rng.standard_normal((n, classes)), axis=1)
    return x, labels, np.eye(classes, dtype="float32")[labels]


def classifier(features=5, classes=3, hidden=8):
    return Sequential([Input(shape=(features,)), Dense(hidden, activation="tanh", name="hidden"),
                       Dense(classes, activation="softmax", name="output")])


def regression_data(n=40, features=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")[:features] + 0.1).astype("float32")
    return x, y


def linear_model(features=3):
    return Sequential([Input(shape=(features,)), Dense(1, name="linear")])


def np_mse(model, x, y):
    return float(np.mean((model.predict(x, verbose=0) - y) ** 2))


def np_cce(model, x, onehot):
    p = np.clip(model.predict(x, verbose=0), 1e-7, 1 - 1e-7)
    return float(np.mean(-np.sum(onehot * np.log(p), axis=1)))


def np_accuracy(model, x, labels):
    return float(np.mean(np.argmax(model.predict(x, verbose=0), axis=1) == labels))


def same_weights(a, b):
    return all(np.array_equal(u, v) for u, v in zip(a, b))


# ---- history -----------------------------------------------------------------------------------
def test_history_has_keras_keys_and_one_value_per_epoch():
    x, labels, y = classification_data()
    model = classifier()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x[:40], y[:40], epochs=3, batch_size=10, validation_data=(x[40:], y[40:]), verbose=0)
    assert isinstance(history, striate.callbacks.History) and model.history is history
    assert list(history.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert all(len(values) == 3 for values in history.history.values())
    assert all(isinstance(v, float) for values in history.history.values() for v in values)
    assert history.epoch == [0, 1, 2]
    # the last validation values are those of the final weights
    assert history.history["val_loss"][-1] == pytest.approx(np_cce(model, x[40:], y[40:]), rel=1e-5)
    assert history.history["val_accuracy"][-1] == pytest.approx(np_accuracy(model, x[40:], labels[40:]))


def test_sparse_labels_with_accuracy_metric():
    x, labels, _ = classification_data()
    model = classifier()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, labels, epochs=2, validation_split=0.2, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    loss, accuracy = model.evaluate(x, labels, verbose=0)
    assert accuracy == pytest.approx(np_accuracy(model, x, labels))


def test_training_lowers_the_loss_and_learns():
    x, labels, y = classification_data(n=120)
    model = classifier()
    model.compile(optimizer=striate.optimizers.Adam(0.05), loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert np_accuracy(model, x, labels) > 0.85


# ---- validation_split, shuffle, initial_epoch --------------------------------------------------
def test_validation_split_holds_out_the_last_fraction_as_keras():
    x, y = regression_data(n=10)
    model = linear_model()
    model.compile(optimizer=SGD(learning_rate=0.0), loss="mse")      # weights never change
    steps = []
    history = model.fit(x, y, batch_size=1, epochs=1, validation_split=0.25, shuffle=False, verbose=0,
                        callbacks=[LambdaCallback(on_train_batch_begin=lambda batch, logs: steps.append(batch))])
    assert len(steps) == 7                                            # floor(10 * 0.75) train, 3 validate
    assert history.history["loss"][0] == pytest.approx(np_mse(model, x[:7], y[:7]), rel=1e-5)
    assert history.history["val_loss"][0] == pytest.approx(np_mse(model, x[7:], y[7:]), rel=1e-5)


def test_validation_split_that_leaves_nothing_is_an_error():
    x, y = regression_data(n=1)
    model = linear_model()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="validation_split=0.5 leaves no samples"):
        model.fit(x, y, validation_split=0.5, verbose=0)
    with pytest.raises(ValueError, match=r"validation_split must be a number in \[0, 1\), got 1.5"):
        model.fit(x, y, validation_split=1.5, verbose=0)


def _fit_weights(initial, seed, shuffle):
    x, y = regression_data()
    model = linear_model()
    model.set_weights(initial)
    model.compile(optimizer=SGD(learning_rate=0.05), loss="mse")
    striate.utils.set_random_seed(seed)
    model.fit(x, y, batch_size=4, epochs=2, shuffle=shuffle, verbose=0)
    return model.get_weights()


def test_shuffle_false_is_deterministic_and_shuffle_true_follows_the_seed():
    initial = linear_model().get_weights()
    assert same_weights(_fit_weights(initial, 1, False), _fit_weights(initial, 2, False))
    assert same_weights(_fit_weights(initial, 1, True), _fit_weights(initial, 1, True))
    assert not same_weights(_fit_weights(initial, 1, True), _fit_weights(initial, 2, True))
    assert not same_weights(_fit_weights(initial, 1, True), _fit_weights(initial, 1, False))


def test_a_seeded_run_is_repeatable_end_to_end():
    def run():
        striate.utils.set_random_seed(5)
        x, _, y = classification_data()
        model = classifier()
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        return model.fit(x, y, epochs=2, batch_size=8, verbose=0).history["loss"], model.get_weights()

    (loss_a, weights_a), (loss_b, weights_b) = run(), run()
    assert loss_a == loss_b and same_weights(weights_a, weights_b)


def test_initial_epoch_resumes_the_epoch_count():
    x, y = regression_data()
    model = linear_model()
    model.compile(optimizer="sgd", loss="mse")
    seen = []
    history = model.fit(x, y, epochs=5, initial_epoch=3, verbose=0,
                        callbacks=[LambdaCallback(on_epoch_begin=lambda epoch, logs: seen.append(epoch))])
    assert seen == [3, 4] and history.epoch == [3, 4] and len(history.history["loss"]) == 2


def test_zero_epochs_trains_nothing():
    x, y = regression_data()
    model = linear_model()
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_weights()
    history = model.fit(x, y, epochs=0, verbose=0)
    assert history.history == {} and same_weights(before, model.get_weights())


# ---- sample_weight and class_weight ------------------------------------------------------------
def test_evaluate_with_sample_weight_is_keras_sum_over_batch_size():
    x, y = regression_data(n=8)
    model = linear_model()
    model.compile(optimizer="sgd", loss="mse")
    w = np.array([0, 1, 2, 3, 0, 1, 2, 3], dtype="float32")
    per_sample = np.mean((model.predict(x, verbose=0) - y) ** 2, axis=1)
    assert model.evaluate(x, y, sample_weight=w, batch_size=8, verbose=0) == pytest.approx(
        np.sum(w * per_sample) / 8, rel=1e-5)


def test_zero_sample_weights_remove_samples_from_training():
    x, y = regression_data(n=12)
    corrupted = y.copy()
    corrupted[::3] = 1e3                                             # bad targets, weighted zero
    w = np.ones(12, dtype="float32")
    w[::3] = 0.0
    initial = linear_model().get_weights()
    results = []
    for targets in (y, corrupted):
        model = linear_model()
        model.set_weights(initial)
        model.compile(optimizer=SGD(learning_rate=0.1), loss="mse")
        model.fit(x, targets, sample_weight=w, batch_size=12, epochs=3, shuffle=False, verbose=0)
        results.append(model.get_weights())
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_class_weight_equals_the_matching_sample_weight_and_shifts_predictions():
    x, labels, y = classification_data()
    initial = classifier().get_weights()

    def train(**kwargs):
        model = classifier()
        model.set_weights(initial)
        model.compile(optimizer=SGD(learning_rate=0.5), loss="categorical_crossentropy")
        model.fit(x, y, batch_size=20, epochs=5, shuffle=False, verbose=0, **kwargs)
        return model

    weights = {0: 1.0, 1: 1.0, 2: 8.0}
    by_class = train(class_weight=weights)
    by_sample = train(sample_weight=np.array([weights[int(c)] for c in labels], dtype="float32"))
    for a, b in zip(by_class.get_weights(), by_sample.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    plain = train()
    assert by_class.predict(x, verbose=0)[:, 2].mean() > plain.predict(x, verbose=0)[:, 2].mean() + 0.05


# ---- evaluate, predict ---------------------------------------------------------------------------
def test_evaluate_return_forms():
    x, labels, y = classification_data()
    model = classifier()
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    loss = model.evaluate(x, y, verbose=0)
    assert isinstance(loss, float) and loss == pytest.approx(np_cce(model, x, y), rel=1e-5)
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    values = model.evaluate(x, y, batch_size=7, verbose=0)
    assert isinstance(values, list) and len(values) == 2
    assert values[0] == pytest.approx(loss, rel=1e-5)
    assert values[1] == pytest.approx(np_accuracy(model, x, labels))
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert logs == {"loss": pytest.approx(loss, rel=1e-5), "accuracy": pytest.approx(values[1])}
    assert model.metrics_names == ["loss", "accuracy"]


def test_evaluate_does_not_change_the_weights():
    x, _, y = classification_data()
    model = classifier()
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    before = model.get_weights()
    model.evaluate(x, y, verbose=0)
    assert same_weights(before, model.get_weights())


@pytest.mark.parametrize("batch_size", [1, 7, 32, 1000])
def test_predict_in_batches_equals_one_big_batch(batch_size):
    x, _, _ = classification_data(n=50)
    model = classifier()
    whole = model.predict_on_batch(x)
    np.testing.assert_allclose(model.predict(x, batch_size=batch_size, verbose=0), whole, rtol=1e-6, atol=1e-7)
    assert model.predict(x, batch_size=batch_size, verbose=0).shape == (50, 3)


def test_predict_accepts_integer_and_float64_data():
    model = classifier()
    ints = np.arange(15).reshape(3, 5)
    out = model.predict(ints, verbose=0)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, model.predict(ints.astype("float64"), verbose=0))


# ---- single batches ----------------------------------------------------------------------------
def test_train_on_batch_returns_the_pre_update_loss_and_lowers_it():
    x, y = regression_data(n=16)
    model = linear_model()
    model.compile(optimizer=SGD(learning_rate=0.05), loss="mse")
    before = model.test_on_batch(x, y)
    assert before == pytest.approx(np_mse(model, x, y), rel=1e-5)
    first = model.train_on_batch(x, y)
    assert first == pytest.approx(before, rel=1e-6)                  # computed before the update
    losses = [model.train_on_batch(x, y) for _ in range(20)]
    assert losses[-1] < 0.5 * first and all(b < a for a, b in zip(losses, losses[1:]))


def test_single_batch_methods_return_forms():
    x, labels, y = classification_data(n=20)
    model = classifier()
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    before = model.get_weights()
    values = model.test_on_batch(x, y)
    assert same_weights(before, model.get_weights())
    assert values == [pytest.approx(np_cce(model, x, y), rel=1e-5), pytest.approx(np_accuracy(model, x, labels))]
    logs = model.train_on_batch(x, y, return_dict=True)
    assert set(logs) == {"loss", "accuracy"}
    assert not same_weights(before, model.get_weights())
    np.testing.assert_array_equal(model.predict_on_batch(x), model.predict(x, batch_size=20, verbose=0))


# ---- freezing -------------------------------------------------------------------------------------
def test_a_frozen_layer_keeps_its_weights_and_the_optimizer_skips_it():
    x, _, y = classification_data()
    model = classifier()
    hidden, output = model.get_layer("hidden"), model.get_layer("output")
    hidden.trainable = False
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    frozen, head = hidden.get_weights(), output.get_weights()
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    model.fit(x, y, epochs=2, batch_size=10, verbose=0)
    assert same_weights(frozen, hidden.get_weights())
    assert not same_weights(head, output.get_weights())
    # Adam keeps two slots per variable it updates: only the output layer's (8, 3) and (3,)
    assert sorted(a.shape for a in model.optimizer.variables) == [(3,), (3,), (8, 3), (8, 3)]
    # ... and it can be undone
    hidden.trainable = True
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=10, verbose=0)
    assert not same_weights(frozen, hidden.get_weights())
    assert len(model.trainable_weights) == 4


def test_freezing_the_whole_model():
    x, _, y = classification_data()
    model = classifier()
    model.trainable = False
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    before = model.get_weights()
    history = model.fit(x, y, epochs=2, verbose=0, shuffle=False)
    assert same_weights(before, model.get_weights()) and model.trainable_weights == []
    assert history.history["loss"][0] == pytest.approx(history.history["loss"][1], rel=1e-6)
    assert not model.get_layer("hidden").trainable


# ---- non-finite losses ---------------------------------------------------------------------------
def test_a_nan_loss_warns_once_naming_the_epoch_and_batch():
    x, y = regression_data(n=32)
    model = linear_model()
    model.compile(optimizer=SGD(learning_rate=1e3), loss="mse")      # diverges within a few steps
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x * 1e3, y * 1e3, batch_size=4, epochs=3, verbose=0)
    ours = [w for w in caught if "the loss became" in str(w.message)]
    assert len(ours) == 1
    assert issubclass(ours[0].category, RuntimeWarning)
    assert "epoch 1, batch" in str(ours[0].message) and "TerminateOnNaN" in str(ours[0].message)


def test_ctrl_c_during_the_optimizer_step_is_held_until_the_step_is_complete(monkeypatch):
    import os
    import signal

    import numpy as np
    import pytest

    import striate

    model = striate.Sequential([striate.Input(shape=(3,)), striate.layers.Dense(4), striate.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((8, 3), dtype="float32"), np.zeros((8, 1), dtype="float32")
    before = model.get_weights()
    original_apply = model.optimizer.apply
    applied = []

    def apply_with_interrupt(grads, variables):
        os.kill(os.getpid(), signal.SIGINT)  # arrives in the middle of the update
        original_apply(grads, variables)
        applied.append(True)

    monkeypatch.setattr(model.optimizer, "apply", apply_with_interrupt)
    with pytest.raises(KeyboardInterrupt):
        model.train_on_batch(x, y)
    assert applied == [True]  # the whole update went through before the interrupt was raised
    after = model.get_weights()
    assert all(not np.array_equal(a, b) for a, b in zip(before[::2], after[::2]))
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
