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


def _load(name: str, args: argparse.Namespace) -> "tuple[str, str, object]":
    """(module name, spec path, ApiModel) for a spec name or file."""
    from .spec.loader import load_spec

    path = _spec_file(name, args)
    module_name = _module_name(name, path)
    return module_name, path, load_spec(path, module_name)


# -- commands ------------------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    from .spec.loader import load_spec

    dirs = _dirs(args)
    found = list(iter_spec_files(dirs))
    if found:
        width = max(len(n) for n, _ in found)
        for name, path in found:
            try:
                count = f"{len(load_spec(path, name).operations)} operations"
            except SpecError as e:
                count = f"invalid ({len(e.problems)} problem{'s' if len(e.problems) != 1 else ''}; see wsapi check)"
            print(f"{name:<{width}}  {_rel(path)}  {count}")
    else:
        print("no specs found")
    print("\nsearched, in order:")
    for d in dirs:
        print(f"  {d}{'' if os.path.isdir(d) else '  (missing)'}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from .codegen.render import annotation
    from .spec.model import NO_DEFAULT

    name, path, api = _load(args.name, args)
    if args.source:
        from .build import generate_source

        sys.stdout.write(generate_source(path, name))
        return 0
    objects = {o.name: o for o in api.objects}  # type: ignore[attr-defined]
    print(f"wsapi.{name}: {api.title} {api.version}  ({_rel(path)})")  # type: ignore[attr-defined]
    for op in api.operations:  # type: ignore[attr-defined]
        if op.server_sends:
            python = f"sdk.{op.method_name}() / sdk.{op.method_name}_to_many()"
        else:
            python = f"@{op.method_name}_handler"
        if op.direction == "bidirectional":
            python += f", @{op.method_name}_handler"
        print(f"\n{op.route}  [{op.direction}]  {python}")
        if op.summary:
            print(f"  {op.summary}")
        if op.payload is None:
            print("  payload: none")
            continue
        print(f"  payload: {op.payload}")
        for f in objects[op.payload].fields:
            flags = "required" if f.required else "optional"
            if f.default is not NO_DEFAULT:
                flags += f", default {f.default!r}"
            wire = f" (wire {f.wire_name!r})" if f.wire_name != f.python_name else ""
            print(f"    {f.python_name}: {annotation(f.type)}  {flags}{wire}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .spec.loader import load_spec

    bad = 0
    for given in args.paths:
        if not os.path.isfile(given):
            print(f"{given}: no such file", file=sys.stderr)
            bad += 1
            continue
        try:
            api = load_spec(given)
        except SpecError as e:
            base = os.path.dirname(os.path.abspath(given))
            for p in e.problems:
                where = _rel(os.path.join(base, p.file))
                line = f":{p.line}" if p.line else ""
                print(f"{where}{line}: {p.location or '(document)'}: {p.message}")
            bad += 1
            continue
        print(f"{given}: ok ({len(api.operations)} operations, {len(api.objects)} models, {len(api.enums)} enums)")
    return 1 if bad else 0


def cmd_stubs(args: argparse.Namespace) -> int:
    from .codegen.stubs import render_stub

    folder = os.path.join(args.output, "wsapi")
    for given in args.names:
        name, path, api = _load(given, args)
        target = os.path.join(folder, f"{name}.pyi")
        _write_text(target, render_stub(api))  # type: ignore[arg-type]
        print(f"wrote {_rel(target)}")
    print(f"point mypy at it with mypy_path = {args.output} (pyright: stubPath)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from . import __version__
    from .build import generate_source

    name, path, _ = _load(args.name, args)
    header = (
        f"# Frozen from {os.path.basename(path)} by `wsapi export` (wsapi {__version__}).\n"
        "# A standalone module: it needs only wsapi's runtime, not the spec. Regenerate, do not edit.\n"
    )
    _write_text(args.output, header + generate_source(path, name))
    print(f"wrote {_rel(args.output)}")
    return 0


def cmd_send(args: argparse.Namespace) -> int:
    import json

    api = _import_api(args.name, args)
    operations = api.OPERATIONS.values()  # type: ignore[attr-defined]
    wanted = args.operation
    op = next(
        (o for o in operations if wanted in (o.route, o.operation_id, o.method_name) and o.server_sends), None
    )
    if op is None:
        sends = ", ".join(o.operation_id for o in operations if o.server_sends)
        raise UserError(f"{args.name} has no server-to-client operation {wanted!r} (it has: {sends})")
    try:
        payload = json.loads(args.payload) if args.payload is not None else None
    except ValueError as e:
        raise UserError(f"PAYLOAD_JSON is not JSON: {e}") from None
    sdk = api.DefaultApiServerSdk(args.callback_url)  # type: ignore[attr-defined]
    from .runtime.sdk import build_payload, encode_message

    try:
        data = encode_message(op, build_payload(op, payload, {}))
        sdk.post(args.connection_id, data)
    except (WsapiError, TypeError) as e:
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(f"sent to {args.connection_id}: {data.decode()}")
    return 0


def _write_text(path: str, text: str) -> None:
    """Write atomically: a half-written module or stub is worse than none."""
    import tempfile

    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".wsapi-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as e:
        raise UserError(f"cannot write {path}: {e.strerror or e}") from None


def cmd_compile(args: argparse.Namespace) -> int:
    from .build import compile_spec

    if args.names:
        targets = [(_module_name(n, _spec_file(n, args)), _spec_file(n, args)) for n in args.names]
    else:
        # With --spec-path, just those folders (a bundle's); else all the import hook sees.
        dirs = [os.path.abspath(d) for d in args.spec_path] if args.spec_path else _dirs(args)
        targets = list(iter_spec_files(dirs))
        if not targets:
            raise UserError("no specs found in: " + ", ".join(dirs))
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

    p = command("list", cmd_list, "list the specs the import hook can see, and where it looks")
    spec_path(p)

    p = command("show", cmd_show, "show a spec's operations, Python names and payload fields")
    p.add_argument("name", metavar="NAME", help="spec name or file")
    p.add_argument("--source", action="store_true", help="print the generated Python module instead")
    spec_path(p)

    p = command(
        "check",
        cmd_check,
        "validate spec files without importing them",
        "Print every problem as file:line: location: message; exit 1 if any spec has one.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="spec files")

    p = command(
        "stubs",
        cmd_stubs,
        "write .pyi type stubs for mypy, pyright and IDEs",
        "Write DIR/wsapi/<name>.pyi for each spec. Set mypy_path = DIR (mypy) or stubPath = DIR "
        "(pyright); the rest of wsapi is still read from the installed package.",
    )
    p.add_argument("names", nargs="+", metavar="NAME", help="spec names or files")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="stub folder (e.g. typings)")
    spec_path(p)

    p = command(
        "export",
        cmd_export,
        "write the generated module as a standalone .py (freeze the spec)",
        "Write the module wsapi.<NAME> would be as a plain Python file that needs only wsapi's runtime.",
    )
    p.add_argument("name", metavar="NAME", help="spec name or file")
    p.add_argument("-o", "--output", required=True, metavar="FILE.py", help="where to write it")
    spec_path(p)

    p = command(
        "send",
        cmd_send,
        "validate and send one message to a connection",
        "Send OPERATION's message with PAYLOAD_JSON (wire names) to CONNECTION_ID through the "
        "Management API at --callback-url (or CALLBACK_URL), and print what was sent.",
    )
    p.add_argument("name", metavar="NAME", help="spec name or file")
    p.add_argument("operation", metavar="OPERATION", help="operationId, route or method name")
    p.add_argument("connection_id", metavar="CONNECTION_ID")
    p.add_argument("payload", nargs="?", metavar="PAYLOAD_JSON", help="the payload as JSON (omit for none)")
    p.add_argument("--callback-url", metavar="URL", help="default: the CALLBACK_URL environment variable")
    spec_path(p)

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
    except BrokenPipeError:  # `wsapi show x | head`: the reader left; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
