"""Models: functional ``Model``, ``Sequential``, and the training API."""

from striate.models.model import Model
from striate.models.sequential import Sequential

__all__ = ["Model", "Sequential"]
