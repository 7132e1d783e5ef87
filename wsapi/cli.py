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


def _import_api(name: str, args: argparse.Namespace) -> object:
    """Import ``wsapi.<name>`` with --spec-path folders searched first."""
    import importlib

    path = _spec_file(name, args)
    module_name = _module_name(name, path)
    os.environ["WSAPI_SPEC_PATH"] = os.pathsep.join([os.path.dirname(path), *filter(None, [os.environ.get("WSAPI_SPEC_PATH")])])
    return importlib.import_module(f"wsapi.{module_name}")


def _load_app(ref: str) -> object:
    import importlib

    module_name, _, attr = ref.partition(":")
    if not module_name or not attr:
        raise UserError(f"--app takes module:handler (e.g. app:handler), not {ref!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # as `python -m` would: the app lives in the project
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        raise UserError(f"--app {ref}: cannot import {module_name!r} ({e})") from None
    app = getattr(module, attr, None)
    if not callable(app):
        raise UserError(f"--app {ref}: {module_name} has no callable {attr!r}")
    return app


def cmd_dev(args: argparse.Namespace) -> int:
    import logging

    from .dev import DevServer

    api = _import_api(args.name, args)
    app = _load_app(args.app)
    routes = [op.route for op in api.OPERATIONS.values() if op.server_receives]  # type: ignore[attr-defined]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    server = DevServer(
        app,  # type: ignore[arg-type]
        routes=routes,
        host=args.host,
        port=args.port,
        management_port=args.management_port if args.management_port is not None else (args.port + 1 if args.port else 0),
        stage=args.stage,
        function_name=args.app,
        latency=args.latency_ms / 1000,
    )

    def ready(s: DevServer) -> None:
        print(f"wsapi dev: {args.name} on {s.url}  (management API: {s.callback_url}; Ctrl-C to stop)", flush=True)

    try:
        server.run(on_ready=ready)
    except OSError as e:
        raise UserError(f"cannot listen on {args.host}:{args.port}: {e.strerror or e}") from None
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .dev.demo import run_demo

    return run_demo()


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

    p = command(
        "dev",
        cmd_dev,
        "run a local API Gateway WebSocket emulator for an app",
        "Serve the API on a local WebSocket endpoint and Management API, invoking --app with the "
        "events API Gateway sends ($connect, messages routed by their 'route', $disconnect). "
        "CALLBACK_URL is set for the app, so its Server SDK reaches the emulator unchanged.",
    )
    p.add_argument("name", metavar="NAME", help="the spec (wsapi.<NAME>), for its routes")
    p.add_argument("--app", required=True, metavar="MODULE:HANDLER", help="the Lambda handler, e.g. app:handler")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="WebSocket port (default 8080; 0 picks a free one)")
    p.add_argument("--management-port", type=int, metavar="PORT", help="Management API port (default: --port + 1)")
    p.add_argument("--stage", default="local", help="stage name in the URLs (default local)")
    p.add_argument("--latency-ms", type=float, default=0.0, metavar="MS",
                   help="delay every Management API answer, as AWS is a round trip away (default 0)")
    spec_path(p)

    command(
        "demo",
        cmd_demo,
        "run the bundled chat API on the emulator with a few clients, and print the conversation",
    )
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
