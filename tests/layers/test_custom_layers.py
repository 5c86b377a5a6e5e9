"""Custom layers with Keras 3's programming model: add_weight, build, add_loss, tracking, Variables,
constraints, the default get_config, trainable and the order of weights (Keras 3 as a second oracle)."""

import numpy as np
import pytest

import striate
import striate as keras
from striate import layers
from tests.keras_oracle import import_keras, to_numpy

F32_TOL = dict(rtol=1e-5, atol=1e-6)  # float32 rounding of a few products and sums
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:keras")


# ---- add_weight ----------------------------------------------------------------------------
class Holder(layers.Layer):
    """A layer that lets a test call add_weight on it."""

    def call(self, x):
        return x


def test_add_weight_defaults_follow_keras():
    layer = Holder()
    w = layer.add_weight(shape=(300, 200))
    limit = np.sqrt(6.0 / (300 + 200))  # glorot_uniform: the default for floats
    assert w.dtype == np.float32 and w.trainable and w.shape == (300, 200)
    assert np.abs(w.numpy()).max() <= limit and np.abs(w.numpy()).max() > 0.9 * limit
    assert abs(w.numpy().mean()) < 0.01 * limit * 10
    i = layer.add_weight(shape=(3,), dtype="int32", trainable=False)
    assert i.dtype == np.int32 and i.numpy().tolist() == [0, 0, 0]  # zeros for other dtypes
    scalar = layer.add_weight()
    assert scalar.shape == ()
    assert layer.weights == [w, scalar, i]  # trainable first, then non-trainable (Keras's order)


def test_add_weight_positional_order_and_keyword_only_rest():
    layer = Holder(name="holder")
    w = layer.add_weight((2, 3), "ones", "float64", name="kernel")
    assert w.numpy().tolist() == [[1.0] * 3] * 2 and w.dtype == np.float64
    assert w.name == "kernel" and w.path == "holder/kernel"
    with pytest.raises(TypeError):
        layer.add_weight((2,), "zeros", "float32", False)  # trainable is keyword-only, as in Keras 3.15
    with pytest.raises(ValueError, match="`name` must be passed as a keyword argument"):
        layer.add_weight("kernel")
    with pytest.raises(ValueError, match="aggregation"):
        layer.add_weight(shape=(1,), aggregation="median")
    v = layer.add_weight(shape=(2,), regularizer="l2", constraint="non_neg", aggregation="mean",
                         autocast=False, name="b")
    assert isinstance(v.regularizer, striate.regularizers.L2) and isinstance(v.constraint, striate.constraints.NonNeg)
    assert v.aggregation == "mean" and v.autocast is False


def test_add_variable_is_keras_alias():
    layer = Holder()
    v = layer.add_variable((4,), "zeros", trainable=False, name="count")
    assert v.numpy().tolist() == [0.0] * 4 and not v.trainable and layer.non_trainable_weights == [v]


# ---- build, compute_output_shape, training ---------------------------------------------------
class Linear(layers.Layer):
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.seen_shapes = []

    def build(self, input_shape):
        self.seen_shapes.append(input_shape)
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal", name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

    def call(self, inputs):
        return inputs @ self.w + self.b


def test_build_is_called_once_with_keras_shape():
    layer = Linear(4)
    assert not layer.built and layer.weights == []
    x = np.ones((2, 3), "float32")
    y = layer(x)
    assert layer.built and layer.seen_shapes == [(None, 3)]
    layer(x)
    assert layer.seen_shapes == [(None, 3)]
    np.testing.assert_allclose(y.numpy(), x @ layer.w.numpy() + layer.b.numpy(), **F32_TOL)
    symbolic = Linear(5)(keras.Input(shape=(7,)))
    assert symbolic.shape == (None, 5)


def test_build_gets_a_structure_of_shapes_for_structured_inputs():
    class Pair(layers.Layer):
        def build(self, input_shape):
            self.shapes = input_shape

        def call(self, inputs):
            a, b = inputs
            return a + b

    layer = Pair()
    layer((np.zeros((2, 3)), np.zeros((2, 3))))
    assert layer.shapes == ((None, 3), (None, 3))


def test_compute_output_shape_and_spec():
    layer = Linear(6)
    assert layer.compute_output_shape((None, 3)) == (None, 6)
    spec = layer.compute_output_spec(keras.Input(shape=(3,)))
    assert spec.shape == (None, 6) and str(spec.dtype) == "float32"


def test_training_argument_reaches_call_in_fit_and_predict():
    seen = []

    class Probe(layers.Layer):
        def call(self, x, training=None):
            seen.append(bool(training))
            return x

    inputs = keras.Input(shape=(2,))
    model = keras.Model(inputs, layers.Dense(1)(Probe()(inputs)))
    model.compile(optimizer="sgd", loss="mse")
    seen.clear()
    model.fit(np.ones((4, 2)), np.ones((4, 1)), batch_size=4, verbose=0)
    assert seen == [True]
    seen.clear()
    model.predict(np.ones((4, 2)), verbose=0)
    model(np.ones((1, 2)), training=True)
    assert seen == [False, True]


# ---- add_loss and losses -------------------------------------------------------------------
class ActivityRegularizationLayer(layers.Layer):
    def __init__(self, rate=1e-2):
        super().__init__()
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * inputs.mean())
        return inputs


class OuterLayer(layers.Layer):
    def __init__(self):
        super().__init__()
        self.activity_reg = ActivityRegularizationLayer(1e-2)

    def call(self, inputs):
        return self.activity_reg(inputs)


def test_add_loss_is_reset_at_each_top_level_call():
    layer = OuterLayer()
    assert layer.losses == []
    layer(np.full((1, 1), 2.0))
    assert len(layer.losses) == 1 and float(layer.losses[0].item()) == pytest.approx(0.02)
    layer(np.full((1, 1), 4.0))
    assert len(layer.losses) == 1 and float(layer.losses[0].item()) == pytest.approx(0.04)
    assert len(layer.activity_reg.losses) == 1


def test_losses_start_afresh_per_thread():
    """A layer busy in another thread (a data worker) does not make this thread's call a nested one."""
    import threading

    started, release = threading.Event(), threading.Event()

    class Waiting(layers.Layer):
        def call(self, x):
            started.set()
            release.wait(10)
            return x

    worker = threading.Thread(target=lambda: Waiting()(np.ones((1, 1))))
    worker.start()
    try:
        assert started.wait(10)
        layer = OuterLayer()
        layer(np.ones((1, 1)))
        layer(np.ones((1, 1)))
        assert len(layer.losses) == 1
    finally:
        release.set()
        worker.join()


def test_a_shared_layer_adds_one_loss_per_call():
    reg = ActivityRegularizationLayer(1.0)

    class Twice(layers.Layer):
        def __init__(self):
            super().__init__()
            self.reg = reg

        def call(self, x):
            return self.reg(self.reg(x) * 2.0)

    layer = Twice()
    layer(np.ones((2, 1)))
    assert [float(v.item()) for v in layer.losses] == [1.0, 2.0]


def test_losses_hold_regularizers_of_trainable_weights_only():
    class WithKernelRegularizer(layers.Layer):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(3, kernel_regularizer=keras.regularizers.l2(1e-3))

        def call(self, inputs):
            return self.dense(inputs)

    layer = WithKernelRegularizer()
    layer(np.zeros((1, 2)))
    expected = 1e-3 * float((layer.dense.kernel.numpy() ** 2).sum())
    assert len(layer.losses) == 1 and float(layer.losses[0].item()) == pytest.approx(expected, rel=1e-5)
    layer.trainable = False  # Keras: a frozen layer's weights are not regularized
    assert layer.losses == []


def test_add_loss_rejects_non_tensors():
    with pytest.raises(ValueError, match="add_loss"):
        Holder().add_loss("loss")


def test_add_loss_losses_are_minimised_by_fit_with_and_without_a_compiled_loss():
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, ActivityRegularizationLayer(rate=1.0)(layers.Dense(3)(inputs)))
    x = np.random.default_rng(0).random((16, 3))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    with_mse = model.fit(x, x, epochs=1, batch_size=16, verbose=0).history["loss"][0]
    mse = float(np.mean((model.predict(x, verbose=0) - x) ** 2))
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    first = model.evaluate(x, x, verbose=0)
    history = model.fit(x, x, epochs=5, batch_size=16, verbose=0).history["loss"]
    assert history[-1] < history[0]  # only the mean of the outputs is minimised
    assert abs(first - float(model.predict(x[:1], verbose=0).mean())) < 1.0 and with_mse > 0 and mse > 0


def test_fit_without_any_loss_says_so():
    inputs = keras.Input(shape=(2,))
    model = keras.Model(inputs, layers.Dense(1)(inputs))
    model.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="no loss to compute"):
        model.fit(np.ones((2, 2)), np.ones((2, 1)), verbose=0)


# ---- tracking -------------------------------------------------------------------------------
class Nested(layers.Layer):
    def __init__(self):
        super().__init__()
        self.direct = layers.Dense(1, name="direct")
        self.in_list = [layers.Dense(2, name="l0"), [layers.Dense(3, name="l1")]]
        self.in_tuple = (layers.Dense(4, name="t0"),)
        self.in_dict = {"a": layers.Dense(5, name="d0"), "b": {"c": layers.Dense(6, name="d1")}}
        self._private = layers.Dense(7, name="private")
        self.later = []

    def call(self, x):
        outs = [self.direct(x), self.in_list[0](x), self.in_list[1][0](x), self.in_tuple[0](x),
                self.in_dict["a"](x), self.in_dict["b"]["c"](x), self._private(x)]
        outs += [layer(x) for layer in self.later]
        return outs


def test_layers_are_tracked_in_attributes_lists_tuples_and_dicts():
    layer = Nested()
    layer.later.append(layers.Dense(8, name="appended"))
    layer(np.ones((1, 2)))
    names = [sub.name for sub in layer._flatten_layers()]
    assert names == ["direct", "l0", "l1", "t0", "d0", "d1", "private", "appended"]
    assert len(layer.weights) == 16 and layer.count_params() == 2 * 36 + 36
    assert isinstance(layer.in_list, list) and isinstance(layer.in_dict, dict)
    layer.trainable = False
    assert all(not sub.trainable for sub in layer._flatten_layers()) and layer.trainable_weights == []
    del layer.later[0]
    assert "appended" not in [sub.name for sub in layer._flatten_layers()]


def test_variables_assigned_as_attributes_are_weights():
    class Direct(layers.Layer):
        def __init__(self):
            super().__init__()
            self.total = keras.Variable(np.zeros(2), trainable=False, name="total")
            self.scale = keras.Variable(initializer="ones", shape=(2,), name="scale")

        def call(self, x):
            self.total.assign_add(np.asarray(x).sum(axis=0))
            return x * self.scale

    layer = Direct()
    assert [v.name for v in layer.weights] == ["scale", "total"]
    assert layer.non_trainable_weights == [layer.total]
    layer(np.ones((2, 2)))
    layer(np.ones((2, 2)))
    assert layer.total.numpy().tolist() == [4.0, 4.0]


def test_weights_order_and_trainable_match_keras():
    k = import_keras()

    def build(lib):
        class Inner(lib.layers.Layer):
            def build(self, input_shape):
                self.stat = self.add_weight(shape=(2,), initializer="zeros", trainable=False, name="stat")
                self.w = self.add_weight(shape=(input_shape[-1], 2), name="w")

            def call(self, x):
                return x @ self.w + self.stat

        class Outer(lib.layers.Layer):
            def __init__(self):
                super().__init__()
                self.inner = Inner()
                self.dense = lib.layers.Dense(3)
                self.bn = lib.layers.BatchNormalization()

            def build(self, input_shape):
                self.bias = self.add_weight(shape=(3,), initializer="zeros", name="bias")

            def call(self, x):
                return self.bn(self.dense(self.inner(x)) + self.bias)

        layer = Outer()
        layer(np.ones((2, 4), "float32"))
        return layer

    ours, theirs = build(striate), build(k)
    names = lambda ws: [w.name for w in ws]  # noqa: E731
    assert names(ours.weights) == names(theirs.weights)
    for attribute in ("trainable_weights", "non_trainable_weights"):
        assert names(getattr(ours, attribute)) == names(getattr(theirs, attribute))
    ours.inner.trainable, theirs.inner.trainable = False, False
    assert names(ours.weights) == names(theirs.weights)
    assert names(ours.trainable_weights) == names(theirs.trainable_weights)
    assert ours.inner.w.trainable is theirs.inner.w.trainable is False


# ---- Keras 3 as an oracle: same layer, same weights, same outputs ---------------------------------
def test_same_custom_layer_same_weights_same_outputs_as_keras():
    k = import_keras()

    def make(lib):
        class Block(lib.layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units
                self.hidden = lib.layers.Dense(units, activation="tanh")

            def build(self, input_shape):
                self.gate = self.add_weight(shape=(self.units,), initializer="random_normal", name="gate")

            def call(self, x):
                h = self.hidden(x)
                return h * self.gate + h * h

        return Block(5)

    x = np.random.default_rng(6).normal(size=(8, 3)).astype("float32")
    ours, theirs = make(striate), make(k)
    theirs(x)
    ours(x)
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours(x).numpy(), to_numpy(theirs(x)), **F32_TOL)


# ---- with keras.ops (the ops branch) --------------------------------------------------------------
def test_variables_enter_keras_ops():
    ops = pytest.importorskip("striate.ops", reason="keras.ops comes with the ops branch")
    v = keras.Variable(np.array([[1.0, 2.0]]), name="v")
    t = ops.convert_to_tensor(v)
    assert isinstance(t, striate.Tensor) and np.asarray(t).tolist() == [[1.0, 2.0]]
    out = ops.matmul(v, ops.transpose(v))
    out.backward()
    np.testing.assert_allclose(v.grad, 2 * v.numpy())


def test_a_layer_written_with_keras_ops_matches_keras():
    pytest.importorskip("striate.ops", reason="keras.ops comes with the ops branch")
    k = import_keras()

    def make(lib):
        ops = lib.ops

        class Gated(lib.layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units

            def build(self, input_shape):
                self.w = self.add_weight(shape=(input_shape[-1], 2 * self.units), initializer="random_normal",
                                         name="w")
                self.b = self.add_weight(shape=(2 * self.units,), initializer="zeros", name="b")

            def call(self, x):
                h = ops.matmul(x, self.w) + self.b
                value, gate = ops.split(h, 2, axis=-1)
                self.add_loss(1e-3 * ops.sum(ops.square(self.w)))
                return ops.tanh(value) * ops.sigmoid(gate)

        return Gated(4)

    x = np.random.default_rng(9).normal(size=(6, 3)).astype("float32")
    ours, theirs = make(striate), make(k)
    theirs(x)
    ours(x)
    ours.set_weights([to_numpy(w) for w in theirs.get_weights()])
    np.testing.assert_allclose(ours(x).numpy(), to_numpy(theirs(x)), **F32_TOL)
    assert float(ours.losses[0].item()) == pytest.approx(float(to_numpy(theirs.losses[0])), rel=1e-5)
