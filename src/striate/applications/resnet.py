"""A small residual network (He et al., 2016), network (e) of BENCHMARKS.md, built with the functional API.

>>> from striate import applications
>>> applications.small_resnet().count_params()
14874
"""

from striate import layers
from striate.applications._common import check_image_shape, check_num_classes, check_pooling
from striate.models import Model

__all__ = ["small_resnet", "residual_block"]


def residual_block(x, filters, kernel_size=3, use_bias=False, name="block"):
    """``relu(x + BN(conv(relu(BN(conv(x))))))``: the basic block of He et al. with an identity shortcut.

    Args:
        x: a symbolic tensor ``(N, H, W, filters)`` (from ``Input`` or a layer).
        filters: channels of both convs; must equal ``x``'s channels (identity shortcut).
        kernel_size: size of both convs ('same' padding keeps ``H, W``).
        use_bias: whether the convs have biases (BN's ``beta`` makes them redundant).
        name: prefix of the layer names (``block_conv1``, ``block_bn1`` ...).

    Returns:
        The block's output, a symbolic tensor shaped like ``x``.

    Raises:
        ValueError: when ``x``'s channels differ from ``filters``.

    >>> import striate
    >>> x = striate.Input(shape=(8, 8, 16))
    >>> residual_block(x, 16).shape
    (None, 8, 8, 16)
    """
    if x.shape[-1] != filters:
        raise ValueError(f"residual_block {name!r}: the identity shortcut needs the input to have {filters} channels, "
                         f"got input shape {x.shape}")
    y = layers.Conv2D(filters, kernel_size, padding="same", use_bias=use_bias, name=f"{name}_conv1")(x)
    y = layers.BatchNormalization(name=f"{name}_bn1")(y)
    y = layers.Activation("relu", name=f"{name}_relu1")(y)
    y = layers.Conv2D(filters, kernel_size, padding="same", use_bias=use_bias, name=f"{name}_conv2")(y)
    y = layers.BatchNormalization(name=f"{name}_bn2")(y)
    y = layers.Add(name=f"{name}_add")([x, y])
    return layers.Activation("relu", name=f"{name}_out")(y)


def small_resnet(input_shape=(32, 32, 3), num_classes=10, filters=16, blocks=3, use_bias=False,
                 classifier_activation="softmax", include_top=True, pooling=None, name="small_resnet"):
    """A small ResNet for 32x32 images: network (e) of BENCHMARKS.md.

    conv 3x3 ``filters`` 'same' -> BN -> relu, then ``blocks`` residual blocks
    ``relu(x + BN(conv(relu(BN(conv(x))))))`` at ``filters`` channels and full
    resolution (see :func:`residual_block`), then global average pooling and a dense
    classifier. The convs have no bias (``use_bias=False``) because each is followed
    by batch normalization, whose ``beta`` plays that part (He et al.; torchvision).

    Parameters with the defaults (16 filters, 3 blocks, 3 input channels):
    stem 432 (3*3*3*16) + BN 64; each block 2 * (2,304 (3*3*16*16) + 64 (BN)) = 4,736;
    dense 170 (16*10 + 10): **14,874** in all, of which 224 (the 7 BN layers'
    moving means and variances) are non-trainable and 14,650 trainable. With
    ``use_bias=True`` add 16 per conv: 14,986.

    Args:
        input_shape: one image, channels last (default ``(32, 32, 3)``; height and
            width may be None, as the global pooling accepts any size).
        num_classes: output units.
        filters: channels of every conv.
        blocks: number of residual blocks.
        use_bias: whether the convs have biases.
        classifier_activation: activation of the outputs (``"softmax"``; None for logits).
        include_top: whether to end with global average pooling and the dense layer;
            without it the model ends at the last block's ``(H, W, filters)`` maps, or
            at their global pooling.
        pooling: with ``include_top=False``: None, ``"avg"`` or ``"max"``.
        name: the model's name.

    Returns:
        An uncompiled functional Model: ``(N, 32, 32, 3)`` -> ``(N, num_classes)``.

    Raises:
        ValueError: for a malformed ``input_shape``, ``num_classes``, ``filters``,
            ``blocks`` or ``pooling``.

    >>> model = small_resnet()
    >>> model.output_shape, model.count_params(), sum(w.size for w in model.non_trainable_weights)
    ((None, 10), 14874, 224)
    """
    shape = check_image_shape(input_shape, "small_resnet", allow_unknown=True)
    check_num_classes(num_classes, "small_resnet")
    check_pooling(pooling, include_top, "small_resnet")
    for label, value, low in (("filters", filters, 1), ("blocks", blocks, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"small_resnet: {label} must be an int >= {low}, got {value!r}")
    inputs = layers.Input(shape=shape, name="input")
    x = layers.Conv2D(filters, 3, padding="same", use_bias=use_bias, name="stem_conv")(inputs)
    x = layers.BatchNormalization(name="stem_bn")(x)
    x = layers.Activation("relu", name="stem_relu")(x)
    for i in range(blocks):
        x = residual_block(x, filters, use_bias=use_bias, name=f"block{i + 1}")
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dense(num_classes, activation=classifier_activation, name="output")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    return Model(inputs, x, name=name)
