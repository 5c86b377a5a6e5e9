"""PyDatasets and generators in fit/evaluate/predict: equivalence with arrays, reproducibility
whatever the workers, per-batch checks, worker errors, and clean shutdown."""

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import striate
from striate import layers as L
from striate.utils import PyDataset

RNG = np.random.default_rng(0)
X = RNG.standard_normal((48, 5)).astype("float32")
Y = (X[:, :2].sum(1) > 0).astype("int64")


class Batches(PyDataset):
    """Consecutive slices of X, Y; ``noise`` draws from striate's generator (per-batch seeded in fit)."""

    def __init__(self, batch_size=8, noise=0.0, fail_at=None, bad=None, log=None, **kwargs):
        super().__init__(**kwargs)
        self.batch_size, self.noise, self.fail_at, self.bad, self.log = batch_size, noise, fail_at, bad, log
        self.epochs_begun = self.epochs_ended = 0

    def __len__(self):
        return len(X) // self.batch_size

    def __getitem__(self, index):
        if self.log is not None:
            self.log.append((index, threading.current_thread().name, time.perf_counter()))
        if index == self.fail_at:
            raise ZeroDivisionError(f"cannot make batch {index}")
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        x, y = X[part].copy(), Y[part].copy()
        if self.noise:
            x += self.noise * striate.random.generator().standard_normal(x.shape).astype("float32")
        if self.bad is not None and index == self.bad[0]:
            x, y = self.bad[1](x, y)
        return x, y

    def on_epoch_begin(self):
        self.epochs_begun += 1

    def on_epoch_end(self):
        self.epochs_ended += 1


def make_model(seed=0):
    striate.utils.set_random_seed(seed)
    model = striate.Sequential([striate.Input((5,)), L.Dense(8, activation="relu"), L.Dropout(0.2),
                                L.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def worker_threads():
    return [t for t in threading.enumerate() if t.name.startswith(("striate-data", "striate-generator"))]


@pytest.fixture(autouse=True)
def _no_leaks():
    yield
    assert worker_threads() == [] and multiprocessing.active_children() == []


def test_pydataset_trains_exactly_like_the_same_arrays():
    a = make_model()
    a.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    b = make_model()
    data = Batches()
    b.fit(data, epochs=2, shuffle=False, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert (data.epochs_begun, data.epochs_ended) == (2, 2)
    np.testing.assert_array_equal(a.predict(X, verbose=0), b.predict(Batches(workers=2), verbose=0))
    assert a.evaluate(X, Y, batch_size=8, verbose=0) == b.evaluate(Batches(), verbose=0)


@pytest.mark.parametrize("workers, processes", [(1, False), (3, False), (2, True)])
def test_same_run_whatever_the_workers(workers, processes):
    """Shuffled batch order, random noise in __getitem__ and dropout: all fixed by the seed."""
    reference = make_model()
    ref = reference.fit(Batches(noise=0.3, workers=0), epochs=3, verbose=0,
                        validation_data=Batches(noise=0.1, workers=0)).history
    model = make_model()
    got = model.fit(Batches(noise=0.3, workers=workers, use_multiprocessing=processes), epochs=3, verbose=0,
                    validation_data=Batches(noise=0.1, workers=workers, use_multiprocessing=processes)).history
    assert got == ref
    for wa, wb in zip(reference.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_batches_are_prepared_in_the_background_while_training():
    log, steps = [], []

    class Slow(striate.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            steps.append(time.perf_counter())
            time.sleep(0.01)

    make_model().fit(Batches(log=log, max_queue_size=3), epochs=1, shuffle=False, verbose=0, callbacks=[Slow()])
    assert {name for _, name, _ in log} == {"striate-data-0"}
    started = {index: t for index, _, t in log}
    # batch 1 was being prepared before the training step of batch 0 ended
    assert started[1] < steps[0]
    assert max(started) == 5 and started[5] < steps[3]  # at most max_queue_size ahead, and ahead indeed


def test_generators_with_steps_and_validation_generators():
    def stream(noise):
        while True:
            for i in range(0, len(X), 8):
                x = X[i:i + 8] + noise * striate.random.generator().standard_normal((8, 5)).astype("float32")
                yield x, Y[i:i + 8]

    def run():
        model = make_model()
        return model.fit(stream(0.2), steps_per_epoch=6, epochs=2, verbose=0, validation_data=stream(0.0),
                         validation_steps=3).history
    first, second = run(), run()
    assert first == second and len(first["val_loss"]) == 2
    model = make_model()
    assert model.predict((x for x, _ in stream(0)), steps=2, verbose=0).shape == (16, 2)
    assert np.isfinite(model.evaluate(stream(0), steps=2, verbose=0)).all()


def test_a_generator_that_runs_out_stops_training_with_a_warning():
    model = make_model()
    with pytest.warns(UserWarning, match="ran out of data in epoch 1"):
        history = model.fit(((X[i:i + 8], Y[i:i + 8]) for i in range(0, 48, 8)), epochs=3, verbose=0)
    assert len(history.history["loss"]) == 1


@pytest.mark.parametrize("validation_steps", [None, 6])
def test_a_validation_generator_that_runs_out_is_reported_not_silently_dropped(validation_steps):
    # One pass of 6 batches: epoch 1 validates, epoch 2 finds nothing left (with
    # validation_steps=6 only when it tries), and says so once.
    model = make_model()
    batches = ((X[i:i + 8], Y[i:i + 8]) for i in range(0, 48, 8))
    with pytest.warns(UserWarning, match="no batches left for epoch 2") as caught:
        history = model.fit(X, Y, epochs=3, verbose=0, validation_data=batches,
                            validation_steps=validation_steps).history
    assert len(history["loss"]) == 3 and len(history["val_loss"]) == 1
    assert sum("no batches left" in str(w.message) for w in caught) == 1


@pytest.mark.parametrize("bad, match", [
    (lambda x, y: (np.where(x > 1, np.nan, x), y), "x of batch 2 contains NaN"),
    (lambda x, y: (x, y + 5), "y of batch 2 holds class ids outside"),
    (lambda x, y: (x[:, :4], y), "x of batch 2 has shape"),
    (lambda x, y: (x, y[:5]), "same number of samples"),
])
def test_each_batch_is_checked_and_the_error_names_it(bad, match):
    model = make_model()
    before = model.get_weights()
    with pytest.raises(ValueError, match=match):
        model.fit(Batches(bad=(2, bad)), epochs=1, shuffle=False, verbose=0)
    after = model.get_weights()
    assert any((a != b).any() for a, b in zip(before, after))  # batches 0 and 1 trained ...
    reference = make_model()
    reference.fit(X[:16], Y[:16], batch_size=8, epochs=1, shuffle=False, verbose=0)
    for wa, wb in zip(reference.get_weights(), after):  # ... and nothing more
        np.testing.assert_array_equal(wa, wb)


def test_malformed_batches_and_arguments():
    class Quad(Batches):
        def __getitem__(self, index):
            x, y = super().__getitem__(index)
            return x, y, np.ones(len(x)), 0

    model = make_model()
    with pytest.raises(ValueError, match="batch 0 from Quad must be x, .* got a tuple of 4"):
        model.fit(Quad(), verbose=0, shuffle=False)
    with pytest.raises(ValueError, match="has no targets"):
        model.fit((x for x in [X[:8]]), verbose=0)
    with pytest.raises(ValueError, match="y must be None"):
        model.fit(Batches(), Y, verbose=0)
    with pytest.raises(ValueError, match="validation_split needs arrays"):
        model.fit(Batches(), validation_split=0.2, verbose=0)

    class Endless(PyDataset):
        num_batches = None

        def __getitem__(self, index):
            return X[:8], Y[:8]

    with pytest.raises(ValueError, match="infinite"):
        model.fit(Endless(), verbose=0)
    assert len(model.fit(Endless(), steps_per_epoch=3, epochs=2, verbose=0).history["loss"]) == 2


@pytest.mark.parametrize("processes", [False, True])
def test_a_failing_worker_stops_fit_with_its_error_naming_the_batch(tmp_path, processes):
    model = make_model()
    checkpoint = tmp_path / "model.keras"
    model.fit(Batches(), epochs=1, verbose=0, callbacks=[striate.callbacks.ModelCheckpoint(checkpoint)])
    saved = checkpoint.read_bytes()
    with pytest.raises(ZeroDivisionError, match="cannot make batch 4") as info:
        model.fit(Batches(fail_at=4, workers=2, use_multiprocessing=processes), epochs=2, shuffle=False, verbose=0,
                  callbacks=[striate.callbacks.ModelCheckpoint(checkpoint)])
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "Batches.__getitem__(4) (batch 4 of the epoch)" in notes
    assert ("worker's traceback" in notes) == processes
    assert checkpoint.read_bytes() == saved  # no epoch ended, so the checkpoint was not touched
    assert all(np.isfinite(w).all() for w in model.get_weights())


@pytest.mark.parametrize("processes", [False, True])
@pytest.mark.parametrize("exception", [KeyboardInterrupt, RuntimeError])
def test_workers_stop_when_a_callback_raises(processes, exception):
    class Raise(striate.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                raise exception("from a callback")

    with pytest.raises(exception, match="from a callback"):
        make_model().fit(Batches(workers=2, use_multiprocessing=processes), epochs=2, verbose=0, callbacks=[Raise()])
    # the autouse fixture checks that no worker thread or process is left


def test_ctrl_c_stops_fit_and_its_worker_processes(tmp_path):
    """SIGINT to the whole process group (what a terminal's Ctrl-C does) while workers are busy."""
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {os.path.abspath('src')!r})
        import numpy as np, striate

        class Slow(striate.utils.PyDataset):
            def __len__(self):
                return 1000
            def __getitem__(self, i):
                time.sleep(0.05)
                return np.ones((4, 3), "float32"), np.zeros((4, 1), "float32")

        model = striate.Sequential([striate.Input((3,)), striate.layers.Dense(1)])
        model.compile("sgd", "mse")
        print("ready", flush=True)
        try:
            model.fit(Slow(workers=2, use_multiprocessing=True), epochs=1, verbose=0)
        except KeyboardInterrupt:
            import multiprocessing
            print("interrupted", len(multiprocessing.active_children()), flush=True)
            sys.exit(3)
    """))
    child = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        time.sleep(1.5)  # inside fit, workers running
        os.killpg(child.pid, signal.SIGINT)
        out, _ = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
    assert child.returncode == 3 and out.strip() == "interrupted 0"
    time.sleep(0.5)
    alive = subprocess.run(["pgrep", "-g", str(child.pid)], capture_output=True, text=True).stdout.split()
    assert alive == []


def test_class_weight_and_sample_weight_batches():
    model = make_model()
    h1 = model.fit(Batches(), class_weight={0: 1.0, 1: 3.0}, epochs=1, shuffle=False, verbose=0).history
    model = make_model()

    class Weighted(Batches):
        def __getitem__(self, index):
            x, y = super().__getitem__(index)
            return x, y, np.where(y == 1, 3.0, 1.0)

    h2 = model.fit(Weighted(), epochs=1, shuffle=False, verbose=0).history
    assert h1 == h2


class Augmenting(Batches):
    """Calls a random layer and a no_grad block in the worker, as a teacher model or an
    augmentation in __getitem__ would; neither may leak into the training step beside it."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.gaussian = L.GaussianNoise(0.5)

    def __getitem__(self, index):
        x, y = super().__getitem__(index)
        with striate.no_grad():
            time.sleep(0.002)  # the training thread runs its step meanwhile
            x = self.gaussian(x, training=True).data
        return x, y


def test_grad_mode_and_training_flag_are_per_thread():
    reference = make_model()
    ref = reference.fit(Augmenting(workers=0), epochs=2, verbose=0, validation_data=Batches(workers=0)).history
    model = make_model()
    got = model.fit(Augmenting(workers=3), epochs=2, verbose=0, validation_data=Batches(workers=2)).history
    assert got == ref


def test_image_dataset_map_augments_in_the_workers(tmp_path):
    pytest.importorskip("PIL")
    for c in range(2):
        os.makedirs(tmp_path / str(c))
        for i in range(6):
            striate.utils.save_img(tmp_path / str(c) / f"{i}.png", RNG.integers(0, 256, (8, 8, 3)), scale=False)
    flip = L.RandomFlip("horizontal")

    def run(workers):
        striate.utils.set_random_seed(0)
        ds = striate.utils.image_dataset_from_directory(tmp_path, image_size=(8, 8), batch_size=4, seed=0,
                                                        verbose=False, workers=workers)
        mapped = ds.map(lambda x, y: (flip(x), y))  # called directly: Keras's training=True default
        assert mapped.class_names == ["0", "1"] and len(mapped) == 3
        model = striate.Sequential([striate.Input((8, 8, 3)), L.Rescaling(1 / 255), L.Flatten(), L.Dense(2)])
        model.compile("sgd", "sparse_categorical_crossentropy")
        return model.fit(mapped, epochs=2, verbose=0).history, model.get_weights()
    (h0, w0), (h3, w3) = run(0), run(3)
    assert h0 == h3
    for a, b in zip(w0, w3):
        np.testing.assert_array_equal(a, b)


def test_a_training_scope_in_another_thread_does_not_reach_this_one():
    from striate.layers.base import in_training, training_scope
    inside, release = threading.Event(), threading.Event()

    def worker():
        with training_scope(True), striate.no_grad():
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=worker, name="striate-data-test")
    thread.start()
    try:
        assert inside.wait(10)
        dropout = L.Dropout(0.5)
        x = np.ones((4, 8), "float32")
        assert not in_training() and striate.autograd.is_grad_enabled()
        np.testing.assert_array_equal(dropout(x).data, x)  # inference here, whatever the worker does
        assert striate.Tensor(x, requires_grad=True).sum().requires_grad
    finally:
        release.set()
        thread.join()
