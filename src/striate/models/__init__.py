"""Models: functional ``Model``, ``Sequential``, and the training API (``striate.models`` is ``keras.models``)."""

from striate.models.cloning import clone_model
from striate.models.model import Model
from striate.models.sequential import Sequential
from striate.models.trainer import NotCompiledError
from striate.saving.errors import ModelFileError, ModelPathError
from striate.saving.json_config import model_from_json
from striate.saving.model_io import load_model, save_model

__all__ = ["Model", "Sequential", "NotCompiledError", "clone_model", "model_from_json"]
__all__ += ["load_model", "save_model", "ModelFileError", "ModelPathError"]
