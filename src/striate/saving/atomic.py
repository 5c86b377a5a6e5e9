"""Atomic file replacement: a save either completes or leaves the previous file as it was.

The new content goes to a temporary file in the destination's folder (the
same file system, so the final rename is atomic), is flushed and ``fsync``-ed,
then ``os.replace``-d over the destination, and the folder is ``fsync``-ed so the
rename itself survives a power cut. Any exception (a full disk, a bug in the
writer, ``KeyboardInterrupt``) removes the temporary file and leaves the old one;
a process killed mid-write leaves at most a stray ``.<name>.*.tmp`` file beside
an intact destination.

>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> path = os.path.join(folder, "note.txt")
>>> atomic_write(path, lambda f: f.write(b"hello"))
>>> open(path, "rb").read(), sorted(os.listdir(folder))
(b'hello', ['note.txt'])
"""

import errno
import os
import stat
import tempfile

from striate.saving.errors import ModelPathError

__all__ = ["atomic_write", "fsync_directory"]


def atomic_write(path, write, overwrite=True, what="file"):
    """Call ``write(binary_file)`` and atomically put the result at ``path``.

    Args:
        path: destination (str or path-like); its folder must exist.
        write: function writing the content to the open binary file it is given.
        overwrite: if False and ``path`` exists, refuse (striate never prompts).
        what: what the file is, for messages ("model file", "weights file").

    Raises:
        ModelPathError: when the folder is missing, ``path`` is a directory, it
            exists and ``overwrite`` is False, or the OS refuses to write.
        Whatever ``write`` raises, after removing the temporary file.
    """
    given = os.fspath(path)
    # Through a symbolic link to the file it names (as open() would write), and never over
    # something that is not a regular file: a device such as /dev/full, a pipe, a socket.
    path = os.path.realpath(given) if os.path.islink(given) else given
    if os.path.exists(path) and not os.path.isdir(path) and not stat.S_ISREG(os.stat(path).st_mode):
        raise ModelPathError(errno.EINVAL, f"cannot save the {what} {given!r}: {path!r} is not a regular file "
                                           "(a device, pipe or socket); choose a file path")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ModelPathError(errno.ENOENT, f"cannot save the {what} {path!r}: folder {folder!r} does not exist")
    if os.path.isdir(path):
        raise ModelPathError(errno.EISDIR, f"cannot save the {what} {path!r}: it is a directory")
    if not overwrite and os.path.lexists(path):
        raise ModelPathError(errno.EEXIST, f"the {what} {path!r} exists and overwrite=False")
    mode = _final_mode(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    except OSError as error:
        raise ModelPathError(error.errno, f"cannot save the {what} {path!r}: {error.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as error:
        _remove(tmp)
        if isinstance(error, OSError) and not isinstance(error, ModelPathError):
            raise ModelPathError(error.errno, f"cannot save the {what} {path!r}: {error.strerror or error}") \
                from error
        raise
    fsync_directory(folder)


def _final_mode(path):
    """The permissions the file should get: the old file's, else what ``open`` would give."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        pass
    # mkstemp makes 0600 files; an ordinary new file is 0666 minus the umask, which can only be read by setting it.
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _remove(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def fsync_directory(folder):
    """Make a rename or removal in ``folder`` durable (a no-op where folders cannot be opened, e.g. Windows)."""
    if os.name == "nt":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
