"""Cityscape or landscape? Hand-made hierarchical features and a linear classifier.

The lecture's idea, end to end: edge detection (Sobel) -> a second correlation
that looks for long lines made of edges -> the mean response as one number per
image -> a linear classifier. Two such numbers (long vertical lines, long
horizontal lines) are the features; a least-squares linear classifier draws the
line between the classes.

Run:  python examples/hierarchical_features.py [--out out/convolutions] [--per-class 200]
Prints the test accuracy; writes hierarchical_features.png when matplotlib is installed.
"""

import argparse
from pathlib import Path

import numpy as np

from striate import signal


def features(images, length):
    """``(n, 2)``: mean long-vertical-line and long-horizontal-line responses."""
    return np.array([[signal.line_feature(im, length, "vertical"), signal.line_feature(im, length, "horizontal")]
                     for im in images])


def fit_linear(x, labels):
    """Least-squares linear classifier: weights ``w`` (last entry the bias) with
    ``[x, 1] @ w`` close to +1 for class 1 and -1 for class 0."""
    design = np.column_stack([x, np.ones(len(x))])
    w, *_ = np.linalg.lstsq(design, np.where(labels == 1, 1.0, -1.0), rcond=None)
    return w


def predict(x, w):
    return (np.column_stack([x, np.ones(len(x))]) @ w > 0).astype(int)


def split(n, seed):
    """Half of each class for training, half for testing (scenes alternate classes)."""
    order = np.random.default_rng(seed).permutation(n // 2)
    train = np.concatenate([2 * order[: len(order) // 2], 2 * order[: len(order) // 2] + 1])
    test = np.concatenate([2 * order[len(order) // 2:], 2 * order[len(order) // 2:] + 1])
    return train, test


def photographs():
    """A few of scikit-image's bundled photographs, grey, if it is installed."""
    try:
        from skimage import data
    except ImportError:
        return {}
    out = {}
    for name in ("camera", "astronaut", "rocket", "brick", "grass", "coffee", "page"):
        image = getattr(data, name)().astype(float)
        out[name] = image[..., :3].mean(axis=-1) if image.ndim == 3 else image
    return out


def plot(out, images, labels, x, w, length):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 4, figsize=(13, 6.5))
    for row, label in enumerate((1, 0)):
        image = images[np.flatnonzero(labels == label)[0]]
        edges, lines = signal.line_response(image, length)
        panels = ((image, "cityscape" if label else "landscape"), (edges, "|W1 * image|: vertical edges"),
                  (lines, f"long vertical lines (length {length})"))
        for ax, (panel, title) in zip(axes[row, :3], panels):
            ax.imshow(panel, cmap="gray")
            ax.set_title(title, fontsize=9)
            ax.axis("off")
    axes[1, 3].axis("off")
    ax = axes[0, 3]
    for label, colour, name in ((1, "tab:orange", "cityscapes"), (0, "tab:green", "landscapes")):
        ax.scatter(*x[labels == label].T, s=8, c=colour, label=name)
    xs = np.linspace(0, x[:, 0].max(), 50)
    if abs(w[1]) > 1e-12:
        ax.plot(xs, -(w[0] * xs + w[2]) / w[1], "k--", label="linear classifier")
    ax.set_ylim(0, x[:, 1].max() * 1.1 + 1e-3)
    ax.set_xlabel("mean long-vertical-line response")
    ax.set_ylabel("mean long-horizontal-line response")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "hierarchical_features.png", dpi=80)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/convolutions"))
    parser.add_argument("--per-class", type=int, default=200)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--length", type=int, default=15, help="how long a line must be (pixels)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    images, labels = signal.make_scenes(args.per_class, size=args.size, seed=args.seed)
    x = features(images, args.length)
    train, test = split(len(images), args.seed)
    w = fit_linear(x[train], labels[train])
    train_acc = (predict(x[train], w) == labels[train]).mean()
    test_acc = (predict(x[test], w) == labels[test]).mean()
    print(f"features: vertical-line mean {x[labels == 1, 0].mean():.4f} (cityscapes) "
          f"vs {x[labels == 0, 0].mean():.4f} (landscapes)")
    print(f"train accuracy {train_acc:.3f} on {len(train)} scenes")
    print(f"test accuracy {test_acc:.3f} on {len(test)} held-out scenes")
    for name, image in photographs().items():
        f = features([image], args.length)[0]
        print(f"photo {name:10s} vertical {f[0]:.4f} horizontal {f[1]:.4f} -> "
              f"{'cityscape' if predict(f[None], w)[0] else 'landscape'}")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("matplotlib is not installed: no figure (pip install striate[plot])")
        return
    args.out.mkdir(parents=True, exist_ok=True)
    plot(args.out, images, labels, x, w, args.length)
    print(f"figure written to {args.out / 'hierarchical_features.png'}")


if __name__ == "__main__":
    main()
