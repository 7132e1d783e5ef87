"""Lambda handler wrappers for API Gateway WebSocket events: typed inbound operations,
``$connect`` / ``$disconnect``, interceptors and a router.

Generated modules bind these to their operations and ``DefaultApiServerSdk``; the wrapper
parses and checks the event, answers bad input to the client as ``{"message": ...}`` (what PDK's
TypeScript client reports as an error), and never lets an exception's text reach a client.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from typing import Any, Callable, Dict, Generic, Iterable, Mapping, Optional, Sequence, TypeVar

from ..errors import ConnectionGoneError, PayloadValidationError
from .models import from_wire
from .operations import Operation

__all__ = [
    "Chain",
    "HandlerRequest",
    "ConnectRequest",
    "DisconnectRequest",
    "DefaultRequest",
    "PendingConnection",
    "Interceptor",
    "operation_handler",
    "connect_handler",
    "disconnect_handler",
    "default_handler",
    "handler_router",
    "try_catch_interceptor",
    "logging_interceptor",
    "sdk_for_event",
    "callback_url_for_event",
]

logger = logging.getLogger("wsapi")

InputT = TypeVar("InputT")
SdkT = TypeVar("SdkT")
LambdaHandler = Callable[[Mapping[str, Any], Any], Dict[str, Any]]
Interceptor = Callable[[Any], Any]


class Chain:
    """What an interceptor calls to run the rest: ``request.chain.next(request)``."""

    __slots__ = ("_steps", "_index")

    def __init__(self, steps: Sequence[Callable[[Any], Any]], index: int = 0) -> None:
        self._steps = steps
        self._index = index

    def next(self, request: Any) -> Any:
        step = self._steps[self._index]
        request.chain = Chain(self._steps, self._index + 1)
        return step(request)


class _Request:
    __slots__ = ("connection_id", "event", "context", "interceptor_context", "sdk", "chain")

    def __init__(self, event: Mapping[str, Any], context: Any, sdk: Any, operation_id: str) -> None:
        self.connection_id: str = event["requestContext"]["connectionId"]
        self.event = event
        self.context = context
        self.interceptor_context: Dict[str, Any] = {"operation_id": operation_id}
        self.sdk = sdk
        self.chain: Chain = Chain(())

    @property
    def operation_id(self) -> str:
        return self.interceptor_context["operation_id"]  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(operation_id={self.operation_id!r}, connection_id={self.connection_id!r})"


class HandlerRequest(_Request, Generic[InputT, SdkT]):
    """A message from a client: ``input`` is its payload as the operation's model."""

    __slots__ = ("input",)
    sdk: SdkT

    def __init__(self, event: Mapping[str, Any], context: Any, sdk: Any, operation_id: str, input: InputT) -> None:
        super().__init__(event, context, sdk, operation_id)
        self.input = input


class ConnectRequest(_Request, Generic[SdkT]):
    """``$connect``: the handshake's headers and query string; allow or deny it with
    ``PendingConnection.of(request)``."""

    __slots__ = ("headers", "query_string_parameters", "_decision")
    sdk: SdkT

    def __init__(self, event: Mapping[str, Any], context: Any, sdk: Any) -> None:
        super().__init__(event, context, sdk, "$connect")
        self.headers: Dict[str, str] = dict(event.get("headers") or {})
        self.query_string_parameters: Dict[str, str] = dict(event.get("queryStringParameters") or {})
        self._decision: Optional[int] = None

    def header(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """A header by name, ignoring case (clients and proxies differ in capitalisation)."""
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return default


class DisconnectRequest(_Request, Generic[SdkT]):
    """``$disconnect``: ``status_code`` and ``reason`` say how the connection closed."""

    __slots__ = ("status_code", "reason")
    sdk: SdkT

    def __init__(self, event: Mapping[str, Any], context: Any, sdk: Any) -> None:
        super().__init__(event, context, sdk, "$disconnect")
        rc = event["requestContext"]
        self.status_code: Optional[int] = rc.get("disconnectStatusCode")
        self.reason: Optional[str] = rc.get("disconnectReason")


class DefaultRequest(_Request, Generic[SdkT]):
    """``$default``: a message that matched no route; ``body`` is the raw text."""

    __slots__ = ("body",)
    sdk: SdkT

    def __init__(self, event: Mapping[str, Any], context: Any, sdk: Any) -> None:
        super().__init__(event, context, sdk, "$default")
        self.body: Optional[str] = event.get("body")


class PendingConnection:
    """The decision on a ``$connect`` handshake: allowed unless ``deny()`` is called."""

    __slots__ = ("_request",)

    def __init__(self, request: ConnectRequest[Any]) -> None:
        self._request = request

    @classmethod
    def of(cls, request: ConnectRequest[Any]) -> "PendingConnection":
        if not isinstance(request, ConnectRequest):
            raise TypeError("PendingConnection.of() takes the request of a connect handler")
        return cls(request)

    def allow(self) -> None:
        self._request._decision = 200

    def deny(self, status_code: int = 403) -> None:
        if not 400 <= status_code <= 599:
            raise ValueError(f"deny() takes a 4xx or 5xx status code, not {status_code}")
        self._request._decision = status_code

    @property
    def allowed(self) -> bool:
        return self._request._decision in (None, 200)


# -- the SDK a handler gets ---------------------------------------------------------------------

_sdks: Dict[tuple[type, str], Any] = {}
_sdks_lock = threading.Lock()


def callback_url_for_event(event: Mapping[str, Any]) -> str:
    """The Management API endpoint of the API that sent ``event`` ("" if it cannot tell).

    ``CALLBACK_URL`` wins (local use). A custom domain (``requestContext.domainName``) may map
    the API under a base path, so then the API's own ``execute-api`` endpoint is used, built from
    ``apiId`` and the Lambda's ``AWS_REGION``."""
    url = os.environ.get("CALLBACK_URL")
    if url:
        return url
    rc = event.get("requestContext") or {}
    domain, stage, api_id = rc.get("domainName"), rc.get("stage"), rc.get("apiId")
    if not isinstance(domain, str) or not isinstance(stage, str) or not domain or not stage:
        return ""
    host = domain.split(":", 1)[0]
    if host in ("localhost", "::1") or host.startswith("127."):
        return f"http://{domain}/{stage}"
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if ".execute-api." not in host and isinstance(api_id, str) and api_id and region:
        return f"https://{api_id}.execute-api.{region}.amazonaws.com/{stage}"
    return f"https://{domain}/{stage}"


def sdk_for_event(sdk_class: type, event: Mapping[str, Any]) -> Any:
    """The SDK for the API that sent ``event``; one per callback URL for the process's life, so
    warm invocations reuse its boto3 client."""
    url = callback_url_for_event(event)
    key = (sdk_class, url)
    sdk = _sdks.get(key)
    if sdk is None:
        with _sdks_lock:
            sdk = _sdks.get(key)
            if sdk is None:
                sdk = sdk_class(url) if url else None
                if sdk is not None:
                    _sdks[key] = sdk
    return sdk


# -- responses ---------------------------------------------------------------------------------


class _BadInput(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _response(status: int, body: Optional[str] = None) -> Dict[str, Any]:
    out: Dict[str, Any] = {"statusCode": status}
    if body is not None:
        out["body"] = body
    return out


def _result_response(result: Any) -> Dict[str, Any]:
    if isinstance(result, Mapping) and "statusCode" in result:
        return dict(result)
    return _response(200)


def _tell_client(sdk: Any, connection_id: str, message: str) -> None:
    """Send ``{"message": ...}`` to the calling client; a failure here is only logged."""
    if sdk is None:
        logger.warning("cannot tell %s %r: no callback URL in the event", connection_id, message)
        return
    data = json.dumps({"message": message}, ensure_ascii=False, separators=(",", ":")).encode()
    try:
        sdk.post(connection_id, data)
    except ConnectionGoneError:
        logger.info("client %s left before it could be told: %s", connection_id, message)
    except Exception:  # noqa: BLE001 - the original problem is what matters to the caller
        logger.exception("could not tell client %s: %s", connection_id, message)


def _connection_id(event: Any) -> str:
    if not isinstance(event, Mapping):
        raise _BadInput(400, f"malformed event: expected a mapping, got {type(event).__name__}")
    rc = event.get("requestContext")
    if not isinstance(rc, Mapping) or not isinstance(rc.get("connectionId"), str):
        raise _BadInput(400, "malformed event: requestContext.connectionId is missing (not an API Gateway WebSocket event?)")
    connection_id: str = rc["connectionId"]
    return connection_id


def _run(
    steps: Sequence[Callable[[Any], Any]],
    request: _Request,
    what: str,
) -> tuple[Any, Optional[BaseException]]:
    try:
        return Chain(steps).next(request), None
    except Exception as e:  # noqa: BLE001 - logged with context; the client learns nothing of it
        logger.exception("%s failed for connection %s", what, request.connection_id)
        return None, e


def _steps(interceptors: Iterable[Interceptor], function: Callable[[Any], Any]) -> list[Callable[[Any], Any]]:
    interceptors = list(interceptors)
    for i in interceptors:
        if not callable(i):
            raise TypeError(f"interceptors must be callables (request) -> result, not {i!r}")
    return [*interceptors, function]


def _decorator(make: Callable[[Callable[[Any], Any]], LambdaHandler], function: Any) -> Any:
    if function is None:
        return make
    if not callable(function):
        raise TypeError(f"expected a function to wrap, not {function!r}")
    return make(function)


# -- wrappers ----------------------------------------------------------------------------------


def _lambda_handler(
    route: str,
    label: str,
    sdk_class: type,
    interceptors: Iterable[Interceptor],
    fn: Callable[[Any], Any],
    make_request: Callable[[Mapping[str, Any], Any, Any], _Request],
) -> LambdaHandler:
    """The Lambda handler running ``fn`` behind ``interceptors`` for one route.

    ``make_request`` raises ``_BadInput`` for input the client must hear about."""
    steps = _steps(interceptors, fn)

    def lambda_handler(event: Mapping[str, Any], context: Any = None) -> Dict[str, Any]:
        try:
            connection_id = _connection_id(event)
        except _BadInput as bad:
            logger.error("%s: %s", route, bad.message)
            return _response(bad.status, bad.message)
        sdk = sdk_for_event(sdk_class, event)
        try:
            request = make_request(event, context, sdk)
        except _BadInput as bad:
            _tell_client(sdk, connection_id, bad.message)
            return _response(bad.status, bad.message)
        result, error = _run(steps, request, label)
        if error is not None:
            return _response(500)
        decision = getattr(request, "_decision", None)  # a denied $connect
        if decision not in (None, 200):
            return _response(decision)
        return _result_response(result)

    lambda_handler.__wsapi_route__ = route  # type: ignore[attr-defined]
    lambda_handler.__wrapped__ = fn  # type: ignore[attr-defined]
    lambda_handler.__name__ = getattr(fn, "__name__", "handler")
    lambda_handler.__qualname__ = getattr(fn, "__qualname__", "handler")
    lambda_handler.__doc__ = getattr(fn, "__doc__", None)
    return lambda_handler


def operation_handler(
    operation: Operation,
    sdk_class: type,
    function: Optional[Callable[[Any], Any]] = None,
    interceptors: Iterable[Interceptor] = (),
) -> Any:
    """Wrap ``function(request)`` as the Lambda handler of an inbound operation."""
    interceptors = tuple(interceptors)

    def make_request(event: Mapping[str, Any], context: Any, sdk: Any) -> _Request:
        payload = _parse_message(operation, event.get("body"))
        return HandlerRequest(event, context, sdk, operation.operation_id, payload)

    label = f"operation {operation.operation_id}"
    return _decorator(
        lambda fn: _lambda_handler(operation.route, label, sdk_class, interceptors, fn, make_request), function
    )


def _parse_message(operation: Operation, body: Any) -> Any:
    if not isinstance(body, str):
        raise _BadInput(400, f"{operation.route}: the message has no body")
    try:
        message = json.loads(body)
    except ValueError as e:
        raise _BadInput(400, f"{operation.route}: the message is not JSON ({e})") from None
    if not isinstance(message, dict):
        raise _BadInput(400, f'{operation.route}: the message must be a JSON object {{"route": ..., "payload": ...}}')
    if message.get("route") != operation.route:
        raise _BadInput(400, f"expected route {operation.route!r}, got {message.get('route')!r}")
    cls = operation.payload_type
    if cls is None:
        return None
    try:
        return from_wire(cls, message.get("payload"))
    except PayloadValidationError as e:
        details = "; ".join(f"{path}: {msg}" for path, msg in e.errors.items())
        raise _BadInput(400, f"{operation.route}: invalid payload: {details}") from None


def _route_handler(route: str, request_class: Callable[[Mapping[str, Any], Any, Any], _Request], doc: str) -> Callable[..., Any]:
    def wrapper(
        sdk_class: type, function: Optional[Callable[[Any], Any]] = None, interceptors: Iterable[Interceptor] = ()
    ) -> Any:
        interceptors = tuple(interceptors)
        return _decorator(lambda fn: _lambda_handler(route, route, sdk_class, interceptors, fn, request_class), function)

    wrapper.__name__ = wrapper.__qualname__ = route.strip("$") + "_handler"
    wrapper.__doc__ = doc
    return wrapper


connect_handler = _route_handler(
    "$connect",
    ConnectRequest,
    "Wrap ``function(request: ConnectRequest)`` as the ``$connect`` Lambda handler: 200 if allowed "
    "(the default), the ``deny()`` status otherwise, 500 if the function raises.",
)
disconnect_handler = _route_handler(
    "$disconnect", DisconnectRequest, "Wrap ``function(request: DisconnectRequest)`` as the ``$disconnect`` Lambda handler."
)
default_handler = _route_handler(
    "$default", DefaultRequest, "Wrap ``function(request: DefaultRequest)`` as the ``$default`` Lambda handler."
)


def handler_router(
    sdk_class: type,
    operations: Mapping[str, Operation],
    *,
    interceptors: Iterable[Interceptor] = (),
    connect: Any = None,
    disconnect: Any = None,
    default: Any = None,
    handlers: Mapping[str, Any],
) -> LambdaHandler:
    """One Lambda handler for every route, dispatching on ``requestContext.routeKey``.

    ``handlers`` maps operation method names (``say_hello``) to functions taking the request,
    or to handlers already wrapped by ``<operation>_handler``.
    """
    interceptors = tuple(interceptors)
    by_method = {op.method_name: op for op in operations.values() if op.server_receives}
    routes: Dict[str, LambdaHandler] = {}
    for name, fn in handlers.items():
        if fn is None:
            continue
        op = by_method.get(name)
        if op is None:
            raise TypeError(f"handler_router() has no inbound operation {name!r}")
        routes[op.route] = _wrapped(fn, op.route) or operation_handler(op, sdk_class, fn, interceptors)
    for route, fn, wrap in (
        ("$connect", connect, connect_handler),
        ("$disconnect", disconnect, disconnect_handler),
        ("$default", default, default_handler),
    ):
        if fn is not None:
            routes[route] = _wrapped(fn, route) or wrap(sdk_class, fn, interceptors)

    def router(event: Mapping[str, Any], context: Any = None) -> Dict[str, Any]:
        try:
            connection_id = _connection_id(event)
        except _BadInput as bad:
            logger.error("router: %s", bad.message)
            return _response(bad.status, bad.message)
        route = event["requestContext"].get("routeKey")
        target = routes.get(route) if isinstance(route, str) else None
        if target is None and route not in ("$connect", "$disconnect"):
            target = routes.get("$default")
        if target is None:
            if route in ("$connect", "$disconnect"):
                return _response(200)  # nothing to decide: connections are allowed by default
            message = f"no handler for route {route!r}"
            _tell_client(sdk_for_event(sdk_class, event), connection_id, message)
            return _response(404, message)
        return target(event, context)

    router.__wsapi_routes__ = tuple(routes)  # type: ignore[attr-defined]
    return router


def _wrapped(fn: Any, route: str) -> Optional[LambdaHandler]:
    """``fn`` if it is already a wrapped handler for ``route``; TypeError if for another."""
    marked = getattr(fn, "__wsapi_route__", None)
    if marked is None:
        return None
    if marked != route:
        raise TypeError(f"handler for {marked!r} given for route {route!r}")
    return fn  # type: ignore[no-any-return]


# -- interceptors --------------------------------------------------------------------------------


def try_catch_interceptor(request: Any) -> Any:
    """Turn any exception from the rest of the chain into a logged 500 (nothing reaches the client)."""
    try:
        return request.chain.next(request)
    except Exception:  # noqa: BLE001
        logger.exception("%s failed for connection %s", request.operation_id, request.connection_id)
        return _response(500)


def _powertools_logger() -> Any:
    try:
        from aws_lambda_powertools import Logger
    except ImportError:
        return None
    return Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "wsapi"))


_POWERTOOLS: Any = False  # False: not looked for yet


def logging_interceptor(request: Any) -> Any:
    """Log each invocation with operation and connection id, and its duration; uses AWS Lambda
    Powertools' Logger when that package is installed (put in ``interceptor_context["logger"]``)."""
    global _POWERTOOLS
    if _POWERTOOLS is False:
        _POWERTOOLS = _powertools_logger()
    log: Any = _POWERTOOLS or logger
    extra = {"operation_id": request.operation_id, "connection_id": request.connection_id}
    request.interceptor_context["logger"] = log
    start = time.perf_counter()
    if _POWERTOOLS is not None:
        log.append_keys(**extra)
    try:
        result = request.chain.next(request)
    except Exception:
        log.exception("%s failed for connection %s", request.operation_id, request.connection_id, extra=extra)
        raise
    elapsed = (time.perf_counter() - start) * 1000
    log.info("%s for connection %s took %.1f ms", request.operation_id, request.connection_id, elapsed, extra=extra)
    return result
