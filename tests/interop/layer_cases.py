"""Layer cases shared by the Keras-file and ONNX tests: one small model per layer striate has."""

import numpy as np

import striate
from striate import layers as S

# (striate layer factory, one sample's input shape); merge layers take two inputs
LAYERS = [
    (lambda: S.Dense(3, activation="tanh", kernel_regularizer="l2"), (5,)),
    (lambda: S.Activation("softplus"), (4,)), (lambda: S.Flatten(), (2, 3, 2)), (lambda: S.Reshape((3, -1)), (6, 2)),
    (lambda: S.Identity(), (3,)), (lambda: S.Dropout(0.3, seed=1), (4,)),
    (lambda: S.Conv1D(3, 3, padding="causal", dilation_rate=2), (9, 2)),
    (lambda: S.Conv2D(4, (3, 2), strides=2, padding="same", activation="relu", groups=2), (7, 6, 2)),
    (lambda: S.Conv3D(2, 2, use_bias=False), (4, 3, 4, 2)),
    (lambda: S.MaxPooling1D(2), (6, 2)), (lambda: S.AveragePooling2D(3, strides=2, padding="same"), (7, 7, 2)),  # (*)
    (lambda: S.MaxPooling3D(2), (4, 4, 4, 1)), (lambda: S.AveragePooling1D(2, padding="same"), (5, 2)),
    (lambda: S.GlobalAveragePooling1D(), (5, 3)), (lambda: S.GlobalMaxPooling2D(keepdims=True), (4, 5, 3)),
    (lambda: S.GlobalAveragePooling3D(), (3, 3, 2, 2)),
    (lambda: S.BatchNormalization(momentum=0.9, epsilon=1e-2), (4, 3)),
    (lambda: S.LayerNormalization(axis=[1, 2]), (4, 3)),
    (lambda: S.SpatialDropout2D(0.2), (4, 4, 2)), (lambda: S.GaussianNoise(0.1), (3,)),
    (lambda: S.GaussianDropout(0.2), (3,)), (lambda: S.ActivityRegularization(l1=0.01), (3,)),
    (lambda: S.ZeroPadding2D(((1, 2), (0, 1))), (3, 3, 2)), (lambda: S.ZeroPadding1D(2), (3, 2)),
    (lambda: S.ZeroPadding3D(1), (2, 2, 2, 1)), (lambda: S.Cropping2D(((1, 0), (0, 1))), (4, 4, 2)),
    (lambda: S.Cropping1D((1, 1)), (5, 2)), (lambda: S.Cropping3D(1), (3, 4, 3, 1)),
    (lambda: S.UpSampling1D(2), (3, 2)), (lambda: S.UpSampling2D((2, 1)), (2, 3, 2)),
    (lambda: S.UpSampling3D(2), (2, 2, 1, 1)), (lambda: S.RepeatVector(3), (4,)), (lambda: S.Permute((2, 1)), (3, 4)),
    (lambda: S.ReLU(6.0, 0.1, 0.5), (5,)), (lambda: S.LeakyReLU(0.1), (5,)), (lambda: S.ELU(0.5), (5,)),
    (lambda: S.Softmax(axis=1), (3, 4)), (lambda: S.PReLU(shared_axes=[1]), (3, 4)),
    (lambda: S.DepthwiseConv2D(3, depth_multiplier=2, padding="same"), (5, 5, 3)),
    (lambda: S.DepthwiseConv1D(2, strides=2), (6, 2)),
    (lambda: S.SeparableConv2D(4, 3, dilation_rate=2), (7, 7, 2)), (lambda: S.SeparableConv1D(3, 2), (5, 2)),
]
MERGES = [lambda: S.Add(), lambda: S.Subtract(), lambda: S.Multiply(), lambda: S.Average(), lambda: S.Maximum(),
          lambda: S.Minimum(), lambda: S.Concatenate(axis=1)]
# (*) 'same' average pooling with an odd total of padding: Keras on torch pads with zeros that it then
# averages (TensorFlow, ONNX and striate leave padding out of the mean), so the shared case is symmetric.

RNG = np.random.default_rng(31)


def randomize(model, rng=RNG):
    """Weights in [0.5, 1.5]: positive variances for batch norms, no dead units."""
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([rng.uniform(0.5, 1.5, w.shape).astype(w.dtype) for w in layer.get_weights()])


def single(make, shape, rng=RNG):
    inputs = striate.Input(shape=shape)
    return striate.Model(inputs, make()(inputs)), [rng.standard_normal((3,) + shape).astype("float32")]


def merged(make, rng=RNG):
    a, b = striate.Input(shape=(4, 3), name="a"), striate.Input(shape=(4, 3), name="b")
    return striate.Model([a, b], make()([a, b])), [rng.standard_normal((2, 4, 3)).astype("float32") for _ in "ab"]


def cases(pytest):
    for i, (make, shape) in enumerate(LAYERS):
        yield pytest.param(lambda make=make, shape=shape: single(make, shape), id=f"{i}-{make().__class__.__name__}")
    for make in MERGES:
        yield pytest.param(lambda make=make: merged(make), id=f"merge-{make().__class__.__name__}")
