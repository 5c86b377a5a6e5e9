"""``keras.ops.numpy``: the NumPy-like ops, gathered from their family files.

Each op takes Tensors, arrays or Python numbers; Tensors in give Tensors out
(differentiable where Keras's op is), otherwise the result is a NumPy array.

>>> import numpy as np
>>> from striate.ops import numpy as knp
>>> knp.add(np.array([1, 2]), 1.5).dtype.name
'float32'
"""

from striate.ops.creation import (  # noqa: F401
    ones, zeros, full, empty, ones_like, zeros_like, full_like, empty_like, arange, linspace,
    logspace, geomspace, eye, identity, tri, array, meshgrid,
)
from striate.ops.arithmetic import (  # noqa: F401
    add, subtract, multiply, divide, true_divide, divide_no_nan, floor_divide, mod, fmod, power,
    negative, abs, absolute, fabs, square, reciprocal, sign, floor, ceil, round, trunc, clip,
    maximum, minimum, hypot, logaddexp, nan_to_num, heaviside, deg2rad, rad2deg, copysign,
)
from striate.ops.elementwise import (  # noqa: F401
    exp, exp2, expm1, log, log1p, log2, log10, sqrt, rsqrt, cbrt, sin, cos, tan, arcsin, arccos,
    arctan, arctan2, sinh, cosh, tanh, arcsinh, arccosh, arctanh, erf, erfc, erfinv, sinc,
)
from striate.ops.logic import (  # noqa: F401
    equal, not_equal, less, less_equal, greater, greater_equal, logical_and, logical_or,
    logical_xor, logical_not, isnan, isinf, isfinite, isposinf, isneginf, isreal, signbit, isclose,
    allclose, isin,
)
from striate.ops.reductions import (  # noqa: F401
    sum, mean, max, min, amax, amin, prod, var, std, argmax, argmin, any, all, count_nonzero,
    cumsum, cumprod, average, ptp, median, quantile, percentile, trace, nansum, nanmean, nanmax,
    nanmin, nanvar, nanstd, nanprod,
)
from striate.ops.shape_ops import (  # noqa: F401
    reshape, transpose, expand_dims, squeeze, ravel, concatenate, stack, hstack, vstack, dstack,
    split, array_split, hsplit, vsplit, dsplit, tile, repeat, pad, flip, fliplr, flipud, roll,
    rot90, swapaxes, moveaxis, broadcast_to, append, copy,
)
from striate.ops.indexing import (  # noqa: F401
    take, take_along_axis, where, nonzero, sort, argsort, tril, triu, diag, diagonal, diagflat,
    get_item, select, searchsorted, digitize, bincount, argpartition,
)
from striate.ops.products import (  # noqa: F401
    matmul, dot, tensordot, outer, inner, vdot, einsum, kron, cross,
)
from striate.ops.numpy_extra import (  # noqa: F401
    ndim, size, diff, fmax, fmin, logaddexp2, gcd, lcm, bitwise_and, bitwise_or, bitwise_xor,
    bitwise_not, bitwise_invert, bitwise_left_shift, bitwise_right_shift, left_shift, right_shift,
    ldexp, nextafter, i0, trapezoid, vander, corrcoef, correlate, histogram, unique, unravel_index,
    bartlett, blackman, hamming, hanning, kaiser, real, imag, conj, conjugate, angle, nancumsum,
    nancumprod, nanargmax, nanargmin, nanquantile, nanpercentile, nanmedian, view,
)
from striate.ops.linalg import slogdet  # noqa: F401

__all__ = [
    "ones", "zeros", "full", "empty", "ones_like", "zeros_like", "full_like", "empty_like",
    "arange", "linspace", "logspace", "geomspace", "eye", "identity", "tri", "array", "meshgrid",
    "add", "subtract", "multiply", "divide", "true_divide", "divide_no_nan", "floor_divide", "mod",
    "fmod", "power", "negative", "abs", "absolute", "fabs", "square", "reciprocal", "sign", "floor",
    "ceil", "round", "trunc", "clip", "maximum", "minimum", "hypot", "logaddexp", "nan_to_num",
    "heaviside", "deg2rad", "rad2deg", "copysign", "exp", "exp2", "expm1", "log", "log1p", "log2",
    "log10", "sqrt", "rsqrt", "cbrt", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "arctan2",
    "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "erf", "erfc", "erfinv", "sinc",
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and",
    "logical_or", "logical_xor", "logical_not", "isnan", "isinf", "isfinite", "isposinf",
    "isneginf", "isreal", "signbit", "isclose", "allclose", "isin", "sum", "mean", "max", "min",
    "amax", "amin", "prod", "var", "std", "argmax", "argmin", "any", "all", "count_nonzero",
    "cumsum", "cumprod", "average", "ptp", "median", "quantile", "percentile", "trace", "nansum",
    "nanmean", "nanmax", "nanmin", "nanvar", "nanstd", "nanprod", "reshape", "transpose",
    "expand_dims", "squeeze", "ravel", "concatenate", "stack", "hstack", "vstack", "dstack",
    "split", "array_split", "hsplit", "vsplit", "dsplit", "tile", "repeat", "pad", "flip", "fliplr",
    "flipud", "roll", "rot90", "swapaxes", "moveaxis", "broadcast_to", "append", "copy", "take",
    "take_along_axis", "where", "nonzero", "sort", "argsort", "tril", "triu", "diag", "diagonal",
    "diagflat", "get_item", "select", "searchsorted", "digitize", "bincount", "argpartition",
    "matmul", "dot", "tensordot", "outer", "inner", "vdot", "einsum", "kron", "cross", "ndim",
    "size", "diff", "fmax", "fmin", "logaddexp2", "gcd", "lcm", "bitwise_and", "bitwise_or",
    "bitwise_xor", "bitwise_not", "bitwise_invert", "bitwise_left_shift", "bitwise_right_shift",
    "left_shift", "right_shift", "ldexp", "nextafter", "i0", "trapezoid", "vander", "corrcoef",
    "correlate", "histogram", "unique", "unravel_index", "bartlett", "blackman", "hamming",
    "hanning", "kaiser", "real", "imag", "conj", "conjugate", "angle", "nancumsum", "nancumprod",
    "nanargmax", "nanargmin", "nanquantile", "nanpercentile", "nanmedian", "view", "slogdet",
]
