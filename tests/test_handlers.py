"""Lambda handler wrappers, fed API Gateway events; the SDK inside them talks to moto."""

from __future__ import annotations

import json
import logging
from urllib.parse import quote

import pytest
from moto import mock_aws

from .events import LambdaContext, connect_event, disconnect_event, message_event

CID = "L0SM9cOFvHcCIhw="


@pytest.fixture
def backend():
    with mock_aws():
        from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

        yield apigatewaymanagementapi_backends["123456789012"]["eu-west-1"]


def received(backend, connection_id=CID):
    """Messages a client received, split (moto appends every PostToConnection's bytes)."""
    key = quote(connection_id, safe="")  # moto keeps the id as it appears in the URL path
    data = backend.connections[key].data if key in backend.connections else b""
    out, decoder, text = [], json.JSONDecoder(), data.decode()
    while text:
        obj, end = decoder.raw_decode(text)
        out.append(obj)
        text = text[end:]
    return out


def test_typed_input_and_sdk_reply(myapi, backend):
    seen = []

    @myapi.say_hello_handler
    def handler(request):
        seen.append(request)
        request.sdk.send_greeting(request.connection_id, greeting=f"Hello {request.input.name}!")

    result = handler(message_event({"route": "SayHello", "payload": {"name": "Ann"}}), LambdaContext())
    assert result == {"statusCode": 200}
    assert received(backend) == [{"route": "SendGreeting", "payload": {"greeting": "Hello Ann!"}}]
    request = seen[0]
    assert isinstance(request.input, myapi.SayHelloRequestContent)
    assert request.connection_id == CID
    assert request.interceptor_context == {"operation_id": "sayHello"}
    assert request.context.function_name == "chat-handler"
    assert request.event["requestContext"]["messageId"] == "Xb0qRc2yjoECF-A="
    assert request.sdk.callback_url == "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"


def test_nested_input_is_structured(myapi, backend):
    @myapi.send_message_handler
    def handler(request):
        assert request.input.author.user_id == "u1"
        assert request.input.priority is myapi.Priority.URGENT
        return {"statusCode": 202}

    body = {"route": "SendMessage", "payload": {"roomId": "r", "text": "hi", "priority": "urgent",
                                                 "author": {"user-id": "u1", "displayName": "Ann"}}}
    assert handler(message_event(body), None) == {"statusCode": 202}


@pytest.mark.parametrize(
    "body, message",
    [
        ("not json", "SayHello: the message is not JSON (Expecting value: line 1 column 1 (char 0))"),
        ('["route"]', 'SayHello: the message must be a JSON object {"route": ..., "payload": ...}'),
        ({"route": "SayHello", "payload": {}}, "SayHello: invalid payload: name: required field is missing"),
        ({"route": "SayHello", "payload": {"name": ""}}, "SayHello: invalid payload: name: must have at least 1 character, got 0"),
        ({"route": "SayHello", "payload": {"name": 3, "extra": 1}}, "SayHello: invalid payload: extra: unknown field; name: expected string, got integer"),
        ({"route": "JoinRoom", "payload": {"roomId": "r"}}, "expected route 'SayHello', got 'JoinRoom'"),
    ],
)
def test_bad_input_is_answered_to_the_client_and_function_not_called(myapi, backend, body, message):
    calls = []
    handler = myapi.say_hello_handler(calls.append)
    result = handler(message_event(body, route_key="SayHello"), None)
    assert result == {"statusCode": 400, "body": message}
    assert calls == []
    assert received(backend) == [{"message": message}]


def test_exception_is_logged_500_and_nothing_reaches_client(myapi, backend, caplog):
    @myapi.say_hello_handler
    def handler(request):
        raise RuntimeError("database password is hunter2")

    with caplog.at_level(logging.ERROR, logger="wsapi"):
        result = handler(message_event({"route": "SayHello", "payload": {"name": "Ann"}}), None)
    assert result == {"statusCode": 500}
    assert received(backend) == []
    record = caplog.records[-1]
    assert record.getMessage() == f"operation sayHello failed for connection {CID}"
    assert "hunter2" in caplog.text  # in the log, with the traceback
    assert record.exc_info is not None


def test_malformed_event_is_a_400_without_calling(myapi, backend):
    calls = []
    handler = myapi.say_hello_handler(calls.append)
    result = handler({"body": "{}"}, None)
    assert result["statusCode"] == 400 and "requestContext.connectionId" in result["body"]
    assert calls == []


def test_interceptors_run_in_order_can_write_context_and_short_circuit(myapi, backend):
    order = []

    def first(request):
        order.append("first")
        request.interceptor_context["user"] = "ann"
        return request.chain.next(request)

    def second(request):
        order.append("second")
        if request.input.name == "blocked":
            return {"statusCode": 403}
        return request.chain.next(request)

    @myapi.say_hello_handler(interceptors=[first, second])
    def handler(request):
        order.append(("function", request.interceptor_context["user"]))
        return "done"

    assert handler(message_event({"route": "SayHello", "payload": {"name": "Ann"}}), None) == {"statusCode": 200}
    assert order == ["first", "second", ("function", "ann")]
    order.clear()
    assert handler(message_event({"route": "SayHello", "payload": {"name": "blocked"}}), None) == {"statusCode": 403}
    assert order == ["first", "second"]


def test_interceptor_can_catch(myapi, backend, caplog):
    caught = []

    def catcher(request):
        try:
            return request.chain.next(request)
        except ValueError as e:
            caught.append(str(e))
            return {"statusCode": 422}

    @myapi.say_hello_handler(interceptors=[catcher])
    def handler(request):
        raise ValueError("nope")

    assert handler(message_event({"route": "SayHello", "payload": {"name": "x"}}), None) == {"statusCode": 422}
    assert caught == ["nope"]


def test_try_catch_and_logging_interceptors(myapi, backend, caplog):
    @myapi.say_hello_handler(interceptors=[myapi.logging_interceptor, myapi.try_catch_interceptor])
    def handler(request):
        assert request.interceptor_context["logger"] is not None
        raise KeyError("boom")

    with caplog.at_level(logging.INFO, logger="wsapi"):
        result = handler(message_event({"route": "SayHello", "payload": {"name": "x"}}), None)
    assert result == {"statusCode": 500}
    messages = [r.getMessage() for r in caplog.records]
    assert f"sayHello failed for connection {CID}" in messages
    assert any(m.startswith(f"sayHello for connection {CID} took ") for m in messages)
    assert all(getattr(r, "connection_id", CID) == CID for r in caplog.records)


def test_connect_allow_deny_headers_and_query(myapi, backend):
    @myapi.connect_handler
    def on_connect(request):
        assert request.header("host") == "abc123.execute-api.eu-west-1.amazonaws.com"
        pending = myapi.PendingConnection.of(request)
        if request.query_string_parameters.get("token") == "s3cret":
            pending.allow()
        else:
            pending.deny()

    assert on_connect(connect_event(), None) == {"statusCode": 200}
    assert on_connect(connect_event(token="wrong"), None) == {"statusCode": 403}
    assert on_connect(connect_event(token=None), None) == {"statusCode": 403}


def test_connect_is_allowed_by_default_and_500_on_exception(myapi, backend):
    assert myapi.connect_handler(lambda request: None)(connect_event(), None) == {"statusCode": 200}

    def broken(request):
        raise RuntimeError("x")

    assert myapi.connect_handler(broken)(connect_event(), None) == {"statusCode": 500}


def test_disconnect_request_has_status_and_reason(myapi, backend):
    seen = []
    handler = myapi.disconnect_handler(lambda r: seen.append((r.connection_id, r.status_code, r.reason)))
    assert handler(disconnect_event(), None) == {"statusCode": 200}
    assert seen == [(CID, 1001, "Going away")]


def test_router_dispatches_every_route(myapi, backend):
    calls = []
    router = myapi.handler_router(
        connect=lambda r: calls.append("connect"),
        disconnect=lambda r: calls.append("disconnect"),
        default=lambda r: calls.append(("default", r.body)),
        say_hello=lambda r: calls.append(("say_hello", r.input.name)),
        join_room=myapi.join_room_handler(lambda r: calls.append(("join_room", r.input.room_id))),
        send_message=lambda r: calls.append("send_message"),
        typing=lambda r: calls.append(("typing", r.input.is_typing)),
        ping=lambda r: r.sdk.ping(r.connection_id),
    )
    events = [
        connect_event(),
        message_event({"route": "SayHello", "payload": {"name": "Ann"}}),
        message_event({"route": "JoinRoom", "payload": {"roomId": "lobby"}}),
        message_event({"route": "SendMessage", "payload": {"roomId": "r", "text": "t", "author": {"user-id": "u", "displayName": "A"}}}),
        message_event({"route": "Typing", "payload": {"roomId": "r"}}),
        message_event({"route": "Ping"}),
        message_event("hello?", route_key="$default"),
        disconnect_event(),
    ]
    assert [router(e, None)["statusCode"] for e in events] == [200] * 8
    assert calls == [
        "connect", ("say_hello", "Ann"), ("join_room", "lobby"), "send_message", ("typing", True),
        ("default", "hello?"), "disconnect",
    ]
    assert received(backend) == [{"route": "Ping"}]


def test_router_rejects_unknown_keyword_at_start_up(myapi):
    with pytest.raises(TypeError, match="sayhello"):
        myapi.handler_router(sayhello=lambda r: None)
    with pytest.raises(TypeError):
        myapi.handler_router(say_hello=myapi.join_room_handler(lambda r: None))


def test_router_unknown_route_without_default(myapi, backend):
    router = myapi.handler_router(say_hello=lambda r: None)
    result = router(message_event({"route": "Nope"}, route_key="$default"), None)
    assert result == {"statusCode": 404, "body": "no handler for route '$default'"}
    assert received(backend) == [{"message": "no handler for route '$default'"}]


def test_router_applies_its_interceptors_to_plain_functions(myapi, backend):
    seen = []

    def tag(request):
        request.interceptor_context["tagged"] = True
        return request.chain.next(request)

    router = myapi.handler_router(interceptors=[tag], say_hello=lambda r: seen.append(r.interceptor_context["tagged"]))
    router(message_event({"route": "SayHello", "payload": {"name": "x"}}), None)
    assert seen == [True]


def test_sdk_is_reused_across_invocations(myapi, backend):
    sdks = []
    handler = myapi.say_hello_handler(lambda r: sdks.append(r.sdk))
    for _ in range(3):
        handler(message_event({"route": "SayHello", "payload": {"name": "x"}}), None)
    assert sdks[0] is sdks[1] is sdks[2]
    assert sdks[0].client is sdks[2].client


def test_callback_url_environment_wins(myapi, backend, monkeypatch):
    monkeypatch.setenv("CALLBACK_URL", "https://ws.example.com/v1")
    sdks = []
    myapi.say_hello_handler(lambda r: sdks.append(r.sdk))(message_event({"route": "SayHello", "payload": {"name": "x"}}), None)
    assert sdks[0].callback_url == "https://ws.example.com/v1"


def test_operations_mapping(myapi):
    ops = myapi.OPERATIONS
    assert set(ops) == {"SayHello", "SendGreeting", "JoinRoom", "UserJoined", "SendMessage", "ThreadUpdated", "Typing", "Ping"}
    assert ops["Ping"].payload_type is None and ops["Ping"].direction == "bidirectional"
    assert ops["SayHello"].payload_type is myapi.SayHelloRequestContent


@pytest.mark.parametrize(
    "domain, expected",
    [
        ("abc123.execute-api.eu-west-1.amazonaws.com", "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"),
        ("ws.example.com", "https://abc123.execute-api.us-east-1.amazonaws.com/prod"),  # custom domain: the API's own endpoint
        ("127.0.0.1:8081", "http://127.0.0.1:8081/prod"),
    ],
)
def test_callback_url_from_the_event(domain, expected):
    from wsapi.runtime.handlers import callback_url_for_event

    event = message_event({"route": "Ping"})
    event["requestContext"]["domainName"] = domain
    assert callback_url_for_event(event) == expected
