"""Schemas -> ``TypeRef`` / ``ObjectModel`` / ``EnumModel``: the supported subset of OpenAPI 3.0
schemas, ``$ref`` across files (a ``#/...`` ref resolves in the file that holds it), recursion,
``allOf`` of objects, and a problem for everything else."""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
from typing import Any

from ..errors import SpecError, SpecProblem
from ..naming import RESERVED_NAMES, is_identifier, pascal_case, python_identifier, snake_case
from .model import NO_DEFAULT, EnumModel, FieldModel, ObjectModel, TypeRef
from .nodes import Node
from .reader import SpecDocument, read_document

__all__ = ["SchemaResolver"]

# Keys that only annotate a schema; accepted and not needed to generate code.
_ANNOTATIONS = {"title", "example", "examples", "deprecated", "readOnly", "writeOnly", "externalDocs", "xml"}
_COMMON = {"type", "description", "nullable", "default", "format"} | _ANNOTATIONS
_ALLOWED = {
    "string": _COMMON | {"enum", "minLength", "maxLength", "pattern"},
    "integer": _COMMON | {"minimum", "maximum"},
    "number": _COMMON | {"minimum", "maximum"},
    "boolean": _COMMON,
    "array": _COMMON | {"items", "minItems", "maxItems"},
    "object": _COMMON | {"properties", "required", "additionalProperties", "allOf"},
}
_CONSTRAINTS = ("minimum", "maximum", "minLength", "maxLength", "pattern", "minItems", "maxItems")
# String formats that are plain strings on the wire (no parsing on our side).
_PLAIN_STRING_FORMATS = {"email", "uuid", "uri", "url", "hostname", "ipv4", "ipv6", "password", "byte", "binary"}
_INT_FORMATS = {"int32", "int64"}
_NUMBER_FORMATS = {"float", "double"}


class SchemaResolver:
    """Reads spec documents, follows ``$ref`` and turns schemas into TypeRefs, declaring each
    object and enum model once; problems are collected, not raised, so all are reported."""

    def __init__(self, root_path: str, name: str) -> None:
        self.name = name
        self.root_dir = os.path.dirname(os.path.abspath(root_path))
        self.docs: dict[str, SpecDocument] = {}
        self.problems: list[SpecProblem] = []
        self.objects: dict[str, ObjectModel] = {}
        self.enums: dict[str, EnumModel] = {}
        # declared type name -> schema key that claimed it (to detect two schemas with one name)
        self.claims: dict[str, tuple[str, str]] = {}
        # schema key -> TypeRef, for schemas reached through $ref (so each is built once)
        self.by_key: dict[tuple[str, str], TypeRef] = {}
        self.following: list[tuple[str, str]] = []

    # -- problems ---------------------------------------------------------------------------

    def display(self, path: str) -> str:
        rel = os.path.relpath(path, self.root_dir)
        return path if rel.startswith("..") else rel

    def problem(self, node: Node, message: str) -> None:
        self.problems.append(SpecProblem(self.display(node.doc.path), node.location, node.line, message))

    # -- documents and $ref -----------------------------------------------------------------

    def document(self, path: str) -> SpecDocument:
        path = os.path.abspath(path)
        doc = self.docs.get(path)
        if doc is None:
            doc = read_document(path, display=self.display(path))
            self.docs[path] = doc
        return doc

    def follow_ref(self, node: Node) -> Node | None:
        ref = node.value["$ref"]
        at = node.child("$ref")
        if not isinstance(ref, str):
            self.problem(at, "$ref must be a string")
            return None
        file_part, _, fragment = ref.partition("#")
        if file_part:
            if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", file_part):
                self.problem(at, f"$ref {ref!r}: only relative file references are supported, not URLs")
                return None
            target_path = os.path.join(os.path.dirname(node.doc.path), file_part)
            try:
                doc = self.document(target_path)
            except SpecError as e:
                for p in e.problems:
                    self.problems.append(p)
                self.problem(at, f"$ref {ref!r}: cannot load {file_part!r}")
                return None
        else:
            doc = node.doc
        target = Node(doc, (), doc.content, 1)
        if fragment and fragment != "/":
            if not fragment.startswith("/"):
                self.problem(at, f"$ref {ref!r}: the fragment must be a JSON pointer starting with '/'")
                return None
            for raw in fragment[1:].split("/"):
                part = raw.replace("~1", "/").replace("~0", "~")
                if isinstance(target.value, dict) and part in target.value:
                    target = target.child(part)
                elif isinstance(target.value, list) and part.isdigit() and int(part) < len(target.value):
                    target = target.child(int(part))
                else:
                    self.problem(at, f"$ref {ref!r}: {self.display(doc.path)} has no {fragment!r}")
                    return None
        return target

    # -- schemas ----------------------------------------------------------------------------

    def schema_type(self, node: Node, name_hint: str) -> TypeRef | None:
        """The TypeRef of a schema; declares models and enums as it meets them."""
        value = node.value
        if not isinstance(value, dict):
            self.problem(node, f"a schema must be a mapping, not {type(value).__name__}")
            return None
        if "$ref" in value:
            return self.ref_type(node)
        nullable = value.get("nullable", False)
        if not isinstance(nullable, bool):
            self.problem(node.child("nullable"), "nullable must be true or false")
            nullable = False
        kind = self.schema_kind(node)
        if kind is None:
            return None
        for key in value:
            if key not in _ALLOWED[kind] and not key.startswith("x-"):
                if kind == "object" and key == "items":
                    msg = "'items' on an object schema (did you mean type: array?)"
                elif key in {"oneOf", "anyOf", "not", "discriminator"}:
                    msg = f"{key!r} is not supported (supported: object, allOf of objects, enum, array, map)"
                else:
                    msg = f"{key!r} is not supported for type {kind!r}"
                self.problem(node.child(key), msg)
        constraints = tuple(sorted((k, value[k]) for k in _CONSTRAINTS if k in value))
        self.check_constraints(node, constraints)
        fmt = value.get("format")
        if kind == "string":
            if "enum" in value:
                return self.declare_enum(node, name_hint, nullable)
            if fmt in (None, *_PLAIN_STRING_FORMATS):
                return TypeRef("str", nullable=nullable, constraints=constraints)
            if fmt == "date-time":
                return TypeRef("datetime", nullable=nullable)
            if fmt == "date":
                return TypeRef("date", nullable=nullable)
            self.problem(node.child("format"), f"string format {fmt!r} is not supported")
            return None
        if kind in ("integer", "number"):
            allowed = _INT_FORMATS if kind == "integer" else _INT_FORMATS | _NUMBER_FORMATS
            if fmt is not None and fmt not in allowed:
                self.problem(node.child("format"), f"{kind} format {fmt!r} is not supported")
            return TypeRef("int" if kind == "integer" else "float", nullable=nullable, constraints=constraints)
        if fmt is not None:
            self.problem(node.child("format"), f"'format' is not supported for type {kind!r}")
        if kind == "boolean":
            return TypeRef("bool", nullable=nullable)
        if kind == "array":
            if "items" not in value:
                self.problem(node, "an array schema needs 'items'")
                return None
            item = self.schema_type(node.child("items"), name_hint + "Item")
            return None if item is None else TypeRef("list", item=item, nullable=nullable, constraints=constraints)
        # object: a model, a map, or free-form
        if "properties" in value or "allOf" in value:
            extra = value.get("additionalProperties", False)
            if extra not in (False, None):
                self.problem(
                    node.child("additionalProperties"),
                    "an object with properties cannot also have additionalProperties (use a separate map field)",
                )
            return self.declare_object(node, name_hint, nullable)
        extra = value.get("additionalProperties", True)
        if extra is True or extra == {}:
            return TypeRef("map", item=TypeRef("any"), nullable=nullable)
        if extra is False:
            self.problem(node, "an object with no properties and additionalProperties: false can hold nothing")
            return None
        item = self.schema_type(node.child("additionalProperties"), name_hint + "Value")
        return None if item is None else TypeRef("map", item=item, nullable=nullable)

    def schema_kind(self, node: Node) -> str | None:
        value = node.value
        kind = value.get("type")
        if kind is None:
            if "properties" in value or "allOf" in value or "additionalProperties" in value:
                return "object"
            if "items" in value:
                return "array"
            if "enum" in value:
                return "string"
            unknown = [k for k in value if k not in _COMMON and not k.startswith("x-")]
            if unknown:
                self.problem(node.child(unknown[0]), f"{unknown[0]!r} is not supported")
                return None
            self.problem(node, "schema has no 'type' (free-form values are declared as type: object)")
            return None
        if not isinstance(kind, str) or kind not in _ALLOWED:
            self.problem(node.child("type"), f"type {kind!r} is not supported (one of: {', '.join(_ALLOWED)})")
            return None
        return kind

    def check_constraints(self, node: Node, constraints: tuple[tuple[str, Any], ...]) -> None:
        for key, limit in constraints:
            if key == "pattern":
                try:
                    re.compile(limit)
                except (re.error, TypeError) as e:
                    self.problem(node.child(key), f"pattern is not a valid regular expression: {e}")
            elif isinstance(limit, bool) or not isinstance(limit, (int, float)) or not math.isfinite(limit):
                self.problem(node.child(key), f"{key} must be a number")

    def ref_type(self, node: Node) -> TypeRef | None:
        extra = [k for k in node.value if k not in ("$ref", "description") and not k.startswith("x-")]
        for key in extra:
            self.problem(node.child(key), f"{key!r} next to $ref is not supported (put it in the referenced schema)")
        target = self.follow_ref(node)
        if target is None:
            return None
        key = target.key
        if key in self.by_key:
            return self.by_key[key]
        if key in self.following:
            chain = " -> ".join(p for _, p in self.following[self.following.index(key):]) + f" -> {key[1]}"
            self.problem(node.child("$ref"), f"$ref cycle never reaches a schema: {chain}")
            return None
        self.following.append(key)
        try:
            name = self.type_name_for(target)
            result = self.schema_type(target, name) if name else None
        finally:
            self.following.pop()
        if result is not None:
            self.by_key[key] = result
        return result

    def type_name_for(self, target: Node) -> str | None:
        raw = target.path[-1] if target.path else os.path.splitext(os.path.basename(target.doc.path))[0]
        name = pascal_case(str(raw))
        if not is_identifier(name):
            self.problem(target, f"cannot make a Python class name from {raw!r}")
            return None
        return name

    def claim(self, node: Node, name: str) -> bool:
        """Reserve a type name for the schema at ``node``; two schemas with one name is an error."""
        key = node.key
        if name in RESERVED_NAMES:
            self.problem(node, f"{name!r} is a name the generated module uses itself; rename the schema")
            return False
        owner = self.claims.get(name)
        if owner is None:
            self.claims[name] = key
            return True
        if owner != key:
            other = f"{self.display(owner[0])}{owner[1]}"
            self.problem(node, f"two schemas would both be the Python class {name!r} (the other is {other})")
        return False

    def declare_enum(self, node: Node, name: str, nullable: bool) -> TypeRef | None:
        values = node.value["enum"]
        ref = TypeRef("enum", name=name, nullable=nullable)
        if name in self.enums and self.claims.get(name) == node.key:
            return ref
        if not self.claim(node, name):
            return None
        if not isinstance(values, list) or not values:
            self.problem(node.child("enum"), "enum must be a non-empty list of strings")
            return None
        members: list[tuple[str, str]] = []
        seen: dict[str, str] = {}
        for i, v in enumerate(values):
            if not isinstance(v, str):
                self.problem(node.child("enum").child(i), f"enum values must be strings, not {type(v).__name__}")
                continue
            member = snake_case(v).upper() or f"VALUE_{i}"
            member = python_identifier(member)
            if member.startswith("_"):
                member = "V" + member
            if member in seen:
                self.problem(
                    node.child("enum").child(i),
                    f"enum values {seen[member]!r} and {v!r} both become the member name {member}",
                )
                continue
            seen[member] = v
            members.append((member, v))
        self.enums[name] = EnumModel(name, tuple(members), self.description(node), self.source(node))
        return ref

    def declare_object(self, node: Node, name: str, nullable: bool) -> TypeRef | None:
        ref = TypeRef("model", name=name, nullable=nullable)
        if self.claims.get(name) == node.key:
            return ref  # recursive reference while building, or already built
        if not self.claim(node, name):
            return None
        self.by_key.setdefault(node.key, ref)  # lets a recursive $ref find the model being built
        properties, required = self.merged_properties(node, [])
        fields: list[FieldModel] = []
        by_python: dict[str, str] = {}
        for prop in properties:
            wire = prop.path[-1]
            assert isinstance(wire, str)
            python = snake_case(wire)
            if python == "self":  # the first parameter of every generated __init__
                python = "self_"
            if not is_identifier(python):
                self.problem(prop, f"cannot make a Python name from property {wire!r}")
                continue
            if python in by_python:
                self.problem(prop, f"properties {by_python[python]!r} and {wire!r} both become the Python name {python!r}")
                continue
            by_python[python] = wire
            ftype = self.schema_type(prop, name + pascal_case(wire))
            if ftype is None:
                continue
            default = self.default_value(prop, ftype)
            is_required = wire in required
            fields.append(FieldModel(python, wire, ftype, is_required, default, self.description(prop)))
        for wire, where in required.items():
            if wire not in by_python.values():
                self.problem(where, f"required property {wire!r} is not in properties")
        # required fields first (they have no default), in spec order otherwise
        fields.sort(key=lambda f: 0 if f.required and f.default is NO_DEFAULT else 1)
        self.objects[name] = ObjectModel(name, tuple(fields), self.description(node), self.source(node))
        return ref

    def merged_properties(self, node: Node, seen: list[tuple[str, str]]) -> tuple[list[Node], dict[str, Node]]:
        """Properties and required names of an object, with allOf parts merged in order."""
        if node.key in seen:
            self.problem(node, "allOf includes itself")
            return [], {}
        seen = seen + [node.key]
        properties: dict[str, Node] = {}
        required: dict[str, Node] = {}
        value = node.value
        if "allOf" in value:
            parts = node.child("allOf")
            if not isinstance(parts.value, list) or not parts.value:
                self.problem(parts, "allOf must be a non-empty list of object schemas")
            else:
                for part in (parts.child(i) for i in range(len(parts.value))):
                    target = part
                    hops = 0
                    while isinstance(target.value, dict) and "$ref" in target.value and hops < 50:
                        followed = self.follow_ref(target)
                        if followed is None:
                            break
                        target, hops = followed, hops + 1
                    if not isinstance(target.value, dict) or "$ref" in target.value:
                        if isinstance(target.value, dict) and hops >= 50:
                            self.problem(part, "$ref cycle never reaches a schema")
                        elif not isinstance(target.value, dict):
                            self.problem(part, "allOf parts must be object schemas")
                        continue
                    if target.value.get("type", "object") != "object":
                        self.problem(part, "allOf parts must be object schemas")
                        continue
                    p, r = self.merged_properties(target, seen)
                    for prop in p:
                        properties[str(prop.path[-1])] = prop
                    required.update(r)
        if "properties" in value:
            props = node.child("properties")
            if not isinstance(props.value, dict):
                self.problem(props, "properties must be a mapping")
            else:
                for prop in (props.child(k) for k in props.value):
                    properties[str(prop.path[-1])] = prop
        if "required" in value:
            req = node.child("required")
            if not isinstance(req.value, list) or not all(isinstance(r, str) for r in req.value):
                self.problem(req, "required must be a list of property names")
            else:
                for i, r in enumerate(req.value):
                    required[r] = req.child(i)
        return list(properties.values()), required

    def default_value(self, node: Node, ftype: TypeRef) -> Any:
        if not isinstance(node.value, dict) or "default" not in node.value:
            return NO_DEFAULT
        value = node.value["default"]
        at = node.child("default")
        if value is None:
            if not ftype.nullable:
                self.problem(at, "default null on a field that is not nullable")
            return None
        kind = ftype.kind
        ok: bool
        if kind in ("str", "datetime"):
            ok = isinstance(value, str)
            if isinstance(value, _dt.datetime) and kind == "datetime":
                value, ok = value.isoformat(), True
        elif kind == "date":
            if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
                value = value.isoformat()
            ok = isinstance(value, str)
        elif kind == "enum":
            ok = any(v == value for _, v in self.enums[ftype.name or ""].members) if ftype.name in self.enums else False
        elif kind == "int":
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif kind == "float":
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        elif kind == "bool":
            ok = isinstance(value, bool)
        elif kind == "list":
            ok = isinstance(value, list) and _is_json(value)
        elif kind == "map":
            ok = isinstance(value, dict) and _is_json(value)
        else:
            self.problem(at, f"defaults are not supported on {kind} fields")
            return NO_DEFAULT
        if not ok:
            self.problem(at, f"default {value!r} does not match the field's type ({kind})")
            return NO_DEFAULT
        return _plain(value)

    def description(self, node: Node) -> str | None:
        value = node.value.get("description") if isinstance(node.value, dict) else None
        if value is None:
            return None
        if not isinstance(value, str):
            self.problem(node.child("description"), "description must be a string")
            return None
        return value

    def source(self, node: Node) -> str:
        return f"{self.display(node.doc.path)}{node.pointer}"


def _is_json(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_is_json(v) for v in value)
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, (str, int, bool))


def _plain(value: Any) -> Any:
    """Defaults without LineDict, so they compare and print as plain JSON."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
