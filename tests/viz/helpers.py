"""Shared checks for the plotting tests: a figure saved as a real PNG of a sensible size."""

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(fig, path, min_bytes=2000, min_pixels=(80, 80)):
    """Save ``fig`` to ``path`` without a display; check the file is a PNG image of plausible size."""
    import matplotlib.image
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=60)
    plt.close(fig)
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG file"
    assert len(data) >= min_bytes, f"{path.name} is only {len(data)} bytes: an empty picture?"
    height, width = matplotlib.image.imread(path).shape[:2]
    assert height >= min_pixels[0] and width >= min_pixels[1], f"{path.name} is {width}x{height} pixels"
    return data
