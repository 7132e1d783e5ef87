"""What generated model classes are made of: ``@model``, ``field`` and JSON conversion.

A generated class is a plain attrs class (keyword-only, slotted) whose fields carry their
wire name and ``FieldType``. Values are checked at construction and on assignment, and
``PayloadValidationError`` lists every failing field by wire name.
"""

from __future__ import annotations

import copy
from typing import Any, Mapping, Tuple, Type, TypeVar

import attrs

from ..errors import PayloadValidationError
from .types import Errors, FieldType, _join, _type_name

__all__ = ["model", "field", "FieldSpec", "to_wire", "from_wire", "coerce_model", "dump_model", "fields_of"]

T = TypeVar("T")
_META = "wsapi"


@attrs.frozen
class FieldSpec:
    """One field of a model: its Python name, wire name, type and whether it is required."""

    python_name: str
    wire_name: str
    type: FieldType
    required: bool
    description: str | None = None


def field(
    wire_name: str,
    field_type: FieldType,
    *,
    required: bool = True,
    default: Any = attrs.NOTHING,
    description: str | None = None,
) -> Any:
    """Declare a model field; ``default`` is the spec default (copied per instance if mutable)."""
    if isinstance(default, (list, dict)):
        default = attrs.Factory(lambda d=default: copy.deepcopy(d))  # type: ignore[misc]
    metadata = {_META: (wire_name, field_type, required, description)}
    return attrs.field(default=default, metadata=metadata, on_setattr=_check_assignment)


def model(cls: Type[T]) -> Type[T]:
    """Make a generated class a checked, keyword-only attrs model."""
    cls.__attrs_post_init__ = _check_construction  # type: ignore[attr-defined]
    built = attrs.define(cls, kw_only=True, slots=True, eq=True, order=False, repr=True)
    specs = []
    by_wire = {}
    for a in attrs.fields(built):  # type: ignore[arg-type]
        wire, ftype, required, description = a.metadata[_META]
        ftype.bind(built.__module__)
        spec = FieldSpec(a.name, wire, ftype, required, description)
        specs.append(spec)
        by_wire[wire] = spec
    built.__wsapi_fields__ = tuple(specs)  # type: ignore[attr-defined]
    built.__wsapi_wire__ = by_wire  # type: ignore[attr-defined]
    return built


def fields_of(cls: type) -> Tuple[FieldSpec, ...]:
    """The fields of a generated model class, in declaration order."""
    return cls.__wsapi_fields__  # type: ignore[attr-defined, no-any-return]


def _check_construction(self: Any) -> None:
    errors: Errors = []
    cls = type(self)
    for spec in cls.__wsapi_fields__:
        value = getattr(self, spec.python_name)
        if value is None and not spec.required:
            continue
        checked = spec.type.coerce(value, spec.wire_name, errors)
        if checked is not value:
            object.__setattr__(self, spec.python_name, checked)
    if errors:
        raise PayloadValidationError(cls.__name__, _python_paths(cls, errors))


def _check_assignment(self: Any, attribute: Any, value: Any) -> Any:
    wire, ftype, required, _ = attribute.metadata[_META]
    if value is None and not required:
        return None
    errors: Errors = []
    value = ftype.coerce(value, wire, errors)
    if errors:
        raise PayloadValidationError(type(self).__name__, _python_paths(type(self), errors))
    return value


def _python_paths(cls: Any, errors: Errors) -> Errors:
    """Errors at construction name the top-level field by its Python name and wire name."""
    out = []
    wire = cls.__wsapi_wire__
    for path, message in errors:
        head = path.split(".", 1)[0].split("[", 1)[0]
        spec = wire.get(head)
        if spec is not None and spec.python_name != head:
            message = f"{message} (field {spec.python_name})"
        out.append((path, message))
    return out


def coerce_model(cls: Any, value: Any, path: str, errors: Errors) -> Any:
    """An instance of ``cls`` from an instance (re-checked) or a mapping with wire names."""
    specs = cls.__wsapi_fields__
    if isinstance(value, cls):
        changed = {}
        for spec in specs:
            v = getattr(value, spec.python_name)
            if v is None and not spec.required:
                continue
            checked = spec.type.coerce(v, _join(path, spec.wire_name), errors)
            if checked is not v:
                changed[spec.python_name] = checked
        return attrs.evolve(value, **changed) if changed and not errors else value
    if not isinstance(value, Mapping):
        errors.append((path, f"expected {cls.__name__} or an object, got {_type_name(value)}"))
        return value
    by_wire = cls.__wsapi_wire__
    for key in value:
        if key not in by_wire:
            hint = _python_name_hint(cls, key)
            errors.append((_join(path, str(key)), f"unknown field{hint}"))
    instance = object.__new__(cls)
    before = len(errors)
    for a, spec in zip(attrs.fields(cls), specs, strict=True):
        if spec.wire_name in value:
            v = value[spec.wire_name]
            if v is None and not spec.required:
                checked = None
            else:
                checked = spec.type.coerce(v, _join(path, spec.wire_name), errors)
        elif a.default is attrs.NOTHING:
            errors.append((_join(path, spec.wire_name), "required field is missing"))
            continue
        elif isinstance(a.default, attrs.Factory):  # type: ignore[arg-type]
            checked = a.default.factory()
        else:
            checked = a.default
        object.__setattr__(instance, spec.python_name, checked)
    return instance if len(errors) == before else value


def _python_name_hint(cls: Any, key: Any) -> str:
    for spec in cls.__wsapi_fields__:
        if spec.python_name == key and spec.wire_name != key:
            return f" (the wire name of {key} is {spec.wire_name!r})"
    return ""


def dump_model(value: Any) -> dict[str, Any]:
    """The JSON object of a checked model: wire names; unset optional fields left out."""
    out: dict[str, Any] = {}
    for spec in value.__wsapi_fields__:
        v = getattr(value, spec.python_name)
        if v is None:
            if spec.required:
                out[spec.wire_name] = None
            continue
        out[spec.wire_name] = spec.type.dump(v)
    return out


def to_wire(instance: Any) -> dict[str, Any]:
    """The JSON-ready dict of a model instance, after checking it again (it may have been
    changed in place since construction)."""
    errors: Errors = []
    checked = coerce_model(type(instance), instance, "", errors)
    if errors:
        raise PayloadValidationError(type(instance).__name__, errors)
    return dump_model(checked)


def from_wire(cls: Type[T], data: Any) -> T:
    """A model instance from JSON data with wire names; PayloadValidationError lists every problem."""
    errors: Errors = []
    instance = coerce_model(cls, data, "", errors)
    if errors:
        raise PayloadValidationError(cls.__name__, errors)
    return instance  # type: ignore[no-any-return]
