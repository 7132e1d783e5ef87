"""End to end over real sockets on 127.0.0.1: WebSocket clients, the emulator, handlers, and the
Server SDK reaching the emulator's Management API through boto3."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import ExitStack

import boto3
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from wsapi import ConnectionGoneError
from wsapi.dev import DevServer

from .conftest import REPO

TIMEOUT = 10


@pytest.fixture
def recorded():
    return []


@pytest.fixture
def server(myapi, recorded):
    release = threading.Event()

    def on_connect(request):
        recorded.append(("connect", request.event))
        if request.query_string_parameters.get("deny"):
            myapi.PendingConnection.of(request).deny()

    def say_hello(request):
        if request.input.name == "crash":
            raise RuntimeError("handler bug")
        if request.input.name == "slow":
            release.wait(TIMEOUT)
        request.sdk.send_greeting(request.connection_id, greeting=f"Hello {request.input.name}!")

    app = myapi.handler_router(
        connect=on_connect,
        disconnect=lambda r: recorded.append(("disconnect", r.event)),
        default=lambda r: (recorded.append(("default", r.event)), r.sdk.post(r.connection_id, b'{"message":"default"}')),
        say_hello=say_hello,
        join_room=lambda r: recorded.append(("join_room", r.event)),
        send_message=lambda r: r.sdk.send_message_to_many(list(server_ref[0].connections), r.input),
        typing=lambda r: None,
        ping=lambda r: r.sdk.ping(r.connection_id),
    )
    routes = [op.route for op in myapi.OPERATIONS.values() if op.server_receives]
    srv = DevServer(app, routes=routes, function_name="test-fn")
    server_ref = [srv]
    srv.release = release
    srv.start()
    yield srv
    release.set()
    srv.stop()


def recv_json(ws):
    return json.loads(ws.recv(timeout=TIMEOUT))


def events_of(recorded, kind):
    return [e for k, e in recorded if k == kind]


def wait_for(predicate, what):
    deadline = time.monotonic() + TIMEOUT
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def test_connect_message_reply_and_event_shapes(server, recorded):
    with connect(f"{server.url}?token=abc&tag=x", additional_headers={"X-Client": "tests"}, open_timeout=TIMEOUT) as ws:
        ws.send(json.dumps({"route": "SayHello", "payload": {"name": "Ann"}}))
        assert recv_json(ws) == {"route": "SendGreeting", "payload": {"greeting": "Hello Ann!"}}
    wait_for(lambda: events_of(recorded, "disconnect"), "$disconnect")
    (connect_event,) = events_of(recorded, "connect")
    rc = connect_event["requestContext"]
    assert rc["routeKey"] == "$connect" and rc["eventType"] == "CONNECT"
    assert connect_event["queryStringParameters"] == {"token": "abc", "tag": "x"}
    assert connect_event["headers"]["X-Client"] == "tests"
    for key in ("connectionId", "domainName", "stage", "apiId", "requestId", "connectedAt", "requestTimeEpoch", "messageDirection"):
        assert key in rc, key
    assert rc["identity"]["sourceIp"] == "127.0.0.1"
    (disconnect_event,) = events_of(recorded, "disconnect")
    drc = disconnect_event["requestContext"]
    assert drc["eventType"] == "DISCONNECT" and drc["disconnectStatusCode"] == 1000
    assert drc["connectionId"] == rc["connectionId"]


def test_denied_connection_gets_403(server, recorded):
    with pytest.raises(InvalidStatus) as info:
        connect(f"{server.url}?deny=1", open_timeout=TIMEOUT)
    assert info.value.response.status_code == 403
    assert events_of(recorded, "disconnect") == []


def test_every_route_and_default(server, recorded):
    with connect(server.url, open_timeout=TIMEOUT) as ws:
        ws.send(json.dumps({"route": "Ping"}))
        assert recv_json(ws) == {"route": "Ping"}
        ws.send(json.dumps({"route": "JoinRoom", "payload": {"roomId": "r1"}}))
        ws.send(json.dumps({"route": "Typing", "payload": {"roomId": "r1"}}))
        ws.send(json.dumps({"route": "SendMessage", "payload": {"roomId": "r1", "text": "hi", "author": {"user-id": "u", "displayName": "A"}}}))
        assert recv_json(ws)["payload"]["text"] == "hi"
        ws.send(json.dumps({"route": "NoSuchRoute"}))
        assert recv_json(ws) == {"message": "default"}
        ws.send("not json at all")
        assert recv_json(ws) == {"message": "default"}
    (join,) = events_of(recorded, "join_room")
    assert join["requestContext"]["routeKey"] == "JoinRoom" and "messageId" in join["requestContext"]
    defaults = events_of(recorded, "default")
    assert [e["body"] for e in defaults] == ['{"route": "NoSuchRoute"}', "not json at all"]
    assert all(e["requestContext"]["routeKey"] == "$default" for e in defaults)


def test_bad_payload_is_answered_to_the_client(server):
    with connect(server.url, open_timeout=TIMEOUT) as ws:
        ws.send(json.dumps({"route": "SayHello", "payload": {"name": 42}}))
        assert recv_json(ws) == {"message": "SayHello: invalid payload: name: expected string, got integer"}


def test_crashing_handler_keeps_connection_up(server, caplog):
    with connect(server.url, open_timeout=TIMEOUT) as ws:
        ws.send(json.dumps({"route": "SayHello", "payload": {"name": "crash"}}))
        ws.send(json.dumps({"route": "Ping"}))
        assert recv_json(ws) == {"route": "Ping"}
    assert "operation sayHello failed" in caplog.text


def test_slow_handler_does_not_block_other_connections(server):
    with connect(server.url, open_timeout=TIMEOUT) as slow, connect(server.url, open_timeout=TIMEOUT) as fast:
        slow.send(json.dumps({"route": "SayHello", "payload": {"name": "slow"}}))
        fast.send(json.dumps({"route": "Ping"}))
        assert recv_json(fast) == {"route": "Ping"}  # while the slow handler still waits
        server.release.set()
        assert recv_json(slow) == {"route": "SendGreeting", "payload": {"greeting": "Hello slow!"}}


def test_sdk_from_outside_gone_delete_and_get(server, myapi):
    sdk = myapi.DefaultApiServerSdk(server.callback_url)
    with connect(server.url, user_agent_header="test-agent/1", open_timeout=TIMEOUT) as ws:
        wait_for(lambda: server.connections, "the connection")
        (cid,) = server.connections
        sdk.send_greeting(cid, greeting="pushed")
        assert recv_json(ws) == {"route": "SendGreeting", "payload": {"greeting": "pushed"}}
        info = sdk.get_connection(cid)
        assert info.user_agent == "test-agent/1" and info.source_ip == "127.0.0.1"
        assert info.connected_at.tzinfo is not None
        sdk.disconnect(cid)
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=TIMEOUT)
    with pytest.raises(ConnectionGoneError) as gone:
        sdk.send_greeting(cid, greeting="too late")
    assert gone.value.connection_id == cid
    with pytest.raises(ConnectionGoneError):
        sdk.get_connection("never-existed")


def test_message_limit_both_ways(server):
    client = boto3.client("apigatewaymanagementapi", endpoint_url=server.callback_url, region_name="us-east-1")
    with connect(server.url, open_timeout=TIMEOUT, max_size=None) as ws:
        wait_for(lambda: server.connections, "the connection")
        (cid,) = server.connections
        with pytest.raises(client.exceptions.PayloadTooLargeException):
            client.post_to_connection(ConnectionId=cid, Data=b"x" * (128 * 1024 + 1))
        client.post_to_connection(ConnectionId=cid, Data=b"y" * (128 * 1024))
        assert len(ws.recv(timeout=TIMEOUT)) == 128 * 1024
        ws.send("z" * (128 * 1024 + 1))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=TIMEOUT)
    assert closed.value.rcvd.code == 1009


def test_concurrent_clients_fan_out(server):
    with ExitStack() as stack:
        clients = [stack.enter_context(connect(server.url, open_timeout=TIMEOUT)) for _ in range(20)]
        wait_for(lambda: len(server.connections) == 20, "20 connections")
        clients[0].send(json.dumps({"route": "SendMessage", "payload": {"roomId": "r", "text": "all", "author": {"user-id": "u", "displayName": "A"}}}))
        for ws in clients:
            assert recv_json(ws)["payload"]["text"] == "all"


def test_stop_sends_disconnect_and_leaves_no_threads(myapi):
    seen = []
    before = {t.name for t in threading.enumerate()}
    app = myapi.handler_router(disconnect=lambda r: seen.append(r.event["requestContext"]["disconnectStatusCode"]))
    server = DevServer(app).start()
    with connect(server.url, open_timeout=TIMEOUT) as ws:
        wait_for(lambda: server.connections, "the connection")
        server.stop()
        assert seen == [1001]
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=TIMEOUT)
    wait_for(lambda: not ({t.name for t in threading.enumerate()} - before), "threads to end")
    assert "CALLBACK_URL" not in os.environ
    for port in (server.port, server.management_port):  # both ports are free again
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_cli_dev_ctrl_c_shuts_down_cleanly(tmp_path, signum):
    env = {k: v for k, v in os.environ.items() if k != "WSAPI_SPEC_PATH"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "wsapi", "dev", "myapi", "--app", "wsapi.examples.chat:handler", "--port", "0"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("wsapi dev: myapi on ws://127.0.0.1:"), line + proc.stderr.read()
        url = line.split()[4]
        with connect(f"{url}?token=t", open_timeout=TIMEOUT) as ws:
            ws.send(json.dumps({"route": "SayHello", "payload": {"name": "Ann"}}))
            assert recv_json(ws)["payload"] == {"greeting": "Hello Ann!"}
            proc.send_signal(signum)
            out, err = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 0, err
        assert "$disconnect" in err and "shutting down: closing 1 connection(s)" in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=TIMEOUT)


def test_demo_runs_and_exits_0():
    out = subprocess.run([sys.executable, "-m", "wsapi", "demo"], capture_output=True, text=True, timeout=60,
                         env={k: v for k, v in os.environ.items() if k != "WSAPI_SPEC_PATH"}, cwd="/")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "eve    xx handshake refused: HTTP 403" in out.stdout
    assert "demo OK" in out.stdout
