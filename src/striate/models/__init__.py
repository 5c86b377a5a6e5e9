"""Models: functional ``Model``, ``Sequential``, and the training API."""

from striate.models.model import Model
from striate.models.sequential import Sequential
from striate.models.trainer import NotCompiledError
from striate.saving.errors import ModelFileError, ModelPathError
from striate.saving.model_io import load_model

__all__ = ["Model", "Sequential", "NotCompiledError"]
__all__ += ["load_model", "ModelFileError", "ModelPathError"]
