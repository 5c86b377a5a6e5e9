"""Preprocessing and augmentation layers (Keras's ``keras.layers.Rescaling``, ``RandomFlip`` ...).

The random ones act only while training and are the identity at inference.
"""

from striate.layers.preprocessing.cropping import CenterCrop, RandomCrop
from striate.layers.preprocessing.normalization import Normalization
from striate.layers.preprocessing.random_brightness import RandomBrightness
from striate.layers.preprocessing.random_contrast import RandomContrast
from striate.layers.preprocessing.random_flip import RandomFlip
from striate.layers.preprocessing.random_grayscale import RandomGrayscale
from striate.layers.preprocessing.random_rotation import RandomRotation
from striate.layers.preprocessing.random_translation import RandomTranslation
from striate.layers.preprocessing.random_zoom import RandomZoom
from striate.layers.preprocessing.rescaling import Rescaling
from striate.layers.preprocessing.resizing import Resizing

__all__ = ["Rescaling", "Resizing", "CenterCrop", "RandomCrop", "RandomFlip", "RandomRotation", "RandomTranslation",
           "RandomZoom", "RandomContrast", "RandomBrightness", "RandomGrayscale", "Normalization"]
