"""keras.io's "Simple MNIST convnet", run by striate on the full Fashion-MNIST.

The model code is keras.io's, unchanged apart from ``import striate as keras``
and the data set: Conv2D 32 3x3 relu -> MaxPooling 2 -> Conv2D 64 3x3 relu ->
MaxPooling 2 -> Flatten -> Dropout 0.5 -> Dense 10 softmax (34,826 parameters),
Adam, batch 128, 10 % of the 60,000 training images held out for validation.

Data: Fashion-MNIST from the Debian package ``dataset-fashion-mnist``
(``striate.datasets.fashion_mnist.load_data()``, the same as ``load_fashion_mnist()``);
the test set is its 10,000 images.

Epochs: 20 (keras.io trains MNIST for 15). This network creeps up to 90 % on
Fashion-MNIST: with seed 0 striate reached 89.9 % test accuracy after 12 epochs,
89.8 % after 15 and 90.6-90.8 % after 20 (two runs); the same network in
PyTorch (Keras's initialisation and Adam settings, the same 54,000 training
images) 90.0, 90.3 and 90.7 %. An epoch takes about 21 s on the 2-core machine
when it is otherwise idle (about 7 minutes in all).

    python examples/fashion_mnist_convnet.py [--epochs 20] [--out out/fashion_mnist_convnet] [--limit N]

Prints the test accuracy beside the target (90 %), writes the training curves,
the 32 learned filters of the first layer and the confusion matrix as PNG files,
and exits with status 1 if the target is missed (``--limit``, a smoke test on
fewer images, never fails). The training code is ``mnist_convnet.py``'s (keras.io's),
given this data set.
"""

import os
import sys

import striate as keras

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mnist_convnet  # noqa: E402

TARGET = 0.90


def main(argv=None):
    return mnist_convnet.main(argv, load_data=keras.datasets.fashion_mnist.load_data, data_name="Fashion-MNIST",
                              target=TARGET, epochs=20, out="out/fashion_mnist_convnet",
                              class_names=keras.datasets.FASHION_MNIST_CLASS_NAMES)


if __name__ == "__main__":
    sys.exit(main())
