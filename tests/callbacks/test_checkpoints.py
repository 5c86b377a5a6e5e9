"""ModelCheckpoint, BackupAndRestore and GradientNormLogger; a crash inside fit leaves model and files intact."""

import math
import os

import numpy as np
import pytest

import striate
from striate import layers
from striate.callbacks import BackupAndRestore, Callback, GradientNormLogger, ModelCheckpoint
from striate.saving import ModelFileError


def _model(seed=7):
    striate.utils.set_random_seed(seed)
    model = striate.Sequential([striate.Input(shape=(5,)), layers.Dense(8, activation="relu"),
                                layers.Dropout(0.3, seed=2), layers.Dense(8, activation="relu"),
                                layers.Dropout(0.3), layers.Dense(2, activation="softmax")])
    model.compile(optimizer=striate.optimizers.Adam(0.02), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 5)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64")


def _fit(model, epochs=5, callbacks=(), **kwargs):
    x, y = _data()
    return model.fit(x, y, epochs=epochs, batch_size=8, verbose=0, validation_split=0.25,
                     callbacks=list(callbacks), **kwargs)


def _same(a, b):
    return all(x.tobytes() == y.tobytes() for x, y in zip(a.get_weights(), b.get_weights()))


class Boom(Callback):
    """Raise ``error`` at ``(epoch, batch)`` (batch None: at the end of the epoch)."""

    def __init__(self, error, epoch, batch=None):
        super().__init__()
        self.error, self.at, self.epoch = error, (epoch, batch), None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.at == (self.epoch, batch):
            raise self.error

    def on_epoch_end(self, epoch, logs=None):
        if self.at == (epoch, None):
            raise self.error


# ---- ModelCheckpoint ------------------------------------------------------------------------
def test_checkpoint_every_epoch_with_formatted_names(tmp_path):
    model = _model()
    _fit(model, epochs=3, callbacks=[ModelCheckpoint(tmp_path / "sub" / "m-{epoch:02d}-{val_loss:.3f}.keras")])
    names = sorted(os.listdir(tmp_path / "sub"))
    assert [n[:5] for n in names] == ["m-01-", "m-02-", "m-03-"]
    last = striate.models.load_model(tmp_path / "sub" / names[-1])
    assert _same(last, model) and last.optimizer.iterations == model.optimizer.iterations


def test_save_best_only(tmp_path, capsys):
    model = _model()
    values = iter([0.5, 0.7, 0.4, 0.4, math.nan])

    class FakeMetric(Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["score"] = next(values)

    saved = []

    class Spy(Callback):
        def on_epoch_end(self, epoch, logs=None):
            saved.append(os.path.getmtime(tmp_path / "best.weights.safetensors")
                         if os.path.exists(tmp_path / "best.weights.safetensors") else None)

    checkpoint = ModelCheckpoint(tmp_path / "best.weights.safetensors", monitor="score", mode="min",
                                 save_best_only=True, save_weights_only=True, verbose=1)
    _fit(model, epochs=5, callbacks=[FakeMetric(), checkpoint])
    assert checkpoint.best == 0.4
    out = capsys.readouterr().out
    assert "score improved from inf to 0.50000" in out and "score did not improve from 0.50000" in out
    assert out.count("saving model") == 2


def test_checkpoint_threshold_mode_max_and_batches(tmp_path):
    model = _model()
    never = ModelCheckpoint(tmp_path / "never.keras", monitor="val_accuracy", save_best_only=True,
                            initial_value_threshold=1.01)
    batches = ModelCheckpoint(tmp_path / "b-{epoch}-{batch}.weights.safetensors", save_weights_only=True,
                              save_freq=2)
    _fit(model, epochs=2, callbacks=[never, batches])
    assert never.tracker.mode == "max" and not (tmp_path / "never.keras").exists()
    assert sorted(os.listdir(tmp_path)) == ["b-1-1.weights.safetensors", "b-1-3.weights.safetensors",
                                            "b-2-1.weights.safetensors", "b-2-3.weights.safetensors"]


def test_checkpoint_arguments_and_missing_fields(tmp_path):
    with pytest.raises(ValueError, match=r"\.weights\.safetensors"):
        ModelCheckpoint(tmp_path / "w.h5", save_weights_only=True)
    with pytest.raises(ValueError, match=r"\.keras"):
        ModelCheckpoint(tmp_path / "m.weights.safetensors")
    with pytest.raises(ValueError, match="save_freq"):
        ModelCheckpoint(tmp_path / "m.keras", save_freq=0)
    with pytest.raises(KeyError, match="nothing"):
        _fit(_model(), epochs=1, callbacks=[ModelCheckpoint(tmp_path / "{nothing}.keras")])
    with pytest.warns(RuntimeWarning, match="'absent'"):
        _fit(_model(), epochs=1, callbacks=[ModelCheckpoint(tmp_path / "m.keras", monitor="absent",
                                                            save_best_only=True)])


# ---- BackupAndRestore --------------------------------------------------------------------------
@pytest.fixture
def uninterrupted():
    model = _model()
    _fit(model, epochs=5)
    return model


@pytest.mark.parametrize("error, epoch, batch", [
    (RuntimeError("user bug"), 2, 1),
    (KeyboardInterrupt(), 3, None),
    (ValueError("bad"), 0, 0),
])
def test_backup_resume_is_bit_identical(tmp_path, uninterrupted, error, epoch, batch):
    model = _model()
    with pytest.raises(type(error)):
        _fit(model, callbacks=[BackupAndRestore(tmp_path / "b"), Boom(error, epoch, batch)])
    assert (tmp_path / "b" / "backup.safetensors").exists() == (epoch > 0)
    restart = _model()  # a new process would build the model again, the same way
    backup = BackupAndRestore(tmp_path / "b")
    history = _fit(restart, callbacks=[backup])
    resumed = epoch + 1 if batch is None else epoch  # an epoch that ended was backed up before the crash
    assert backup.restored_epoch == (resumed or None)
    assert history.epoch == list(range(resumed, 5))
    assert _same(restart, uninterrupted)
    assert not (tmp_path / "b").exists(), "deleted after a normal end"


def test_backup_restores_a_changed_learning_rate(tmp_path):
    def schedule(epoch, lr):
        return lr * 0.5

    reference = _model()
    _fit(reference, callbacks=[striate.callbacks.LearningRateScheduler(schedule)])
    model = _model()
    with pytest.raises(KeyboardInterrupt):
        _fit(model, callbacks=[striate.callbacks.LearningRateScheduler(schedule), BackupAndRestore(tmp_path),
                               Boom(KeyboardInterrupt(), 2)])
    restart = _model()
    _fit(restart, callbacks=[striate.callbacks.LearningRateScheduler(schedule), BackupAndRestore(tmp_path)])
    assert _same(restart, reference)


def test_backup_options_and_a_corrupt_backup(tmp_path):
    model = _model()
    _fit(model, epochs=2, callbacks=[BackupAndRestore(tmp_path, delete_checkpoint=False)])
    path = tmp_path / "backup.safetensors"
    assert path.exists()
    (tmp_path / ".backup.safetensors.abc.tmp").write_bytes(b"half")  # left by a killed save
    _fit(model, epochs=2, callbacks=[BackupAndRestore(tmp_path, delete_checkpoint=False)])
    assert os.listdir(tmp_path) == ["backup.safetensors"]
    content = bytearray(path.read_bytes())
    content[-3] ^= 0xFF
    path.write_bytes(bytes(content))
    before = model.get_weights()
    with pytest.raises(ModelFileError, match="checksum"):
        _fit(model, epochs=4, callbacks=[BackupAndRestore(tmp_path)])
    assert all(a.tobytes() == b.tobytes() for a, b in zip(before, model.get_weights()))
    other = striate.Sequential([striate.Input(shape=(5,)), layers.Dense(2, activation="softmax")])
    other.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.save_weights(tmp_path / "unused.weights.safetensors")
    _fit(model, epochs=1, callbacks=[BackupAndRestore(tmp_path / "fresh", delete_checkpoint=False)])
    with pytest.raises(ModelFileError, match="different architecture"):
        _fit(other, epochs=2, callbacks=[BackupAndRestore(tmp_path / "fresh")])
    with pytest.raises(ValueError, match="save_freq"):
        BackupAndRestore(tmp_path, save_freq="batch")


def test_backup_every_n_batches_restarts_the_epoch(tmp_path):
    model = _model()
    with pytest.raises(RuntimeError):
        _fit(model, callbacks=[BackupAndRestore(tmp_path, save_freq=3), Boom(RuntimeError(), 1, 2)])
    backup = BackupAndRestore(tmp_path, save_freq=3)
    history = _fit(_model(), callbacks=[backup])
    assert backup.restored_epoch == 1 and history.epoch == [1, 2, 3, 4]


# ---- a crash inside fit ---------------------------------------------------------------------------
@pytest.mark.parametrize("error", [RuntimeError("bug in a callback"), KeyboardInterrupt()])
def test_crash_leaves_model_and_files_usable(tmp_path, error):
    model = _model()
    _fit(model, epochs=1)
    model.save(tmp_path / "before.keras")
    saved = striate.models.load_model(tmp_path / "before.keras")
    checkpoint = ModelCheckpoint(tmp_path / "ckpt.keras", monitor="loss")
    with pytest.raises(type(error)):
        _fit(model, epochs=3, callbacks=[checkpoint, Boom(error, 1, 2)])
    weights = model.get_weights()
    assert all(np.isfinite(w).all() for w in weights)
    x, y = _data()
    assert np.isfinite(model.predict(x, verbose=0)).all()
    again = striate.models.load_model(tmp_path / "before.keras")
    assert _same(again, saved), "a file saved before the crash is intact"
    assert striate.models.load_model(tmp_path / "ckpt.keras").optimizer.iterations == 2 * 4
    history = _fit(model, epochs=2)  # and it trains again
    assert len(history.epoch) == 2 and np.isfinite(history.history["loss"]).all()


# ---- gradient norms ---------------------------------------------------------------------------------
def test_gradient_norm_logger_matches_the_gradients():
    model = _model()
    seen = []

    class Check(Callback):
        def on_train_batch_end(self, batch, logs=None):
            grads = [v.grad for v in self.model.trainable_weights]
            expected = math.sqrt(sum(float((g.astype("float64") ** 2).sum()) for g in grads))
            seen.append((logs["gradient_norm"], expected))

    history = _fit(model, epochs=2, callbacks=[GradientNormLogger(), Check()])
    assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in seen)
    assert history.history["gradient_norm"][0] == max(a for a, _ in seen[:4])


def test_exploding_gradients_warn_once_with_epoch_and_batch():
    model = striate.Sequential([striate.Input(shape=(2,)), layers.Dense(1)])
    model.compile(optimizer=striate.optimizers.SGD(learning_rate=2.0), loss="mse")
    x = np.array([[30.0, -20.0]] * 8, dtype="float32")
    with pytest.warns(RuntimeWarning) as record:
        history = model.fit(x, np.ones((8, 1)), epochs=3, batch_size=4, verbose=0,
                            callbacks=[GradientNormLogger(warn_above=1e3)])
    messages = [str(w.message) for w in record if "GradientNormLogger" in str(w.message)]
    assert len(messages) == 1 and "epoch 1, batch" in messages[0]
    norms = history.history["gradient_norm"]
    assert norms[-1] > 1e6 or not math.isfinite(norms[-1])
    with pytest.raises(ValueError):
        GradientNormLogger(warn_above=-1)
