"""Callbacks: everything that happens around training, one event at a time."""

from striate.callbacks.callback import Callback, CallbackList
from striate.callbacks.csv_logger import CSVLogger
from striate.callbacks.early_stopping import EarlyStopping
from striate.callbacks.history import History
from striate.callbacks.lambda_callback import LambdaCallback
from striate.callbacks.lr_schedulers import LearningRateScheduler, ReduceLROnPlateau
from striate.callbacks.progbar import Progbar, ProgbarLogger
from striate.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger", "Progbar", "EarlyStopping", "CSVLogger",
           "TerminateOnNaN", "LearningRateScheduler", "ReduceLROnPlateau", "LambdaCallback"]

from striate.callbacks.backup_and_restore import BackupAndRestore  # noqa: E402  (saving needs the callbacks above)
from striate.callbacks.gradient_norm import GradientNormLogger  # noqa: E402
from striate.callbacks.model_checkpoint import ModelCheckpoint  # noqa: E402

__all__ += ["ModelCheckpoint", "BackupAndRestore", "GradientNormLogger"]
