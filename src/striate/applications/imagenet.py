"""What the Keras-named ImageNet architectures share: Keras's argument rules, weight files, preprocessing.

striate downloads nothing. ``weights="imagenet"`` therefore raises an error that
names the Keras weights file and where to get it; pass the path of that file
(``weights="/path/to/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"``) and it
is read as Keras reads it (see ``striate.saving.keras_h5``; needs h5py).

>>> import numpy as np
>>> preprocess_input(np.array([[[255.0, 0.0, 127.5]]]), mode="tf").tolist()
[[[1.0, -1.0, 0.0]]]
>>> preprocess_input(np.zeros((1, 1, 3)), mode="caffe").tolist()      # RGB -> BGR, minus the ImageNet means
[[[-103.939, -116.779, -123.68]]]
"""

import os
import warnings

import numpy as np

from striate.layers.symbolic import is_keras_tensor

__all__ = ["obtain_input_shape", "check_weights", "load_weights", "validate_activation", "preprocess_input",
           "KERAS_WEIGHTS_URL"]

KERAS_WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/"


def check_weights(weights, include_top, classes, model):
    """Keras's rules for ``weights`` and ``classes``; 'imagenet' is refused (nothing is downloaded).

    Raises:
        ValueError: for a ``weights`` that is neither None, 'imagenet' nor an existing file,
            and for 'imagenet' itself, with where to get the file.
    """
    if weights is None:
        return
    if weights == "imagenet":
        if include_top and classes != 1000:
            raise ValueError(f"{model}: with weights='imagenet' and include_top=True, classes must be 1000, "
                             f"got classes={classes}")
        return
    if not isinstance(weights, (str, os.PathLike)) or not os.path.isfile(os.path.expanduser(weights)):
        raise ValueError(f"{model}: weights must be None (random initialization), 'imagenet', or the path to a "
                         f"weights file; got weights={weights!r}" +
                         (" (no such file)" if isinstance(weights, (str, os.PathLike)) else ""))


def imagenet_error(model, filename, subdir):
    """The error for ``weights='imagenet'``: where the file is and what to pass instead."""
    cached = os.path.join(os.path.expanduser("~"), ".keras", "models", filename)
    hint = f" (Keras has it cached at {cached})" if os.path.isfile(cached) else ""
    return ValueError(f"{model}: striate does not download weights. Get the Keras file {filename!r} from "
                      f"{KERAS_WEIGHTS_URL}{subdir}/{filename} (keras.applications caches it in "
                      f"~/.keras/models/){hint} and pass its path: weights='/path/to/{filename}'")


def obtain_input_shape(input_shape, default_size, min_size, require_flatten, weights, model):
    """The input shape ``(H, W, C)`` by Keras's rules (``imagenet_utils.obtain_input_shape``), channels last.

    Raises:
        ValueError: as Keras: a shape that is not 3 ints, smaller than ``min_size``,
            not 3 channels with ImageNet weights, or not static with ``include_top``.
    """
    imagenet = weights == "imagenet"
    if input_shape is not None:
        try:
            input_shape = tuple(input_shape)
        except TypeError:
            raise ValueError(f"{model}: input_shape must be a tuple of three integers, got {input_shape!r}") from None
    if not imagenet and input_shape and len(input_shape) == 3:
        if input_shape[-1] not in (1, 3):
            warnings.warn(f"{model}: this model usually expects 1 or 3 input channels; got input_shape "
                          f"{input_shape} with {input_shape[-1]}", stacklevel=3)
        default_shape = (default_size, default_size, input_shape[-1])
    else:
        default_shape = (default_size, default_size, 3)
    if imagenet and require_flatten:
        if input_shape is not None and input_shape != default_shape:
            raise ValueError(f"{model}: with include_top=True and ImageNet weights, input_shape must be "
                             f"{default_shape}, got {input_shape}")
        return default_shape
    if input_shape:
        if len(input_shape) != 3 or any(n is not None and (isinstance(n, bool) or not isinstance(n, int) or n <= 0)
                                        for n in input_shape):
            raise ValueError(f"{model}: input_shape must be a tuple of three positive integers, got {input_shape}")
        if input_shape[-1] != 3 and imagenet:
            raise ValueError(f"{model}: the input must have 3 channels with ImageNet weights, got {input_shape}")
        if any(n is not None and n < min_size for n in input_shape[:2]):
            raise ValueError(f"{model}: input size must be at least {min_size}x{min_size}, got input_shape "
                             f"{input_shape}")
    else:
        input_shape = default_shape if require_flatten else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError(f"{model}: with include_top=True, input_shape must be static, got {input_shape}")
    return input_shape


def model_input(input_tensor, input_shape, model):
    """``Input(shape=input_shape)``, or ``input_tensor`` when it is a symbolic tensor."""
    from striate.layers import Input

    if input_tensor is None:
        return Input(shape=input_shape)
    if not is_keras_tensor(input_tensor):
        raise ValueError(f"{model}: input_tensor must be a symbolic tensor from striate.Input (or a layer on one), "
                         f"got {type(input_tensor).__name__}")
    return input_tensor


def validate_activation(classifier_activation, weights, model):
    """With pretrained weights the classifier may only be softmax or linear (Keras's rule)."""
    from striate import activations

    if weights is None:
        return
    if activations.get(classifier_activation) not in (activations.get("softmax"), activations.get(None)):
        raise ValueError(f"{model}: with pretrained weights and include_top=True, classifier_activation must be "
                         f"None or 'softmax', got {classifier_activation!r}")


def check_pooling(pooling, model):
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"{model}: pooling must be None, 'avg' or 'max', got {pooling!r}")


def load_weights(model, weights):
    """Read a Keras application weights file (legacy ``.h5`` or ``.weights.h5``) into ``model``."""
    if weights is not None:
        model.load_weights(os.path.expanduser(weights))
    return model


def preprocess_input(x, data_format=None, mode="caffe"):
    """Keras's ImageNet preprocessing of RGB images in ``[0, 255]``, channels last; returns a new float array.

    Modes: 'caffe' (VGG16, ResNet50): RGB -> BGR, then minus the ImageNet mean pixel
    ``[103.939, 116.779, 123.68]`` (BGR); 'tf' (MobileNetV2): scaled to ``[-1, 1]``;
    'torch': scaled to ``[0, 1]`` and standardised with ImageNet's means and deviations.
    (Keras modifies a float array in place; this never changes its input.)

    Raises:
        ValueError: for ``channels_first`` or an unknown mode.
    """
    if data_format not in (None, "channels_last"):
        raise ValueError(f"preprocess_input: only data_format='channels_last' is supported, got {data_format!r}")
    x = np.array(x, dtype=np.result_type(np.asarray(x).dtype, np.float32) if np.asarray(x).dtype.kind == "f"
                 else np.float32)
    if mode == "tf":
        return x / 127.5 - 1.0
    if mode == "torch":
        return (x / 255.0 - np.array([0.485, 0.456, 0.406], x.dtype)) / np.array([0.229, 0.224, 0.225], x.dtype)
    if mode == "caffe":
        return x[..., ::-1] - np.array([103.939, 116.779, 123.68], x.dtype)
    raise ValueError(f"preprocess_input: mode must be 'caffe', 'tf' or 'torch', got {mode!r}")
