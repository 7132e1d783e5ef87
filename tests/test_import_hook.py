"""``import wsapi.<name>``: finding specs, what the generated module looks like from outside."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import pickle
import subprocess
import sys
import traceback

import pytest

import wsapi

from .conftest import MINIMAL, REPO


def test_import_from_repo_root_finds_specs_folder():
    code = "from wsapi.myapi import DefaultApiServerSdk, SendGreetingRequestContent; print(DefaultApiServerSdk.__module__)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "wsapi.myapi", out.stderr


def test_import_from_wsapi_spec_path_folder(tmp_path):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "chat.yml").write_text(MINIMAL)
    env = {**os.environ, "WSAPI_SPEC_PATH": os.pathsep.join(["/nonexistent", str(folder)])}
    code = "import wsapi.chat as m; print(m.__wsapi_spec__)"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == str(folder / "chat.yml"), out.stderr


def test_wsapi_spec_path_comes_before_sys_path(write_spec, import_api, tmp_path, monkeypatch):
    first = tmp_path / "first"
    first.mkdir()
    (first / "order.yaml").write_text(MINIMAL.replace("title: Mini", "title: First"))
    monkeypatch.setenv("WSAPI_SPEC_PATH", str(first))
    monkeypatch.syspath_prepend(str(REPO / "tests" / "specs_on_path"))
    try:
        module = importlib.import_module("wsapi.order")
        assert module.__doc__.startswith("First 1")
    finally:
        sys.modules.pop("wsapi.order", None)


def test_missing_spec_lists_where_it_looked(monkeypatch, tmp_path):
    monkeypatch.setenv("WSAPI_SPEC_PATH", str(tmp_path))
    assert importlib.util.find_spec("wsapi.nosuchapi") is None
    with pytest.raises(ModuleNotFoundError) as info:
        importlib.import_module("wsapi.nosuchapi")
    message = str(info.value)
    assert "no spec nosuchapi.yaml, nosuchapi.yml or nosuchapi.json in" in message
    assert str(tmp_path) in message
    assert os.path.join(str(REPO), "specs") in message
    assert info.value.name == "wsapi.nosuchapi"


def test_wsapi_own_submodules_win_over_a_spec_of_the_same_name(tmp_path, monkeypatch):
    (tmp_path / "errors.yaml").write_text(MINIMAL)
    monkeypatch.setenv("WSAPI_SPEC_PATH", str(tmp_path))
    import wsapi.errors

    assert wsapi.errors.__file__.endswith(os.path.join("wsapi", "errors.py"))
    assert importlib.util.find_spec("wsapi.runtime").origin.endswith("__init__.py")


def test_broken_spec_import_raises_spec_error(write_spec, import_api):
    path = write_spec(MINIMAL.replace("server_to_client", "upwards"))
    with pytest.raises(wsapi.SpecError, match="direction 'upwards'"):
        import_api(path)


def test_dir_lists_models_sdk_and_operations(import_api):
    module = import_api(REPO / "specs" / "myapi.yaml")
    names = dir(module)
    for name in ("DefaultApiServerSdk", "OPERATIONS", "User", "ChatMessage", "Priority", "Thread"):
        assert name in names
    star: dict = {}
    exec(f"from {module.__name__} import *", star)
    assert "SendGreetingRequestContent" in star and "User" in star


def test_generated_classes_have_source_and_tracebacks_show_generated_lines(import_api):
    module = import_api(REPO / "specs" / "myapi.yaml")
    source = inspect.getsource(module.User)
    assert source.startswith("@_rt.model\nclass User:")
    assert "user_id: str = _rt.field('user-id'" in source
    assert "def send_greeting(" in inspect.getsource(module.DefaultApiServerSdk.send_greeting)
    sdk = module.DefaultApiServerSdk("http://127.0.0.1:9/x")
    try:
        sdk.send_greeting("c1", greeting=1)
    except wsapi.PayloadValidationError:
        text = traceback.format_exc()
    assert "return self._send('SendGreeting', connection_id, payload" in text
    assert "myapi.yaml#" in text


def test_help_shows_parameters_types_and_description(import_api):
    module = import_api(REPO / "specs" / "myapi.yaml")
    sig = inspect.signature(module.DefaultApiServerSdk.send_message)
    assert list(sig.parameters)[:3] == ["self", "connection_id", "payload"]
    assert sig.parameters["payload"].kind is inspect.Parameter.POSITIONAL_ONLY
    assert sig.parameters["room_id"].kind is inspect.Parameter.KEYWORD_ONLY
    assert sig.parameters["priority"].annotation == "Priority | None"
    doc = module.DefaultApiServerSdk.send_message.__doc__
    assert "the server assigns one" in doc
    assert "room_id: str (required, wire name 'roomId')" in doc


def test_models_pickle_and_compare(import_api):
    from wsapi import myapi

    user = myapi.User(user_id="u1", display_name="Ann")
    assert pickle.loads(pickle.dumps(user)) == user
    assert repr(user) == "User(user_id='u1', display_name='Ann', avatar_url=None)"


def test_module_metadata(import_api):
    module = import_api(REPO / "specs" / "myapi.yaml")
    assert module.__spec__.origin.endswith("myapi.yaml")
    assert module.__wsapi_spec__.endswith("myapi.yaml")
    assert module.__file__.endswith(".py") and not os.path.exists(module.__file__)
    route = module.OPERATIONS["SendMessage"]
    assert (route.operation_id, route.direction, route.payload_type) == ("sendMessage", "bidirectional", module.ChatMessage)
    with pytest.raises(TypeError):
        module.OPERATIONS["X"] = route
