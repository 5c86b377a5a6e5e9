"""Classic convolution as feature extraction, on plain NumPy arrays.

Correlation and convolution in any number of dimensions (agreeing with SciPy),
smoothing, edge detection, template matching, frequency detection and the
lecture's hierarchical features. Never imports the autodiff engine; needs only
NumPy (through ``striate.backend``).

>>> import numpy as np
>>> from striate import signal
>>> signal.correlate(np.arange(6.0), signal.uniform_kernel(3, dtype="float64")).round(12).tolist()
[1.0, 2.0, 3.0, 4.0]
"""

from striate.signal._fft import next_fast_len
from striate.signal.correlate import METHODS, choose_method, convolve, correlate
from striate.signal.edges import (difference_kernels, edge_filter, gradient_magnitude, oriented_edge_kernel,
                                  sobel, sobel_kernels)
from striate.signal.features import line_feature, line_kernel, line_response
from striate.signal.kernels import gaussian_kernel, uniform_kernel
from striate.signal.scenes import make_scenes
from striate.signal.separable import separate
from striate.signal.smoothing import smooth
from striate.signal.spectral import spectrogram, tone, tone_responses
from striate.signal.templates import best_matches, match_template
from striate.signal.window_functions import get_window

__all__ = [
    "correlate", "convolve", "choose_method", "METHODS", "separate", "next_fast_len",
    "uniform_kernel", "gaussian_kernel", "smooth",
    "difference_kernels", "sobel_kernels", "oriented_edge_kernel", "sobel", "edge_filter", "gradient_magnitude",
    "match_template", "best_matches",
    "tone", "tone_responses", "spectrogram", "get_window",
    "line_kernel", "line_response", "line_feature", "make_scenes",
]
