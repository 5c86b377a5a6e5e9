"""image_dataset_from_directory: a folder of pictures as batches for fit, evaluate and predict.

With labels inferred from the folder structure::

    main_directory/
        class_a/  a_image_1.jpg  a_image_2.png ...
        class_b/  b_image_1.bmp  b_image_2.gif ...

each class folder (searched recursively) gives one class, in alphanumeric
order unless ``class_names`` says otherwise. Files are decoded by Pillow
(``striate.utils.image.open_image``: bounded, errors that name the file), resized
like ``keras.layers.Resizing`` and batched as float32 ``(N, height, width, C)``
images with values 0..255, in background threads while the model trains.

The split follows Keras: the files, sorted, are shuffled once with
``numpy.random.RandomState(seed)`` (the same permutation as Keras's for the
same seed), and the last ``int(validation_split * n)`` of them are the
validation subset.

>>> import os, tempfile, numpy as np
>>> from striate.utils.image import save_img
>>> root = tempfile.mkdtemp()
>>> for name in ("cat", "dog"):
...     os.mkdir(os.path.join(root, name))
...     for i in range(3):
...         save_img(os.path.join(root, name, f"{i}.png"), np.full((5, 4, 3), 40 * i), scale=False)
>>> ds = image_dataset_from_directory(root, image_size=(8, 8), batch_size=4, seed=0, verbose=False)
>>> ds.class_names, len(ds), [(x.shape, y.dtype.name) for x, y in ds]
(['cat', 'dog'], 2, [((4, 8, 8, 3), 'int32'), ((2, 8, 8, 3), 'int32')])
"""

import os
import warnings

import numpy as np

from striate import random
from striate.utils.image import COLOR_MODES, ImageFileError, open_image
from striate.utils.image_files import index_directory, split_files
from striate.utils.py_dataset import PyDataset
from striate.utils.resampling import resize_array

__all__ = ["image_dataset_from_directory", "ImageDataset", "MappedDataset", "ALLOWLIST_FORMATS"]

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_INTERPOLATIONS = ("bilinear", "nearest", "area")
_KERAS_ONLY = ("bicubic", "lanczos3", "lanczos5", "gaussian", "mitchellcubic")


class ImageDataset(PyDataset):
    """Batches of decoded, resized images and their labels (what ``image_dataset_from_directory`` returns).

    Iterating gives ``(images, labels)`` batches (``images`` alone without labels);
    ``len()`` is the number of batches. Attributes: ``class_names``, ``file_paths``
    (in the order of the first epoch), ``labels``.

    Each epoch (``on_epoch_end``) draws a new order of the files when ``shuffle``.
    Corrupt files raise :class:`~striate.utils.image.ImageFileError` naming the
    file, or, with ``on_bad_file="skip"``, are left out of their batch with a
    warning (and of later epochs).
    """

    def __init__(self, file_paths, labels, label_mode, class_names, color_mode, batch_size, image_size, shuffle,
                 seed, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio, on_bad_file="error", workers=1,
                 max_queue_size=10):
        super().__init__(workers=workers, use_multiprocessing=False, max_queue_size=max_queue_size)
        self.file_paths = list(file_paths)
        self.labels = None if labels is None else np.asarray(labels, dtype=np.int32)
        self.label_mode, self.class_names, self.color_mode = label_mode, class_names, color_mode
        self.batch_size, self.image_size = batch_size, tuple(image_size)
        self.shuffle, self.seed = shuffle, seed
        self.interpolation = interpolation
        self.crop_to_aspect_ratio, self.pad_to_aspect_ratio = crop_to_aspect_ratio, pad_to_aspect_ratio
        self.on_bad_file = on_bad_file
        self.bad_files = set()
        self._epoch = 0
        self._order = np.arange(len(self.file_paths))
        self._cache = None  # file index -> decoded, resized image (h, w, C), once cache() is called

    def __len__(self):
        if self.batch_size is None:
            return len(self.file_paths)
        return -(-len(self.file_paths) // self.batch_size)

    def on_epoch_end(self):
        self._epoch += 1
        if self.shuffle:
            # A new order per epoch, fixed by (seed, epoch): the same whoever reads the batches.
            self._order = np.random.default_rng([self.seed, self._epoch]).permutation(len(self.file_paths))

    def __iter__(self):
        yield from super().__iter__()
        self.on_epoch_end()  # iterating again gives the next epoch's order, as a tf.data pipeline would

    def cache(self):
        """Keep every decoded, resized image in memory after its first read (``tf.data``'s
        ``cache()`` in keras.io's tutorials): the first epoch decodes, later epochs only batch.

        The order still changes every epoch with ``shuffle``, and augmentation layers (in the
        model or in :meth:`map`, which runs after the cache) still draw anew. Memory:
        ``height * width * channels`` bytes per image when no resizing was needed (kept as
        uint8, exact), four times that otherwise (float32). Returns this data set.
        """
        if self._cache is None:
            self._cache = {}
        return self

    def map(self, map_func):
        """A data set whose batches are ``map_func(images, labels)`` (``map_func(images)`` without
        labels), computed in the background workers, as ``tf.data.Dataset.map`` in keras.io's
        tutorials: ``train.map(lambda x, y: (augment(x, training=True), y))`` augments while the
        model trains instead of in the training step. Random layers called there draw from the
        batch's own generator, so the result does not depend on the number of workers.
        """
        return MappedDataset(self, map_func)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"ImageDataset has {len(self)} batches, asked for batch {index}")
        size = 1 if self.batch_size is None else self.batch_size
        chosen = self._order[index * size:(index + 1) * size]
        images, kept = self._read(chosen)
        if not kept:
            raise ImageFileError(f"batch {index}: none of its {len(chosen)} files is a readable image")
        chosen = chosen[kept]
        if self.batch_size is None:
            images = images[0]
        labels = self._labels(chosen)
        if labels is None:
            return images
        return images, (labels[0] if self.batch_size is None else labels)

    def _labels(self, chosen):
        if self.labels is None:
            return None
        ids = self.labels[chosen]
        if self.label_mode == "binary":
            return ids.astype(np.float32)[:, None]  # (N, 1)
        if self.label_mode == "categorical":
            return np.eye(len(self.class_names), dtype=np.float32)[ids]  # (N, classes)
        return ids

    def _read(self, chosen):
        """``_decode`` of the files ``chosen`` (indices), through the cache when there is one."""
        if self._cache is None:
            return self._decode([self.file_paths[i] for i in chosen])
        missing = [int(i) for i in chosen if int(i) not in self._cache]
        if missing:
            decoded, kept = self._decode([self.file_paths[i] for i in missing])
            for k, position in enumerate(kept):
                image = decoded[k]
                exact = image.astype(np.uint8)
                self._cache[missing[position]] = exact if np.array_equal(exact, image) else image
        kept = [position for position, i in enumerate(chosen) if int(i) in self._cache]
        out = np.empty((len(kept),) + self.image_size + (_channels(self.color_mode),), dtype=np.float32)
        for k, position in enumerate(kept):
            out[k] = self._cache[int(chosen[position])]
        return out, kept

    def _decode(self, paths):
        """Images ``(N, h, w, C)`` float32 and the positions kept (all unless files are skipped)."""
        arrays, kept = [], []
        for position, path in enumerate(paths):
            if path in self.bad_files:
                continue
            try:
                img = open_image(path, self.color_mode)
            except ImageFileError as error:
                if self.on_bad_file == "error":
                    raise
                self.bad_files.add(path)
                warnings.warn(f"image_dataset_from_directory: skipping {error}", UserWarning, stacklevel=2)
                continue
            array = np.asarray(img)
            arrays.append(array[:, :, None] if array.ndim == 2 else array)  # (h, w, C)
            kept.append(position)
        out = np.empty((len(arrays),) + self.image_size + (_channels(self.color_mode),), dtype=np.float32)
        # Images of one size are resized by one batched product (folders usually hold one size).
        by_shape = {}
        for k, array in enumerate(arrays):
            by_shape.setdefault(array.shape, []).append(k)
        for shape, members in by_shape.items():
            stack = np.stack([arrays[k] for k in members])  # (m, h, w, C)
            if shape[:2] == self.image_size:
                out[members] = stack
            else:
                out[members] = resize_array(stack, self.image_size, self.interpolation, self.crop_to_aspect_ratio,
                                            self.pad_to_aspect_ratio)
        return out, kept


class MappedDataset(PyDataset):
    """``source`` with ``map_func`` applied to every batch (see :meth:`ImageDataset.map`)."""

    def __init__(self, source, map_func):
        super().__init__(workers=source.workers, use_multiprocessing=source.use_multiprocessing,
                         max_queue_size=source.max_queue_size)
        self.source, self.map_func = source, map_func
        self.class_names = getattr(source, "class_names", None)
        self.file_paths = getattr(source, "file_paths", None)

    def __len__(self):
        return len(self.source)

    def __getitem__(self, index):
        batch = self.source[index]
        return self.map_func(*batch) if isinstance(batch, tuple) else self.map_func(batch)

    def on_epoch_begin(self):
        self.source.on_epoch_begin()

    def on_epoch_end(self):
        self.source.on_epoch_end()

    def map(self, map_func):
        return MappedDataset(self, map_func)


def _channels(color_mode):
    return {"rgb": 3, "rgba": 4, "grayscale": 1}[color_mode]


def _check_args(labels, label_mode, class_names, color_mode, image_size, interpolation, validation_split, subset,
                shuffle, seed, crop_to_aspect_ratio, pad_to_aspect_ratio, on_bad_file, batch_size):
    name = "image_dataset_from_directory"
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple)):
        raise ValueError(f'{name}: labels must be "inferred", None or a list of integer labels (one per file in '
                         f"sorted order), got {labels!r}")
    if isinstance(labels, (list, tuple)) and class_names:
        raise ValueError(f'{name}: class_names can only be given with labels="inferred"')
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(f'{name}: label_mode must be "int", "categorical", "binary" or None, got {label_mode!r}')
    if color_mode not in COLOR_MODES:
        raise ValueError(f"{name}: color_mode must be one of {COLOR_MODES}, got {color_mode!r}")
    if isinstance(image_size, int) and not isinstance(image_size, bool):
        image_size = (image_size, image_size)
    if (not isinstance(image_size, (list, tuple)) or len(image_size) != 2
            or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in image_size)):
        raise ValueError(f"{name}: image_size must be a pair of positive ints (height, width), got {image_size!r}")
    if str(interpolation).lower() in _KERAS_ONLY:
        raise ValueError(f"{name}: interpolation {interpolation!r} is not implemented; use one of {_INTERPOLATIONS}")
    if str(interpolation).lower() not in _INTERPOLATIONS:
        raise ValueError(f"{name}: interpolation must be one of {_INTERPOLATIONS}, got {interpolation!r}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(f"{name}: only one of crop_to_aspect_ratio and pad_to_aspect_ratio can be True")
    if validation_split is not None and (isinstance(validation_split, bool) or
                                         not isinstance(validation_split, (int, float)) or
                                         not 0 <= validation_split < 1):
        raise ValueError(f"{name}: validation_split must be a number in (0, 1), got {validation_split!r}")
    if bool(validation_split) != bool(subset):
        raise ValueError(f"{name}: subset and validation_split go together (got subset={subset!r}, "
                         f"validation_split={validation_split!r})")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'{name}: subset must be "training", "validation", "both" or None, got {subset!r}')
    if validation_split and shuffle and seed is None:
        raise ValueError(f"{name}: with validation_split and shuffle=True pass a seed, so that the training and "
                         "validation subsets do not overlap")
    if on_bad_file not in ("error", "skip"):
        raise ValueError(f'{name}: on_bad_file must be "error" or "skip", got {on_bad_file!r}')
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(f"{name}: batch_size must be a positive int or None, got {batch_size!r}")
    return tuple(image_size), str(interpolation).lower()


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, color_mode="rgb",
                                 batch_size=32, image_size=(256, 256), shuffle=True, seed=None, validation_split=None,
                                 subset=None, interpolation="bilinear", follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, format="tf", verbose=True,
                                 on_bad_file="error", workers=1):
    """Batches of images (and labels) from the image files in ``directory`` (Keras's function).

    Args:
        directory: the folder; with ``labels="inferred"`` one subfolder per class.
        labels: ``"inferred"`` (from the subfolders), None (images only), or a list
            of integer labels, one per file in the sorted order of the file paths.
        label_mode: ``"int"`` (int32 ids, for sparse_categorical_crossentropy),
            ``"categorical"`` (float32 one-hot), ``"binary"`` (float32 ``(N, 1)``, two
            classes only) or None (no labels).
        class_names: the subfolders to use, in this order (default: all, alphanumeric).
        color_mode: ``"rgb"`` (3 channels), ``"rgba"`` (4) or ``"grayscale"`` (1).
        batch_size: images per batch (None: single images).
        image_size: ``(height, width)`` to resize to; an int for a square.
        shuffle: a new order every epoch (else sorted by path).
        seed: for the order and the split (required with a split and shuffling).
        validation_split: fraction of the files kept for validation.
        subset: ``"training"``, ``"validation"`` or ``"both"`` (returns the pair).
        interpolation: ``"bilinear"`` (default), ``"nearest"`` or ``"area"``.
        follow_links: follow symbolic links to subfolders.
        crop_to_aspect_ratio: crop the centred window of the target aspect ratio first.
        pad_to_aspect_ratio: pad with zeros to the target aspect ratio first.
        data_format, format: accepted for Keras compatibility (channels last; batches
            are NumPy arrays).
        verbose: print how many files and classes were found.
        on_bad_file: ``"error"`` (default: a corrupt or non-image file stops with an
            ``ImageFileError`` naming it) or ``"skip"`` (left out with a warning).
        workers: background threads decoding batches during ``fit`` (0: none).

    Returns:
        An :class:`ImageDataset` (a ``striate.utils.PyDataset``), or a pair of them for
        ``subset="both"``.

    Raises:
        ImportError: without Pillow, saying what to install.
        ValueError: for bad arguments, a missing folder, no images, or labels that do
            not match the files.
    """
    image_size, interpolation = _check_args(labels, label_mode, class_names, color_mode, image_size, interpolation,
                                            validation_split, subset, shuffle, seed, crop_to_aspect_ratio,
                                            pad_to_aspect_ratio, on_bad_file, batch_size)
    if data_format not in (None, "channels_last"):
        raise ValueError("image_dataset_from_directory: only data_format='channels_last' is supported")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    if not os.path.isdir(directory):
        raise ValueError(f"image_dataset_from_directory: {directory!r} is not a directory")
    from striate.utils.image import _pil_image
    _pil_image()  # the clear ImportError now, not in a worker
    if seed is None:
        seed = int(random.generator().integers(1_000_000))
    paths, ids, class_names = index_directory(directory, labels, ALLOWLIST_FORMATS, class_names, shuffle, seed,
                                              follow_links)
    if verbose:
        print(f"Found {len(paths)} files" + ("" if ids is None else f" belonging to {len(class_names)} classes") + ".")
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f'image_dataset_from_directory: label_mode="binary" needs exactly 2 classes, found '
                         f"{len(class_names)}: {class_names}")
    if ids is not None and label_mode in ("categorical", "binary") and len(ids) and ids.max() >= len(class_names):
        raise ValueError(f"image_dataset_from_directory: label {int(ids.max())} is outside the {len(class_names)} "
                         f"classes {class_names} (labels must be 0 .. {len(class_names) - 1})")
    common = dict(label_mode=label_mode, class_names=class_names, color_mode=color_mode, batch_size=batch_size,
                  image_size=image_size, seed=seed, interpolation=interpolation,
                  crop_to_aspect_ratio=crop_to_aspect_ratio, pad_to_aspect_ratio=pad_to_aspect_ratio,
                  on_bad_file=on_bad_file, workers=workers)
    subsets = ("training", "validation") if subset == "both" else (subset,)
    out = []
    for which in subsets:
        part_paths, part_ids = split_files(paths, ids, validation_split, which, verbose)
        if not part_paths:
            raise ValueError(f"image_dataset_from_directory: no {which or ''} images in {directory!r}"
                             f"{'' if which is None else f' (validation_split={validation_split})'}; allowed "
                             f"formats: {ALLOWLIST_FORMATS}")
        # Keras: the validation half of subset="both" keeps its order; the rest follows shuffle.
        keep_order = subset == "both" and which == "validation"
        out.append(ImageDataset(part_paths, part_ids, shuffle=shuffle and not keep_order, **common))
    return tuple(out) if subset == "both" else out[0]
