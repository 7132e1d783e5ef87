"""Generated source -> code objects, and running them as a module whose types are defined on
first use (PEP 562 ``__getattr__``).

Creating attrs classes and enums is most of what importing a generated module would cost, so
each top-level type declaration after ``LAZY_MARKER`` is compiled to its own code object and
run only when the type is first looked up. The source stays an ordinary module: every class
sits at top level, with its real line numbers, so tracebacks, ``inspect.getsource``, pickling,
``dir()`` and ``from ... import *`` behave as for a hand-written module.
"""

from __future__ import annotations

import __future__
import linecache
import threading
from types import CodeType, ModuleType
from typing import Any, Dict, Iterable, List

__all__ = ["CompiledModule", "compile_module", "register_source", "LAZY_MARKER", "GENERATOR_VERSION"]

#: Part of every cache key (with wsapi's version): bump when generated code changes shape.
GENERATOR_VERSION = "1"

#: Comment line after which the generated source declares its types (written by codegen).
LAZY_MARKER = "# --- types ---"

_FLAGS = __future__.annotations.compiler_flag


class CompiledModule:
    """The module's eager code, and one code object per lazily defined type."""

    __slots__ = ("code", "lazy")

    def __init__(self, code: CodeType, lazy: Dict[str, CodeType]) -> None:
        self.code = code
        self.lazy = lazy

    def exec_into(self, module: ModuleType) -> None:
        namespace = module.__dict__
        exec(self.code, namespace)  # noqa: S102 - our own generated, validated code
        if self.lazy:
            _install_lazy_types(module, dict(self.lazy))

    def define_all(self, module: ModuleType) -> None:
        for name in self.lazy:
            getattr(module, name)


def compile_module(source: str, filename: str) -> CompiledModule:
    """Compile generated source, splitting the type declarations out to be run on first use."""
    import ast  # only when generating, never on a cached import

    tree = ast.parse(source, filename)
    marker_line = _marker_line(source)
    eager: List[Any] = []
    lazy: Dict[str, CodeType] = {}
    for node in tree.body:
        if marker_line and node.lineno > marker_line and isinstance(node, ast.ClassDef):
            piece = ast.Module(body=[node], type_ignores=[])
            lazy[node.name] = compile(piece, filename, "exec", flags=_FLAGS, dont_inherit=True)
        else:
            eager.append(node)
    code = compile(ast.Module(body=eager, type_ignores=[]), filename, "exec", flags=_FLAGS, dont_inherit=True)
    return CompiledModule(code, lazy)


def _marker_line(source: str) -> int:
    for number, line in enumerate(source.splitlines(), start=1):
        if line == LAZY_MARKER:
            return number
    return 0


def _install_lazy_types(module: ModuleType, pending: Dict[str, CodeType]) -> None:
    namespace = module.__dict__
    lock = threading.RLock()  # two threads must never create two different classes for one name

    def __getattr__(name: str) -> Any:
        code = pending.get(name)
        if code is None:
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")
        with lock:
            if name in pending:
                exec(code, namespace)  # noqa: S102 - our own generated, validated code
                del pending[name]
        return namespace[name]

    def __dir__() -> Iterable[str]:
        return sorted(set(namespace) | set(pending))

    namespace["__getattr__"] = __getattr__
    namespace["__dir__"] = __dir__


def register_source(filename: str, source: str) -> None:
    """Put generated source in linecache (as attrs does for its generated methods), so
    tracebacks and ``inspect.getsource`` show the generated lines."""
    lines = source.splitlines(keepends=True)
    linecache.cache[filename] = (len(source), None, lines, filename)
