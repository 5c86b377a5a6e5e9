"""Subclassed models with their own train_step / test_step / predict_step / compute_loss, the gradient
tape (loss.backward() and striate.GradientTape), custom Metric and Loss subclasses, and plain functions."""

import numpy as np
import pytest

import striate
import striate as keras
from striate import layers
from tests.keras_oracle import import_keras, to_numpy

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:keras")


def _data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5], [0.0]], "float32") + 0.3).astype("float32")
    return x, y


def _functional(cls=keras.Model, seed=0):
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=(4,))
    return cls(inputs, layers.Dense(1)(layers.Dense(8, activation="tanh")(inputs)))


# ---- train_step ---------------------------------------------------------------------------------
class TorchStyle(keras.Model):
    """Keras 3's PyTorch-backend recipe, verbatim in its API use."""

    def train_step(self, data):
        x, y = data
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        loss.backward()
        trainable_weights = [v for v in self.trainable_weights]
        gradients = [v.value.grad for v in trainable_weights]
        with striate.no_grad():
            self.optimizer.apply(gradients, trainable_weights)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


class TapeStyle(keras.Model):
    """The TensorFlow recipe: GradientTape and apply_gradients(zip(...))."""

    def train_step(self, data):
        x, y = data
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_variables))
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


@pytest.mark.parametrize("cls", [TorchStyle, TapeStyle])
def test_custom_train_step_trains_like_the_default_one(cls):
    x, y = _data()
    default, custom = _functional(), _functional(cls)
    custom.set_weights(default.get_weights())
    for model in (default, custom):
        model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    h_default = default.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0).history
    h_custom = custom.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0).history
    assert list(h_custom) == ["loss", "mae"] == list(h_default)
    for a, b in zip(default.get_weights(), custom.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(h_custom["loss"], h_default["loss"], rtol=1e-6)
    assert h_custom["loss"][-1] < h_custom["loss"][0]


def test_custom_metrics_in_attributes_with_a_loss_less_compile():
    class Tracked(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")

        def train_step(self, data):
            x, y = data
            y_pred = self(x, training=True)
            loss = ((y_pred - y) ** 2).mean()
            self.zero_grad()
            loss.backward()
            self.optimizer.apply([v.grad for v in self.trainable_weights], self.trainable_weights)
            self.loss_tracker.update_state(loss)
            self.mae_metric.update_state(y, y_pred)
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]

    class Before(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            predictions.append(self.model.predict(x, verbose=0))

    x, y = _data()
    predictions = []
    model = _functional(Tracked)
    model.compile(optimizer=keras.optimizers.SGD(0.05))
    history = model.fit(x, y, epochs=3, batch_size=64, shuffle=False, verbose=0, callbacks=[Before()]).history
    assert list(history) == ["loss", "mae"] and model.metrics == [model.loss_tracker, model.mae_metric]
    # One batch per epoch and the metrics reset at each epoch: each epoch logs the errors of the
    # predictions made before its update, not a running mean over the epochs.
    for epoch, pred in enumerate(predictions):
        assert history["loss"][epoch] == pytest.approx(float(np.mean((pred - y) ** 2)), rel=1e-5)
        assert history["mae"][epoch] == pytest.approx(float(np.mean(np.abs(pred - y))), rel=1e-5)
    assert history["loss"][2] < history["loss"][0]


def test_metrics_assigned_to_attributes_are_listed_reset_and_logged():
    class Counting(keras.metrics.Metric):
        def __init__(self, name="batches", **kwargs):
            super().__init__(name=name, **kwargs)
            self.count = self.add_variable(shape=(), initializer="zeros", name="count")

        def update_state(self, *args, **kwargs):
            self.count.assign_add(1.0)

        def result(self):
            return self.count

    class WithCounter(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.counter = Counting()

        def train_step(self, data):
            logs = super().train_step(data)
            self.counter.update_state()
            return self.get_metrics_result()

    x, y = _data(n=40)
    model = _functional(WithCounter)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    history = model.fit(x, y, epochs=2, batch_size=10, verbose=0).history
    assert [m.name for m in model.metrics] == ["loss", "mae", "batches"]
    assert history["batches"] == [4.0, 4.0]  # reset at each epoch
    assert list(history) == ["loss", "mae", "batches"]


def test_custom_test_step_and_predict_step():
    class Steps(keras.Model):
        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            return {"max_error": float(np.abs(y_pred.numpy() - y).max())}

        def predict_step(self, data):
            return self(data, training=False) * 0.0 + 7.0

    x, y = _data(n=20)
    model = _functional(Steps)
    model.compile(optimizer="sgd", loss="mse")
    expected = float(np.abs(model(x).numpy() - y).max())
    logs = model.evaluate(x, y, batch_size=20, verbose=0, return_dict=True)
    assert logs == {"max_error": pytest.approx(expected, rel=1e-6)}
    assert (model.predict(x, verbose=0) == 7.0).all()


def test_compute_loss_override_is_used_by_fit_and_evaluate():
    class L1Penalised(keras.Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            loss = super().compute_loss(x, y, y_pred, sample_weight, training)
            return loss + 0.1 * sum(v.abs().sum() for v in self.trainable_weights)

    x, y = _data(n=16)
    model = _functional(L1Penalised)
    model.compile(optimizer="sgd", loss="mse")
    pred = model.predict(x, verbose=0)
    l1 = sum(np.abs(w).sum() for w in model.get_weights())
    expected = float(np.mean((pred - y) ** 2) + 0.1 * l1)
    assert model.evaluate(x, y, batch_size=16, verbose=0) == pytest.approx(expected, rel=1e-5)


def test_fit_on_x_alone_with_a_custom_train_step():
    class AutoEncoder(keras.Model):
        def __init__(self):
            super().__init__()
            self.encode = layers.Dense(2)
            self.decode = layers.Dense(4)

        def call(self, x):
            return self.decode(self.encode(x))

        def train_step(self, data):
            x = data
            reconstruction = self(x, training=True)
            loss = ((reconstruction - x) ** 2).mean()
            self.zero_grad()
            loss.backward()
            self.optimizer.apply([v.grad for v in self.trainable_weights], self.trainable_weights)
            return {"reconstruction": loss}

    x, _ = _data()
    model = AutoEncoder()
    model.compile(optimizer=keras.optimizers.Adam(0.01))
    history = model.fit(x, epochs=5, batch_size=16, verbose=0).history["reconstruction"]
    assert history[-1] < history[0]
    with pytest.raises(ValueError, match="y is None"):
        plain = _functional()
        plain.compile(optimizer="sgd", loss="mse")
        plain.fit(x, verbose=0)


# ---- GradientTape -------------------------------------------------------------------------------
def test_gradient_tape_matches_backward_and_leaves_no_grad():
    w = keras.Variable(np.array([[1.0, -1.0], [0.5, 2.0]], "float64"), name="w")
    other = keras.Variable(np.array([3.0], "float64"), name="other")
    other.grad = np.array([42.0])
    x = np.array([[1.0, 2.0]])
    with keras.GradientTape() as tape:
        loss = ((x @ w) ** 2).sum() + (other * other).sum()
    (g,) = tape.gradient(loss, [w])
    np.testing.assert_allclose(g, 2 * x.T @ (x @ w.numpy()))  # d/dw |xw|^2 = 2 x^T (x w)
    assert w.grad is None and other.grad.tolist() == [42.0]
    with pytest.raises(RuntimeError, match="only be called once"):
        tape.gradient(loss, [w])


def test_gradient_tape_structures_watch_persistent_and_unconnected():
    a = keras.Variable(np.array(2.0), name="a")
    b = keras.Variable(np.array(5.0), name="b")
    c = striate.Tensor(np.array(3.0))
    with keras.GradientTape(persistent=True) as tape:
        tape.watch(c)
        y = a * a * c
    grads = tape.gradient(y, {"a": a, "pair": (b, c)})
    assert float(grads["a"]) == 12.0 and grads["pair"][0] is None and float(grads["pair"][1]) == 4.0
    zeros = tape.gradient(y, [b], unconnected_gradients="zero")
    assert zeros[0].tolist() == 0.0
    seeded = tape.gradient(y, a, output_gradients=np.array(0.5))
    assert float(seeded) == 6.0
    with pytest.raises(ValueError, match="unconnected_gradients"):
        tape.gradient(y, a, unconnected_gradients="nan")


def test_gradient_tape_inside_no_grad_still_records():
    w = keras.Variable(np.array([1.0, 2.0]))
    with striate.no_grad():
        with keras.GradientTape() as tape:
            loss = (w * 3.0).sum()
    assert tape.gradient(loss, w).tolist() == [3.0, 3.0]


# ---- custom Metric and Loss subclasses, plain functions -------------------------------------------
class BinaryTruePositives(keras.metrics.Metric):
    def __init__(self, name="binary_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_weight(name="tp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        hits = (np.asarray(y_true) > 0.5) & (np.asarray(y_pred) > 0.5)
        values = hits.astype("float32")
        if sample_weight is not None:
            values = values * np.asarray(sample_weight, "float32").reshape(values.shape[0], *[1] * (values.ndim - 1))
        self.true_positives.assign_add(values.sum())

    def result(self):
        return self.true_positives


def test_custom_metric_subclass_state_and_reset():
    m = BinaryTruePositives()
    m.update_state([1, 1, 0, 1], [0.9, 0.2, 0.8, 0.7])
    m.update_state([1], [0.6], sample_weight=[3.0])
    assert float(m.result()) == 5.0 and isinstance(m.variables[0], keras.Variable)
    m.reset_state()
    assert float(m.result()) == 0.0
    assert m.get_config() == {"name": "binary_true_positives", "dtype": "float32"}


def test_custom_metric_matches_keras():
    k = import_keras()

    def make(lib):
        class Peak(lib.metrics.Metric):
            def __init__(self, name="peak", **kwargs):
                super().__init__(name=name, **kwargs)
                self.peak = self.add_variable(shape=(), initializer="zeros", name="peak")
                self.total = self.add_weight(name="total", initializer="zeros")

            def update_state(self, y_true, y_pred, sample_weight=None):
                error = np.abs(to_numpy(y_true) - to_numpy(y_pred))
                self.peak.assign(np.maximum(to_numpy(self.peak), error.max()).astype("float32"))
                self.total.assign_add(error.sum(dtype="float32"))

            def result(self):
                return self.peak + self.total

        return Peak()

    ours, theirs = make(striate), make(k)
    rng = np.random.default_rng(7)
    for _ in range(3):
        a, b = rng.normal(size=(5, 2)).astype("float32"), rng.normal(size=(5, 2)).astype("float32")
        ours.update_state(a, b)
        theirs.update_state(a, b)
    np.testing.assert_allclose(to_numpy(ours.result()), to_numpy(theirs.result()), rtol=1e-6)
    ours.reset_state()
    theirs.reset_state()
    assert float(to_numpy(ours.result())) == float(to_numpy(theirs.result())) == 0.0


class Cubic(keras.losses.Loss):
    def __init__(self, scale=1.0, name="cubic", reduction="sum_over_batch_size"):
        super().__init__(name=name, reduction=reduction)
        self.scale = scale

    def call(self, y_true, y_pred):
        error = (y_pred - y_true).abs()
        return (error * error * error).mean(axis=-1) * self.scale

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def test_custom_loss_subclass_matches_numpy_and_keras():
    k = import_keras()
    rng = np.random.default_rng(8)
    y_true, y_pred = rng.normal(size=(6, 3)).astype("float32"), rng.normal(size=(6, 3)).astype("float32")
    w = rng.random(6).astype("float32")
    per_sample = 2.0 * (np.abs(y_pred - y_true) ** 3).mean(axis=-1)
    loss = Cubic(scale=2.0)
    assert float(loss(y_true, y_pred).item()) == pytest.approx(per_sample.mean(), rel=1e-5)
    assert float(Cubic(2.0, reduction="sum")(y_true, y_pred, sample_weight=w).item()) == \
        pytest.approx((per_sample * w).sum(), rel=1e-5)
    np.testing.assert_allclose(Cubic(2.0, reduction="none")(y_true, y_pred).numpy(), per_sample, rtol=1e-5)

    class KerasCubic(k.losses.Loss):
        def call(self, y_true, y_pred):
            error = k.ops.abs(y_pred - y_true)
            return k.ops.mean(error * error * error, axis=-1) * 2.0

    theirs = KerasCubic(name="cubic")(y_true, y_pred, sample_weight=w)
    ours = Cubic(2.0)(y_true, y_pred, sample_weight=w)
    assert float(ours.item()) == pytest.approx(float(to_numpy(theirs)), rel=1e-5)
    config = loss.get_config()
    assert config == {"name": "cubic", "reduction": "sum_over_batch_size", "scale": 2.0}
    assert set(KerasCubic(name="c").get_config()) == set(config) - {"scale"}
    assert Cubic.from_config(config).scale == 2.0


def test_custom_loss_and_function_metric_in_compile():
    def mean_cubed_error(y_true, y_pred):
        error = y_pred - y_true  # operators only: the loss gets Tensors, the metric arrays
        return ((error * error) ** 1.5).mean(axis=-1)

    def peak_error(y_true, y_pred):
        return np.abs(np.asarray(y_pred) - np.asarray(y_true)).max(axis=-1)

    x, y = _data(n=32)
    model = _functional()
    model.compile(optimizer="sgd", loss=Cubic(), metrics=[peak_error, mean_cubed_error])
    pred = model.predict(x, verbose=0)
    logs = model.evaluate(x, y, batch_size=32, verbose=0, return_dict=True)
    assert list(logs) == ["loss", "peak_error", "mean_cubed_error"]
    cubic = (np.abs(pred - y) ** 3).mean(axis=-1)
    assert logs["loss"] == pytest.approx(cubic.mean(), rel=1e-5)
    assert logs["peak_error"] == pytest.approx(np.abs(pred - y).max(axis=-1).mean(), rel=1e-5)
    assert logs["mean_cubed_error"] == pytest.approx(cubic.mean(), rel=1e-5)
    model.compile(optimizer="sgd", loss=mean_cubed_error)
    assert model.evaluate(x, y, batch_size=32, verbose=0) == pytest.approx(cubic.mean(), rel=1e-5)


# ---- a subclassed model written once, run on Keras and on striate ---------------------------------
def test_subclassed_model_same_weights_same_outputs_and_step_as_keras():
    k = import_keras()

    def make(lib):
        class MLP(lib.Model):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.dense_1 = lib.layers.Dense(6, activation="relu")
                self.dense_2 = lib.layers.Dense(1)

            def call(self, inputs):
                return self.dense_2(self.dense_1(inputs))

        model = MLP()
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
        return model

    x, y = _data(n=16)
    ours, theirs = make(striate), make(k)
    theirs(x)
    ours(x)
    ours.set_weights([to_numpy(w) for w in theirs.get_weights()])
    np.testing.assert_allclose(ours.predict(x, verbose=0), to_numpy(theirs.predict(x, verbose=0)), rtol=1e-5,
                               atol=1e-6)
    loss_ours = ours.train_on_batch(x, y)
    loss_theirs = theirs.train_on_batch(x, y)
    assert float(loss_ours) == pytest.approx(float(loss_theirs), rel=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, to_numpy(b), rtol=1e-5, atol=1e-6)
