"""Cross-entropies (binary, categorical, sparse categorical) and the KL divergence.

How ``y_pred`` is read, for every cross-entropy here:

* ``from_logits=True``: ``y_pred`` holds logits. The categorical losses use the
  stable log-softmax primitive; the binary loss the stable logistic form
  ``max(x, 0) - x z + log(1 + exp(-|x|))``. Both are finite for any finite logit.
* ``from_logits=False`` and ``y_pred`` made by :func:`striate.functional.softmax`
  (categorical losses) or :func:`striate.functional.sigmoid` (binary loss): the
  activation remembered its input (``y_pred._activation``), and the loss is
  computed from those logits exactly as with ``from_logits=True``, as Keras's
  TensorFlow backend does with ``_keras_logits``. Saturated outputs (exactly 0
  or 1 in float32) then still give the exact loss and gradient, the backward
  pass skips the activation (the gradient reaches the logits directly, and
  ``y_pred`` itself gets none), and it is faster.
* otherwise ``y_pred`` holds probabilities, clipped to ``[eps, 1 - eps]`` with
  ``eps = backend.epsilon()`` (and, for the categorical losses, first divided by
  their sum), as Keras does. The gradient is 0 where the clip is active.

``from_logits=True`` on the output of a softmax/sigmoid warns (as Keras) and
treats that output as logits, as asked.

>>> import numpy as np
>>> from striate import losses
>>> print(losses.sparse_categorical_crossentropy(np.array([1, 2]),
...     np.array([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])).data.round(4))
[0.0513 2.3026]
"""

import warnings

from striate import backend
from striate import functional as F
from striate.autograd import LogSoftmax, Maximum
from striate.backend import xp
from striate.losses.loss import Loss, match_targets, mean_coefficient

__all__ = ["BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
           "KLDivergence", "binary_crossentropy", "categorical_crossentropy",
           "sparse_categorical_crossentropy", "kl_divergence"]


def _logits(y_pred, kind, from_logits, name):
    """``(tensor, is_logits)``: the logits behind a softmax/sigmoid output when there are some."""
    activation = y_pred._activation
    if activation is None or activation[0] != kind:
        return y_pred, from_logits
    if from_logits:
        warnings.warn(f"{name} received from_logits=True, but y_pred was produced by a {kind} "
                      "activation and thus does not represent logits. Was this intended?", stacklevel=4)
        return y_pred, True
    return activation[1], True


def _clipped(probabilities):
    eps = backend.epsilon()
    return F.clip(probabilities, eps, 1.0 - eps)


def _check_axis(axis, ndim, name):
    if isinstance(axis, bool) or not isinstance(axis, int) or not -ndim <= axis < ndim:
        raise ValueError(f"{name}: axis must be an int in [-{ndim}, {ndim}) for y_pred of rank {ndim}, "
                         f"got {axis!r}")
    return axis % ndim


def _move_axis_last(y_true, y_pred, axis, name):
    """Both inputs with ``axis`` moved last (a transpose), so the losses reduce over -1."""
    axis = _check_axis(axis, y_pred.ndim, name)
    if axis == y_pred.ndim - 1:
        return y_true, y_pred
    order = [i for i in range(y_pred.ndim) if i != axis] + [axis]
    if y_true.ndim == y_pred.ndim:
        y_true = y_true.transpose(order)
    return y_true, y_pred.transpose(order)


def _check_smoothing(label_smoothing, name):
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{name}: label_smoothing must be in [0, 1], got {label_smoothing!r}")
    return float(label_smoothing)


class BinaryCrossentropy(Loss):
    """Cross-entropy of binary (0/1 or soft) targets: ``-(z log p + (1 - z) log(1 - p))``, averaged over ``axis``.

    Args:
        from_logits: whether ``y_pred`` holds logits instead of probabilities
            (see the module docstring: a sigmoid output is read through its logits).
        label_smoothing: in [0, 1]; targets become ``z (1 - s) + s / 2``.
        axis: the axis averaged over (the features axis), default -1.
        reduction, name, dtype: as :class:`~striate.losses.Loss`.

    Input shape: ``y_pred`` ``(N, ..., K)`` (``(N, 1)`` or ``(N,)`` for one
    output); ``y_true`` the same, or with a trailing size-1 axis dropped/added.
    Output: a scalar, or ``(N, ...)`` per sample with ``reduction=None``.

    Raises:
        ValueError: for mismatched shapes, a bad ``axis`` or ``label_smoothing``.

    >>> import numpy as np
    >>> bce = BinaryCrossentropy(from_logits=True)
    >>> round(float(bce(np.array([[0, 1], [0, 0]]), np.array([[-18.6, 0.51], [2.94, -12.8]])).item()), 3)
    0.865
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_crossentropy", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = bool(from_logits)
        self.label_smoothing = _check_smoothing(label_smoothing, self.name)
        self.axis = axis

    def _terms(self, y_true, y_pred):
        x, is_logits = _logits(y_pred, "sigmoid", self.from_logits, self.name)
        z, x = match_targets(y_true, x, self.name)
        z, x = _move_axis_last(z, x, self.axis, self.name)
        if self.label_smoothing:
            z = z * (1.0 - self.label_smoothing) + 0.5 * self.label_smoothing
        if is_logits:
            # max(x, 0) - x z + log(1 + exp(-|x|)): no exp of a positive number. Maximum
            # gives half the gradient at a tie and |x|' is 0 at 0, so the gradient at
            # x = 0 is 0.5 - z = sigmoid(0) - z, exact there too.
            terms = Maximum.apply(x, 0.0) - x * z + F.log(F.exp(-F.abs(x)) + 1.0)
            return terms, mean_coefficient(terms), None
        p = _clipped(x)
        terms = F.log(p) * z + F.log(1.0 - p) * (1.0 - z)
        return terms, -mean_coefficient(terms), None

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class CategoricalCrossentropy(Loss):
    """Cross-entropy of one-hot (or soft) targets: ``-sum(y_true * log p, axis)``.

    Args:
        from_logits: whether ``y_pred`` holds logits instead of probabilities
            (see the module docstring: a softmax output is read through its logits).
        label_smoothing: in [0, 1]; targets become ``y (1 - s) + s / C``.
        axis: the class axis, default -1.
        reduction, name, dtype: as :class:`~striate.losses.Loss`.

    Input shape: ``y_pred`` and ``y_true`` ``(N, ..., C)``. Output: a scalar,
    or ``(N, ...)`` per sample with ``reduction=None``.

    Raises:
        ValueError: when ``y_true`` is not ``y_pred``'s shape (integer labels
            belong to :class:`SparseCategoricalCrossentropy`; a one-hot of the
            wrong width is named), a bad ``axis`` or ``label_smoothing``.

    >>> import numpy as np
    >>> cce = CategoricalCrossentropy()
    >>> round(float(cce(np.array([[0, 1, 0], [0, 0, 1]]), np.array([[0.05, 0.95, 0], [0.1, 0.8, 0.1]])).item()), 3)
    1.177
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="categorical_crossentropy", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = bool(from_logits)
        self.label_smoothing = _check_smoothing(label_smoothing, self.name)
        self.axis = axis

    def _terms(self, y_true, y_pred):
        x, is_logits = y_pred, self.from_logits
        if self.axis in (-1, y_pred.ndim - 1):  # softmax remembers its logits only over the last axis
            x, is_logits = _logits(y_pred, "softmax", self.from_logits, self.name)
        _check_one_hot(y_true, x, self.name)
        y, x = _move_axis_last(y_true.astype(x.dtype, copy=False), x, self.axis, self.name)
        if x.shape[-1] == 1:
            warnings.warn(f"{self.name}: y_pred has a single class (shape {x.shape}), so the loss is "
                          "always 0; use binary_crossentropy for two classes.", stacklevel=3)
        if self.label_smoothing:
            y = y * (1.0 - self.label_smoothing) + self.label_smoothing / y.shape[-1]
        return _log_probabilities(x, is_logits), -y, None

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


def _log_probabilities(x, is_logits):
    """log p over the last axis: log-softmax of logits, or log of normalised, clipped probabilities."""
    if is_logits:
        return LogSoftmax.apply(x, axis=-1)
    return F.log(_clipped(x / x.sum(axis=-1, keepdims=True)))


def _check_one_hot(y_true, y_pred, name):
    if y_true.shape == y_pred.shape:
        if y_true.dtype.kind not in "biuf":
            raise ValueError(f"{name}: y_true must be numeric, got dtype {y_true.dtype}")
        return
    if y_true.shape == y_pred.shape[:-1] or y_true.shape == y_pred.shape[:-1] + (1,):
        raise ValueError(f"{name}: y_true of shape {y_true.shape} looks like integer labels for y_pred of "
                         f"shape {y_pred.shape}; use sparse_categorical_crossentropy, or one-hot encode "
                         f"y_true to shape {y_pred.shape}")
    if y_true.shape[:-1] == y_pred.shape[:-1]:
        raise ValueError(f"{name}: one-hot y_true has {y_true.shape[-1]} classes but y_pred has "
                         f"{y_pred.shape[-1]} (y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape})")
    raise ValueError(f"{name}: y_true and y_pred must have the same shape, got "
                     f"y_true.shape={y_true.shape} and y_pred.shape={y_pred.shape}")


class SparseCategoricalCrossentropy(Loss):
    """Cross-entropy of integer class labels: ``-log p[label]``.

    The same as :class:`CategoricalCrossentropy` on one-hot labels; the labels
    become a constant one-hot coefficient (measured faster than gathering the
    log-probabilities by index, whose backward scatters with ``add.at``).

    Args:
        from_logits: whether ``y_pred`` holds logits instead of probabilities
            (see the module docstring: a softmax output is read through its logits).
        ignore_class: optional label (e.g. -1 or 255) whose samples count
            neither in the loss nor in the ``'sum_over_batch_size'`` divisor.
        reduction, name, dtype: as :class:`~striate.losses.Loss`.

    Input shape: ``y_pred`` ``(N, ..., C)``; ``y_true`` integer labels
    ``(N, ...)`` or ``(N, ..., 1)`` (integer-valued floats are accepted).
    Output: a scalar, or ``(N, ...)`` per sample with ``reduction=None``.

    Raises:
        ValueError: for labels of the wrong shape, non-integer labels, or labels
            outside ``[0, C)`` (other than ``ignore_class``).

    >>> import numpy as np
    >>> scce = SparseCategoricalCrossentropy()
    >>> round(float(scce(np.array([1, 2]), np.array([[0.05, 0.95, 0], [0.1, 0.8, 0.1]])).item()), 3)
    1.177
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None, axis=-1):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = bool(from_logits)
        self.ignore_class = ignore_class
        self.axis = axis

    def _terms(self, y_true, y_pred):
        x, is_logits = y_pred, self.from_logits
        if self.axis in (-1, y_pred.ndim - 1):
            x, is_logits = _logits(y_pred, "softmax", self.from_logits, self.name)
        _check_axis(self.axis, x.ndim, self.name)
        if y_true.ndim == x.ndim and y_true.shape[-1] == 1:
            y_true = y_true[..., 0]
        _, x = _move_axis_last(y_true, x, self.axis, self.name)
        labels, mask = _labels(y_true, x.shape, self.ignore_class, self.name)
        classes = x.shape[-1]
        coefficients = xp.zeros(x.shape, dtype=x.dtype)
        flat = coefficients.reshape(-1, classes)  # (M, C) view, M = prod(per-sample shape)
        flat[xp.arange(flat.shape[0]), labels.reshape(-1)] = -1.0
        if mask is not None:
            coefficients[~mask] = 0.0
        return _log_probabilities(x, is_logits), coefficients, mask

    def get_config(self):
        config = {**super().get_config(), "from_logits": self.from_logits, "ignore_class": self.ignore_class}
        if self.axis != -1:
            config["axis"] = self.axis
        return config


def _labels(y_true, logits_shape, ignore_class, name):
    """Validated integer labels of shape ``logits_shape[:-1]`` and the ``ignore_class`` mask."""
    shape, classes = logits_shape[:-1], logits_shape[-1]
    if y_true.shape != shape:
        raise ValueError(f"{name}: integer labels of shape {shape} (or {shape + (1,)}) expected for y_pred "
                         f"of shape {logits_shape}, got y_true.shape={y_true.shape}")
    if y_true.dtype.kind == "f":
        if not xp.all(xp.isfinite(y_true)) or not xp.all(y_true == xp.floor(y_true)):
            bad = y_true[~(xp.isfinite(y_true) & (y_true == xp.floor(y_true)))]
            raise ValueError(f"{name}: labels must be integers, got non-integer values such as {bad[0]!r}")
    elif y_true.dtype.kind not in "iub":
        raise ValueError(f"{name}: labels must be integers, got dtype {y_true.dtype}")
    labels = y_true.astype(xp.intp, copy=False)
    mask = None
    if ignore_class is not None:
        mask = labels != int(ignore_class)
        labels = xp.where(mask, labels, 0)
    bad = (labels < 0) | (labels >= classes)
    if xp.any(bad):
        raise ValueError(f"{name}: labels must be in [0, {classes}) for y_pred with {classes} classes, "
                         f"got {labels[bad][0]!r}")
    return labels, mask


class KLDivergence(Loss):
    """Kullback-Leibler divergence ``sum(y_true * log(y_true / y_pred), axis=-1)``.

    Both are clipped to ``[eps, 1]`` first (``eps = backend.epsilon()``), as Keras.

    Args:
        reduction, name, dtype: as :class:`~striate.losses.Loss`.

    Input shape: ``y_pred`` and ``y_true`` ``(N, ..., C)`` probability
    distributions. Output: a scalar, or ``(N, ...)`` with ``reduction=None``.

    Raises:
        ValueError: when the shapes of ``y_true`` and ``y_pred`` differ.

    >>> import numpy as np
    >>> round(float(KLDivergence()(np.array([[0.5, 0.5]]), np.array([[0.25, 0.75]])).item()), 4)
    0.1438
    """

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def _terms(self, y_true, y_pred):
        y, p = match_targets(y_true, y_pred, self.name)
        eps = backend.epsilon()
        y = xp.clip(y, eps, 1.0)
        return F.log(y / F.clip(p, eps, 1.0)) * y, 1.0, None


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample binary cross-entropy, shape ``y_pred.shape[:-1]`` (see :class:`BinaryCrossentropy`).

    >>> import numpy as np
    >>> print(binary_crossentropy(np.array([[0, 1], [0, 0]]), np.array([[0.6, 0.4], [0.4, 0.6]])).data.round(3))
    [0.916 0.714]
    """
    return BinaryCrossentropy(from_logits, label_smoothing, axis, reduction=None)(y_true, y_pred)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample categorical cross-entropy, shape ``y_pred.shape[:-1]`` (see :class:`CategoricalCrossentropy`).

    >>> import numpy as np
    >>> print(categorical_crossentropy(np.array([[0, 1, 0], [0, 0, 1]]),
    ...                                np.array([[0.05, 0.95, 0], [0.1, 0.8, 0.1]])).data.round(4))
    [0.0513 2.3026]
    """
    return CategoricalCrossentropy(from_logits, label_smoothing, axis, reduction=None)(y_true, y_pred)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Per-sample sparse categorical cross-entropy, shape ``y_pred.shape[:-1]``
    (see :class:`SparseCategoricalCrossentropy`; ignored labels give 0).

    >>> import numpy as np
    >>> print(sparse_categorical_crossentropy(np.array([0, -1]), np.zeros((2, 4)), from_logits=True,
    ...                                       ignore_class=-1).data.round(4))   # log 4, ignored
    [1.3863 0.    ]
    """
    loss = SparseCategoricalCrossentropy(from_logits, ignore_class, reduction=None, axis=axis)
    return loss(y_true, y_pred)


def kl_divergence(y_true, y_pred):
    """Per-sample KL divergence, shape ``y_pred.shape[:-1]`` (see :class:`KLDivergence`)."""
    return KLDivergence(reduction=None)(y_true, y_pred)
