"""Small models and data shared by the saving tests (no test functions here)."""

import numpy as np

import striate
from striate import layers


def sequential(optimizer="adam"):
    model = striate.Sequential([
        striate.Input(shape=(6,)),
        layers.Dense(8, activation="relu"),
        layers.BatchNormalization(),
        layers.Dropout(0.2, seed=1),
        layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def functional():
    """Two inputs, a residual sum, two outputs with their own losses and weights."""
    a, b = striate.Input(shape=(4,), name="a"), striate.Input(shape=(4,), name="b")
    h = layers.Dense(4, activation="tanh")(a)
    s = layers.Add()([h, b])
    out1 = layers.Dense(2, name="out1")(s)
    out2 = layers.Dense(1, activation="sigmoid", name="out2")(layers.Concatenate()([s, a]))
    model = striate.Model([a, b], [out1, out2])
    model.compile(optimizer=striate.optimizers.SGD(learning_rate=0.05, momentum=0.9),
                  loss={"out1": "mse", "out2": "binary_crossentropy"}, loss_weights=[1.0, 0.5],
                  metrics={"out2": ["accuracy"]})
    return model


def conv():
    model = striate.Sequential([
        striate.Input(shape=(6, 6, 1)),
        layers.Conv2D(2, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(2),
    ])
    model.compile(optimizer="rmsprop", loss="mse")
    return model


def data(kind, n=24, seed=0):
    rng = np.random.default_rng(seed)
    if kind == "sequential":
        x = rng.normal(size=(n, 6)).astype("float32")
        return x, (x[:, 0] > 0).astype("int64") + (x[:, 1] > 1)
    if kind == "functional":
        a, b = rng.normal(size=(n, 4)), rng.normal(size=(n, 4))
        return [a, b], [rng.normal(size=(n, 2)), (a[:, :1] > 0).astype("float32")]
    x = rng.normal(size=(n, 6, 6, 1)).astype("float32")
    return x, rng.normal(size=(n, 2)).astype("float32")


BUILDERS = {"sequential": sequential, "functional": functional, "conv": conv}


def trained(kind, epochs=2):
    model = BUILDERS[kind]()
    x, y = data(kind)
    model.fit(x, y, epochs=epochs, batch_size=8, verbose=0)
    return model, x, y


def same_weights(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    return len(wa) == len(wb) and all(x.dtype == y.dtype and x.tobytes() == y.tobytes() for x, y in zip(wa, wb))
