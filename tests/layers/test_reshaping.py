"""ZeroPadding, Cropping, UpSampling (1-D/2-D/3-D), RepeatVector, Permute: NumPy reference,
gradients, layer contract, config round trip, bad input."""

import numpy as np
import pytest

import striate
from striate import backend
from striate.layers import (Cropping1D, Cropping2D, Cropping3D, Input, Permute, RepeatVector, UpSampling1D,
                            UpSampling2D, UpSampling3D, ZeroPadding1D, ZeroPadding2D, ZeroPadding3D)
from striate.saving.serialization import deserialize_layer, serialize_layer
from tests.helpers import check_layer_contract


def data(shape, seed=0, dtype="float64"):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def check_forward_and_gradients(make_layer, shape, reference, seed=0):
    """Forward equals ``reference`` in float64; gradcheck; float32 stays float32."""
    x = data(shape, seed)
    with backend.floatx_scope("float64"):
        layer = make_layer()
        y = layer(x)
        np.testing.assert_allclose(y.data, reference(x), rtol=1e-12, atol=1e-12)
        assert striate.gradcheck(layer, x)
    y32 = make_layer()(x.astype("float32"))
    assert y32.dtype == np.float32


# ---- zero padding -----------------------------------------------------------------------------
@pytest.mark.parametrize("make_layer, shape, pads", [
    (lambda: ZeroPadding1D(), (2, 3, 2), [(0, 0), (1, 1), (0, 0)]),
    (lambda: ZeroPadding1D((2, 0)), (2, 3, 2), [(0, 0), (2, 0), (0, 0)]),
    (lambda: ZeroPadding1D(1, data_format="channels_first"), (2, 2, 3), [(0, 0), (0, 0), (1, 1)]),
    (lambda: ZeroPadding2D(), (2, 3, 4, 2), [(0, 0), (1, 1), (1, 1), (0, 0)]),
    (lambda: ZeroPadding2D(2), (1, 3, 4, 2), [(0, 0), (2, 2), (2, 2), (0, 0)]),
    (lambda: ZeroPadding2D((1, 2)), (1, 3, 4, 2), [(0, 0), (1, 1), (2, 2), (0, 0)]),
    (lambda: ZeroPadding2D(((0, 1), (2, 3))), (1, 3, 4, 2), [(0, 0), (0, 1), (2, 3), (0, 0)]),
    (lambda: ZeroPadding2D(((0, 1), (2, 3)), data_format="channels_first"), (1, 2, 3, 4),
     [(0, 0), (0, 0), (0, 1), (2, 3)]),
    (lambda: ZeroPadding3D(), (1, 2, 2, 3, 2), [(0, 0), (1, 1), (1, 1), (1, 1), (0, 0)]),
    (lambda: ZeroPadding3D((1, 0, 2)), (1, 2, 2, 3, 2), [(0, 0), (1, 1), (0, 0), (2, 2), (0, 0)]),
    (lambda: ZeroPadding3D(((1, 0), (0, 2), (1, 1))), (1, 2, 2, 3, 1), [(0, 0), (1, 0), (0, 2), (1, 1), (0, 0)]),
])
def test_zero_padding(make_layer, shape, pads):
    check_forward_and_gradients(make_layer, shape, lambda x: np.pad(x, pads))
    out = tuple(n + a + b for n, (a, b) in zip(shape, pads))[1:]
    check_layer_contract(make_layer, shape[1:], out, 0)


# ---- cropping ---------------------------------------------------------------------------------
@pytest.mark.parametrize("make_layer, shape, index", [
    (lambda: Cropping1D(), (2, 5, 2), np.s_[:, 1:4, :]),
    (lambda: Cropping1D((2, 0)), (2, 5, 2), np.s_[:, 2:, :]),
    (lambda: Cropping2D(), (1, 4, 5, 2), np.s_[:, :, :, :]),
    (lambda: Cropping2D(1), (1, 4, 5, 2), np.s_[:, 1:3, 1:4, :]),
    (lambda: Cropping2D((1, 2)), (1, 4, 5, 2), np.s_[:, 1:3, 2:3, :]),
    (lambda: Cropping2D(((0, 1), (2, 0))), (1, 4, 5, 2), np.s_[:, 0:3, 2:, :]),
    (lambda: Cropping2D(((0, 1), (2, 0)), data_format="channels_first"), (1, 2, 4, 5), np.s_[:, :, 0:3, 2:]),
    (lambda: Cropping3D(), (1, 3, 4, 5, 2), np.s_[:, 1:2, 1:3, 1:4, :]),
    (lambda: Cropping3D(((0, 1), (1, 0), (0, 0))), (1, 3, 4, 5, 2), np.s_[:, 0:2, 1:, :, :]),
])
def test_cropping(make_layer, shape, index):
    check_forward_and_gradients(make_layer, shape, lambda x: x[index])
    out = np.zeros(shape)[index].shape[1:]
    check_layer_contract(make_layer, shape[1:], out, 0)


# ---- upsampling -------------------------------------------------------------------------------
def repeat(x, axes, factors):
    for axis, factor in zip(axes, factors):
        x = np.repeat(x, factor, axis=axis)
    return x


@pytest.mark.parametrize("make_layer, shape, axes, factors", [
    (lambda: UpSampling1D(), (2, 3, 2), (1,), (2,)),
    (lambda: UpSampling1D(3), (2, 3, 2), (1,), (3,)),
    (lambda: UpSampling2D(), (2, 3, 2, 2), (1, 2), (2, 2)),
    (lambda: UpSampling2D((1, 3)), (2, 3, 2, 2), (1, 2), (1, 3)),
    (lambda: UpSampling2D((2, 3), data_format="channels_first"), (1, 2, 3, 2), (2, 3), (2, 3)),
    (lambda: UpSampling3D(), (1, 2, 2, 3, 2), (1, 2, 3), (2, 2, 2)),
    (lambda: UpSampling3D((1, 2, 3)), (1, 2, 2, 2, 1), (1, 2, 3), (1, 2, 3)),
])
def test_upsampling_nearest(make_layer, shape, axes, factors):
    check_forward_and_gradients(make_layer, shape, lambda x: repeat(x, axes, factors))
    out = repeat(np.zeros(shape), axes, factors).shape[1:]
    check_layer_contract(make_layer, shape[1:], out, 0)


def bilinear_reference(x, fh, fw):
    """Half-pixel-centre bilinear upsampling of (N, H, W, C), edges clamped, element by element."""
    n, h, w, c = x.shape
    out = np.zeros((n, h * fh, w * fw, c))

    def source(o, size, factor):
        s = min(max((o + 0.5) / factor - 0.5, 0.0), size - 1)
        lo = int(np.floor(s))
        return lo, min(lo + 1, size - 1), s - lo

    for i in range(h * fh):
        i0, i1, a = source(i, h, fh)
        for j in range(w * fw):
            j0, j1, b = source(j, w, fw)
            out[:, i, j] = ((1 - a) * (1 - b) * x[:, i0, j0] + (1 - a) * b * x[:, i0, j1]
                            + a * (1 - b) * x[:, i1, j0] + a * b * x[:, i1, j1])
    return out


@pytest.mark.parametrize("size", [2, (3, 2), (1, 4)])
def test_upsampling2d_bilinear(size):
    factors = (size, size) if isinstance(size, int) else size
    check_forward_and_gradients(lambda: UpSampling2D(size, interpolation="bilinear"), (2, 3, 4, 2),
                                lambda x: bilinear_reference(x, *factors))
    x = data((1, 2, 3, 4))
    with backend.floatx_scope("float64"):
        y = UpSampling2D(size, data_format="channels_first", interpolation="bilinear")(x).data
    expected = bilinear_reference(x.transpose(0, 2, 3, 1), *factors).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(y, expected, rtol=1e-12)


def test_upsampling2d_bilinear_matches_pytorch():
    torch = pytest.importorskip("torch")
    x = data((2, 5, 4, 3), seed=1, dtype="float32")
    y = UpSampling2D((2, 3), interpolation="bilinear")(x).data
    xt = torch.tensor(x.transpose(0, 3, 1, 2))  # (N, C, H, W)
    yt = torch.nn.functional.interpolate(xt, scale_factor=(2, 3), mode="bilinear", align_corners=False)
    np.testing.assert_allclose(y, yt.numpy().transpose(0, 2, 3, 1), rtol=1e-5, atol=1e-6)


# ---- RepeatVector and Permute ------------------------------------------------------------------
def test_repeat_vector():
    check_forward_and_gradients(lambda: RepeatVector(3), (2, 4), lambda x: np.repeat(x[:, None, :], 3, axis=1))
    check_layer_contract(lambda: RepeatVector(3), (4,), (3, 4), 0)


@pytest.mark.parametrize("dims, shape", [((2, 1), (2, 3, 4)), ((3, 1, 2), (2, 3, 4, 2)), ((1,), (2, 3))])
def test_permute(dims, shape):
    check_forward_and_gradients(lambda: Permute(dims), shape, lambda x: x.transpose((0,) + dims))
    out = tuple(shape[d] for d in dims)
    check_layer_contract(lambda: Permute(dims), shape[1:], out, 0)


# ---- symbolic shapes, configs, errors ----------------------------------------------------------
def test_unknown_spatial_sizes_stay_unknown():
    x = Input(shape=(None, None, 3))
    assert ZeroPadding2D(2)(x).shape == (None, None, None, 3)
    assert UpSampling2D(2)(x).shape == (None, None, None, 3)
    assert Cropping2D(1)(x).shape == (None, None, None, 3)
    assert ZeroPadding2D(2)(Input(shape=(5, None, 3))).shape == (None, 9, None, 3)


@pytest.mark.parametrize("layer", [
    ZeroPadding1D((1, 2)), ZeroPadding2D(((1, 2), (3, 4)), data_format="channels_first"), ZeroPadding3D(2),
    Cropping1D((0, 2)), Cropping2D((1, 2)), Cropping3D(1), UpSampling1D(3),
    UpSampling2D((2, 1), interpolation="bilinear"), UpSampling3D(2), RepeatVector(5), Permute((2, 1)),
])
def test_config_round_trip(layer):
    config = serialize_layer(layer)
    clone = deserialize_layer(config)
    assert type(clone) is type(layer) and clone.get_config() == layer.get_config()


def test_keras_config_forms():
    assert ZeroPadding2D(1).get_config()["padding"] == [[1, 1], [1, 1]]
    assert ZeroPadding1D(2).get_config()["padding"] == [2, 2]
    assert Cropping2D().get_config()["cropping"] == [[0, 0], [0, 0]]
    assert UpSampling1D().get_config()["size"] == 2 and "data_format" not in UpSampling1D().get_config()
    assert UpSampling2D().get_config()["size"] == [2, 2]
    assert UpSampling2D().get_config()["interpolation"] == "nearest"


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"ZeroPadding2D 'zp'.*padding.*\(1, 2, 3\)"):
        ZeroPadding2D((1, 2, 3), name="zp")
    with pytest.raises(ValueError, match="padding"):
        ZeroPadding1D(-1)
    with pytest.raises(ValueError, match="padding"):
        ZeroPadding2D(((1, 2), (3,)))
    with pytest.raises(ValueError, match="cropping"):
        Cropping3D((1, 1))
    with pytest.raises(ValueError, match="size"):
        UpSampling2D((2, 0))
    with pytest.raises(ValueError, match="interpolation.*'bicubic'"):
        UpSampling2D(interpolation="bicubic")
    with pytest.raises(ValueError, match="data_format"):
        ZeroPadding2D(data_format="channels_middle")
    with pytest.raises(ValueError, match="n must"):
        RepeatVector(0)
    with pytest.raises(ValueError, match=r"Permute 'p'.*permutation.*\(0, 1\)"):
        Permute((0, 1), name="p")


def test_bad_inputs_name_the_layer_and_shape():
    with pytest.raises(ValueError, match=r"'zp'.*ndim=4.*\(2, 3, 4\)"):
        ZeroPadding2D(name="zp")(np.zeros((2, 3, 4), "float32"))
    with pytest.raises(ValueError, match=r"'up'.*ndim=5.*\(2, 3, 4, 1\)"):
        UpSampling3D(name="up")(np.zeros((2, 3, 4, 1), "float32"))
    with pytest.raises(ValueError, match=r"Cropping2D 'crop'.*removes all of axis 1 \(size 4\).*\(2, 4, 9, 1\)"):
        Cropping2D(((2, 2), (0, 0)), name="crop")(np.zeros((2, 4, 9, 1), "float32"))
    with pytest.raises(ValueError, match=r"'crop1'.*removes all.*\(None, 3, 2\)"):
        Cropping1D((2, 1), name="crop1")(Input(shape=(3, 2)))
    with pytest.raises(ValueError, match=r"'rv'.*ndim=2.*\(2, 3, 4\)"):
        RepeatVector(2, name="rv")(np.zeros((2, 3, 4), "float32"))
    with pytest.raises(ValueError, match=r"'perm'.*ndim=3.*\(2, 3\)"):
        Permute((2, 1), name="perm")(np.zeros((2, 3), "float32"))
