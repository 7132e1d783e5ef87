"""``wsapi demo``: the bundled chat API on the emulator, driven by a few real WebSocket clients.

Starts ``DevServer`` on free ports with ``specs/myapi.yaml`` and ``wsapi.examples.chat``,
connects clients, exercises every operation (a denied handshake and a fan-out included),
prints what each client sent and received, and checks it all arrived.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from contextlib import ExitStack
from typing import Any, Callable, Dict, List, TextIO

__all__ = ["run_demo"]

TIMEOUT = 10.0  # seconds any one step may take


class Client:
    """A demo WebSocket client that keeps a transcript."""

    def __init__(self, name: str, url: str, out: TextIO) -> None:
        from websockets.sync.client import connect

        self.name = name
        self.out = out
        self._stack = ExitStack()
        self.ws = self._stack.enter_context(connect(url, open_timeout=TIMEOUT, close_timeout=TIMEOUT))
        self.received: List[Any] = []

    def send(self, message: Any) -> None:
        text = message if isinstance(message, str) else json.dumps(message)
        self.out.write(f"  {self.name:<6} -> {text}\n")
        self.ws.send(text)

    def expect(self, count: int = 1) -> List[Any]:
        got = []
        for _ in range(count):
            message = json.loads(self.ws.recv(timeout=TIMEOUT))
            self.out.write(f"  {self.name:<6} <- {json.dumps(message)}\n")
            self.received.append(message)
            got.append(message)
        return got

    def close(self) -> None:
        self._stack.close()


def run_demo(out: TextIO = sys.stdout) -> int:
    """Run the demo; 0 when every client got what it should."""
    from ..examples import SPECS
    from .server import DevServer

    os.environ["WSAPI_SPEC_PATH"] = os.pathsep.join(filter(None, [SPECS, os.environ.get("WSAPI_SPEC_PATH")]))
    api = importlib.import_module("wsapi.myapi")
    app = importlib.import_module("wsapi.examples.chat").handler
    routes = [op.route for op in api.OPERATIONS.values() if op.server_receives]
    failures: List[str] = []

    def check(what: str, ok: bool) -> None:
        if not ok:
            failures.append(what)
            out.write(f"  !! {what}\n")

    opened: List[Client] = []
    try:
        with DevServer(app, routes=routes, function_name="chat-demo") as server:
            _script(server, out, check, opened)
    except Exception as e:  # noqa: BLE001 - a step that never answered, a closed socket: report, do not crash
        failures.append(f"{type(e).__name__}: {e}")
    finally:
        for client in opened:
            client.close()
    out.write("\n")
    if failures:
        out.write(f"demo FAILED: {len(failures)} check(s): {'; '.join(failures)}\n")
        return 1
    out.write("demo OK: every operation ran through API Gateway's events and the Management API.\n")
    return 0


def _script(server: Any, out: TextIO, check: Callable[[str, bool], None], opened: List[Client]) -> None:
    """The demo's steps: each prints what the clients send and receive."""
    out.write(f"wsapi demo: API Gateway emulator at {server.url} (management API {server.callback_url})\n")
    def step(title: str) -> None:
        out.write(f"\n{title}\n")

    step("1. A client without a token is refused at $connect")
    from websockets.exceptions import InvalidStatus

    try:
        Client("eve", server.url, out)
        check("eve should have been refused", False)
    except InvalidStatus as e:
        out.write(f"  eve    xx handshake refused: HTTP {e.response.status_code}\n")
        check("eve refused with 403", e.response.status_code == 403)

    step("2. Three clients connect and say hello (SayHello -> SendGreeting)")
    clients: Dict[str, Client] = {}
    for name in ("alice", "bob", "carol"):
        clients[name] = Client(name, f"{server.url}?token=demo-{name}", out)
        opened.append(clients[name])
    for name, client in clients.items():
        client.send({"route": "SayHello", "payload": {"name": name.title()}})
        (greeting,) = client.expect()
        check(f"{name} greeted", greeting == {"route": "SendGreeting", "payload": {"greeting": f"Hello {name.title()}!"}})

    step("3. They join #lobby (JoinRoom -> UserJoined to every member, ThreadUpdated to the newcomer)")
    for i, (name, client) in enumerate(clients.items()):
        client.send({"route": "JoinRoom", "payload": {"roomId": "lobby"}})
        messages = client.expect(2)
        for earlier in list(clients.values())[:i]:
            (joined,) = earlier.expect()
            check(f"{earlier.name} told that {name} joined", joined["payload"]["user"]["displayName"] == name.title())
        check(f"{name} got the member list", messages[0]["route"] == "UserJoined" and len(messages[0]["payload"]["members"]) == i + 1)
        check(f"{name} got the pinned thread", messages[1]["route"] == "ThreadUpdated" and messages[1]["payload"]["replies"][0]["text"] == "Be kind")

    step("4. Alice sends a message; the server fans it out to the whole room (SendMessage, bidirectional)")
    clients["alice"].send({
        "route": "SendMessage",
        "payload": {"roomId": "lobby", "text": "Hi all, @bob", "author": {"user-id": "self", "displayName": "Alice"},
                    "mentions": ["bob"], "priority": "urgent"},
    })
    for name, client in clients.items():
        (message,) = client.expect()
        payload = message["payload"]
        check(f"{name} got alice's message", message["route"] == "SendMessage" and payload["text"] == "Hi all, @bob"
              and payload["priority"] == "urgent" and payload["sentAt"].endswith("Z") and payload["messageId"] == "m1")

    step("5. Typing notices are accepted silently; Ping is answered (bidirectional, no payload)")
    clients["bob"].send({"route": "Typing", "payload": {"roomId": "lobby", "isTyping": True}})
    clients["bob"].send({"route": "Ping"})
    (pong,) = clients["bob"].expect()
    check("bob got Ping back (and nothing for Typing)", pong == {"route": "Ping"})

    step("6. Bad input gets an error message, not a crash")
    clients["carol"].send({"route": "JoinRoom", "payload": {"room": "typo"}})
    (error,) = clients["carol"].expect()
    check("carol told what is wrong", "roomId: required field is missing" in error.get("message", ""))
    clients["carol"].send("this is not JSON")
    (unknown,) = clients["carol"].expect()
    check("carol's non-JSON went to $default", "unknown route" in unknown.get("message", ""))

    step("7. Carol leaves; the server is told ($disconnect) and later sends skip her")
    clients.pop("carol").close()
    clients["alice"].send({"route": "SendMessage", "payload": {"roomId": "lobby", "text": "bye carol", "author": {"user-id": "self", "displayName": "Alice"}}})
    for name, client in clients.items():
        (message,) = client.expect()
        check(f"{name} got the second message", message["payload"]["text"] == "bye carol")
