"""Reference models, each one function returning a new, uncompiled model (as ``keras.applications``).

No pretrained weights ship with striate (they would need a download); the
models are the lecture's and BENCHMARKS.md's networks (b)-(e).

>>> from striate import applications
>>> applications.lenet5(num_classes=3).output_shape
(None, 3)
"""

from striate.applications.convnets import cifar_cnn, lecun1989, lenet5
from striate.applications.resnet import residual_block, small_resnet

__all__ = ["lecun1989", "lenet5", "cifar_cnn", "small_resnet", "residual_block"]
