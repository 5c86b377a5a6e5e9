"""Callbacks through fit: History, EarlyStopping, CSVLogger, TerminateOnNaN, LearningRateScheduler,
ReduceLROnPlateau, LambdaCallback, and the progress output of verbose 0/1/2."""

import csv
import io
import math
import re
import sys
import warnings

import numpy as np
import pytest

from striate.callbacks import (Callback, CSVLogger, EarlyStopping, LambdaCallback, LearningRateScheduler, Progbar,
                               ProgbarLogger, ReduceLROnPlateau, TerminateOnNaN)
from striate.layers import Dense, Input
from striate.models import Sequential
from striate.optimizers import SGD


def regression(n=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3)).astype("float32")
    return x, (x @ np.array([[1.0], [-1.0], [2.0]], dtype="float32")).astype("float32")


def linear_model(learning_rate=0.01, metrics=None):
    model = Sequential([Input(shape=(3,)), Dense(1, name="linear")])
    model.compile(optimizer=SGD(learning_rate=learning_rate), loss="mse", metrics=metrics)
    return model


class Inject(Callback):
    """Puts a scripted value under ``key`` into each epoch's logs (for callbacks listed after it)."""

    def __init__(self, key, values):
        super().__init__()
        self.key, self.values = key, values

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


class WeightLog(Callback):
    """The model's weights at the end of every epoch."""

    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


def same_weights(a, b):
    return all(np.array_equal(u, v) for u, v in zip(a, b))


# ---- History ---------------------------------------------------------------------------------------
def test_history_records_each_epoch_of_each_fit():
    x, y = regression()
    model = linear_model(metrics=["mae"])
    first = model.fit(x, y, epochs=2, verbose=0)
    second = model.fit(x, y, epochs=3, verbose=0)
    assert first is not second and model.history is second
    assert len(first.history["loss"]) == 2 and len(second.history["loss"]) == 3
    assert list(second.history) == ["loss", "mae"]
    assert second.history["loss"][-1] < first.history["loss"][0]


# ---- EarlyStopping ---------------------------------------------------------------------------------
def test_early_stopping_patience_counts_epochs_without_improvement():
    x, y = regression()
    model = linear_model()
    scores = [5.0, 3.0, 4.0, 4.0, 4.0, 1.0, 1.0]
    stopper = EarlyStopping(monitor="score", patience=2)
    history = model.fit(x, y, epochs=7, verbose=0, callbacks=[Inject("score", scores), stopper])
    assert len(history.history["loss"]) == 4 and stopper.stopped_epoch == 3     # epochs 2 and 3 did not improve
    assert stopper.best == 3.0 and stopper.best_epoch == 1


def test_early_stopping_restores_the_best_weights():
    x, y = regression()
    model = linear_model(learning_rate=0.05)
    log = WeightLog()
    stopper = EarlyStopping(monitor="score", patience=2, restore_best_weights=True)
    scores = [5.0, 3.0, 4.0, 4.0, 4.0] + [0.0] * 5
    model.fit(x, y, epochs=10, verbose=0, callbacks=[Inject("score", scores), log, stopper])
    assert len(log.weights) == 4
    assert same_weights(model.get_weights(), log.weights[1])
    assert not same_weights(model.get_weights(), log.weights[-1])


def test_early_stopping_restores_the_best_weights_also_when_training_runs_to_the_end():
    x, y = regression()
    model = linear_model(learning_rate=0.05)
    log = WeightLog()
    stopper = EarlyStopping(monitor="score", patience=5, restore_best_weights=True)
    model.fit(x, y, epochs=4, verbose=0, callbacks=[Inject("score", [5.0, 3.0, 4.0, 4.0]), log, stopper])
    assert len(log.weights) == 4 and stopper.stopped_epoch == 0
    assert same_weights(model.get_weights(), log.weights[1])


def test_early_stopping_without_restore_keeps_the_last_weights():
    x, y = regression()
    model = linear_model(learning_rate=0.05)
    log = WeightLog()
    scores = [5.0, 3.0, 4.0, 4.0] + [0.0] * 6
    stopper = EarlyStopping(monitor="score", patience=2)
    model.fit(x, y, epochs=10, verbose=0, callbacks=[Inject("score", scores), log, stopper])
    assert same_weights(model.get_weights(), log.weights[-1])


def test_early_stopping_mode_max_for_accuracy_and_min_delta():
    x, y = regression()
    stopper = EarlyStopping(monitor="val_accuracy", patience=1)            # 'auto' is max for accuracy
    history = linear_model().fit(x, y, epochs=6, verbose=0,
                                 callbacks=[Inject("val_accuracy", [0.5, 0.6, 0.55, 0.9, 0.9, 0.9]), stopper])
    assert len(history.history["loss"]) == 3
    stopper = EarlyStopping(monitor="score", patience=1, min_delta=0.5)     # 0.1 steps are not improvements
    history = linear_model().fit(x, y, epochs=6, verbose=0,
                                 callbacks=[Inject("score", [3.0, 2.9, 2.8, 2.7, 2.6, 2.5]), stopper])
    assert len(history.history["loss"]) == 2


def test_early_stopping_baseline_that_is_never_reached_stops_after_patience():
    x, y = regression()
    model = linear_model(learning_rate=0.05)
    log = WeightLog()
    stopper = EarlyStopping(monitor="score", patience=2, baseline=1.0, restore_best_weights=True)
    history = model.fit(x, y, epochs=8, verbose=0,
                        callbacks=[Inject("score", [5.0, 4.0, 4.5, 4.5, 4.5, 4.5, 4.5, 4.5]), log, stopper])
    assert len(history.history["loss"]) <= 3
    assert same_weights(model.get_weights(), log.weights[1])    # the best epoch, though it missed the baseline


def test_early_stopping_baseline_that_is_reached_restarts_patience():
    x, y = regression()
    stopper = EarlyStopping(monitor="score", patience=2, baseline=1.0)
    history = linear_model().fit(x, y, epochs=8, verbose=0,
                                 callbacks=[Inject("score", [5.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1]), stopper])
    assert len(history.history["loss"]) == 4 and stopper.stopped_epoch == 3


def test_early_stopping_start_from_epoch_and_verbose(capsys):
    x, y = regression()
    stopper = EarlyStopping(monitor="score", patience=1, start_from_epoch=3, verbose=1)
    history = linear_model().fit(x, y, epochs=8, verbose=0, callbacks=[Inject("score", [1.0] * 8), stopper])
    assert len(history.history["loss"]) == 5                    # watched from epoch 3, stops at 4
    assert "Epoch 5: early stopping" in capsys.readouterr().out


def test_early_stopping_on_val_loss_with_real_training():
    x, y = regression(64)
    model = linear_model(learning_rate=0.0)                     # nothing improves
    stopper = EarlyStopping(patience=2)                         # default: val_loss
    history = model.fit(x, y, epochs=20, validation_split=0.25, shuffle=False, verbose=0, callbacks=[stopper])
    assert len(history.history["val_loss"]) == 3


def test_early_stopping_warns_when_the_monitor_is_missing():
    x, y = regression()
    with pytest.warns(RuntimeWarning, match=r"'val_loss' is not in the logs; available: \['loss'\]"):
        linear_model().fit(x, y, epochs=1, verbose=0, callbacks=[EarlyStopping()])


# ---- CSVLogger -------------------------------------------------------------------------------------
def read_csv(path, separator=","):
    with open(path, newline="") as f:
        return list(csv.reader(f, delimiter=separator))


def test_csv_logger_writes_a_header_and_one_row_per_epoch(tmp_path):
    x, y = regression()
    path = tmp_path / "log.csv"
    history = linear_model(metrics=["mae"]).fit(x, y, epochs=3, validation_split=0.25, verbose=0,
                                                callbacks=[CSVLogger(path)])
    rows = read_csv(path)
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert [r[0] for r in rows[1:]] == ["0", "1", "2"]
    for i, row in enumerate(rows[1:]):
        assert [float(v) for v in row[1:]] == [history.history[k][i] for k in rows[0][1:]]


def test_csv_logger_append_and_overwrite(tmp_path):
    x, y = regression()
    path = tmp_path / "log.csv"
    model = linear_model()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[CSVLogger(path)])
    model.fit(x, y, epochs=4, initial_epoch=2, verbose=0, callbacks=[CSVLogger(path, append=True)])
    rows = read_csv(path)
    assert rows[0] == ["epoch", "loss"] and [r[0] for r in rows[1:]] == ["0", "1", "2", "3"]
    model.fit(x, y, epochs=1, verbose=0, callbacks=[CSVLogger(path)])          # append=False starts again
    assert [r[0] for r in read_csv(path)] == ["epoch", "0"]
    model.fit(x, y, epochs=1, verbose=0, callbacks=[CSVLogger(str(tmp_path / "semi.csv"), separator=";")])
    assert read_csv(tmp_path / "semi.csv", ";")[0] == ["epoch", "loss"]


# ---- TerminateOnNaN -----------------------------------------------------------------------------
def diverging_model():
    # pred = w + b on x = 1, target 0: each SGD step multiplies s = w + b by (1 - 4 * lr) = -31,
    # so the batch loss s^2 = 961^k overflows float32 at batch 13.
    model = Sequential([Input(shape=(1,)), Dense(1, kernel_initializer="ones")])
    model.compile(optimizer=SGD(learning_rate=8.0), loss="mse")
    return model, np.ones((20, 1), dtype="float32"), np.zeros((20, 1), dtype="float32")


def test_terminate_on_nan_stops_and_restores_finite_weights(capsys):
    model, x, y = diverging_model()
    batches = []
    stopper = TerminateOnNaN()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                        # NumPy's overflow warnings
        history = model.fit(x, y, batch_size=1, epochs=3, shuffle=False, verbose=0,
                            callbacks=[LambdaCallback(on_train_batch_end=lambda b, logs: batches.append(logs["loss"])),
                                       stopper])
    assert stopper.stopped == (0, 13) and len(batches) == 14
    assert len(history.history["loss"]) == 1 and not math.isfinite(history.history["loss"][0])
    assert "Batch 13: invalid loss, terminating training" in capsys.readouterr().out
    weights = model.get_weights()
    assert all(np.isfinite(w).all() for w in weights)
    assert math.isfinite(model.evaluate(x, y, verbose=0))
    assert float((weights[0] + weights[1])[0, 0]) == pytest.approx((-31.0) ** 12, rel=1e-4)  # before batch 12


def test_without_terminate_on_nan_training_goes_on():
    model, x, y = diverging_model()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(x, y, batch_size=1, epochs=2, shuffle=False, verbose=0)
    assert len(history.history["loss"]) == 2
    ours = [w for w in caught if "the loss became" in str(w.message)]
    assert len(ours) == 1 and "epoch 1, batch 13" in str(ours[0].message)


# ---- learning-rate callbacks ---------------------------------------------------------------------
def test_learning_rate_scheduler_sets_the_rate_each_epoch():
    x, y = regression()
    model = linear_model(learning_rate=0.5)
    seen = []
    history = model.fit(x, y, epochs=4, verbose=0, callbacks=[
        LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1)),
        LambdaCallback(on_epoch_begin=lambda epoch, logs: seen.append(model.optimizer.learning_rate))])
    assert seen == pytest.approx([0.1, 0.05, 0.1 / 3, 0.025])
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.1 / 3, 0.025])
    assert model.optimizer.learning_rate == pytest.approx(0.025)


def test_learning_rate_scheduler_rate_is_the_one_used_by_the_update():
    x, y = regression()
    model = linear_model()
    log = WeightLog()
    model.fit(x, y, epochs=3, verbose=0, callbacks=[LearningRateScheduler(lambda epoch: 0.0 if epoch == 1 else 0.05),
                                                     log])
    assert same_weights(log.weights[0], log.weights[1])         # rate 0 in epoch 1: no change
    assert not same_weights(log.weights[1], log.weights[2])


def test_learning_rate_scheduler_rejects_bad_rates():
    x, y = regression()
    with pytest.raises(ValueError, match="learning rate must be a non-negative number"):
        linear_model().fit(x, y, epochs=1, verbose=0, callbacks=[LearningRateScheduler(lambda epoch: -1.0)])
    with pytest.raises(TypeError, match="schedule must be callable"):
        LearningRateScheduler(0.1)


def frozen_linear_model(learning_rate):
    model = linear_model(learning_rate)
    model.trainable = False                                     # a loss that never changes
    return model


def test_reduce_lr_on_plateau_reduces_after_patience():
    x, y = regression()
    model = frozen_linear_model(0.1)
    history = model.fit(x, y, epochs=6, shuffle=False, verbose=0,
                        callbacks=[ReduceLROnPlateau(monitor="loss", patience=2, factor=0.5)])
    # the rate in each epoch's logs is the one it trained with; it halves after two flat epochs
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.025])
    assert model.optimizer.learning_rate == pytest.approx(0.025)


def test_reduce_lr_on_plateau_min_lr_cooldown_and_improvement():
    x, y = regression()
    model = frozen_linear_model(0.1)
    model.fit(x, y, epochs=8, shuffle=False, verbose=0,
              callbacks=[ReduceLROnPlateau(monitor="loss", patience=1, factor=0.1, min_lr=0.002)])
    assert model.optimizer.learning_rate == pytest.approx(0.002)
    model = frozen_linear_model(0.1)
    history = model.fit(x, y, epochs=6, shuffle=False, verbose=0,
                        callbacks=[ReduceLROnPlateau(monitor="loss", patience=1, factor=0.5, cooldown=2)])
    # Keras's count: the epoch that ends the cooldown (counter 2 -> 1 -> 0) may already count as waiting
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025])
    model = linear_model(0.05)                                  # improving every epoch: never reduced
    history = model.fit(x, y, epochs=5, verbose=0, callbacks=[ReduceLROnPlateau(monitor="loss", patience=1)])
    assert history.history["learning_rate"] == pytest.approx([0.05] * 5)


def test_reduce_lr_on_plateau_rejects_bad_factors():
    with pytest.raises(ValueError, match=r"factor must be in \(0, 1\), got 1.5"):
        ReduceLROnPlateau(factor=1.5)


# ---- LambdaCallback and the event order ---------------------------------------------------------------
def test_lambda_callback_events_fire_in_order_with_logs():
    x, y = regression(n=8)
    events = []
    callback = LambdaCallback(
        on_train_begin=lambda logs: events.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: events.append(f"epoch_begin {epoch}"),
        on_batch_begin=lambda batch, logs: events.append(f"batch_begin {batch}"),
        on_batch_end=lambda batch, logs: events.append(f"batch_end {batch} {sorted(logs)}"),
        on_epoch_end=lambda epoch, logs: events.append(f"epoch_end {epoch} {sorted(logs)}"),
        on_train_end=lambda logs: events.append("train_end"))
    linear_model().fit(x, y, batch_size=4, epochs=2, validation_data=(x, y), verbose=0, callbacks=[callback])
    epoch = ["batch_begin 0", "batch_end 0 ['loss']", "batch_begin 1", "batch_end 1 ['loss']"]
    assert events == (["train_begin", "epoch_begin 0"] + epoch + ["epoch_end 0 ['loss', 'val_loss']", "epoch_begin 1"]
                      + epoch + ["epoch_end 1 ['loss', 'val_loss']", "train_end"])


def test_lambda_callback_rejects_unknown_events_and_non_callables():
    with pytest.raises(TypeError, match="unknown event 'on_epoch_middle'"):
        LambdaCallback(on_epoch_middle=print)
    with pytest.raises(TypeError, match="on_epoch_end must be callable"):
        LambdaCallback(on_epoch_end=3)


def test_a_callback_can_stop_training_and_sees_the_params():
    class StopAfterFirst(Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.params_seen = dict(self.params)
            self.model.stop_training = True

    x, y = regression()
    stopper = StopAfterFirst()
    history = linear_model().fit(x, y, epochs=5, batch_size=8, verbose=0, callbacks=[stopper])
    assert len(history.history["loss"]) == 1
    assert stopper.params_seen["epochs"] == 5 and stopper.params_seen["steps"] == 4


def test_evaluate_and_predict_callbacks():
    x, y = regression(n=10)
    events = []

    class Recorder(Callback):
        def on_test_batch_end(self, batch, logs=None):
            events.append(("test", batch))

        def on_predict_batch_end(self, batch, logs=None):
            events.append(("predict", batch, logs["outputs"][0].shape))

    model = linear_model()
    model.evaluate(x, y, batch_size=4, verbose=0, callbacks=[Recorder()])
    model.predict(x, batch_size=4, verbose=0, callbacks=[Recorder()])
    assert events == [("test", 0), ("test", 1), ("test", 2),
                      ("predict", 0, (4, 1)), ("predict", 1, (4, 1)), ("predict", 2, (2, 1))]


# ---- progress output ---------------------------------------------------------------------------------
def test_verbose_0_prints_nothing(capsys):
    x, y = regression()
    model = linear_model(metrics=["mae"])
    model.fit(x, y, epochs=2, validation_split=0.25, verbose=0)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""


def test_verbose_1_off_a_terminal_prints_one_final_line_per_epoch(capsys):
    x, y = regression()
    model = linear_model(metrics=["mae"])
    history = model.fit(x, y, epochs=3, batch_size=8, validation_split=0.25, verbose=1)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6
    for epoch in range(3):
        assert lines[2 * epoch] == f"Epoch {epoch + 1}/3"
        line = lines[2 * epoch + 1]
        assert line.startswith("3/3 ━━━━━━━━━━━━━━━━━━━━ ")
        assert "ETA" not in line and "\r" not in line
        for key in ["loss", "mae", "val_loss", "val_mae"]:
            assert f" - {key}: {history.history[key][epoch]:.4f}" in line
        assert re.search(r"\d+(s|ms|us)/step", line)


def test_an_unknown_number_of_steps_is_counted_by_the_first_epoch(capsys):
    # A generator without steps: Keras shows "n/Unknown" while it runs and the counted total
    # at the end; in fit, the later epochs know the count from the first.
    x, y = regression()
    model = linear_model()
    model.predict((x[i:i + 8] for i in range(0, 24, 8)), verbose=1)
    assert re.fullmatch(r"3/3 ━{20} \d+s \d+(s|ms|us)/step", capsys.readouterr().out.strip())
    bar = ProgbarLogger()
    bar.set_model(model)
    bar.set_params({"epochs": 2, "steps": None, "verbose": 1})
    for epoch in range(2):
        bar.on_epoch_begin(epoch)
        for step in range(3):
            bar.on_train_batch_end(step, {"loss": 1.0})
        assert bar.bar.target == (None if epoch == 0 else 3)
        bar.on_epoch_end(epoch, {"loss": 1.0})
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("3/3 ━━━━━━━━━━━━━━━━━━━━ ") and lines[3].startswith("3/3 ━━━━")


def test_verbose_2_prints_one_line_per_epoch(capsys):
    x, y = regression()
    history = linear_model().fit(x, y, epochs=2, batch_size=8, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert re.fullmatch(r"4/4 - \d+s - \d+(s|ms|us)/step - loss: \d+\.\d{4}", lines[1])
    assert f"loss: {history.history['loss'][1]:.4f}" in lines[3]
    assert "━" not in lines[1]


def test_verbose_default_is_1(capsys):
    x, y = regression()
    linear_model().fit(x, y, epochs=1)
    assert capsys.readouterr().out.splitlines()[0] == "Epoch 1/1"


def test_evaluate_and_predict_progress(capsys):
    x, y = regression(n=10)
    model = linear_model()
    model.evaluate(x, y, batch_size=4, verbose=1)
    out = capsys.readouterr().out
    assert out.startswith("3/3 ━") and "loss:" in out and "Epoch" not in out
    model.predict(x, batch_size=4, verbose=1)
    out = capsys.readouterr().out
    assert out.startswith("3/3 ━") and out.count("\n") == 1


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_the_bar_is_redrawn_in_place_with_an_eta(monkeypatch):
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    x, y = regression()
    linear_model().fit(x, y, epochs=2, batch_size=8, verbose=1)
    out = terminal.getvalue()
    assert out.count("Epoch ") == 2
    assert "\r" in out and "ETA: " in out
    final = [part for part in out.split("\r") if part.startswith("4/4") and part.endswith("\n")]
    assert len(final) == 2 and all("loss: " in part and "ETA" not in part for part in final)


def test_progbar_draws_partial_progress_with_eta():
    terminal = FakeTerminal()
    bar = Progbar(10, width=10, stream=terminal, interval=0.0)
    bar.update(5, {"loss": 0.25})
    bar.update(10, {"loss": 0.125}, finalize=True)
    first, last = terminal.getvalue().split("\r")[1:]
    assert first.startswith(" 5/10 ━━━━━      ETA: ") and " - loss: 0.2500" in first
    assert last.startswith("10/10 ━━━━━━━━━━ ") and last.endswith(" - loss: 0.1250\n")
