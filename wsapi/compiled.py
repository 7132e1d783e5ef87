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
GENERATOR_VERSION = "2"

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


def compile_module(source: str, filename: str) -> CompiledModule:
    """Compile generated source, splitting the type declarations out to be run on first use.

    After ``LAZY_MARKER`` every line in column 0 starts a declaration (generated bodies and
    docstrings are always indented). The declarations are compiled together once, in place,
    so their class bodies carry the real line numbers; each declaration then gets a tiny code
    object of its own that runs its decorator and class statement with that compiled body.
    """
    lines = source.splitlines(keepends=True)
    try:
        marker = lines.index(LAZY_MARKER + "\n")
    except ValueError:
        marker = len(lines)
    eager = "".join(lines[: marker + 1])
    code = compile(eager, filename, "exec", flags=_FLAGS, dont_inherit=True)
    if marker >= len(lines) - 1:
        return CompiledModule(code, {})
    declarations = "\n" * (marker + 1) + "".join(lines[marker + 1 :])
    bodies = {
        c.co_name: c
        for c in compile(declarations, filename, "exec", flags=_FLAGS, dont_inherit=True).co_consts
        if isinstance(c, CodeType)
    }
    starts = [
        i
        for i in range(marker + 1, len(lines))
        if lines[i][:1] not in ("", " ", "\n", "#") and not lines[i - 1].startswith("@")  # decorator, then class
    ]
    lazy: Dict[str, CodeType] = {}
    for first, end in zip(starts, starts[1:] + [len(lines)], strict=True):
        head = []
        for line in lines[first:end]:
            head.append(line)
            if line.startswith("class "):
                break
        name = head[-1][6:].split("(", 1)[0].split(":", 1)[0].strip()
        lazy[name] = _declaration(head, bodies.get(name), filename, first, lines[first:end])
    return CompiledModule(code, lazy)


def _declaration(head: List[str], body: Any, filename: str, first: int, full: List[str]) -> CodeType:
    """The code that defines one class: its decorators and class line, with the real body."""
    stub = compile("".join(head) + "    pass\n", filename, "exec", flags=_FLAGS, dont_inherit=True)
    consts = list(stub.co_consts)
    index = next((i for i, c in enumerate(consts) if isinstance(c, CodeType)), None)
    if body is None or index is None or body.co_freevars or consts[index].co_freevars:
        # Not the shape generated code has: compile this declaration on its own instead.
        code: CodeType = compile("\n" * first + "".join(full), filename, "exec", flags=_FLAGS, dont_inherit=True)
        return code
    consts[index] = body
    # Line numbers in a code object are relative to co_firstlineno (3.10+): move the stub there.
    moved: CodeType = stub.replace(co_consts=tuple(consts), co_firstlineno=first + 1)
    return moved


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
