"""MobileNetV2 (Sandler et al., 2018) with Keras's constructor (``alpha`` included), layer names and weights.

>>> from striate.applications import MobileNetV2
>>> model = MobileNetV2(weights=None, input_shape=(32, 32, 3), include_top=False, pooling="avg")
>>> model.output_shape, model.count_params(), model.name
((None, 1280), 2257984, 'mobilenetv2_1.00_32')
"""

from striate import layers
from striate.applications import imagenet
from striate.models import Model

__all__ = ["MobileNetV2", "preprocess_input"]

_SIZES = (96, 128, 160, 192, 224)
_ALPHAS = (0.35, 0.50, 0.75, 1.0, 1.3, 1.4)
_BN = {"epsilon": 1e-3, "momentum": 0.999}
# (filters, stride, expansion) of the 17 inverted residual blocks.
_BLOCKS = [(16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6), (64, 1, 6),
           (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6),
           (320, 1, 6)]


def _make_divisible(v, divisor=8):
    """``v`` rounded to a multiple of ``divisor`` (at least ``divisor``), never more than 10 % below ``v``."""
    new = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new + divisor if new < 0.9 * v else new


def _correct_pad(shape, kernel=3):
    """Keras's zero padding before a stride-2 'valid' conv: one less before on an even side."""
    adjust = (1, 1) if shape[0] is None else (1 - shape[0] % 2, 1 - shape[1] % 2)
    k = kernel // 2
    return ((k - adjust[0], k), (k - adjust[1], k))


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    """Expand (1x1, ReLU6) -> depthwise 3x3 (ReLU6) -> project (1x1, linear), plus the input when shapes allow."""
    channels = inputs.shape[-1]
    pointwise = _make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_"
    if block_id:
        x = layers.Conv2D(expansion * channels, 1, padding="same", use_bias=False, name=f"{prefix}expand")(x)
        x = layers.BatchNormalization(**_BN, name=f"{prefix}expand_BN")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=_correct_pad(x.shape[1:3]), name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(3, strides=stride, use_bias=False, padding="same" if stride == 1 else "valid",
                               name=f"{prefix}depthwise")(x)
    x = layers.BatchNormalization(**_BN, name=f"{prefix}depthwise_BN")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    x = layers.Conv2D(pointwise, 1, padding="same", use_bias=False, name=f"{prefix}project")(x)
    x = layers.BatchNormalization(**_BN, name=f"{prefix}project_BN")(x)
    if channels == pointwise and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True, weights="imagenet", input_tensor=None,  # noqa: N802
                pooling=None, classes=1000, classifier_activation="softmax", name=None):
    """MobileNetV2: a 3x3/2 conv, 17 inverted residual blocks with depthwise convs and ReLU6, a 1x1 conv to 1280.

    Args:
        input_shape: ``(H, W, C)``, at least 32x32; default ``(224, 224, 3)`` (with
            ImageNet weights ``H = W`` in 96, 128, 160, 192, 224).
        alpha: width multiplier: every layer's filters times ``alpha`` (rounded to a
            multiple of 8); the last conv keeps 1280 unless ``alpha > 1``.
        include_top: whether to end with global average pooling and ``predictions``.
        weights: None, the path of a Keras weights file, or 'imagenet' (an error naming
            the file to download: striate downloads nothing).
        input_tensor: optional symbolic tensor to use as the input.
        pooling: without the top: None (the ``(H/32, W/32, 1280)`` maps), 'avg' or 'max'.
        classes: outputs of ``predictions``.
        classifier_activation: activation of ``predictions`` (None for logits).
        name: default ``mobilenetv2_{alpha:.2f}_{rows}``, ``rows`` the input's height (224
            for ImageNet weights unless the input is square with a size they exist for).

    Input shape: ``(N, H, W, 3)`` preprocessed by :func:`preprocess_input` (to ``[-1, 1]``).
    Output shape: ``(N, classes)`` with the top; else ``(N, H/32, W/32, 1280)`` or ``(N, 1280)``.
    Parameters (alpha 1): 2,257,984 without the top, 3,538,984 with 1000 classes.

    Raises:
        ValueError: as Keras, for bad ``weights``, ``classes``, ``alpha``, ``input_shape``
            or ``pooling``.
    """
    label = "MobileNetV2"
    imagenet.check_weights(weights, include_top, classes, label)
    imagenet.check_pooling(pooling, label)
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or alpha <= 0:
        raise ValueError(f"{label}: alpha must be a positive number, got {alpha!r}")
    given = input_shape if input_shape is not None else (None if input_tensor is None else input_tensor.shape[1:])
    default = given[0] if given is not None and len(given) == 3 and given[0] == given[1] and given[0] in _SIZES \
        else 224
    shape = imagenet.obtain_input_shape(input_shape, default, 32, include_top, weights, label)
    rows = shape[0]
    if weights == "imagenet":
        rows = rows if rows == shape[1] and rows in _SIZES else 224
        if alpha not in _ALPHAS:
            raise ValueError(f"{label}: ImageNet weights exist for alpha in {_ALPHAS} only, got alpha={alpha}")
        top = "" if include_top else "_no_top"
        raise imagenet.imagenet_error(label, f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_"
                                             f"{rows}{top}.h5", "mobilenet_v2")
    inputs = imagenet.model_input(input_tensor, shape, label)
    x = layers.Conv2D(_make_divisible(32 * alpha, 8), 3, strides=(2, 2), padding="same", use_bias=False,
                      name="Conv1")(inputs)
    x = layers.BatchNormalization(**_BN, name="bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
        x = _inverted_res_block(x, expansion, stride, alpha, filters, block_id)
    last = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last, 1, use_bias=False, name="Conv_1")(x)
    x = layers.BatchNormalization(**_BN, name="Conv_1_bn")(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        imagenet.validate_activation(classifier_activation, weights, label)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    model = Model(inputs, x, name=name or f"mobilenetv2_{alpha:0.2f}_{rows}")
    return imagenet.load_weights(model, weights)


def preprocess_input(x, data_format=None):
    """MobileNetV2's preprocessing ('tf'): pixels in ``[0, 255]`` scaled to ``[-1, 1]``."""
    return imagenet.preprocess_input(x, data_format, mode="tf")
