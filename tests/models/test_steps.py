"""Keras 3's step seams: train_step(data) / test_step / predict_step / compute_loss overrides
and make_*_function, as fit, evaluate and predict use them."""

import numpy as np
import pytest

import striate
from striate import layers
from striate.models.epoch_iterator import ArrayIterator, pack_x_y_sample_weight, unpack_x_y_sample_weight


def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")).astype("float32")
    return x, y


def _model():
    striate.utils.set_random_seed(0)
    inputs = striate.Input(shape=(3,))
    return striate.Model(inputs, layers.Dense(1)(inputs))


def test_pack_and_unpack_are_inverse():
    x, y, sw = np.zeros(2), np.ones(2), np.full(2, 3.0)
    assert unpack_x_y_sample_weight(pack_x_y_sample_weight(x)) == (x, None, None)
    assert unpack_x_y_sample_weight(pack_x_y_sample_weight([x, x]))[0] == [x, x]
    assert unpack_x_y_sample_weight(pack_x_y_sample_weight(x, y)) == (x, y, None)
    assert unpack_x_y_sample_weight(pack_x_y_sample_weight(x, y, sw)) == (x, y, sw)
    with pytest.raises(ValueError, match="tuple of 4"):
        unpack_x_y_sample_weight((x, y, sw, sw))


def test_array_iterator_batches_and_steps():
    xs, ys = [np.arange(10.0), np.arange(10.0) * 2], [np.arange(10)]
    batches = list(ArrayIterator(xs, ys, np.ones(10), batch_size=4).enumerate_epoch())
    assert [step for step, _ in batches] == [0, 1, 2]
    x, y, sw = batches[-1][1]
    assert [a.tolist() for a in x] == [[8.0, 9.0], [16.0, 18.0]] and y.tolist() == [8, 9] and len(sw) == 2
    assert len(ArrayIterator(xs, ys, batch_size=4, steps=2)) == 2


def test_custom_train_step_is_what_fit_runs():
    class Counting(striate.Model):
        calls = 0

        def train_step(self, data):
            x, y = data
            type(self).calls += 1
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred)
            self.zero_grad()
            loss.backward()
            self.optimizer.apply([v.grad for v in self.trainable_weights], self.trainable_weights)
            return {"loss": loss, "twice": 2 * loss}

    inputs = striate.Input(shape=(3,))
    model = Counting(inputs, layers.Dense(1)(inputs))
    model.compile(optimizer=striate.optimizers.SGD(0.1), loss="mse")
    x, y = _data()
    history = model.fit(x, y, batch_size=10, epochs=3, verbose=0)
    assert Counting.calls == 12
    # The logs a custom step returns (Tensors included) reach the history as floats.
    assert set(history.history) == {"loss", "twice"}
    assert all(isinstance(v, float) for v in history.history["twice"])
    assert history.history["twice"][-1] == pytest.approx(2 * history.history["loss"][-1], rel=1e-6)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_default_and_handwritten_train_step_give_the_same_weights():
    class Handwritten(striate.Model):
        def train_step(self, data):
            x, y = data
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred)
            self.zero_grad()
            loss.backward()
            self.optimizer.apply([v.grad for v in self.trainable_weights], self.trainable_weights)
            # Keras's guide: the loss tracker is one of self.metrics, updated by the step itself.
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    x, y = _data()  # 40 samples in batches of 8: every batch weighs the same
    results = []
    for cls in (striate.Model, Handwritten):
        striate.utils.set_random_seed(0)
        inputs = striate.Input(shape=(3,))
        model = cls(inputs, layers.Dense(1)(inputs))
        model.compile(optimizer=striate.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
        history = model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
        results.append((model.get_weights(), history.history))
    # Same arithmetic in the same order: a documented bit-identity (same process, same seed).
    for a, b in zip(results[0][0], results[1][0]):
        np.testing.assert_array_equal(a, b)
    assert results[0][1] == results[1][1]


def test_compute_loss_override_reaches_fit_and_evaluate():
    class DoubleLoss(striate.Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            return 2 * super().compute_loss(x, y, y_pred, sample_weight, training)

    x, y = _data()
    plain, doubled = _model(), None
    striate.utils.set_random_seed(0)
    inputs = striate.Input(shape=(3,))
    doubled = DoubleLoss(inputs, layers.Dense(1)(inputs))
    for model in (plain, doubled):
        model.compile(optimizer="sgd", loss="mse")
    assert doubled.evaluate(x, y, verbose=0) == pytest.approx(2 * plain.evaluate(x, y, verbose=0), rel=1e-6)


def test_custom_test_step_and_predict_step():
    class Shifted(striate.Model):
        def predict_step(self, data):
            return self(data, training=False) + 1.0

        def test_step(self, data):
            x, y = data
            return {"n": float(len(x))}

    inputs = striate.Input(shape=(3,))
    model = Shifted(inputs, layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse")
    x, y = _data(20)
    plain = striate.Model(model.inputs, model.outputs).predict(x, verbose=0)
    np.testing.assert_allclose(model.predict(x, batch_size=7, verbose=0), plain + 1.0, rtol=1e-6)
    assert model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True) == {"n": 4.0}


def test_make_functions_are_cached_until_compile():
    model = _model()
    model.compile(optimizer="sgd", loss="mse")
    first = model.make_train_function()
    assert model.make_train_function() is first
    assert model.make_train_function(force=True) is not first
    model.compile(optimizer="adam", loss="mse")
    assert model.train_function is None


def test_metrics_property_lists_the_trackers():
    model = _model()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    x, y = _data()
    model.fit(x, y, epochs=1, verbose=0)
    assert [m.name for m in model.metrics] == ["loss", "mae"]
    model.reset_metrics()
    assert model.get_metrics_result() == {"loss": 0.0, "mae": 0.0}
