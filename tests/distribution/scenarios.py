"""Models, data and a one-process reference shared by the MPI worker and the tests.

``ghost_fit`` is what K data-parallel processes compute, done in one process
without MPI: each global batch is cut into the same shards, each shard's
gradient is taken on its own batch statistics, the gradients are weighted by
the shards' sizes and one update is applied; batch normalisation's moving
statistics are averaged the same way. Without batch normalisation it equals a
plain ``fit`` of one process (the tests check that too).
"""

import math

import numpy as np

import striate
from striate import layers, random
from striate.distribution import shard_bounds


N, BATCH, EPOCHS = 67, 16, 3  # 67 = 4 * 16 + 3: the last batch has fewer samples than 4 processes


def data(n, shape, classes=3, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, *shape)).astype("float32")
    y = rng.integers(0, classes, n)
    return x, y


def build(kind, seed=0):
    """A small model of one of three kinds, with weights drawn from ``seed``."""
    striate.backend.clear_session()
    striate.utils.set_random_seed(seed)
    if kind == "dense":
        model = striate.Sequential([striate.Input(shape=(8,)), layers.Dense(16, activation="relu"),
                                    layers.Dense(3, activation="softmax")])
        model.compile(optimizer=striate.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    elif kind == "conv_dropout":
        model = striate.Sequential([striate.Input(shape=(8, 8, 1)), layers.Conv2D(4, 3, activation="relu"),
                                    layers.MaxPooling2D(2), layers.Flatten(), layers.Dropout(0.4),
                                    layers.Dense(3, activation="softmax")])
        model.compile(optimizer=striate.optimizers.SGD(0.05, momentum=0.9), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    elif kind == "conv_bn":
        model = striate.Sequential([striate.Input(shape=(8, 8, 1)), layers.Conv2D(4, 3, use_bias=False), layers.BatchNormalization(),
                                    layers.Activation("relu"), layers.MaxPooling2D(2), layers.Flatten(), layers.Dropout(0.4),
                                    layers.Dense(3, activation="softmax")])
        model.compile(optimizer=striate.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    else:
        raise ValueError(kind)
    return model


SHAPES = {"dense": (8,), "conv_dropout": (8, 8, 1), "conv_bn": (8, 8, 1)}


def moving_statistics(model):
    return [v for layer in model._flatten_layers() for v in layer._own_weights if not v.trainable]


def ghost_fit(model, x, y, batch_size, epochs, processes):
    """One process computing what ``processes`` data-parallel processes compute (see the module doc)."""
    loss_fn = striate.losses.SparseCategoricalCrossentropy()
    weights = model.trainable_weights
    n = len(x)
    for _ in range(epochs):
        order = random.generator().permutation(n)  # fit's shuffle draws exactly this
        for step in range(math.ceil(n / batch_size)):
            index = order[step * batch_size:(step + 1) * batch_size]
            xb, yb, nb = x[index], y[index], len(index)
            before = random.get_state()
            stats = moving_statistics(model)
            base = [v.data.copy() for v in stats]
            grads = [np.zeros(v.shape, np.float64) for v in weights]
            stat_sum = [np.zeros(v.shape, np.float64) for v in stats]
            after = None
            for r in range(processes):
                start, stop = shard_bounds(nb, r, processes)
                if stop == start:
                    continue
                random.set_state(before)  # every process draws the global batch's masks
                with random.batch_shard(nb, start, stop):
                    y_pred = model(xb[start:stop], training=True)
                after = after or random.get_state()
                loss = loss_fn(yb[start:stop], y_pred)
                model.zero_grad()
                loss.backward()
                for acc, v in zip(grads, weights):
                    acc += (stop - start) * v.grad
                for acc, v, b in zip(stat_sum, stats, base):
                    acc += (stop - start) * (v.data - b)
                    v.data[...] = b
            random.set_state(after)
            for v, b, acc in zip(stats, base, stat_sum):
                v.data[...] = b + acc / nb
            model.optimizer.apply([(g / nb).astype(np.float32) for g in grads], weights)
    return model
