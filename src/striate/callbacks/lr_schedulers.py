"""Callbacks that change the learning rate: LearningRateScheduler and ReduceLROnPlateau."""

from striate.callbacks.callback import Callback
from striate.callbacks.monitor import Monitor

__all__ = ["LearningRateScheduler", "ReduceLROnPlateau"]


def _set_learning_rate(model, value, owner):
    if model.optimizer is None:
        raise RuntimeError(f"{owner}: the model has no optimizer; compile it first")
    value = float(value)
    if not value >= 0:
        raise ValueError(f"{owner}: the learning rate must be a non-negative number, got {value!r}")
    model.optimizer.learning_rate = value


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch to ``schedule(epoch, lr)``.

    Args:
        schedule: function of ``(epoch, current_lr)`` (or of ``epoch`` alone) returning a float.
        verbose: 1 prints the new rate.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be callable, got {schedule!r}")
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        current = float(self.model.optimizer.learning_rate)
        try:
            value = self.schedule(epoch, current)
        except TypeError:
            value = self.schedule(epoch)
        _set_learning_rate(self.model, value, "LearningRateScheduler")
        if self.verbose:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {float(value)}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` after ``patience`` epochs without improvement.

    Args:
        monitor: log key to watch (default ``'val_loss'``).
        factor: multiplier in (0, 1).
        patience: epochs without improvement before reducing.
        verbose: 1 prints each reduction.
        mode: 'auto', 'min' or 'max'.
        min_delta: smallest change that counts as an improvement.
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: lower bound of the learning rate.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0, **kwargs):
        super().__init__()
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau: unexpected keyword argument(s) {sorted(kwargs)}")
        if not 0 < factor < 1:
            raise ValueError(f"ReduceLROnPlateau: factor must be in (0, 1), got {factor}")
        self.tracker = Monitor(monitor, mode, min_delta, owner="ReduceLROnPlateau")
        self.monitor, self.factor, self.patience, self.verbose = monitor, float(factor), int(patience), verbose
        self.cooldown, self.min_lr = int(cooldown), float(min_lr)
        self.wait = self.cooldown_counter = 0

    def on_train_begin(self, logs=None):
        self.tracker.reset()
        self.wait = self.cooldown_counter = 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)
        value = self.tracker.value(logs)
        if value is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.tracker.improves(value):
            self.tracker.best, self.wait = value, 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old = float(self.model.optimizer.learning_rate)
                if old > self.min_lr:
                    new = max(old * self.factor, self.min_lr)
                    _set_learning_rate(self.model, new, "ReduceLROnPlateau")
                    if self.verbose:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.")
                    self.cooldown_counter, self.wait = self.cooldown, 0
