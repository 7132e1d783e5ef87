"""The exceptions wsapi raises. Every message names what is wrong and where."""

from __future__ import annotations

from typing import Iterable, Sequence

__all__ = [
    "WsapiError",
    "SpecError",
    "SpecProblem",
    "PayloadValidationError",
    "ConnectionGoneError",
    "PayloadTooLargeError",
]


class WsapiError(Exception):
    """Base class of every error wsapi raises on purpose.

    When the error comes from the API Gateway Management API, ``error`` holds the
    botocore exception (also chained as ``__cause__``).
    """

    def __init__(self, message: str, *, error: BaseException | None = None) -> None:
        super().__init__(message)
        self.error = error


class SpecProblem:
    """One problem in a spec: the file, the location inside it and the line."""

    __slots__ = ("file", "location", "line", "message")

    def __init__(self, file: str, location: str, line: int | None, message: str) -> None:
        self.file = file
        self.location = location
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.location or '(document)'}: {self.message}"

    def __repr__(self) -> str:
        return f"SpecProblem({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SpecProblem) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


class SpecError(WsapiError, ValueError):
    """A spec that cannot be turned into a module. Lists every problem found."""

    def __init__(self, problems: Iterable[SpecProblem]) -> None:
        self.problems: list[SpecProblem] = list(dict.fromkeys(problems))
        count = len(self.problems)
        head = "1 problem" if count == 1 else f"{count} problems"
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"invalid spec, {head}:\n{lines}")


class PayloadValidationError(WsapiError, ValueError):
    """A payload that does not match its model; ``errors`` maps each failing
    field path (wire names, e.g. ``sender.userId``) to what is wrong with it."""

    def __init__(self, model: str, errors: Sequence[tuple[str, str]]) -> None:
        self.model = model
        self.errors: dict[str, str] = {}
        for path, message in errors:
            self.errors.setdefault(path or "(payload)", message)
        lines = "\n".join(f"  {path}: {msg}" for path, msg in self.errors.items())
        super().__init__(f"invalid {model}:\n{lines}")


class ConnectionGoneError(WsapiError):
    """The client has disconnected (API Gateway answered 410 Gone)."""

    def __init__(self, connection_id: str, *, error: BaseException | None = None) -> None:
        super().__init__(f"connection {connection_id!r} is gone (410)", error=error)
        self.connection_id = connection_id


class PayloadTooLargeError(WsapiError, ValueError):
    """The message is over API Gateway's WebSocket message limit; nothing was sent."""

    def __init__(self, route: str, size: int, limit: int) -> None:
        super().__init__(
            f"message for route {route!r} is {size} bytes, over API Gateway's "
            f"{limit} byte limit for WebSocket messages; nothing was sent"
        )
        self.route = route
        self.size = size
        self.limit = limit
