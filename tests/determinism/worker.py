"""Train each reference network for a few steps and print a digest of its weights and outputs.

Run by test_thread_count.py in fresh processes with different ``STRIATE_NUM_THREADS``:
``python worker.py NETS DETERMINISTIC`` prints one line ``net digest`` per network.
"""

import hashlib
import sys

import numpy as np

import striate
from striate import applications, layers

BATCH = {"a": 100, "b": 32, "c": 64, "d": 64, "e": 64}
SHAPE = {"a": (784,), "b": (16, 16, 1), "c": (28, 28, 1), "d": (32, 32, 3), "e": (32, 32, 3)}


def build(net):
    if net == "a":
        return striate.Sequential([layers.Input(shape=(784,)), layers.Dense(256, activation="sigmoid"),
                                   layers.Dense(10, activation="softmax")])
    return {"b": applications.lecun1989, "c": applications.lenet5, "d": applications.cifar_cnn,
            "e": applications.small_resnet}[net]()


def digest(net):
    striate.backend.clear_session()
    striate.utils.set_random_seed(0)
    model = build(net)
    model.compile(optimizer=striate.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(1)
    n = BATCH[net]
    x = rng.standard_normal((2 * n,) + SHAPE[net]).astype("float32")
    y = rng.integers(0, 10, 2 * n)
    model.fit(x, y, batch_size=n, epochs=1, verbose=0, shuffle=False)
    out = model.predict(x, batch_size=2 * n, verbose=0)
    h = hashlib.sha256()
    for w in model.get_weights() + [out]:
        h.update(np.ascontiguousarray(w).tobytes())
    return h.hexdigest()[:16]


if __name__ == "__main__":
    if sys.argv[2] == "1":
        striate.utils.enable_deterministic()
    for net in sys.argv[1]:
        print(net, digest(net), flush=True)
