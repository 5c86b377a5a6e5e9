"""Same seed, same data, same code: bit-identical weights after training (same machine and thread count).

Across processes this is checked by test_kill_resume.py; here within one process, for
a model that draws random numbers everywhere it can: initialisers, shuffling,
dropout from the global generator and from a layer-owned one, batch statistics.
"""

import numpy as np

import striate
from striate import layers


def _train(seed):
    striate.utils.set_random_seed(seed)
    model = striate.Sequential([
        striate.Input(shape=(6, 6, 1)),
        layers.Conv2D(3, 3, activation="relu"),
        layers.BatchNormalization(),
        layers.Dropout(0.3),
        layers.Flatten(),
        layers.Dense(8, activation="relu"),
        layers.Dropout(0.3, seed=5),
        layers.Dense(2, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 6, 6, 1)).astype("float32")
    y = (x.mean(axis=(1, 2, 3)) > 0).astype("int64")
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0, validation_split=0.25)
    return model.get_weights(), history.history


def test_same_seed_same_bits():
    (a, ha), (b, hb) = _train(11), _train(11)
    assert [w.tobytes() for w in a] == [w.tobytes() for w in b]
    assert ha == hb


def test_another_seed_other_bits():
    a, _ = _train(11)
    c, _ = _train(12)
    assert [w.tobytes() for w in a] != [w.tobytes() for w in c]
