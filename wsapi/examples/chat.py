"""A chat backend on ``wsapi.myapi``: one Lambda handler for every route.

Rooms live in this process's memory, which is right for ``wsapi dev``; on AWS, keep them in
DynamoDB (Lambda instances do not share memory).
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from typing import Dict, Set

from wsapi.myapi import (
    ChatMessage,
    PendingConnection,
    Thread,
    User,
    handler_router,
    logging_interceptor,
)

_lock = threading.Lock()
_names: Dict[str, str] = {}  # connection id -> display name
_rooms: Dict[str, Set[str]] = {}  # room id -> connection ids
_ids = itertools.count(1)


def on_connect(request):
    """Only clients that present a token may connect (a real app would verify it)."""
    pending = PendingConnection.of(request)
    if request.query_string_parameters.get("token"):
        pending.allow()
    else:
        pending.deny()


def on_disconnect(request):
    with _lock:
        _names.pop(request.connection_id, None)
        for members in _rooms.values():
            members.discard(request.connection_id)


def _user(connection_id: str) -> User:
    return User(user_id=connection_id, display_name=_names.get(connection_id, "anonymous"))


def say_hello(request):
    with _lock:
        _names[request.connection_id] = request.input.name
    request.sdk.send_greeting(request.connection_id, greeting=f"Hello {request.input.name}!")


def join_room(request):
    room = request.input.room_id
    with _lock:
        if request.input.display_name:
            _names[request.connection_id] = request.input.display_name
        members = _rooms.setdefault(room, set())
        members.add(request.connection_id)
        everyone = sorted(members)
    request.sdk.user_joined_to_many(
        everyone, room_id=room, user=_user(request.connection_id), members=[_user(c) for c in everyone]
    )
    # The newcomer gets the room's pinned thread: a reply tree, models all the way down.
    request.sdk.thread_updated(
        request.connection_id,
        Thread(
            thread_id=f"{room}-welcome",
            text=f"Welcome to {room}",
            replies=[Thread(thread_id=f"{room}-rules", text="Be kind", replies=[])],
            created_on=dt.date(2026, 1, 1),
        ),
    )


def send_message(request):
    message: ChatMessage = request.input
    with _lock:
        members = sorted(_rooms.get(message.room_id, ()))
    if request.connection_id not in members:
        request.sdk.send_greeting(request.connection_id, greeting=f"join {message.room_id} before sending to it")
        return {"statusCode": 403}
    stamped = {
        "messageId": f"m{next(_ids)}",
        "roomId": message.room_id,
        "text": message.text,
        "author": {"user-id": request.connection_id, "displayName": _names.get(request.connection_id, "anonymous")},
        "sentAt": dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
        "priority": message.priority or "normal",
    }
    if message.mentions:
        stamped["mentions"] = message.mentions
    result = request.sdk.send_message_to_many(members, stamped)
    for gone in result.gone:
        on_disconnect_id(gone)


def on_disconnect_id(connection_id: str) -> None:
    with _lock:
        for members in _rooms.values():
            members.discard(connection_id)


def typing(request):
    """Typing notices are accepted and dropped: this API has no message to relay them."""


def ping(request):
    request.sdk.ping(request.connection_id)


def on_default(request):
    request.sdk.post(request.connection_id, b'{"message":"unknown route; see the API spec for the routes"}')


handler = handler_router(
    interceptors=[logging_interceptor],
    connect=on_connect,
    disconnect=on_disconnect,
    default=on_default,
    say_hello=say_hello,
    join_room=join_room,
    send_message=send_message,
    typing=typing,
    ping=ping,
)
