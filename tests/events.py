"""API Gateway WebSocket events, in the shapes AWS sends to a Lambda proxy integration."""

from __future__ import annotations

import json
from typing import Any

DOMAIN = "abc123.execute-api.eu-west-1.amazonaws.com"
STAGE = "prod"


def _request_context(route_key: str, event_type: str, connection_id: str, **extra: Any) -> dict[str, Any]:
    context = {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": "Xb0qPFxrDoEFxyw=",
        "requestTime": "04/Dec/2026:19:42:57 +0000",
        "messageDirection": "IN",
        "stage": STAGE,
        "connectedAt": 1796420577000,
        "requestTimeEpoch": 1796420577123,
        "identity": {"sourceIp": "203.0.113.7", "userAgent": "Mozilla/5.0"},
        "requestId": "Xb0qPFxrDoEFxyw=",
        "domainName": DOMAIN,
        "connectionId": connection_id,
        "apiId": "abc123",
    }
    context.update(extra)
    return context


def connect_event(connection_id: str = "L0SM9cOFvHcCIhw=", token: str | None = "s3cret") -> dict[str, Any]:
    query = {"token": token} if token is not None else None
    return {
        "headers": {
            "Host": DOMAIN,
            "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version": "13",
            "X-Forwarded-For": "203.0.113.7",
            "X-Forwarded-Port": "443",
            "X-Forwarded-Proto": "https",
        },
        "multiValueHeaders": {"Host": [DOMAIN], "Sec-WebSocket-Version": ["13"]},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "requestContext": _request_context("$connect", "CONNECT", connection_id),
        "isBase64Encoded": False,
    }


def message_event(body: Any, connection_id: str = "L0SM9cOFvHcCIhw=", route_key: str | None = None) -> dict[str, Any]:
    text = body if isinstance(body, str) else json.dumps(body)
    if route_key is None:
        route_key = body.get("route", "$default") if isinstance(body, dict) else "$default"
    return {
        "requestContext": _request_context(
            route_key, "MESSAGE", connection_id, messageId="Xb0qRc2yjoECF-A=", messageDirection="IN"
        ),
        "body": text,
        "isBase64Encoded": False,
    }


def disconnect_event(connection_id: str = "L0SM9cOFvHcCIhw=", status: int = 1001, reason: str = "Going away") -> dict[str, Any]:
    return {
        "headers": {"Host": DOMAIN, "x-api-key": "", "X-Forwarded-For": "", "x-restapi": ""},
        "multiValueHeaders": {"Host": [DOMAIN]},
        "requestContext": _request_context(
            "$disconnect", "DISCONNECT", connection_id, disconnectStatusCode=status, disconnectReason=reason
        ),
        "isBase64Encoded": False,
    }


class LambdaContext:
    function_name = "chat-handler"
    function_version = "$LATEST"
    aws_request_id = "8f5d2a4e-0c2b-4a7e-9d1a-2b6f3c4d5e6f"
    memory_limit_in_mb = 256

    def get_remaining_time_in_millis(self) -> int:
        return 29_000
