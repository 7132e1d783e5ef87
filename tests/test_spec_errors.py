"""Every way a spec can be wrong gives a SpecError naming file, location, line and problem."""

from __future__ import annotations

import pytest

from wsapi import SpecError
from wsapi.spec.loader import load_spec

HEAD = """\
openapi: 3.0.3
info: {title: T, version: "1"}
"""


def op(schema: str, direction: str = "server_to_client", route: str = "Go", op_id: str = "go") -> str:
    return f"""\
paths:
  /{route}:
    post:
      operationId: {op_id}
      x-async: {{direction: {direction}}}
      requestBody:
        content:
          application/json:
            schema:
{schema}
      responses: {{}}
"""


def indent(text: str, spaces: int = 14) -> str:
    return "\n".join(" " * spaces + line for line in text.strip("\n").splitlines())


def problems(write_spec, text: str, **extra: str) -> list[str]:
    path = write_spec(text, **extra)
    with pytest.raises(SpecError) as info:
        load_spec(str(path))
    return [str(p) for p in info.value.problems]


def test_bad_direction_names_location_and_line(write_spec):
    text = HEAD + op(indent("type: object\nproperties: {a: {type: string}}"), direction="sideways")
    assert problems(write_spec, text) == [
        "api.yaml:7: paths./Go.post.x-async.direction: direction 'sideways' is not one of "
        "client_to_server, server_to_client, bidirectional"
    ]


def test_every_problem_is_reported_not_only_the_first(write_spec):
    text = HEAD + """\
paths:
  /A:
    post:
      operationId: a
      x-async: {direction: nope}
      responses: {}
  /B:
    post:
      x-async: {direction: server_to_client}
      responses: {}
  /C:
    get:
      operationId: c
      responses: {}
"""
    found = problems(write_spec, text)
    assert len(found) == 3
    assert "paths./A.post.x-async.direction" in found[0]
    assert "operationId is required" in found[1]
    assert "only 'post' operations" in found[2]


def test_missing_x_async(write_spec):
    text = HEAD + "paths:\n  /A:\n    post:\n      operationId: a\n      responses: {}\n"
    assert problems(write_spec, text) == ["api.yaml:5: paths./A.post: x-async: {direction: ...} is required"]


@pytest.mark.parametrize(
    "schema, expected",
    [
        ("type: object\nproperties:\n  a: {type: tuple}", "paths./Go.post.requestBody.content.application/json.schema.properties.a.type: type 'tuple' is not supported"),
        ("type: object\nproperties:\n  a: {oneOf: [{type: string}]}", "'oneOf' is not supported"),
        ("type: object\nproperties:\n  a: {type: string, format: ipv5}", "string format 'ipv5' is not supported"),
        ("type: object\nproperties:\n  a: {type: array}", "an array schema needs 'items'"),
        ("type: object\nproperties:\n  a: {type: string, minLength: many}", "minLength must be a number"),
        ("type: object\nproperties:\n  a: {type: integer, default: x}", "default 'x' does not match the field's type (int)"),
        ("type: object\nproperties:\n  a: {type: string, enum: [1, 2]}", "enum values must be strings, not int"),
        ("type: object\nproperties: {a: {type: string}}\nrequired: [b]", "required property 'b' is not in properties"),
        ("type: string", "a payload must be an object schema, not str"),
        ("type: object\nproperties:\n  a: {type: string, pattern: '('}", "pattern is not a valid regular expression"),
        ("type: object\nproperties:\n  a: {type: string}\nadditionalProperties: {type: string}", "cannot also have additionalProperties"),
        ("type: object\nproperties:\n  user-id: {type: string}\n  user_id: {type: string}", "properties 'user-id' and 'user_id' both become the Python name 'user_id'"),
        ("type: object\nproperties:\n  a: {type: string, enum: [a-b, a_b]}", "enum values 'a-b' and 'a_b' both become the member name A_B"),
        ("type: object\nproperties:\n  a: {$ref: 'http://example.com/x.yaml#/A'}", "only relative file references are supported"),
        ("type: object\nproperties:\n  a: {$ref: '#/components/schemas/Nope'}", "$ref '#/components/schemas/Nope': api.yaml has no '/components/schemas/Nope'"),
        ("type: object\nproperties:\n  a: {type: object, items: {type: string}}", "'items' on an object schema"),
        ("allOf:\n  - {type: string}", "allOf parts must be object schemas"),
        ("allOf: []", "allOf must be a non-empty list of object schemas"),
    ],
)
def test_unsupported_or_wrong_schemas(write_spec, schema, expected):
    found = problems(write_spec, HEAD + op(indent(schema)))
    assert any(expected in p for p in found), found


def test_missing_ref_file(write_spec):
    text = HEAD + op(indent("$ref: './parts/missing.yaml#/User'"))
    found = problems(write_spec, text)
    assert any("cannot read file" in p and "missing.yaml" in p for p in found), found
    assert any("paths./Go.post.requestBody.content.application/json.schema.$ref" in p for p in found), found


def test_ref_cycle_that_never_reaches_a_schema(write_spec):
    text = HEAD + op(indent("$ref: '#/components/schemas/A'")) + """\
components:
  schemas:
    A: {$ref: '#/components/schemas/B'}
    B: {$ref: '#/components/schemas/A'}
"""
    found = problems(write_spec, text)
    assert any("$ref cycle never reaches a schema: #/components/schemas/A -> #/components/schemas/B -> #/components/schemas/A" in p for p in found), found


def test_ref_in_other_file_resolves_inside_that_file(write_spec):
    text = HEAD + op(indent("$ref: './parts/s.yaml#/Outer'"))
    path = write_spec(
        text,
        parts__s="""\
        Outer:
          type: object
          properties:
            inner: {$ref: '#/Inner'}
        Inner:
          type: object
          properties:
            x: {type: integer}
        """,
    )
    (path.parent / "parts" / "s").rename(path.parent / "parts" / "s.yaml")
    api = load_spec(str(path))
    assert sorted(o.name for o in api.objects) == ["Inner", "Outer"]
    assert api.files[1].endswith("parts/s.yaml")


def test_ref_error_in_other_file_names_that_file(write_spec):
    text = HEAD + op(indent("$ref: './parts/s.yaml#/Outer'"))
    path = write_spec(text, parts__s="Outer:\n  type: object\n  properties:\n    a: {type: nope}\n")
    (path.parent / "parts" / "s").rename(path.parent / "parts" / "s.yaml")
    with pytest.raises(SpecError) as info:
        load_spec(str(path))
    assert [str(p) for p in info.value.problems] == [
        "parts/s.yaml:4: Outer.properties.a.type: type 'nope' is not supported (one of: string, integer, number, boolean, array, object)"
    ]


def test_two_schemas_with_one_python_name(write_spec):
    text = HEAD + op(indent("type: object\nproperties:\n  a: {$ref: '#/components/schemas/user'}\n  b: {$ref: '#/components/schemas/User'}")) + """\
components:
  schemas:
    user: {type: object, properties: {x: {type: string}}}
    User: {type: object, properties: {y: {type: string}}}
"""
    found = problems(write_spec, text)
    assert any("would both be the Python class 'User'" in p for p in found), found


def test_reserved_type_name(write_spec):
    text = HEAD + op(indent("$ref: '#/components/schemas/DefaultApiServerSdk'")) + """\
components:
  schemas:
    DefaultApiServerSdk: {type: object, properties: {x: {type: string}}}
"""
    found = problems(write_spec, text)
    assert any("'DefaultApiServerSdk' is a name the generated module uses itself" in p for p in found), found


def test_python_object_tag_is_refused(write_spec):
    text = HEAD + "paths: !!python/object/apply:os.system ['echo pwned']\n"
    found = problems(write_spec, text)
    assert len(found) == 1 and "unsupported YAML tag" in found[0] and found[0].startswith("api.yaml:3:")


def test_yaml_syntax_error_has_line(write_spec):
    found = problems(write_spec, HEAD + "paths:\n  /A: [\n")
    assert found[0].startswith("api.yaml:") and "cannot parse" in found[0]


def test_duplicate_keys(write_spec):
    found = problems(write_spec, HEAD + "paths: {}\npaths: {}\n")
    assert found == ["api.yaml:4: (document): duplicate key 'paths'"]


def test_not_a_mapping(write_spec):
    assert problems(write_spec, "- just\n- a list\n") == [
        "api.yaml:1: (document): the spec must be a mapping with 'openapi', 'info' and 'paths'"
    ]


def test_json_spec_is_read(write_spec):
    path = write_spec(
        '{"openapi": "3.0.3", "info": {"title": "J", "version": "1"}, "paths": {"/Ping": {"post": '
        '{"operationId": "ping", "x-async": {"direction": "bidirectional"}, "responses": {}}}}}',
        suffix=".json",
    )
    api = load_spec(str(path))
    assert [o.route for o in api.operations] == ["Ping"]


def test_spec_error_is_a_value_error_with_readable_message(write_spec):
    path = write_spec(HEAD + "paths:\n  /A:\n    post:\n      operationId: a\n      x-async: {direction: x}\n")
    with pytest.raises(ValueError) as info:
        load_spec(str(path))
    assert str(info.value) == (
        "invalid spec, 1 problem:\n"
        "  api.yaml:7: paths./A.post.x-async.direction: direction 'x' is not one of "
        "client_to_server, server_to_client, bidirectional"
    )
