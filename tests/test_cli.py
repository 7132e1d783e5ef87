"""The ``wsapi`` command as a user runs it: output, exit codes, files written."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .conftest import MINIMAL, REPO


def wsapi(*args: str, cwd: Path = REPO, env: dict | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "WSAPI_SPEC_PATH"}
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "wsapi", *args], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", ["list", "show", "check", "stubs", "export", "send", "compile", "dev", "demo"])
def test_every_command_has_help(command):
    out = wsapi(command, "--help")
    assert out.returncode == 0 and out.stdout.startswith(f"usage: wsapi {command}")


def test_console_script_and_module_agree():
    script = Path(sys.executable).with_name("wsapi")
    out = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "compile" in out.stdout and "demo" in out.stdout


def test_list_shows_specs_and_folders(tmp_path):
    (tmp_path / "chat.yaml").write_text(MINIMAL)
    (tmp_path / "broken.yaml").write_text("openapi: [\n")
    out = wsapi("list", env={"WSAPI_SPEC_PATH": str(tmp_path)})
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert any(line.startswith("chat") and "1 operations" in line for line in lines)
    assert any(line.startswith("broken") and "invalid" in line for line in lines)
    assert any(line.startswith("myapi") and "specs/myapi.yaml" in line for line in lines)
    searched = lines[lines.index("searched, in order:") + 1 :]
    assert searched[0].strip() == str(tmp_path)
    assert searched[1].strip() == str(REPO / "specs")


def test_show_lists_operations_and_fields():
    out = wsapi("show", "myapi")
    assert out.returncode == 0
    assert "SendMessage  [bidirectional]  sdk.send_message() / sdk.send_message_to_many(), @send_message_handler" in out.stdout
    assert "    room_id: str  required (wire 'roomId')" in out.stdout
    assert "Ping  [bidirectional]" in out.stdout and "payload: none" in out.stdout


def test_show_source_prints_the_generated_module():
    out = wsapi("show", "myapi", "--source")
    assert out.returncode == 0
    compile(out.stdout, "generated", "exec")
    assert "class DefaultApiServerSdk(_rt.ServerSdk):" in out.stdout


def test_check_prints_every_problem_with_file_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINIMAL.replace("server_to_client", "sideways").replace("type: string", "type: text"))
    out = wsapi("check", str(bad), str(REPO / "specs" / "myapi.yaml"), cwd=tmp_path)
    assert out.returncode == 1
    assert out.stdout.splitlines() == [
        "bad.yaml:7: paths./SendNote.post.x-async.direction: direction 'sideways' is not one of client_to_server, server_to_client, bidirectional",
        "bad.yaml:14: paths./SendNote.post.requestBody.content.application/json.schema.properties.text.type: type 'text' is not supported (one of: string, integer, number, boolean, array, object)",
        f"{REPO / 'specs' / 'myapi.yaml'}: ok (8 operations, 10 models, 1 enums)",
    ]


def test_user_mistakes_are_one_line_and_exit_1(tmp_path):
    for args in (["show", "nope"], ["export", "nope", "-o", "x.py"], ["send", "myapi", "sayHello", "c1", "{}"],
                 ["dev", "myapi", "--app", "nomodule:handler"], ["check", "missing.yaml"]):
        out = wsapi(*args, cwd=tmp_path)
        assert out.returncode == 1, args
        assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1, (args, out.stderr)


def test_stubs_make_mypy_see_the_types(tmp_path):
    out = wsapi("stubs", "myapi", "-o", str(tmp_path / "typings"))
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "typings" / "wsapi" / "myapi.pyi").is_file()
    assert not (tmp_path / "typings" / "wsapi" / "__init__.pyi").exists()  # the rest comes from wsapi itself
    (tmp_path / "good.py").write_text(textwrap.dedent("""\
        import datetime
        from wsapi.myapi import ChatMessage, DefaultApiServerSdk, Priority, SendGreetingRequestContent, User, say_hello_handler

        sdk = DefaultApiServerSdk("https://abc.execute-api.us-east-1.amazonaws.com/prod")
        sdk.send_greeting("c1", greeting="hi")
        sdk.send_greeting("c1", SendGreetingRequestContent(greeting="hi", sender=User(user_id="u", display_name="A")))
        msg = ChatMessage(room_id="r", text="t", author=User(user_id="u", display_name="A"), priority="urgent",
                          sent_at=datetime.datetime.now(datetime.timezone.utc))
        level: Priority | None = msg.priority
        gone: list[str] = sdk.send_message_to_many(["a", "b"], msg).gone

        @say_hello_handler
        def hello(request) -> None:
            request.sdk.send_greeting(request.connection_id, greeting=request.input.name)
        """))
    (tmp_path / "bad.py").write_text(textwrap.dedent("""\
        from wsapi.myapi import ChatMessage, DefaultApiServerSdk, SendGreetingRequestContent

        sdk = DefaultApiServerSdk("https://abc.execute-api.us-east-1.amazonaws.com/prod")
        sdk.send_greeting("c1", greeting=3)
        SendGreetingRequestContent()
        sdk.send_greting("c1", greeting="hi")
        ChatMessage(room_id="r", text="t", author=None, priority="loud")
        """))
    env = {**os.environ, "MYPYPATH": os.pathsep.join([str(tmp_path / "typings"), str(REPO)])}
    mypy = [sys.executable, "-m", "mypy", "--follow-imports=silent", "--cache-dir", str(tmp_path / ".mypy"), "--no-error-summary"]
    good = subprocess.run([*mypy, "good.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert good.returncode == 0, good.stdout + good.stderr
    bad = subprocess.run([*mypy, "bad.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    errors = [line for line in bad.stdout.splitlines() if ": error:" in line]
    assert [e.split(":")[1] for e in errors] == ["4", "5", "6", "7", "7"], bad.stdout
    assert 'Argument "greeting" to "send_greeting" of "DefaultApiServerSdk" has incompatible type "int"; expected "str"' in errors[0]
    assert 'Missing named argument "greeting" for "SendGreetingRequestContent"' in errors[1]
    assert '"DefaultApiServerSdk" has no attribute "send_greting"; maybe "send_greeting"?' in errors[2]
    assert any('Argument "priority"' in e for e in errors[3:]) and any('Argument "author"' in e for e in errors[3:])


def test_export_writes_a_standalone_module_that_sends(tmp_path, fake_api):
    target = tmp_path / "frozen_api.py"
    out = wsapi("export", "myapi", "-o", str(target))
    assert out.returncode == 0, out.stderr
    text = target.read_text()
    assert text.startswith("# Frozen from myapi.yaml by `wsapi export`")
    assert "import yaml" not in text
    spec = importlib.util.spec_from_file_location("frozen_api", target)
    module = importlib.util.module_from_spec(spec)
    sys.modules["frozen_api"] = module
    try:
        spec.loader.exec_module(module)
        sdk = module.DefaultApiServerSdk(fake_api.url)
        sdk.send_greeting("c1", greeting="frozen", sender=module.User(user_id="u", display_name="A"))
        assert fake_api.requests[0][2] == (
            b'{"route":"SendGreeting","payload":{"greeting":"frozen","sender":{"user-id":"u","displayName":"A"}}}'
        )
        assert module.OPERATIONS["SendGreeting"].payload_type is module.SendGreetingRequestContent
    finally:
        del sys.modules["frozen_api"]


def test_send_prints_what_was_sent(fake_api):
    out = wsapi("send", "myapi", "sendGreeting", "conn-1", '{"greeting": "hi"}', "--callback-url", fake_api.url)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == 'sent to conn-1: {"route":"SendGreeting","payload":{"greeting":"hi"}}'
    assert fake_api.requests[0][2] == b'{"route":"SendGreeting","payload":{"greeting":"hi"}}'
    out = wsapi("send", "myapi", "Ping", "conn-1", "--callback-url", fake_api.url)
    assert out.stdout.strip() == 'sent to conn-1: {"route":"Ping"}'


def test_send_errors_are_class_and_message(fake_api):
    out = wsapi("send", "myapi", "send_greeting", "conn-1", '{"greeting": 1}', "--callback-url", fake_api.url)
    assert out.returncode == 1
    assert out.stderr.startswith("PayloadValidationError: invalid SendGreetingRequestContent:")
    assert fake_api.requests == []
    fake_api.answers = [(410, "GoneException")]
    out = wsapi("send", "myapi", "SendGreeting", "conn-1", '{"greeting": "x"}', "--callback-url", fake_api.url)
    assert out.returncode == 1
    assert out.stderr.strip() == "ConnectionGoneError: connection 'conn-1' is gone (410)"


def test_repl_view_of_a_generated_module():
    code = textwrap.dedent("""\
        import pydoc, wsapi.myapi as m
        text = pydoc.render_doc(m.DefaultApiServerSdk, renderer=pydoc.plaintext)
        print(text)
        print(repr(m.User(user_id="u", display_name="A")))
        print(repr(m.DefaultApiServerSdk("https://abc.execute-api.eu-west-1.amazonaws.com/prod")))
        """)
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    for method in ("send_greeting(", "send_greeting_to_many(", "send_message(", "thread_updated(", "ping(", "disconnect(", "get_connection("):
        assert method in text
    assert "Clients send a message without `messageId`" in text
    assert "room_id: str (required, wire name 'roomId')" in text
    assert "User(user_id='u', display_name='A', avatar_url=None)" in text
    assert "DefaultApiServerSdk(api='myapi', callback_url='https://abc.execute-api.eu-west-1.amazonaws.com/prod')" in text


def test_wsapi_itself_type_checks(tmp_path):
    """wsapi ships py.typed: its own code must pass mypy --strict (config in pyproject.toml)."""
    out = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / ".mypy"), "wsapi"],
                         cwd=REPO, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
