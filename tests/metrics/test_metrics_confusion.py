"""Confusion-matrix metrics, precision, recall, AUC and confusion_matrix against references."""

import numpy as np
import pytest

from striate import metrics


@pytest.fixture
def rng():
    return np.random.default_rng(5)


def counts(y_true, y_pred, threshold, weights=None):
    """tp, fp, tn, fn by definition: positive when y_pred > threshold."""
    w = np.ones_like(y_pred) if weights is None else np.broadcast_to(weights, y_pred.shape)
    pos, pred = y_true.astype(bool), y_pred > threshold
    return [float((w * (a & b)).sum()) for a, b in
            ((pos, pred), (~pos, pred), (~pos, ~pred), (pos, ~pred))]


@pytest.mark.parametrize("cls, y_true, y_pred, plain, weighted", [
    (metrics.TruePositives, [0, 1, 1, 1], [1, 0, 1, 1], 2.0, 1.0),
    (metrics.FalsePositives, [0, 1, 0, 0], [0, 0, 1, 1], 2.0, 1.0),
    (metrics.TrueNegatives, [0, 1, 0, 0], [1, 1, 0, 0], 2.0, 1.0),
    (metrics.FalseNegatives, [0, 1, 1, 1], [0, 1, 0, 0], 2.0, 1.0),
    (metrics.Precision, [0, 1, 1, 1], [1, 0, 1, 1], 2 / 3, 1.0),
    (metrics.Recall, [0, 1, 1, 1], [1, 0, 1, 1], 2 / 3, 1.0),
])
def test_keras_doc_values(cls, y_true, y_pred, plain, weighted):
    m = cls()
    m.update_state(y_true, y_pred)
    assert m.result() == pytest.approx(plain)
    m.reset_state()
    m.update_state(y_true, y_pred, sample_weight=[0, 0, 1, 0])
    assert m.result() == pytest.approx(weighted)


def test_keras_doc_values_precision_top_k():
    m = metrics.Precision(top_k=2)
    m.update_state([0, 0, 1, 1], [1, 1, 1, 1])
    assert m.result() == 0.0
    m = metrics.Precision(top_k=4)
    m.update_state([0, 0, 1, 1], [1, 1, 1, 1])
    assert m.result() == 0.5


def test_precision_recall_several_thresholds_over_batches(rng):
    thresholds = [0.7, 0.2, 0.5]  # any order: results follow it
    precision, recall = metrics.Precision(thresholds=thresholds), metrics.Recall(thresholds=thresholds)
    tp = np.zeros(3)
    fp = np.zeros(3)
    fn = np.zeros(3)
    for _ in range(3):
        y_true, y_pred, w = (rng.random((6, 2)) > 0.5).astype(int), rng.random((6, 2)), rng.random(6)
        precision.update_state(y_true, y_pred, sample_weight=w)
        recall.update_state(y_true, y_pred, sample_weight=w)
        for i, t in enumerate(thresholds):
            c = counts(y_true, y_pred, t, w[:, None])
            tp[i], fp[i], fn[i] = tp[i] + c[0], fp[i] + c[1], fn[i] + c[3]
    np.testing.assert_allclose(precision.result(), tp / (tp + fp))
    np.testing.assert_allclose(recall.result(), tp / (tp + fn))


def test_precision_recall_class_id(rng):
    y_true = np.eye(3)[rng.integers(0, 3, 12)]
    y_pred = rng.random((12, 3))
    tp, fp, _, fn = counts(y_true[:, 1], y_pred[:, 1], 0.5)
    assert metrics.Precision(class_id=1)(y_true, y_pred) == pytest.approx(tp / (tp + fp))
    assert metrics.Recall(class_id=1)(y_true, y_pred) == pytest.approx(tp / (tp + fn))


def test_exact_threshold_is_not_positive():
    m = metrics.TruePositives(thresholds=[0.5, 0.49])
    m.update_state([1, 1], [0.5, 0.5])
    np.testing.assert_array_equal(m.result(), [0.0, 2.0])


def test_no_positives_gives_zero_not_nan():
    assert metrics.Precision()([0, 0], [0.1, 0.2]) == 0.0
    assert metrics.Recall()([0, 0], [0.9, 0.2]) == 0.0


def test_bad_thresholds():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.Precision(thresholds=[0.5, 1.5])


def exact_roc_auc(y_true, y_score):
    """Mann-Whitney: the probability that a positive scores above a negative (ties count half)."""
    pos, neg = y_score[y_true == 1], y_score[y_true == 0]
    diff = pos[:, None] - neg[None, :]
    return ((diff > 0).sum() + 0.5 * (diff == 0).sum()) / diff.size


def test_keras_doc_values_auc():
    m = metrics.AUC(num_thresholds=3)
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    assert m.result() == pytest.approx(0.75)
    m.reset_state()
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], sample_weight=[1, 0, 0, 1])
    assert m.result() == pytest.approx(1.0)


def test_roc_auc_approaches_the_exact_value(rng):
    y_true = (rng.random(400) > 0.6).astype(int)
    y_score = np.clip(0.3 * y_true + rng.normal(0.35, 0.2, 400), 0, 1)
    m = metrics.AUC(num_thresholds=1000)
    for part in np.array_split(np.arange(400), 4):
        m.update_state(y_true[part], y_score[part])
    assert m.result() == pytest.approx(exact_roc_auc(y_true, y_score), abs=2e-3)


def test_auc_summation_methods_and_pr_curve(rng):
    y_true = (rng.random(200) > 0.5).astype(int)
    y_score = np.clip(0.4 * y_true + rng.random(200) * 0.6, 0, 1)
    results = {}
    for curve in ("ROC", "PR"):
        for method in ("minoring", "interpolation", "majoring"):
            results[curve, method] = metrics.AUC(num_thresholds=50, curve=curve, summation_method=method)(
                y_true, y_score)
        assert results[curve, "minoring"] <= results[curve, "interpolation"] + 1e-9
        assert results[curve, "interpolation"] <= results[curve, "majoring"] + 1e-9
    # Perfectly separated: both areas are 1.
    assert metrics.AUC(curve="PR")([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == pytest.approx(1.0)
    assert metrics.AUC()([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == pytest.approx(1.0)


def test_auc_multi_label_averages_label_aucs(rng):
    y_true = (rng.random((300, 2)) > 0.5).astype(int)
    y_score = np.clip(0.3 * y_true + rng.random((300, 2)) * 0.7, 0, 1)
    multi = metrics.AUC(num_thresholds=2000, multi_label=True)
    multi.update_state(y_true, y_score)
    per_label = [exact_roc_auc(y_true[:, j], y_score[:, j]) for j in range(2)]
    assert multi.result() == pytest.approx(np.mean(per_label), abs=2e-3)
    weighted = metrics.AUC(num_thresholds=2000, multi_label=True, num_labels=2, label_weights=[3.0, 1.0])
    weighted.update_state(y_true, y_score)
    assert weighted.result() == pytest.approx((3 * per_label[0] + per_label[1]) / 4, abs=2e-3)


def test_auc_from_logits_and_explicit_thresholds(rng):
    y_true = (rng.random(50) > 0.5).astype(int)
    logits = rng.normal(size=50) + y_true
    probs = 1 / (1 + np.exp(-logits))
    assert metrics.AUC(from_logits=True)(y_true, logits) == pytest.approx(metrics.AUC()(y_true, probs))
    m = metrics.AUC(thresholds=[0.5, 0.25, 0.75])
    assert m.num_thresholds == 5 and m.thresholds[1:-1] == [0.25, 0.5, 0.75]
    assert m.get_config()["thresholds"] == [0.25, 0.5, 0.75]


def test_auc_bad_arguments():
    with pytest.raises(ValueError, match="curve"):
        metrics.AUC(curve="XY")
    with pytest.raises(ValueError, match="summation"):
        metrics.AUC(summation_method="simpson")
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="num_labels"):
        metrics.AUC(num_labels=3)


# ---- confusion_matrix ---------------------------------------------------------------
def test_confusion_matrix_against_loop(rng):
    y_true, y_pred = rng.integers(0, 4, 30), rng.integers(0, 4, 30)
    expected = np.zeros((4, 4), int)
    for t, p in zip(y_true, y_pred):
        expected[t, p] += 1
    np.testing.assert_array_equal(metrics.confusion_matrix(y_true, y_pred, 4), expected)
    scores = np.eye(4)[y_pred] + 0.01 * rng.random((30, 4))  # argmax of scores, one-hot truth
    np.testing.assert_array_equal(metrics.confusion_matrix(np.eye(4)[y_true], scores, 4), expected)
    weights = rng.random(30)
    weighted = metrics.confusion_matrix(y_true, y_pred, 4, weights=weights)
    assert weighted.dtype == np.float64 and weighted.sum() == pytest.approx(weights.sum())


def test_confusion_matrix_keras_example_and_binary_probabilities():
    expected = np.zeros((5, 5), int)
    expected[1, 2] = expected[2, 2] = expected[4, 4] = 1
    np.testing.assert_array_equal(metrics.confusion_matrix([1, 2, 4], [2, 2, 4], num_classes=5), expected)
    np.testing.assert_array_equal(metrics.confusion_matrix([0, 1, 1], [[0.2], [0.7], [0.4]], num_classes=2),
                                  [[1, 0], [1, 1]])


def test_confusion_matrix_errors():
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        metrics.confusion_matrix([0, 3], [0, 1], 3)
    with pytest.raises(ValueError, match="integer"):
        metrics.confusion_matrix([0, 1.5], [0, 1], 3)
    with pytest.raises(ValueError, match="labels"):
        metrics.confusion_matrix([0, 1], [0, 1, 2], 3)


def test_errors_name_the_metric():
    with pytest.raises(ValueError, match=r"precision: y_true and y_pred must have the same shape"):
        metrics.Precision().update_state(np.zeros((3, 2)), np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"recall: sample_weight of shape \(2,\)"):
        metrics.Recall().update_state(np.zeros(3), np.zeros(3), sample_weight=[1.0, 2.0])
    with pytest.raises(ValueError, match="my_precision: when class_id"):
        metrics.Precision(class_id=1, name="my_precision").update_state(np.zeros(3), np.zeros(3))
