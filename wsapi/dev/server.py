"""``DevServer``: API Gateway's WebSocket side and its Management API, on 127.0.0.1.

A WebSocket endpoint (``ws://host:port/{stage}``, the ``websockets`` package) turns handshakes,
messages and closes into the Lambda events API Gateway sends, and calls the app with them on
worker threads. The Management API (``http://host:management_port/{stage}/@connections/{id}``,
POST/GET/DELETE) answers boto3 as AWS does, 410 GoneException and the 128 KB limit included,
so handlers and the Server SDK run here unchanged.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as _dt
import json
import logging
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, Iterable, Optional, Tuple
from urllib.parse import parse_qs, unquote

from ..runtime.sdk import MAX_MESSAGE_BYTES
from . import events

__all__ = ["DevServer"]

log = logging.getLogger("wsapi.dev")

App = Callable[[Dict[str, Any], Any], Any]


class _Connection:
    __slots__ = ("id", "ws", "connected_at", "last_active_at", "source_ip", "user_agent", "headers")

    def __init__(self, ws: Any, source_ip: str, user_agent: str, headers: Dict[str, str]) -> None:
        self.id = events.new_connection_id()
        self.ws = ws
        self.connected_at = int(time.time() * 1000)
        self.last_active_at = self.connected_at
        self.source_ip = source_ip
        self.user_agent = user_agent
        self.headers = headers


def _status_of(result: Any) -> int:
    if isinstance(result, dict) and isinstance(result.get("statusCode"), int):
        return int(result["statusCode"])
    return 200


def _iso(ms: int) -> str:
    return _dt.datetime.fromtimestamp(ms / 1000, _dt.timezone.utc).isoformat().replace("+00:00", "Z")


class DevServer:
    """Run ``app`` (any Lambda handler ``(event, context)``) behind an emulated WebSocket API.

    ``routes`` are the route keys the API declares (a message whose JSON ``route`` is not one of
    them goes to ``$default``). ``latency`` (seconds) delays every Management API answer, to
    see code behave as against AWS, a network round trip away. ``start()`` serves on a background thread (tests, the demo);
    ``run()`` serves in the foreground until Ctrl-C (``wsapi dev``).
    """

    def __init__(
        self,
        app: App,
        *,
        routes: Iterable[str] = (),
        host: str = "127.0.0.1",
        port: int = 0,
        management_port: int = 0,
        stage: str = "local",
        function_name: str = "wsapi-dev",
        workers: int = 16,
        set_environment: bool = True,
        latency: float = 0.0,
    ) -> None:
        self.app = app
        self.routes = frozenset(routes)
        self.host = host
        self.port = port
        self.management_port = management_port
        self.stage = stage
        self.function_name = function_name
        self.set_environment = set_environment
        #: seconds added to every Management API answer: AWS is a network round trip away
        self.latency = latency
        self.connections: Dict[str, _Connection] = {}
        self._pending: Dict[int, _Connection] = {}
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="wsapi-dev-handler")
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._ready = threading.Event()
        self._stop: Optional[asyncio.Event] = None
        self._error: Optional[BaseException] = None
        self._saved_env: Dict[str, Optional[str]] = {}
        self._management_tasks: Dict[asyncio.Task[Any], asyncio.StreamWriter] = {}

    # -- addresses ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Where clients connect: ``ws://127.0.0.1:PORT/{stage}``."""
        return f"ws://{self.host}:{self.port}/{self.stage}"

    @property
    def callback_url(self) -> str:
        """The Management API endpoint (what ``CALLBACK_URL`` is set to for handlers)."""
        return f"http://{self.host}:{self.management_port}/{self.stage}"

    # -- running ------------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> "DevServer":
        """Serve on a background thread; returns once both ports listen."""
        self._thread = threading.Thread(target=self._thread_main, name="wsapi-dev-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the dev server did not start in time")
        if self._error is not None:
            raise self._error
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Close every connection (each gets its ``$disconnect``), stop serving, wait."""
        if self._loop is not None and self._stop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(timeout)
        self._pool.shutdown(wait=True)

    def run(self, on_ready: Optional[Callable[["DevServer"], None]] = None) -> None:
        """Serve in the foreground until Ctrl-C, then shut down cleanly."""
        try:
            asyncio.run(self._main(on_ready))
        except KeyboardInterrupt:
            pass
        finally:
            self._pool.shutdown(wait=True)

    def __enter__(self) -> "DevServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _thread_main(self) -> None:
        try:
            asyncio.run(self._main(None))
        except BaseException as e:  # noqa: BLE001 - reported to start()
            self._error = e
            self._ready.set()

    async def _main(self, on_ready: Optional[Callable[["DevServer"], None]]) -> None:
        from websockets.asyncio.server import serve

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        if threading.current_thread() is threading.main_thread():
            # Ctrl-C and SIGTERM take the orderly way out ($disconnect for everyone) on every
            # Python version, rather than cancelling tasks in whatever order asyncio picks.
            for signum in (signal.SIGINT, signal.SIGTERM):
                try:
                    self._loop.add_signal_handler(signum, self._stop.set)
                except (NotImplementedError, RuntimeError):  # pragma: no cover - Windows
                    pass
        management = await asyncio.start_server(self._management, self.host, self.management_port)
        self.management_port = management.sockets[0].getsockname()[1]
        try:
            async with serve(
                self._websocket,
                self.host,
                self.port,
                process_request=self._handshake,
                max_size=MAX_MESSAGE_BYTES,  # API Gateway closes with 1009 past 128 KB
                ping_interval=None,
                server_header="wsapi-dev",
            ) as server:
                self.port = next(iter(server.sockets)).getsockname()[1]
                self._set_environment()
                self._ready.set()
                if on_ready is not None:
                    on_ready(self)
                try:
                    await self._stop.wait()
                finally:
                    log.info("shutting down: closing %d connection(s)", len(self.connections))
                    for conn in list(self.connections.values()):
                        await conn.ws.close(1001, "Going away")
                    server.close()
                    await server.wait_closed()
        finally:
            management.close()
            # boto3 keeps its connections open: close them so their tasks end before the loop does
            for writer in self._management_tasks.values():
                writer.close()
            await asyncio.gather(*self._management_tasks, return_exceptions=True)
            await management.wait_closed()
            self._restore_environment()

    def _set_environment(self) -> None:
        if not self.set_environment:
            return
        wanted = {"CALLBACK_URL": self.callback_url}
        # boto3 signs every request: give it something when no credentials are configured.
        for key, value in (("AWS_ACCESS_KEY_ID", "local"), ("AWS_SECRET_ACCESS_KEY", "local"), ("AWS_DEFAULT_REGION", "us-east-1")):
            if not os.environ.get(key):
                wanted[key] = value
        for key, value in wanted.items():
            self._saved_env[key] = os.environ.get(key)
            os.environ[key] = value

    def _restore_environment(self) -> None:
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()

    # -- invoking the app ---------------------------------------------------------------------

    def _context(self, conn: _Connection, route_key: str, event_type: str, **extra: Any) -> Dict[str, Any]:
        return events.request_context(
            route_key,
            event_type,
            conn.id,
            domain_name=f"{self.host}:{self.management_port}",
            stage=self.stage,
            api_id="local",
            connected_at=conn.connected_at,
            source_ip=conn.source_ip,
            user_agent=conn.user_agent,
            **extra,
        )

    def _call_app(self, event: Dict[str, Any]) -> Any:
        rc = event["requestContext"]
        try:
            return self.app(event, events.LambdaContext(self.function_name))
        except Exception:  # noqa: BLE001 - as on AWS: logged, the connection stays up
            log.exception("handler raised for %s on connection %s", rc["routeKey"], rc["connectionId"])
            return {"statusCode": 502}

    async def _invoke(self, event: Dict[str, Any]) -> int:
        assert self._loop is not None
        result = await self._loop.run_in_executor(self._pool, self._call_app, event)
        status = _status_of(result)
        rc = event["requestContext"]
        log.info("%s %s -> %d", rc["routeKey"], rc["connectionId"], status)
        return status

    # -- the WebSocket side -------------------------------------------------------------------

    async def _handshake(self, ws: Any, request: Any) -> Any:
        path, _, query_string = request.path.partition("?")
        if path.rstrip("/") not in ("", f"/{self.stage}"):
            return ws.respond(403, f"Forbidden: connect to /{self.stage}\n")
        headers = {k: v for k, v in request.headers.raw_items()}
        source_ip = ws.remote_address[0] if ws.remote_address else "127.0.0.1"
        conn = _Connection(ws, source_ip, request.headers.get("User-Agent", ""), headers)
        multi = parse_qs(query_string, keep_blank_values=True)
        query = {k: v[-1] for k, v in multi.items()}
        event = events.connect_event(headers, query, multi, self._context(conn, "$connect", "CONNECT"))
        status = await self._invoke(event)
        if not 200 <= status < 300:
            return ws.respond(status, "Forbidden\n" if status == 403 else f"Connection refused ({status})\n")
        self._pending[id(ws)] = conn
        return None

    async def _websocket(self, ws: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        conn = self._pending.pop(id(ws))
        self.connections[conn.id] = conn
        try:
            async for message in ws:
                conn.last_active_at = int(time.time() * 1000)
                await self._message(conn, message)
        except ConnectionClosed:
            pass
        finally:
            self.connections.pop(conn.id, None)
            code = ws.close_code if ws.close_code is not None else 1006
            context = self._context(
                conn, "$disconnect", "DISCONNECT", disconnectStatusCode=code, disconnectReason=ws.close_reason or ""
            )
            await self._invoke(events.disconnect_event(conn.headers, context))

    async def _message(self, conn: _Connection, message: Any) -> None:
        if isinstance(message, bytes):
            body, is_base64 = base64.b64encode(message).decode(), True
            route_key = "$default"
        else:
            body, is_base64 = message, False
            route_key = self._route_of(message)
        context = self._context(conn, route_key, "MESSAGE", messageId=events.new_connection_id())
        await self._invoke(events.message_event(body, is_base64, context))

    def _route_of(self, text: str) -> str:
        """Route selection expression ``$request.body.route``."""
        try:
            body = json.loads(text)
        except ValueError:
            return "$default"
        route = body.get("route") if isinstance(body, dict) else None
        return route if isinstance(route, str) and route in self.routes else "$default"

    # -- the Management API -------------------------------------------------------------------

    async def _management(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._management_tasks[task] = writer
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                method, path, headers, body = request
                if self.latency:
                    await asyncio.sleep(self.latency)
                status, error, payload = await self._manage(method, path, body)
                _write_response(writer, status, error, payload)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()
            self._management_tasks.pop(task, None)

    async def _manage(self, method: str, path: str, body: bytes) -> Tuple[int, Optional[str], Optional[bytes]]:
        prefix = f"/{self.stage}/@connections/"
        path = unquote(path.split("?", 1)[0])
        if not path.startswith(prefix) or "/" in path[len(prefix):] or path == prefix:
            return 403, "ForbiddenException", json.dumps({"message": "Forbidden"}).encode()
        connection_id = path[len(prefix):]
        conn = self.connections.get(connection_id)
        gone = (410, "GoneException", json.dumps({"message": f"connection {connection_id} is gone"}).encode())
        if conn is None:
            return gone
        if method == "POST":
            if len(body) > MAX_MESSAGE_BYTES:
                return 413, "PayloadTooLargeException", json.dumps({"message": "Message too long"}).encode()
            from websockets.exceptions import ConnectionClosed

            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                text = None
            try:
                await conn.ws.send(text if text is not None else body)
            except ConnectionClosed:
                return gone
            return 200, None, None
        if method == "GET":
            info = {
                "connectedAt": _iso(conn.connected_at),
                "lastActiveAt": _iso(conn.last_active_at),
                "identity": {"sourceIp": conn.source_ip, "userAgent": conn.user_agent},
            }
            return 200, None, json.dumps(info).encode()
        if method == "DELETE":
            await conn.ws.close(1000, "")
            return 204, None, None
        return 403, "ForbiddenException", json.dumps({"message": "Forbidden"}).encode()


async def _read_request(reader: asyncio.StreamReader) -> Optional[Tuple[str, str, Dict[str, str], bytes]]:
    line = await reader.readline()
    if not line:
        return None
    parts = line.decode("latin-1").split()
    if len(parts) != 3:
        raise ValueError("bad request line")
    method, path, _ = parts
    headers: Dict[str, str] = {}
    while True:
        raw = await reader.readline()
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length") or 0)
    if length > 4 * MAX_MESSAGE_BYTES:
        raise ValueError("request body too large")
    body = await reader.readexactly(length) if length else b""
    return method, path, headers, body


_REASONS = {200: "OK", 204: "No Content", 403: "Forbidden", 410: "Gone", 413: "Payload Too Large"}


def _write_response(writer: asyncio.StreamWriter, status: int, error: Optional[str], payload: Optional[bytes]) -> None:
    payload = payload or b""
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}", "Content-Type: application/json"]
    if error:
        lines.append(f"x-amzn-ErrorType: {error}")
    lines.append(f"Content-Length: {len(payload)}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)
