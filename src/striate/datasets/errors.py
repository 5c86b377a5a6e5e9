"""The one error every loader raises when its data is not on this machine.

striate never downloads, so "not found" is an expected, recoverable event; a
single exception class lets callers skip or fall back in one ``except``.

>>> from striate.datasets.errors import DatasetNotFoundError
>>> issubclass(DatasetNotFoundError, OSError)
True
"""

__all__ = ["DatasetNotFoundError"]


class DatasetNotFoundError(FileNotFoundError):
    """A data set (its files or the package that ships them) is not installed.

    A subclass of ``FileNotFoundError`` and hence of ``OSError``, so code that
    already handles missing files handles this too. The message always says
    where striate looked and what to install or where to put the files.
    """
