"""The primitive ops: one small class each, forward and backward side by side."""

from striate.autograd.augment import Augment, Rescale, Standardize
from striate.autograd.conv import Conv
from striate.autograd.elementwise import (Abs, Add, Cast, Div, Exp, Log, Maximum, Mul, Neg, Pow, ReLU,
                                          Sigmoid, Sub, Tanh, Where)
from striate.autograd.function import Function, enable_grad, is_grad_enabled, no_grad, unbroadcast
from striate.autograd.linalg import MatMul
from striate.autograd.normalization import BatchNorm, ChannelAffine
from striate.autograd.movement import BroadcastTo, Concatenate, GetItem, Pad, Reshape, Transpose
from striate.autograd.noise import Noise
from striate.autograd.pooling import AvgPool, MaxPool
from striate.autograd.reduce import Max, Sum
from striate.autograd.softmax import LogSoftmax

__all__ = [
    "Function", "no_grad", "enable_grad", "is_grad_enabled", "unbroadcast",
    "Add", "Sub", "Mul", "Div", "Neg", "Pow", "Exp", "Log", "Abs", "Maximum", "Where", "ReLU",
    "Sigmoid", "Tanh", "Cast", "Sum", "Max", "Reshape", "Transpose", "GetItem",
    "Concatenate", "Pad", "BroadcastTo", "MatMul", "LogSoftmax", "Conv", "MaxPool", "AvgPool", "BatchNorm", "ChannelAffine",
    "Noise", "Augment", "Rescale", "Standardize",
]
