"""Spec file -> compiled module: the one pipeline the import hook, the CLI and tests share.

load_spec (spec/) -> render_module (codegen/) -> compile_module (compiled) , with the bytecode
cache (cache) in front so a cached import does not read YAML or run the generator.
"""

from __future__ import annotations

import os
from typing import Optional

from .compiled import CompiledModule, compile_module, register_source

__all__ = ["Built", "build_module", "generate_source"]


class Built:
    __slots__ = ("compiled", "source_if_loaded")

    def __init__(self, compiled: CompiledModule, source_if_loaded: Optional[str]) -> None:
        self.compiled = compiled
        self.source_if_loaded = source_if_loaded


def generate_source(spec_path: str, name: str, filename: str) -> str:
    """Load the spec and render the module's source (and register it for tracebacks)."""
    from .codegen.render import render_module
    from .spec.loader import load_spec

    api = load_spec(spec_path, name)
    source = render_module(api, origin=os.path.basename(spec_path))
    register_source(filename, source)
    return source


def build_module(spec_path: str, name: str, filename: str) -> Built:
    """The compiled module for a spec."""
    source = generate_source(spec_path, name, filename)
    return Built(compile_module(source, filename), source)
