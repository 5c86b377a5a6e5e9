"""plot_confusion_matrix draws striate.metrics.confusion_matrix, counted or normalised."""

import numpy as np
import pytest

from striate.metrics import confusion_matrix
from striate.viz import plot_confusion_matrix
from tests.viz.helpers import assert_png

Y_TRUE = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2, 3])
Y_PRED = np.array([0, 1, 1, 1, 2, 2, 2, 0, 2, 3])


def drawn(fig):
    return np.asarray(fig.axes[0].images[0].get_array())


def test_counts_equal_the_metric_and_are_written_in_the_cells(tmp_path):
    fig = plot_confusion_matrix(Y_TRUE, Y_PRED, class_names=["zero", "one", "two", "three"])
    np.testing.assert_array_equal(drawn(fig), confusion_matrix(Y_TRUE, Y_PRED, num_classes=4))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert len(texts) == 16 and texts[10] == "3"  # row 2, column 2: three 2s read as 2
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["zero", "one", "two", "three"]
    assert "accuracy 70.0%" in fig.axes[0].get_title()
    assert_png(fig, tmp_path / "confusion.png")


@pytest.mark.parametrize("normalize, axis", [("true", 1), ("pred", 0)])
def test_normalised_rows_or_columns_sum_to_one(normalize, axis):
    matrix = drawn(plot_confusion_matrix(Y_TRUE, Y_PRED, normalize=normalize))
    np.testing.assert_allclose(matrix.sum(axis=axis), 1.0)
    assert drawn(plot_confusion_matrix(Y_TRUE, Y_PRED, normalize="all")).sum() == pytest.approx(1.0)


def test_scores_one_hot_and_unseen_classes():
    scores = np.eye(5)[Y_PRED] * 0.9 + 0.02  # (N, 5): a fifth class never occurs
    matrix = drawn(plot_confusion_matrix(np.eye(5)[Y_TRUE], scores, normalize="true"))
    assert matrix.shape == (5, 5)
    np.testing.assert_array_equal(matrix[4], 0.0)  # an empty row stays 0, not NaN


def test_errors():
    with pytest.raises(ValueError, match="normalize must be one of"):
        plot_confusion_matrix(Y_TRUE, Y_PRED, normalize="rows")
    with pytest.raises(ValueError):
        plot_confusion_matrix(Y_TRUE, Y_PRED, class_names=["a", "b"])  # label 3 is not one of 2 classes
