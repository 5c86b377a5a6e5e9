"""Reference models, each one function returning a new, uncompiled model (as ``keras.applications``).

No pretrained weights ship with striate (they would need a download); the
models are the lecture's and BENCHMARKS.md's networks (b)-(e), and Keras's
``VGG16``, ``ResNet50`` and ``MobileNetV2``, which read a downloaded Keras weights
file given by its path.

>>> from striate import applications
>>> applications.lenet5(num_classes=3).output_shape
(None, 3)
"""

from striate.applications.convnets import cifar_cnn, lecun1989, lenet5
from striate.applications.resnet import residual_block, small_resnet
from striate.applications import imagenet, mobilenet_v2, resnet50, vgg16
from striate.applications.mobilenet_v2 import MobileNetV2
from striate.applications.resnet50 import ResNet50
from striate.applications.vgg16 import VGG16

__all__ = ["lecun1989", "lenet5", "cifar_cnn", "small_resnet", "residual_block"]
__all__ += ["VGG16", "ResNet50", "MobileNetV2", "vgg16", "resnet50", "mobilenet_v2", "imagenet"]
