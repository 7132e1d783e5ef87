"""Shared fixtures: AWS test credentials, specs written to tmp folders, and a local HTTP
server on 127.0.0.1 that answers like the API Gateway Management API."""

from __future__ import annotations

import importlib
import json
import shutil
import sys
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import unquote

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and no ambient AWS config: nothing can reach a real account."""
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "CALLBACK_URL", "WSAPI_SPEC_PATH",
                "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # Clients and handler SDKs are cached per process; a cached client made under another
    # test's moto mock would not reach this test's backend.
    from wsapi.runtime import client, handlers

    client.reset_clients()
    handlers._sdks.clear()


@pytest.fixture
def myapi() -> Any:
    """The example API, generated from specs/myapi.yaml."""
    from wsapi import myapi

    return myapi


@pytest.fixture
def write_spec(tmp_path: Path) -> Callable[..., Path]:
    """Write a spec (and extra files) into a fresh folder; returns the spec's path."""

    def write(text: str, name: str = "api", suffix: str = ".yaml", **extra: str) -> Path:
        folder = tmp_path / "specs"
        folder.mkdir(exist_ok=True)
        for rel, content in extra.items():
            target = folder / rel.replace("__", "/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(content))
        path = folder / f"{name}{suffix}"
        path.write_text(textwrap.dedent(text))
        return path

    return write


_counter = iter(range(1_000_000))


@pytest.fixture
def import_api(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Import a spec as ``wsapi.<unique name>`` from a copy of its folder (so tests never
    write next to the repo's specs); the module is forgotten afterwards."""
    imported: list[str] = []

    def do_import(spec_path: Path, name: str | None = None) -> Any:
        name = name or f"t{next(_counter)}_{spec_path.stem}"
        folder = tmp_path / f"copy_{name}"
        shutil.copytree(spec_path.parent, folder, ignore=shutil.ignore_patterns("__pycache__"))
        (folder / spec_path.name).rename(folder / (name + spec_path.suffix))
        monkeypatch.setenv("WSAPI_SPEC_PATH", str(folder))
        imported.append(f"wsapi.{name}")
        return importlib.import_module(f"wsapi.{name}")

    yield do_import
    for module in imported:
        sys.modules.pop(module, None)


MINIMAL = """\
openapi: 3.0.3
info: {title: Mini, version: "1"}
paths:
  /SendNote:
    post:
      operationId: sendNote
      x-async: {direction: server_to_client}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                text: {type: string}
              required: [text]
      responses: {}
"""


class FakeManagementApi:
    """A Management API on 127.0.0.1 with scripted answers, recording every request."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, bytes]] = []
        self.answers: list[tuple[int, str | None]] = []  # (status, error type); consumed in order
        self.default: tuple[int, str | None] = (200, None)
        self.by_connection: dict[str, tuple[int, str | None]] = {}  # connection id -> answer
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with fake.lock:
                    fake.requests.append((self.command, self.path, body))
                    connection_id = unquote(self.path.rsplit("/", 1)[-1])
                    if connection_id in fake.by_connection:
                        status, error = fake.by_connection[connection_id]
                    else:
                        status, error = fake.answers.pop(0) if fake.answers else fake.default
                payload = b"{}"
                if error:
                    payload = json.dumps({"message": f"scripted {error}"}).encode()
                if self.command == "GET" and status == 200:
                    payload = json.dumps({
                        "connectedAt": "2024-05-01T12:00:00Z",
                        "lastActiveAt": "2024-05-01T12:05:00Z",
                        "identity": {"sourceIp": "203.0.113.7", "userAgent": "test-agent"},
                    }).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if error:
                    self.send_header("x-amzn-ErrorType", error)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_POST = do_GET = do_DELETE = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/test"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def fake_api() -> Iterator[FakeManagementApi]:
    api = FakeManagementApi()
    yield api
    api.close()
