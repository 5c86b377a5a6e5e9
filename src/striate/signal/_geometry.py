"""Where each output sample of a correlation reads its input: padding, stride, dilation.

The padding rules are SciPy's (``scipy.signal.correlate``), which differ from
Keras's 'same' (``striate._windows.padding_amounts``) for even kernels: SciPy
centres the output inside the full correlation, so the odd zero goes *before*.
For an axis of size ``n``, kernel size ``k``, stride ``s`` and dilation ``d``,
with ``span = (k - 1) * d + 1``:

=========  ===================  ==================  ===============================
mode       zeros before         zeros after         output length
=========  ===================  ==================  ===============================
'valid'    0                    0                   ``(n - span) // s + 1``
'same'     ``span // 2``        ``(span - 1) // 2`` ``(n - 1) // s + 1``
'full'     ``span - 1``         ``span - 1``        ``(n + span - 2) // s + 1``
=========  ===================  ==================  ===============================

A strided result is the stride-1 result sampled at ``0, s, 2s, ...``, and a dilated
kernel is the kernel with ``d - 1`` zeros between taps; so every combination
equals SciPy on the dilated kernel, subsampled.

>>> g = Geometry((7,), (4,), "same", where="correlate")
>>> g.before, g.after, g.out_shape
((2,), (1,), (7,))
"""

from striate._windows import as_tuple, span

__all__ = ["Geometry", "mode_padding"]


def mode_padding(n_span, mode):
    """``(before, after)`` zeros for a kernel covering ``n_span`` samples (SciPy's rule)."""
    if mode == "valid":
        return 0, 0
    if mode == "same":
        return n_span // 2, (n_span - 1) // 2
    return n_span - 1, n_span - 1


class Geometry:
    """Per-axis sizes of one correlation: data ``shape``, ``kernel`` shape, ``mode``,
    ``stride``, ``dilation``; derived ``span``, ``before``, ``after``, ``out_shape``.

    Raises:
        ValueError: when the (dilated) kernel is larger than the data in 'valid'
            mode; ``stride``/``dilation`` errors come from ``_windows.as_tuple``.
    """

    def __init__(self, shape, kernel, mode, stride=1, dilation=1, where="correlate"):
        rank = len(shape)
        self.shape, self.kernel, self.mode = tuple(shape), tuple(kernel), mode
        self.stride = as_tuple(stride, rank, f"{where}: stride")
        self.dilation = as_tuple(dilation, rank, f"{where}: dilation")
        self.span = tuple(span(k, d) for k, d in zip(self.kernel, self.dilation))
        if mode == "valid" and any(m > n for m, n in zip(self.span, self.shape)):
            what = "kernel" if self.dilation == (1,) * rank else "dilated kernel"
            raise ValueError(
                f"{where}: the {what} is larger than the data in 'valid' mode: "
                f"kernel shape {self.kernel} (span {self.span}) vs data shape {self.shape}; "
                f"use mode='same' or 'full'"
            )
        pads = [mode_padding(m, mode) for m in self.span]
        self.before = tuple(b for b, _ in pads)
        self.after = tuple(a for _, a in pads)
        self.padded = tuple(n + b + a for n, (b, a) in zip(self.shape, pads))
        self.out_shape = tuple((p - m) // s + 1 for p, m, s in zip(self.padded, self.span, self.stride))

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def needs_padding(self):
        return any(self.before) or any(self.after)

    def axis(self, a):
        """``(n, k, s, d, span, before, out)`` of axis ``a``."""
        return (self.shape[a], self.kernel[a], self.stride[a], self.dilation[a], self.span[a],
                self.before[a], self.out_shape[a])
