"""Operation metadata of a generated module: the ``OPERATIONS`` mapping (route -> Operation)."""

from __future__ import annotations

import sys
from types import MappingProxyType
from typing import Any, Iterable, Mapping

__all__ = ["Operation", "operations"]


class Operation:
    """One operation of the spec: route key, direction and payload model."""

    __slots__ = ("operation_id", "route", "direction", "method_name", "payload_name", "module")

    def __init__(
        self,
        operation_id: str,
        route: str,
        direction: str,
        method_name: str,
        payload_name: str | None,
        module: str = "",
    ) -> None:
        self.operation_id = operation_id
        self.route = route
        self.direction = direction
        self.method_name = method_name
        self.payload_name = payload_name
        self.module = module

    @property
    def payload_type(self) -> Any:
        """The payload model class, or None for an operation without payload."""
        if self.payload_name is None:
            return None
        return getattr(sys.modules[self.module], self.payload_name)

    @property
    def server_sends(self) -> bool:
        return self.direction in ("server_to_client", "bidirectional")

    @property
    def server_receives(self) -> bool:
        return self.direction in ("client_to_server", "bidirectional")

    def __repr__(self) -> str:
        return (
            f"Operation(operation_id={self.operation_id!r}, route={self.route!r}, "
            f"direction={self.direction!r}, payload={self.payload_name!r})"
        )


def operations(module: str, ops: Iterable[Operation]) -> Mapping[str, Operation]:
    """The read-only route -> Operation mapping of a generated module."""
    table = {}
    for op in ops:
        op.module = module
        table[op.route] = op
    return MappingProxyType(table)
