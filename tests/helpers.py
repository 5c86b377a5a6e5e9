"""Shared test helpers: one-line op checks and the layer contract.

``check_op`` turns "inputs + striate function + NumPy reference" into a forward
check and a float64 finite-difference gradient check; ``check_layer_contract``
runs the checks every layer must pass. Both compare on the host (``backend.to_host``), so
they also run on the fake device (``STRIATE_TEST_BACKEND=fake``, docs/gpu.md).
"""

import numpy as np

import striate
from striate import backend


def random_inputs(shapes, seed=0, low=-1.0, high=1.0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(low, high, size=s) for s in shapes]


def check_op(fn, reference, shapes, seed=0, low=-1.0, high=1.0, atol=1e-5, rtol=1e-4, inputs=None):
    """Forward equals ``reference`` on float64 inputs, and gradients pass gradcheck."""
    arrays = inputs if inputs is not None else random_inputs(shapes, seed, low, high)
    out = fn(*[striate.Tensor(a) for a in arrays])
    np.testing.assert_allclose(backend.to_host(out.data), reference(*arrays), rtol=1e-10, atol=1e-12)
    assert out.dtype == np.float64
    assert striate.gradcheck(fn, *arrays, atol=atol, rtol=rtol)


def check_layer_contract(make_layer, input_shape, expected_output_shape, expected_params, seed=0,
                         loss_decreases=True):
    """The checks every layer passes.

    - builds on first call and on a symbolic Input, with the expected output shape;
    - has the expected number of parameters;
    - its config round-trips through from_config to a layer with the same config;
    - float64 gradcheck of the output with respect to input and weights;
    - one gradient step (with training=True) lowers a simple loss.
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2,) + tuple(input_shape))

    # symbolic build and output shape
    layer = make_layer()
    symbolic = layer(striate.Input(shape=input_shape))
    assert symbolic.shape == (None,) + tuple(expected_output_shape)
    assert layer.count_params() == expected_params

    # eager output shape equals the symbolic one
    eager = layer(x.astype("float32"))
    assert eager.shape == (2,) + tuple(expected_output_shape)

    # config round trip
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config

    # gradients in float64
    with backend.floatx_scope("float64"):
        layer64 = make_layer()
        layer64(x)  # build
        params = [w for w in layer64.trainable_weights]
        assert striate.gradcheck(lambda t: layer64(t, training=False), x, params=params)

    # one step lowers the loss
    if loss_decreases and layer.trainable_weights:
        target = rng.standard_normal(eager.shape).astype("float32")

        def loss_value():
            out = layer(x.astype("float32"), training=False)
            diff = out - target
            return (diff * diff).mean()

        loss = loss_value()
        for w in layer.trainable_weights:
            w.grad = None
        loss.backward()
        for w in layer.trainable_weights:
            w.data -= 1e-2 * w.grad
        assert loss_value().item() < loss.item()
