"""Custom objects in configs and model files: registration, custom_objects, custom_object_scope,
serialize/deserialize_keras_object, and get_config/from_config round trips of custom layers, models,
losses and metrics through model.save / load_model — with no code ever run from a file."""

import json
import pickle

import numpy as np
import pytest

import striate
import striate as keras
from striate import layers
from striate.saving import ModelFileError
from striate.saving.format import read_tensors, write_tensors
from tests.keras_oracle import import_keras

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:keras")


@pytest.fixture(autouse=True)
def isolated_registry():
    """Registrations made by a test end with it."""
    from striate import _object_registry as registry

    saved = dict(registry.GLOBAL_CUSTOM_OBJECTS), dict(registry.GLOBAL_CUSTOM_NAMES)
    yield
    for table, content in zip((registry.GLOBAL_CUSTOM_OBJECTS, registry.GLOBAL_CUSTOM_NAMES), saved):
        table.clear()
        table.update(content)


def _x(n=4, features=4, seed=0):
    return np.random.default_rng(seed).random((n, features)).astype("float32")


# ---- registration ---------------------------------------------------------------------------------
def test_register_names_and_lookups():
    @keras.saving.register_keras_serializable(package="my_package")
    class MyDense(layers.Dense):
        pass

    @keras.saving.register_keras_serializable(package="my_package", name="custom_fn")
    def custom_function(x):
        return x * x

    assert keras.saving.get_registered_name(MyDense) == "my_package>MyDense"
    assert keras.saving.get_registered_object("my_package>MyDense") is MyDense
    assert keras.saving.get_registered_name(custom_function) == "my_package>custom_fn"
    assert keras.saving.get_registered_name(layers.Dense) == "Dense"  # not registered: its own name
    assert keras.saving.get_custom_objects()["my_package>custom_fn"] is custom_function
    assert keras.saving.get_registered_object("nothing") is None
    assert keras.saving.get_registered_object("x", custom_objects={"x": 1}) == 1
    assert keras.utils.register_keras_serializable is keras.saving.register_keras_serializable
    assert keras.utils.custom_object_scope is keras.saving.custom_object_scope is keras.saving.CustomObjectScope
    keras.saving.get_custom_objects().clear()
    assert keras.saving.get_registered_object("my_package>MyDense") is None
    with pytest.raises(ValueError, match="no get_config"):
        keras.saving.register_keras_serializable()(type("Plain", (), {}))


def test_registration_matches_keras():
    k = import_keras()
    for lib in (striate, k):
        decorator = lib.saving.register_keras_serializable(package="Pkg")

        class Thing(lib.layers.Layer):
            pass

        decorator(Thing)
        assert lib.saving.get_registered_name(Thing) == "Pkg>Thing"
        assert lib.saving.get_registered_object("Pkg>Thing") is Thing
    k.saving.get_custom_objects().pop("Pkg>Thing", None)


def test_custom_object_scope_nests_and_restores():
    def first(x):
        return x

    def second(x):
        return x

    with keras.saving.custom_object_scope({"first": first}):
        with keras.utils.CustomObjectScope({"second": second}):
            assert keras.saving.get_registered_object("first") is first
            assert keras.saving.get_registered_object("second") is second
        assert keras.saving.get_registered_object("second") is None
    assert keras.saving.get_registered_object("first") is None
    with pytest.raises(TypeError, match="must be a dict"):
        keras.saving.CustomObjectScope(["first"])


# ---- serialize_keras_object / deserialize_keras_object ------------------------------------------------
def test_serialize_keras_object_format_matches_keras():
    k = import_keras()
    ours = keras.saving.serialize_keras_object(keras.regularizers.L1(0.005))
    theirs = k.saving.serialize_keras_object(k.regularizers.L1(0.005))
    assert ours == {"module": "keras.regularizers", "class_name": "L1", "config": {"l1": 0.005},
                    "registered_name": None}
    assert {k_: v for k_, v in theirs.items() if k_ != "config"} == {k_: v for k_, v in ours.items() if k_ != "config"}
    assert theirs["config"]["l1"] == pytest.approx(0.005, rel=1e-7)  # Keras keeps the float32-rounded value
    again = keras.saving.deserialize_keras_object(theirs)
    assert isinstance(again, keras.regularizers.L1) and again.l1 == pytest.approx(0.005, rel=1e-7)
    for obj in (keras.constraints.MaxNorm(3.0), keras.initializers.RandomNormal(stddev=0.5)):
        ours = keras.saving.serialize_keras_object(obj)
        theirs = k.saving.serialize_keras_object(type(getattr(k, ours["module"].split(".")[1]).get(
            ours["class_name"]))(**ours["config"]))
        assert (ours["module"], ours["class_name"]) == (theirs["module"], theirs["class_name"])


def test_serialize_keras_object_values():
    s, d = keras.saving.serialize_keras_object, keras.saving.deserialize_keras_object
    assert s(None) is None and s([1, "a", (2.0, True)]) == [1, "a", (2.0, True)]
    arr = np.arange(6, dtype="int16").reshape(2, 3)
    config = s({"w": arr, "n": np.float32(1.5)})
    assert config["w"]["class_name"] == "__numpy__" and config["n"] == 1.5
    back = d(json.loads(json.dumps(config)))
    assert back["w"].dtype == np.int16 and back["w"].tolist() == arr.tolist()
    loss = d(s(keras.losses.MeanSquaredError()))
    assert isinstance(loss, keras.losses.MeanSquaredError)
    assert d(s(keras.optimizers.Adam(0.01))).learning_rate == pytest.approx(0.01)
    assert d(s(keras.activations.relu)) is keras.activations.relu
    dense = d(s(layers.Dense(3, activation="tanh", name="dd")))
    assert dense.units == 3 and dense.name == "dd"


def test_lambdas_and_unknown_names_are_refused():
    s, d = keras.saving.serialize_keras_object, keras.saving.deserialize_keras_object
    with pytest.raises(ValueError, match="lambda"):
        s(lambda x: x)
    with pytest.raises(ValueError, match="lambda"):
        d({"class_name": "__lambda__", "config": {"value": "gARLCi4="}})
    with pytest.raises(ValueError, match="unknown class 'Backdoor'"):
        d({"module": "os", "class_name": "Backdoor", "config": {}, "registered_name": None})
    with pytest.raises(ValueError, match="unknown function 'system'"):
        d({"module": "os", "class_name": "function", "config": "system", "registered_name": None})


def test_objects_in_a_custom_layer_config_are_serialized():
    @keras.saving.register_keras_serializable(package="MyLayers", name="KernelMult")
    class MyDense(layers.Layer):
        def __init__(self, units, *, kernel_regularizer=None, kernel_initializer=None, nested_model=None, **kwargs):
            super().__init__(**kwargs)
            self.hidden_units = units
            self.kernel_regularizer = kernel_regularizer
            self.kernel_initializer = kernel_initializer
            self.nested_model = nested_model

        def get_config(self):
            config = super().get_config()
            config.update({"units": self.hidden_units, "kernel_regularizer": self.kernel_regularizer,
                           "kernel_initializer": self.kernel_initializer, "nested_model": self.nested_model})
            return config

        def build(self, input_shape):
            self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.hidden_units),
                                          regularizer=self.kernel_regularizer, initializer=self.kernel_initializer)

        def call(self, inputs):
            return inputs @ self.kernel

    inner = MyDense(units=16, kernel_regularizer="l1", kernel_initializer="ones")
    outer = MyDense(units=64, nested_model=inner,
                    kernel_regularizer=keras.regularizers.L1L2(l1=1e-5, l2=1e-4))
    config = keras.layers.serialize(outer)
    json.dumps(config)  # plain JSON all the way down
    assert config["registered_name"] == "MyLayers>KernelMult" and config["class_name"] == "MyDense"
    assert config["config"]["nested_model"]["registered_name"] == "MyLayers>KernelMult"
    assert config["config"]["kernel_regularizer"]["class_name"] == "L1L2"
    new = keras.layers.deserialize(config)
    assert isinstance(new, MyDense) and new.hidden_units == 64
    out = new(np.ones((2, 3), "float32"))
    assert out.shape == (2, 64) and len(new.losses) == 1


# ---- through model files --------------------------------------------------------------------------------
@pytest.fixture
def custom_layer_and_fn():
    class CustomLayer(layers.Layer):
        def __init__(self, factor):
            super().__init__()
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {"factor": self.factor}

    def custom_fn(x):
        return x ** 2

    return CustomLayer, custom_fn


def _custom_model(CustomLayer, custom_fn):
    inputs = keras.Input(shape=(4,))
    outputs = layers.Dense(1, activation=custom_fn)(CustomLayer(0.5)(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="rmsprop", loss="mean_squared_error")
    model.fit(_x(), _x(features=1, seed=1), verbose=0)
    return model


def test_registered_objects_load_by_themselves(tmp_path, custom_layer_and_fn):
    CustomLayer, custom_fn = custom_layer_and_fn
    keras.saving.register_keras_serializable(package="MyLayers")(CustomLayer)
    keras.saving.register_keras_serializable(package="my_package", name="custom_fn")(custom_fn)
    model = _custom_model(CustomLayer, custom_fn)
    model.save(tmp_path / "custom_model.keras")
    reconstructed = keras.models.load_model(tmp_path / "custom_model.keras")
    np.testing.assert_array_equal(model.predict(_x(), verbose=0), reconstructed.predict(_x(), verbose=0))
    assert reconstructed.layers[2].activation is custom_fn


@pytest.mark.parametrize("how", ["custom_objects", "scope"])
def test_unregistered_objects_load_with_custom_objects_or_a_scope(tmp_path, custom_layer_and_fn, how):
    CustomLayer, custom_fn = custom_layer_and_fn
    model = _custom_model(CustomLayer, custom_fn)
    model.save(tmp_path / "m.keras")
    with pytest.raises(ModelFileError, match="unknown layer class 'CustomLayer'"):
        keras.models.load_model(tmp_path / "m.keras")
    objects = {"CustomLayer": CustomLayer, "custom_fn": custom_fn}
    if how == "scope":
        with keras.saving.custom_object_scope(objects):
            loaded = keras.models.load_model(tmp_path / "m.keras")
    else:
        loaded = keras.models.load_model(tmp_path / "m.keras", custom_objects=objects)
    np.testing.assert_array_equal(model.predict(_x(), verbose=0), loaded.predict(_x(), verbose=0))
    # the custom activation alone missing: the error names it
    with pytest.raises(ModelFileError, match="custom_fn"):
        keras.models.load_model(tmp_path / "m.keras", custom_objects={"CustomLayer": CustomLayer})


def test_subclassed_model_round_trips_through_its_config(tmp_path):
    @keras.saving.register_keras_serializable(package="tests")
    class CustomModel(keras.Model):
        def __init__(self, hidden_units, **kwargs):
            super().__init__(**kwargs)
            self.hidden_units = hidden_units
            self.dense_layers = [layers.Dense(u) for u in hidden_units]

        def call(self, inputs):
            x = inputs
            for layer in self.dense_layers:
                x = layer(x)
            return x

    model = CustomModel([16, 16, 10])
    model(_x(1, 5))
    model.compile(optimizer="adam", loss="mse")
    model.fit(_x(8, 5), _x(8, 10), verbose=0)
    assert model.get_config()["hidden_units"] == [16, 16, 10]  # Keras 3's default: the constructor arguments
    model.save(tmp_path / "sub.keras")
    loaded = keras.models.load_model(tmp_path / "sub.keras")
    assert type(loaded) is CustomModel and loaded.hidden_units == [16, 16, 10]
    np.testing.assert_array_equal(loaded.predict(_x(3, 5), verbose=0), model.predict(_x(3, 5), verbose=0))
    assert loaded.optimizer.iterations == model.optimizer.iterations  # compiled, with its optimizer state
    loaded.fit(_x(8, 5), _x(8, 10), verbose=0)


def test_subclassed_model_with_explicit_config_methods(tmp_path):
    class Scaled(keras.Model):
        def __init__(self, scale, units=3):
            super().__init__()
            self.scale, self.units = scale, units
            self.dense = layers.Dense(units)

        def call(self, x):
            return self.dense(x) * self.scale

        def get_config(self):
            return {"scale": self.scale, "units": self.units}

        @classmethod
        def from_config(cls, config):
            return cls(**config)

    model = Scaled(2.0)
    model(_x(1))
    model.save(tmp_path / "s.keras")
    loaded = keras.models.load_model(tmp_path / "s.keras", custom_objects={"Scaled": Scaled})
    assert loaded.scale == 2.0
    np.testing.assert_array_equal(loaded(_x()).numpy(), model(_x()).numpy())


def test_custom_loss_and_metric_classes_round_trip(tmp_path):
    @keras.saving.register_keras_serializable(package="tests")
    class ScaledMSE(keras.losses.Loss):
        def __init__(self, scale=1.0, **kwargs):
            super().__init__(**kwargs)
            self.scale = scale

        def call(self, y_true, y_pred):
            return ((y_pred - y_true) ** 2).mean(axis=-1) * self.scale

        def get_config(self):
            return {**super().get_config(), "scale": self.scale}

    @keras.saving.register_keras_serializable(package="tests")
    class MaxError(keras.metrics.Metric):
        def __init__(self, name="max_error", **kwargs):
            super().__init__(name=name, **kwargs)
            self.value = self.add_variable((), "zeros", name="value")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.value.assign(max(float(self.value), float(np.abs(y_pred - y_true).max())))

        def result(self):
            return self.value

    model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss=ScaledMSE(scale=3.0), metrics=[MaxError()])
    model.fit(_x(), _x(features=1), verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert isinstance(loaded.loss, ScaledMSE) and loaded.loss.scale == 3.0
    logs = loaded.evaluate(_x(), _x(features=1), verbose=0, return_dict=True)
    assert logs == model.evaluate(_x(), _x(features=1), verbose=0, return_dict=True)
    assert set(logs) == {"loss", "max_error"}


def test_a_file_naming_code_runs_nothing(tmp_path):
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1, name="d")])
    model.save(tmp_path / "m.keras")
    metadata, tensors = read_tensors(tmp_path / "m.keras")
    config = json.loads(metadata["config"])
    layer = config["config"]["layers"][1]
    payloads = {
        "class": dict(layer, class_name="system", registered_name="os>system"),
        "activation": dict(layer, config={**layer["config"], "activation": {
            "module": "os", "class_name": "function", "config": "system", "registered_name": None}}),
        "lambda": dict(layer, config={**layer["config"], "activation": {
            "class_name": "__lambda__", "config": {"value": "aW1wb3J0IG9z"}}}),
    }
    for name, bad in payloads.items():
        config["config"]["layers"][1] = bad
        metadata["config"] = json.dumps(config)
        with open(tmp_path / f"{name}.keras", "wb") as file:
            write_tensors(file, tensors, metadata)
        with pytest.raises(ModelFileError):
            keras.models.load_model(tmp_path / f"{name}.keras")


# ---- clone_model, JSON, pickle ----------------------------------------------------------------------------
def test_clone_model_to_json_and_pickle(tmp_path):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, layers.Dense(2, activation="relu", name="d")(inputs), name="m")
    model.compile(optimizer="adam", loss="mse")
    clone = keras.models.clone_model(model)
    assert [l.name for l in clone.layers] == [l.name for l in model.layers] and not clone.compiled
    assert not all((a == b).all() for a, b in zip(clone.get_weights(), model.get_weights()))
    twin = keras.models.model_from_json(model.to_json())
    assert twin.count_params() == model.count_params()
    unpickled = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(unpickled.predict(_x(), verbose=0), model.predict(_x(), verbose=0))
    assert unpickled.compiled
    seq = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Dense(1)])
    cloned = keras.models.clone_model(seq, clone_function=lambda layer: layer.__class__.from_config(layer.get_config()))
    assert [l.units for l in cloned.layers] == [3, 1]
    with pytest.raises(ValueError, match="not supported"):
        keras.models.clone_model(model, input_tensors=[inputs])
