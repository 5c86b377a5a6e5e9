"""Functional Model: graphs with several paths, several inputs and outputs, nesting, subclassing."""

import numpy as np
import pytest

import striate
from striate import backend
from striate.layers import Add, Concatenate, Dense, Input
from striate.models import Model, Sequential


def summary_text(model):
    lines = []
    model.summary(print_fn=lines.append)
    return "\n".join(lines)


def row(text, name):
    return next(line for line in text.splitlines() if line.startswith(f"│ {name} "))


def toy_regression(n=256, features=8, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype("float32")
    y = (np.sin(x[:, :1]) + 0.5 * x[:, 1:2] * x[:, 2:3] + x[:, 3:4]).astype("float32")
    return x, y


def residual_model(features=8, width=16):
    inputs = Input(shape=(features,), name="x")
    h = Dense(width, activation="relu", name="h1")(inputs)
    r = Dense(width, activation="relu", name="h2")(h)
    joined = Add(name="residual")([h, r])
    outputs = Dense(1, name="y")(joined)
    return Model(inputs, outputs, name="resnet")


def test_dense_residual_add_model_trains():
    x, y = toy_regression()
    model = residual_model()
    model.compile(optimizer=striate.optimizers.Adam(learning_rate=0.01), loss="mse")
    start = model.evaluate(x, y, verbose=0)
    history = model.fit(x, y, epochs=40, batch_size=32, verbose=0)
    end = model.evaluate(x, y, verbose=0)
    assert end < 0.1 * start
    assert history.history["loss"][-1] < 0.2 * history.history["loss"][0]


def test_residual_forward_equals_numpy_and_gradients_flow_through_both_paths():
    x = np.random.default_rng(0).standard_normal((3, 8))
    with backend.floatx_scope("float64"):
        model = residual_model()
        w1, b1, w2, b2, w3, b3 = model.get_weights()
        h = np.maximum(x @ w1 + b1, 0)
        expected = (h + np.maximum(h @ w2 + b2, 0)) @ w3 + b3
        np.testing.assert_allclose(model(x).data, expected, rtol=1e-10)
        assert striate.gradcheck(lambda t: model(t), x, params=model.trainable_weights)


def test_residual_summary_counts_and_connections_equal_keras():
    text = summary_text(residual_model())
    assert "x (InputLayer)" in row(text, "x") and row(text, "x").split("│")[3].strip() == "0"
    assert "144" in row(text, "h1") and "(None, 16)" in row(text, "h1")      # 8 * 16 + 16
    assert "272" in row(text, "h2")                                          # 16 * 16 + 16
    assert "h1[0][0], h2[0][0]" in row(text, "residual") and row(text, "residual").split("│")[3].strip() == "0"
    assert "17" in row(text, "y")                                            # 16 + 1
    assert "Total params: 433" in text and "Trainable params: 433" in text
    assert "Connected to" in text


def test_layers_and_get_layer_of_a_functional_model():
    model = residual_model()
    assert [layer.name for layer in model.layers] == ["x", "h1", "h2", "residual", "y"]
    assert model.get_layer("residual").__class__ is Add
    assert [t.shape for t in model.inputs] == [(None, 8)] and model.output.shape == (None, 1)


def two_input_model():
    a = Input(shape=(3,), name="a")
    b = Input(shape=(2,), name="b")
    joined = Concatenate(name="cat")([a, b])
    out = Dense(1, name="out")(joined)
    return Model([a, b], out)


def test_several_inputs_as_list_and_dict():
    model = two_input_model()
    rng = np.random.default_rng(0)
    xa, xb = rng.random((6, 3)).astype("float32"), rng.random((6, 2)).astype("float32")
    kernel, bias = model.get_weights()
    expected = np.concatenate([xa, xb], axis=1) @ kernel + bias
    np.testing.assert_allclose(model.predict([xa, xb], verbose=0), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.predict({"a": xa, "b": xb}, verbose=0), expected, rtol=1e-5, atol=1e-6)
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit([xa, xb], np.ones((6, 1)), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


def test_several_inputs_errors_name_the_input():
    model = two_input_model()
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"x has 1 arrays but the model has 2 \(\['a', 'b'\]\)"):
        model.predict([rng.random((6, 3))], verbose=0)
    with pytest.raises(ValueError, match=r"without entries for \['b'\]"):
        model.predict({"a": rng.random((6, 3))}, verbose=0)
    with pytest.raises(ValueError, match=r"input 'b' expects samples of shape \(2,\)"):
        model.predict([rng.random((6, 3)), rng.random((6, 4))], verbose=0)


def test_calling_a_model_on_a_dict_maps_inputs_by_name():
    a, b = Input(shape=(3,), name="a"), Input(shape=(3,), name="b")
    model = Model([a, b], striate.layers.Subtract()([a, b]))
    ones, zeros = np.ones((1, 3), dtype="float32"), np.zeros((1, 3), dtype="float32")
    np.testing.assert_array_equal(model({"b": zeros, "a": ones}).data, ones)       # not by the dict's order
    np.testing.assert_array_equal(model.predict({"b": zeros, "a": ones}, verbose=0), ones)
    with pytest.raises(ValueError, match=r"no entries for \['b'\]"):
        model({"a": ones})
    keyed = Model({"x": a, "y": b}, striate.layers.Subtract()([a, b]))              # a dict names them by key
    np.testing.assert_array_equal(keyed.predict({"y": zeros, "x": ones}, verbose=0), ones)


def two_output_model():
    inputs = Input(shape=(4,), name="x")
    shared = Dense(8, activation="tanh", name="shared")(inputs)
    a = Dense(1, name="a")(shared)
    b = Dense(3, activation="softmax", name="b")(shared)
    return Model(inputs, [a, b])


def two_output_data(n=32):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 4)).astype("float32")
    ya = x[:, :1] * 2.0
    yb = np.eye(3, dtype="float32")[rng.integers(0, 3, n)]
    return x, ya, yb


@pytest.mark.parametrize("form", ["list", "dict"])
def test_several_outputs_losses_as_list_or_dict_and_history_keys(form):
    x, ya, yb = two_output_data()
    model = two_output_model()
    if form == "list":
        model.compile(optimizer="adam", loss=["mse", "categorical_crossentropy"], metrics=[["mae"], ["accuracy"]])
        y = [ya, yb]
    else:
        model.compile(optimizer="adam", loss={"a": "mse", "b": "categorical_crossentropy"},
                      metrics={"a": ["mae"], "b": ["accuracy"]})
        y = {"a": ya, "b": yb}
    history = model.fit(x, y, epochs=3, batch_size=8, validation_split=0.25, verbose=0)
    expected = {"loss", "a_loss", "b_loss", "a_mae", "b_accuracy"}
    assert set(history.history) == expected | {f"val_{k}" for k in expected}
    assert all(len(v) == 3 for v in history.history.values())
    pa, pb = model.predict(x, verbose=0)
    assert pa.shape == (32, 1) and pb.shape == (32, 3)


def test_several_outputs_without_metrics_compile_and_fit():
    x, ya, yb = two_output_data()
    model = two_output_model()
    model.compile(optimizer="sgd", loss=["mse", "categorical_crossentropy"])
    history = model.fit(x, [ya, yb], epochs=1, verbose=0)
    assert set(history.history) == {"loss", "a_loss", "b_loss"}


def test_loss_weights_weigh_the_total_loss():
    x, ya, yb = two_output_data()
    model = two_output_model()
    model.compile(optimizer="sgd", loss=["mse", "categorical_crossentropy"], loss_weights=[2.0, 0.5])
    pa, pb = model.predict(x, verbose=0)
    mse = np.mean((pa - ya) ** 2)
    cce = np.mean(-np.sum(yb * np.log(np.clip(pb, 1e-7, 1.0)), axis=1))
    logs = model.evaluate(x, [ya, yb], verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(2.0 * mse + 0.5 * cce, rel=1e-5)


def test_a_zero_loss_weight_leaves_that_head_untrained():
    x, ya, yb = two_output_data()
    model = two_output_model()
    model.compile(optimizer="adam", loss={"a": "mse", "b": "categorical_crossentropy"},
                  loss_weights={"a": 1.0, "b": 0.0})
    b_before = model.get_layer("b").get_weights()
    shared_before = model.get_layer("shared").get_weights()
    model.fit(x, {"a": ya, "b": yb}, epochs=2, verbose=0)
    for before, after in zip(b_before, model.get_layer("b").get_weights()):
        np.testing.assert_array_equal(before, after)
    assert not np.array_equal(shared_before[0], model.get_layer("shared").get_weights()[0])


def test_compile_arguments_per_output_are_checked():
    model = two_output_model()
    with pytest.raises(ValueError, match=r"unknown outputs \['c'\]; outputs are \['a', 'b'\]"):
        model.compile(optimizer="sgd", loss={"a": "mse", "c": "mse"})
    with pytest.raises(ValueError, match="loss is a list of 3 entries but the model has 2 outputs"):
        model.compile(optimizer="sgd", loss=["mse"] * 3)


def test_a_model_used_as_a_layer_inside_another_model():
    inner_in = Input(shape=(4,))
    inner = Model(inner_in, Dense(3, activation="relu", name="inner_dense")(inner_in), name="encoder")
    outer_in = Input(shape=(4,))
    outer = Model(outer_in, Dense(1, name="head")(inner(outer_in)))
    assert [w.shape for w in outer.get_weights()] == [(4, 3), (3,), (3, 1), (1,)]
    assert outer.count_params() == 15 + 4
    assert "encoder (Functional)" in summary_text(outer)                 # Keras's name for the class
    x, _ = toy_regression(n=64, features=4)
    y = x[:, :1] - x[:, 1:2]
    inner_before = inner.get_weights()
    outer.compile(optimizer=striate.optimizers.Adam(0.01), loss="mse")
    history = outer.fit(x, y, epochs=20, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert not np.array_equal(inner_before[0], inner.get_weights()[0])   # the inner model trained too
    np.testing.assert_array_equal(inner.get_weights()[0], outer.get_weights()[0])


def test_a_model_reused_on_two_inputs_shares_its_weights():
    encoder = Sequential([Input(shape=(3,)), Dense(2, name="enc")])
    a, b = Input(shape=(3,)), Input(shape=(3,))
    siamese = Model([a, b], Add()([encoder(a), encoder(b)]))
    assert siamese.count_params() == 8 and len(siamese.get_weights()) == 2
    xa, xb = np.ones((1, 3), dtype="float32"), np.full((1, 3), 2.0, dtype="float32")
    np.testing.assert_allclose(siamese.predict([xa, xb], verbose=0),
                               encoder.predict(xa, verbose=0) + encoder.predict(xb, verbose=0), rtol=1e-6)


class TwoLayerNet(Model):
    def __init__(self):
        super().__init__()
        self.hidden = Dense(16, activation="tanh")
        self.out = Dense(1)

    def call(self, x):
        return self.out(self.hidden(x))


def test_a_subclassed_model_trains_and_predicts():
    x, y = toy_regression(n=128, features=4)
    model = TwoLayerNet()
    model.compile(optimizer=striate.optimizers.Adam(0.01), loss="mse")
    history = model.fit(x, y, epochs=30, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert [w.shape for w in model.get_weights()] == [(4, 16), (16,), (16, 1), (1,)]
    assert len(model.layers) == 2 and model.count_params() == 4 * 16 + 16 + 17
    w1, b1, w2, b2 = model.get_weights()
    np.testing.assert_allclose(model.predict(x, verbose=0), np.tanh(x @ w1 + b1) @ w2 + b2, rtol=1e-4, atol=1e-5)


def test_a_subclassed_model_builds_when_called_or_built():
    called = TwoLayerNet()
    assert called(np.ones((2, 3), dtype="float32")).shape == (2, 1)
    built = TwoLayerNet()
    built.build((None, 3))
    assert called.count_params() == built.count_params() == 3 * 16 + 16 + 17


class NoCall(Model):
    pass


def test_graph_errors():
    a, b = Input(shape=(3,)), Input(shape=(3,))
    with pytest.raises(ValueError, match="Graph disconnected"):
        Model(a, Dense(1)(b))
    with pytest.raises(ValueError, match="give both inputs and outputs"):
        Model(inputs=a)
    with pytest.raises(ValueError, match="must be symbolic tensors"):
        Model(a, np.ones((1, 3)))
    with pytest.raises(NotImplementedError, match="must define call"):
        NoCall()(np.ones((1, 3)))


def test_model_is_reachable_as_keras_names():
    assert striate.Model is Model and striate.models.Model is Model
