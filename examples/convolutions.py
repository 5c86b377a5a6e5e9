"""Convolution as feature extraction: the lecture's demo1_convolutions, as figures.

Writes PNG figures of: smoothing at several widths, noise removal, Sobel edges,
oriented edges, template matching with the best matches marked, a colour image
correlated with a colour filter (3-D convolution), and the spectrogram of a
generated signal whose tones change over time.

Run:  python examples/convolutions.py [--out out/convolutions]
Needs matplotlib (pip install striate[plot]); uses scikit-image's and PyWavelets'
bundled data when they are installed and generated data otherwise.
"""

import argparse
from pathlib import Path

import numpy as np

from striate import signal


def grey_photo(name):
    """A bundled grey photograph scaled to [0, 1], or a generated scene without scikit-image."""
    try:
        from skimage import data

        image = getattr(data, name)().astype(float)
    except ImportError:
        image = signal.make_scenes(1, size=256, seed=3)[0][0] * 255
    if image.ndim == 3:
        image = image[..., :3].mean(axis=-1)
    return image / 255.0


def colour_photo():
    try:
        from skimage import data

        return data.astronaut()[::2, ::2].astype(float) / 255.0
    except ImportError:
        rng = np.random.default_rng(0)
        return np.clip(signal.smooth(rng.random((256, 256, 3)), sigma=8.0, channel_axis=-1) * 2 - 0.5, 0, 1)


def ecg():
    try:
        import pywt

        return pywt.data.ecg().astype(float)
    except ImportError:
        t = np.linspace(0, 4, 1024)
        return np.sin(2 * np.pi * t) ** 31 * 2 + 0.1 * np.random.default_rng(0).standard_normal(t.size)


def show(ax, image, title, cmap="gray", **kwargs):
    ax.imshow(image, cmap=cmap, **kwargs)
    ax.set_title(title, fontsize=9)
    ax.axis("off")


def smoothing(plt, out):
    x = ecg()
    image = grey_photo("camera")
    fig = plt.figure(figsize=(14, 6.5))
    grid = fig.add_gridspec(2, 4)
    ax = fig.add_subplot(grid[0, :])
    bottom = [fig.add_subplot(grid[1, i]) for i in range(4)]
    ax.plot(x, lw=0.6, color="0.6", label="ECG")
    for width in (5, 15, 45):
        ax.plot(signal.smooth(x, "uniform", size=width), lw=1, label=f"moving average, {width} samples")
    ax.plot(signal.smooth(x, sigma=6.0), lw=1, ls="--", label="Gaussian, sigma 6")
    ax.legend(fontsize=8)
    ax.set_title("1-D smoothing: wider kernels remove more noise and more of the peaks", fontsize=9)
    show(bottom[0], image, "original")
    for axis, sigma in zip(bottom[1:], (1, 3, 8)):
        show(axis, signal.smooth(image, sigma=sigma), f"Gaussian, sigma {sigma} pixels")
    fig.tight_layout()
    fig.savefig(out / "smoothing.png", dpi=80)
    plt.close(fig)


def noise_removal(plt, out):
    rng = np.random.default_rng(1)
    image = grey_photo("camera")
    noisy = image + 0.15 * rng.standard_normal(image.shape)
    fig, axes = plt.subplots(1, 4, figsize=(14, 4))
    show(axes[0], noisy, "noisy (sigma 0.15)", vmin=0, vmax=1)
    for ax, (kind, kw) in zip(axes[1:3], (("uniform", {"size": 5}), ("gaussian", {"sigma": 1.5}))):
        clean = signal.smooth(noisy, kind, **kw)
        error = np.sqrt(np.mean((clean - image) ** 2))
        show(ax, clean, f"{kind} {kw}: RMS error {error:.3f}", vmin=0, vmax=1)
    show(axes[3], image, f"original (noisy RMS error {np.sqrt(np.mean((noisy - image) ** 2)):.3f})", vmin=0, vmax=1)
    fig.tight_layout()
    fig.savefig(out / "noise_removal.png", dpi=80)
    plt.close(fig)


def sobel_edges(plt, out):
    image = grey_photo("camera")
    g1, g2 = signal.sobel(image)
    fig, axes = plt.subplots(1, 4, figsize=(14, 4))
    show(axes[0], image, "image")
    limit = np.percentile(np.abs(np.stack([g1, g2])), 99)  # symmetric colours: white is 0
    show(axes[1], g1, "W1 = [[1,0,-1],[2,0,-2],[1,0,-1]]: vertical edges", cmap="RdBu_r", vmin=-limit, vmax=limit)
    show(axes[2], g2, "W2 = W1.T: horizontal edges", cmap="RdBu_r", vmin=-limit, vmax=limit)
    show(axes[3], signal.gradient_magnitude(image), "gradient magnitude sqrt(g1^2 + g2^2)")
    fig.tight_layout()
    fig.savefig(out / "sobel_edges.png", dpi=80)
    plt.close(fig)


def oriented_edges(plt, out):
    rows, cols = np.mgrid[-100:100, -100:100]
    wheel = ((np.degrees(np.arctan2(rows, cols)) // 30) % 2 == 0) * (np.hypot(rows, cols) < 90).astype(float)
    fig, axes = plt.subplots(2, 5, figsize=(15, 6.5))
    show(axes[0, 0], wheel, "image: a wheel of edges")
    show(axes[1, 0], grey_photo("camera"), "camera")
    for col, angle in enumerate((0, 45, 90, 135), start=1):
        show(axes[0, col], np.abs(signal.edge_filter(wheel, angle)),
             f"|cos({angle}) W1 + sin({angle}) W2|", cmap="magma")
        show(axes[1, col], np.abs(signal.edge_filter(grey_photo("camera"), angle)), f"{angle} deg", cmap="magma")
    fig.tight_layout()
    fig.savefig(out / "oriented_edges.png", dpi=80)
    plt.close(fig)


def template_matching(plt, out):
    from matplotlib.patches import Rectangle

    image = grey_photo("coins")
    top, left, h, w = 100, 77, 46, 46  # one coin (second row, second from the left)
    template = image[top:top + h, left:left + w]
    scores = signal.match_template(image, template)
    found = signal.best_matches(scores, count=6, min_distance=min(h, w) // 2)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5), gridspec_kw={"width_ratios": [1, 4, 4]})
    show(axes[0], template, "template")
    show(axes[1], scores, "normalised cross-correlation (-1 .. 1)", cmap="RdBu_r", vmin=-1, vmax=1)
    show(axes[2], image, "best matches (best in red)")
    for rank, (r, c) in enumerate(found):
        axes[2].add_patch(Rectangle((c, r), w, h, fill=False, lw=2, ec="red" if rank == 0 else "yellow"))
        axes[2].text(c, r - 2, f"{scores[r, c]:.2f}", color="yellow", fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "template_matching.png", dpi=80)
    plt.close(fig)


def colour_convolution(plt, out):
    image = colour_photo()
    k = 9
    # A (k, k, 3) filter: average redness minus greenness and blueness -> red regions light up.
    redness = np.zeros((k, k, 3))
    redness[..., 0], redness[..., 1:] = 1.0, -0.5
    redness /= k * k
    # The Sobel W1 in every channel: vertical edges of any colour.
    w1 = np.repeat(signal.sobel_kernels("float64")[0][..., None], 3, axis=2)
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.8))
    show(axes[0], image, f"colour image {image.shape}")
    show(axes[1], signal.correlate(image, redness)[..., 0], f"* red-minus-green/blue filter {redness.shape}",
         cmap="magma")
    show(axes[2], np.abs(signal.correlate(image, w1)[..., 0]), f"* W1 in all channels {w1.shape}", cmap="magma")
    fig.suptitle("3-D convolution: an (H, W, 3) image correlated with a (k, k, 3) filter gives one 2-D map")
    fig.tight_layout()
    fig.savefig(out / "colour_convolution.png", dpi=80)
    plt.close(fig)


def spectrogram(plt, out):
    fs = 8000.0
    rng = np.random.default_rng(2)
    second = int(fs)
    t = np.arange(second) / fs
    pieces = [signal.tone(440.0, second, fs), signal.tone(880.0, second, fs),
              np.sin(2 * np.pi * (300 * t + 900 * t**2)),  # a chirp from 300 to 2100 Hz
              0.6 * signal.tone(660.0, second, fs) + 0.6 * signal.tone(1320.0, second, fs)]
    x = np.concatenate(pieces) + 0.3 * rng.standard_normal(4 * second)
    f, times, power = signal.spectrogram(x, fs, nperseg=512, noverlap=384)
    responses = signal.tone_responses(x, fs, [440.0, 660.0, 880.0], 400)
    fig, axes = plt.subplots(3, 1, figsize=(12, 9), sharex=True)
    axes[0].plot(np.arange(x.size) / fs, x, lw=0.3)
    axes[0].set_title("440 Hz, then 880 Hz, then a chirp, then a chord of 660 + 1320 Hz (with noise)")
    axes[1].pcolormesh(times, f, 10 * np.log10(power + 1e-12), shading="auto", cmap="magma")
    axes[1].set_ylim(0, 2500)
    axes[1].set_ylabel("frequency (Hz)")
    axes[1].set_title("spectrogram (power in dB, light = loud): FFT of overlapping, tapered segments")
    for hz, r in zip((440, 660, 880), responses):
        axes[2].plot(np.arange(x.size) / fs, r, label=f"{hz} Hz snippet")
    axes[2].set_title("correlation with 50 ms snippets of pure tones: amplitude of each tone over time")
    axes[2].set_xlabel("time (s)")
    axes[2].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "spectrogram.png", dpi=80)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/convolutions"))
    args = parser.parse_args(argv)
    try:
        import matplotlib
    except ImportError:
        raise SystemExit("this demo draws figures: pip install matplotlib (or striate[plot])") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    args.out.mkdir(parents=True, exist_ok=True)
    for figure in (smoothing, noise_removal, sobel_edges, oriented_edges, template_matching, colour_convolution,
                   spectrogram):
        figure(plt, args.out)
        print(f"wrote {args.out / (figure.__name__ + '.png')}")


if __name__ == "__main__":
    main()
