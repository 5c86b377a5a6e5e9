"""metrics.get / serialize / deserialize / resolve_accuracy, and the Metric base class."""

import json

import numpy as np
import pytest

from striate import losses, metrics

ALL_CLASSES = [metrics.Mean, metrics.Sum, metrics.Accuracy, metrics.BinaryAccuracy, metrics.CategoricalAccuracy,
               metrics.SparseCategoricalAccuracy, metrics.TopKCategoricalAccuracy,
               metrics.SparseTopKCategoricalAccuracy, metrics.MeanAbsoluteError, metrics.MeanSquaredError,
               metrics.RootMeanSquaredError, metrics.Precision, metrics.Recall, metrics.AUC,
               metrics.TruePositives, metrics.FalsePositives, metrics.TrueNegatives, metrics.FalseNegatives]


@pytest.mark.parametrize("identifier, cls", [
    ("accuracy", metrics.Accuracy), ("acc", metrics.Accuracy), ("Accuracy", metrics.Accuracy),
    ("mae", metrics.MeanAbsoluteError), ("mean_absolute_error", metrics.MeanAbsoluteError),
    ("mse", metrics.MeanSquaredError), ("MSE", metrics.MeanSquaredError),
    ("root_mean_squared_error", metrics.RootMeanSquaredError),
    ("categorical_accuracy", metrics.CategoricalAccuracy),
    ("sparse_categorical_accuracy", metrics.SparseCategoricalAccuracy),
    ("binary_accuracy", metrics.BinaryAccuracy), ("BinaryAccuracy", metrics.BinaryAccuracy),
    ("top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy),
    ("sparse_top_k_categorical_accuracy", metrics.SparseTopKCategoricalAccuracy),
    ("precision", metrics.Precision), ("recall", metrics.Recall), ("auc", metrics.AUC), ("AUC", metrics.AUC),
    ("Precision", metrics.Precision), (metrics.Recall, metrics.Recall),
])
def test_get_names(identifier, cls):
    assert type(metrics.get(identifier)) is cls


def test_get_instances_dicts_and_callables():
    m = metrics.Precision(thresholds=0.3)
    assert metrics.get(m) is m and metrics.get(None) is None
    from_dict = metrics.get({"class_name": "BinaryAccuracy", "config": {"threshold": 0.3}})
    assert from_dict.threshold == 0.3
    wrapped = metrics.get(metrics.categorical_accuracy)
    assert isinstance(wrapped, metrics.MeanMetricWrapper) and wrapped.name == "categorical_accuracy"
    assert wrapped(np.eye(3), np.eye(3)) == 1.0


def test_get_unknown_name():
    with pytest.raises(ValueError, match="Unknown metric 'accuracyy'.*categorical_accuracy"):
        metrics.get("accuracyy")
    with pytest.raises(TypeError):
        metrics.get(1.5)


@pytest.mark.parametrize("cls", ALL_CLASSES)
def test_config_round_trip_through_json(cls):
    m = cls(name="my_metric")
    config = json.loads(json.dumps(metrics.serialize(m)))
    again = metrics.deserialize(config)
    assert type(again) is cls and again.name == "my_metric" and again.get_config() == m.get_config()


def test_configs_keep_arguments():
    assert metrics.TopKCategoricalAccuracy(k=3).get_config()["k"] == 3
    config = metrics.Precision(thresholds=[0.2, 0.4], class_id=1).get_config()
    assert config["thresholds"] == [0.2, 0.4] and config["class_id"] == 1
    auc = metrics.deserialize(metrics.serialize(metrics.AUC(curve="PR", num_thresholds=17)))
    assert auc.curve == "PR" and auc.num_thresholds == 17


def test_wrapper_of_custom_function_round_trip():
    def hit(y_true, y_pred):
        return (y_true == y_pred).mean(axis=-1)

    config = metrics.serialize(metrics.MeanMetricWrapper(hit))
    again = metrics.deserialize(config, custom_objects={"hit": hit})
    assert again(np.ones((2, 2)), np.ones((2, 2))) == 1.0


@pytest.mark.parametrize("loss, shape, expected", [
    ("binary_crossentropy", (None, 1), metrics.BinaryAccuracy),
    (losses.BinaryCrossentropy(from_logits=True), (None, 3), metrics.BinaryAccuracy),
    ("sparse_categorical_crossentropy", (None, 10), metrics.SparseCategoricalAccuracy),
    (losses.SparseCategoricalCrossentropy(), (None, 10), metrics.SparseCategoricalAccuracy),
    ("categorical_crossentropy", (None, 10), metrics.CategoricalAccuracy),
    (losses.categorical_crossentropy, (None, 10), metrics.CategoricalAccuracy),
    (losses.CategoricalCrossentropy, (None, 10), metrics.CategoricalAccuracy),
    ("mse", (None, 1), metrics.BinaryAccuracy),
    ("mse", (None, 4), metrics.CategoricalAccuracy),
    (None, (None, 4), metrics.CategoricalAccuracy),
])
def test_resolve_accuracy_from_the_loss(loss, shape, expected):
    m = metrics.resolve_accuracy(loss, shape)
    assert type(m) is expected and m.name == "accuracy"


@pytest.mark.parametrize("output, targets, expected", [
    ((None, 1), (32, 1), metrics.BinaryAccuracy),
    ((None, 1), (32,), metrics.BinaryAccuracy),
    ((None, 10), (32,), metrics.SparseCategoricalAccuracy),
    ((None, 10), (32, 1), metrics.SparseCategoricalAccuracy),
    ((None, 10), (32, 10), metrics.CategoricalAccuracy),
])
def test_resolve_accuracy_from_shapes_as_keras3(output, targets, expected):
    m = metrics.resolve_accuracy("categorical_crossentropy", output, y_true_shape=targets, name="acc")
    assert type(m) is expected and m.name == "acc"


def test_metric_base_class_contract():
    class Maximum(metrics.Metric):
        def __init__(self, name="maximum", dtype=None):
            super().__init__(name=name, dtype=dtype)
            self.value = self.add_variable((), initializer="zeros")  # Keras 3: a Variable

        def update_state(self, values, sample_weight=None):
            self.value.assign(max(float(self.value), float(np.max(values))))

        def result(self):
            return float(self.value)

    m = Maximum()
    m.update_state([1.0, 4.0])
    m.update_state([2.0])
    assert m.result() == 4.0 and repr(m) == "<Maximum name=maximum>"
    m.reset_state()
    assert m.result() == 0.0
    assert m.get_config() == {"name": "maximum", "dtype": "float32"}
    with pytest.raises(NotImplementedError):
        metrics.Metric().update_state()
