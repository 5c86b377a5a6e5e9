"""correlate / convolve against scipy.signal over random shapes, dimensions, modes and methods."""

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

from striate import signal
from striate.signal import _fft
from striate.signal._fft import dilate

MODES = ("valid", "same", "full")
METHODS = ("auto", "direct", "fft")


@st.composite
def problems(draw, max_ndim=3, max_size=11, max_kernel=6):
    """Random data and kernel shapes (kernel may exceed the data outside 'valid')."""
    ndim = draw(st.integers(1, max_ndim))
    mode = draw(st.sampled_from(MODES))
    shape = tuple(draw(st.lists(st.integers(1, max_size), min_size=ndim, max_size=ndim)))
    if mode == "valid":
        kernel = tuple(draw(st.integers(1, min(n, max_kernel))) for n in shape)
    else:
        kernel = tuple(draw(st.lists(st.integers(1, max_kernel), min_size=ndim, max_size=ndim)))
    seed = draw(st.integers(0, 2**32 - 1))
    return shape, kernel, mode, seed


def _arrays(shape, kernel, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape).astype(dtype), rng.standard_normal(kernel).astype(dtype)


@settings(max_examples=80, deadline=None)
@given(problems(), st.sampled_from(METHODS), st.sampled_from(["correlate", "convolve"]))
def test_matches_scipy_float64(problem, method, name):
    shape, kernel, mode, seed = problem
    x, w = _arrays(shape, kernel, seed)
    got = getattr(signal, name)(x, w, mode, method=method)
    want = getattr(scipy.signal, name)(x, w, mode, method="direct")
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(problems(), st.sampled_from(METHODS))
def test_float32_stays_float32(problem, method):
    shape, kernel, mode, seed = problem
    x, w = _arrays(shape, kernel, seed, np.float32)
    got = signal.correlate(x, w, mode, method=method)
    want = scipy.signal.correlate(x.astype(np.float64), w.astype(np.float64), mode)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * max(1.0, np.abs(want).max()))


@settings(max_examples=60, deadline=None)
@given(problems(), st.integers(1, 3), st.integers(1, 3), st.sampled_from(["auto", "direct", "fft"]))
def test_stride_and_dilation(problem, stride, dilation, method):
    """Strided, dilated correlation = SciPy's with the dilated kernel, subsampled."""
    shape, kernel, mode, seed = problem
    x, w = _arrays(shape, kernel, seed)
    spans = [(k - 1) * dilation + 1 for k in kernel]
    if mode == "valid" and any(s > n for s, n in zip(spans, shape)):
        with pytest.raises(ValueError, match="larger than the data"):
            signal.correlate(x, w, mode, stride=stride, dilation=dilation)
        return
    got = signal.correlate(x, w, mode, method=method, stride=stride, dilation=dilation)
    want = scipy.signal.correlate(x, dilate(w, (dilation,) * w.ndim), mode)[(slice(None, None, stride),) * x.ndim]
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(problems(max_ndim=3), st.sampled_from(["int8", "uint8", "int16", "int32", "int64"]),
       st.sampled_from(["auto", "direct", "fft"]))
def test_integers_match_scipy_exactly(problem, dtype, method):
    """Same dtype as SciPy, same values, including wrap-around on overflow."""
    shape, kernel, mode, seed = problem
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 120, shape).astype(dtype)
    w = rng.integers(-3, 4, kernel).astype(dtype)
    for name in ("correlate", "convolve"):
        got = getattr(signal, name)(x, w, mode, method=method)
        want = getattr(scipy.signal, name)(x, w, mode, method=method)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("k", [2, 4, 6])
@pytest.mark.parametrize("name", ["correlate", "convolve"])
def test_even_kernels_in_same_mode_put_the_odd_zero_like_scipy(k, name):
    x = np.arange(1.0, 10.0)
    for tap in range(k):
        w = np.zeros(k)
        w[tap] = 1.0
        np.testing.assert_array_equal(getattr(signal, name)(x, w, "same"),
                                      getattr(scipy.signal, name)(x, w, "same"))
    image, w2 = np.arange(30.0).reshape(5, 6), np.arange(1.0, 1.0 + k * 2).reshape(2, k)
    np.testing.assert_allclose(getattr(signal, name)(image, w2, "same"), getattr(scipy.signal, name)(image, w2, "same"))


@pytest.mark.parametrize("method", ["direct", "fft", "separable"])
def test_non_contiguous_inputs(method):
    rng = np.random.default_rng(8)
    x = np.asfortranarray(rng.standard_normal((40, 70)))[:, ::2].T  # (35, 40), neither C nor F order
    w = np.outer(rng.standard_normal(5), rng.standard_normal(4))[::-1]
    for mode in MODES:
        np.testing.assert_allclose(signal.correlate(x, w, mode, method=method), scipy.signal.correlate(x, w, mode),
                                   atol=1e-11)


@pytest.mark.parametrize("workers, in_place", [(1, True), (2, True), (3, True), (2, False)])
def test_large_arrays_split_fft_stages_over_threads(monkeypatch, workers, in_place):
    """Arrays over 2**16 samples split each FFT stage over the idle cores."""
    monkeypatch.setattr(_fft, "_workers", lambda: workers)
    monkeypatch.setattr(_fft, "_FFT_OUT", in_place and _fft._FFT_OUT)  # also the NumPy 1.x path
    rng = np.random.default_rng(9)
    for x, w in ((rng.standard_normal((300, 310)), rng.standard_normal((21, 20))),
                 (rng.standard_normal(200000).astype(np.float32), rng.standard_normal(700).astype(np.float32))):
        for mode in MODES:
            want = scipy.signal.correlate(x.astype(np.float64), w.astype(np.float64), mode)
            np.testing.assert_allclose(signal.correlate(x, w, mode, method="fft"), want,
                                       atol=1e-4 * np.abs(want).max() if x.dtype == np.float32 else 1e-10)


def test_four_dimensions():
    x, w = _arrays((5, 4, 6, 3), (2, 3, 2, 2), 7)
    for mode in MODES:
        np.testing.assert_allclose(signal.correlate(x, w, mode), scipy.signal.correlate(x, w, mode), atol=1e-12)


def test_colour_image_with_a_colour_filter_is_the_lectures_3d_convolution():
    rng = np.random.default_rng(0)
    image, w = rng.random((20, 24, 3)), rng.standard_normal((5, 5, 3))
    y = signal.correlate(image, w)
    assert y.shape == (16, 20, 1)
    # the definition: sum over the 5 x 5 window and all three channels
    want = np.array([[np.sum(image[i:i + 5, j:j + 5] * w) for j in range(20)] for i in range(16)])
    np.testing.assert_allclose(y[..., 0], want, atol=1e-12)


def test_list_kernel_takes_the_datas_float_type():
    x = np.arange(6, dtype=np.float32)
    assert signal.correlate(x, [1, -1]).dtype == np.float32
    assert signal.correlate(x, np.array([1.0, -1.0])).dtype == np.float64  # arrays promote like NumPy


def test_float16_is_computed_in_float32_and_returned_as_float16():
    x = np.linspace(0, 1, 50).astype(np.float16)
    y = signal.correlate(x, np.ones(5, np.float16) / 5)
    assert y.dtype == np.float16
    np.testing.assert_allclose(y.astype(float), scipy.signal.correlate(x.astype(float), np.ones(5) / 5, "valid"),
                               atol=2e-3)


@pytest.mark.parametrize("method", ["direct", "fft", "separable"])
def test_every_method_agrees_on_a_separable_kernel(method):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((30, 25, 7))
    w = np.multiply.outer(np.multiply.outer(rng.standard_normal(4), rng.standard_normal(3)), rng.standard_normal(2))
    for mode in MODES:
        np.testing.assert_allclose(signal.correlate(x, w, mode, method=method, stride=(1, 2, 1)),
                                   scipy.signal.correlate(x, w, mode)[:, ::2], atol=1e-11)


def test_long_signal_paths_agree_with_scipy():
    """The 1-D GEMM (interior in place, edges apart) and overlap-save paths."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal(20000)
    for k in (8, 300):
        w = rng.standard_normal(k)
        for mode in MODES:
            want = scipy.signal.correlate(x, w, mode)
            for method in ("direct", "fft"):
                np.testing.assert_allclose(signal.correlate(x, w, mode, method=method), want, atol=1e-9)


def test_choose_method_names_a_method_that_correlate_runs():
    rng = np.random.default_rng(3)
    image = rng.standard_normal((64, 64))
    assert signal.choose_method(image, rng.standard_normal((3, 3))) == "direct"
    assert signal.choose_method(image, np.ones((15, 15))) == "separable"
    assert signal.choose_method(rng.standard_normal(4096), rng.standard_normal(1000)) == "fft"
    assert signal.choose_method(image.astype(np.int32), np.ones((15, 15), np.int32)) == "direct"  # exact
    best, times = signal.choose_method(image, np.ones((9, 9)), measure=True)
    assert set(times) == {"direct", "fft", "separable"} and best == min(times, key=times.get)


def test_next_fast_len_is_the_smallest_5_smooth_number():
    def smooth(n):
        for p in (2, 3, 5):
            while n % p == 0:
                n //= p
        return n == 1

    for n in list(range(1, 400)) + [1000001, 2**20 + 1]:
        m = signal.next_fast_len(n)
        assert m >= n and smooth(m)
        assert not any(smooth(j) for j in range(n, m))


def test_separate_finds_factors_of_rank_one_kernels_only():
    rng = np.random.default_rng(4)
    factors = [rng.standard_normal(k) for k in (3, 4, 2)]
    w = np.multiply.outer(np.multiply.outer(*factors[:2]), factors[2])
    found = signal.separate(w)
    np.testing.assert_allclose(np.multiply.outer(np.multiply.outer(*found[:2]), found[2]), w, atol=1e-12)
    assert signal.separate(w + 1e-3 * rng.standard_normal(w.shape)) is None
    assert signal.separate(np.eye(3)) is None
