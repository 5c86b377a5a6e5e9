"""What ``compile`` turns its arguments into: one loss and a metric list per model output.

A model with several outputs may get one loss for all, a list (one per output)
or a dict keyed by output name, and the same for metrics; the total loss is the
weighted sum over outputs plus the layers' regularisation penalties. Metric
names follow Keras: ``accuracy`` for one output, ``<output>_accuracy`` for several.
"""

from striate import losses as losses_module
from striate import metrics as metrics_module
from striate.backend import xp

__all__ = ["CompiledLoss", "CompiledMetrics", "per_output", "check_metric_names"]


def per_output(value, output_names, what):
    """Spread a compile argument over the outputs: the same value, a list, or a dict by name.

    Raises:
        ValueError: when a list has the wrong length or a dict names an unknown output.
    """
    n = len(output_names)
    if isinstance(value, dict):
        unknown = set(value) - set(output_names)
        if unknown:
            raise ValueError(f"compile: {what} names unknown outputs {sorted(unknown)}; outputs are {output_names}")
        return [value.get(name) for name in output_names]
    if isinstance(value, (list, tuple)) and n > 1:
        if len(value) != n:
            raise ValueError(f"compile: {what} is a list of {len(value)} entries but the model has {n} outputs")
        return list(value)
    return [value] * n


def check_metric_names(metrics):
    """Raise ValueError for an unknown metric name anywhere in ``metrics`` (a name, list or dict).

    Lets ``compile`` reject a typo at once even when the model is not built yet and
    the metrics themselves (which depend on the output shapes) are made later.
    """
    if isinstance(metrics, dict):
        items = list(metrics.values())
    elif isinstance(metrics, (list, tuple)):
        items = list(metrics)
    else:
        items = [metrics]
    for item in items:
        if isinstance(item, (list, tuple, dict)):
            check_metric_names(item)
        elif isinstance(item, str) and item.lower() not in ("accuracy", "acc"):
            metrics_module.get(item)


class _FunctionLoss:
    """A plain ``fn(y_true, y_pred) -> per-sample losses`` reduced to a scalar (mean)."""

    def __init__(self, fn):
        self.fn = fn
        self.name = getattr(fn, "__name__", "loss")

    def __call__(self, y_true, y_pred, sample_weight=None):
        values = self.fn(y_true, y_pred)
        if sample_weight is not None:
            values = values * sample_weight.reshape(sample_weight.shape + (1,) * (values.ndim - sample_weight.ndim))
        return values.mean()


def _get_loss(identifier):
    loss = losses_module.get(identifier)
    return loss if isinstance(loss, losses_module.Loss) else _FunctionLoss(loss)


class CompiledLoss:
    """The total training loss: sum over outputs of ``weight * loss(y, y_pred)`` + penalties."""

    def __init__(self, loss, loss_weights, output_names):
        if loss is None:
            raise ValueError("compile: a loss is required to train (e.g. loss='categorical_crossentropy')")
        self.identifiers = per_output(loss, output_names, "loss")
        self.losses = [None if ident is None else _get_loss(ident) for ident in self.identifiers]
        if all(fn is None for fn in self.losses):
            raise ValueError("compile: every output's loss is None; give at least one loss")
        weights = per_output(1.0 if loss_weights is None else loss_weights, output_names, "loss_weights")
        self.weights = [1.0 if w is None else float(w) for w in weights]
        self.output_names = list(output_names)

    def __call__(self, ys, y_preds, sample_weight=None, regularization_losses=()):
        """Total loss Tensor and the per-output loss Tensors (for the logs of multi-output models)."""
        parts = []
        for fn, weight, y, y_pred in zip(self.losses, self.weights, ys, y_preds):
            if fn is not None:
                value = fn(y, y_pred, sample_weight=sample_weight)
                parts.append(value if weight == 1.0 else value * weight)
            else:
                parts.append(None)
        total = None
        for part in [p for p in parts if p is not None] + list(regularization_losses):
            total = part if total is None else total + part
        return total, parts


class CompiledMetrics:
    """Stateful metrics per output plus the running mean of the loss."""

    def __init__(self, metrics, output_names, loss_identifiers, output_shapes):
        self.output_names = list(output_names)
        specs = per_output(metrics, output_names, "metrics")
        self.metrics = []  # (output index, log name, Metric)
        for index, (spec, loss_id, shape) in enumerate(zip(specs, loss_identifiers, output_shapes)):
            spec = [] if spec is None else (list(spec) if isinstance(spec, (list, tuple)) else [spec])
            for item in spec:
                metric = self._resolve(item, loss_id, shape)
                name = metric.name if len(output_names) == 1 else f"{output_names[index]}_{metric.name}"
                self.metrics.append((index, name, metric))
        self.loss_tracker = metrics_module.Mean(name="loss")
        self.output_loss_trackers = (
            [metrics_module.Mean(name=f"{name}_loss") for name in output_names] if len(output_names) > 1 else [])

    @staticmethod
    def _resolve(item, loss_id, output_shape):
        """A Metric for a compile entry; a string names the log key, as in Keras 3 ('acc' logs 'acc')."""
        if isinstance(item, str) and item.lower() in ("accuracy", "acc"):
            return metrics_module.resolve_accuracy(loss_id, output_shape, name=item)
        metric = metrics_module.get(item)
        if isinstance(item, str):
            metric.name = item
        return metric

    def reset(self):
        self.loss_tracker.reset_state()
        for tracker in self.output_loss_trackers:
            tracker.reset_state()
        for _, _, metric in self.metrics:
            metric.reset_state()

    def update_output_losses(self, output_losses, batch_size):
        """Add one batch's per-output losses (Tensors or None) to their trackers (several outputs only)."""
        for tracker, value in zip(self.output_loss_trackers, output_losses):
            if value is not None:
                tracker.update_state(float(value.data), sample_weight=batch_size)

    def update_metrics(self, ys, y_preds, sample_weight=None):
        """Add one batch's targets and outputs (NumPy arrays, one per output) to the metrics."""
        for index, _, metric in self.metrics:
            metric.update_state(ys[index], y_preds[index], sample_weight=sample_weight)

    def all_metrics(self):
        """The Metric objects in log order: loss, per-output losses, compiled metrics."""
        return [self.loss_tracker, *self.output_loss_trackers, *(metric for _, _, metric in self.metrics)]

    def result(self):
        """Keras's logs: ``loss`` first, then per-output losses, then metrics, as Python floats."""
        logs = {"loss": float(self.loss_tracker.result())}
        for tracker in self.output_loss_trackers:
            logs[tracker.name] = float(tracker.result())
        for _, name, metric in self.metrics:
            logs[name] = float(xp.asarray(metric.result()))
        return logs
