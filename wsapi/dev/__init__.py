"""Local API Gateway WebSocket emulator (``wsapi dev``) and the runnable demo (``wsapi demo``).

Needs the ``websockets`` package: ``pip install 'wsapi[local]'``.
"""

from .server import DevServer

__all__ = ["DevServer"]
