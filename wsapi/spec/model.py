"""``ApiModel``: the plain, immutable description of an API that the rest of wsapi works from.

Names in it are already Python names (validated identifiers); wire names are kept beside them.
Nothing after the spec loader looks at raw YAML.
"""

from __future__ import annotations

from typing import Any, Literal, Optional, Tuple, Union

import attrs

__all__ = [
    "Direction",
    "TypeRef",
    "FieldModel",
    "ObjectModel",
    "EnumModel",
    "OperationModel",
    "ApiModel",
    "NO_DEFAULT",
]

Direction = Literal["client_to_server", "server_to_client", "bidirectional"]
DIRECTIONS: Tuple[str, ...] = ("client_to_server", "server_to_client", "bidirectional")

#: The scalar kinds a TypeRef can have; "model" and "enum" name a declared type,
#: "list" and "map" have an ``item``, "any" is free-form JSON.
Kind = Literal["str", "int", "float", "bool", "datetime", "date", "any", "list", "map", "model", "enum"]


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Any = _NoDefault()


@attrs.frozen
class TypeRef:
    """The type of a field or array item."""

    kind: Kind
    name: Optional[str] = None  # for model / enum
    item: Optional["TypeRef"] = None  # for list / map
    nullable: bool = False
    #: validation keywords kept from the spec: minimum, maximum, minLength, maxLength,
    #: pattern, minItems, maxItems (as a sorted tuple of pairs, so the model stays hashable)
    constraints: Tuple[Tuple[str, Any], ...] = ()


@attrs.frozen
class FieldModel:
    python_name: str
    wire_name: str
    type: TypeRef
    required: bool
    default: Any = NO_DEFAULT  # JSON value from the spec, or NO_DEFAULT
    description: Optional[str] = None


@attrs.frozen
class ObjectModel:
    name: str
    fields: Tuple[FieldModel, ...]
    description: Optional[str] = None
    source: str = ""  # file#pointer where the schema was declared


@attrs.frozen
class EnumModel:
    name: str
    #: (member name, wire value) pairs
    members: Tuple[Tuple[str, Union[str, int]], ...]
    description: Optional[str] = None
    source: str = ""


@attrs.frozen
class OperationModel:
    operation_id: str
    route: str  # the route key on the wire: OperationIdPascalCase
    direction: Direction
    method_name: str  # snake_case of operation_id
    payload: Optional[str] = None  # ObjectModel name
    summary: Optional[str] = None
    description: Optional[str] = None

    @property
    def server_sends(self) -> bool:
        return self.direction in ("server_to_client", "bidirectional")

    @property
    def server_receives(self) -> bool:
        return self.direction in ("client_to_server", "bidirectional")


@attrs.frozen
class ApiModel:
    """Everything code generation needs, and the files it came from (for cache keys)."""

    name: str  # the module name: wsapi.<name>
    title: str
    version: str
    description: Optional[str]
    operations: Tuple[OperationModel, ...]
    objects: Tuple[ObjectModel, ...]
    enums: Tuple[EnumModel, ...]
    #: absolute paths of every file read, the root spec first
    files: Tuple[str, ...] = ()
