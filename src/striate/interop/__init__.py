"""Models to and from other tools: PyTorch state dicts and ONNX files (Keras files live in ``striate.saving``)."""

from striate.interop.onnx_export import export_onnx
from striate.interop.torch import from_torch_state_dict, to_torch_state_dict

__all__ = ["from_torch_state_dict", "to_torch_state_dict", "export_onnx"]
