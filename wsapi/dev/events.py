"""The events and context API Gateway and Lambda give a handler, built for the emulator."""

from __future__ import annotations

import base64
import os
import time
import uuid
from typing import Any, Dict, List, Mapping, Optional

__all__ = ["new_connection_id", "connect_event", "message_event", "disconnect_event", "LambdaContext"]


def new_connection_id() -> str:
    """An id shaped like API Gateway's (``L0SM9cOFvHcCIhw=``), URL-safe."""
    return base64.urlsafe_b64encode(os.urandom(11)).decode()


def _now_ms() -> int:
    return int(time.time() * 1000)


def _request_id() -> str:
    return base64.urlsafe_b64encode(os.urandom(12)).decode()


def request_context(
    route_key: str,
    event_type: str,
    connection_id: str,
    *,
    domain_name: str,
    stage: str,
    api_id: str,
    connected_at: int,
    source_ip: str,
    user_agent: str,
    **extra: Any,
) -> Dict[str, Any]:
    now = _now_ms()
    rid = _request_id()
    context: Dict[str, Any] = {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": rid,
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now / 1000)),
        "messageDirection": "IN",
        "stage": stage,
        "connectedAt": connected_at,
        "requestTimeEpoch": now,
        "identity": {"sourceIp": source_ip, "userAgent": user_agent},
        "requestId": rid,
        "domainName": domain_name,
        "connectionId": connection_id,
        "apiId": api_id,
    }
    context.update(extra)
    return context


def connect_event(headers: Mapping[str, str], query: Optional[Dict[str, str]], multi_query: Optional[Dict[str, List[str]]], context: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "headers": dict(headers),
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "requestContext": context,
        "isBase64Encoded": False,
    }


def message_event(body: str, is_base64: bool, context: Dict[str, Any]) -> Dict[str, Any]:
    return {"requestContext": context, "body": body, "isBase64Encoded": is_base64}


def disconnect_event(headers: Mapping[str, str], context: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "headers": dict(headers),
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "requestContext": context,
        "isBase64Encoded": False,
    }


class LambdaContext:
    """What Lambda passes as ``context``: names, request id and the time left."""

    def __init__(self, function_name: str, timeout_s: float = 29.0) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:000000000000:function:{function_name}"
        self.memory_limit_in_mb = 128
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))

    def __repr__(self) -> str:
        return f"LambdaContext(function_name={self.function_name!r}, aws_request_id={self.aws_request_id!r})"
