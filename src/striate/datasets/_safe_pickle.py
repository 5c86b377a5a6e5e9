"""A restricted pickle reader for data files: it builds dicts, lists, tuples,
strings, numbers and NumPy arrays, and never imports or calls anything.

``pickle.load`` runs whatever a file asks (``GLOBAL`` imports any callable,
``REDUCE`` calls it), so a downloaded ``.pkl`` can execute code. CIFAR-10's
batch files are pickles of a dict holding a NumPy array, so this module
implements the few opcodes of protocols 2 and 3 such data needs, as a small
stack machine, and rejects every other opcode with a ``ValueError``
(``INST``, ``OBJ``, ``STACK_GLOBAL``, ``NEWOBJ``, ``EXT*``, ``PERSID`` ...).

The one exception is how NumPy pickles an array, which needs ``GLOBAL``,
``REDUCE`` and ``BUILD``. Those opcodes are accepted only for exactly these
names, which are recognised as text and never imported:

- ``numpy.core.multiarray._reconstruct`` (``numpy._core...`` in NumPy 2),
  called as ``_reconstruct(numpy.ndarray, (0,), b'b')``: an empty array
  placeholder, filled by ``BUILD`` with ``(1, shape, dtype, is_fortran, raw_bytes)``;
- ``numpy.dtype``, called as ``dtype('u1', False, True)`` with a plain numeric
  type code, then ``BUILD`` with the byte order (structured and object dtypes are refused);
- ``_codecs.encode(text, 'latin1')`` and ``bytes()`` (no arguments): how
  Python 3 writes ``bytes`` and ``b""`` at protocol 2.

The array is made with ``numpy.frombuffer`` after checking that the raw bytes
match ``shape`` and ``dtype`` exactly.

>>> import pickle
>>> loads(pickle.dumps({b"labels": [1, 2], "name": ("a", None, True)}, protocol=2))
{b'labels': [1, 2], 'name': ('a', None, True)}
"""

import math
import pickletools
import struct

import numpy as np

__all__ = ["loads"]

_RECONSTRUCT = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct")}
_NDARRAY = ("numpy", "ndarray")
_DTYPE = ("numpy", "dtype")
_ENCODE = ("_codecs", "encode")
_BYTES = {("__builtin__", "bytes"), ("builtins", "bytes")}
# Plain numeric type codes that numpy writes in a dtype's pickle.
_DTYPE_CODES = {"b1", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f2", "f4", "f8"}


class _Name:
    """A whitelisted ``module.name`` from ``GLOBAL``: a label, not the object."""

    def __init__(self, module, name):
        self.key = (module, name)


class _Pending:
    """A whitelisted call's result waiting for its ``BUILD``. It lives only on
    the stack and in the memo (``memo_keys``), never inside a container, so
    ``BUILD`` can swap it for the finished object everywhere."""

    def __init__(self):
        self.memo_keys = []


class _PendingDtype(_Pending):
    """``numpy.dtype(code)`` waiting for its byte order."""

    def __init__(self, code):
        super().__init__()
        self.code = code


class _PendingArray(_Pending):
    """``_reconstruct(ndarray, (0,), b'b')`` waiting for shape, dtype and data."""


def _text(value):
    """A short str or Python 2 str (bytes) as str; anything else as None."""
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value if isinstance(value, str) else None


def _reduce(func, args, at):
    """The result of ``REDUCE`` for the three whitelisted calls; no code runs."""
    key = func.key if isinstance(func, _Name) else None
    if not isinstance(args, tuple):
        raise ValueError(f"safe pickle: REDUCE at byte {at} without an argument tuple")
    if key == _ENCODE and len(args) == 2 and isinstance(args[0], str) and _text(args[1]) in ("latin1", "latin-1"):
        return args[0].encode("latin-1")
    if key in _BYTES and args == ():  # b"" at protocol 2
        return b""
    if key == _DTYPE and len(args) == 3 and _text(args[0]) in _DTYPE_CODES:
        return _PendingDtype(_text(args[0]))
    if (key in _RECONSTRUCT and len(args) == 3 and isinstance(args[0], _Name) and args[0].key == _NDARRAY
            and isinstance(args[1], tuple) and args[1] == (0,) and _text(args[2]) == "b"):
        return _PendingArray()
    name = ".".join(key) if key else type(func).__name__
    raise ValueError(f"safe pickle: REDUCE at byte {at} calls {name} with arguments this reader does not accept")


def _build_dtype(pending, state, at):
    """The finished ``numpy.dtype``."""
    # numpy's dtype state: (version, byteorder, subarray, names, fields, elsize, alignment, flags)
    if (not isinstance(state, tuple) or len(state) < 5 or _text(state[1]) not in ("<", ">", "|", "=")
            or state[2] is not None or state[3] is not None or state[4] is not None):
        raise ValueError(f"safe pickle: BUILD at byte {at}: only plain numeric dtypes are accepted")
    order = _text(state[1])
    return np.dtype(pending.code).newbyteorder(order if order in "<>" else "=")


def _build_array(state, at):
    """The finished array, a read-only view of the pickle's raw bytes."""
    # ndarray state: (version, shape, dtype, is_fortran, raw) or, from old numpy, without version
    if isinstance(state, tuple) and len(state) == 5:
        state = state[1:]
    if not isinstance(state, tuple) or len(state) != 4:
        raise ValueError(f"safe pickle: BUILD at byte {at}: not an ndarray state")
    shape, dtype, fortran, raw = state
    if (not isinstance(shape, tuple) or not all(isinstance(s, int) and s >= 0 for s in shape)
            or not isinstance(dtype, np.dtype)
            or not isinstance(fortran, (bool, int)) or not isinstance(raw, bytes)):
        raise ValueError(f"safe pickle: BUILD at byte {at}: malformed ndarray state (object arrays are refused)")
    if len(raw) != math.prod(shape) * dtype.itemsize:
        raise ValueError(f"safe pickle: BUILD at byte {at}: {len(raw)} data bytes do not fill an array "
                         f"of shape {shape} and dtype {dtype}")
    return np.frombuffer(raw, dtype=dtype).reshape(shape, order="F" if fortran else "C")


class _Machine:
    """The pickle stack machine, restricted; see the module docstring."""

    def __init__(self, data):
        self.data, self.pos = data, 0
        self.stack, self.marks, self.memo = [], [], {}

    def take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise ValueError(f"safe pickle: data ends at byte {len(self.data)}, {n} more bytes were "
                             f"needed at byte {self.pos}; the file is truncated")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def pop_mark(self):
        items, self.stack = self.stack, self.marks.pop()
        return items

    def line(self):
        end = self.data.find(b"\n", self.pos)
        if end < 0:
            raise ValueError("safe pickle: GLOBAL without a newline; the file is truncated")
        return self.take(end - self.pos + 1)[:-1].decode("ascii")

    def run(self):
        while True:
            at = self.pos
            op = self.take(1)
            if op == b"\x80":  # PROTO
                if self.unpack("<B") not in (2, 3):
                    raise ValueError("safe pickle: only pickle protocols 2 and 3 are accepted")
            elif op == b".":  # STOP
                return self._data([self.stack.pop()], at)[0]
            elif op == b"(":  # MARK
                self.marks.append(self.stack)
                self.stack = []
            elif op in (b"}", b"]", b")"):  # EMPTY_DICT, EMPTY_LIST, EMPTY_TUPLE
                self.stack.append({b"}": dict, b"]": list, b")": tuple}[op]())
            elif op == b"t":  # TUPLE
                items = self.pop_mark()
                self.stack.append(tuple(self._data(items, at, names_ok=True)))
            elif op in (b"\x85", b"\x86", b"\x87"):  # TUPLE1, TUPLE2, TUPLE3
                n = op[0] - 0x84
                items = self.stack[-n:]
                if len(items) != n:
                    raise IndexError
                del self.stack[-n:]
                self.stack.append(tuple(self._data(items, at, names_ok=True)))
            elif op in (b"N", b"\x88", b"\x89"):  # NONE, NEWTRUE, NEWFALSE
                self.stack.append({b"N": None, b"\x88": True, b"\x89": False}[op])
            elif op == b"J":  # BININT
                self.stack.append(self.unpack("<i"))
            elif op == b"K":  # BININT1
                self.stack.append(self.unpack("<B"))
            elif op == b"M":  # BININT2
                self.stack.append(self.unpack("<H"))
            elif op == b"\x8a":  # LONG1
                self.stack.append(int.from_bytes(self.take(self.unpack("<B")), "little", signed=True))
            elif op in (b"U", b"C"):  # SHORT_BINSTRING (Python 2 str), SHORT_BINBYTES: bytes
                self.stack.append(bytes(self.take(self.unpack("<B"))))
            elif op in (b"T", b"B"):  # BINSTRING, BINBYTES: bytes
                self.stack.append(bytes(self.take(self.unpack("<i" if op == b"T" else "<I"))))
            elif op == b"X":  # BINUNICODE
                self.stack.append(bytes(self.take(self.unpack("<I"))).decode("utf-8", "surrogatepass"))
            elif op in (b"q", b"r"):  # BINPUT, LONG_BINPUT
                key = self.unpack("<B" if op == b"q" else "<I")
                self.memo[key] = self.stack[-1]
                if isinstance(self.stack[-1], _Pending):
                    self.stack[-1].memo_keys.append(key)
            elif op in (b"h", b"j"):  # BINGET, LONG_BINGET
                self.stack.append(self.memo[self.unpack("<B" if op == b"h" else "<I")])
            elif op == b"a":  # APPEND
                value = self.stack.pop()
                self._list(at).extend(self._data([value], at))
            elif op == b"e":  # APPENDS
                items = self.pop_mark()
                self._list(at).extend(self._data(items, at))
            elif op == b"s":  # SETITEM
                value, key = self.stack.pop(), self.stack.pop()
                self._setitems(at, [key, value])
            elif op == b"u":  # SETITEMS
                self._setitems(at, self.pop_mark())
            elif op == b"c":  # GLOBAL: only names on the whitelist, never imported
                key = (self.line(), self.line())
                if key not in _RECONSTRUCT | _BYTES | {_NDARRAY, _DTYPE, _ENCODE}:
                    raise ValueError(f"safe pickle: GLOBAL {'.'.join(key)} at byte {at} is not allowed "
                                     f"(only NumPy's array reconstruction is)")
                self.stack.append(_Name(*key))
            elif op == b"R":  # REDUCE
                args = self.stack.pop()
                self.stack[-1] = _reduce(self.stack[-1], args, at)
            elif op == b"b":  # BUILD: finish a pending dtype or array, wherever it is referenced
                state = self.stack.pop()
                target = self.stack[-1]
                if isinstance(target, _PendingDtype):
                    built = _build_dtype(target, state, at)
                elif isinstance(target, _PendingArray):
                    built = _build_array(state, at)
                else:
                    raise ValueError(f"safe pickle: BUILD at byte {at} on {type(target).__name__} is not allowed")
                self.stack[-1] = built
                for key in target.memo_keys:
                    if self.memo.get(key) is target:
                        self.memo[key] = built
            else:
                info = pickletools.code2op.get(op.decode("latin-1"))
                name = info.name if info else f"0x{op[0]:02x}"
                raise ValueError(f"safe pickle: opcode {name} at byte {at} is not allowed")

    @staticmethod
    def _data(items, at, names_ok=False):
        """Refuse unfinished placeholders in containers, and GLOBAL names outside
        the argument tuples of REDUCE."""
        for item in items:
            if isinstance(item, _Pending) or (isinstance(item, _Name) and not names_ok):
                raise ValueError(f"safe pickle: an unfinished numpy object or a bare GLOBAL is put "
                                 f"into a container at byte {at}")
        return items

    def _list(self, at):
        if not isinstance(self.stack[-1], list):
            raise ValueError(f"safe pickle: APPEND at byte {at} to a {type(self.stack[-1]).__name__}")
        return self.stack[-1]

    def _setitems(self, at, items):
        target = self.stack[-1]
        if not isinstance(target, dict) or len(items) % 2:
            raise ValueError(f"safe pickle: SETITEM(S) at byte {at} on a {type(target).__name__}")
        for key, value in zip(items[::2], self._data(items[1::2], at)):
            if not isinstance(key, (bytes, str, int)):
                raise ValueError(f"safe pickle: dict key of type {type(key).__name__} at byte {at}")
            target[key] = value


def loads(data):
    """Read a pickle (protocol 2 or 3) made only of plain data and NumPy arrays.

    Args:
        data: the pickle's bytes.

    Returns:
        The object; NumPy arrays are read-only views of ``data``'s copy (copy
        them to write); Python 2 ``str`` values come back as ``bytes``, as with
        ``pickle.load(f, encoding="bytes")``.

    Raises:
        ValueError: for any opcode, import or call outside the whitelist (see the
            module docstring), and for truncated or malformed data.

    >>> import pickle, numpy as np
    >>> loads(pickle.dumps(np.arange(3, dtype=np.uint8), protocol=2))
    array([0, 1, 2], dtype=uint8)
    """
    machine = _Machine(bytes(data))
    try:
        result = machine.run()
    except (IndexError, KeyError) as error:
        # popping an empty stack, a MARK that was never set, a memo key never PUT
        raise ValueError(f"safe pickle: malformed pickle near byte {machine.pos}") from error
    return result
