"""What generated modules import: hand-written, typed, and testable without any spec."""

from .models import FieldSpec, field, fields_of, from_wire, model, to_wire
from .operations import Operation, operations
from .sdk import MAX_MESSAGE_BYTES, UNSET, ConnectionInfo, FanOutResult, ServerSdk
from .types import AnyJson, Bool, Date, DateTime, EnumRef, Float, Int, ListOf, MapOf, ModelRef, Str

__all__ = [
    "AnyJson",
    "Bool",
    "ConnectionInfo",
    "Date",
    "DateTime",
    "EnumRef",
    "FanOutResult",
    "FieldSpec",
    "Float",
    "Int",
    "ListOf",
    "MAX_MESSAGE_BYTES",
    "MapOf",
    "ModelRef",
    "Operation",
    "ServerSdk",
    "Str",
    "UNSET",
    "field",
    "fields_of",
    "from_wire",
    "model",
    "operations",
    "to_wire",
]
