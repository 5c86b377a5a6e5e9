"""The losses' interface: get, serialize/deserialize, configs, custom losses, and errors."""

import json

import numpy as np
import pytest

import striate
from striate import functional as F
from striate import losses

ALL_CLASSES = [losses.MeanSquaredError, losses.MeanAbsoluteError, losses.Huber, losses.LogCosh,
               losses.BinaryCrossentropy, losses.CategoricalCrossentropy, losses.SparseCategoricalCrossentropy,
               losses.KLDivergence, losses.Hinge, losses.SquaredHinge, losses.CategoricalHinge]


@pytest.mark.parametrize("identifier, cls", [
    ("mse", losses.MeanSquaredError), ("MSE", losses.MeanSquaredError),
    ("mean_squared_error", losses.MeanSquaredError), ("MeanSquaredError", losses.MeanSquaredError),
    ("mae", losses.MeanAbsoluteError), ("mean_absolute_error", losses.MeanAbsoluteError),
    ("categorical_crossentropy", losses.CategoricalCrossentropy),
    ("sparse_categorical_crossentropy", losses.SparseCategoricalCrossentropy),
    ("binary_crossentropy", losses.BinaryCrossentropy), ("bce", losses.BinaryCrossentropy),
    ("huber", losses.Huber), ("huber_loss", losses.Huber), ("log_cosh", losses.LogCosh),
    ("logcosh", losses.LogCosh), ("kl_divergence", losses.KLDivergence), ("kld", losses.KLDivergence),
    ("hinge", losses.Hinge), ("squared_hinge", losses.SquaredHinge), ("categorical_hinge", losses.CategoricalHinge),
    (losses.categorical_crossentropy, losses.CategoricalCrossentropy), (losses.Huber, losses.Huber),
])
def test_get_names(identifier, cls):
    loss = losses.get(identifier)
    assert type(loss) is cls and loss.reduction == "sum_over_batch_size"


def test_get_instances_dicts_and_callables():
    instance = losses.CategoricalCrossentropy(from_logits=True)
    assert losses.get(instance) is instance
    assert losses.get(None) is None
    from_dict = losses.get({"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}})
    assert isinstance(from_dict, losses.CategoricalCrossentropy) and from_dict.from_logits

    def squared_sum(y_true, y_pred):
        return ((y_pred - y_true) * (y_pred - y_true)).sum(axis=-1)

    wrapped = losses.get(squared_sum)
    assert isinstance(wrapped, losses.LossFunctionWrapper) and wrapped.name == "squared_sum"
    assert wrapped(np.ones((2, 3)), striate.Tensor(np.zeros((2, 3)))).item() == 3.0


def test_get_unknown_name_lists_known_names():
    with pytest.raises(ValueError, match="Unknown loss 'mean_sqared_error'.*mean_squared_error"):
        losses.get("mean_sqared_error")
    with pytest.raises(TypeError):
        losses.get(3)


@pytest.mark.parametrize("cls", ALL_CLASSES)
def test_config_round_trip_through_json(cls):
    loss = cls(reduction="sum", name="custom_name")
    config = json.loads(json.dumps(losses.serialize(loss)))
    again = losses.deserialize(config)
    assert type(again) is cls and again.get_config() == loss.get_config()
    assert again.name == "custom_name" and again.reduction == "sum"
    assert losses.get(config).get_config() == loss.get_config()
    assert cls.from_config(loss.get_config()).get_config() == loss.get_config()


def test_config_keeps_arguments():
    config = losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2, axis=1).get_config()
    assert config == {"name": "binary_crossentropy", "reduction": "sum_over_batch_size", "from_logits": True,
                      "label_smoothing": 0.2, "axis": 1}
    assert losses.SparseCategoricalCrossentropy(ignore_class=255).get_config()["ignore_class"] == 255
    assert losses.Huber(delta=2.0).get_config()["delta"] == 2.0


def test_serialize_functions():
    config = losses.serialize(losses.mean_squared_error)
    assert config["class_name"] == "function" and config["config"] == "mean_squared_error"
    assert losses.deserialize(config) is losses.mean_squared_error
    assert losses.deserialize("mae") is losses.mean_absolute_error


def test_function_wrapper_round_trip_with_custom_objects():
    def my_loss(y_true, y_pred):
        return F.abs(y_pred - y_true).sum(axis=-1)

    wrapper = losses.LossFunctionWrapper(my_loss, reduction="sum")
    config = losses.serialize(wrapper)
    again = losses.deserialize(config, custom_objects={"my_loss": my_loss})
    assert again.fn is my_loss and again.reduction == "sum"


def test_custom_subclass_with_call():
    class Quartic(losses.Loss):
        def call(self, y_true, y_pred):
            e = y_pred - y_true
            return (e * e * e * e).mean(axis=-1)

    loss = Quartic()
    assert loss.name == "quartic"
    p = striate.Tensor(np.full((2, 2), 2.0), requires_grad=True)
    value = loss(np.zeros((2, 2)), p, sample_weight=np.array([1.0, 0.0]))
    assert value.item() == pytest.approx(16.0 / 2)
    value.backward()
    np.testing.assert_allclose(p.grad, [[8.0, 8.0], [0.0, 0.0]])  # w * 4 e^3 / K / N = 32 / 4
    assert striate.gradcheck(lambda t: loss(np.ones((3, 2)), t), np.random.default_rng(0).random((3, 2)))


def test_reductions_are_checked():
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")


# ---- bad input ------------------------------------------------------------------------
def test_incompatible_shapes_name_the_loss_and_both_shapes():
    with pytest.raises(ValueError, match=r"mean_squared_error.*\(4, 3\).*\(4, 2\)"):
        losses.MeanSquaredError()(np.zeros((4, 3)), striate.Tensor(np.zeros((4, 2))))
    with pytest.raises(ValueError, match=r"binary_crossentropy.*\(4, 1\).*\(4, 3\)"):
        losses.BinaryCrossentropy()(np.zeros((4, 1)), striate.Tensor(np.full((4, 3), 0.5)))  # no silent broadcast
    with pytest.raises(ValueError, match="hinge"):
        losses.Hinge()(np.zeros(5), striate.Tensor(np.zeros(4)))


def test_categorical_crossentropy_wrong_targets():
    p = striate.Tensor(np.full((4, 3), 1 / 3))
    with pytest.raises(ValueError, match="one-hot y_true has 4 classes but y_pred has 3"):
        losses.CategoricalCrossentropy()(np.eye(4), p)
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        losses.CategoricalCrossentropy()(np.array([0, 1, 2, 1]), p)
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        losses.CategoricalCrossentropy()(np.array([[0], [1], [2], [1]]), p)


@pytest.mark.parametrize("labels, match", [
    (np.array([0, 1, 3]), r"labels must be in \[0, 3\).*3"),
    (np.array([0, -1, 2]), r"labels must be in \[0, 3\).*-1"),
    (np.array([0.0, 1.5, 2.0]), "labels must be integers.*1.5"),
    (np.array([0.0, np.nan, 2.0]), "labels must be integers"),
    (np.array([0, 1]), r"integer labels of shape \(3,\)"),
    (np.array([[0, 1], [1, 0], [0, 1]]), r"integer labels of shape \(3,\)"),
    (np.array(["a", "b", "c"]), "labels must be integers"),
])
def test_sparse_bad_labels(labels, match):
    with pytest.raises(ValueError, match=match):
        losses.SparseCategoricalCrossentropy(from_logits=True)(labels, striate.Tensor(np.zeros((3, 3))))


def test_sparse_float_labels_that_are_integers_are_fine():
    value = losses.SparseCategoricalCrossentropy(from_logits=True)(np.array([[0.0], [2.0]]),
                                                                   striate.Tensor(np.zeros((2, 3))))
    assert value.item() == pytest.approx(np.log(3))


def test_bad_sample_weight_shape():
    with pytest.raises(ValueError, match=r"mean_squared_error: sample_weight of shape \(3,\).*\(4,\)"):
        losses.MeanSquaredError()(np.zeros((4, 2)), striate.Tensor(np.zeros((4, 2))), sample_weight=np.ones(3))


def test_sample_weight_per_sample_for_sequences():
    """(N,) weights apply to every step of (N, T) per-sample losses."""
    y, p = np.zeros((2, 3, 1)), striate.Tensor(np.ones((2, 3, 1)))
    value = losses.MeanSquaredError()(y, p, sample_weight=np.array([1.0, 0.0]))
    assert value.item() == pytest.approx(3 / 6)


def test_bad_arguments():
    with pytest.raises(ValueError, match="label_smoothing"):
        losses.CategoricalCrossentropy(label_smoothing=1.5)
    with pytest.raises(ValueError, match="delta"):
        losses.Huber(delta=0)
    with pytest.raises(ValueError, match="axis"):
        losses.BinaryCrossentropy(axis=2)(np.zeros((2, 2)), striate.Tensor(np.full((2, 2), 0.5)))
    with pytest.raises(ValueError, match="y_true must be numeric"):
        losses.MeanSquaredError()(np.array([["a", "b"]]), striate.Tensor(np.zeros((1, 2))))


def test_single_class_categorical_warns():
    with pytest.warns(UserWarning, match="binary_crossentropy"):
        losses.CategoricalCrossentropy()(np.ones((2, 1)), striate.Tensor(np.ones((2, 1))))


def test_losses_accept_tensors_as_targets_and_weights():
    y = striate.Tensor(np.array([[1.0, 0.0]]))
    value = losses.MeanSquaredError()(y, striate.Tensor(np.zeros((1, 2))), sample_weight=striate.Tensor([2.0]))
    assert value.item() == pytest.approx(1.0)


def test_function_wrapper_gets_float_targets_of_the_prediction_dtype():
    seen = {}

    def diff(y_true, y_pred):
        seen["dtype"] = y_true.dtype
        return (y_pred - y_true).sum(axis=-1)

    value = losses.get(diff)(np.array([[1, 2]]), striate.Tensor(np.zeros((1, 2), np.float32)))
    assert seen["dtype"] == np.float32 and value.dtype == np.float32
