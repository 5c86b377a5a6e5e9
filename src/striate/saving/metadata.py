"""The metadata of striate files: which kind of file, which format version, and JSON members.

Every striate file's ``__metadata__`` (strings only, as safetensors requires) holds

- ``format``: ``"striate.model"`` (architecture + weights + compile settings +
  optimizer state), ``"striate.weights"`` (weights only) or ``"striate.backup"``
  (what ``BackupAndRestore`` needs to resume training);
- ``format_version``: an integer as text; a reader refuses versions newer than
  :data:`FORMAT_VERSION` with a message that says to upgrade;
- ``striate_version``: the library that wrote it (informative only);
- JSON members, each a JSON document stored as a string (see ``model_io``).

>>> check_format({"format": "striate.weights", "format_version": "1"}, {"striate.weights"}, "w.weights.safetensors")
'striate.weights'
>>> check_format({"format": "striate.weights", "format_version": "7"}, {"striate.weights"}, "w")
Traceback (most recent call last):
...
striate.saving.errors.ModelFileError: weights file 'w' was written with format version 7 by a newer striate; ...
"""

import json

from striate.saving.errors import ModelFileError

__all__ = ["FORMAT_VERSION", "MODEL", "WEIGHTS", "BACKUP", "new_metadata", "check_format", "json_member"]

FORMAT_VERSION = 1
MODEL, WEIGHTS, BACKUP = "striate.model", "striate.weights", "striate.backup"
_WHAT = {MODEL: "model file", WEIGHTS: "weights file", BACKUP: "backup file"}


def new_metadata(kind, **members):
    """Metadata for a new file of ``kind``; each member is written as compact JSON."""
    from striate import __version__

    metadata = {"format": kind, "format_version": str(FORMAT_VERSION), "striate_version": __version__}
    for key, value in members.items():
        metadata[key] = json.dumps(value, separators=(",", ":"))
    return metadata


def check_format(metadata, accepted, name, what=None):
    """The file's kind, after checking it is one of ``accepted`` and its version is readable.

    Raises:
        ModelFileError: for a missing or unknown kind, a kind not accepted here, or a
            version that is not an integer, below 1, or newer than :data:`FORMAT_VERSION`.
    """
    kind = metadata.get("format")
    what = what or _WHAT.get(kind, "file")
    if kind not in _WHAT:
        raise ModelFileError(f"{what} {name!r} is not a striate file: its metadata has format {kind!r}")
    version = metadata.get("format_version", "")
    if not (version.isascii() and version.isdigit() and 0 < len(version) < 10) or int(version) < 1:
        raise ModelFileError(f"{what} {name!r} has an invalid format_version {version[:20]!r}")
    if int(version) > FORMAT_VERSION:
        raise ModelFileError(f"{what} {name!r} was written with format version {int(version)} by a newer striate; "
                             f"this striate reads format versions up to {FORMAT_VERSION}: upgrade striate to load it")
    if kind not in accepted:
        hint = {WEIGHTS: "; it holds weights only: build the model in code and call model.load_weights()",
                BACKUP: "; it is a BackupAndRestore backup: pass its folder to BackupAndRestore"}.get(kind, "")
        raise ModelFileError(f"{name!r} is a {_WHAT[kind]}, expected a {' or '.join(_WHAT[k] for k in accepted)}"
                             f"{hint}")
    return kind


def json_member(metadata, key, name, what, default=KeyError):
    """The JSON member ``key`` of ``metadata``, parsed; ``default`` when it is absent (if given).

    Raises:
        ModelFileError: when the member is missing (and has no default) or is not valid JSON.
    """
    if key not in metadata:
        if default is KeyError:
            raise ModelFileError(f"{what} {name!r} has no {key!r} member in its metadata")
        return default
    try:
        return json.loads(metadata[key])
    except (ValueError, RecursionError) as error:
        raise ModelFileError(f"{what} {name!r}: member {key!r} is not valid JSON ({str(error)[:120]})") from None
