"""Turning spec names into Python names. One place, so every layer agrees."""

from __future__ import annotations

import keyword
import re

__all__ = ["snake_case", "pascal_case", "is_identifier", "python_identifier"]

_WORD_BOUNDARY = re.compile(
    r"""
    [^0-9A-Za-z]+                     # separators: - . space _ and anything else
    | (?<=[a-z0-9])(?=[A-Z])          # camelCase -> camel Case
    | (?<=[A-Z])(?=[A-Z][a-z])        # HTTPServer -> HTTP Server
    """,
    re.VERBOSE,
)


def _words(name: str) -> list[str]:
    return [w for w in _WORD_BOUNDARY.split(name) if w]


def python_identifier(name: str) -> str:
    """Make ``name`` usable as an identifier: ``class`` -> ``class_``, ``1st`` -> ``n1st``.

    Never a leading underscore: that would make a public spec name private in Python.
    """
    if not name:
        return "n"
    if name[0].isdigit():
        name = "n" + name
    if keyword.iskeyword(name):
        name += "_"
    return name


def snake_case(name: str) -> str:
    """``sendGreeting`` -> ``send_greeting``; ``user-id`` -> ``user_id``; ``class`` -> ``class_``."""
    return python_identifier("_".join(w.lower() for w in _words(name)))


def pascal_case(name: str) -> str:
    """``sendGreeting`` -> ``SendGreeting``; ``chat_message`` -> ``ChatMessage``."""
    result = python_identifier("".join(w[:1].upper() + w[1:] for w in _words(name)))
    return result[:1].upper() + result[1:]


def is_identifier(name: object) -> bool:
    """True for a plain ASCII identifier that is not a keyword."""
    return (
        isinstance(name, str)
        and name.isascii()
        and name.isidentifier()
        and not keyword.iskeyword(name)
    )


#: Names a generated module defines or imports itself; a spec type may not take them.
RESERVED_NAMES = frozenset({"DefaultApiServerSdk", "OPERATIONS", "SPEC_FILES"})

#: Method names an operation may not take: the SDK's own methods, the $connect/$disconnect/$default
#: handlers and handler_router's other keywords.
RESERVED_METHOD_NAMES = frozenset(
    {"post", "disconnect", "get_connection", "client", "callback_url", "api_name", "operations",
     "connect", "default", "interceptors", "handler_router"}
)
