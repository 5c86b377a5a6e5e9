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
