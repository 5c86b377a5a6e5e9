"""ResNet50 (He et al., 2016) with Keras's constructor, layer names and weight layout.

>>> from striate.applications import ResNet50
>>> model = ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3), pooling="avg")
>>> model.output_shape, model.count_params()
((None, 2048), 23587712)
"""

from striate import layers
from striate.applications import imagenet
from striate.models import Model

__all__ = ["ResNet50", "preprocess_input"]

_FILES = ("resnet50_weights_tf_dim_ordering_tf_kernels.h5", "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5")
_BN = {"axis": 3, "epsilon": 1.001e-5}


def _block(x, filters, stride=1, conv_shortcut=True, name=None):
    """The bottleneck block: 1x1 (stride) -> 3x3 -> 1x1 to ``4 * filters``, plus a shortcut, then ReLU."""
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = layers.BatchNormalization(**_BN, name=f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = layers.BatchNormalization(**_BN, name=f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.Conv2D(filters, 3, padding="same", name=f"{name}_2_conv")(x)
    x = layers.BatchNormalization(**_BN, name=f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = layers.BatchNormalization(**_BN, name=f"{name}_3_bn")(x)
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def _stack(x, filters, blocks, stride1=2, name=None):
    x = _block(x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = _block(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def ResNet50(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,  # noqa: N802
             classes=1000, classifier_activation="softmax", name="resnet50"):
    """The 50-layer residual network (v1: batch norm after each conv, ReLU after the addition).

    ``conv1`` (7x7/2, 64) and a 3x3/2 max pool, then four stacks of bottleneck blocks
    (3, 4, 6, 3 blocks of 64, 128, 256, 512 filters, widened 4x by the last 1x1 conv;
    each stack but the first starts with stride 2), named as in Keras
    (``conv2_block1_1_conv`` ... ``conv5_block3_out``). Batch norms use ``epsilon=1.001e-5``.
    Parameters: 23,587,712 without the top, 25,636,712 with 1000 classes.

    Args:
        include_top: whether to end with global average pooling and ``predictions``.
        weights: None, the path of a Keras weights file, or 'imagenet' (an error naming
            the file to download: striate downloads nothing).
        input_tensor: optional symbolic tensor to use as the input.
        input_shape: ``(H, W, C)``, at least 32x32; default ``(224, 224, 3)`` with the top,
            ``(None, None, 3)`` without.
        pooling: without the top: None (the ``(H/32, W/32, 2048)`` maps), 'avg' or 'max'.
        classes: outputs of ``predictions``.
        classifier_activation: activation of ``predictions`` (None for logits).
        name: the model's name.

    Input shape: ``(N, H, W, 3)``, preprocessed by :func:`preprocess_input`.
    Output shape: ``(N, classes)`` with the top; else ``(N, H/32, W/32, 2048)`` or ``(N, 2048)``.

    Raises:
        ValueError: as Keras, for bad ``weights``, ``classes``, ``input_shape`` or ``pooling``.
    """
    label = "ResNet50"
    imagenet.check_weights(weights, include_top, classes, label)
    imagenet.check_pooling(pooling, label)
    shape = imagenet.obtain_input_shape(input_shape, 224, 32, include_top, weights, label)
    if weights == "imagenet":
        raise imagenet.imagenet_error(label, _FILES[0 if include_top else 1], "resnet")
    inputs = imagenet.model_input(input_tensor, shape, label)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(inputs)
    x = layers.Conv2D(64, 7, strides=2, use_bias=True, name="conv1_conv")(x)
    x = layers.BatchNormalization(**_BN, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = _stack(x, 64, 3, stride1=1, name="conv2")
    x = _stack(x, 128, 4, name="conv3")
    x = _stack(x, 256, 6, name="conv4")
    x = _stack(x, 512, 3, name="conv5")
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        imagenet.validate_activation(classifier_activation, weights, label)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    return imagenet.load_weights(Model(inputs, x, name=name), weights)


def preprocess_input(x, data_format=None):
    """ResNet50's preprocessing ('caffe'): RGB -> BGR, minus the ImageNet mean pixel."""
    return imagenet.preprocess_input(x, data_format, mode="caffe")
