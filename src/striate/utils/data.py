"""Array helpers for labels and splits: one-hot labels, L-p normalisation, a
seeded (stratified) train/test split.

These run on the host on plain NumPy arrays, before data becomes Tensors, as
``keras.utils`` does; that is why they use NumPy directly.

>>> import numpy as np
>>> from striate.utils.data import to_categorical
>>> to_categorical([0, 2], num_classes=3)
array([[1., 0., 0.],
       [0., 0., 1.]], dtype=float32)
"""

import numpy as np

from striate.utils.seeding import rng_from_seed

__all__ = ["to_categorical", "normalize", "train_test_split"]


def _integer_labels(y, caller):
    """``y`` as int64, refusing fractions, NaN and non-numbers (Keras would truncate)."""
    array = np.asarray(y)
    if array.dtype.kind in "iub":
        return array.astype(np.int64)
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)) or np.any(array != np.round(array)):
            raise ValueError(f"{caller}: labels must be whole numbers, got non-integral values")
        return array.astype(np.int64)
    raise TypeError(f"{caller}: labels must be integers, got dtype {array.dtype}")


def to_categorical(y, num_classes=None, dtype="float32"):
    """One-hot encode integer class labels, as ``keras.utils.to_categorical``.

    Shape rule (Keras's): a trailing axis of length 1 is dropped before a new
    last axis of length ``num_classes`` is added, so ``(N,)`` and ``(N, 1)``
    both give ``(N, num_classes)`` and a scalar gives ``(num_classes,)``.

    Args:
        y: integer labels of any shape (floats with whole values are accepted).
        num_classes: the number of classes; None means ``max(y) + 1``.
        dtype: the output dtype (Keras 2's argument), float32 by default.

    Returns:
        A ``dtype`` array of shape ``y.shape (without a trailing 1) + (num_classes,)``.

    Raises:
        TypeError: when ``y`` is not numeric.
        ValueError: for negative labels, labels ``>= num_classes``, fractional
            labels, ``num_classes < 1`` or empty ``y`` without ``num_classes``.

    >>> to_categorical([[1], [0]]).shape
    (2, 2)
    """
    labels = _integer_labels(y, "to_categorical")
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    flat = labels.reshape(-1)  # (M,)
    if flat.size and flat.min() < 0:
        raise ValueError(f"to_categorical: labels must be non-negative, got {int(flat.min())}")
    if num_classes is None:
        if flat.size == 0:
            raise ValueError("to_categorical: cannot infer num_classes from empty labels; pass num_classes")
        num_classes = int(flat.max()) + 1
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)):
        raise TypeError(f"to_categorical: num_classes must be an int, got {type(num_classes).__name__}")
    if num_classes < 1:
        raise ValueError(f"to_categorical: num_classes must be >= 1, got {num_classes}")
    if flat.size and flat.max() >= num_classes:
        raise ValueError(f"to_categorical: label {int(flat.max())} is out of range for "
                         f"num_classes={num_classes} (labels must be < num_classes)")
    one_hot = np.zeros((flat.size, int(num_classes)), dtype=dtype)  # (M, num_classes)
    one_hot[np.arange(flat.size), flat] = 1
    return one_hot.reshape(tuple(shape) + (int(num_classes),))


def normalize(x, axis=-1, order=2):
    """Divide ``x`` by its L-``order`` norm along ``axis``, as ``keras.utils.normalize``.

    Zero-norm slices are left as they are (their norm is taken as 1), so no NaN
    appears. To scale pixel values instead, write ``x / 255.0`` or
    ``x / 127.5 - 1`` (Keras's ``Rescaling`` formula).

    Args:
        x: a float array (ints are converted to float32).
        axis: the axis along which to normalise.
        order: the norm's order, as ``numpy.linalg.norm``'s ``ord`` (2 = Euclidean).

    Returns:
        An array of ``x``'s shape.

    Raises:
        ValueError: when ``axis`` is out of range for ``x``.

    >>> normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    array([[0.6, 0.8],
           [0. , 0. ]])
    """
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float32)
    if x.ndim == 0 or not -x.ndim <= axis < x.ndim:
        raise ValueError(f"normalize: axis {axis} is out of range for an array of shape {x.shape}")
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    norm[norm == 0] = 1
    return x / norm.astype(x.dtype, copy=False)


def _test_count(test_size, n):
    if isinstance(test_size, bool) or not isinstance(test_size, (int, np.integer, float, np.floating)):
        raise TypeError(f"train_test_split: test_size must be an int or a float, got {type(test_size).__name__}")
    if isinstance(test_size, (float, np.floating)):
        if not 0.0 < test_size < 1.0:
            raise ValueError(f"train_test_split: a float test_size must be in (0, 1), got {test_size}")
        count = int(np.ceil(test_size * n))  # scikit-learn's rounding for the test part
    else:
        count = int(test_size)
    if not 1 <= count <= n - 1:
        raise ValueError(f"train_test_split: test_size={test_size} leaves an empty train or test "
                         f"part of {n} samples")
    return count


def _stratified_quotas(counts, n_test):
    """Test samples per class: proportional, whole, summing to ``n_test``
    (largest remainder; ties go to the smaller class label)."""
    n = counts.sum()
    quotas = n_test * counts // n
    remainders = n_test * counts % n  # exact integers: no float rounding
    short = n_test - quotas.sum()
    quotas[np.argsort(-remainders, kind="stable")[:short]] += 1
    return quotas


def train_test_split(x, y, test_size=0.2, seed=None, stratify=True):
    """Split ``x`` and ``y`` into a train and a test part, seeded and by default stratified.

    The recipe, exactly (so results can be reproduced and stated):

    1. ``rng = numpy.random.default_rng(seed)`` (``seed=None``: striate's global
       generator). ``n_test = test_size`` if an int, else ``ceil(test_size * N)``.
    2. Stratified: for the classes ``numpy.unique(y)`` (ascending) with counts
       ``n_c``, class ``c`` gives ``floor(n_test * n_c / N)`` test samples, and the
       ones still missing go one each to the classes with the largest remainder
       ``n_test * n_c mod N`` (ties: smaller label first). Then, class by class
       in ascending order, ``perm = rng.permutation(indices of c in ascending
       order)``; the first quota of ``perm`` goes to test, the rest to train.
       Finally ``train = rng.permutation(train)`` and then ``test =
       rng.permutation(test)``, so neither part is sorted by class.
    3. Not stratified: ``perm = rng.permutation(N)``; ``test = perm[:n_test]``,
       ``train = perm[n_test:]``.

    Args:
        x: array of N samples (first axis).
        y: N labels; for ``stratify=True`` integer class labels of shape (N,) or (N, 1).
        test_size: the test part's size: an int count or a float fraction in (0, 1).
        seed: None, an int or a ``numpy.random.Generator`` (see ``rng_from_seed``).
        stratify: keep each class's proportion in both parts.

    Returns:
        ``(x_train, y_train), (x_test, y_test)`` as in ``keras.datasets.*.load_data()``:
        copies with ``N - n_test`` and ``n_test`` samples.

    Raises:
        ValueError: when ``x`` and ``y`` differ in length, or ``test_size`` leaves
            a part empty, or stratified labels are not integer class ids.
        TypeError: for a ``test_size`` or ``seed`` of the wrong type.

    >>> x = np.arange(10).reshape(10, 1); y = np.array([0] * 5 + [1] * 5)
    >>> (x_tr, y_tr), (x_te, y_te) = train_test_split(x, y, test_size=4, seed=0)
    >>> x_tr.shape, np.bincount(y_te).tolist()
    ((6, 1), [2, 2])
    """
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim == 0 or y.ndim == 0 or len(x) != len(y):
        raise ValueError(f"train_test_split: x and y must have the same length, got shapes {x.shape} and {y.shape}")
    n = len(x)
    n_test = _test_count(test_size, n)
    rng = rng_from_seed(seed, "train_test_split")
    if not stratify:
        perm = rng.permutation(n)
        test_idx, train_idx = perm[:n_test], perm[n_test:]
    else:
        if y.ndim > 2 or (y.ndim == 2 and y.shape[1] != 1):
            raise ValueError(f"train_test_split: stratify=True needs class ids of shape (N,) or (N, 1), "
                             f"got {y.shape}; use stratify=False for other targets")
        labels = _integer_labels(y, "train_test_split").reshape(-1)  # (N,)
        classes, counts = np.unique(labels, return_counts=True)
        quotas = _stratified_quotas(counts, n_test)
        train_parts, test_parts = [], []
        for c, quota in zip(classes, quotas):
            perm = rng.permutation(np.flatnonzero(labels == c))
            test_parts.append(perm[:quota])
            train_parts.append(perm[quota:])
        train_idx = rng.permutation(np.concatenate(train_parts))
        test_idx = rng.permutation(np.concatenate(test_parts))
    return (x[train_idx], y[train_idx]), (x[test_idx], y[test_idx])
