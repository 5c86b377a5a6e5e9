"""The default get_config / from_config of custom layers (Keras 3's rules, Keras 3 as an oracle)."""

import pytest

import striate
from striate import layers
from tests.keras_oracle import import_keras

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:keras")



class Linear(layers.Layer):
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal", name="w")

    def call(self, inputs):
        return inputs @ self.w


# ---- get_config / from_config ------------------------------------------------------------------
def test_default_get_config_records_plain_constructor_arguments():
    class Scale(layers.Layer):
        def __init__(self, factor, offset=0.5, **kwargs):
            super().__init__(**kwargs)
            self.factor, self.offset = factor, offset

        def call(self, x):
            return x * self.factor + self.offset

    config = Scale(2.0, name="scale", trainable=False).get_config()
    assert config == {"name": "scale", "trainable": False, "dtype": "float32", "factor": 2.0, "offset": 0.5}
    again = Scale.from_config(config)
    assert (again.factor, again.offset, again.name, again.trainable) == (2.0, 0.5, "scale", False)

    class NoKwargs(layers.Layer):
        def __init__(self, size):
            super().__init__()
            self.size = size

    assert "name" not in NoKwargs(3).get_config()  # its __init__ could not take the name back


def test_default_get_config_refuses_objects_with_keras_message():
    class Holds(layers.Layer):
        def __init__(self, sublayer, **kwargs):
            super().__init__(**kwargs)
            self.sublayer = sublayer

    with pytest.raises(NotImplementedError, match="must override `get_config\\(\\)`"):
        Holds(layers.Dense(2)).get_config()


def test_overridden_get_config_gets_the_base_keys():
    class WithConfig(Linear):
        def get_config(self):
            config = super().get_config()
            config.update({"units": self.units})
            return config

    config = WithConfig(7, name="lin").get_config()
    assert config == {"name": "lin", "trainable": True, "dtype": "float32", "units": 7}


def test_from_config_with_missing_arguments_is_keras_error():
    class Needs(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def get_config(self):
            return super().get_config()  # forgets units

    config = Needs(3).get_config()
    with pytest.raises(TypeError, match="Error when deserializing class 'Needs' using config="):
        Needs.from_config(config)


def test_config_round_trip_matches_keras_keys():
    k = import_keras()

    def make(lib):
        class Scale(lib.layers.Layer):
            def __init__(self, factor=1.0, **kwargs):
                super().__init__(**kwargs)
                self.factor = factor

            def call(self, x):
                return x * self.factor

        return Scale(3.0, name="s")

    ours, theirs = make(striate).get_config(), make(k).get_config()
    assert set(ours) == set(theirs) and ours["factor"] == theirs["factor"] == 3.0
