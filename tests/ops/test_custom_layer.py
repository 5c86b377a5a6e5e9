"""The Keras 3 programming model end to end: a custom layer written only with ``ops`` and
``random.SeedGenerator`` trains inside a striate model."""

import numpy as np

import striate as keras
from striate import ops


class NoisyDense(keras.layers.Layer):
    """A dense layer with a GELU and seeded dropout, as a Keras 3 user would write it."""

    def __init__(self, units, rate=0.1, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.units, self.rate = units, rate
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, inputs, training=False):
        y = ops.gelu(ops.add(ops.matmul(inputs, self.w), self.b))
        if training:
            y = keras.random.dropout(y, self.rate, seed=self.seed_generator)
        return ops.clip(y, -10.0, 10.0)


def test_a_custom_layer_built_from_ops_trains():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 8)).astype("float32")
    y = (x[:, :1] * 2.0 - x[:, 1:2]).astype("float32")
    model = keras.Sequential([keras.Input(shape=(8,)), NoisyDense(16), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]
    assert model.predict(x[:4], verbose=0).shape == (4, 1)
