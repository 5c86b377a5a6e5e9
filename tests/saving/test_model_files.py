"""model.save / load_model / save_weights / load_weights: exact round trips, clear refusals, atomic writes."""

import os
import stat

import numpy as np
import pytest

import striate
from striate import layers
from striate.saving import ModelFileError, ModelPathError, model_io, serialization
from striate.saving.format import read_tensors, write_tensors
from tests.saving.factories import BUILDERS, data, same_weights, trained

KINDS = sorted(BUILDERS)


def _predict(model, x):
    out = model.predict(x, verbose=0)
    return out if isinstance(out, list) else [out]


@pytest.mark.parametrize("kind", KINDS)
def test_round_trip_is_bit_identical(tmp_path, kind):
    model, x, y = trained(kind)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = striate.models.load_model(path)
    assert type(loaded) is type(model) and loaded.get_config() == model.get_config()
    assert same_weights(loaded, model)
    for a, b in zip(_predict(loaded, x), _predict(model, x)):
        assert a.tobytes() == b.tobytes()
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    state, saved = loaded.optimizer.get_state(loaded.weights), model.optimizer.get_state(model.weights)
    assert sorted(state) == sorted(saved) and all(state[k].tobytes() == saved[k].tobytes() for k in state)
    assert loaded.evaluate(x, y, verbose=0, return_dict=True) == model.evaluate(x, y, verbose=0, return_dict=True)


@pytest.mark.parametrize("kind", KINDS)
def test_training_continues_exactly(tmp_path, kind):
    """fit after load_model == fit on the original: optimizer slots, iterations and layer RNGs come back."""
    model, x, y = trained(kind)
    model.save(tmp_path / "model.keras")
    loaded = striate.models.load_model(tmp_path / "model.keras")
    for m in (model, loaded):
        striate.utils.set_random_seed(99)
        m.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert same_weights(loaded, model)
    assert loaded.optimizer.iterations == model.optimizer.iterations


@pytest.mark.parametrize("optimizer", [
    striate.optimizers.Nadam(learning_rate=0.01),                          # shared state (u_product)
    striate.optimizers.Adam(learning_rate=striate.optimizers.schedules.ExponentialDecay(0.01, 3, 0.5)),
    striate.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True, clipnorm=1.0),
    striate.optimizers.AdamW(learning_rate=0.01, weight_decay=0.01, use_ema=True),
    striate.optimizers.Adagrad(), striate.optimizers.Adadelta(), striate.optimizers.Adamax(),
    striate.optimizers.RMSprop(momentum=0.5, centered=True),
])
def test_every_optimizer_resumes_exactly(tmp_path, optimizer):
    model = BUILDERS["sequential"](optimizer=optimizer)
    x, y = data("sequential")
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = striate.models.load_model(tmp_path / "m.keras")
    for m in (model, loaded):
        striate.utils.set_random_seed(3)
        m.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert same_weights(loaded, model)


def test_compile_false_and_uncompiled_models(tmp_path):
    model, x, _ = trained("sequential")
    model.save(tmp_path / "m.keras")
    loaded = striate.models.load_model(tmp_path / "m.keras", compile=False)
    assert not loaded.compiled and loaded.predict(x, verbose=0).tobytes() == model.predict(x, verbose=0).tobytes()
    bare = striate.Sequential([striate.Input(shape=(3,)), layers.Dense(2)])
    bare.save(tmp_path / "bare.keras")
    again = striate.models.load_model(tmp_path / "bare.keras")
    assert not again.compiled and same_weights(again, bare)
    unbuilt = striate.Sequential([layers.Dense(2)])
    unbuilt.save(tmp_path / "unbuilt.keras")
    assert striate.models.load_model(tmp_path / "unbuilt.keras").weights == []


def test_weights_files(tmp_path):
    model, x, _ = trained("functional")
    model.save_weights(tmp_path / "w.weights.safetensors")
    twin = BUILDERS["functional"]()
    assert not same_weights(twin, model)
    twin.load_weights(tmp_path / "w.weights.safetensors")
    assert same_weights(twin, model)
    model.save(tmp_path / "m.keras")
    other = BUILDERS["functional"]()
    other.load_weights(tmp_path / "m.keras")  # a model file holds weights too
    assert same_weights(other, model)
    with pytest.raises(ModelFileError, match="weights only"):
        striate.models.load_model(tmp_path / "w.weights.safetensors")


def test_failed_load_weights_leaves_the_model_untouched(tmp_path):
    small, _, _ = trained("sequential")
    small.save_weights(tmp_path / "small.weights.safetensors")
    other = striate.Sequential([striate.Input(shape=(6,)), layers.Dense(8), layers.BatchNormalization(),
                                layers.Dense(4)])  # the last layer differs
    before = other.get_weights()
    with pytest.raises(ModelFileError, match=r"weight 6 .* has shape \(8, 3\) in the file but \(8, 4\)"):
        other.load_weights(tmp_path / "small.weights.safetensors")
    assert all(a.tobytes() == b.tobytes() for a, b in zip(before, other.get_weights()))
    with pytest.raises(ModelFileError, match="has no weights yet"):
        striate.Sequential([layers.Dense(2)]).load_weights(tmp_path / "small.weights.safetensors")


def test_suffixes(tmp_path):
    model = striate.Sequential([striate.Input(shape=(2,)), layers.Dense(1)])
    with pytest.raises(ValueError, match=r"'\.keras'"):
        model.save(tmp_path / "m.safetensors")
    # '.weights.h5' now means Keras 3's HDF5 layout (tests/interop); any other '.h5' name is refused
    with pytest.raises(ValueError, match=r"HDF5 only in Keras 3's layouts"):
        model.save_weights(tmp_path / "m.h5")
    with pytest.raises(TypeError):
        model.save(3)


def test_code_is_never_saved(tmp_path):
    lam = striate.Sequential([striate.Input(shape=(2,)), layers.Lambda(lambda t: t * 2)])
    with pytest.raises(ValueError, match="Python code"):
        lam.save(tmp_path / "lambda.keras")

    class Sub(striate.Model):
        def __init__(self, size=None):
            super().__init__()
            self.dense = layers.Dense(2)
            self.size = size

        def call(self, x):
            return self.dense(x)

    # A subclassed model whose constructor got a non-plain value has no config (Keras 3's rule):
    # it is refused with the message asking for get_config, and nothing is written.
    sub = Sub(size=np.float32)
    sub.predict(np.ones((1, 3)), verbose=0)
    with pytest.raises(NotImplementedError, match="must override `get_config\\(\\)`"):
        sub.save(tmp_path / "sub.keras")
    sub.save_weights(tmp_path / "sub.weights.safetensors")  # the weights of a subclassed model are fine
    twin = Sub()
    twin.predict(np.ones((1, 3)), verbose=0)
    twin.load_weights(tmp_path / "sub.weights.safetensors")
    assert same_weights(twin, sub)
    assert not list(tmp_path.glob("*.keras")), "a refused save writes nothing"


@pytest.fixture
def isolated_registry():
    """Registrations made by the test end with it."""
    from striate import _object_registry as registry

    saved = dict(registry.GLOBAL_CUSTOM_OBJECTS), dict(registry.GLOBAL_CUSTOM_NAMES)
    yield
    for table, content in zip((registry.GLOBAL_CUSTOM_OBJECTS, registry.GLOBAL_CUSTOM_NAMES), saved):
        table.clear()
        table.update(content)


def test_custom_objects_need_registration(tmp_path, isolated_registry):

    class Twice(layers.Layer):
        def call(self, x):
            return x * 2

    model = striate.Sequential([striate.Input(shape=(2,)), Twice(), layers.Dense(1)])
    model.save(tmp_path / "m.keras")
    with pytest.raises(ModelFileError, match="unknown layer class 'Twice'"):
        striate.models.load_model(tmp_path / "m.keras")
    loaded = striate.models.load_model(tmp_path / "m.keras", custom_objects={"Twice": Twice})
    assert same_weights(loaded, model)

    def my_loss(y_true, y_pred):
        return (y_pred - y_true) ** 2

    model.compile(optimizer="sgd", loss=my_loss)
    with pytest.raises(ValueError, match="never holds code"):
        model.save(tmp_path / "loss.keras")
    striate.saving.register_keras_serializable(package="tests")(my_loss)
    striate.saving.register_keras_serializable(package="tests")(Twice)
    model.save(tmp_path / "loss.keras")
    loaded = striate.models.load_model(tmp_path / "loss.keras")
    assert loaded.compiled and isinstance(loaded.layers[0], Twice)


def test_metrics_and_losses_as_objects(tmp_path):
    model = striate.Sequential([striate.Input(shape=(3,)), layers.Dense(2, activation="softmax")])
    model.compile(optimizer=striate.optimizers.Adam(0.01),
                  loss=striate.losses.CategoricalCrossentropy(label_smoothing=0.1),
                  metrics=[striate.metrics.CategoricalAccuracy(), "mae", striate.metrics.mean_squared_error])
    x, y = np.random.default_rng(1).normal(size=(10, 3)), np.eye(2)[np.arange(10) % 2]
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = striate.models.load_model(tmp_path / "m.keras")
    assert loaded.loss.get_config() == model.loss.get_config()
    assert loaded.evaluate(x, y, verbose=0, return_dict=True) == model.evaluate(x, y, verbose=0, return_dict=True)


def test_newer_format_version_is_refused(tmp_path):
    model = striate.Sequential([striate.Input(shape=(2,)), layers.Dense(1)])
    model.save(tmp_path / "m.keras")
    metadata, tensors = read_tensors(tmp_path / "m.keras")
    metadata["format_version"] = "2"
    with open(tmp_path / "new.keras", "wb") as file:
        write_tensors(file, tensors, metadata)
    with pytest.raises(ModelFileError, match="format version 2 by a newer striate.*upgrade"):
        striate.models.load_model(tmp_path / "new.keras")


def test_overwrite_false_and_bad_folders(tmp_path):
    model = striate.Sequential([striate.Input(shape=(2,)), layers.Dense(1)])
    model.save(tmp_path / "m.keras")
    with pytest.raises(ModelPathError, match="overwrite=False"):
        model.save(tmp_path / "m.keras", overwrite=False)
    with pytest.raises(ModelPathError, match="does not exist"):
        model.save(tmp_path / "missing" / "m.keras")
    (tmp_path / "dir.keras").mkdir()
    with pytest.raises(ModelPathError, match="directory"):
        model.save(tmp_path / "dir.keras")


def test_new_files_get_ordinary_permissions(tmp_path):
    model = striate.Sequential([striate.Input(shape=(2,)), layers.Dense(1)])
    model.save(tmp_path / "m.keras")
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(tmp_path / "m.keras").st_mode) == 0o666 & ~umask
    os.chmod(tmp_path / "m.keras", 0o600)
    model.save(tmp_path / "m.keras")
    assert stat.S_IMODE(os.stat(tmp_path / "m.keras").st_mode) == 0o600  # an overwrite keeps the mode


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt(), RuntimeError("bug")])
def test_a_failed_save_keeps_the_old_file(tmp_path, monkeypatch, failure):
    model, x, _ = trained("sequential")
    path = tmp_path / "m.keras"
    model.save(path)
    before = path.read_bytes()
    real = model_io.write_tensors

    def half_then_fail(file, tensors, metadata):
        real(file, tensors, metadata)
        file.truncate(file.tell() // 2)
        raise failure

    monkeypatch.setattr(model_io, "write_tensors", half_then_fail)
    model.fit(x, np.zeros(len(x), dtype="int64"), epochs=1, verbose=0)
    expected = ModelPathError if isinstance(failure, OSError) else type(failure)
    with pytest.raises(expected):
        model.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.keras"], "the temporary file is removed"


def test_safetensors_interoperability(tmp_path):
    numpy_io = pytest.importorskip("safetensors.numpy")
    model, x, _ = trained("sequential")
    model.save_weights(tmp_path / "w.weights.safetensors")
    theirs = numpy_io.load_file(str(tmp_path / "w.weights.safetensors"))
    assert [theirs[v.path].tobytes() for v in model.weights] == [v.data.tobytes() for v in model.weights]
    numpy_io.save_file({v.path: v.data * 0 + 1 for v in model.weights}, str(tmp_path / "foreign.safetensors"))
    model.load_weights(tmp_path / "foreign.safetensors")
    assert all((w == 1).all() for w in model.get_weights())
