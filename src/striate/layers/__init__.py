"""Keras-style layers (``striate.layers`` is ``keras.layers``)."""

from striate.layers.base import InputSpec, Layer
from striate.layers.activation_layers import ELU, LeakyReLU, PReLU, ReLU, Softmax
from striate.layers.convolutional import Conv1D, Conv2D, Conv3D, Convolution1D, Convolution2D, Convolution3D
from striate.layers.core import Activation, Dense, Flatten, Identity, Lambda, Reshape
from striate.layers.depthwise import (DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D, SeparableConv2D,
                                     SeparableConvolution1D, SeparableConvolution2D)
from striate.layers.dropout import Dropout
from striate.layers.input_layer import Input, InputLayer
from striate.layers.merging import (Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract, add, average,
                                    concatenate, maximum, minimum, multiply, subtract)
from striate.layers.pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D, AvgPool1D, AvgPool2D,
                                    AvgPool3D, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D,
                                    GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D, GlobalMaxPool1D, GlobalMaxPool2D,
                                    GlobalMaxPool3D, GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D,
                                    MaxPool1D, MaxPool2D, MaxPool3D, MaxPooling1D, MaxPooling2D, MaxPooling3D)
from striate.layers.normalization import BatchNormalization, LayerNormalization
from striate.layers.regularization import (ActivityRegularization, GaussianDropout, GaussianNoise, SpatialDropout1D,
                                           SpatialDropout2D, SpatialDropout3D)
from striate.layers.reshaping import (Cropping1D, Cropping2D, Cropping3D, Permute, RepeatVector, ZeroPadding1D,
                                      ZeroPadding2D, ZeroPadding3D)
from striate.layers.upsampling import UpSampling1D, UpSampling2D, UpSampling3D
from striate.layers.serialization import deserialize, serialize

__all__ = [
    "Layer", "InputSpec", "Input", "InputLayer", "Dense", "Activation", "Flatten", "Reshape", "Identity",
    "Lambda", "Dropout",
    "Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D", "Convolution3D",
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
    "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
    "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D",
    "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate",
    "BatchNormalization", "LayerNormalization",
    "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout",
    "ActivityRegularization",
    "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D",
    "UpSampling1D", "UpSampling2D", "UpSampling3D", "RepeatVector", "Permute",
]
__all__ += ["ReLU", "LeakyReLU", "ELU", "Softmax", "PReLU", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D",
            "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D"]
__all__ += ["serialize", "deserialize", "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate"]
