"""``load_spec``: spec files -> ``ApiModel``, reporting every problem with file, location and line.

This part reads the document: ``openapi``, ``info``, ``paths`` (one ``post`` per route, with
``x-async.direction`` and a JSON payload) and ``components.schemas``; schemas.py does the schemas.
"""

from __future__ import annotations

import os
import re
from typing import Any

from ..errors import SpecError
from ..naming import RESERVED_METHOD_NAMES, is_identifier, pascal_case, snake_case
from .model import DIRECTIONS, ApiModel, OperationModel
from .nodes import Node
from .reader import SpecDocument
from .schemas import SchemaResolver

__all__ = ["load_spec"]


class _Builder(SchemaResolver):
    """The whole document: info, operations and components, on top of schema resolution."""

    def build(self, root: SpecDocument) -> ApiModel:
        top = Node(root, (), root.content, 1)
        if not isinstance(root.content, dict):
            self.problem(top, "the spec must be a mapping with 'openapi', 'info' and 'paths'")
            raise SpecError(self.problems)
        version = root.content.get("openapi")
        if not isinstance(version, str) or not version.startswith("3."):
            self.problem(top.child("openapi") if "openapi" in root.content else top, "expected openapi: 3.0.x")
        info: dict[str, Any] = root.content["info"] if isinstance(root.content.get("info"), dict) else {}
        title: str = info["title"] if isinstance(info.get("title"), str) else self.name
        api_version = str(info.get("version", "")) if isinstance(info.get("version", ""), (str, int, float)) else ""
        description = info.get("description") if isinstance(info.get("description"), str) else None
        operations = self.operations(top)
        self.component_schemas(top)
        if self.problems:
            raise SpecError(self.problems)
        return ApiModel(
            name=self.name,
            title=title,
            version=api_version,
            description=description,
            operations=tuple(operations),
            objects=tuple(self.objects.values()),
            enums=tuple(self.enums.values()),
            files=tuple(self.docs),
        )

    def component_schemas(self, top: Node) -> None:
        """Every schema in components is part of the API, even if no operation uses it yet."""
        components = top.value.get("components")
        if components is None:
            return
        if not isinstance(components, dict):
            self.problem(top.child("components"), "components must be a mapping")
            return
        if not isinstance(components.get("schemas", {}), dict):
            self.problem(top.child("components").child("schemas"), "components.schemas must be a mapping")
            return
        if "schemas" not in components:
            return
        schemas = top.child("components").child("schemas")
        for key in schemas.value:
            node = schemas.child(key)
            if node.key in self.by_key:
                continue
            if isinstance(node.value, dict) and "$ref" in node.value:
                self.ref_type(node)
                continue
            name = self.type_name_for(node)
            if name is None:
                continue
            self.following.append(node.key)
            try:
                result = self.schema_type(node, name)
            finally:
                self.following.pop()
            if result is not None:
                self.by_key[node.key] = result

    def operations(self, top: Node) -> list[OperationModel]:
        if "paths" not in top.value:
            self.problem(top, "the spec has no 'paths'")
            return []
        paths = top.child("paths")
        if not isinstance(paths.value, dict):
            self.problem(paths, "paths must be a mapping")
            return []
        out: list[OperationModel] = []
        by_method: dict[str, str] = {}
        by_route: dict[str, str] = {}
        for path_node in (paths.child(k) for k in paths.value):
            route_path = str(path_node.path[-1])
            if not isinstance(path_node.value, dict):
                self.problem(path_node, "a path item must be a mapping")
                continue
            route = route_path[1:] if route_path.startswith("/") else ""
            if not route or not re.fullmatch(r"[A-Za-z0-9_.$-]+", route):
                self.problem(path_node, f"path {route_path!r} must be '/<Route>' (one segment, the route key)")
                continue
            for method in path_node.value:
                op_node = path_node.child(method)
                if method.startswith("x-"):
                    continue
                if method != "post":
                    self.problem(op_node, f"only 'post' operations describe WebSocket messages, not {method!r}")
                    continue
                op = self.operation(op_node, route)
                if op is None:
                    continue
                if op.method_name in RESERVED_METHOD_NAMES:
                    self.problem(op_node.child("operationId"), f"operationId {op.operation_id!r} becomes {op.method_name!r}, a name wsapi uses itself; rename it")
                    continue
                if op.method_name in by_method:
                    self.problem(op_node, f"operationId {op.operation_id!r} and {by_method[op.method_name]!r} both become {op.method_name!r}")
                    continue
                if route.lower() in by_route:
                    self.problem(path_node, f"route {route!r} is declared twice (also as {by_route[route.lower()]!r})")
                    continue
                by_method[op.method_name] = op.operation_id
                if op.server_sends:
                    by_method[op.method_name + "_to_many"] = op.operation_id
                by_route[route.lower()] = route
                out.append(op)
        return out

    def operation(self, node: Node, route: str) -> OperationModel | None:
        value = node.value
        if not isinstance(value, dict):
            self.problem(node, "an operation must be a mapping")
            return None
        allowed = {"operationId", "x-async", "requestBody", "responses", "summary", "description", "tags", "deprecated"}
        for key in value:
            if key not in allowed and not key.startswith("x-"):
                self.problem(node.child(key), f"{key!r} is not supported on WebSocket operations")
        op_id = value.get("operationId")
        if not isinstance(op_id, str) or not op_id:
            self.problem(node.child("operationId") if "operationId" in value else node, "operationId is required (a string)")
            return None
        method_name = snake_case(op_id)
        if not is_identifier(method_name) or method_name.startswith("_"):
            self.problem(node.child("operationId"), f"cannot make a Python method name from operationId {op_id!r}")
            return None
        direction = None
        if "x-async" not in value:
            self.problem(node, "x-async: {direction: ...} is required")
        else:
            x_async = node.child("x-async")
            if not isinstance(x_async.value, dict) or "direction" not in x_async.value:
                self.problem(x_async, "x-async must be a mapping with 'direction'")
            else:
                direction = x_async.value["direction"]
                if direction not in DIRECTIONS:
                    self.problem(x_async.child("direction"), f"direction {direction!r} is not one of {', '.join(DIRECTIONS)}")
                    direction = None
        payload = self.payload(node, pascal_case(op_id) + "RequestContent")
        summary = value.get("summary") if isinstance(value.get("summary"), str) else None
        if direction is None or payload is False or payload is True:
            return None
        return OperationModel(op_id, route, direction, method_name, payload, summary, self.description(node))

    def payload(self, node: Node, inline_name: str) -> str | None | bool:
        """The payload model's name, None for no payload, False after a problem."""
        if "requestBody" not in node.value:
            return None
        body = node.child("requestBody")
        if isinstance(body.value, dict) and "$ref" in body.value:
            body = self.follow_ref(body) or body
        content = body.value.get("content") if isinstance(body.value, dict) else None
        if not isinstance(content, dict) or "application/json" not in content:
            self.problem(body, "requestBody needs content: application/json: schema")
            return False
        for other in content:
            if other != "application/json":
                self.problem(body.child("content").child(other), f"content type {other!r} is not supported (WebSocket payloads are JSON)")
        media = body.child("content").child("application/json")
        if not isinstance(media.value, dict) or "schema" not in media.value:
            self.problem(media, "application/json needs a 'schema'")
            return False
        schema = media.child("schema")
        ftype = self.schema_type(schema, inline_name)
        if ftype is None:
            return False
        if ftype.kind != "model":
            self.problem(schema, f"a payload must be an object schema, not {ftype.kind}")
            return False
        return ftype.name


def load_spec(path: str, name: str | None = None) -> ApiModel:
    """Load, resolve and check the spec at ``path``; raise SpecError listing every problem.

    ``name`` is the module name (``wsapi.<name>``); it defaults to the file's stem.
    """
    if name is None:
        name = os.path.splitext(os.path.basename(path))[0]
    builder = _Builder(path, name)
    root = builder.document(path)
    return builder.build(root)
