"""The import hook: ``import wsapi.<name>`` finds ``<name>.yaml|.yml|.json`` and loads it.

This module knows where specs live and how to run a compiled module; reading specs and
generating code is delegated (``wsapi.build``), so nothing here knows about YAML or attrs.
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
from types import ModuleType
from typing import Iterator, List, Optional, Sequence

__all__ = ["SpecFinder", "SpecLoader", "install", "spec_dirs", "find_spec_file", "SPEC_SUFFIXES"]

PACKAGE = "wsapi"
SPEC_SUFFIXES = (".yaml", ".yml", ".json")


def spec_dirs() -> List[str]:
    """Folders searched for specs, in order: ``WSAPI_SPEC_PATH``, then ``specs/`` under each
    ``sys.path`` entry (``''`` is the current folder)."""
    dirs: List[str] = []
    for entry in os.environ.get("WSAPI_SPEC_PATH", "").split(os.pathsep):
        if entry:
            dirs.append(os.path.abspath(entry))
    for entry in sys.path:
        if isinstance(entry, str):
            base = os.path.abspath(entry or os.curdir)
            if os.path.isdir(base):  # not zip files or path-hook placeholders
                dirs.append(os.path.join(base, "specs"))
    return list(dict.fromkeys(dirs))


def find_spec_file(name: str, dirs: Optional[Sequence[str]] = None) -> Optional[str]:
    """The first ``<name>.yaml|.yml|.json`` in the spec folders, or None."""
    for folder in spec_dirs() if dirs is None else dirs:
        for suffix in SPEC_SUFFIXES:
            candidate = os.path.join(folder, name + suffix)
            if os.path.isfile(candidate):
                return candidate
    return None


def iter_spec_files(dirs: Optional[Sequence[str]] = None) -> Iterator[tuple[str, str]]:
    """(name, path) of every spec the import hook can see; the first of a name wins."""
    seen = set()
    for folder in spec_dirs() if dirs is None else dirs:
        try:
            entries = sorted(os.listdir(folder))
        except OSError:
            continue
        for entry in entries:
            stem, suffix = os.path.splitext(entry)
            if suffix in SPEC_SUFFIXES and stem.isidentifier() and stem not in seen:
                path = os.path.join(folder, entry)
                if os.path.isfile(path):
                    seen.add(stem)
                    yield stem, path


def _called_by_import_statement() -> bool:
    """True when the import system (not ``importlib.util.find_spec``) is asking: then a miss can
    raise a ModuleNotFoundError that says where we looked, instead of the bare default."""
    frame = sys._getframe(2)
    depth = 0
    while frame is not None and depth < 4:
        if frame.f_code.co_name == "_find_and_load_unlocked":
            return True
        if frame.f_code.co_name == "find_spec" and "importlib" in frame.f_code.co_filename and "util" in frame.f_code.co_filename:
            return False
        frame, depth = frame.f_back, depth + 1  # type: ignore[assignment]
    return False


class SpecFinder:
    """Meta path finder for ``wsapi.<name>``. Installed after the path finder, so wsapi's
    own submodules always win over a spec of the same name. (Not derived from importlib.abc:
    importing that costs more than the rest of a cached import.)"""

    def find_spec(
        self, fullname: str, path: Optional[Sequence[str]] = None, target: Optional[ModuleType] = None
    ) -> Optional[importlib.machinery.ModuleSpec]:
        package, dot, name = fullname.partition(".")
        if package != PACKAGE or not dot or "." in name or not name.isidentifier():
            return None
        dirs = spec_dirs()
        spec_file = find_spec_file(name, dirs)
        if spec_file is None:
            if _called_by_import_statement():
                tried = "\n".join(f"  {d}" for d in dirs)
                raise ModuleNotFoundError(
                    f"No module named {fullname!r}: no spec {name}.yaml, {name}.yml or {name}.json in\n{tried}\n"
                    "(set WSAPI_SPEC_PATH to the folder that holds it)",
                    name=fullname,
                )
            return None
        loader = SpecLoader(fullname, os.path.abspath(spec_file))
        return importlib.machinery.ModuleSpec(fullname, loader, origin=loader.spec_path)  # type: ignore[arg-type]


class SpecLoader:
    """Runs the generated module of one spec (from the bytecode cache when it is valid)."""

    def __init__(self, fullname: str, spec_path: str) -> None:
        self.fullname = fullname
        self.spec_path = spec_path
        self._source: Optional[str] = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        from .build import build_module, module_filename

        name = self.fullname.rpartition(".")[2]
        filename = module_filename(self.spec_path, name)
        built = build_module(self.spec_path, name, filename)
        self._source = built.source_if_loaded
        module.__file__ = filename
        module.__wsapi_spec__ = self.spec_path  # type: ignore[attr-defined]
        built.compiled.exec_into(module)

    def get_source(self, fullname: str) -> Optional[str]:
        """The generated source (used by linecache, inspect, pdb and tracebacks)."""
        if self._source is None:
            from .build import generate_source

            self._source = generate_source(self.spec_path, fullname.rpartition(".")[2])
        return self._source

    def __repr__(self) -> str:
        return f"<SpecLoader {self.fullname} from {self.spec_path!r}>"


_finder = SpecFinder()


def install() -> None:
    """Put the finder on ``sys.meta_path`` once, after the standard path finder."""
    if not any(isinstance(f, SpecFinder) for f in sys.meta_path):
        sys.meta_path.append(_finder)
