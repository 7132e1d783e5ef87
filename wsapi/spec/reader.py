"""Reading spec files safely, keeping the line of every mapping key for error messages."""

from __future__ import annotations

import json
import os
from typing import Any

import yaml

from ..errors import SpecError, SpecProblem

__all__ = ["SpecDocument", "LineDict", "read_document"]

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineDict(dict):  # type: ignore[type-arg]
    """A mapping from the spec that remembers the line of itself and of each key."""

    line: int | None = None
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int | None:
        return getattr(self, "key_lines", {}).get(key, self.line)


class _DuplicateKey(Exception):
    def __init__(self, key: str, line: int) -> None:
        self.key = key
        self.line = line


class _LineLoader(_BaseLoader):  # type: ignore[misc]
    """Safe loader (no Python object tags) that records lines and rejects duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:
        self.flatten_mapping(node)
        result = LineDict()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str):
                # YAML allows `200:` or `true:` keys; the spec format's keys are strings.
                key = str(key).lower() if isinstance(key, bool) else str(key)
            if key in result:
                raise _DuplicateKey(key, key_node.start_mark.line + 1)
            result[key] = self.construct_object(value_node, deep=deep)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)


class SpecDocument:
    """One parsed spec file: its absolute path, raw bytes and content."""

    __slots__ = ("path", "data", "content")

    def __init__(self, path: str, data: bytes, content: Any) -> None:
        self.path = path
        self.data = data
        self.content = content


def read_document(path: str, *, display: str | None = None) -> SpecDocument:
    """Read a ``.yaml``, ``.yml`` or ``.json`` file; any failure is a SpecError naming the file."""
    shown = display or path
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise SpecError([SpecProblem(shown, "", None, f"cannot read file: {e.strerror or e}")]) from None
    return SpecDocument(os.path.abspath(path), data, parse_bytes(data, shown))


def parse_bytes(data: bytes, shown: str) -> Any:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SpecError([SpecProblem(shown, "", None, f"not UTF-8 text ({e.reason} at byte {e.start})")]) from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
    except _DuplicateKey as e:
        raise SpecError([SpecProblem(shown, "", e.line, f"duplicate key {e.key!r}")]) from None
    except yaml.constructor.ConstructorError as e:
        line = e.problem_mark.line + 1 if e.problem_mark else None
        raise SpecError(
            [SpecProblem(shown, "", line, f"unsupported YAML tag: {e.problem} (specs are data, not Python objects)")]
        ) from None
    except yaml.MarkedYAMLError as e:
        if shown.endswith(".json"):
            # JSON that YAML 1.1 rejects (e.g. tab indentation) is still JSON: no line numbers then.
            try:
                return json.loads(text)
            except ValueError:
                pass
        line = e.problem_mark.line + 1 if e.problem_mark else None
        raise SpecError([SpecProblem(shown, "", line, f"cannot parse: {e.problem or e}")]) from None
    except yaml.YAMLError as e:
        raise SpecError([SpecProblem(shown, "", None, f"cannot parse: {e}")]) from None
