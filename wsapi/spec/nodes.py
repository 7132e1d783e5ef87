"""``Node``: a value in a spec file with where it came from (file, path, line)."""

from __future__ import annotations

from typing import Any

from .reader import LineDict, SpecDocument

__all__ = ["Node"]


class Node:
    """A value in a spec file with where it came from."""

    __slots__ = ("doc", "path", "value", "line")

    def __init__(self, doc: SpecDocument, path: tuple[str | int, ...], value: Any, line: int | None) -> None:
        self.doc = doc
        self.path = path
        self.value = value
        self.line = line

    def child(self, key: str | int) -> "Node":
        value = self.value[key]
        line = self.value.line_of(key) if isinstance(self.value, LineDict) and isinstance(key, str) else self.line
        if isinstance(value, LineDict) and value.line:
            line = value.line if isinstance(key, int) else line
        return Node(self.doc, self.path + (key,), value, line)

    @property
    def location(self) -> str:
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        return out

    @property
    def pointer(self) -> str:
        return "#/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in self.path)

    @property
    def key(self) -> tuple[str, str]:
        return (self.doc.path, self.pointer)
