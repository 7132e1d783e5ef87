"""``ServerSdk``: the base of every generated ``DefaultApiServerSdk``.

Generated subclasses add one thin ``send_<operation>`` per message the server sends; building,
checking and posting the message happens here.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar, Iterable, Mapping

import attrs

from ..errors import ConnectionGoneError, PayloadTooLargeError, PayloadValidationError, WsapiError
from .client import Endpoint, management_client, parse_callback_url
from .models import coerce_model, dump_model
from .operations import Operation

__all__ = ["ServerSdk", "FanOutResult", "ConnectionInfo", "MAX_MESSAGE_BYTES", "UNSET", "encode_message"]

#: API Gateway's limit for one WebSocket message (128 KB).
MAX_MESSAGE_BYTES = 128 * 1024


class _Unset:
    """Default of keyword fields in ``send_*`` signatures: "not given"."""

    _instance: "_Unset | None" = None

    def __new__(cls) -> "_Unset":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unset>"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@attrs.frozen
class FanOutResult:
    """What happened to each connection of a ``send_*_to_many`` call."""

    delivered: list[str] = attrs.field(factory=list)
    gone: list[str] = attrs.field(factory=list)
    failed: dict[str, Exception] = attrs.field(factory=dict)

    @property
    def ok(self) -> bool:
        """True when nothing failed (gone connections are expected and not failures)."""
        return not self.failed


@attrs.frozen
class ConnectionInfo:
    """GetConnection's answer."""

    connection_id: str
    connected_at: _dt.datetime | None
    last_active_at: _dt.datetime | None
    source_ip: str | None
    user_agent: str | None


def _aware(value: Any) -> _dt.datetime | None:
    if not isinstance(value, _dt.datetime):
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=_dt.timezone.utc)
    return value.astimezone(_dt.timezone.utc)


def _check_connection_id(connection_id: Any) -> str:
    if not isinstance(connection_id, str) or not connection_id:
        raise TypeError(f"connection_id must be a non-empty string, not {connection_id!r}")
    return connection_id


def build_payload(operation: Operation, payload: Any, fields: Mapping[str, Any]) -> Any:
    """The payload model instance for ``operation`` from any of the three accepted forms."""
    fields = {k: v for k, v in fields.items() if v is not UNSET}
    cls = operation.payload_type
    if cls is None:
        if payload is not None or fields:
            raise TypeError(f"{operation.method_name}() takes no payload: {operation.route} has none")
        return None
    if payload is not None and fields:
        raise TypeError(f"{operation.method_name}() takes a payload or keyword fields, not both")
    errors: list[tuple[str, str]] = []
    if fields:
        by_python = {s.python_name: s.wire_name for s in cls.__wsapi_fields__}
        unknown = [k for k in fields if k not in by_python]
        if unknown:
            raise TypeError(f"{operation.method_name}() got unexpected field(s) {', '.join(map(repr, unknown))}")
        payload = {by_python[k]: v for k, v in fields.items()}
    elif payload is None:
        payload = {}
    instance = coerce_model(cls, payload, "", errors)
    if errors:
        raise PayloadValidationError(cls.__name__, errors)
    return instance


def encode_message(operation: Operation, instance: Any) -> bytes:
    """The exact bytes PDK's TypeScript client expects: ``{"route": ..., "payload": ...}``."""
    message: dict[str, Any] = {"route": operation.route}
    if instance is not None:
        message["payload"] = dump_model(instance)
    data = json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    if len(data) > MAX_MESSAGE_BYTES:
        raise PayloadTooLargeError(operation.route, len(data), MAX_MESSAGE_BYTES)
    return data


class ServerSdk:
    """Sends messages to connected clients through the API Gateway Management API.

    ``callback_url`` is ``https://{api-id}.execute-api.{region}.amazonaws.com/{stage}`` (or a
    custom domain, or a local emulator); it falls back to the ``CALLBACK_URL`` environment
    variable. ``client`` is a boto3 ``apigatewaymanagementapi`` client to use as is; otherwise
    one is made on first send and shared per (endpoint, region) within the process.
    """

    #: set by the generated subclass
    api_name: ClassVar[str] = ""
    operations: ClassVar[Mapping[str, Operation]] = {}

    def __init__(
        self,
        callback_url: str | None = None,
        *,
        client: Any = None,
        region_name: str | None = None,
        config: Any = None,
    ) -> None:
        url = callback_url if callback_url is not None else os.environ.get("CALLBACK_URL")
        if client is None and not url:
            raise WsapiError(
                f"{type(self).__name__} needs a callback URL: pass callback_url=... or set CALLBACK_URL "
                "(https://{api-id}.execute-api.{region}.amazonaws.com/{stage})"
            )
        self._endpoint: Endpoint | None = parse_callback_url(url, region_name) if url else None
        self._client = client
        self._config = config

    @property
    def callback_url(self) -> str | None:
        return self._endpoint.url if self._endpoint else None

    @property
    def client(self) -> Any:
        """The boto3 ``apigatewaymanagementapi`` client (made on first use)."""
        if self._client is None:
            assert self._endpoint is not None
            self._client = management_client(self._endpoint, self._config)
        return self._client

    def __repr__(self) -> str:
        return f"{type(self).__name__}(api={self.api_name!r}, callback_url={self.callback_url!r})"

    # -- what generated send_* methods call -------------------------------------------------

    def _send(self, route: str, connection_id: str, payload: Any, fields: Mapping[str, Any]) -> None:
        _check_connection_id(connection_id)
        operation = self.operations[route]
        data = encode_message(operation, build_payload(operation, payload, fields))
        self.post(connection_id, data)

    def _send_to_many(
        self,
        route: str,
        connection_ids: Iterable[str],
        payload: Any,
        fields: Mapping[str, Any],
        max_workers: int,
    ) -> FanOutResult:
        if isinstance(connection_ids, str):
            raise TypeError("connection_ids must be a list of connection ids, not one string")
        ids = list(dict.fromkeys(connection_ids))
        for cid in ids:
            _check_connection_id(cid)
        if not isinstance(max_workers, int) or max_workers < 1:
            raise ValueError(f"max_workers must be a positive integer, not {max_workers!r}")
        operation = self.operations[route]
        data = encode_message(operation, build_payload(operation, payload, fields))
        result = FanOutResult()
        if not ids:
            return result
        _ = self.client  # made once here, not raced for by the workers

        def deliver(cid: str) -> tuple[str, Exception | None]:
            try:
                self.post(cid, data)
            except Exception as e:  # noqa: BLE001 - reported per connection, never stops the fan-out
                return cid, e
            return cid, None

        with ThreadPoolExecutor(max_workers=min(max_workers, len(ids)), thread_name_prefix="wsapi-send") as pool:
            for cid, error in pool.map(deliver, ids):
                if error is None:
                    result.delivered.append(cid)
                elif isinstance(error, ConnectionGoneError):
                    result.gone.append(cid)
                else:
                    result.failed[cid] = error
        return result

    # -- the Management API -----------------------------------------------------------------

    def post(self, connection_id: str, data: bytes) -> None:
        """PostToConnection with bytes already encoded (checked against the size limit)."""
        _check_connection_id(connection_id)
        if len(data) > MAX_MESSAGE_BYTES:
            raise PayloadTooLargeError("(raw)", len(data), MAX_MESSAGE_BYTES)
        self._call("post_to_connection", connection_id, Data=data)

    def disconnect(self, connection_id: str) -> None:
        """Close a client's connection (DeleteConnection)."""
        self._call("delete_connection", _check_connection_id(connection_id))

    def get_connection(self, connection_id: str) -> ConnectionInfo:
        """When a client connected, when it was last active, and where from (GetConnection)."""
        answer = self._call("get_connection", _check_connection_id(connection_id))
        identity = answer.get("Identity") or {}
        return ConnectionInfo(
            connection_id=connection_id,
            connected_at=_aware(answer.get("ConnectedAt")),
            last_active_at=_aware(answer.get("LastActiveAt")),
            source_ip=identity.get("SourceIp"),
            user_agent=identity.get("UserAgent"),
        )

    def _call(self, api: str, connection_id: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, api)(ConnectionId=connection_id, **kwargs)
        except ClientError as e:
            error = e.response.get("Error", {})
            status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if error.get("Code") == "GoneException" or status == 410:
                raise ConnectionGoneError(connection_id, error=e) from e
            raise WsapiError(
                f"{_operation_name(api)} to {connection_id!r} failed: {error.get('Code', status)}: "
                f"{error.get('Message', e)}",
                error=e,
            ) from e
        except BotoCoreError as e:
            raise WsapiError(f"{_operation_name(api)} to {connection_id!r} failed: {e}", error=e) from e


def _operation_name(api: str) -> str:
    return "".join(part.title() for part in api.split("_"))
