"""plot_backprop draws the lecture's network with v and δ at every node."""

import numpy as np
import pytest

import striate
from striate import explain
from striate.viz import plot_backprop
from tests.viz.helpers import assert_png


def lecture_trace():
    striate.utils.set_random_seed(0)
    model = striate.Sequential([
        striate.Input(shape=(2,)),
        striate.layers.Dense(3, activation="sigmoid", name="H1"),
        striate.layers.Dense(3, activation="sigmoid", name="H2"),
        striate.layers.Dense(1, activation="sigmoid", name="out"),
    ])
    return explain.backprop(model, np.array([0.5, -1.0]), np.array([1.0]), loss="binary_crossentropy")


def test_every_node_and_edge_of_the_2_3_3_1_network(tmp_path):
    trace = lecture_trace()
    fig = plot_backprop(trace, precision=4)
    ax = fig.axes[0]
    assert len(ax.lines) == 2 * 3 + 3 * 3 + 3 * 1  # one line per weight
    nodes = [t.get_text() for t in ax.texts if t.get_text().startswith("v =")]
    assert len(nodes) == 2 + 3 + 3 + 1
    assert f"δ = {trace.node_grads[3][0]:+.4f}" in nodes[-1]
    assert f"v = {trace.values[1][2]:+.4f}" in nodes[4]
    assert "H2" in " ".join(t.get_text() for t in ax.texts)
    assert f"{trace.loss:.4g}" in ax.get_title()
    assert_png(fig, tmp_path / "backprop.png", min_bytes=10000)


def test_pre_activations_can_be_shown():
    fig = plot_backprop(lecture_trace(), show_pre_activation=True)
    assert sum("v̄ =" in t.get_text() for t in fig.axes[0].texts) == 3 + 3 + 1


def test_errors():
    with pytest.raises(TypeError, match="BackpropTrace"):
        plot_backprop({"values": []})
    striate.utils.set_random_seed(0)
    wide = striate.Sequential([striate.Input(shape=(20,)), striate.layers.Dense(1)])
    with pytest.raises(ValueError, match="up to 12 nodes"):
        plot_backprop(explain.backprop(wide, np.zeros(20), np.array([1.0])))
