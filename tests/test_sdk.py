"""The Server SDK as a user sees it: the bytes that reach PostToConnection, and the errors."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws

import wsapi
from wsapi import ConnectionGoneError, PayloadTooLargeError, PayloadValidationError, WsapiError

from .conftest import REPO

CALLBACK = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"


@pytest.fixture
def moto_backend():
    with mock_aws():
        from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

        yield apigatewaymanagementapi_backends["123456789012"]["eu-west-1"]


def sent(backend, connection_id):
    return json.loads(backend.connections[connection_id].data)


def test_three_payload_forms_send_the_same_bytes(myapi, moto_backend):
    sdk = myapi.DefaultApiServerSdk(callback_url=CALLBACK)
    sdk.send_greeting("conn-a", myapi.SendGreetingRequestContent(greeting="Hello!"))
    sdk.send_greeting("conn-b", {"greeting": "Hello!"})
    sdk.send_greeting("conn-c", greeting="Hello!")
    expected = b'{"route":"SendGreeting","payload":{"greeting":"Hello!"}}'
    for cid in ("conn-a", "conn-b", "conn-c"):
        assert moto_backend.connections[cid].data == expected


def test_nested_models_wire_names_enums_and_dates(myapi, moto_backend):
    sdk = myapi.DefaultApiServerSdk(CALLBACK)
    sdk.send_message(
        "c1",
        room_id="lobby",
        text="hi @bob",
        author={"user-id": "u1", "displayName": "Ann"},
        priority=myapi.Priority.URGENT,
        sent_at=dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc),
        mentions=["bob"],
        reactions={"👍": 2},
        attachments=[{"url": "https://x/y.png"}],
    )
    assert sent(moto_backend, "c1") == {
        "route": "SendMessage",
        "payload": {
            "roomId": "lobby",
            "text": "hi @bob",
            "author": {"user-id": "u1", "displayName": "Ann"},
            "sentAt": "2024-05-01T12:00:00Z",
            "priority": "urgent",
            "mentions": ["bob"],
            "reactions": {"👍": 2},
            "attachments": [{"url": "https://x/y.png", "contentType": "application/octet-stream"}],
        },
    }


def test_recursive_model_and_date(myapi, moto_backend):
    sdk = myapi.DefaultApiServerSdk(CALLBACK)
    thread = myapi.Thread(
        thread_id="t1",
        text="root",
        replies=[myapi.Thread(thread_id="t2", text="child", replies=[{"threadId": "t3", "text": "grandchild"}])],
        created_on=dt.date(2024, 1, 2),
    )
    sdk.thread_updated("c1", thread)
    payload = sent(moto_backend, "c1")["payload"]
    assert payload["replies"][0]["replies"][0] == {"threadId": "t3", "text": "grandchild"}
    assert payload["createdOn"] == "2024-01-02"


def test_operation_without_payload_sends_route_only(myapi, moto_backend):
    myapi.DefaultApiServerSdk(CALLBACK).ping("c1")
    assert moto_backend.connections["c1"].data == b'{"route":"Ping"}'


def test_optional_fields_left_unset_are_omitted_not_null(myapi, moto_backend):
    myapi.DefaultApiServerSdk(CALLBACK).send_greeting("c1", greeting="x", sender=None)
    assert sent(moto_backend, "c1") == {"route": "SendGreeting", "payload": {"greeting": "x"}}


def test_no_send_method_for_client_to_server_operations(myapi):
    sdk = myapi.DefaultApiServerSdk(CALLBACK)
    assert not hasattr(sdk, "say_hello")
    assert not hasattr(sdk, "join_room")
    assert hasattr(sdk, "send_message") and hasattr(sdk, "send_message_to_many")


@pytest.mark.parametrize(
    "kwargs, errors",
    [
        ({}, {"greeting": "required field is missing"}),
        ({"greeting": 5}, {"greeting": "expected string, got integer"}),
        (
            {"greeting": "x", "sender": {"user-id": 1}},
            {"sender.user-id": "expected string, got integer", "sender.displayName": "required field is missing"},
        ),
    ],
)
def test_invalid_payload_lists_every_field_and_sends_nothing(myapi, moto_backend, kwargs, errors):
    sdk = myapi.DefaultApiServerSdk(CALLBACK)
    with pytest.raises(PayloadValidationError) as info:
        sdk.send_greeting("c1", **kwargs)
    assert info.value.errors == errors
    assert isinstance(info.value, ValueError)
    assert "c1" not in moto_backend.connections


def test_mapping_with_unknown_key_is_rejected(myapi, moto_backend):
    with pytest.raises(PayloadValidationError) as info:
        myapi.DefaultApiServerSdk(CALLBACK).send_greeting("c1", {"greeting": "x", "greting": "typo"})
    assert info.value.errors == {"greting": "unknown field"}


def test_payload_and_fields_together_is_a_type_error(myapi):
    sdk = myapi.DefaultApiServerSdk(CALLBACK)
    with pytest.raises(TypeError, match="payload or keyword fields, not both"):
        sdk.send_greeting("c1", {"greeting": "x"}, greeting="y")


def test_too_large_payload_sends_nothing(myapi, moto_backend):
    sdk = myapi.DefaultApiServerSdk(CALLBACK)
    with pytest.raises(PayloadTooLargeError) as info:
        sdk.send_greeting("c1", greeting="x" * (128 * 1024))
    assert info.value.limit == 128 * 1024 and info.value.size > info.value.limit
    assert "c1" not in moto_backend.connections


def test_message_just_under_the_limit_is_sent(myapi, moto_backend):
    overhead = len(b'{"route":"SendGreeting","payload":{"greeting":""}}')
    myapi.DefaultApiServerSdk(CALLBACK).send_greeting("c1", greeting="x" * (128 * 1024 - overhead))
    assert len(moto_backend.connections["c1"].data) == 128 * 1024


def test_get_connection_and_disconnect(myapi, moto_backend):
    sdk = myapi.DefaultApiServerSdk(CALLBACK)
    sdk.ping("c1")
    info = sdk.get_connection("c1")
    assert info.connection_id == "c1"
    assert info.source_ip == "192.168.0.1" and info.user_agent == "Moto Mocks"
    assert info.connected_at.tzinfo is not None and info.last_active_at.utcoffset() == dt.timedelta(0)
    sdk.disconnect("c1")
    assert "c1" not in moto_backend.connections


def test_callback_url_from_environment_and_missing(myapi, monkeypatch):
    with pytest.raises(WsapiError, match="needs a callback URL.*CALLBACK_URL"):
        myapi.DefaultApiServerSdk()
    monkeypatch.setenv("CALLBACK_URL", CALLBACK)
    sdk = myapi.DefaultApiServerSdk()
    assert sdk.callback_url == CALLBACK
    assert repr(sdk) == f"DefaultApiServerSdk(api='myapi', callback_url='{CALLBACK}')"


def test_region_comes_from_execute_api_url(myapi, monkeypatch):
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    sdk = myapi.DefaultApiServerSdk("https://abc.execute-api.ap-southeast-2.amazonaws.com/dev")
    assert sdk.client.meta.region_name == "ap-southeast-2"
    assert sdk.client.meta.endpoint_url == "https://abc.execute-api.ap-southeast-2.amazonaws.com/dev"


def test_custom_domain_needs_a_region(myapi, monkeypatch):
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(WsapiError, match="region"):
        myapi.DefaultApiServerSdk("https://ws.example.com/prod")
    sdk = myapi.DefaultApiServerSdk("https://ws.example.com/prod", region_name="eu-central-1")
    assert sdk.client.meta.region_name == "eu-central-1"


def test_client_is_reused_per_endpoint_and_region(myapi):
    a = myapi.DefaultApiServerSdk(CALLBACK)
    b = myapi.DefaultApiServerSdk(CALLBACK)
    c = myapi.DefaultApiServerSdk(CALLBACK.replace("prod", "dev"))
    assert a.client is b.client
    assert a.client is not c.client


def test_client_passed_in_is_used_as_is(myapi, moto_backend):
    client = boto3.client("apigatewaymanagementapi", region_name="eu-west-1", endpoint_url=CALLBACK)
    sdk = myapi.DefaultApiServerSdk(client=client)
    assert sdk.client is client
    sdk.ping("c9")
    assert moto_backend.connections["c9"].data == b'{"route":"Ping"}'


def test_fan_out_reports_delivered_gone_and_failed(myapi, fake_api):
    sdk = myapi.DefaultApiServerSdk(fake_api.url, config=Config(retries={"mode": "standard", "max_attempts": 1}))
    ids = [f"c{i}" for i in range(20)]
    fake_api.by_connection = {"c3": (410, "GoneException"), "c7": (403, "ForbiddenException")}
    result = sdk.send_greeting_to_many(ids, greeting="hi", max_workers=4)
    assert result.gone == ["c3"]
    assert list(result.failed) == ["c7"] and isinstance(result.failed["c7"], WsapiError)
    assert result.delivered == [i for i in ids if i not in ("c3", "c7")]
    bodies = {body for method, path, body in fake_api.requests}
    assert bodies == {b'{"route":"SendGreeting","payload":{"greeting":"hi"}}'}
    assert len(fake_api.requests) == 20


def test_fan_out_validates_once_before_sending(myapi, fake_api):
    sdk = myapi.DefaultApiServerSdk(fake_api.url)
    with pytest.raises(PayloadValidationError):
        sdk.send_greeting_to_many(["a", "b"], greeting=3)
    assert fake_api.requests == []


def test_gone_connection_raises_with_id_and_is_not_retried(myapi, fake_api):
    fake_api.answers = [(410, "GoneException")]
    sdk = myapi.DefaultApiServerSdk(fake_api.url)
    with pytest.raises(ConnectionGoneError) as info:
        sdk.send_greeting("L0SM9cOFvHcCIhw=", greeting="hi")
    assert info.value.connection_id == "L0SM9cOFvHcCIhw="
    assert info.value.error is not None
    assert len(fake_api.requests) == 1
    method, path, body = fake_api.requests[0]
    assert (method, path) == ("POST", "/test/@connections/L0SM9cOFvHcCIhw%3D")


def test_forbidden_is_a_wsapi_error_with_botocore_error(myapi, fake_api):
    fake_api.answers = [(403, "ForbiddenException")]
    with pytest.raises(WsapiError, match="PostToConnection to 'c1' failed: ForbiddenException") as info:
        myapi.DefaultApiServerSdk(fake_api.url).send_greeting("c1", greeting="hi")
    from botocore.exceptions import ClientError

    assert isinstance(info.value.error, ClientError)
    assert len(fake_api.requests) == 1


@pytest.mark.parametrize("status, error", [(429, "LimitExceededException"), (500, "InternalServerError")])
def test_throttling_and_server_errors_are_retried(myapi, fake_api, status, error):
    fake_api.answers = [(status, error)]
    myapi.DefaultApiServerSdk(fake_api.url).send_greeting("c1", greeting="hi")
    assert len(fake_api.requests) == 2
    assert fake_api.requests[0][2] == fake_api.requests[1][2]


def test_get_connection_over_http(myapi, fake_api):
    info = myapi.DefaultApiServerSdk(fake_api.url).get_connection("c1")
    assert info.connected_at == dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)
    assert info.source_ip == "203.0.113.7"
    assert fake_api.requests[0][:2] == ("GET", "/test/@connections/c1")


def test_bad_connection_id(myapi):
    with pytest.raises(TypeError, match="connection_id"):
        myapi.DefaultApiServerSdk(CALLBACK).send_greeting("", greeting="x")


def test_import_does_not_import_boto3():
    code = "import sys, wsapi.myapi as m; m.DefaultApiServerSdk('http://127.0.0.1:1/x'); print('boto3' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


def test_errors_are_importable_from_wsapi():
    assert issubclass(wsapi.SpecError, wsapi.WsapiError)
    assert issubclass(wsapi.PayloadValidationError, ValueError)
    assert issubclass(wsapi.ConnectionGoneError, wsapi.WsapiError)
    assert issubclass(wsapi.PayloadTooLargeError, wsapi.WsapiError)
