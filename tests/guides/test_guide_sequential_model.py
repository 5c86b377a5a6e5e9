"""keras.io guide "The Sequential model" (François Chollet), cell by cell, on Keras 3 and on striate.

Each test is one code cell, written anew with the cell's own API calls (``layers`` and
``ops`` are ``keras.layers`` and ``keras.ops``, as the guide imports them). The
transfer-learning blueprints at the end of the guide are prose, not cells.
"""

import numpy as np

from tests.keras_oracle import to_numpy


def test_setup(keras):
    layers, ops = keras.layers, keras.ops
    assert callable(layers.Dense) and callable(ops.ones)


def test_a_sequential_model_is_a_stack_of_layers(keras):
    layers, ops = keras.layers, keras.ops
    model = keras.Sequential([
        layers.Dense(2, activation="relu", name="layer1"),
        layers.Dense(3, activation="relu", name="layer2"),
        layers.Dense(4, name="layer3"),
    ])
    x = ops.ones((3, 3))
    y = model(x)
    assert tuple(y.shape) == (3, 4)


def test_is_equivalent_to_calling_the_layers(keras):
    layers, ops = keras.layers, keras.ops
    layer1 = layers.Dense(2, activation="relu", name="layer1")
    layer2 = layers.Dense(3, activation="relu", name="layer2")
    layer3 = layers.Dense(4, name="layer3")
    x = ops.ones((3, 3))
    y = layer3(layer2(layer1(x)))
    assert tuple(y.shape) == (3, 4)


def test_creating_a_sequential_model_from_a_list(keras):
    layers = keras.layers
    model = keras.Sequential([
        layers.Dense(2, activation="relu"),
        layers.Dense(3, activation="relu"),
        layers.Dense(4),
    ])
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dense", "Dense"]


def test_add_and_pop(keras):
    layers = keras.layers
    model = keras.Sequential()
    model.add(layers.Dense(2, activation="relu"))
    model.add(layers.Dense(3, activation="relu"))
    model.add(layers.Dense(4))
    model.pop()
    assert len(model.layers) == 2


def test_the_constructor_takes_a_name(keras):
    layers = keras.layers
    model = keras.Sequential(name="my_sequential")
    model.add(layers.Dense(2, activation="relu", name="layer1"))
    model.add(layers.Dense(3, activation="relu", name="layer2"))
    model.add(layers.Dense(4, name="layer3"))
    assert model.name == "my_sequential" and [layer.name for layer in model.layers] == ["layer1", "layer2", "layer3"]


def test_a_layer_has_no_weights_before_it_is_built(keras):
    layer = keras.layers.Dense(3)
    assert layer.weights == []


def test_weights_are_created_on_the_first_call(keras):
    ops = keras.ops
    layer = keras.layers.Dense(3)
    x = ops.ones((1, 4))
    layer(x)
    assert [tuple(w.shape) for w in layer.weights] == [(4, 3), (3,)]


def test_an_unbuilt_sequential_model_builds_on_data(keras):
    layers, ops = keras.layers, keras.ops
    model = keras.Sequential([layers.Dense(2, activation="relu"), layers.Dense(3, activation="relu"), layers.Dense(4)])
    assert not model.built
    x = ops.ones((1, 4))
    model(x)
    assert len(model.weights) == 6


def _summary(model):
    lines = []
    model.summary(print_fn=lambda text, *args, **kwargs: lines.append(text))
    return "\n".join(lines)


def test_summary_once_built(keras):
    layers, ops = keras.layers, keras.ops
    model = keras.Sequential([layers.Dense(2, activation="relu"), layers.Dense(3, activation="relu"), layers.Dense(4)])
    model(ops.ones((1, 4)))
    text = _summary(model)
    assert "Total params: 35" in text and text.count("Dense") == 3


def test_start_with_an_input_to_know_the_shapes(keras):
    layers = keras.layers
    model = keras.Sequential()
    model.add(keras.Input(shape=(4,)))
    model.add(layers.Dense(2, activation="relu"))
    text = _summary(model)
    assert "(None, 2)" in text and "Total params: 10" in text


def test_the_input_is_not_a_layer_of_the_model(keras):
    layers = keras.layers
    model = keras.Sequential()
    model.add(keras.Input(shape=(4,)))
    model.add(layers.Dense(2, activation="relu"))
    assert [type(layer).__name__ for layer in model.layers] == ["Dense"]


def test_add_and_summary_to_follow_the_shapes(keras):
    layers = keras.layers
    model = keras.Sequential()
    model.add(keras.Input(shape=(250, 250, 3)))
    model.add(layers.Conv2D(32, 5, strides=2, activation="relu"))
    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.MaxPooling2D(3))
    assert "(None, 40, 40, 32)" in _summary(model)
    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.MaxPooling2D(3))
    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.Conv2D(32, 3, activation="relu"))
    model.add(layers.MaxPooling2D(2))
    assert "(None, 4, 4, 32)" in _summary(model)
    model.add(layers.GlobalMaxPooling2D())
    model.add(layers.Dense(10))
    assert tuple(model.output_shape) == (None, 10)


def test_feature_extraction_from_every_layer(keras):
    layers, ops = keras.layers, keras.ops
    initial_model = keras.Sequential([
        keras.Input(shape=(250, 250, 3)),
        layers.Conv2D(32, 5, strides=2, activation="relu"),
        layers.Conv2D(32, 3, activation="relu"),
        layers.Conv2D(32, 3, activation="relu"),
    ])
    feature_extractor = keras.Model(inputs=initial_model.inputs,
                                    outputs=[layer.output for layer in initial_model.layers])
    x = ops.ones((1, 250, 250, 3))
    features = feature_extractor(x)
    assert [tuple(f.shape) for f in features] == [(1, 123, 123, 32), (1, 121, 121, 32), (1, 119, 119, 32)]


def test_feature_extraction_from_one_layer(keras):
    layers, ops = keras.layers, keras.ops
    initial_model = keras.Sequential([
        keras.Input(shape=(250, 250, 3)),
        layers.Conv2D(32, 5, strides=2, activation="relu"),
        layers.Conv2D(32, 3, activation="relu", name="my_intermediate_layer"),
        layers.Conv2D(32, 3, activation="relu"),
    ])
    feature_extractor = keras.Model(inputs=initial_model.inputs,
                                    outputs=initial_model.get_layer(name="my_intermediate_layer").output)
    x = ops.ones((1, 250, 250, 3))
    features = feature_extractor(x)
    assert tuple(features.shape) == (1, 121, 121, 32)
    assert np.isfinite(to_numpy(features)).all()
