"""keras.Variable and keras.constraints (applied after each optimizer update), NumPy formulas
and Keras 3 as the references."""

import numpy as np
import pytest

import striate
import striate as keras
from striate import layers
from tests.keras_oracle import import_keras, to_numpy

F32_TOL = dict(rtol=1e-5, atol=1e-6)  # float32 rounding of a few products and sums
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:keras")



class Holder(layers.Layer):
    """A layer that lets a test call add_weight on it."""

    def call(self, x):
        return x


# ---- Variable ---------------------------------------------------------------------------------
def test_variable_behaves_like_keras():
    v = keras.Variable(np.array([1.0, 2.0]), name="v")
    assert v.value is v and v.numpy().tolist() == [1.0, 2.0] and v.name == "v" and v.trainable
    out = v.assign([3.0, 4.0])
    assert out == [3.0, 4.0] and v.numpy().tolist() == [3.0, 4.0]
    v.assign_add(np.ones(2))
    v.assign_sub(np.array([0.5, 0.5]))
    assert v.numpy().tolist() == [3.5, 4.5]
    np.testing.assert_allclose((v * 2 + 1).numpy(), [8.0, 10.0])
    np.testing.assert_allclose((np.array([1.0, 1.0]) @ v).numpy(), 8.0)
    assert float(keras.Variable(np.float32(1.5))) == 1.5
    with pytest.raises(ValueError, match="cannot assign shape"):
        v.assign(np.ones(3))
    with pytest.raises(ValueError, match="needs a shape"):
        keras.Variable(initializer="zeros")
    v.trainable = False
    assert not v.requires_grad


def test_variable_gradients_flow_through_operators():
    v = keras.Variable(np.array([1.0, -2.0], dtype="float64"))
    loss = (v * v).sum()
    loss.backward()
    np.testing.assert_allclose(v.value.grad, [2.0, -4.0])


# ---- constraints ------------------------------------------------------------------------------
def _reference_norm(w, axis):
    return np.sqrt((w ** 2).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("axis", [0, 1, [0, 1]])
def test_constraints_match_their_formulas(axis):
    w = np.random.default_rng(3).normal(size=(4, 3)).astype("float32") * 2
    norms = _reference_norm(w, tuple(axis) if isinstance(axis, list) else axis)
    c = striate.constraints
    np.testing.assert_allclose(c.MaxNorm(1.5, axis)(w), w * np.clip(norms, 0, 1.5) / (1e-7 + norms), **F32_TOL)
    np.testing.assert_allclose(c.UnitNorm(axis)(w), w / (1e-7 + norms), **F32_TOL)
    mm = c.MinMaxNorm(0.5, 1.0, rate=0.5, axis=axis)(w)
    np.testing.assert_allclose(mm, w * (0.5 * np.clip(norms, 0.5, 1.0) + 0.5 * norms) / (1e-7 + norms), **F32_TOL)
    np.testing.assert_array_equal(c.NonNeg()(w), np.maximum(w, 0))


def test_constraints_match_keras():
    k = import_keras()
    w = np.random.default_rng(4).normal(size=(3, 5)).astype("float32") * 3
    pairs = [("MaxNorm", {"max_value": 2.0}), ("MinMaxNorm", {"min_value": 0.5, "max_value": 1.5, "rate": 0.7}),
             ("UnitNorm", {"axis": 1}), ("NonNeg", {})]
    for name, kwargs in pairs:
        ours = getattr(striate.constraints, name)(**kwargs)
        theirs = getattr(k.constraints, name)(**kwargs)
        np.testing.assert_allclose(ours(w), to_numpy(theirs(k.ops.convert_to_tensor(w))), **F32_TOL)
        assert ours.get_config() == theirs.get_config()


def test_constraints_by_name_and_config():
    c = striate.constraints
    for name, cls in [("max_norm", c.MaxNorm), ("MinMaxNorm", c.MinMaxNorm), ("non_neg", c.NonNeg),
                      ("unit_norm", c.UnitNorm)]:
        assert isinstance(c.get(name), cls)
    config = c.serialize(c.MaxNorm(3.0, axis=[0, 1]))
    assert config["module"] == "keras.constraints" and config["class_name"] == "MaxNorm"
    again = c.deserialize(config)
    assert again.max_value == 3.0 and again.axis == [0, 1]
    assert c.get(None) is None
    with pytest.raises(ValueError, match="Unknown constraint"):
        c.get("no_such")
    with pytest.raises(ValueError, match="max_value"):
        c.MaxNorm(-1)


def test_constraints_apply_after_each_optimizer_update():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(64, 4)), rng.normal(size=(64, 2)) * 10
    model = keras.Sequential([keras.Input((4,)), layers.Dense(2, kernel_constraint="max_norm",
                                                             bias_constraint=keras.constraints.NonNeg())])
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
    model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    kernel, bias = model.get_weights()
    assert (np.sqrt((kernel ** 2).sum(axis=0)) <= 2.0 + 1e-5).all() and (bias >= 0).all()
    assert model.layers[0].get_config()["kernel_constraint"]["class_name"] == "MaxNorm"


def test_a_custom_constraint_written_with_operators():
    class Clip(striate.constraints.Constraint):
        def __call__(self, w):
            return w * (w >= 0)

    layer = Holder()
    v = layer.add_weight(shape=(3,), initializer="zeros", constraint=Clip())
    v.grad = None
    striate.optimizers.SGD(1.0).apply([np.array([1.0, -1.0, 0.5], "float32")], [v])
    assert v.numpy().tolist() == [0.0, 1.0, 0.0]
