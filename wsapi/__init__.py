"""wsapi: typed AWS API Gateway WebSocket backends from an operations spec, no build step.

``from wsapi.myapi import DefaultApiServerSdk`` finds ``specs/myapi.yaml`` and generates the
module at import time (cached as bytecode).
"""

from .errors import (
    ConnectionGoneError,
    PayloadTooLargeError,
    PayloadValidationError,
    SpecError,
    SpecProblem,
    WsapiError,
)
from .finder import install as _install_finder

__version__ = "0.1.0"  # before the finder: the cache key reads it

__all__ = [
    "ConnectionGoneError",
    "PayloadTooLargeError",
    "PayloadValidationError",
    "SpecError",
    "SpecProblem",
    "WsapiError",
    "from_wire",
    "to_wire",
]


def __getattr__(name: str) -> object:
    # Keeps ``import wsapi`` light: the runtime (attrs) loads with the first generated module.
    if name in ("from_wire", "to_wire"):
        from .runtime import models

        return getattr(models, name)
    raise AttributeError(f"module 'wsapi' has no attribute {name!r}")


_install_finder()
