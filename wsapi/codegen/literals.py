"""The one way spec text reaches generated source: validated identifiers and quoted literals.

Spec text is data. Anything the spec says (names, descriptions, enum values, defaults) goes
through ``identifier`` or ``literal``; nothing else is interpolated into generated code.
"""

from __future__ import annotations

import ast
import math
from typing import Any

from ..naming import is_identifier

__all__ = ["identifier", "literal", "docstring"]


def identifier(name: str) -> str:
    """``name`` unchanged if it is a plain, non-keyword identifier; ValueError otherwise."""
    if not is_identifier(name):
        raise ValueError(f"not a safe identifier for generated code: {name!r}")
    return name


def literal(value: Any) -> str:
    """A Python literal for a JSON-like value: ``repr`` of str/int/float/bool/None, recursively."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if type(value) is str:
        return repr(value)
    if type(value) is int:
        return repr(value)
    if type(value) is float:
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        return repr(value)
    if type(value) in (list, tuple):
        inner = ", ".join(literal(v) for v in value)
        if type(value) is tuple:
            return f"({inner},)" if len(value) == 1 else f"({inner})"
        return f"[{inner}]"
    if type(value) is dict:
        items = []
        for k, v in value.items():
            if type(k) is not str:
                raise ValueError(f"not a JSON object key: {k!r}")
            items.append(f"{literal(k)}: {literal(v)}")
        return "{" + ", ".join(items) + "}"
    raise ValueError(f"not a JSON value for generated code: {type(value).__name__}")


def docstring(text: str, indent: str) -> str:
    """A triple-quoted literal, readable in generated source; ``repr`` when the text has anything
    (a backslash, quotes, control characters) that could not stand in one unescaped."""
    if type(text) is not str:
        raise ValueError(f"not a docstring: {type(text).__name__}")
    text = text.strip("\n")
    lines = [line.rstrip() for line in text.split("\n")]
    plain = all(ch.isprintable() for line in lines for ch in line)
    if not plain or '"""' in text or "\\" in text or text.endswith('"'):
        return repr(text)
    if len(lines) == 1:
        quoted = f'"""{lines[0]}"""'
    else:
        quoted = '"""' + "\n".join(indent + line if line else "" for line in lines)[len(indent):] + f'\n{indent}"""'
    node = ast.parse(quoted, mode="eval").body
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):  # cannot happen; belt and braces
        return repr(text)
    return quoted
