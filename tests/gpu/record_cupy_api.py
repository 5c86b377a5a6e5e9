"""Rewrite ``_cupy_api.py`` from an installed CuPy (no GPU needed: only names and signatures).

Run ``python tests/gpu/record_cupy_api.py`` with cupy-cuda12x importable; the fake device
(``fake_device.py``) then offers exactly the names and keyword arguments recorded here.
"""

import inspect
import pathlib
import pprint


def _names(obj):
    return sorted(n for n in dir(obj) if not n.startswith("_"))


def _signatures(obj, names):
    """Per callable: its parameter names ('*' last when it takes ``*args``); skipped when
    ``inspect`` cannot read it (Cython) or it takes ``**kwargs``."""
    out = {}
    for n in names:
        f = getattr(obj, n, None)
        if not callable(f) or isinstance(f, type):
            continue
        try:
            params = [p for p in inspect.signature(f).parameters.values() if p.name != "self"]
        except (TypeError, ValueError):
            continue
        if any(p.kind == p.VAR_KEYWORD for p in params):
            continue
        star = any(p.kind == p.VAR_POSITIONAL for p in params)
        out[n] = tuple(p.name for p in params if p.kind != p.VAR_POSITIONAL) + (("*",) if star else ())
    return out


def main():
    import cupy

    top = _names(cupy)
    data = {
        "VERSION": cupy.__version__,
        "MODULE": top,
        "NDARRAY": _names(cupy.ndarray),
        "RANDOM": _names(cupy.random),
        "GENERATOR": _names(cupy.random.Generator),
        "STRIDE_TRICKS": ["as_strided", "sliding_window_view"],
        "LINALG": [n for n in _names(cupy.linalg) if n != "annotations"],
        "FFT": [n for n in _names(cupy.fft) if n != "config"],
        "UFUNC_METHODS": [n for n in _names(cupy.add) if n in ("accumulate", "at", "outer", "reduce", "reduceat")],
        "SIGNATURES": _signatures(cupy, top),
        "FFT_SIGNATURES": _signatures(cupy.fft, _names(cupy.fft)),
        "GENERATOR_SIGNATURES": _signatures(cupy.random.Generator, _names(cupy.random.Generator)),
        "STRIDE_SIGNATURES": _signatures(cupy.lib.stride_tricks, ["as_strided", "sliding_window_view"]),
        "UFUNCS": [n for n in top if type(getattr(cupy, n)).__name__ == "ufunc"],
    }
    doc = (f'"""Names and argument names of CuPy {cupy.__version__}\'s public API, recorded with ``inspect`` '
           "from an\ninstalled cupy-cuda12x (``python tests/gpu/record_cupy_api.py`` rewrites this file).\n\n"
           "The fake device offers exactly these, so engine code that uses a NumPy-only name or\n"
           'argument fails on the fake as it would on CuPy.\n"""\n\n')
    body = "".join(f"{k} = {pprint.pformat(v, width=110, compact=True)}\n\n" for k, v in data.items())
    pathlib.Path(__file__).with_name("_cupy_api.py").write_text(doc + body.rstrip() + "\n")


if __name__ == "__main__":
    main()
