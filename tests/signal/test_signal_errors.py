"""Bad input: every public function fails with a clear error naming the argument and shapes."""

import numpy as np
import pytest

from striate import signal

X = np.arange(20.0).reshape(4, 5)


@pytest.mark.parametrize("fn", [signal.correlate, signal.convolve, signal.choose_method])
def test_kernel_with_more_dimensions_than_the_data(fn):
    with pytest.raises(ValueError, match=r"more dimensions than the data.*\(2, 2, 2\).*\(4, 5\)"):
        fn(X, np.ones((2, 2, 2)))


def test_kernel_with_fewer_dimensions_says_how_to_fix_it():
    with pytest.raises(ValueError, match=r"as many dimensions.*\(3,\).*\(4, 5\).*w\[\.\.\., None\]"):
        signal.correlate(X, np.ones(3))


def test_unknown_mode_and_method():
    with pytest.raises(ValueError, match=r"mode must be one of \('valid', 'same', 'full'\), got 'circular'"):
        signal.correlate(X, np.ones((2, 2)), "circular")
    with pytest.raises(ValueError, match=r"method must be one of .*got 'winograd'"):
        signal.correlate(X, np.ones((2, 2)), method="winograd")


def test_kernel_larger_than_the_data_in_valid_mode():
    with pytest.raises(ValueError, match=r"larger than the data in 'valid' mode.*\(3, 6\).*\(4, 5\)"):
        signal.correlate(X, np.ones((3, 6)))
    with pytest.raises(ValueError, match=r"dilated kernel.*span \(5, 5\)"):
        signal.correlate(X, np.ones((3, 3)), dilation=2)
    assert signal.correlate(X, np.ones((3, 6)), "same").shape == (4, 5)  # fine outside 'valid'


@pytest.mark.parametrize("x, w, name", [
    (np.zeros((0, 3)), np.ones((1, 1)), "x"),
    (np.ones((3, 3)), np.zeros((2, 0)), "w"),
])
def test_empty_arrays(x, w, name):
    with pytest.raises(ValueError, match=rf"{name} is empty \(shape"):
        signal.correlate(x, w)


@pytest.mark.parametrize("where", ["x", "w"])
@pytest.mark.parametrize("bad, word", [(np.nan, "NaN"), (np.inf, "infinity")])
def test_nan_or_infinity_in_data_or_kernel(where, bad, word):
    x, w = X.copy(), np.ones((2, 2))
    (x if where == "x" else w)[1, 1] = bad
    with pytest.raises(ValueError, match=rf"{where} \(shape .*\) contains {word}"):
        signal.correlate(x, w)


def test_scalar_complex_and_text_input():
    with pytest.raises(ValueError, match="at least one dimension"):
        signal.correlate(3.0, 1.0)
    with pytest.raises(TypeError, match="complex"):
        signal.correlate(X + 1j, np.ones((2, 2)))
    with pytest.raises(TypeError, match="must hold numbers"):
        signal.correlate(np.array(["a", "b"]), np.array(["a"]))


def test_bad_stride_and_dilation():
    with pytest.raises(ValueError, match="stride must be positive"):
        signal.correlate(X, np.ones((2, 2)), stride=0)
    with pytest.raises(ValueError, match="dilation must have 2 entries"):
        signal.correlate(X, np.ones((2, 2)), dilation=(1, 2, 3))


def test_separable_method_needs_a_separable_kernel():
    with pytest.raises(ValueError, match=r"rank-1 kernel; w of shape \(2, 2\) is not separable"):
        signal.correlate(X, np.eye(2), method="separable")


def test_template_larger_than_the_image():
    with pytest.raises(ValueError, match=r"template is larger than the image.*\(5, 2\).*\(4, 5\)"):
        signal.match_template(X, np.ones((5, 2)))
    with pytest.raises(ValueError, match="template must have as many dimensions"):
        signal.match_template(X, np.ones(3))
    with pytest.raises(ValueError, match="template .* contains NaN"):
        signal.match_template(X, np.full((2, 2), np.nan))


def test_filter_arguments():
    with pytest.raises(ValueError, match="boundary must be one of"):
        signal.smooth(X, boundary="zeros")
    with pytest.raises(ValueError, match="kind must be one of"):
        signal.smooth(X, kind="median")
    with pytest.raises(ValueError, match="sigma is for kind='gaussian'"):
        signal.smooth(X, "uniform", sigma=2.0)
    with pytest.raises(ValueError, match="sigma must be positive"):
        signal.smooth(X, sigma=0.0)
    with pytest.raises(ValueError, match=r"expects a grey image \(H, W\).*\(4, 5, 3\)"):
        signal.sobel(np.ones((4, 5, 3)))
    with pytest.raises(ValueError, match="channel_axis must be an axis"):
        signal.smooth(X, channel_axis=2)
    with pytest.raises(ValueError, match="size must be positive"):
        signal.uniform_kernel(0)


def test_spectral_arguments():
    x = np.zeros(100)
    with pytest.raises(ValueError, match="noverlap must be an int in"):
        signal.spectrogram(x, nperseg=50, noverlap=50)
    with pytest.raises(ValueError, match="nfft=10 must be at least nperseg=50"):
        signal.spectrogram(x, nperseg=50, nfft=10)
    with pytest.raises(ValueError, match="differs from the window's length"):
        signal.spectrogram(x, window=np.ones(20), nperseg=30)
    with pytest.raises(ValueError, match="unknown window 'triangle'"):
        signal.spectrogram(x, window="triangle", nperseg=50)
    with pytest.raises(ValueError, match="needs a \\('tukey', alpha\\) pair"):
        signal.get_window("tukey", 10)
    with pytest.raises(ValueError, match="x must be 1-D"):
        signal.tone_responses(np.zeros((3, 100)), 1.0, [0.1], 10)
    with pytest.warns(UserWarning, match="nperseg = 256 is greater than input length = 100"):
        signal.spectrogram(x)


def test_best_matches_arguments():
    with pytest.raises(ValueError, match="count must be a positive int"):
        signal.best_matches(np.zeros((3, 3)), count=0)
    with pytest.raises(ValueError, match="scores .* contains NaN"):
        signal.best_matches(np.array([0.0, np.nan]))
