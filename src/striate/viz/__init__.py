"""Pictures of what a network does and learned (matplotlib is an optional extra)."""

from striate.viz.boundary import plot_decision_boundary
from striate.viz.history import plot_history

__all__ = ["plot_history", "plot_decision_boundary"]
