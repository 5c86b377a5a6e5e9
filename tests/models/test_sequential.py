"""Sequential: building (list, add, Input, input_shape, from data), structure, summary, weights."""

import numpy as np
import pytest

import striate
from striate.layers import Dense, Dropout, Flatten, Input
from striate.models import Model, Sequential


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def lecture_model(nin=784, nh=100, nout=10):
    model = Sequential()
    model.add(Dense(units=nh, input_shape=(nin,), activation="sigmoid", name="hidden"))
    model.add(Dense(units=nout, activation="softmax", name="output"))
    return model


def summary_text(model, **kwargs):
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    return "\n".join(lines)


def test_list_and_add_build_the_same_model():
    a = Sequential([Dense(4, input_shape=(3,), activation="relu", name="h"), Dense(2, name="o")])
    b = Sequential()
    b.add(Dense(4, input_shape=(3,), activation="relu", name="h2"))
    b.add(Dense(2, name="o2"))
    b.set_weights(a.get_weights())
    x = np.random.default_rng(0).standard_normal((5, 3)).astype("float32")
    np.testing.assert_array_equal(a.predict(x, verbose=0), b.predict(x, verbose=0))
    assert [layer.name for layer in a.layers] == ["h", "o"]          # no InputLayer, as in Keras
    assert a.built and a.count_params() == 3 * 4 + 4 + 4 * 2 + 2


@pytest.mark.parametrize("first", ["input", "input_shape", "input_dim", "batch_input_shape"])
def test_the_input_shape_can_be_given_every_keras_way(first):
    if first == "input":
        model = Sequential([Input(shape=(6,)), Dense(2)])
    else:
        kwargs = {"input_shape": {"input_shape": (6,)}, "input_dim": {"input_dim": 6},
                  "batch_input_shape": {"batch_input_shape": (None, 6)}}[first]
        model = Sequential([Dense(2, **kwargs)])
    assert model.built
    assert model.inputs[0].shape == (None, 6)
    assert [w.shape for w in model.get_weights()] == [(6, 2), (2,)]


def test_a_model_without_input_shape_builds_on_its_first_data():
    model = Sequential([Dense(3, activation="relu"), Dense(1)])
    assert not model.built and model.get_weights() == []
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((8, 5)), np.ones((8, 1)), verbose=0, epochs=1)
    assert model.built and [w.shape for w in model.get_weights()] == [(5, 3), (3,), (3, 1), (1,)]
    with pytest.raises(ValueError, match=r"expects samples of shape \(5,\).*\(8, 4\)"):
        model.predict(np.ones((8, 4)), verbose=0)


def test_predict_equals_a_numpy_forward_pass():
    model = lecture_model(nin=20, nh=7, nout=4)
    x = np.random.default_rng(1).standard_normal((9, 20)).astype("float32")
    w1, b1, w2, b2 = model.get_weights()
    expected = _softmax(_sigmoid(x @ w1 + b1) @ w2 + b2)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model(x).data, expected, rtol=1e-5, atol=1e-6)


def test_get_layer_by_name_and_index():
    model = lecture_model()
    assert model.get_layer("hidden") is model.layers[0]
    assert model.get_layer(index=-1).name == "output"
    with pytest.raises(ValueError, match=r"no layer named 'hiden'.*\['hidden', 'output'\]"):
        model.get_layer("hiden")
    with pytest.raises(ValueError, match="no layer at index 5; it has 2 layers"):
        model.get_layer(index=5)


def test_add_rejects_non_layers_duplicates_and_late_inputs():
    model = Sequential([Dense(2, input_shape=(3,), name="d")])
    with pytest.raises(TypeError, match="can only add layers"):
        model.add("dense")
    with pytest.raises(ValueError, match="a layer named 'd' is already in the model"):
        model.add(Dense(2, name="d"))
    with pytest.raises(ValueError, match="an Input can only be the first entry"):
        model.add(Input(shape=(2,)))
    assert [layer.name for layer in model.layers] == ["d"]


def test_pop_removes_the_last_layer():
    model = Sequential([Input(shape=(3,)), Dense(4, name="a"), Dense(2, name="b")])
    removed = model.pop()
    assert removed.name == "b" and [layer.name for layer in model.layers] == ["a"]
    assert model.predict(np.ones((2, 3)), verbose=0).shape == (2, 4)
    model.pop()
    with pytest.raises(ValueError, match="no layer to pop"):
        model.pop()


def test_summary_parameter_counts_equal_keras_for_the_lecture_mlp():
    text = summary_text(lecture_model())
    hidden = next(line for line in text.splitlines() if "hidden (Dense)" in line)
    output = next(line for line in text.splitlines() if "output (Dense)" in line)
    assert "(None, 100)" in hidden and "78,500" in hidden           # 784 * 100 + 100
    assert "(None, 10)" in output and "1,010" in output             # 100 * 10 + 10
    assert "Total params: 79,510" in text
    assert "Trainable params: 79,510" in text
    assert "Non-trainable params: 0" in text
    assert text.startswith('Model: "sequential')


def test_summary_of_a_convnet_like_stack_with_flatten_and_dropout():
    model = Sequential([Input(shape=(28, 28)), Flatten(), Dense(32, activation="relu"), Dropout(0.2), Dense(10)])
    text = summary_text(model)
    assert "(None, 784)" in text and "Total params: 25,450" in text   # 784*32+32 + 32*10+10
    assert [layer.count_params() for layer in model.layers] == [0, 25120, 0, 330]


def test_summary_shows_frozen_layers_as_non_trainable():
    model = lecture_model()
    model.get_layer("hidden").trainable = False
    text = summary_text(model, show_trainable=True)
    assert "Total params: 79,510" in text
    assert "Trainable params: 1,010" in text
    assert "Non-trainable params: 78,500" in text
    hidden = next(line for line in text.splitlines() if "hidden (Dense)" in line)
    assert hidden.rstrip("│ ").endswith("N")


def test_summary_prints_by_default(capsys):
    lecture_model().summary()
    assert "Total params: 79,510" in capsys.readouterr().out


def test_get_weights_order_and_shapes_are_keras():
    model = lecture_model()
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(784, 100), (100,), (100, 10), (10,)]
    assert all(w.dtype == np.float32 for w in weights)
    np.testing.assert_array_equal(weights[0], model.get_layer("hidden").kernel.data)
    np.testing.assert_array_equal(weights[3], model.get_layer("output").bias.data)
    weights[0][...] = 5.0                                           # copies, not views
    assert not np.any(model.get_layer("hidden").kernel.data == 5.0)


def test_set_weights_round_trip():
    source, target = lecture_model(10, 4, 3), lecture_model(10, 4, 3)
    target.set_weights(source.get_weights())
    for a, b in zip(source.get_weights(), target.get_weights()):
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(0).random((3, 10)).astype("float32")
    np.testing.assert_array_equal(source.predict(x, verbose=0), target.predict(x, verbose=0))


def test_failed_set_weights_leaves_every_weight_intact():
    model = lecture_model(10, 4, 3)
    before = model.get_weights()
    bad = [np.ones_like(w) for w in before]
    bad[2] = np.ones((3, 4))                                        # transposed kernel, last to check
    with pytest.raises(ValueError, match=r"'output/kernel' has shape \(4, 3\).*has shape \(3, 4\)"):
        model.set_weights(bad)
    with pytest.raises(ValueError, match="expected 4 arrays, got 3"):
        model.set_weights(bad[:3])
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_feature_extractor_from_a_sequential_layer_output():
    model = lecture_model(12, 5, 3)
    extractor = Model(inputs=model.inputs, outputs=model.get_layer("hidden").output)
    x = np.random.default_rng(2).random((4, 12)).astype("float32")
    w1, b1, _, _ = model.get_weights()
    np.testing.assert_allclose(extractor.predict(x, verbose=0), _sigmoid(x @ w1 + b1), rtol=1e-5, atol=1e-6)
    assert extractor.get_layer("hidden") is model.get_layer("hidden")   # shared weights


def test_feature_extractor_of_a_model_built_from_data():
    model = Sequential([Dense(5, activation="relu", name="features"), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 3)), np.ones((4, 1)), verbose=0)
    extractor = Model(model.inputs, model.get_layer("features").output)
    assert extractor.predict(np.ones((2, 3)), verbose=0).shape == (2, 5)


def test_a_sequential_inside_a_sequential():
    inner = Sequential([Dense(4, activation="tanh", name="i1"), Dense(3, name="i2")], name="block")
    outer = Sequential([Input(shape=(5,)), inner, Dense(1, name="head")])
    assert outer.count_params() == (5 * 4 + 4) + (4 * 3 + 3) + (3 + 1)
    assert [w.shape for w in outer.get_weights()] == [(5, 4), (4,), (4, 3), (3,), (3, 1), (1,)]
    x = np.random.default_rng(0).random((2, 5)).astype("float32")
    a, b, c, d, e, f = outer.get_weights()
    expected = (np.tanh(x @ a + b) @ c + d) @ e + f
    np.testing.assert_allclose(outer.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    assert "block (Sequential)" in summary_text(outer)


def test_a_sequential_with_no_layers_says_so():
    model = Sequential()
    with pytest.raises(ValueError, match="has no layers"):
        model(np.ones((1, 2)))


def test_sequential_is_reachable_as_keras_names():
    assert striate.Sequential is Sequential and striate.models.Sequential is Sequential
