"""``ApiModel`` -> Python source: the generated module and its type stub. Pure functions, no I/O."""

from .render import render_module
from .stubs import render_stub

__all__ = ["render_module", "render_stub"]
