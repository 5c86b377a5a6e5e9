"""VGG16 (Simonyan and Zisserman, 2015) with Keras's constructor, layer names and weight layout.

>>> from striate.applications import VGG16
>>> model = VGG16(weights=None, include_top=False, input_shape=(32, 32, 3), pooling="avg")
>>> model.output_shape, model.count_params()
((None, 512), 14714688)
"""

from striate import layers
from striate.applications import imagenet
from striate.models import Model

__all__ = ["VGG16", "preprocess_input"]

_FILES = ("vgg16_weights_tf_dim_ordering_tf_kernels.h5", "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5")


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,  # noqa: N802
          classes=1000, classifier_activation="softmax", name="vgg16"):
    """The 16-layer VGG network: five blocks of 3x3 'same' convs with ReLU and 2x2 max pooling, then three dense layers.

    Blocks of 2, 2, 3, 3, 3 convs with 64, 128, 256, 512, 512 filters
    (``block1_conv1`` ... ``block5_pool``), then ``flatten``, ``fc1`` and ``fc2`` (4096
    ReLU units each) and ``predictions``. Parameters: 14,714,688 in the convs, and
    with the top at 224x224 138,357,544 in all.

    Args:
        include_top: whether to add the three dense layers (then the input must be static).
        weights: None (random), the path of a Keras weights file (the application's
            ``.h5``, or a ``.weights.h5`` of the same architecture), or 'imagenet', which
            raises an error naming the file to download (striate downloads nothing).
        input_tensor: optional symbolic tensor to use as the input.
        input_shape: ``(H, W, C)``, at least 32x32; default ``(224, 224, 3)`` with the top,
            ``(None, None, 3)`` without.
        pooling: without the top: None (the ``(H/32, W/32, 512)`` maps), 'avg' or 'max'.
        classes: outputs of ``predictions``.
        classifier_activation: activation of ``predictions`` (None for logits; with
            pretrained weights only None or 'softmax').
        name: the model's name.

    Input shape: ``(N, H, W, 3)``, images preprocessed by :func:`preprocess_input`.
    Output shape: ``(N, classes)`` with the top; else ``(N, H/32, W/32, 512)`` or ``(N, 512)``.

    Raises:
        ValueError: as Keras, for bad ``weights``, ``classes``, ``input_shape`` or ``pooling``.
    """
    label = "VGG16"
    imagenet.check_weights(weights, include_top, classes, label)
    imagenet.check_pooling(pooling, label)
    shape = imagenet.obtain_input_shape(input_shape, 224, 32, include_top, weights, label)
    if weights == "imagenet":
        raise imagenet.imagenet_error(label, _FILES[0 if include_top else 1], "vgg16")
    inputs = imagenet.model_input(input_tensor, shape, label)
    x = inputs
    for block, (convs, filters) in enumerate(((2, 64), (2, 128), (3, 256), (3, 512), (3, 512)), start=1):
        for i in range(1, convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same", name=f"block{block}_conv{i}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        imagenet.validate_activation(classifier_activation, weights, label)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    return imagenet.load_weights(Model(inputs, x, name=name), weights)


def preprocess_input(x, data_format=None):
    """VGG16's preprocessing ('caffe'): RGB -> BGR, minus the ImageNet mean pixel; see
    :func:`striate.applications.imagenet.preprocess_input`."""
    return imagenet.preprocess_input(x, data_format, mode="caffe")
