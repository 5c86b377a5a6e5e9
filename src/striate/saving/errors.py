"""The exceptions of striate's model files: one for bad content, one for bad paths.

Every loader (``load_model``, ``load_weights``, ``BackupAndRestore``) turns
whatever a file holds into one of these, so a caller handles any broken,
truncated or hostile file with a single ``except``:

- :class:`ModelFileError` (a ``ValueError``): the file exists but its content
  is not a valid striate file for this use (truncated, corrupted, a newer
  format version, an unknown layer, weights that do not fit the model ...).
- :class:`ModelPathError` (an ``OSError``): the path is missing, is not a
  regular file (a directory, a pipe, a device), or cannot be read or written.

Both derive from :class:`SavingError`, which catches either.

>>> issubclass(ModelFileError, ValueError), issubclass(ModelPathError, OSError)
(True, True)
>>> issubclass(ModelFileError, SavingError) and issubclass(ModelPathError, SavingError)
True
"""

__all__ = ["SavingError", "ModelFileError", "ModelPathError"]


class SavingError(Exception):
    """Base class of every error a striate model file can cause."""


class ModelFileError(SavingError, ValueError):
    """The file's content is not a valid striate file (the message names the file, the part and the fault)."""


class ModelPathError(SavingError, OSError):
    """The path cannot be used: missing, not a regular file, or not readable/writable."""
