"""``model.save``, ``save_weights`` and ``load_weights``: the file methods of every Model.

A placeholder until the safe file format lands (issue 5); the methods raise
``NotImplementedError`` so nothing pretends to save.
"""

__all__ = ["SavingMixin"]


class SavingMixin:
    """File methods mixed into :class:`~striate.models.Model`."""

    def save(self, filepath, overwrite=True):
        raise NotImplementedError("model.save is not implemented yet")

    def save_weights(self, filepath, overwrite=True):
        raise NotImplementedError("model.save_weights is not implemented yet")

    def load_weights(self, filepath):
        raise NotImplementedError("model.load_weights is not implemented yet")
