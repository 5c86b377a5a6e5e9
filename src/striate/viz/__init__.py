"""Pictures of what a network does and learned (matplotlib is an optional extra).

Every function returns a matplotlib Figure (or arrays) and never shows it:
save it with ``fig.savefig(path)``, or let a notebook display it. matplotlib is
imported only when a plot is drawn, so ``import striate`` works without it.
"""

from striate.viz.activation_maximization import maximize_activation, plot_activation_maximization
from striate.viz.backprop import plot_backprop
from striate.viz.boundary import plot_decision_boundary
from striate.viz.confusion import plot_confusion_matrix
from striate.viz.feature_maps import feature_extractor, feature_maps, plot_feature_maps
from striate.viz.filters import plot_filters
from striate.viz.history import plot_history

__all__ = ["plot_history", "plot_decision_boundary", "plot_filters", "feature_extractor", "feature_maps",
           "plot_feature_maps", "maximize_activation", "plot_activation_maximization", "plot_confusion_matrix",
           "plot_backprop"]
