"""The Conv primitive's fused ReLU and its split of the batch over threads agree with the plain path."""

import numpy as np
import pytest

import striate
from striate import backend
from striate import functional as F
from striate.autograd import Conv, _parallel

GEOMETRIES = [  # (x shape, kernel shape, strides, padding): both input-gradient methods, pointwise
    ((3, 9, 9, 4), (3, 3, 4, 5), 1, "same"),
    ((3, 9, 9, 2), (3, 3, 2, 6), 2, "valid"),
    ((2, 11, 3), (4, 3, 4), 1, "valid"),
    ((2, 5, 5, 3), (1, 1, 3, 4), 1, "valid"),
]


@pytest.mark.parametrize("x_shape,w_shape,strides,padding", GEOMETRIES)
def test_fused_relu_equals_relu_of_conv_and_passes_gradcheck(x_shape, w_shape, strides, padding):
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[-1])

    def fused(x, w, b):
        return Conv.apply(x, w, b, strides=strides, padding=padding, relu=True)

    def composed(x, w, b):
        return F.relu(Conv.apply(x, w, b, strides=strides, padding=padding))

    tensors = [striate.Tensor(a, requires_grad=True) for a in (x, w, b)]
    out = fused(*tensors)
    np.testing.assert_allclose(out.data, composed(*[striate.Tensor(a) for a in (x, w, b)]).data, rtol=1e-12)
    seed = rng.standard_normal(out.shape)
    out.backward(seed)
    reference = [striate.Tensor(a, requires_grad=True) for a in (x, w, b)]
    composed(*reference).backward(seed)
    for got, want in zip(tensors, reference):
        np.testing.assert_allclose(got.grad, want.grad, rtol=1e-10, atol=1e-12)
    assert striate.gradcheck(fused, x, w, b)


def test_fused_relu_skips_the_input_gradient_when_not_needed():
    rng = np.random.default_rng(1)
    x = striate.Tensor(rng.standard_normal((2, 6, 6, 3)))
    w = striate.Tensor(rng.standard_normal((3, 3, 3, 4)), requires_grad=True)
    Conv.apply(x, w, None, relu=True).sum().backward()
    assert x.grad is None and w.grad.shape == (3, 3, 3, 4)


@pytest.mark.parametrize("relu", [False, True])
def test_batch_split_over_threads_gives_the_serial_result(monkeypatch, relu):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((16, 24, 24, 8)).astype("float32")
    w = rng.standard_normal((3, 3, 8, 16)).astype("float32") * 0.1
    b = rng.standard_normal(16).astype("float32")
    seed = rng.standard_normal((16, 24, 24, 16)).astype("float32")

    def run():
        tensors = [striate.Tensor(a, requires_grad=True) for a in (x, w, b)]
        out = Conv.apply(*tensors, padding="same", relu=relu)
        out.backward(seed)
        return [out.data] + [t.grad for t in tensors]

    monkeypatch.setattr(backend, "num_threads", lambda: 1)
    serial = run()
    calls = []
    original = _parallel.over_batch
    monkeypatch.setattr(backend, "num_threads", lambda: 3)
    monkeypatch.setattr(_parallel, "MIN_PARALLEL_BYTES", 0)
    monkeypatch.setattr("striate.autograd.conv.over_batch", lambda *a, **k: calls.append(1) or original(*a, **k))
    parallel = run()
    assert calls  # the split really ran
    for got, want in zip(parallel, serial):
        # The weight and bias gradients add the threads' partial sums in another order, and
        # the outputs and input gradients come from GEMMs of other sizes, which OpenBLAS may
        # round differently on some CPUs: float32 rounding of sums over ~9,000 terms.
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * np.abs(want).max())
    # Deterministic mode: the same split for 1 and 3 threads, so the same bits (docs/determinism.md).
    striate.utils.enable_deterministic()
    try:
        monkeypatch.setattr(backend, "num_threads", lambda: 1)
        serial = run()
        monkeypatch.setattr(backend, "num_threads", lambda: 3)
        parallel = run()
    finally:
        striate.utils.disable_deterministic()
    for got, want in zip(parallel, serial):
        np.testing.assert_array_equal(got, want)


def test_over_batch_waits_for_every_part_and_reraises():
    import threading

    done = []

    def part(start, stop):
        if start == 0:
            raise RuntimeError("first part failed")
        threading.Event().wait(0.05)
        done.append((start, stop))

    with pytest.raises(RuntimeError, match="first part failed"):
        _parallel.over_batch(part, 8, work_bytes=1 << 30) if backend.num_threads() > 1 else part(0, 8)
    if backend.num_threads() > 1:
        assert done  # the other part finished before the error surfaced


@pytest.mark.parametrize("pool,strides,padding", [(2, None, "valid"), (3, 2, "same")])
def test_max_pool_split_over_threads_gives_the_serial_result(monkeypatch, pool, strides, padding):
    from striate.autograd import MaxPool

    rng = np.random.default_rng(3)
    x = rng.standard_normal((12, 20, 20, 8)).astype("float32")
    x[:, ::4, ::4, :] = 5.0  # ties inside windows: the first maximum gets the gradient
    seed = None

    def run():
        nonlocal seed
        t = striate.Tensor(x, requires_grad=True)
        out = MaxPool.apply(t, pool=pool, strides=strides, padding=padding)
        seed = rng.standard_normal(out.shape).astype("float32") if seed is None else seed
        out.backward(seed)
        return out.data, t.grad

    monkeypatch.setattr(backend, "num_threads", lambda: 1)
    serial = run()
    monkeypatch.setattr(backend, "num_threads", lambda: 3)
    monkeypatch.setattr(_parallel, "MIN_PARALLEL_BYTES", 0)
    parallel = run()
    for got, want in zip(parallel, serial):
        np.testing.assert_array_equal(got, want)


def test_batch_norm_split_over_threads_gives_the_serial_result(monkeypatch):
    from striate.autograd import BatchNorm

    rng = np.random.default_rng(4)
    x = (rng.standard_normal((16, 16, 16, 12)) * 3 + 50).astype("float32")  # a large mean: no cancellation
    gamma, beta = rng.standard_normal(12).astype("float32"), rng.standard_normal(12).astype("float32")
    seed = rng.standard_normal(x.shape).astype("float32")

    def run():
        tensors = [striate.Tensor(a, requires_grad=True) for a in (x, gamma, beta)]
        stats = {}
        out = BatchNorm.apply(*tensors, axis=-1, epsilon=1e-3, statistics=stats)
        out.backward(seed)
        return [out.data, stats["mean"], stats["variance"]] + [t.grad for t in tensors]

    monkeypatch.setattr(backend, "num_threads", lambda: 1)
    serial = run()
    monkeypatch.setattr(backend, "num_threads", lambda: 3)
    monkeypatch.setattr(_parallel, "MIN_PARALLEL_BYTES", 0)
    parallel = run()
    for got, want in zip(parallel, serial):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())
    # and against float64 NumPy, for the large-mean case
    x64 = x.astype(np.float64)
    mean, var = x64.mean(axis=(0, 1, 2)), x64.var(axis=(0, 1, 2))
    x_hat = (x64 - mean) / np.sqrt(var + 1e-3)
    np.testing.assert_allclose(parallel[0], x_hat * gamma + beta, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(parallel[4], (seed * x_hat).sum(axis=(0, 1, 2)), rtol=1e-3, atol=1e-2)


def test_channel_affine_matches_numpy_and_passes_gradcheck():
    from striate.autograd import ChannelAffine

    rng = np.random.default_rng(5)
    x, scale, shift = rng.standard_normal((3, 4, 5, 6)), rng.standard_normal(6), rng.standard_normal(6)
    out = ChannelAffine.apply(striate.Tensor(x), striate.Tensor(scale), striate.Tensor(shift))
    np.testing.assert_allclose(out.data, x * scale + shift, rtol=1e-12)
    assert striate.gradcheck(lambda a, s, t: ChannelAffine.apply(a, s, t), x, scale, shift)
