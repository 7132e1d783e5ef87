"""The ``wsapi`` command (also ``python -m wsapi``). Each command is a small function using
the same public pieces a user would; user mistakes are one line on stderr and exit 1."""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Callable, List, Optional, Sequence

from .errors import SpecError, WsapiError
from .finder import find_spec_file, iter_spec_files, spec_dirs

__all__ = ["main"]


class UserError(Exception):
    """A mistake on the command line: printed as one line, exit 1."""


def _dirs(args: argparse.Namespace) -> List[str]:
    """--spec-path folders, then what the import hook searches; ./specs too, as a command's
    sys.path starts at its script's folder rather than the current one."""
    extra = [os.path.abspath(d) for d in getattr(args, "spec_path", None) or []]
    env = [os.path.abspath(d) for d in os.environ.get("WSAPI_SPEC_PATH", "").split(os.pathsep) if d]
    return list(dict.fromkeys(extra + env + [os.path.abspath("specs")] + spec_dirs()))


def _spec_file(name: str, args: argparse.Namespace) -> str:
    if os.path.isfile(name):
        return os.path.abspath(name)
    found = find_spec_file(name, _dirs(args))
    if found is None:
        looked = ", ".join(_dirs(args))
        raise UserError(f"no spec named {name!r} (looked for {name}.yaml|.yml|.json in: {looked})")
    return found


def _module_name(name: str, path: str) -> str:
    stem = os.path.splitext(os.path.basename(path))[0] if os.path.isfile(name) else name
    if not stem.isidentifier():
        raise UserError(f"{stem!r} cannot be a module name (wsapi.{stem}); rename the spec file")
    return stem


# -- commands ------------------------------------------------------------------------------------


def cmd_compile(args: argparse.Namespace) -> int:
    from .build import compile_spec

    if args.names:
        targets = [(_module_name(n, _spec_file(n, args)), _spec_file(n, args)) for n in args.names]
    else:
        targets = list(iter_spec_files(_dirs(args)))
        if not targets:
            raise UserError("no specs found in: " + ", ".join(_dirs(args)))
    for name, path in targets:
        start = time.perf_counter()
        try:
            written = compile_spec(path, name)
        except OSError as e:
            raise UserError(f"{name}: {e}") from None
        took = time.perf_counter() - start
        print(f"compiled wsapi.{name}: {_rel(path)} -> {_rel(written)} ({took * 1000:.0f} ms)")
    return 0


def _rel(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


# -- parser --------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wsapi",
        description="Typed API Gateway WebSocket backends from an operations spec.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def command(name: str, func: Callable[[argparse.Namespace], int], help: str, description: str = "") -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=description or help)
        p.set_defaults(func=func)
        return p

    def spec_path(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--spec-path",
            action="append",
            metavar="DIR",
            help="folder to search for specs before WSAPI_SPEC_PATH and specs/ on sys.path (repeatable)",
        )

    p = command(
        "compile",
        cmd_compile,
        "build the bytecode caches of specs (the packaging step for Lambda)",
        "Generate and compile each spec and write its cache to __pycache__/ next to it, so that "
        "importing it in a read-only Lambda bundle does not generate code. Run it with the same "
        "Python version as the Lambda runtime.",
    )
    p.add_argument("names", nargs="*", metavar="NAME", help="spec names or files (default: every spec found)")
    spec_path(p)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except SpecError as e:
        print(f"wsapi: {e}", file=sys.stderr)
        return 1
    except (UserError, WsapiError) as e:
        print(f"wsapi: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
