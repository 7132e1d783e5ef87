"""Generated models: construction, checking, odd names, and specs that try to inject code."""

from __future__ import annotations

import datetime as dt
import enum

import pytest

import wsapi
from wsapi import PayloadValidationError

from .conftest import REPO

ODD = """\
openapi: 3.0.3
info: {title: Odd, version: "1"}
paths:
  /Odd:
    post:
      operationId: odd-thing
      x-async: {direction: server_to_client}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                user-id: {type: string}
                class: {type: integer, minimum: 0, maximum: 10}
                2fa: {type: boolean, default: false}
                def: {type: string, enum: [in-progress, done, "1st"]}
                tags: {type: array, items: {type: string}, default: [a]}
                score: {type: number, nullable: true}
                meta: {type: object}
                self: {type: string}
                payload: {type: string}
              required: [user-id, class, score]
      responses: {}
"""


@pytest.fixture
def odd(write_spec, import_api):
    return import_api(write_spec(ODD))


def test_odd_names_become_valid_python_and_keep_wire_names(odd):
    model = odd.OddThingRequestContent(user_id="u", class_=3, score=None)
    assert wsapi.to_wire(model) == {"user-id": "u", "class": 3, "2fa": False, "tags": ["a"], "score": None}
    assert [m.name for m in odd.OddThingRequestContentDef] == ["IN_PROGRESS", "DONE", "N1ST"]
    assert wsapi.to_wire(odd.OddThingRequestContent(user_id="u", class_=1, score=None, self_="me"))["self"] == "me"
    assert hasattr(odd.DefaultApiServerSdk, "odd_thing")


def test_mutable_defaults_are_not_shared(odd):
    a = odd.OddThingRequestContent(user_id="u", class_=1, score=1.5)
    b = odd.OddThingRequestContent(user_id="u", class_=1, score=1.5)
    a.tags.append("b")
    assert b.tags == ["a"]


def test_missing_required_field_raises_at_construction(odd):
    with pytest.raises(TypeError, match="class_"):
        odd.OddThingRequestContent(user_id="u", score=1)


def test_wrong_types_raise_naming_every_field(odd):
    with pytest.raises(PayloadValidationError) as info:
        odd.OddThingRequestContent(user_id=5, class_=11, score="high", def_="nope")
    assert info.value.errors == {
        "user-id": "expected string, got integer (field user_id)",
        "class": "must be <= 10, got 11 (field class_)",
        "def": "expected one of 'in-progress', 'done', '1st', got 'nope' (field def_)",
        "score": "expected number, got string",
    }


def test_assignment_is_checked(odd):
    model = odd.OddThingRequestContent(user_id="u", class_=1, score=None)
    model.def_ = "done"
    assert model.def_ is odd.OddThingRequestContentDef.DONE
    with pytest.raises(PayloadValidationError, match="class"):
        model.class_ = "x"
    assert model.class_ == 1


def test_enum_takes_member_or_wire_string():
    from wsapi.myapi import ChatMessage, Priority, User

    author = User(user_id="u", display_name="A")
    assert ChatMessage(room_id="r", text="t", author=author, priority="low").priority is Priority.LOW
    assert ChatMessage(room_id="r", text="t", author=author, priority=Priority.LOW).priority is Priority.LOW
    assert issubclass(Priority, enum.Enum) and Priority("urgent") is Priority.URGENT


def test_datetime_must_be_aware_and_is_parsed_from_iso():
    from wsapi.myapi import MessageBase

    msg = MessageBase(room_id="r", sent_at="2024-05-01T12:00:00+02:00")
    assert msg.sent_at == dt.datetime(2024, 5, 1, 10, 0, tzinfo=dt.timezone.utc)
    with pytest.raises(PayloadValidationError, match="timezone-aware"):
        MessageBase(room_id="r", sent_at=dt.datetime(2024, 5, 1, 12, 0))
    with pytest.raises(PayloadValidationError, match="ISO 8601"):
        MessageBase(room_id="r", sent_at="yesterday")


def test_booleans_are_not_integers_and_integral_floats_are(odd):
    with pytest.raises(PayloadValidationError, match="expected integer, got boolean"):
        odd.OddThingRequestContent(user_id="u", class_=True, score=None)
    assert odd.OddThingRequestContent(user_id="u", class_=2.0, score=None).class_ == 2


def test_from_wire_builds_nested_models_and_lists_all_errors():
    from wsapi.myapi import ChatMessage, User

    msg = wsapi.from_wire(ChatMessage, {"roomId": "r", "text": "t", "author": {"user-id": "u", "displayName": "A"}})
    assert msg.author == User(user_id="u", display_name="A")
    with pytest.raises(PayloadValidationError) as info:
        wsapi.from_wire(ChatMessage, {"roomId": "r", "author": {"user_id": "u"}, "attachments": [{"url": 3}]})
    assert info.value.errors == {
        "text": "required field is missing",
        "author.user_id": "unknown field (the wire name of user_id is 'user-id')",
        "author.user-id": "required field is missing",
        "author.displayName": "required field is missing",
        "attachments[0].url": "expected string, got integer",
    }


INJECTION = '''\
openapi: 3.0.3
info:
  title: "Evil\\"\\"\\"; import os; os.system('touch PWNED') #"
  version: "1"
  description: "\\"\\"\\"\\nimport os\\nos.system('touch PWNED')\\n"
paths:
  /Go:
    post:
      operationId: go
      summary: "'); __import__('os').system('touch PWNED'); ('"
      description: "\\\\\\"\\"\\"\\nraise SystemExit"
      x-async: {direction: server_to_client}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              description: "\\"\\"\\"\\n__import__('os').system('touch PWNED')\\n\\"\\"\\""
              properties:
                "x\\": __import__('os').system('touch PWNED'), \\"y":
                  type: string
                  description: "\\u0000\\r\\n\\"\\"\\" evil"
                  default: "'); __import__('os').system('touch PWNED') #"
                mode:
                  type: string
                  enum: ["'); __import__('os').system('touch PWNED') #", "__class__"]
      responses: {}
'''


def test_spec_text_cannot_inject_code(write_spec, import_api, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    module = import_api(write_spec(INJECTION))
    model = module.GoRequestContent(mode="__class__")
    wire = wsapi.to_wire(model)
    assert wire["x\": __import__('os').system('touch PWNED'), \"y"] == "'); __import__('os').system('touch PWNED') #"
    assert module.GoRequestContentMode("'); __import__('os').system('touch PWNED') #")
    assert module.DefaultApiServerSdk.go.__doc__.startswith("'); __import__('os')")
    assert not (tmp_path / "PWNED").exists()
    assert not (REPO / "PWNED").exists()


def test_a_class_name_from_the_spec_must_be_an_identifier(write_spec):
    from wsapi.spec.loader import load_spec

    text = ODD.replace("operationId: odd-thing", "operationId: \"a'b\"")
    api = load_spec(str(write_spec(text)))
    assert api.operations[0].method_name == "a_b"
    assert [o.name for o in api.objects] == ["ABRequestContent"]


def test_field_named_like_a_send_parameter_still_works(odd, fake_api):
    import inspect

    sdk = odd.DefaultApiServerSdk(fake_api.url)
    params = inspect.signature(sdk.odd_thing).parameters
    assert params["fields"].kind is inspect.Parameter.VAR_KEYWORD  # `payload` would clash with the parameter
    sdk.odd_thing("c1", user_id="u", class_=2, score=0.5, payload="p")
    assert fake_api.requests[0][2] == (
        b'{"route":"Odd","payload":{"user-id":"u","class":2,"score":0.5,"2fa":false,"tags":["a"],"payload":"p"}}'
    )
    with pytest.raises(TypeError, match="unexpected field"):
        sdk.odd_thing("c1", user_id="u", class_=2, score=0.5, nope=1)


@pytest.mark.parametrize("text", [ODD, INJECTION], ids=["odd-names", "injection"])
def test_stubs_of_odd_specs_are_valid_python(write_spec, tmp_path, text):
    from wsapi.codegen import render_stub
    from wsapi.spec import load_spec

    import ast

    stub = render_stub(load_spec(str(write_spec(text))))
    tree = ast.parse(stub)
    assert not [node for node in ast.walk(tree) if isinstance(node, ast.Call)]  # declarations only, no calls


EDGES = """\
openapi: 3.0.3
info: {title: Edges, version: "2"}
paths:
  /Empty:
    post:
      operationId: empty
      x-async: {direction: server_to_client}
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {}}
      responses: {}
  /Nested:
    post:
      operationId: nested
      x-async: {direction: bidirectional}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                grid: {type: array, items: {type: array, items: {type: integer}}}
                byName: {type: object, additionalProperties: {$ref: '#/components/schemas/Leaf'}}
                levels: {type: array, items: {type: string, enum: [a, b]}}
                maybe: {type: string, enum: [x], nullable: true}
                anything: {}
                max_workers: {type: integer}
              required: [maybe]
      responses: {}
components:
  schemas:
    Leaf: {type: object, properties: {n: {type: number}}}
    Unused: {type: object, properties: {z: {type: boolean}}}
"""


def test_edge_shapes_generate_check_and_serialise(write_spec, import_api, fake_api):
    module = import_api(write_spec(EDGES.replace("anything: {}", "anything: {type: object}")))
    sdk = module.DefaultApiServerSdk(fake_api.url)
    sdk.empty("c1")
    sdk.nested(
        "c1",
        grid=[[1, 2], [3]],
        by_name={"k": {"n": 1.5}},
        levels=["a", module.NestedRequestContentLevelsItem.B],
        maybe=None,
        anything={"free": [1, "two", None]},
        max_workers=3,
    )
    assert [body for _, _, body in fake_api.requests] == [
        b'{"route":"Empty","payload":{}}',
        b'{"route":"Nested","payload":{"maybe":null,"grid":[[1,2],[3]],"byName":{"k":{"n":1.5}},'
        b'"levels":["a","b"],"anything":{"free":[1,"two",null]},"max_workers":3}}',
    ]
    assert "Unused" in dir(module) and module.Unused(z=True).z is True
    with pytest.raises(PayloadValidationError) as info:
        sdk.nested("c1", maybe="y", grid=[[1, "x"]], by_name={"k": {"n": "1"}})
    assert info.value.errors == {
        "maybe": "expected one of 'x', got 'y'",
        "grid[0][1]": "expected integer, got string",
        "byName.k.n": "expected number, got string",
    }
    # max_workers is the pool size here; a field of that name goes in the payload
    result = sdk.nested_to_many(["a", "b"], {"maybe": "x", "max_workers": 2}, max_workers=2)
    assert result.delivered == ["a", "b"]
    assert fake_api.requests[-1][2] == b'{"route":"Nested","payload":{"maybe":"x","max_workers":2}}'


def test_schema_without_type_is_a_spec_error(write_spec):
    from wsapi.spec import load_spec

    with pytest.raises(wsapi.SpecError, match="schema has no 'type'"):
        load_spec(str(write_spec(EDGES)))
