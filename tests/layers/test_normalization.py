"""BatchNormalization and LayerNormalization: NumPy reference, gradients, contract, PyTorch, fit behaviour."""

import numpy as np
import pytest

import striate
from striate import backend
from striate.layers import BatchNormalization, Dense, Input, LayerNormalization
from striate.saving.serialization import deserialize_layer, serialize_layer
from tests.helpers import check_layer_contract


def bn_reference(x, gamma, beta, axis, eps):
    """Training-mode batch norm in NumPy: biased batch variance over every axis but ``axis``."""
    axes = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    shape = [1] * x.ndim
    shape[axis] = -1
    return (x - mean) / np.sqrt(var + eps) * gamma.reshape(shape) + beta.reshape(shape), \
        mean.reshape(-1), var.reshape(-1)


def rng_array(shape, seed=0, loc=0.0, scale=1.0, dtype="float32"):
    return np.random.default_rng(seed).normal(loc, scale, shape).astype(dtype)


# ---- forward against NumPy ------------------------------------------------------------------
# (16, 4, 4, 8) and (32, 16) exercise the primitive's wide layout (rows of 128 and 64 positions).
@pytest.mark.parametrize("shape, axis", [((8, 3), -1), ((32, 16), -1), ((4, 5, 6, 3), -1), ((16, 4, 4, 8), -1),
                                         ((4, 3, 5, 6), 1), ((4, 5, 3, 2), 2)])
def test_batch_norm_training_forward_and_moving_statistics(shape, axis):
    x = rng_array(shape, loc=2.0, scale=3.0)
    bn = BatchNormalization(axis=axis, momentum=0.9, epsilon=1e-3,
                            gamma_initializer="random_normal", beta_initializer="random_normal")
    bn(x[:1])  # build
    gamma, beta = bn.gamma.numpy().copy(), bn.beta.numpy().copy()
    moving_mean = np.zeros(shape[axis])
    moving_var = np.ones(shape[axis])
    for step in range(3):
        batch = x * (step + 1) - step
        y = bn(batch, training=True)
        expected, mean, var = bn_reference(batch.astype("float64"), gamma, beta, axis, 1e-3)
        np.testing.assert_allclose(y.data, expected, rtol=1e-4, atol=1e-4)
        assert y.dtype == np.float32
        moving_mean = moving_mean * 0.9 + mean * 0.1
        moving_var = moving_var * 0.9 + var * 0.1   # biased variance, as Keras 3 (PyTorch: unbiased)
    np.testing.assert_allclose(bn.moving_mean.numpy(), moving_mean, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), moving_var, rtol=1e-5, atol=1e-5)
    # Inference normalises with the moving statistics.
    shape_c = [1] * len(shape)
    shape_c[axis] = -1
    expected = (x - moving_mean.reshape(shape_c)) / np.sqrt(moving_var.reshape(shape_c) + 1e-3) \
        * gamma.reshape(shape_c) + beta.reshape(shape_c)
    np.testing.assert_allclose(bn(x).data, expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(bn(x, training=False).data, expected, rtol=1e-4, atol=1e-4)
    # ... and leaves the moving statistics alone.
    np.testing.assert_allclose(bn.moving_mean.numpy(), moving_mean, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("center, scale, count", [(True, True, 4), (False, True, 3), (True, False, 3),
                                                   (False, False, 2)])
def test_batch_norm_weights_in_keras_order(center, scale, count):
    bn = BatchNormalization(center=center, scale=scale)
    bn(np.ones((2, 5), "float32"))
    names = [w.name for w in bn.weights]
    expected = [n for n, on in (("gamma", scale), ("beta", center)) if on] + ["moving_mean", "moving_variance"]
    assert names == expected and len(names) == count
    assert [w.name for w in bn.trainable_weights] == expected[:-2]
    assert [w.name for w in bn.non_trainable_weights] == ["moving_mean", "moving_variance"]
    assert bn.count_params() == 5 * count
    x = rng_array((6, 5), loc=1.0)
    y = bn(x, training=True).data
    np.testing.assert_allclose(y, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3), rtol=1e-4, atol=1e-5)
    y = bn(x).data
    mm, mv = bn.moving_mean.numpy(), bn.moving_variance.numpy()
    np.testing.assert_allclose(y, (x - mm) / np.sqrt(mv + 1e-3), rtol=1e-4, atol=1e-5)


# ---- gradients ---------------------------------------------------------------------------------
@pytest.mark.parametrize("shape, axis", [((5, 3), -1), ((3, 2, 3, 2), -1), ((2, 3, 2, 3), 1)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradcheck(shape, axis, training):
    x = np.random.default_rng(1).normal(1.0, 2.0, shape)
    with backend.floatx_scope("float64"):
        bn = BatchNormalization(axis=axis, gamma_initializer="random_normal", beta_initializer="random_normal",
                                moving_mean_initializer="random_normal", moving_variance_initializer="ones")
        bn(x)
        assert striate.gradcheck(lambda t: bn(t, training=training), x, params=bn.trainable_weights)


def test_batch_norm_gradcheck_directional_on_a_conv_sized_input():
    x = np.random.default_rng(2).normal(0.5, 1.5, (8, 6, 6, 4))  # 1,152 values per check direction
    with backend.floatx_scope("float64"):
        bn = BatchNormalization(gamma_initializer="random_normal", beta_initializer="random_normal")
        bn(x)
        assert striate.gradcheck(lambda t: bn(t, training=True), x, params=bn.trainable_weights, directional=True)


def test_batch_norm_contract():
    check_layer_contract(lambda: BatchNormalization(), (4, 5, 3), (4, 5, 3), 12)
    check_layer_contract(lambda: BatchNormalization(axis=1, center=False), (3, 4), (3, 4), 9)


# ---- PyTorch as a second oracle --------------------------------------------------------------
def _torch_bn(channels, momentum, eps):
    torch = pytest.importorskip("torch")
    layer = torch.nn.BatchNorm2d(channels, momentum=1.0 - momentum, eps=eps).double()
    with torch.no_grad():
        layer.weight.copy_(torch.linspace(0.5, 1.5, channels))
        layer.bias.copy_(torch.linspace(-0.2, 0.3, channels))
    return torch, layer


def test_batch_norm_matches_pytorch_in_training_and_eval():
    n, h, w, c = 4, 4, 8, 4
    momentum, eps = 0.9, 1e-3
    torch, tbn = _torch_bn(c, momentum, eps)
    bn = BatchNormalization(momentum=momentum, epsilon=eps)
    bn(np.zeros((1, h, w, c), "float32"))
    bn.set_weights([tbn.weight.detach().numpy(), tbn.bias.detach().numpy(), np.zeros(c), np.ones(c)])
    rng = np.random.default_rng(3)
    count = n * h * w  # values per channel: PyTorch's running_var uses var * count / (count - 1)
    steps = 3
    for step in range(steps):
        x = rng.normal(step, 1.0 + step, (n, h, w, c)).astype("float32")
        dy = rng.standard_normal(x.shape).astype("float32")
        xt = torch.tensor(x.transpose(0, 3, 1, 2), dtype=torch.float64, requires_grad=True)  # (N, C, H, W)
        tbn.train()
        yt = tbn(xt)
        yt.backward(torch.tensor(dy.transpose(0, 3, 1, 2), dtype=torch.float64))

        t = striate.Tensor(x, requires_grad=True)
        for v in bn.trainable_weights:
            v.grad = None
        y = bn(t, training=True)
        y.backward(dy)
        np.testing.assert_allclose(y.data, yt.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(t.grad, xt.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-3, atol=1e-4)
        np.testing.assert_allclose(bn.gamma.grad, tbn.weight.grad.numpy(), rtol=1e-4, atol=1e-3)
        np.testing.assert_allclose(bn.beta.grad, tbn.bias.grad.numpy(), rtol=1e-4, atol=1e-3)
        tbn.weight.grad = tbn.bias.grad = None
    # Moving mean: the same recurrence. Moving variance: PyTorch averages the unbiased
    # batch variance, Keras (and striate) the biased one; starting both from 1,
    # (torch - m^k) * (count - 1) / count == ours - m^k after k steps.
    np.testing.assert_allclose(bn.moving_mean.numpy(), tbn.running_mean.numpy(), rtol=1e-5, atol=1e-5)
    start = momentum ** steps
    np.testing.assert_allclose(bn.moving_variance.numpy() - start,
                               (tbn.running_var.numpy() - start) * (count - 1) / count, rtol=1e-5, atol=1e-5)
    assert not np.allclose(bn.moving_variance.numpy(), tbn.running_var.numpy(), rtol=1e-4)

    # Eval mode with the same running statistics: outputs and gradients agree.
    with torch.no_grad():
        tbn.running_var.copy_(torch.tensor(bn.moving_variance.numpy(), dtype=torch.float64))
    tbn.eval()
    x = rng.normal(1.0, 2.0, (n, h, w, c)).astype("float32")
    dy = rng.standard_normal(x.shape).astype("float32")
    xt = torch.tensor(x.transpose(0, 3, 1, 2), dtype=torch.float64, requires_grad=True)
    yt = tbn(xt)
    yt.backward(torch.tensor(dy.transpose(0, 3, 1, 2), dtype=torch.float64))
    t = striate.Tensor(x, requires_grad=True)
    for v in bn.trainable_weights:
        v.grad = None
    y = bn(t, training=False)
    y.backward(dy)
    np.testing.assert_allclose(y.data, yt.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(t.grad, xt.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(bn.gamma.grad, tbn.weight.grad.numpy(), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(bn.beta.grad, tbn.bias.grad.numpy(), rtol=1e-4, atol=1e-3)


def test_layer_norm_matches_pytorch():
    torch = pytest.importorskip("torch")
    x = rng_array((3, 4, 5), seed=4, loc=1.0, scale=2.0)
    dy = rng_array((3, 4, 5), seed=5)
    ln = LayerNormalization(axis=[1, 2], epsilon=1e-5, gamma_initializer="random_normal",
                            beta_initializer="random_normal")
    t = striate.Tensor(x, requires_grad=True)
    y = ln(t)
    y.backward(dy)
    xt = torch.tensor(x, requires_grad=True)
    weight = torch.tensor(ln.gamma.numpy(), requires_grad=True)
    bias = torch.tensor(ln.beta.numpy(), requires_grad=True)
    yt = torch.nn.functional.layer_norm(xt, (4, 5), weight, bias, eps=1e-5)
    yt.backward(torch.tensor(dy))
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(t.grad, xt.grad.numpy(), rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(ln.gamma.grad, weight.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ln.beta.grad, bias.grad.numpy(), rtol=1e-4, atol=1e-4)


# ---- behaviour inside fit ---------------------------------------------------------------------
def _bn_model(frozen):
    bn = BatchNormalization(momentum=0.5, name="bn")
    model = striate.Sequential([Input(shape=(3,)), bn, Dense(1)])
    if frozen:
        bn.trainable = False
    model.compile(optimizer=striate.optimizers.SGD(learning_rate=0.1), loss="mse")
    return model, bn


def test_frozen_batch_norm_uses_moving_statistics_inside_fit():
    x = rng_array((32, 3), seed=6, loc=5.0, scale=2.0)
    y = x.sum(axis=1, keepdims=True)
    model, bn = _bn_model(frozen=True)
    bn.set_weights([np.full(3, 2.0), np.full(3, 0.5), np.full(3, 1.0), np.full(3, 4.0)])
    before = [w.copy() for w in bn.get_weights()]
    assert bn.trainable_weights == [] and len(model.trainable_weights) == 2
    # training=True on a frozen layer is inference: the moving statistics normalise.
    np.testing.assert_allclose(bn(x, training=True).data, bn(x, training=False).data)
    np.testing.assert_allclose(bn(x, training=True).data, (x - 1.0) / np.sqrt(4.0 + 1e-3) * 2.0 + 0.5, rtol=1e-5)
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    for a, b in zip(bn.get_weights(), before):
        np.testing.assert_array_equal(a, b)  # gamma, beta and the moving statistics never changed


def test_trainable_batch_norm_updates_moving_statistics_inside_fit_only():
    x = rng_array((32, 3), seed=6, loc=5.0, scale=2.0)
    y = x.sum(axis=1, keepdims=True)
    model, bn = _bn_model(frozen=False)
    model.fit(x, y, batch_size=32, epochs=1, verbose=0, shuffle=False)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.5 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.5 + 0.5 * x.var(0), rtol=1e-5)
    state = [w.copy() for w in bn.get_weights()]
    model.predict(x, verbose=0)
    model.evaluate(x, y, verbose=0)
    for a, b in zip(bn.get_weights(), state):
        np.testing.assert_array_equal(a, b)


def test_dense_residual_block_with_batch_norm_trains():
    """x -> Dense -> BN -> relu -> Dense -> BN -> Add(shortcut) -> relu, built with the functional API."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((64, 8)).astype("float32")
    y = (x[:, 0] + x[:, 1] - x[:, 2] > 0).astype("int64")
    inputs = Input(shape=(8,))
    h = striate.layers.Activation("relu")(BatchNormalization()(Dense(8)(inputs)))
    h = BatchNormalization()(Dense(8)(h))
    h = striate.layers.Activation("relu")(striate.layers.Add()([inputs, h]))
    model = striate.Model(inputs, Dense(2, activation="softmax")(h))
    model.compile(optimizer=striate.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, batch_size=16, epochs=10, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


# ---- configuration and errors -----------------------------------------------------------------
def test_batch_norm_config_round_trip_through_serialization():
    bn = BatchNormalization(axis=1, momentum=0.9, epsilon=1e-5, center=False, gamma_regularizer="l2",
                            moving_variance_initializer="zeros", name="bn")
    clone = deserialize_layer(serialize_layer(bn))
    assert isinstance(clone, BatchNormalization) and clone.get_config() == bn.get_config()
    assert clone.get_config()["synchronized"] is False


def test_batch_norm_bad_input_errors_name_the_layer_and_shapes():
    bn = BatchNormalization(name="bn1")
    bn(np.zeros((2, 4, 4, 3), "float32"))
    with pytest.raises(ValueError, match=r"bn1.*axis -1.*value 3.*\(2, 4, 4, 5\)"):
        bn(np.zeros((2, 4, 4, 5), "float32"))
    with pytest.raises(ValueError, match=r"bn1.*ndim=4.*\(2, 3\)"):
        bn(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"'bn2'.*axis 0.*\(None, 3\)"):
        BatchNormalization(axis=0, name="bn2")(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"'bn3'.*axis 4.*\(None, 3\)"):
        BatchNormalization(axis=4, name="bn3")(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"'bn4'.*size of axis -1 must be known"):
        BatchNormalization(name="bn4")(Input(shape=(4, None)))
    with pytest.raises(ValueError, match="momentum"):
        BatchNormalization(momentum=1.5)
    with pytest.raises(ValueError, match="epsilon"):
        BatchNormalization(epsilon=0)
    with pytest.raises(ValueError, match="synchronized"):
        BatchNormalization(synchronized=True)
    with pytest.raises(TypeError, match="axis"):
        BatchNormalization(axis=[1, 2])


def test_batch_norm_symbolic_shape_and_model_summary_counts():
    inputs = Input(shape=(6, 6, 4))
    bn = BatchNormalization()
    outputs = bn(inputs)
    assert outputs.shape == (None, 6, 6, 4)
    model = striate.Model(inputs, outputs)
    assert model.count_params() == 16
    assert sum(w.size for w in model.trainable_weights) == 8
    assert sum(w.size for w in model.non_trainable_weights) == 8


# ---- LayerNormalization -----------------------------------------------------------------------
@pytest.mark.parametrize("shape, axis", [((4, 6), -1), ((2, 3, 4), [1, 2]), ((2, 3, 4), 1), ((2, 3, 4, 2), [1, 3])])
def test_layer_norm_forward_and_gradcheck(shape, axis):
    x = rng_array(shape, seed=8, loc=3.0, scale=2.0, dtype="float64")
    axes = tuple(a % len(shape) for a in (axis if isinstance(axis, list) else [axis]))
    with backend.floatx_scope("float64"):
        ln = LayerNormalization(axis=axis, gamma_initializer="random_normal", beta_initializer="random_normal")
        y = ln(x).data
        wshape = [shape[i] if i in axes else 1 for i in range(len(shape))]
        expected = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + 1e-3) \
            * ln.gamma.numpy().reshape(wshape) + ln.beta.numpy().reshape(wshape)
        np.testing.assert_allclose(y, expected, rtol=1e-10, atol=1e-10)
        assert striate.gradcheck(ln, x, params=ln.trainable_weights)


def test_layer_norm_rms_scaling():
    x = rng_array((3, 5), seed=9, dtype="float64")
    with backend.floatx_scope("float64"):
        ln = LayerNormalization(rms_scaling=True, gamma_initializer="random_normal")
        ln(x)
        assert [w.name for w in ln.weights] == ["gamma"]
        expected = x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + 1e-3) * ln.gamma.numpy()
        np.testing.assert_allclose(ln(x).data, expected, rtol=1e-10)
        assert striate.gradcheck(ln, x, params=ln.trainable_weights)


def test_layer_norm_contract_and_errors():
    check_layer_contract(lambda: LayerNormalization(), (3, 4), (3, 4), 8)
    check_layer_contract(lambda: LayerNormalization(axis=[1, 2], center=False), (3, 4), (3, 4), 12)
    with pytest.raises(ValueError, match=r"'ln1'.*axis 3.*\(None, 3\)"):
        LayerNormalization(axis=3, name="ln1")(np.zeros((2, 3), "float32"))
    with pytest.raises(TypeError, match="axis"):
        LayerNormalization(axis="last")
    ln = LayerNormalization(name="ln2")
    ln(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"ln2.*value 3.*\(2, 4\)"):
        ln(np.zeros((2, 4), "float32"))


# ---- the fused training primitive against the composition it replaces --------------------------
def composed_batch_norm(x, gamma, beta, axis, eps):
    """The composition of Tensor ops that BatchNorm fuses (the DESIGN's default form)."""
    axes = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    shape = tuple(x.shape[i] if i == axis % x.ndim else 1 for i in range(x.ndim))
    centered = x - x.mean(axis=axes, keepdims=True)
    y = centered * ((centered * centered).mean(axis=axes, keepdims=True) + eps) ** -0.5
    if gamma is not None:
        y = y * gamma.reshape(shape)
    if beta is not None:
        y = y + beta.reshape(shape)
    return y


@pytest.mark.parametrize("shape, axis", [((6, 4), -1), ((3, 4, 5, 2), -1), ((3, 2, 4, 5), 1), ((2, 3, 4), 1)])
@pytest.mark.parametrize("center, scale", [(True, True), (False, True), (True, False), (False, False)])
def test_fused_primitive_matches_composition_and_gradcheck(shape, axis, center, scale):
    from striate.autograd.normalization import BatchNorm

    rng = np.random.default_rng(10)
    x = rng.normal(0.5, 2.0, shape)
    c = shape[axis]
    gamma = striate.Tensor(rng.normal(1.0, 0.5, c), requires_grad=True) if scale else None
    beta = striate.Tensor(rng.normal(0.0, 0.5, c), requires_grad=True) if center else None
    dy = rng.standard_normal(shape)
    params = [p for p in (gamma, beta) if p is not None]

    def grads(fn):
        t = striate.Tensor(x, requires_grad=True)
        for p in params:
            p.grad = None
        y = fn(t)
        y.backward(dy)
        return [y.data, t.grad] + [p.grad for p in params]

    stats = {}
    fused = grads(lambda t: BatchNorm.apply(t, gamma, beta, axis=axis, epsilon=1e-3, statistics=stats))
    composed = grads(lambda t: composed_batch_norm(t, gamma, beta, axis, 1e-3))
    for a, b in zip(fused, composed):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)
    axes = tuple(i for i in range(len(shape)) if i != axis % len(shape))
    np.testing.assert_allclose(stats["mean"], x.mean(axis=axes))
    np.testing.assert_allclose(stats["variance"], x.var(axis=axes))
    assert striate.gradcheck(lambda t: BatchNorm.apply(t, gamma, beta, axis=axis, epsilon=1e-3), x, params=params)


def test_fused_primitive_skips_unneeded_gradients_and_keeps_float32():
    from striate.autograd.normalization import BatchNorm

    x = rng_array((4, 3, 3, 2), seed=11)
    gamma = striate.Tensor(np.ones(2, "float32"), requires_grad=True)
    beta = striate.Tensor(np.zeros(2, "float32"))
    y = BatchNorm.apply(striate.Tensor(x), gamma, beta, axis=-1, epsilon=1e-3)
    assert y.dtype == np.float32 and y.requires_grad
    y.backward(np.ones_like(x))
    assert gamma.grad.dtype == np.float32 and gamma.grad.shape == (2,) and beta.grad is None
    with striate.no_grad():
        stats = {}
        out = BatchNorm.apply(striate.Tensor(x), gamma, beta, statistics=stats)
    assert not out.requires_grad and stats["mean"].shape == (2,)
