"""``BytecodeCache``: the compiled generated module kept as a ``.pyc`` of our own format.

Modelled on pytest's assertion-rewriting cache and PEP 552 hash-based pycs:

* validity is a hash of every spec file's bytes (the root spec and all it pulled in through
  ``$ref``), the module name, wsapi's generator version and the interpreter's bytecode magic;
  mtimes are never looked at, so a cache built when packaging survives zip/unzip;
* writes go to a temporary file renamed into place, so concurrent importers never see a torn file;
* any unreadable, truncated, foreign or stale file is "no cache"; a file or folder that other
  users could write, or owned by someone other than us or root, is never loaded;
* failing to write is never an error: the import goes on with the module built in memory.
"""

from __future__ import annotations

import _imp
try:  # the bare module: hashlib would load OpenSSL, a cost on every cold start
    from _blake2 import blake2b as _hash
except ImportError:  # pragma: no cover
    from hashlib import blake2b as _hash
import importlib.util
import marshal
import os
import stat
import struct
import sys
from types import CodeType
from typing import Iterable, List, Optional, Sequence, Tuple

from .compiled import GENERATOR_VERSION, CompiledModule

__all__ = ["BytecodeCache", "cache_dirs"]



def _log(level: str, message: str, *args: object) -> None:
    import logging  # not on the cached-import path unless something is wrong

    getattr(logging.getLogger("wsapi.cache"), level)(message, *args)

_VERSION = f"{GENERATOR_VERSION}:{__import__('wsapi').__version__}"

_HEADER = b"WSAPIPYC"
_TAG = f"{sys.implementation.cache_tag}.wsapi{GENERATOR_VERSION}"
_MAX_FILES_BLOB = 1 << 20


def _user_cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "wsapi")


def cache_dirs(spec_path: str) -> List[Tuple[str, bool]]:
    """Where the cache of a spec may be, in the order read and tried for writing:
    (folder, whether the file name needs the spec's path to be unique there)."""
    dirs: List[Tuple[str, bool]] = []
    override = os.environ.get("WSAPI_CACHE_DIR")
    if override:
        override = os.path.abspath(override)
        try:
            shared = not _is_trusted(os.stat(override))
        except OSError:
            shared = False
        # In a folder others can write (/tmp), keep our files in a private folder of our own.
        dirs.append((os.path.join(override, f"wsapi-{os.getuid()}") if shared else override, True))
    dirs.append((os.path.join(os.path.dirname(spec_path), "__pycache__"), False))
    if not override:
        dirs.append((_user_cache_dir(), True))
    return dirs


def _is_trusted(st: os.stat_result) -> bool:
    """Only files and folders that no other user could have written are loaded."""
    if os.name != "posix":
        return True
    if st.st_uid not in (0, os.getuid()):
        return False
    return not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


class BytecodeCache:
    """The cache of one spec loaded as ``wsapi.<name>``."""

    def __init__(self, spec_path: str, name: str) -> None:
        self.spec_path = os.path.abspath(spec_path)
        self.spec_dir = os.path.dirname(self.spec_path)
        self.name = name

    def _file_name(self, unique: bool) -> str:
        stem = os.path.splitext(os.path.basename(self.spec_path))[0]
        if unique:
            where = _hash(self.spec_path.encode("utf-8", "surrogateescape"), digest_size=8).hexdigest()
            return f"{stem}.{where}.{_TAG}.pyc"
        return f"{stem}.{_TAG}.pyc"

    def paths(self) -> List[str]:
        return [os.path.join(d, self._file_name(unique)) for d, unique in cache_dirs(self.spec_path)]

    # -- keys ---------------------------------------------------------------------------------

    def digest(self, relative_files: Sequence[str]) -> Optional[bytes]:
        """Hash of every input; None if a file cannot be read (the cache is then stale)."""
        h = _hash(digest_size=32)
        h.update(importlib.util.MAGIC_NUMBER)
        h.update(_VERSION.encode())
        h.update(self.name.encode())
        for rel in relative_files:
            try:
                with open(os.path.join(self.spec_dir, rel), "rb") as f:
                    data = f.read()
            except OSError:
                return None
            h.update(struct.pack("<I", len(rel.encode("utf-8", "surrogateescape"))))
            h.update(rel.encode("utf-8", "surrogateescape"))
            h.update(struct.pack("<Q", len(data)))
            h.update(data)
        return h.digest()

    def relative(self, files: Iterable[str]) -> List[str]:
        return [os.path.relpath(f, self.spec_dir) for f in files]

    # -- reading ------------------------------------------------------------------------------

    def load(self, filename: str) -> Optional[CompiledModule]:
        """The cached module if a trusted, valid cache exists; None otherwise."""
        for path in self.paths():
            compiled = self._read(path, filename)
            if compiled is not None:
                return compiled
        return None

    def _read(self, path: str, filename: str) -> Optional[CompiledModule]:
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return None
        try:
            with os.fdopen(fd, "rb") as f:
                st = os.fstat(f.fileno())
                if not stat.S_ISREG(st.st_mode) or not _is_trusted(st):
                    _log("warning", "not loading cache %s: it is writable by, or belongs to, another user", path)
                    return None
                if not _is_trusted(os.stat(os.path.dirname(path))):
                    _log("warning", "not loading cache %s: its folder is writable by another user", path)
                    return None
                data = f.read()
        except OSError:
            return None
        return self._parse(data, filename)

    def _parse(self, data: bytes, filename: str) -> Optional[CompiledModule]:
        try:
            fixed = len(_HEADER) + 4 + 4
            if len(data) < fixed + 32 or data[: len(_HEADER)] != _HEADER:
                return None
            if data[len(_HEADER) : len(_HEADER) + 4] != importlib.util.MAGIC_NUMBER:
                return None
            (files_len,) = struct.unpack("<I", data[len(_HEADER) + 4 : fixed])
            if files_len > _MAX_FILES_BLOB or len(data) < fixed + files_len + 32:
                return None
            files = marshal.loads(data[fixed : fixed + files_len])
            if not (isinstance(files, tuple) and files and all(isinstance(x, str) for x in files)):
                return None
            digest = data[fixed + files_len : fixed + files_len + 32]
            if self.digest(files) != digest:
                return None
            payload = marshal.loads(data[fixed + files_len + 32 :])
            code, lazy = payload
            if not isinstance(code, CodeType) or not isinstance(lazy, dict):
                return None
            if not all(isinstance(k, str) and isinstance(v, CodeType) for k, v in lazy.items()):
                return None
        except (ValueError, EOFError, TypeError, struct.error):
            return None
        # The bundle may have moved since it was compiled: point the code at where it is now.
        fix = _imp._fix_co_filename  # type: ignore[attr-defined]  # what SourceLoader uses for moved pycs
        fix(code, filename)
        for piece in lazy.values():
            fix(piece, filename)
        return CompiledModule(code, lazy)

    # -- writing ------------------------------------------------------------------------------

    def store(self, files: Iterable[str], compiled: CompiledModule, *, only: Optional[str] = None) -> Optional[str]:
        """Write the cache to the first folder that takes it; the path, or None. Never raises
        for an unwritable place (``only`` names the one folder to use, for ``wsapi compile``)."""
        if sys.dont_write_bytecode and only is None:
            return None
        relative = self.relative(files)
        digest = self.digest(relative)
        if digest is None:
            return None
        files_blob = marshal.dumps(tuple(relative))
        payload = marshal.dumps((compiled.code, compiled.lazy))
        data = b"".join(
            (_HEADER, importlib.util.MAGIC_NUMBER, struct.pack("<I", len(files_blob)), files_blob, digest, payload)
        )
        for folder, unique in cache_dirs(self.spec_path):
            if only is not None and folder != only:
                continue
            path = os.path.join(folder, self._file_name(unique))
            if _write_atomic(folder, path, data, private=unique):
                return path
        return None


def _write_atomic(folder: str, path: str, data: bytes, *, private: bool) -> bool:
    try:
        os.makedirs(folder, mode=0o700 if private else 0o755, exist_ok=True)
        if not _is_trusted(os.stat(folder)):
            _log("warning", "not writing cache to %s: the folder is writable by another user", folder)
            return False
        import tempfile  # only writers pay for it

        fd, tmp = tempfile.mkstemp(dir=folder, prefix=os.path.basename(path) + ".", suffix=".tmp")
    except OSError as e:
        _log("debug", "cannot write cache in %s: %s", folder, e)
        return False
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        if not private:
            os.chmod(tmp, 0o644)  # a bundle built by one user is read by Lambda's sandbox user
        os.replace(tmp, path)
        return True
    except OSError as e:
        _log("debug", "cannot write cache %s: %s", path, e)
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False
