"""The plain convnets of the lecture and of BENCHMARKS.md: LeCun et al. (1989), LeNet-5, the small CIFAR CNN.

Each function returns a new, uncompiled :class:`~striate.Sequential` model made
only of public layers, so ``model.summary()`` reads like the Keras code that
would build it, and the parameter counts are the ones Keras gives for the same
layers.

>>> from striate import applications
>>> applications.lecun1989().count_params()
10024
"""

from striate import layers
from striate.applications._common import check_image_shape, check_num_classes, check_pooling
from striate.models import Sequential

__all__ = ["lecun1989", "lenet5", "cifar_cnn"]


def _top_or_pooling(model, include_top, pooling, head):
    """Append the classifier ``head`` (a list of layers), or the global pooling of a feature extractor."""
    if include_top:
        for layer in head:
            model.add(layer)
    elif pooling == "avg":
        model.add(layers.GlobalAveragePooling2D(name="avg_pool"))
    elif pooling == "max":
        model.add(layers.GlobalMaxPooling2D(name="max_pool"))
    return model


def lecun1989(input_shape=(16, 16, 1), num_classes=10, activation="tanh", classifier_activation="softmax",
              include_top=True, pooling=None, name="lecun1989"):
    """The zip-code network of LeCun et al. (1989), "Backpropagation applied to handwritten zip code recognition".

    16x16 grey digit -> H1: 12 feature maps 8x8 (5x5 kernels, stride 2) -> H2: 12 maps 4x4
    (5x5, stride 2) -> H3: 30 units -> 10 outputs, tanh throughout. Each conv sees
    its input zero-padded by 2 on every side, so 16 -> (16 + 4 - 5) // 2 + 1 = 8 and
    8 -> (8 + 4 - 5) // 2 + 1 = 4, as network (b) of BENCHMARKS.md defines it.

    Differences from the paper, all deliberate: H2 is fully connected to the 12 maps
    of H1 (the paper connected each H2 map to 8 of them), every map shares one bias
    (the paper gave each unit its own), the activation is plain ``tanh`` (the paper
    scaled it, 1.7159 tanh(2x/3)), and the outputs go through ``classifier_activation``
    (softmax, for cross-entropy; pass ``"tanh"`` for the paper's output units and its
    mean-squared-error training, or None for logits).

    Parameters: 312 (H1: 5*5*1*12 + 12) + 3,612 (H2: 5*5*12*12 + 12) + 5,790
    (H3: 192*30 + 30) + 310 (output: 30*10 + 10) = **10,024**, all trainable
    (the paper's net had 9,760 free parameters).

    Args:
        input_shape: one image, channels last (default ``(16, 16, 1)``).
        num_classes: output units.
        activation: hidden activation (default ``"tanh"``).
        classifier_activation: activation of the outputs (``"softmax"``; None for logits).
        include_top: whether to add the 30-unit and output layers; without them the
            model ends at H2's feature maps (``(4, 4, 12)``), or at their global pooling.
        pooling: with ``include_top=False``: None, ``"avg"`` or ``"max"``.
        name: the model's name.

    Returns:
        An uncompiled Sequential model: ``(N, 16, 16, 1)`` -> ``(N, num_classes)``.

    Raises:
        ValueError: for a malformed ``input_shape``, ``num_classes`` or ``pooling``.

    >>> model = lecun1989()
    >>> model.output_shape, model.count_params()
    ((None, 10), 10024)
    """
    shape = check_image_shape(input_shape, "lecun1989")
    check_num_classes(num_classes, "lecun1989")
    check_pooling(pooling, include_top, "lecun1989")
    model = Sequential([
        layers.Input(shape=shape),
        layers.ZeroPadding2D(2, name="pad1"),
        layers.Conv2D(12, 5, strides=2, activation=activation, name="h1"),
        layers.ZeroPadding2D(2, name="pad2"),
        layers.Conv2D(12, 5, strides=2, activation=activation, name="h2"),
    ], name=name)
    return _top_or_pooling(model, include_top, pooling, [
        layers.Flatten(name="flatten"),
        layers.Dense(30, activation=activation, name="h3"),
        layers.Dense(num_classes, activation=classifier_activation, name="output"),
    ])


def lenet5(input_shape=(28, 28, 1), num_classes=10, activation="relu", classifier_activation="softmax",
           include_top=True, pooling=None, name="lenet5"):
    """LeNet-5 (LeCun et al., 1998) in its modern form: ReLU and max pooling, network (c) of BENCHMARKS.md.

    conv 5x5, 6 maps, 'same' (28x28x6) -> max pool 2 (14x14x6) -> conv 5x5, 16 maps,
    'valid' (10x10x16) -> max pool 2 (5x5x16) -> flatten (400) -> dense 120 -> dense 84 -> dense 10.

    Parameters: 156 (5*5*1*6 + 6) + 2,416 (5*5*6*16 + 16) + 48,120 (400*120 + 120)
    + 10,164 (120*84 + 84) + 850 (84*10 + 10) = **61,706**, all trainable.

    Args:
        input_shape: one image, channels last (default ``(28, 28, 1)``; the 1998 paper
            padded 28x28 digits to 32x32, which the first conv's 'same' padding replaces).
        num_classes: output units.
        activation: activation of the convs and the hidden dense layers (``"relu"``;
            ``"tanh"`` is closer to 1998).
        classifier_activation: activation of the outputs (``"softmax"``; None for logits).
        include_top: whether to add the dense layers; without them the model ends at
            the ``(5, 5, 16)`` feature maps, or at their global pooling.
        pooling: with ``include_top=False``: None, ``"avg"`` or ``"max"``.
        name: the model's name.

    Returns:
        An uncompiled Sequential model: ``(N, 28, 28, 1)`` -> ``(N, num_classes)``.

    Raises:
        ValueError: for a malformed ``input_shape``, ``num_classes`` or ``pooling``.

    >>> model = lenet5()
    >>> model.output_shape, model.count_params()
    ((None, 10), 61706)
    """
    shape = check_image_shape(input_shape, "lenet5")
    check_num_classes(num_classes, "lenet5")
    check_pooling(pooling, include_top, "lenet5")
    model = Sequential([
        layers.Input(shape=shape),
        layers.Conv2D(6, 5, padding="same", activation=activation, name="conv1"),
        layers.MaxPooling2D(2, name="pool1"),
        layers.Conv2D(16, 5, activation=activation, name="conv2"),
        layers.MaxPooling2D(2, name="pool2"),
    ], name=name)
    return _top_or_pooling(model, include_top, pooling, [
        layers.Flatten(name="flatten"),
        layers.Dense(120, activation=activation, name="fc1"),
        layers.Dense(84, activation=activation, name="fc2"),
        layers.Dense(num_classes, activation=classifier_activation, name="output"),
    ])


def cifar_cnn(input_shape=(32, 32, 3), num_classes=10, activation="relu", dropout=0.5,
              classifier_activation="softmax", include_top=True, pooling=None, name="cifar_cnn"):
    """The small CIFAR-10 CNN of Keras's classic ``cifar10_cnn`` example, network (d) of BENCHMARKS.md.

    conv 3x3 32 'same' -> conv 3x3 32 -> max pool 2 -> conv 3x3 64 'same' -> conv 3x3 64
    -> max pool 2 -> flatten -> dense 512 -> dropout -> dense 10. On 32x32x3 the
    feature maps are 32x32x32, 30x30x32, 15x15x32, 15x15x64, 13x13x64, 6x6x64 (2,304 values).

    Parameters: 896 + 9,248 + 18,496 + 36,928 (convs: 3*3*C_in*C_out + C_out) +
    1,180,160 (2304*512 + 512) + 5,130 (512*10 + 10) = **1,250,858**, all trainable.

    Args:
        input_shape: one image, channels last (default ``(32, 32, 3)``).
        num_classes: output units.
        activation: activation of the convs and the 512-unit layer (``"relu"``).
        dropout: dropout rate before the output layer (0 for none).
        classifier_activation: activation of the outputs (``"softmax"``; None for logits).
        include_top: whether to add the dense layers; without them the model ends at
            the ``(6, 6, 64)`` feature maps, or at their global pooling.
        pooling: with ``include_top=False``: None, ``"avg"`` or ``"max"``.
        name: the model's name.

    Returns:
        An uncompiled Sequential model: ``(N, 32, 32, 3)`` -> ``(N, num_classes)``.

    Raises:
        ValueError: for a malformed ``input_shape``, ``num_classes``, ``dropout`` or ``pooling``.

    >>> model = cifar_cnn()
    >>> model.output_shape, model.count_params()
    ((None, 10), 1250858)
    """
    shape = check_image_shape(input_shape, "cifar_cnn")
    check_num_classes(num_classes, "cifar_cnn")
    check_pooling(pooling, include_top, "cifar_cnn")
    model = Sequential([
        layers.Input(shape=shape),
        layers.Conv2D(32, 3, padding="same", activation=activation, name="conv1"),
        layers.Conv2D(32, 3, activation=activation, name="conv2"),
        layers.MaxPooling2D(2, name="pool1"),
        layers.Conv2D(64, 3, padding="same", activation=activation, name="conv3"),
        layers.Conv2D(64, 3, activation=activation, name="conv4"),
        layers.MaxPooling2D(2, name="pool2"),
    ], name=name)
    return _top_or_pooling(model, include_top, pooling, [
        layers.Flatten(name="flatten"),
        layers.Dense(512, activation=activation, name="fc1"),
        layers.Dropout(dropout, name="dropout"),
        layers.Dense(num_classes, activation=classifier_activation, name="output"),
    ])
