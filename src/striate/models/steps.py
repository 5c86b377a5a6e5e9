"""What happens in one step of fit, evaluate and predict: Keras 3's overridable methods.

``fit`` calls ``train_step(data)`` once per batch, ``evaluate`` calls
``test_step(data)`` and ``predict`` calls ``predict_step(data)``, where ``data``
is ``x``, ``(x, y)`` or ``(x, y, sample_weight)`` (see ``epoch_iterator.py``).
A subclass may override any of them, and ``compute_loss``/``compute_metrics``
too, exactly as in Keras 3.

striate's gradient tape is the graph itself: every op on Tensors records how
its output was made, so after a forward pass ``loss.backward()`` computes the
gradient of the loss with respect to every Variable that took part and stores
it in ``v.grad`` (a NumPy array of ``v``'s shape; ``backward`` adds to it, so
``self.zero_grad()`` clears the old ones first). ``self.optimizer.apply(grads,
variables)`` — or Keras's ``apply_gradients(zip(grads, variables))`` — then
updates the variables in place and applies their constraints. This is the
PyTorch-backend recipe of Keras 3 (``v.value.grad`` also works)::

    class MyModel(striate.Model):
        def train_step(self, data):
            x, y = data
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred)
            self.zero_grad()
            loss.backward()                                   # gradients land in v.grad
            variables = self.trainable_weights
            self.optimizer.apply([v.grad for v in variables], variables)
            return self.compute_metrics(x, y, y_pred)

Code written for TensorFlow's tape runs too, through :class:`striate.GradientTape`
(``with GradientTape() as tape: ...; grads = tape.gradient(loss, variables)``),
which returns the gradients without leaving them in any variable's ``.grad``.

A step may also track its own metrics: a ``Metric`` assigned to a model
attribute (``self.loss_tracker = keras.metrics.Mean(name="loss")``) is listed in
``model.metrics``, reset at the start of every epoch and of every evaluation,
and its result is in the logs.
"""

import math

from striate.autograd import no_grad
from striate.distribution.step import distributed_step
from striate.jit import compiled_step
from striate.models.epoch_iterator import unpack_x_y_sample_weight
from striate.models.update_guard import GUARD
from striate.tensor import Tensor

__all__ = ["Steps"]


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _batch_size(x):
    first = _as_list(x)[0]
    return len(first)


def _scalar(loss):
    """An ``add_loss`` value as a scalar Tensor (summed, as Keras does)."""
    loss = loss if isinstance(loss, Tensor) else Tensor(loss)
    return loss if loss.ndim == 0 else loss.sum()


def _as_float(value):
    value = value.data if isinstance(value, Tensor) else value
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def _metric_class():
    from striate.metrics.metric import Metric

    return Metric


class Steps:
    """The step methods of :class:`~striate.models.Model` (mixed into it)."""

    # ---- one step ------------------------------------------------------------------
    def train_step(self, data):
        """One optimizer update on a batch; returns the logs (running loss and metrics).

        Args:
            data: ``(x, y)`` or ``(x, y, sample_weight)``.
        """
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=True)
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=True)
        self._compiled_metrics.loss_tracker.update_state(float(loss.data), sample_weight=_batch_size(x))
        variables = self.trainable_weights
        # A fully frozen model still trains "nothing" and reports its loss, as in Keras;
        # its loss has no graph to run backward through.
        if variables and loss.requires_grad:
            self.zero_grad()
            loss.backward()
            self.optimizer.apply([v.grad for v in variables], variables)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        """Loss and metrics of a batch without training; returns the logs."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with no_grad():
            y_pred = self(x, training=False)
            loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        self._compiled_metrics.loss_tracker.update_state(float(loss.data), sample_weight=_batch_size(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """The model's outputs for a batch (a Tensor, or a list for several outputs)."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    # ---- the pieces a step is made of ----------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The total loss: the compiled loss of every output plus the layers' losses (``self.losses``).

        Args:
            x: the inputs (unused by default; overrides may use them).
            y: the targets, one array or a list per output.
            y_pred: the model's outputs, one Tensor or a list per output.
            sample_weight: per-sample weights of shape ``(batch,)`` or None.
            training: whether this is a training step.

        Returns:
            A scalar Tensor.

        Raises:
            ValueError: when there is nothing to minimise: no compiled loss and no
                ``add_loss`` or regularization losses ("No loss to compute", as in Keras).
        """
        del x, training
        extra = [_scalar(loss) for loss in self.losses]
        if self._compiled_loss is None:
            if not extra:
                raise ValueError(f"Model {self.name!r}: no loss to compute. Provide a `loss` argument in "
                                 "`compile()`, or add losses in call() with self.add_loss()")
            total = extra[0]
            for loss in extra[1:]:
                total = total + loss
            return total
        total, parts = self._compiled_loss(_as_list(y), _as_list(y_pred), sample_weight, extra)
        if self._compiled_metrics is not None:
            self._compiled_metrics.update_output_losses(parts, len(_as_list(y)[0]))
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with a batch and return :meth:`get_metrics_result`."""
        del x
        if y is not None and self._compiled_metrics is not None:
            y_preds = [p.data if isinstance(p, Tensor) else p for p in _as_list(y_pred)]
            self._compiled_metrics.update_metrics(_as_list(y), y_preds, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self):
        """Every metric's current value as a Python float, keyed by its log name: the compiled
        ones (``loss``, ``<output>_loss``, metrics), then the metrics the model tracks itself."""
        tracked = self._tracked_metrics()
        if not tracked and type(self).metrics is Steps.metrics:  # the common case, once per batch
            return {} if self._compiled_metrics is None else self._compiled_metrics.result()
        logs = {}
        listed = self.metrics
        listed_ids = {id(m) for m in listed}
        compiled = self._compiled_metrics.all_metrics() if self._compiled_metrics is not None else []
        if compiled and all(id(m) in listed_ids for m in compiled):
            logs.update(self._compiled_metrics.result())
        compiled_ids = {id(m) for m in compiled}
        for metric in listed:
            if id(metric) not in compiled_ids:
                result = metric.result()
                if isinstance(result, dict):
                    logs.update({k: _as_float(v) for k, v in result.items()})
                else:
                    logs[metric.name] = _as_float(result)
        return logs

    def reset_metrics(self):
        """Start every metric in :attr:`metrics` afresh (fit does this at each epoch)."""
        for metric in self.metrics:
            metric.reset_state()

    @property
    def metrics(self):
        """The Metric objects behind the logs, in Keras's order: the loss tracker(s), the
        compiled metrics, the metrics in this model's attributes, then its layers' (not those
        of nested models)."""
        out = [] if self._compiled_metrics is None else self._compiled_metrics.all_metrics()
        seen = {id(m) for m in out}
        return out + [m for m in self._tracked_metrics() if id(m) not in seen]

    def _tracked_metrics(self):
        """The metrics held in the attributes of this model and of its layers (nested models
        excluded), each once; cached until what the layers hold changes."""
        from striate.layers import tracking
        from striate.models.model import Model

        cache = self.__dict__.get("_metrics_cache")
        if cache is None or cache[0] != tracking._version[0]:
            found, seen = [], set()
            for layer in [self] + [layer for layer in self._flatten_layers() if not isinstance(layer, Model)]:
                for metric in layer._attribute_objects(_metric_class()):
                    if id(metric) not in seen:
                        seen.add(id(metric))
                        found.append(metric)
            cache = self.__dict__["_metrics_cache"] = (tracking._version[0], found)
        return list(cache[1])

    def zero_grad(self):
        """Forget the gradients of every weight (``v.grad = None``) before a new backward pass."""
        for v in self.weights:
            v.grad = None

    # ---- what fit/evaluate/predict call per batch ------------------------------------------
    def make_train_function(self, force=False):
        """The callable ``fit`` and ``train_on_batch`` run on each batch: ``data -> logs``.

        A compiled step (``striate.jit``) unless ``train_step`` is overridden or the
        model was compiled with ``jit_compile=False`` / ``run_eagerly=True``.
        """
        if self.train_function is None or force:
            step = self.train_step
            if self._default("train_step"):
                step = compiled_step(self, "train", step, unpack_x_y_sample_weight, self._default("compute_loss")) or step
            # distributed_step: a no-op unless striate.distribution runs several processes.
            self.train_function = self._guarded(distributed_step(self, step, training=True))
        return self.train_function

    def make_test_function(self, force=False):
        """The callable ``evaluate`` runs on each batch: ``data -> logs`` (compiled as the train function)."""
        if self.test_function is None or force:
            step = self.test_step
            if self._default("test_step"):
                step = compiled_step(self, "test", step, unpack_x_y_sample_weight, self._default("compute_loss")) or step
            self.test_function = distributed_step(self, step, training=False)
        return self.test_function

    def make_predict_function(self, force=False):
        """The callable ``predict`` runs on each batch: ``data -> list of output arrays``
        (compiled as the train function)."""
        if self.predict_function is None or force:
            def predict_function(data):
                with no_grad():
                    outputs = self.predict_step(data)
                return [o.data if isinstance(o, Tensor) else o for o in _as_list(outputs)]
            step = predict_function
            if self._default("predict_step"):
                step = compiled_step(self, "predict", step, unpack_x_y_sample_weight) or step
            self.predict_function = step
        return self.predict_function

    train_function = test_function = predict_function = None

    def _default(self, name):
        """Whether the method ``name`` is Steps's own (not overridden by a subclass or on the instance)."""
        return getattr(getattr(self, name), "__func__", None) is getattr(Steps, name)

    @staticmethod
    def _guarded(step):
        """``step`` with Ctrl-C held until the optimizer update it makes is complete."""
        def guarded_step(data):
            with GUARD.update():
                return step(data)
        guarded_step.__wrapped__ = step  # e.g. the CompiledStep behind a train function
        return guarded_step

    def _custom_steps(self):
        """Whether a subclass overrides the steps or the loss (then y is the subclass's business)."""
        cls = type(self)
        return any(getattr(cls, name) is not getattr(Steps, name) for name in ("train_step", "test_step",
                                                                             "compute_loss"))

    def _get_metrics_result_or_logs(self, logs):
        """Keras's rule for the epoch's logs: the metrics' results when a step returned
        exactly those keys, else what the (custom) step returned."""
        metric_logs = self.get_metrics_result()
        if isinstance(logs, dict) and set(logs) == set(metric_logs):
            return metric_logs
        return logs


def pythonify_logs(logs):
    """Logs as a flat dict of Python floats (nested dicts flattened, Tensors and arrays converted)."""
    out = {}
    for key, value in (logs or {}).items():
        if isinstance(value, dict):
            out.update(pythonify_logs(value))
            continue
        if isinstance(value, Tensor):
            value = value.data
        try:
            value = float(value)
        except (TypeError, ValueError):
            pass
        out[key] = value
    return out


def is_finite_loss(logs):
    """False when the logs carry a loss that is NaN or infinite."""
    value = logs.get("loss") if isinstance(logs, dict) else None
    return not isinstance(value, float) or math.isfinite(value)
