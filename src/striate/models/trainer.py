"""compile, fit, evaluate and predict: Keras's training API as a plain loop.

``fit`` checks the data once, then for each epoch and batch calls the train
function (``make_train_function()``: by default ``train_step`` — forward, loss,
backward, optimizer update; see ``steps.py``) and emits callback events; the
progress bar and the history are callbacks like any other, so ``fit`` itself
never prints.
"""

import functools
import warnings

from striate import _structure, backend, optimizers
from striate.backend import host
from striate.callbacks.callback import CallbackList
from striate.callbacks.history import History
from striate.callbacks.progbar import ProgbarLogger
from striate.models import data as D
from striate.models.compile_utils import CompiledLoss, CompiledMetrics, check_metric_names
from striate.models.data_adapters import (StreamIterator, check_stream_args, closing, is_stream, stop_out_of_data,
                                          warn_validation_ran_out)
from striate.models.epoch_iterator import ArrayIterator
from striate.models.fit_args import (apply_class_weight, check_callbacks, check_epochs, check_fit_flags,
                                     check_verbose, class_weigher, logs_as_result, split_validation)
from striate.models.steps import Steps, is_finite_loss, pythonify_logs
from striate.models.update_guard import GUARD

__all__ = ["Trainer", "NotCompiledError"]


def _on_striate_threads(method):
    """Run ``method`` inside ``backend.striate_threads()``: one BLAS thread, striate's own
    threads for the convolutions and large matrix products (see there why)."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with backend.striate_threads(enabled=self._splits_work()):
            return method(self, *args, **kwargs)
    return wrapper


class NotCompiledError(RuntimeError, ValueError):
    """Training or evaluating a model that was never compiled.

    Keras raises RuntimeError here; it is also a ValueError, so code that treats
    every bad call as a ValueError catches it too.
    """


class Trainer(Steps):
    """The training half of :class:`~striate.models.Model` (mixed into it)."""

    compiled = False
    optimizer = None
    stop_training = False
    jit_compile, run_eagerly = "auto", False
    # Bookkeeping that never changes what a step computes (see Layer.__setattr__).
    _untracked_attributes = frozenset({"compiled", "optimizer", "loss", "stop_training", "history", "jit_compile",
                                       "run_eagerly", "train_function", "test_function", "predict_function"})
    _compiled_loss = _compiled_metrics = None

    # ---- compile -----------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True):
        """Choose the optimizer, the loss and the metrics.

        Args:
            optimizer: name (``'adam'``) or Optimizer instance.
            loss: name, Loss, function ``(y_true, y_pred)``, or a list/dict per output.
            loss_weights: per-output weights of a multi-output loss.
            metrics: list of names/Metric instances (``'accuracy'`` picks the right
                accuracy for the loss), or a list/dict per output.
            run_eagerly: run every step eagerly (for debugging), as in Keras.
            jit_compile: ``'auto'`` (default) replays a recorded step (``striate.jit``)
                wherever that is safe and runs the rest eagerly; ``True`` insists
                (a model that cannot be compiled raises ValueError at its first
                step); ``False`` runs eagerly.
            steps_per_execution, auto_scale_loss: accepted for Keras compatibility;
                striate runs one step at a time.

        Raises:
            ValueError: for an unknown optimizer, loss or metric name.
        """
        if weighted_metrics:
            raise ValueError("compile: weighted_metrics is not supported; pass sample_weight to fit instead")
        if jit_compile not in ("auto", True, False):
            raise ValueError(f"compile: jit_compile must be 'auto', True or False, got {jit_compile!r}")
        # Everything is resolved before anything is set, so a failed compile leaves the
        # model (and a previous compile) as it was.
        optimizer = optimizers.get(optimizer)
        compiled_loss = CompiledLoss(loss, loss_weights, self._output_names()) if loss is not None else None
        if self.built:
            compiled_metrics = self._new_metrics(metrics, compiled_loss)
        else:
            check_metric_names(metrics)  # the metrics themselves need the output shapes
            compiled_metrics = None
        self.optimizer, self.loss = optimizer, loss
        self._compiled_loss, self._compiled_metrics = compiled_loss, compiled_metrics
        self._compile_args = {"loss_weights": loss_weights, "metrics": metrics}
        self.jit_compile, self.run_eagerly = jit_compile, bool(run_eagerly)
        self.train_function = self.test_function = self.predict_function = None
        self.compiled = True

    def _new_metrics(self, metrics, compiled_loss):
        names = self._output_names()
        loss_ids = compiled_loss.identifiers if compiled_loss else [None] * len(names)
        return CompiledMetrics(metrics, names, loss_ids, self._output_shapes())

    def _build_metrics(self):
        self._compiled_metrics = self._new_metrics(self._compile_args["metrics"], self._compiled_loss)

    @property
    def metrics_names(self):
        if self._compiled_metrics is None:
            return ["loss"]
        return list(self._compiled_metrics.result())

    def _splits_work(self):
        """Whether some layer (a convolution, pooling) does work that striate's threads split
        (remembered until some layer changes: every fit/predict/*_on_batch call asks)."""
        version = _structure.version()
        cached = self.__dict__.get("_splits_work_cache")
        if cached is None or cached[0] != version:
            cached = (version, any(getattr(layer, "splits_work", False) for layer in [self] + self._flatten_layers()))
            self._splits_work_cache = cached
        return cached[1]

    def _require_compiled(self, method):
        # A compile without a loss is fine (Keras 3): the loss may come from add_loss() or from
        # an overridden train_step; compute_loss says so when there is nothing to minimise.
        if not self.compiled:
            raise NotCompiledError(f"Model {self.name!r}: call compile(optimizer=..., loss=...) before {method}()")

    # ---- data preparation ------------------------------------------------------------
    def _prepare_x(self, x, what="x"):
        names = self._input_names()
        arrays = D.as_array_list(x, names, what)
        if not self.built:
            self._build_from_data(arrays)
        return D.check_inputs(arrays, self._input_shapes(), names, self.name, what)

    def _prepare_xy(self, x, y, sample_weight=None, what="x"):
        xs = self._prepare_x(x, what)
        if self._compiled_metrics is None:
            self._build_metrics()
        names = self._output_names()
        y_what = "y" if what == "x" else what.replace("x", "y")
        if y is None:
            if self._compiled_loss is not None and not self._custom_steps():
                raise ValueError(f"Model {self.name!r}: {y_what} is None, but the loss given to compile() needs "
                                 f"targets; pass {y_what} (without targets, train on add_loss() losses or a custom "
                                 "train_step, and compile without a loss)")
            if sample_weight is not None:
                raise ValueError(f"Model {self.name!r}: sample_weight was given without targets (y is None)")
            return xs, None, None, D.check_lengths(xs, labels=(what, y_what))
        ys = D.as_array_list(y, names, y_what)
        # The default steps feed y to the compiled loss, so y must fit the outputs; custom steps
        # (or a compile without a loss) may use y however they like, as in Keras.
        checked = self._compiled_loss is not None and not self._custom_steps()
        ys = D.check_targets(ys, self._output_shapes() if checked else [None] * len(names),
                             self._compiled_loss.identifiers if checked else [None] * len(names), names, self.name,
                             y_what)
        sample_weight = D.check_sample_weight(sample_weight, xs[0].dtype)
        n = D.check_lengths(xs, ys, sample_weight, labels=(what, y_what))
        return xs, ys, sample_weight, n

    # ---- fit ---------------------------------------------------------------------------------
    @_on_striate_threads
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1):
        """Train for ``epochs`` passes over ``(x, y)`` in mini-batches.

        Args:
            x, y: arrays (or lists/dicts of arrays for several inputs/outputs); or ``x`` a
                ``striate.utils.PyDataset`` (``image_dataset_from_directory`` returns one) or a
                generator of ``(x, y)`` / ``(x, y, sample_weight)`` batches, and ``y`` None.
            batch_size: samples per gradient step (default 32).
            epochs: index of the last epoch (training runs ``initial_epoch .. epochs-1``).
            verbose: 0 silent, 1 progress bar, 2 one line per epoch ('auto' = 1).
            callbacks: list of Callback.
            validation_split: fraction of the data (taken from the end, before shuffling)
                held out for validation.
            validation_data: ``(x_val, y_val)``, ``(x_val, y_val, sample_weight)``, a PyDataset or a generator.
            shuffle: reshuffle the training samples every epoch.
            class_weight: dict class id -> weight, multiplied into the sample weights.
            sample_weight: per-sample weights, shape ``(N,)``.
            initial_epoch: epoch to start from (to resume a run).
            steps_per_epoch: batches per epoch (default: all of the data).
            validation_steps, validation_batch_size, validation_freq: as in Keras.

        Returns:
            A :class:`~striate.callbacks.History` whose ``.history`` maps
            ``loss``, metric names and their ``val_`` versions to per-epoch lists.

        Raises:
            NotCompiledError: before ``compile`` (a RuntimeError, as in Keras, and a ValueError).
            ValueError / TypeError: for bad data or arguments, before any weight changes.
        """
        self._require_compiled("fit")
        verbose = check_verbose(verbose)
        batch_size = D.check_batch_size(batch_size)
        check_epochs(epochs, initial_epoch)
        steps_per_epoch = D.check_steps(steps_per_epoch, "steps_per_epoch")
        validation_steps = D.check_steps(validation_steps, "validation_steps")
        check_fit_flags(validation_freq, shuffle, validation_split)
        callbacks = check_callbacks(callbacks)
        if is_stream(x):
            check_stream_args("fit", y, sample_weight, validation_split)
            iterator = StreamIterator(self, x, "fit", steps_per_epoch, shuffle, class_weigher(class_weight))
            n = None
        else:
            xs, ys, sample_weight, n = self._prepare_xy(x, y, sample_weight)
            sample_weight = apply_class_weight(class_weight, None if ys is None else ys[0], sample_weight)
        val = None
        if validation_data is not None:
            val = self._prepare_validation(validation_data, validation_steps)
        elif validation_split and n is not None:
            xs, ys, sample_weight, n, val = split_validation(xs, ys, sample_weight, n, validation_split)
        if n is not None:
            iterator = ArrayIterator(xs, ys, sample_weight, batch_size, shuffle=shuffle, steps=steps_per_epoch)
        if isinstance(val, tuple):
            val = ArrayIterator(*val, batch_size=validation_batch_size or batch_size, steps=validation_steps)
        with closing(iterator, val):
            return self._fit_iterators(iterator, val, callbacks, verbose, epochs, initial_epoch, batch_size, n,
                                       validation_freq)

    def _fit_iterators(self, iterator, val, callbacks, verbose, epochs, initial_epoch, batch_size, n,
                       validation_freq):
        if isinstance(iterator, StreamIterator):
            iterator.prime()  # the model is built before any callback looks at it
        self.history = History()
        # Keras's order: the user's callbacks, then the progress bar, then History, so both
        # see what the user's callbacks add to the logs (learning_rate, gradient_norm).
        callback_list = list(callbacks or []) + ([ProgbarLogger()] if verbose else []) + [self.history]
        params = {"epochs": epochs, "steps": iterator.steps, "verbose": verbose, "batch_size": batch_size,
                  "samples": n, "mode": "fit"}
        cbs = CallbackList(callback_list, self, params)
        self.stop_training = False
        self._nan_warned = False
        self._resume_epoch = None
        with GUARD.installed():
            return self._fit_loop(cbs, iterator, val, epochs, initial_epoch, validation_freq)

    def _fit_loop(self, cbs, iterator, val, epochs, initial_epoch, validation_freq):
        train_function = self.make_train_function()
        cbs.on_train_begin()
        # A callback that restored a backup (BackupAndRestore) says where to carry on.
        if self._resume_epoch is not None:
            initial_epoch = max(initial_epoch, int(self._resume_epoch))
        epoch_logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cbs.on_epoch_begin(epoch)
            logs = {}
            for step, data in iterator.enumerate_epoch():
                cbs.on_train_batch_begin(step)
                logs = pythonify_logs(train_function(data))
                self._warn_if_not_finite(logs, epoch, step)
                cbs.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            if isinstance(iterator, StreamIterator) and iterator.exhausted and epoch + 1 < epochs:
                stop_out_of_data(self, epoch)
            epoch_logs = dict(self._get_metrics_result_or_logs(logs))
            if val is not None and (epoch + 1) % validation_freq == 0:
                ran_out = isinstance(val, StreamIterator) and val.exhausted
                val_logs = {} if ran_out else self._evaluate_loop(val, cbs)
                if not val_logs and isinstance(val, StreamIterator):
                    warn_validation_ran_out(self, epoch)
                    val = None
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        cbs.on_train_end(epoch_logs)
        return self.history

    def _prepare_validation(self, validation_data, validation_steps=None):
        if is_stream(validation_data):
            return StreamIterator(self, validation_data, "evaluate", validation_steps, label="x_val")
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError("validation_data must be a tuple (x_val, y_val) or (x_val, y_val, sample_weight), "
                             f"got {type(validation_data).__name__}")
        xv, yv = validation_data[0], validation_data[1]
        sw = validation_data[2] if len(validation_data) == 3 else None
        xs, ys, sw, _ = self._prepare_xy(xv, yv, sw, what="x_val")
        return xs, ys, sw

    def _warn_if_not_finite(self, logs, epoch, step):
        if not self._nan_warned and not is_finite_loss(logs):
            self._nan_warned = True
            warnings.warn(f"Model {self.name!r}: the loss became {logs['loss']} at epoch {epoch + 1}, batch {step}; "
                          "training goes on (use callbacks.TerminateOnNaN to stop). A smaller learning rate, "
                          "gradient clipping (clipnorm=1.0) or scaled inputs usually help.", RuntimeWarning,
                          stacklevel=3)

    # ---- evaluate ------------------------------------------------------------------------------
    @_on_striate_threads
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False):
        """Loss and metrics on ``(x, y)``, batched, without training.

        Returns:
            The loss (a float) when there are no metrics, else ``[loss, *metrics]``;
            a dict of the same when ``return_dict=True``.
        """
        self._require_compiled("evaluate")
        verbose = check_verbose(verbose)
        batch_size = D.check_batch_size(batch_size)
        steps, callbacks = D.check_steps(steps, "steps"), check_callbacks(callbacks)
        if is_stream(x):
            check_stream_args("evaluate", y, sample_weight)
            iterator = StreamIterator(self, x, "evaluate", steps)
        else:
            xs, ys, sw, _ = self._prepare_xy(x, y, sample_weight)
            iterator = ArrayIterator(xs, ys, sw, batch_size, steps=steps)
        with closing(iterator):
            if isinstance(iterator, StreamIterator):
                iterator.prime()
            callback_list = list(callbacks or []) + ([ProgbarLogger()] if verbose else [])
            cbs = CallbackList(callback_list, self, {"steps": iterator.steps, "verbose": verbose, "mode": "evaluate"})
            logs = self._evaluate_loop(iterator, cbs)
        return logs_as_result(logs, return_dict)

    def _evaluate_loop(self, iterator, cbs):
        test_function = self.make_test_function()
        self.reset_metrics()
        cbs.on_test_begin()
        logs = {}
        for step, data in iterator.enumerate_epoch():
            cbs.on_test_batch_begin(step)
            logs = pythonify_logs(test_function(data))
            cbs.on_test_batch_end(step, logs)
        logs = dict(self._get_metrics_result_or_logs(logs))
        cbs.on_test_end(logs)
        self.reset_metrics()
        return logs

    # ---- predict -------------------------------------------------------------------------------
    @_on_striate_threads
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Outputs for ``x`` computed in batches (no gradients, inference mode).

        Returns:
            A NumPy array (a list of arrays for several outputs).
        """
        verbose = check_verbose(verbose)
        batch_size = D.check_batch_size(batch_size)
        steps, callbacks = D.check_steps(steps, "steps"), check_callbacks(callbacks)
        if is_stream(x):
            iterator = StreamIterator(self, x, "predict", steps)
        else:
            xs = self._prepare_x(x)
            D.check_lengths(xs)
            iterator = ArrayIterator(xs, batch_size=batch_size, steps=steps)
        with closing(iterator):
            return self._predict_loop(iterator, verbose, callbacks)

    def _predict_loop(self, iterator, verbose, callbacks):
        if isinstance(iterator, StreamIterator):
            iterator.prime()
        callback_list = list(callbacks or []) + ([ProgbarLogger()] if verbose else [])
        cbs = CallbackList(callback_list, self, {"steps": iterator.steps, "verbose": verbose, "mode": "predict"})
        predict_function = self.make_predict_function()
        cbs.on_predict_begin()
        chunks = []
        for step, data in iterator.enumerate_epoch():
            cbs.on_predict_batch_begin(step)
            chunks.append(predict_function(data))
            cbs.on_predict_batch_end(step, {"outputs": chunks[-1]})
        cbs.on_predict_end()
        if not chunks:
            raise ValueError(f"Model {self.name!r}: predict() received no batches")
        # NumPy out, as Keras: each batch's outputs come to the host as they are made
        results = [host.concatenate([backend.to_host(c[i]) for c in chunks]) for i in range(len(chunks[0]))]
        return results[0] if len(results) == 1 else results

    # ---- single batches --------------------------------------------------------------------------
    @_on_striate_threads
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One gradient step on one batch; returns the loss (and metrics) of that batch."""
        self._require_compiled("train_on_batch")
        xs, ys, sw, n = self._prepare_xy(x, y, sample_weight)
        sw = apply_class_weight(class_weight, None if ys is None else ys[0], sw)
        return self._one_batch(self.make_train_function(), ArrayIterator(xs, ys, sw, batch_size=n), return_dict)

    @_on_striate_threads
    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss (and metrics) of one batch without training."""
        self._require_compiled("test_on_batch")
        xs, ys, sw, n = self._prepare_xy(x, y, sample_weight)
        return self._one_batch(self.make_test_function(), ArrayIterator(xs, ys, sw, batch_size=n), return_dict)

    @_on_striate_threads
    def predict_on_batch(self, x):
        """Outputs for one batch (no batching, no callbacks)."""
        xs = self._prepare_x(x)
        (_, data), = ArrayIterator(xs, batch_size=D.check_lengths(xs)).enumerate_epoch()
        outputs = [backend.to_host(o) for o in self.make_predict_function()(data)]  # NumPy out, as Keras
        return outputs[0] if len(outputs) == 1 else outputs

    def _one_batch(self, function, iterator, return_dict):
        (_, data), = iterator.enumerate_epoch()
        self.reset_metrics()
        with GUARD.installed():
            logs = pythonify_logs(function(data))
        logs = dict(self._get_metrics_result_or_logs(logs))
        self.reset_metrics()
        return logs_as_result(logs, return_dict)
