"""keras.io guide "Writing your own callbacks" (Rick Chao, François Chollet), cell by cell.

Each test is one code cell, written anew with the cell's own API calls; the data is
the offline MNIST subset instead of ``keras.datasets.mnist``, and the epochs are
fewer. The cells run on Keras 3 and on striate (the ``keras`` fixture).
"""

import numpy as np
import pytest

from tests.guides.conftest import mnist_subset


def _mnist():
    (x_train, y_train), (x_test, y_test) = mnist_subset(n_train=256, n_test=128)
    x_train = x_train.reshape(-1, 784).astype("float32") / 255.0
    x_test = x_test.reshape(-1, 784).astype("float32") / 255.0
    return x_train, y_train.astype("float32"), x_test, y_test.astype("float32")


def get_model(keras):
    """The guide's model: one Dense unit, RMSprop(0.1), MSE with MAE as a metric."""
    model = keras.Sequential()
    model.add(keras.layers.Dense(1))
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.1), loss="mean_squared_error",
                  metrics=["mean_absolute_error"])
    return model


def make_custom_callback(keras, lines):
    class CustomCallback(keras.callbacks.Callback):
        def _log(self, text, logs):
            lines.append(f"{text}; got log keys: {sorted(logs.keys())}")

        def on_train_begin(self, logs=None):
            self._log("Starting training", logs)

        def on_train_end(self, logs=None):
            self._log("Stop training", logs)

        def on_epoch_begin(self, epoch, logs=None):
            self._log(f"Start epoch {epoch} of training", logs)

        def on_epoch_end(self, epoch, logs=None):
            self._log(f"End epoch {epoch} of training", logs)

        def on_test_begin(self, logs=None):
            self._log("Start testing", logs)

        def on_test_end(self, logs=None):
            self._log("Stop testing", logs)

        def on_predict_begin(self, logs=None):
            self._log("Start predicting", logs)

        def on_predict_end(self, logs=None):
            self._log("Stop predicting", logs)

        def on_train_batch_begin(self, batch, logs=None):
            self._log(f"...Training: start of batch {batch}", logs)

        def on_train_batch_end(self, batch, logs=None):
            self._log(f"...Training: end of batch {batch}", logs)

        def on_test_batch_begin(self, batch, logs=None):
            self._log(f"...Evaluating: start of batch {batch}", logs)

        def on_test_batch_end(self, batch, logs=None):
            self._log(f"...Evaluating: end of batch {batch}", logs)

        def on_predict_batch_begin(self, batch, logs=None):
            self._log(f"...Predicting: start of batch {batch}", logs)

        def on_predict_batch_end(self, batch, logs=None):
            self._log(f"...Predicting: end of batch {batch}", logs)

    return CustomCallback


# What Keras 3.15 reports to CustomCallback in the cell below (recorded from Keras on the PyTorch
# backend; striate must report the same hooks, in the same order, with the same log keys).
EXPECTED_FIT = (
    ["Starting training; got log keys: []", "Start epoch 0 of training; got log keys: []"]
    + [line for b in range(1) for line in (f"...Training: start of batch {b}; got log keys: []",
                                           f"...Training: end of batch {b}; got log keys: "
                                           "['loss', 'mean_absolute_error']")]
    + ["Start testing; got log keys: []"]
    + [line for b in range(1) for line in (f"...Evaluating: start of batch {b}; got log keys: []",
                                           f"...Evaluating: end of batch {b}; got log keys: "
                                           "['loss', 'mean_absolute_error']")]
    + ["Stop testing; got log keys: ['loss', 'mean_absolute_error']",
       "End epoch 0 of training; got log keys: ['loss', 'mean_absolute_error', 'val_loss', "
       "'val_mean_absolute_error']",
       "Stop training; got log keys: ['loss', 'mean_absolute_error', 'val_loss', 'val_mean_absolute_error']"]
)


def test_setup(keras):
    assert callable(keras.callbacks.Callback) and callable(keras.Model.fit)
    assert {"fit", "evaluate", "predict"} <= set(dir(keras.Model))


def test_basic_example_model_and_data(keras):
    x_train, y_train, x_test, y_test = _mnist()
    model = get_model(keras)
    assert x_train.shape == (256, 784) and x_test.shape == (128, 784)
    assert float(np.array(model.optimizer.learning_rate)) == pytest.approx(0.1)


def test_custom_callback_reports_every_hook(keras):
    x_train, y_train, x_test, y_test = _mnist()
    lines = []
    CustomCallback = make_custom_callback(keras, lines)
    model = get_model(keras)
    model.fit(x_train, y_train, batch_size=128, epochs=1, verbose=0, validation_split=0.5,
              callbacks=[CustomCallback()])
    assert lines == EXPECTED_FIT
    lines.clear()
    model.evaluate(x_test, y_test, batch_size=128, verbose=0, callbacks=[CustomCallback()])
    assert lines == ["Start testing; got log keys: []",
                     "...Evaluating: start of batch 0; got log keys: []",
                     "...Evaluating: end of batch 0; got log keys: ['loss', 'mean_absolute_error']",
                     "Stop testing; got log keys: ['loss', 'mean_absolute_error']"]
    lines.clear()
    model.predict(x_test, batch_size=128, verbose=0, callbacks=[CustomCallback()])
    assert lines == ["Start predicting; got log keys: []",
                     "...Predicting: start of batch 0; got log keys: []",
                     "...Predicting: end of batch 0; got log keys: ['outputs']",
                     "Stop predicting; got log keys: []"]


def make_loss_printer(keras, out):
    class LossAndErrorPrintingCallback(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            out.append(("train", batch, logs["loss"]))

        def on_test_batch_end(self, batch, logs=None):
            out.append(("test", batch, logs["loss"]))

        def on_epoch_end(self, epoch, logs=None):
            out.append(("epoch", epoch, logs["loss"], logs["mean_absolute_error"]))

    return LossAndErrorPrintingCallback


def test_usage_of_logs_dict(keras):
    x_train, y_train, x_test, y_test = _mnist()
    out = []
    model = get_model(keras)
    model.fit(x_train, y_train, batch_size=128, epochs=2, verbose=0, callbacks=[make_loss_printer(keras, out)()])
    model.evaluate(x_test, y_test, batch_size=128, verbose=0, callbacks=[make_loss_printer(keras, out)()])
    kinds = [entry[0] for entry in out]
    assert kinds == ["train", "train", "epoch", "train", "train", "epoch", "test"]
    # the batch logs hold the running mean over the epoch, so the epoch's loss is the last batch's
    assert out[2][2] == pytest.approx(out[1][2], rel=1e-6) and all(np.isfinite(e[2]) for e in out)


def make_early_stopping(keras, notes):
    class EarlyStoppingAtMinLoss(keras.callbacks.Callback):
        """Stop training when the loss is at its min, i.e. the loss stops decreasing."""

        def __init__(self, patience=0):
            super().__init__()
            self.patience = patience
            self.best_weights = None

        def on_train_begin(self, logs=None):
            self.wait = 0
            self.stopped_epoch = 0
            self.best = np.inf  # the guide's np.Inf left NumPy in 2.0

        def on_epoch_end(self, epoch, logs=None):
            current = logs.get("loss")
            if np.less(current, self.best):
                self.best = current
                self.wait = 0
                self.best_weights = self.model.get_weights()
            else:
                self.wait += 1
                if self.wait >= self.patience:
                    self.stopped_epoch = epoch
                    self.model.stop_training = True
                    notes.append("restored")
                    self.model.set_weights(self.best_weights)

        def on_train_end(self, logs=None):
            if self.stopped_epoch > 0:
                notes.append(f"Epoch {self.stopped_epoch + 1}: early stopping")

    return EarlyStoppingAtMinLoss


def test_early_stopping_at_minimum_loss(keras):
    x_train, y_train, _, _ = _mnist()
    out, notes = [], []
    model = get_model(keras)
    stopper = make_early_stopping(keras, notes)()
    history = model.fit(x_train, y_train, batch_size=64, epochs=30, verbose=0,
                        callbacks=[make_loss_printer(keras, out)(), stopper])
    epochs_run = len(history.history["loss"])
    assert epochs_run == stopper.stopped_epoch + 1 and 1 < epochs_run < 30
    assert notes == ["restored", f"Epoch {epochs_run}: early stopping"]
    np.testing.assert_array_equal(model.get_weights()[0], stopper.best_weights[0])


LR_SCHEDULE = [(3, 0.05), (6, 0.01), (9, 0.005), (12, 0.001)]


def lr_schedule(epoch, lr):
    """The guide's helper: the scheduled learning rate for ``epoch``."""
    if epoch < LR_SCHEDULE[0][0] or epoch > LR_SCHEDULE[-1][0]:
        return lr
    for start, rate in LR_SCHEDULE:
        if epoch == start:
            return rate
    return lr


def test_learning_rate_scheduling(keras):
    x_train, y_train, _, _ = _mnist()
    seen = []

    class CustomLearningRateScheduler(keras.callbacks.Callback):
        def __init__(self, schedule):
            super().__init__()
            self.schedule = schedule

        def on_epoch_begin(self, epoch, logs=None):
            if not hasattr(self.model.optimizer, "learning_rate"):
                raise ValueError('Optimizer must have a "learning_rate" attribute.')
            lr = self.model.optimizer.learning_rate
            scheduled_lr = self.schedule(epoch, lr)
            self.model.optimizer.learning_rate = scheduled_lr
            seen.append(float(np.array(scheduled_lr)))

    model = get_model(keras)
    model.fit(x_train, y_train, batch_size=128, epochs=15, verbose=0,
              callbacks=[make_loss_printer(keras, [])(), CustomLearningRateScheduler(lr_schedule)])
    expected = [0.1] * 3 + [0.05] * 3 + [0.01] * 3 + [0.005] * 3 + [0.001] * 3
    np.testing.assert_allclose(seen, expected, rtol=1e-6)
    assert float(np.array(model.optimizer.learning_rate)) == pytest.approx(0.001)
