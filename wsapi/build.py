"""Spec file -> compiled module: the one pipeline the import hook, the CLI and tests share.

load_spec (spec/) -> render_module (codegen/) -> compile_module (compiled) , with the bytecode
cache (cache) in front so a cached import does not read YAML or run the generator.
"""

from __future__ import annotations

import os
from typing import Any, Optional, Tuple

from .cache import BytecodeCache
from .compiled import CompiledModule, compile_module, register_source

__all__ = ["Built", "build_module", "compile_spec", "generate_source", "module_filename"]


class Built:
    __slots__ = ("compiled", "source_if_loaded")

    def __init__(self, compiled: CompiledModule, source_if_loaded: Optional[str]) -> None:
        self.compiled = compiled
        self.source_if_loaded = source_if_loaded


def module_filename(spec_path: str, name: str) -> str:
    """The name generated code runs under: not a real file, so nothing reads the YAML as Python."""
    return f"{os.path.abspath(spec_path)}#wsapi.{name}.py"


def _generate(spec_path: str, name: str, filename: str) -> Tuple[Any, str]:
    from .codegen.render import render_module
    from .spec.loader import load_spec

    api = load_spec(spec_path, name)
    source = render_module(api, origin=os.path.basename(spec_path))
    register_source(filename, source)
    return api, source


def generate_source(spec_path: str, name: str, filename: Optional[str] = None) -> str:
    """Load the spec and render the module's source (and register it for tracebacks)."""
    return _generate(spec_path, name, filename or module_filename(spec_path, name))[1]


def build_module(spec_path: str, name: str, filename: str) -> Built:
    """The compiled module for a spec: from its bytecode cache when valid, else generated
    (and cached where possible)."""
    cache = BytecodeCache(spec_path, name)
    cached = cache.load(filename)
    if cached is not None:
        return Built(cached, None)
    api, source = _generate(spec_path, name, filename)
    compiled = compile_module(source, filename)
    cache.store(api.files, compiled)
    return Built(compiled, source)


def compile_spec(spec_path: str, name: str) -> str:
    """Build and write the cache next to the spec (``wsapi compile``); the cache file's path.
    Raises OSError when it cannot be written there."""
    cache = BytecodeCache(spec_path, name)
    filename = module_filename(spec_path, name)
    api, source = _generate(spec_path, name, filename)
    folder = os.path.join(os.path.dirname(os.path.abspath(spec_path)), "__pycache__")
    written = cache.store(api.files, compile_module(source, filename), only=folder)
    if written is None:
        raise OSError(f"cannot write the cache in {folder}")
    return written
