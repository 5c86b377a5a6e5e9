"""Argument checks shared by the reference models."""

__all__ = ["check_image_shape", "check_num_classes", "check_pooling"]


def check_image_shape(input_shape, model, allow_unknown=False):
    """``input_shape`` as a tuple ``(H, W, C)`` of positive ints (None for H, W when ``allow_unknown``).

    Raises:
        ValueError: naming the model and the shape received.
    """
    try:
        shape = tuple(input_shape)
    except TypeError:
        shape = None
    ok = shape is not None and len(shape) == 3 and all(
        (n is None and allow_unknown and i < 2) or (isinstance(n, int) and not isinstance(n, bool) and n > 0)
        for i, n in enumerate(shape))
    if not ok:
        unknown = " (height and width may be None)" if allow_unknown else ""
        raise ValueError(f"{model}: input_shape must be (height, width, channels) of positive ints{unknown}, "
                         f"got {input_shape!r}")
    return shape


def check_num_classes(num_classes, model):
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"{model}: num_classes must be a positive int, got {num_classes!r}")
    return num_classes


def check_pooling(pooling, include_top, model):
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"{model}: pooling must be None, 'avg' or 'max', got {pooling!r}")
    if pooling is not None and include_top:
        raise ValueError(f"{model}: pooling={pooling!r} applies only with include_top=False")
    return pooling
