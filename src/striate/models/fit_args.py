"""The checks of ``fit``/``evaluate``/``predict`` arguments, and the class-weight rule.

Every check runs before any batch, so a bad argument raises with nothing changed.

>>> check_verbose("auto")
1
>>> split_validation([host.arange(10.0)], [host.arange(10)], None, 10, 0.25)[3]   # Keras: 7 train + 3 validate
7
"""

import math
import numbers

from striate.backend import host
from striate.models.data import take

__all__ = ["check_verbose", "check_callbacks", "check_epochs", "check_fit_flags", "split_validation",
           "class_weigher", "apply_class_weight", "logs_as_result"]


def check_verbose(verbose):
    """``verbose`` as 0, 1 or 2 (``'auto'`` is 1)."""
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 'auto', 0, 1 or 2, got {verbose!r}")
    return int(verbose)


def check_callbacks(callbacks):
    if callbacks is not None and not isinstance(callbacks, (list, tuple)):
        raise TypeError(f"callbacks must be a list of striate.callbacks.Callback instances, "
                        f"got a {type(callbacks).__name__}; wrap it in a list")
    return callbacks


def check_epochs(epochs, initial_epoch):
    for name, value in (("epochs", epochs), ("initial_epoch", initial_epoch)):
        if isinstance(value, bool) or not isinstance(value, (int, host.integer)) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")


def check_fit_flags(validation_freq, shuffle, validation_split):
    """The rest of ``fit``'s scalar arguments."""
    if isinstance(validation_freq, bool) or not isinstance(validation_freq, numbers.Integral) \
            or validation_freq <= 0:
        raise ValueError(f"validation_freq must be a positive integer (validate every that many epochs), "
                         f"got {validation_freq!r}")
    if not isinstance(shuffle, (bool, host.bool_)):
        raise ValueError(f"shuffle must be True or False, got {shuffle!r}")
    if not isinstance(validation_split, (int, float)) or not 0 <= validation_split < 1:
        raise ValueError(f"validation_split must be a number in [0, 1), got {validation_split!r}")


def _take(arrays, index):
    return None if arrays is None else take(arrays, index)


def split_validation(xs, ys, sample_weight, n, validation_split):
    """Keras's rule: the first ``floor(n * (1 - split))`` samples train, the rest validate
    (taken before any shuffling).

    Returns:
        ``(xs, ys, sample_weight, n_train, (x_val, y_val, sw_val))``.
    """
    split = int(math.floor(n * (1.0 - validation_split)))
    if split <= 0 or split >= n:
        raise ValueError(f"validation_split={validation_split} leaves no samples for training or "
                         f"validation out of {n}")
    train, held_out = slice(0, split), slice(split, n)
    val = (_take(xs, held_out), _take(ys, held_out), None if sample_weight is None else sample_weight[held_out])
    return _take(xs, train), _take(ys, train), None if sample_weight is None else sample_weight[train], split, val


def class_weigher(class_weight):
    """For streamed data: a function ``(ys, sample_weight) -> sample_weight`` applying
    ``class_weight`` per batch (the dict is checked here, up front), or None."""
    if class_weight is None:
        return None
    apply_class_weight(class_weight, host.zeros(1, dtype=host.int64), None)
    return lambda ys, sample_weight: apply_class_weight(class_weight, ys[0], sample_weight)


def logs_as_result(logs, return_dict):
    """Keras's return value: the dict itself, or its values (a lone value unwrapped)."""
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def apply_class_weight(class_weight, y, sample_weight):
    """Multiply per-class weights into the sample weights (class = label id or argmax of one-hot).

    Args:
        class_weight: dict class id -> finite non-negative weight, or None.
        y: targets ``(N,)``, ``(N, 1)`` or one-hot ``(N, classes)``.
        sample_weight: ``(N,)`` or None.
    """
    if class_weight is None:
        return sample_weight
    if y is None:
        raise ValueError("class_weight needs targets, but y is None")
    if not isinstance(class_weight, dict):
        raise TypeError(f"class_weight must be a dict {{class id: weight}}, got {type(class_weight).__name__}")
    for cls, weight in class_weight.items():
        if isinstance(cls, bool) or not isinstance(cls, numbers.Integral) or cls < 0:
            raise ValueError(f"class_weight keys must be class ids (integers >= 0), got {cls!r}")
        if isinstance(weight, bool) or not isinstance(weight, numbers.Real) or not math.isfinite(weight) or weight < 0:
            raise ValueError(f"class_weight[{cls}] must be a finite non-negative number, got {weight!r}")
    if not class_weight:
        return sample_weight
    labels = y.argmax(axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y), -1)[:, 0].round().astype(int)
    table = host.ones(int(max(max(class_weight), labels.max())) + 1, dtype=host.float32)  # host data
    for cls, weight in class_weight.items():
        table[int(cls)] = float(weight)
    weights = table[labels]
    return weights if sample_weight is None else weights * sample_weight
