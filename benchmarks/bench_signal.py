"""striate.signal against SciPy and scikit-image, side by side on the same arrays.

Cases (BENCHMARKS.md, "Convolution toolkit"): ``correlate`` against
``scipy.signal.correlate`` (method 'auto') on a 512x512 image with 3x3, 5x5 and
31x31 kernels, a 1-D signal of 10**6 samples with kernels of 8 and 512, and a
64**3 volume with a 5**3 kernel, in each mode; the Gaussian and Sobel filters
against ``scipy.ndimage``; ``match_template`` against ``skimage.feature``.

Each case first checks that both sides give the same numbers, then times them
with ``timing.alternate`` (A B A B ... after a warm-up): ``--chunks`` chunks of
about ``--chunk-ms`` each; the median per-call time of the chunks is reported,
and the ratio is reference / striate (above 1: striate is faster).

Run:  python benchmarks/bench_signal.py [--dtype float64 float32] [--only 512x512]
      python benchmarks/bench_signal.py --calibrate   # time every method for the cost model
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import alternate  # noqa: E402

from striate import signal  # noqa: E402

try:
    import scipy.ndimage as ndimage
    import scipy.signal as scipy_signal
    from skimage.feature import match_template as skimage_match_template
except ImportError as error:  # the references are test extras, not runtime dependencies
    raise SystemExit(f"the benchmark compares against SciPy and scikit-image: pip install striate[test] ({error})")


def correlate_cases(rng, dtype, modes):
    image = rng.standard_normal((512, 512)).astype(dtype)
    sig = rng.standard_normal(10**6).astype(dtype)
    volume = rng.standard_normal((64, 64, 64)).astype(dtype)
    problems = [(f"512x512 * {k}x{k}", image, (k, k)) for k in (3, 5, 31)]
    problems += [(f"1e6 * {k}", sig, (k,)) for k in (8, 512)]
    problems += [("64^3 * 5^3", volume, (5, 5, 5))]
    for label, x, shape in problems:
        w = rng.standard_normal(shape).astype(dtype)
        for mode in modes:
            yield (f"correlate {label} {mode}", signal.choose_method(x, w, mode),
                   lambda x=x, w=w, mode=mode: signal.correlate(x, w, mode),
                   lambda x=x, w=w, mode=mode: scipy_signal.correlate(x, w, mode, method="auto"))


def filter_cases(rng, dtype):
    image = rng.standard_normal((512, 512)).astype(dtype)
    for sigma in (1.0, 2.0, 5.0):
        yield (f"gaussian 512x512 sigma {sigma:g}", "separable",
               lambda s=sigma: signal.smooth(image, sigma=s), lambda s=sigma: ndimage.gaussian_filter(image, s))
    yield ("sobel pair 512x512", "separable", lambda: [-g for g in signal.sobel(image)],
           lambda: [ndimage.sobel(image, axis=1), ndimage.sobel(image, axis=0)])
    yield ("gradient magnitude 512x512", "separable", lambda: signal.gradient_magnitude(image),
           lambda: ndimage.generic_gradient_magnitude(image, ndimage.sobel))
    template = image[200:231, 300:331].copy()
    yield ("match_template 512x512, 31x31", "", lambda: signal.match_template(image, template),
           lambda: skimage_match_template(image, template))


def agree(a, b, dtype):
    a, b = (a, b) if isinstance(a, list) else ([a], [b])
    tol = 2e-3 if dtype == np.float32 else 1e-8
    return all(x.shape == y.shape and np.allclose(x, y, rtol=tol, atol=tol * float(np.abs(y).max()))
               for x, y in zip(a, b))


def timed(fn, repeats):
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats


def side_by_side(ours, theirs, chunks, chunk_s):
    """Median per-call seconds of ``ours`` and ``theirs``, timed in alternating chunks."""
    per_call = max(timed(ours, 1), timed(theirs, 1))  # also the first warm-up
    result = alternate({"striate": ours, "reference": theirs}, calls_per_chunk=max(1, int(chunk_s / per_call)),
                       chunks=chunks, warmup=1, pause=0.0)  # single-threaded on both sides: no spinning threads
    return result.median("striate"), result.median("reference")


def benchmark(args):
    print(f"numpy {np.__version__}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
    header = f"{'case':44s} {'dtype':8s} {'striate method':15s} {'striate ms':>10s} {'ref ms':>9s} {'ratio':>6s}"
    print(header)
    print("-" * len(header))
    ratios = []
    for dtype in args.dtype:
        rng = np.random.default_rng(0)
        cases = list(correlate_cases(rng, np.dtype(dtype), args.modes)) + list(filter_cases(rng, np.dtype(dtype)))
        for name, method, ours, theirs in cases:
            if args.only and args.only not in name:
                continue
            ok = agree(ours(), theirs(), np.dtype(dtype))
            mine, ref = side_by_side(ours, theirs, args.chunks, args.chunk_ms / 1000)
            ratios.append(ref / mine)
            flag = "" if ok else "  RESULTS DIFFER"
            print(f"{name:44s} {dtype:8s} {method:15s} {mine * 1e3:10.2f} {ref * 1e3:9.2f} {ref / mine:6.2f}{flag}",
                  flush=True)
    if ratios:
        print(f"\n{sum(r >= 1 for r in ratios)}/{len(ratios)} cases at least as fast as the reference; "
              f"geometric mean ratio {np.exp(np.mean(np.log(ratios))):.2f}; "
              f"load average {os.getloadavg()[0]:.2f} at the end")


def calibrate(args):
    """Time every way to run each correlate case, beside the cost model's estimate."""
    from striate.signal import _cost, _direct, _fft
    from striate.signal._geometry import Geometry
    from striate.signal.separable import correlate_separable, separate

    kinds = {"taps": _direct.taps, "gemm": _direct.gemm, "fft": _fft.fft_correlate, "overlap_save": _fft.overlap_save,
             "numpy": lambda x, w, g: _direct.line(x, w, g, "numpy")}
    for dtype in args.dtype:
        rng = np.random.default_rng(0)
        for name, _, ours, _ in correlate_cases(rng, np.dtype(dtype), args.modes):
            if args.only and args.only not in name:
                continue
            x, w = ours.__defaults__[:2]
            geo = Geometry(x.shape, w.shape, ours.__defaults__[2])
            rows = int(np.count_nonzero(w.reshape(-1, w.shape[-1]).any(axis=1)))
            estimates = {**_cost.direct_costs(geo, rows, w.size, x.dtype.itemsize),
                         **_cost.fft_costs(geo, x.dtype.itemsize)}
            factors = separate(np.ones(w.shape))  # what a separable kernel of this size would cost
            row = []
            for kind, estimate in sorted(estimates.items(), key=lambda kv: kv[1]):
                if estimate > 0.5:
                    row.append(f"{kind} est {estimate * 1e3:.1f} (skipped)")
                    continue
                row.append(f"{kind} {timed(lambda: kinds[kind](x, w, geo), 3) * 1e3:.2f} est {estimate * 1e3:.2f}")
            if x.ndim > 1:
                seconds = timed(lambda: correlate_separable(x, factors, geo), 3)
                row.append(f"separable {seconds * 1e3:.2f}")
            print(f"{name:36s} {dtype:8s} " + " | ".join(row), flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", nargs="+", default=["float64", "float32"], choices=["float64", "float32"])
    parser.add_argument("--modes", nargs="+", default=["valid", "same", "full"], choices=["valid", "same", "full"])
    parser.add_argument("--only", default="", help="run only cases whose name contains this text")
    parser.add_argument("--chunks", type=int, default=7)
    parser.add_argument("--chunk-ms", type=float, default=40.0)
    parser.add_argument("--calibrate", action="store_true", help="time every method against the cost model")
    args = parser.parse_args(argv)
    (calibrate if args.calibrate else benchmark)(args)


if __name__ == "__main__":
    main()
