"""Data at the boundary of fit/evaluate/predict: checked once, up front, then batched.

Every check runs before any weight changes, so bad data raises a clear error
and leaves the model as it was. Casts (documented, as Keras does them): bool and
integer inputs become ``floatx()`` floats; float16/float64 inputs become
``floatx()``; a 1-D ``x`` for a model whose samples are ``(1,)`` gains that axis.
"""

import numbers

from striate import backend
from striate.backend import host

__all__ = ["as_array_list", "check_inputs", "check_targets", "check_lengths", "check_batch_size",
           "check_sample_weight", "check_steps", "batch_slices", "take"]


def as_array_list(data, names, what):
    """``data`` (an array, a list of arrays or a dict by name) as a list ordered like ``names``.

    Raises:
        ValueError: for a wrong number of arrays or unknown/missing names.
        TypeError: for data that is not an array-like.
    """
    if data is None:
        raise ValueError(f"{what} is None; pass NumPy arrays")
    if isinstance(data, dict):
        missing = [n for n in names if n not in data]
        if missing:
            raise ValueError(f"{what} is a dict without entries for {missing}; expected keys {names}")
        return [_to_numeric(data[n], f"{what}[{n!r}]") for n in names]
    if isinstance(data, (list, tuple)) and len(names) == 1 and len(data) == 1 and hasattr(data[0], "shape"):
        data = data[0]  # [x] for a one-input model, as Keras accepts (a list of arrays is a list of inputs)
    if isinstance(data, (list, tuple)) and len(names) > 1:
        if len(data) != len(names):
            raise ValueError(f"{what} has {len(data)} arrays but the model has {len(names)} ({names})")
        return [_to_numeric(d, f"{what}[{i}]") for i, d in enumerate(data)]
    return [_to_numeric(data, what)]


def _to_numeric(value, what):
    """``value`` as a host NumPy array: fit/evaluate/predict keep their data on the host and move
    each batch to the device (``EpochIterator``); device arrays are brought back here."""
    if hasattr(value, "numpy") and not isinstance(value, host.ndarray):
        value = value.numpy()
    elif isinstance(value, backend.xp.ndarray) and not isinstance(value, host.ndarray):
        value = backend.to_host(value)
    try:
        array = host.asarray(value)
    except (ValueError, TypeError) as error:
        raise TypeError(f"{what} could not be read as an array ({error})") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{what} must hold numbers (bool, int or float), got dtype {array.dtype}")
    return array


def check_inputs(arrays, expected_shapes, names, model_name, what="x"):
    """Cast inputs to floats and check them against the model's input shapes.

    Args:
        arrays: list of arrays, one per model input.
        expected_shapes: per input, the shape with batch axis ``None`` (or None if unknown).

    Returns:
        The list of float arrays.

    Raises:
        ValueError: empty data, NaN/inf, or samples of the wrong shape.
    """
    out = []
    for array, shape, name in zip(arrays, expected_shapes, names):
        label = what if len(names) == 1 else f"{what} for input {name!r}"
        _check_samples(array, label)
        if shape is not None:
            if array.ndim == 1 and len(shape) == 2 and shape[1] == 1:
                array = array[:, None]  # (N,) -> (N, 1)
            sample = tuple(shape[1:])
            if array.ndim != len(shape) or any(e is not None and e != g for e, g in zip(sample, array.shape[1:])):
                raise ValueError(f"Model {model_name!r}: input {name!r} expects samples of shape {sample}, "
                                 f"but {label} has shape {array.shape} (samples of shape {array.shape[1:]})")
        out.append(array.astype(backend.floatx(), copy=False))
    return out


def _check_samples(array, label):
    """Raise ValueError, naming ``label``, for an array without samples or with NaN/inf."""
    if array.ndim == 0 or array.shape[0] == 0:
        raise ValueError(f"{label} is empty (shape {array.shape}); need at least one sample")
    if array.dtype.kind == "f" and not host.isfinite(array).all():
        bad = tuple(int(i) for i in host.argwhere(~host.isfinite(array))[0])
        raise ValueError(f"{label} contains NaN or infinite values (first at index {bad})")


def check_targets(arrays, output_shapes, loss_identifiers, names, model_name, what="y"):
    """Check targets against the outputs and the losses that will read them.

    Integer class labels stay integers (sparse losses); everything else becomes floats.
    ``what`` names the argument in errors (``'y'``, or ``'y_val'`` for validation data).

    Raises:
        ValueError: NaN/inf, the wrong width for one-hot labels, class ids out of range,
            or targets whose shape does not fit the output.
    """
    out = []
    for y, shape, loss_id, name in zip(arrays, output_shapes, loss_identifiers, names):
        label = what if len(names) == 1 else f"{what} for output {name!r}"
        _check_samples(y, label)
        kind = _loss_kind(loss_id)
        width = None if shape is None else shape[-1]
        if kind == "sparse":
            y = _check_class_ids(y, width, label, loss_id)
        else:
            if kind == "categorical" and width is not None and (y.ndim < 2 or y.shape[-1] != width):
                hint = (" (these look like integer class ids: use loss='sparse_categorical_crossentropy' or "
                        "striate.utils.to_categorical)" if y.ndim == 1 else "")
                raise ValueError(f"Model {model_name!r}: {label} has shape {y.shape}, but categorical_crossentropy "
                                 f"needs one-hot rows of width {width} (the output's size){hint}")
            if kind == "binary" and ((y < 0) | (y > 1)).any():
                raise ValueError(f"{label} must hold values in [0, 1] for binary_crossentropy, "
                                 f"got min {y.min()}, max {y.max()}")
            if shape is not None and kind != "categorical":
                _check_fits(y, shape, label, model_name)
            y = y.astype(backend.floatx(), copy=False)
        out.append(y)
    return out


def _loss_kind(loss_id):
    name = loss_id if isinstance(loss_id, str) else getattr(loss_id, "name", None) or getattr(loss_id, "__name__", "")
    name = str(name).lower()
    if "sparse_categorical" in name:
        return "sparse"
    if "categorical_crossentropy" in name or name == "categoricalcrossentropy":
        return "categorical"
    if "binary_crossentropy" in name or name == "binarycrossentropy":
        return "binary"
    return "other"


def _check_class_ids(y, width, label, loss_id):
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.dtype.kind == "f":
        if not (y == host.round(y)).all():
            raise ValueError(f"{label} must hold integer class ids for sparse_categorical_crossentropy, "
                             f"got non-integer values such as {y[y != host.round(y)][0]}")
    y = y.astype(host.int64, copy=False)
    if width is not None and y.size and (y.min() < 0 or y.max() >= width):
        raise ValueError(f"{label} holds class ids outside [0, {width}) (min {y.min()}, max {y.max()}); "
                         f"the model's output has {width} classes")
    return y


def _check_fits(y, shape, label, model_name):
    sample = tuple(shape[1:])
    got = tuple(y.shape[1:])
    if got == sample or (sample == (1,) and got == ()):
        return
    if len(got) == len(sample) and all(e is None or e == g for e, g in zip(sample, got)):
        return
    raise ValueError(f"Model {model_name!r}: {label} has samples of shape {got}, but the output "
                     f"gives samples of shape {sample}")


def check_lengths(xs, ys=None, sample_weight=None, labels=("x", "y")):
    """The common number of samples.

    ``labels`` names x and y in errors (``('x_val', 'y_val')`` for validation data).

    Raises:
        ValueError: when arrays disagree on the number of samples.
    """
    x_label, y_label = labels
    labelled = [(x_label, len(a)) for a in xs] + [(y_label, len(a)) for a in (ys or [])]
    if sample_weight is not None:
        labelled.append(("sample_weight", len(sample_weight)))
    counts = {n for _, n in labelled}
    if len(counts) > 1:
        detail = ", ".join(f"{label}: {n}" for label, n in labelled)
        raise ValueError(f"{x_label} and {y_label} must have the same number of samples, got {detail}")
    return counts.pop()


def check_batch_size(batch_size, default=32):
    """A positive int batch size (``None`` means ``default``).

    Raises:
        ValueError: for zero, negative or non-integer values.
    """
    if batch_size is None:
        return default
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    return int(batch_size)


def check_steps(steps, name):
    """``steps`` as a positive int, or None (all of the data).

    Raises:
        ValueError: for zero, negative, non-integer or boolean values, naming the argument.
    """
    if steps is None:
        return None
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps <= 0:
        raise ValueError(f"{name} must be a positive integer or None, got {steps!r}")
    return int(steps)


def batch_slices(n, batch_size, order=None):
    """Index sets of consecutive batches: slices (no copy) or chunks of a permutation."""
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        yield slice(start, stop) if order is None else order[start:stop]


def take(arrays, index):
    return [a[index] for a in arrays]


def check_sample_weight(sample_weight, dtype):
    """``sample_weight`` as a 1-D array of finite non-negative numbers ``(N,)`` of ``dtype``, or None."""
    if sample_weight is None:
        return None
    sample_weight = _to_numeric(sample_weight, "sample_weight").astype(dtype, copy=False)
    if sample_weight.ndim != 1 or not host.isfinite(sample_weight).all() or (sample_weight < 0).any():
        low = float(sample_weight.min()) if sample_weight.size else None
        raise ValueError(f"sample_weight must be a 1-D array of finite non-negative numbers, "
                         f"got shape {sample_weight.shape} with minimum {low}")
    return sample_weight
