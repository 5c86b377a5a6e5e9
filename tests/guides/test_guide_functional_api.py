"""keras.io guide "The Functional API" (François Chollet), cell by cell, on Keras 3 and on striate.

Each test is one code cell, written anew with the cell's own API calls; MNIST is the
offline MNIST subset and CIFAR-10 small random images of its shape, epochs and
sizes are reduced. Cells that need what striate does not have (``plot_model``,
``Conv2DTranspose``, ``Embedding``, ``LSTM``, ImageNet weights) are strict
expected failures with the reason; they run as soon as striate has the layer.
"""

import numpy as np
import pytest

import striate
from tests.guides.conftest import cannot_run, has_graphviz, mnist_subset
from tests.keras_oracle import to_numpy

_NO_GRAPHVIZ = "keras.utils.plot_model draws with pydot and Graphviz, which are not installed"
_NO_PLOT_MODEL = "striate has no plot_model (a graph drawing needs Graphviz)"
_NO_TRANSPOSE = "striate has no Conv2DTranspose layer"
_NO_TEXT_LAYERS = "striate has no Embedding and LSTM layers"
_NO_IMAGENET = ("keras.applications.VGG19() downloads 548 MB of ImageNet weights (no network here); striate has "
                "no VGG19")


def _missing(*names):
    return any(not hasattr(striate.layers, name) for name in names)


def test_setup(keras):
    assert callable(keras.layers.Dense) and callable(keras.ops.zeros)


def test_an_input_node(keras):
    inputs = keras.Input(shape=(784,))
    assert tuple(inputs.shape) == (None, 784)


def test_an_image_input(keras):
    img_inputs = keras.Input(shape=(32, 32, 3))
    assert tuple(img_inputs.shape) == (None, 32, 32, 3)


def test_the_input_shape(keras):
    inputs = keras.Input(shape=(784,))
    assert tuple(inputs.shape) == (None, 784)


def test_the_input_dtype(keras):
    inputs = keras.Input(shape=(784,))
    assert str(inputs.dtype) == "float32"


def mnist_model(keras):
    layers = keras.layers
    inputs = keras.Input(shape=(784,))
    dense = layers.Dense(64, activation="relu")
    x = dense(inputs)
    x = layers.Dense(64, activation="relu")(x)
    outputs = layers.Dense(10)(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")


def test_calling_a_layer_on_the_input(keras):
    inputs = keras.Input(shape=(784,))
    dense = keras.layers.Dense(64, activation="relu")
    x = dense(inputs)
    assert tuple(x.shape) == (None, 64)


def test_more_layers_and_the_model(keras):
    model = mnist_model(keras)
    assert model.name == "mnist_model" and len(model.layers) == 4


def test_model_summary(keras):
    lines = []
    mnist_model(keras).summary(print_fn=lambda text, *args, **kwargs: lines.append(text))
    assert 'Model: "mnist_model"' in "\n".join(lines) and "Total params: 55,050" in "\n".join(lines)


@cannot_run("striate", _NO_PLOT_MODEL)
@cannot_run("keras", _NO_GRAPHVIZ, condition=not has_graphviz())
def test_plot_model(keras):
    keras.utils.plot_model(mnist_model(keras), "my_first_model.png")


@cannot_run("striate", _NO_PLOT_MODEL)
@cannot_run("keras", _NO_GRAPHVIZ, condition=not has_graphviz())
def test_plot_model_with_shapes(keras):
    keras.utils.plot_model(mnist_model(keras), "my_first_model_with_shape_info.png", show_shapes=True)


def test_training_evaluation_and_inference(keras):
    (x_train, y_train), (x_test, y_test) = mnist_subset(n_train=640, n_test=128)
    x_train = x_train.reshape(640, 784).astype("float32") / 255
    x_test = x_test.reshape(128, 784).astype("float32") / 255
    model = mnist_model(keras)
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=keras.optimizers.RMSprop(), metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=64, epochs=2, validation_split=0.2, verbose=0)
    assert set(history.history) == {"accuracy", "loss", "val_accuracy", "val_loss"}
    test_scores = model.evaluate(x_test, y_test, verbose=0)
    assert len(test_scores) == 2 and test_scores[1] > 0.5  # ten classes: chance is 0.1


def test_save_and_serialize(keras):
    model = mnist_model(keras)
    x = np.random.default_rng(0).random((4, 784)).astype("float32")
    before = to_numpy(model.predict(x, verbose=0))
    model.save("my_model.keras")
    del model
    model = keras.models.load_model("my_model.keras")
    np.testing.assert_array_equal(to_numpy(model.predict(x, verbose=0)), before)


@cannot_run("striate", _NO_TRANSPOSE, condition=_missing("Conv2DTranspose"))
def test_one_graph_of_layers_for_several_models(keras):
    layers = keras.layers
    encoder_input = keras.Input(shape=(28, 28, 1), name="img")
    x = layers.Conv2D(16, 3, activation="relu")(encoder_input)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.MaxPooling2D(3)(x)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.Conv2D(16, 3, activation="relu")(x)
    encoder_output = layers.GlobalMaxPooling2D()(x)
    encoder = keras.Model(encoder_input, encoder_output, name="encoder")
    encoder.summary(print_fn=lambda *a, **k: None)
    x = layers.Reshape((4, 4, 1))(encoder_output)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu")(x)
    x = layers.UpSampling2D(3)(x)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    decoder_output = layers.Conv2DTranspose(1, 3, activation="relu")(x)
    autoencoder = keras.Model(encoder_input, decoder_output, name="autoencoder")
    autoencoder.summary(print_fn=lambda *a, **k: None)
    assert tuple(autoencoder.output_shape) == (None, 28, 28, 1)


@cannot_run("striate", _NO_TRANSPOSE, condition=_missing("Conv2DTranspose"))
def test_models_are_callable_like_layers(keras):
    layers = keras.layers
    encoder_input = keras.Input(shape=(28, 28, 1), name="original_img")
    x = layers.Conv2D(16, 3, activation="relu")(encoder_input)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.MaxPooling2D(3)(x)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.Conv2D(16, 3, activation="relu")(x)
    encoder_output = layers.GlobalMaxPooling2D()(x)
    encoder = keras.Model(encoder_input, encoder_output, name="encoder")
    decoder_input = keras.Input(shape=(16,), name="encoded_img")
    x = layers.Reshape((4, 4, 1))(decoder_input)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu")(x)
    x = layers.UpSampling2D(3)(x)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    decoder_output = layers.Conv2DTranspose(1, 3, activation="relu")(x)
    decoder = keras.Model(decoder_input, decoder_output, name="decoder")
    autoencoder_input = keras.Input(shape=(28, 28, 1), name="img")
    encoded_img = encoder(autoencoder_input)
    decoded_img = decoder(encoded_img)
    autoencoder = keras.Model(autoencoder_input, decoded_img, name="autoencoder")
    autoencoder.summary(print_fn=lambda *a, **k: None)
    assert tuple(autoencoder.output_shape) == (None, 28, 28, 1)


def test_ensembling_models(keras):
    layers = keras.layers

    def get_model():
        inputs = keras.Input(shape=(128,))
        outputs = layers.Dense(1)(inputs)
        return keras.Model(inputs, outputs)

    model1, model2, model3 = get_model(), get_model(), get_model()
    inputs = keras.Input(shape=(128,))
    y1, y2, y3 = model1(inputs), model2(inputs), model3(inputs)
    outputs = layers.average([y1, y2, y3])
    ensemble_model = keras.Model(inputs=inputs, outputs=outputs)
    x = np.random.default_rng(1).random((5, 128)).astype("float32")
    mean = sum(to_numpy(m.predict(x, verbose=0)) for m in (model1, model2, model3)) / 3
    np.testing.assert_allclose(to_numpy(ensemble_model.predict(x, verbose=0)), mean, rtol=1e-5, atol=1e-6)


def ticket_model(keras):
    layers = keras.layers
    num_tags, num_words, num_departments = 12, 10000, 4
    title_input = keras.Input(shape=(None,), name="title")
    body_input = keras.Input(shape=(None,), name="body")
    tags_input = keras.Input(shape=(num_tags,), name="tags")
    title_features = layers.Embedding(num_words, 64)(title_input)
    body_features = layers.Embedding(num_words, 64)(body_input)
    title_features = layers.LSTM(128)(title_features)
    body_features = layers.LSTM(32)(body_features)
    x = layers.concatenate([title_features, body_features, tags_input])
    priority_pred = layers.Dense(1, name="priority")(x)
    department_pred = layers.Dense(num_departments, name="department")(x)
    return keras.Model(inputs=[title_input, body_input, tags_input],
                       outputs={"priority": priority_pred, "department": department_pred})


@cannot_run("striate", _NO_TEXT_LAYERS, condition=_missing("Embedding", "LSTM"))
def test_multiple_inputs_and_outputs(keras):
    model = ticket_model(keras)
    assert len(model.inputs) == 3


@cannot_run("striate", _NO_PLOT_MODEL)
@cannot_run("keras", _NO_GRAPHVIZ, condition=not has_graphviz())
def test_plot_the_multi_input_model(keras):
    keras.utils.plot_model(ticket_model(keras), "multi_input_and_output_model.png", show_shapes=True)


@cannot_run("striate", _NO_TEXT_LAYERS, condition=_missing("Embedding", "LSTM"))
def test_compile_with_a_loss_per_output(keras):
    model = ticket_model(keras)
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3),
                  loss=[keras.losses.BinaryCrossentropy(from_logits=True),
                        keras.losses.CategoricalCrossentropy(from_logits=True)],
                  loss_weights=[1.0, 0.2])


@cannot_run("striate", _NO_TEXT_LAYERS, condition=_missing("Embedding", "LSTM"))
def test_compile_with_losses_by_output_name(keras):
    model = ticket_model(keras)
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3),
                  loss={"priority": keras.losses.BinaryCrossentropy(from_logits=True),
                        "department": keras.losses.CategoricalCrossentropy(from_logits=True)},
                  loss_weights={"priority": 1.0, "department": 0.2})


@cannot_run("striate", _NO_TEXT_LAYERS, condition=_missing("Embedding", "LSTM"))
def test_fit_on_dicts_of_arrays(keras):
    model = ticket_model(keras)
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3),
                  loss={"priority": keras.losses.BinaryCrossentropy(from_logits=True),
                        "department": keras.losses.CategoricalCrossentropy(from_logits=True)},
                  loss_weights={"priority": 1.0, "department": 0.2})
    n, num_words, num_tags, num_departments = 32, 10000, 12, 4
    title_data = np.random.randint(num_words, size=(n, 4))
    body_data = np.random.randint(num_words, size=(n, 6))
    tags_data = np.random.randint(2, size=(n, num_tags)).astype("float32")
    priority_targets = np.random.random(size=(n, 1))
    dept_targets = np.random.randint(2, size=(n, num_departments))
    history = model.fit({"title": title_data, "body": body_data, "tags": tags_data},
                        {"priority": priority_targets, "department": dept_targets}, epochs=1, batch_size=32,
                        verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def toy_resnet(keras):
    layers = keras.layers
    inputs = keras.Input(shape=(32, 32, 3), name="img")
    x = layers.Conv2D(32, 3, activation="relu")(inputs)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    block_1_output = layers.MaxPooling2D(3)(x)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_1_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_2_output = layers.add([x, block_1_output])
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_2_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_3_output = layers.add([x, block_2_output])
    x = layers.Conv2D(64, 3, activation="relu")(block_3_output)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(256, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(10)(x)
    return keras.Model(inputs, outputs, name="toy_resnet")


def test_a_toy_resnet(keras):
    lines = []
    toy_resnet(keras).summary(print_fn=lambda text, *args, **kwargs: lines.append(text))
    assert "Total params: 223,242" in "\n".join(lines)


@cannot_run("striate", _NO_PLOT_MODEL)
@cannot_run("keras", _NO_GRAPHVIZ, condition=not has_graphviz())
def test_plot_the_toy_resnet(keras):
    keras.utils.plot_model(toy_resnet(keras), "mini_resnet.png", show_shapes=True)


def test_train_the_toy_resnet(keras):
    rng = np.random.default_rng(2)  # CIFAR-10 is not offline: random images of its shape and range
    x_train = rng.integers(0, 256, (160, 32, 32, 3)).astype("uint8")
    y_train = rng.integers(0, 10, (160, 1))
    x_train = x_train.astype("float32") / 255.0
    y_train = keras.utils.to_categorical(y_train, 10)
    model = toy_resnet(keras)
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3), loss=keras.losses.CategoricalCrossentropy(from_logits=True),
                  metrics=["acc"])
    history = model.fit(x_train[:160], y_train[:160], batch_size=64, epochs=1, validation_split=0.2, verbose=0)
    assert set(history.history) == {"acc", "loss", "val_acc", "val_loss"}


@cannot_run("striate", _NO_TEXT_LAYERS, condition=_missing("Embedding"))
def test_shared_layers(keras):
    layers = keras.layers
    shared_embedding = layers.Embedding(1000, 128)
    text_input_a = keras.Input(shape=(None,), dtype="int32")
    text_input_b = keras.Input(shape=(None,), dtype="int32")
    encoded_input_a = shared_embedding(text_input_a)
    encoded_input_b = shared_embedding(text_input_b)
    assert tuple(encoded_input_a.shape) == tuple(encoded_input_b.shape) == (None, None, 128)


@cannot_run("both", _NO_IMAGENET)
def test_a_pretrained_vgg19(keras):
    if keras.__name__ == "keras":
        pytest.fail("not attempted: keras.applications.VGG19() would download its ImageNet weights")
    keras.applications.VGG19()


@cannot_run("both", _NO_IMAGENET)
def test_intermediate_activations_of_vgg19(keras):
    if keras.__name__ == "keras":
        pytest.fail("not attempted: keras.applications.VGG19() would download its ImageNet weights")
    vgg19 = keras.applications.VGG19()
    features_list = [layer.output for layer in vgg19.layers]
    assert features_list


@cannot_run("both", _NO_IMAGENET)
def test_a_feature_extraction_model_from_vgg19(keras):
    if keras.__name__ == "keras":
        pytest.fail("not attempted: keras.applications.VGG19() would download its ImageNet weights")
    vgg19 = keras.applications.VGG19()
    feat_extraction_model = keras.Model(inputs=vgg19.input, outputs=[layer.output for layer in vgg19.layers])
    img = np.random.random((1, 224, 224, 3)).astype("float32")
    assert feat_extraction_model(img)


def custom_dense(keras, with_config):
    layers, ops = keras.layers, keras.ops

    class CustomDense(layers.Layer):
        def __init__(self, units=32):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal",
                                     trainable=True)
            self.b = self.add_weight(shape=(self.units,), initializer="random_normal", trainable=True)

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

    if with_config:
        CustomDense.get_config = lambda self: {"units": self.units}
    return CustomDense


def test_extend_the_api_with_custom_layers(keras):
    CustomDense = custom_dense(keras, with_config=False)
    inputs = keras.Input((4,))
    outputs = CustomDense(10)(inputs)
    model = keras.Model(inputs, outputs)
    assert tuple(model.output_shape) == (None, 10) and model.count_params() == 50


def test_custom_layers_serialize_with_get_config(keras):
    CustomDense = custom_dense(keras, with_config=True)
    inputs = keras.Input((4,))
    outputs = CustomDense(10)(inputs)
    model = keras.Model(inputs, outputs)
    config = model.get_config()
    new_model = keras.Model.from_config(config, custom_objects={"CustomDense": CustomDense})
    assert isinstance(new_model.layers[1], CustomDense) and new_model.layers[1].units == 10


def test_a_functional_model_inside_a_subclassed_layer(keras):
    layers, ops = keras.layers, keras.ops
    units, timesteps, input_dim = 32, 10, 5
    inputs = keras.Input((None, units))
    x = layers.GlobalAveragePooling1D()(inputs)
    outputs = layers.Dense(1)(x)
    model = keras.Model(inputs, outputs)
    shapes = []

    class CustomRNN(layers.Layer):
        def __init__(self):
            super().__init__()
            self.units = units
            self.projection_1 = layers.Dense(units=units, activation="tanh")
            self.projection_2 = layers.Dense(units=units, activation="tanh")
            self.classifier = model

        def call(self, inputs):
            outputs = []
            state = ops.zeros(shape=(inputs.shape[0], self.units))
            for t in range(inputs.shape[1]):
                x = inputs[:, t, :]
                h = self.projection_1(x)
                y = h + self.projection_2(state)
                state = y
                outputs.append(y)
            features = ops.stack(outputs, axis=1)
            shapes.append(tuple(features.shape))
            return self.classifier(features)

    rnn_model = CustomRNN()
    out = rnn_model(ops.zeros((1, timesteps, input_dim)))
    assert shapes[-1] == (1, 10, 32) and tuple(out.shape) == (1, 1)


def test_a_custom_rnn_in_a_functional_model(keras):
    layers, ops = keras.layers, keras.ops
    units, timesteps, input_dim, batch_size = 32, 10, 5, 16

    class CustomRNN(layers.Layer):
        def __init__(self):
            super().__init__()
            self.units = units
            self.projection_1 = layers.Dense(units=units, activation="tanh")
            self.projection_2 = layers.Dense(units=units, activation="tanh")
            self.classifier = layers.Dense(1)

        def call(self, inputs):
            outputs = []
            state = ops.zeros(shape=(inputs.shape[0], self.units))
            for t in range(inputs.shape[1]):
                x = inputs[:, t, :]
                h = self.projection_1(x)
                y = h + self.projection_2(state)
                state = y
                outputs.append(y)
            features = ops.stack(outputs, axis=1)
            return self.classifier(features)

    inputs = keras.Input(batch_shape=(batch_size, timesteps, input_dim))
    x = layers.Conv1D(32, 3)(inputs)
    outputs = CustomRNN()(x)
    model = keras.Model(inputs, outputs)
    rnn_model = CustomRNN()
    _ = rnn_model(ops.zeros((1, 10, 5)))
    assert tuple(model.output_shape)[1:] == (8, 1)
    assert tuple(model(np.zeros((batch_size, timesteps, input_dim), "float32")).shape) == (16, 8, 1)
