"""striate's ``keras.ops``: NumPy-like, neural-network, core, math, linear-algebra and image ops.

Code written for ``from keras import ops`` runs with ``from striate import ops``.
Give an op striate Tensors and it returns Tensors that backpropagate; give it
arrays or Python numbers and it returns NumPy arrays. Sub-namespaces as in
Keras: ``ops.numpy``, ``ops.nn``, ``ops.math``, ``ops.linalg``, ``ops.image``.
See docs/ops.md for what is covered and where striate departs from Keras.

>>> import striate
>>> from striate import ops
>>> x = striate.Tensor([[1.0, -2.0]], requires_grad=True)
>>> y = ops.sum(ops.relu(ops.matmul(x, ops.ones((2, 3)))))
>>> y.backward(); x.grad.tolist()
[[0.0, 0.0]]
"""

from striate.ops import image, linalg, math, nn, numpy  # noqa: F401
from striate.ops.control_flow import (associative_scan, cond, fori_loop, map, scan, switch,  # noqa: F401
                                      vectorized_map, while_loop)
from striate.ops.core import (cast, convert_to_numpy, convert_to_tensor, custom_gradient, dtype,  # noqa: F401
                              is_tensor, saturate_cast, scatter, scatter_update, shape, slice, slice_update,
                              stop_gradient, unstack)
from striate.ops.linalg import (cholesky, cholesky_inverse, det, eig, eigh, inv, lstsq, lu_factor,  # noqa: F401
                                matrix_rank, norm, pinv, qr, solve, solve_triangular, svd)
from striate.ops.math import (cdist, erf, erfinv, extract_sequences, in_top_k, logdet, logsumexp,  # noqa: F401
                              rsqrt, segment_max, segment_min, segment_prod, segment_sum, top_k)
from striate.ops.nn import *  # noqa: F401,F403
from striate.ops.nn import __all__ as _nn_all
from striate.ops.numpy import *  # noqa: F401,F403
from striate.ops.numpy import __all__ as _numpy_all

__all__ = sorted(set(_numpy_all) | set(_nn_all) | {
    "image", "linalg", "math", "nn", "numpy",
    "associative_scan", "cond", "fori_loop", "map", "scan", "switch", "vectorized_map", "while_loop",
    "cast", "convert_to_numpy", "convert_to_tensor", "custom_gradient", "dtype", "is_tensor", "saturate_cast",
    "scatter", "scatter_update", "shape", "slice", "slice_update", "stop_gradient", "unstack",
    "cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "lstsq", "lu_factor", "matrix_rank", "norm",
    "pinv", "qr", "solve", "solve_triangular", "svd",
    "cdist", "erf", "erfinv", "extract_sequences", "in_top_k", "logdet", "logsumexp", "rsqrt",
    "segment_max", "segment_min", "segment_prod", "segment_sum", "top_k",
})
