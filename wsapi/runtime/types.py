"""Field types of generated models: checking Python and wire values, and writing JSON.

Generated classes declare each field's type with these (``Str()``, ``ListOf(ModelRef("User"))``);
one ``coerce`` serves construction, mapping payloads and inbound wire JSON, so every path checks
the same rules and reports errors by wire name (``members[2].displayName``).
"""

from __future__ import annotations

import datetime as _dt
import enum
import math
import re
import sys
from typing import Any, List, Mapping, Tuple

__all__ = [
    "FieldType",
    "Str",
    "Int",
    "Float",
    "Bool",
    "DateTime",
    "Date",
    "AnyJson",
    "ListOf",
    "MapOf",
    "ModelRef",
    "EnumRef",
    "Errors",
]

#: (path, message) pairs collected while checking one payload
Errors = List[Tuple[str, str]]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


class FieldType:
    """A field's type. ``coerce`` returns the Python value or appends to ``errors``."""

    nullable: bool = False
    label = "value"

    def coerce(self, value: Any, path: str, errors: Errors) -> Any:
        if value is None:
            if self.nullable:
                return None
            errors.append((path, f"expected {self.label}, got null"))
            return None
        return self._coerce(value, path, errors)

    def _coerce(self, value: Any, path: str, errors: Errors) -> Any:
        raise NotImplementedError

    def dump(self, value: Any) -> Any:
        """The JSON value for an already-checked Python value."""
        return value

    def bind(self, module: str) -> None:
        """Tell named references which module declares them."""

    def _wrong(self, value: Any, path: str, errors: Errors) -> None:
        errors.append((path, f"expected {self.label}, got {_type_name(value)}"))


class _Limits:
    """minimum/maximum and length limits shared by numbers, strings and arrays."""

    def __init__(self, constraints: Mapping[str, Any]) -> None:
        self.minimum = constraints.get("minimum")
        self.maximum = constraints.get("maximum")
        self.min_length = constraints.get("minLength", constraints.get("minItems"))
        self.max_length = constraints.get("maxLength", constraints.get("maxItems"))
        pattern = constraints.get("pattern")
        self.pattern = re.compile(pattern) if pattern is not None else None

    def check(self, value: Any, path: str, errors: Errors) -> None:
        if self.minimum is not None and value < self.minimum:
            errors.append((path, f"must be >= {self.minimum}, got {value!r}"))
        if self.maximum is not None and value > self.maximum:
            errors.append((path, f"must be <= {self.maximum}, got {value!r}"))

    def check_length(self, size: int, path: str, errors: Errors, unit: str) -> None:
        if self.min_length is not None and size < self.min_length:
            errors.append((path, f"must have at least {_count(self.min_length, unit)}, got {size}"))
        if self.max_length is not None and size > self.max_length:
            errors.append((path, f"must have at most {_count(self.max_length, unit)}, got {size}"))


def _count(n: int, unit: str) -> str:
    return f"{n} {unit[:-1] if n == 1 else unit}"


class Str(FieldType):
    label = "string"

    def __init__(self, *, nullable: bool = False, **constraints: Any) -> None:
        self.nullable = nullable
        self.limits = _Limits(constraints) if constraints else None

    def _coerce(self, value: Any, path: str, errors: Errors) -> Any:
        if not isinstance(value, str):
            self._wrong(value, path, errors)
            return value
        if self.limits is not None:
            self.limits.check_length(len(value), path, errors, "characters")
            if self.limits.pattern is not None and not self.limits.pattern.search(value):
                errors.append((path, f"does not match pattern {self.limits.pattern.pattern!r}"))
        return value


class Int(FieldType):
    label = "integer"

    def __init__(self, *, nullable: bool = False, **constraints: Any) -> None:
        self.nullable = nullable
        self.limits = _Limits(constraints) if constraints else None

    def _coerce(self, value: Any, path: str, errors: Errors) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)  # JSON has one number type: 3.0 is a valid integer
            else:
                self._wrong(value, path, errors)
                return value
        if self.limits is not None:
            self.limits.check(value, path, errors)
        return value


class Float(FieldType):
    label = "number"

    def __init__(self, *, nullable: bool = False, **constraints: Any) -> None:
        self.nullable = nullable
        self.limits = _Limits(constraints) if constraints else None

    def _coerce(self, value: Any, path: str, errors: Errors) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self._wrong(value, path, errors)
            return value
        if isinstance(value, float) and not math.isfinite(value):
            errors.append((path, f"must be a finite number (JSON has no {value!r})"))
            return value
        if self.limits is not None:
            self.limits.check(value, path, errors)
        return value


class Bool(FieldType):
    label = "boolean"

    def __init__(self, *, nullable: bool = False) -> None:
        self.nullable = nullable

    def _coerce(self, value: Any, path: str, errors: Errors) -> Any:
        if not isinstance(value, bool):
            self._wrong(value, path, errors)
        return value


class DateTime(FieldType):
    """An aware ``datetime``; ISO 8601 on the wire."""

    label = "date-time"

    def __init__(self, *, nullable: bool = False) -> None:
        self.nullable = nullable

    def _coerce(self, value: Any, path: str, errors: Errors) -> Any:
        if isinstance(value, str):
            text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
            try:
                value = _dt.datetime.fromisoformat(text)
            except ValueError:
                errors.append((path, f"expected an ISO 8601 date-time, got {value!r}"))
                return value
        elif not isinstance(value, _dt.datetime):
            self._wrong(value, path, errors)
            return value
        if value.tzinfo is None or value.utcoffset() is None:
            errors.append((path, "date-time must be timezone-aware (e.g. datetime.now(timezone.utc))"))
        return value

    def dump(self, value: _dt.datetime) -> str:
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text


class Date(FieldType):
    label = "date"

    def __init__(self, *, nullable: bool = False) -> None:
        self.nullable = nullable

    def _coerce(self, value: Any, path: str, errors: Errors) -> Any:
        if isinstance(value, str):
            try:
                return _dt.date.fromisoformat(value)
            except ValueError:
                errors.append((path, f"expected an ISO 8601 date (YYYY-MM-DD), got {value!r}"))
                return value
        if isinstance(value, _dt.datetime) or not isinstance(value, _dt.date):
            self._wrong(value, path, errors)
        return value

    def dump(self, value: _dt.date) -> str:
        return value.isoformat()


class AnyJson(FieldType):
    """Free-form JSON: checked to be representable, kept as is."""

    label = "JSON value"

    def __init__(self, *, nullable: bool = True) -> None:
        self.nullable = nullable

    def _coerce(self, value: Any, path: str, errors: Errors) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            errors.append((path, f"must be a finite number (JSON has no {value!r})"))
        elif isinstance(value, Mapping):
            for k, v in value.items():
                if not isinstance(k, str):
                    errors.append((path, f"object keys must be strings, got {_type_name(k)}"))
                elif v is not None:
                    self._coerce(v, _join(path, k), errors)
        elif isinstance(value, (list, tuple)):
            for i, v in enumerate(value):
                if v is not None:
                    self._coerce(v, f"{path}[{i}]", errors)
        elif not isinstance(value, (str, int, float, bool)):
            self._wrong(value, path, errors)
        return value


class ListOf(FieldType):
    label = "array"

    def __init__(self, item: FieldType, *, nullable: bool = False, **constraints: Any) -> None:
        self.item = item
        self.nullable = nullable
        self.limits = _Limits(constraints) if constraints else None

    def bind(self, module: str) -> None:
        self.item.bind(module)

    def _coerce(self, value: Any, path: str, errors: Errors) -> Any:
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
            self._wrong(value, path, errors)
            return value
        if self.limits is not None:
            self.limits.check_length(len(value), path, errors, "items")
        coerce = self.item.coerce
        return [coerce(v, f"{path}[{i}]", errors) for i, v in enumerate(value)]

    def dump(self, value: List[Any]) -> List[Any]:
        dump = self.item.dump
        return [None if v is None else dump(v) for v in value]


class MapOf(FieldType):
    label = "object"

    def __init__(self, item: FieldType, *, nullable: bool = False) -> None:
        self.item = item
        self.nullable = nullable

    def bind(self, module: str) -> None:
        self.item.bind(module)

    def _coerce(self, value: Any, path: str, errors: Errors) -> Any:
        if not isinstance(value, Mapping):
            self._wrong(value, path, errors)
            return value
        out = {}
        coerce = self.item.coerce
        for k, v in value.items():
            if not isinstance(k, str):
                errors.append((path, f"object keys must be strings, got {_type_name(k)}"))
                continue
            out[k] = coerce(v, _join(path, k), errors)
        return out

    def dump(self, value: Mapping[str, Any]) -> dict[str, Any]:
        dump = self.item.dump
        return {k: None if v is None else dump(v) for k, v in value.items()}


class _NamedRef(FieldType):
    """A reference by name to a class of the generated module, resolved on first use so a
    model can refer to itself and classes can be created lazily."""

    def __init__(self, name: str, *, nullable: bool = False) -> None:
        self.name = name
        self.label = name
        self.nullable = nullable
        self.module = ""
        self._cls: Any = None

    def bind(self, module: str) -> None:
        self.module = module

    @property
    def cls(self) -> Any:
        if self._cls is None:
            self._cls = getattr(sys.modules[self.module], self.name)
        return self._cls


class EnumRef(_NamedRef):
    """An ``enum.Enum`` of the module; takes a member or its wire string."""

    def _coerce(self, value: Any, path: str, errors: Errors) -> Any:
        cls = self.cls
        if isinstance(value, cls):
            return value
        try:
            return cls(value)
        except (ValueError, TypeError):
            allowed = ", ".join(repr(m.value) for m in cls)
            errors.append((path, f"expected one of {allowed}, got {value!r}"))
            return value

    def dump(self, value: enum.Enum) -> Any:
        return value.value


class ModelRef(_NamedRef):
    """A model class of the module; takes an instance or a mapping with wire names."""

    def _coerce(self, value: Any, path: str, errors: Errors) -> Any:
        from .models import coerce_model

        return coerce_model(self.cls, value, path, errors)

    def dump(self, value: Any) -> dict[str, Any]:
        from .models import dump_model

        return dump_model(value)


