"""Spec files -> ``ApiModel``: safe reading, ``$ref`` resolution across files, and checking
the supported subset, with every problem reported by file, location and line."""

from .loader import load_spec
from .model import ApiModel, EnumModel, FieldModel, ObjectModel, OperationModel, TypeRef

__all__ = ["ApiModel", "EnumModel", "FieldModel", "ObjectModel", "OperationModel", "TypeRef", "load_spec"]
