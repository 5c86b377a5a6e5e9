"""``keras.ops.nn``: activations, convolution and pooling, one-hot codes, cross-entropies,
normalisation and attention, gathered from their family files.

>>> import numpy as np
>>> from striate.ops import nn
>>> nn.softmax(np.array([0.0, 0.0])).tolist()
[0.5, 0.5]
"""

from striate.ops.activations import (  # noqa: F401
    relu, relu6, sigmoid, sparse_sigmoid, softplus, softsign, soft_shrink, sparse_plus, silu, swish,
    squareplus, log_sigmoid, leaky_relu, hard_sigmoid, hard_silu, hard_swish, elu, selu, gelu, celu,
    glu, tanh_shrink, hard_tanh, hard_shrink, threshold, softmax, log_softmax, sparsemax,
)
from striate.ops.nn_conv import (  # noqa: F401
    conv, depthwise_conv, separable_conv, conv_transpose, max_pool, average_pool, adaptive_max_pool,
    adaptive_average_pool,
)
from striate.ops.nn_losses import (  # noqa: F401
    one_hot, multi_hot, categorical_crossentropy, sparse_categorical_crossentropy,
    binary_crossentropy,
)
from striate.ops.nn_norms import (  # noqa: F401
    moments, batch_normalization, normalize, rms_normalization, layer_normalization, psnr,
    dot_product_attention, depth_to_space, space_to_depth,
)

__all__ = [
    "relu", "relu6", "sigmoid", "sparse_sigmoid", "softplus", "softsign", "soft_shrink",
    "sparse_plus", "silu", "swish", "squareplus", "log_sigmoid", "leaky_relu", "hard_sigmoid",
    "hard_silu", "hard_swish", "elu", "selu", "gelu", "celu", "glu", "tanh_shrink", "hard_tanh",
    "hard_shrink", "threshold", "softmax", "log_softmax", "sparsemax", "conv", "depthwise_conv",
    "separable_conv", "conv_transpose", "max_pool", "average_pool", "adaptive_max_pool",
    "adaptive_average_pool", "one_hot", "multi_hot", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "binary_crossentropy", "moments", "batch_normalization",
    "normalize", "rms_normalization", "layer_normalization", "psnr", "dot_product_attention",
    "depth_to_space", "space_to_depth",
]
