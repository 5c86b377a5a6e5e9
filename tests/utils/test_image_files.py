"""load_img, img_to_array, array_to_img, save_img: round trips, Keras as an oracle, hostile files."""

import os
import struct
import sys
import zlib

import numpy as np
import pytest

PIL = pytest.importorskip("PIL")

from striate.utils import image  # noqa: E402
from striate.utils import array_to_img, img_to_array, load_img, save_img  # noqa: E402
from striate.utils.image import ImageFileError, open_image  # noqa: E402

RNG = np.random.default_rng(0)
RGB = RNG.integers(0, 256, (5, 7, 3)).astype(np.uint8)


@pytest.mark.parametrize("ext, mode, channels", [("png", "rgb", 3), ("png", "rgba", 4), ("png", "grayscale", 1),
                                                 ("bmp", "rgb", 3), ("bmp", "grayscale", 1)])  # BMP has no alpha
def test_lossless_round_trip(tmp_path, ext, mode, channels):
    x = RNG.integers(0, 256, (5, 7, channels)).astype(np.uint8)
    path = tmp_path / f"x.{ext}"
    save_img(path, x, scale=False)
    back = img_to_array(load_img(path, color_mode=mode))
    assert back.dtype == np.float32 and back.shape == (5, 7, channels)
    np.testing.assert_array_equal(back, x.astype(np.float32))


def test_gif_and_jpeg_read_back_close(tmp_path):
    grey = np.repeat(np.arange(0, 250, 50, dtype=np.uint8)[:, None, None], 6, axis=1)  # (5, 6, 1), 5 levels
    save_img(tmp_path / "g.gif", grey, scale=False)
    np.testing.assert_array_equal(img_to_array(load_img(tmp_path / "g.gif", "grayscale")), grey)
    smooth = np.repeat(np.linspace(0, 255, 16, dtype=np.uint8)[None, :, None], 16, axis=0).repeat(3, axis=2)
    save_img(tmp_path / "s.jpg", smooth, scale=False, quality=95)
    back = img_to_array(load_img(tmp_path / "s.jpg"))
    assert back.shape == (16, 16, 3) and np.abs(back - smooth).mean() < 4  # JPEG is lossy


def test_channels_first_and_scaling():
    img = array_to_img(RNG.random((3, 4, 1)), scale=True)
    values = img_to_array(img)
    assert values.min() == 0 and values.max() == 255  # stretched to the full range
    first = img_to_array(array_to_img(RGB, scale=False), data_format="channels_first")
    assert first.shape == (3, 5, 7)
    np.testing.assert_array_equal(first, RGB.transpose(2, 0, 1))
    with pytest.raises(ValueError, match="rank 3"):
        array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="1, 3 or 4 channels"):
        array_to_img(np.zeros((2, 2, 2)))


def test_rgba_as_jpeg_warns_and_keeps_rgb(tmp_path):
    with pytest.warns(UserWarning, match="alpha"):
        save_img(tmp_path / "a.jpg", RNG.integers(0, 256, (4, 4, 4)).astype(np.uint8), scale=False)
    assert load_img(tmp_path / "a.jpg").mode == "RGB"


def test_matches_keras_load_img_and_conversions(tmp_path):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras_image = pytest.importorskip("keras.src.utils.image_utils")
    path = tmp_path / "k.png"
    save_img(path, RNG.integers(0, 256, (30, 17, 3)).astype(np.uint8), scale=False)
    for kwargs in (dict(), dict(target_size=(8, 11)), dict(target_size=(9, 9), keep_aspect_ratio=True),
                   dict(target_size=(12, 5), interpolation="bilinear"), dict(color_mode="grayscale"),
                   dict(color_mode="rgba", target_size=(4, 4), interpolation="bicubic")):
        ours = img_to_array(load_img(path, **kwargs))
        theirs = keras_image.img_to_array(keras_image.load_img(path, **kwargs))
        np.testing.assert_array_equal(ours, theirs)
    x = RNG.random((6, 5, 3))
    np.testing.assert_array_equal(img_to_array(array_to_img(x)), keras_image.img_to_array(keras_image.array_to_img(x)))


def _png_header_only(path, width, height):
    """A PNG whose header claims width x height pixels, with almost no data behind it."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 8))
                     + chunk(b"IEND", b""))


def test_hostile_files_raise_errors_that_name_the_file(tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    with pytest.raises(ImageFileError, match="notes.png: not a readable image"):
        load_img(text)
    good = tmp_path / "good.png"
    save_img(good, RGB, scale=False)
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(good.read_bytes()[:60])
    with pytest.raises(ImageFileError, match="truncated.png"):
        load_img(truncated)
    bomb = tmp_path / "bomb.png"
    _png_header_only(bomb, 30_000, 30_000)  # 900 million pixels claimed by a file of ~70 bytes
    assert os.path.getsize(bomb) < 200
    with pytest.raises(ImageFileError, match="bomb.png: .*pixels"):
        load_img(bomb)
    with pytest.raises(ImageFileError, match="above the limit of 10"):
        open_image(good, max_pixels=10)
    with pytest.raises(ImageFileError, match="missing.png: cannot be read"):
        load_img(tmp_path / "missing.png")
    with pytest.raises(ValueError, match="color_mode"):
        load_img(good, color_mode="cmyk")


def test_limit_holds_even_when_pillow_limit_is_off(tmp_path, monkeypatch):
    monkeypatch.setattr(PIL.Image, "MAX_IMAGE_PIXELS", None)
    bomb = tmp_path / "bomb.png"
    _png_header_only(bomb, 20_000, 20_000)
    with pytest.raises(ImageFileError, match="above the limit"):
        load_img(bomb)


def test_missing_pillow_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r"pip install 'striate\[images\]'"):
        load_img(tmp_path / "x.png")
    with pytest.raises(ImportError, match="Pillow"):
        image.array_to_img(RGB)


def test_a_file_whose_extension_lies_still_loads(tmp_path):
    png = tmp_path / "x.png"
    save_img(png, RGB, scale=False)
    liar = tmp_path / "x.jpg"
    liar.write_bytes(png.read_bytes())
    np.testing.assert_array_equal(img_to_array(load_img(liar)), RGB)


def test_between_pillows_warning_and_error_limits_it_is_still_refused(tmp_path):
    bomb = tmp_path / "big.png"
    _png_header_only(bomb, 10_000, 10_000)  # 100 M pixels: Pillow only warns (its error starts at 179 M)
    with pytest.warns(PIL.Image.DecompressionBombWarning):
        with pytest.raises(ImageFileError, match="big.png: 10000 x 10000 pixels is above the limit of 89,478,485"):
            load_img(bomb)
