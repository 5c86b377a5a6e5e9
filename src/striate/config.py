"""Keras 3's ``keras.config`` namespace: global settings, all kept in ``striate.backend``.

>>> import striate
>>> striate.config.floatx(), striate.config.image_data_format()
('float32', 'channels_last')
"""

from striate.backend import (disable_deterministic, enable_deterministic, epsilon, floatx, is_deterministic,
                             set_epsilon, set_floatx)

__all__ = ["floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format", "set_image_data_format",
           "backend", "enable_op_determinism", "disable_op_determinism", "is_op_determinism_enabled"]

# TensorFlow's names (tf.config.experimental.enable_op_determinism) for striate's deterministic mode.
enable_op_determinism = enable_deterministic
disable_op_determinism = disable_deterministic
is_op_determinism_enabled = is_deterministic


def image_data_format():
    """Always ``'channels_last'``: striate's images are ``(N, H, W, C)``, as Keras's default."""
    return "channels_last"


def set_image_data_format(data_format):
    """Accept ``'channels_last'``; refuse ``'channels_first'`` with a clear error.

    Raises:
        ValueError: for any other value.
    """
    if data_format != "channels_last":
        raise ValueError(f"set_image_data_format: striate works channels last only, got {data_format!r}; "
                         "transpose NCHW arrays with x.transpose(0, 2, 3, 1)")


def backend():
    """The name of the array library striate computes with (``'numpy'``)."""
    from striate import backend as backend_module

    return backend_module.xp.__name__
