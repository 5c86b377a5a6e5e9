"""Keras-style layers (``striate.layers`` is ``keras.layers``)."""

from striate.layers.base import InputSpec, Layer
from striate.layers.core import Activation, Dense, Flatten, Identity, Lambda, Reshape
from striate.layers.dropout import Dropout
from striate.layers.input_layer import Input, InputLayer
from striate.layers.merging import Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract

__all__ = [
    "Layer", "InputSpec", "Input", "InputLayer", "Dense", "Activation", "Flatten", "Reshape", "Identity",
    "Lambda", "Dropout", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate",
]
