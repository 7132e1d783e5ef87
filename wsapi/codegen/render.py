"""``render_module``: ApiModel -> the Python source of ``wsapi.<name>``. Pure, no I/O.

The source is declarations only (enums, attrs models, the SDK's thin ``send_*`` methods,
handler wrappers); behaviour lives in ``wsapi.runtime``. Each model and enum is one top-level
statement that refers to other types by name only, so the loader may define them lazily.
"""

from __future__ import annotations

import textwrap
from typing import Iterable, Mapping

from ..compiled import LAZY_MARKER
from ..spec.model import NO_DEFAULT, ApiModel, EnumModel, FieldModel, ObjectModel, OperationModel, TypeRef
from .literals import identifier as ident
from .literals import docstring, literal

__all__ = ["render_module"]


_SDK_PARAMS = {"self", "connection_id", "connection_ids", "payload", "max_workers"}
_FIELD_TYPES = {
    "str": "Str",
    "int": "Int",
    "float": "Float",
    "bool": "Bool",
    "datetime": "DateTime",
    "date": "Date",
    "any": "AnyJson",
}
_ANNOTATIONS = {
    "str": "str",
    "int": "int",
    "float": "float",
    "bool": "bool",
    "datetime": "datetime.datetime",
    "date": "datetime.date",
    "any": "typing.Any",
}


def annotation(t: TypeRef) -> str:
    """The annotation of a type, as mypy and readers see it."""
    if t.kind in ("model", "enum"):
        text = ident(t.name or "")
    elif t.kind == "list":
        assert t.item is not None
        text = f"list[{annotation(t.item)}]"
    elif t.kind == "map":
        assert t.item is not None
        text = f"dict[str, {annotation(t.item)}]"
    else:
        text = _ANNOTATIONS[t.kind]
    return f"{text} | None" if t.nullable and t.kind != "any" else text


def field_type(t: TypeRef) -> str:
    """The runtime FieldType expression of a type."""
    args: list[str] = []
    if t.kind in ("model", "enum"):
        args.append(literal(t.name))
        name = "ModelRef" if t.kind == "model" else "EnumRef"
    elif t.kind in ("list", "map"):
        assert t.item is not None
        args.append(field_type(t.item))
        name = "ListOf" if t.kind == "list" else "MapOf"
    else:
        name = _FIELD_TYPES[t.kind]
    if t.nullable and t.kind != "any":
        args.append("nullable=True")
    for key, value in t.constraints:
        args.append(f"{ident(key)}={literal(value)}")
    return f"_rt.{name}({', '.join(args)})"


def _docstring(text: str, indent: str) -> str:
    return indent + docstring(text, indent) + "\n"


def _prose(*paragraphs: str) -> str:
    """Our own explanatory text, wrapped to read well in source and help()."""
    return "\n\n".join(textwrap.fill(p, 88, break_on_hyphens=False) for p in paragraphs)


def _field_lines(fields: Iterable[FieldModel]) -> list[str]:
    lines = []
    for f in fields:
        flags = ["required" if f.required else "optional"]
        if f.default is not NO_DEFAULT:
            flags.append(f"default {f.default!r}")
        if f.wire_name != f.python_name:
            flags.append(f"wire name {f.wire_name!r}")
        line = f"    {f.python_name}: {annotation(f.type)} ({', '.join(flags)})"
        if f.description:
            line += " - " + " ".join(f.description.split())
        lines.append(line)
    return lines


def render_enum(e: EnumModel) -> str:
    doc = e.description or f"Values of {e.name} on the wire."
    out = [f"class {ident(e.name)}(enum.Enum):\n", _docstring(doc, "    "), "\n"]
    for member, value in e.members:
        out.append(f"    {ident(member)} = {literal(value)}\n")
    return "".join(out)


def render_object(o: ObjectModel) -> str:
    doc = (o.description or o.name).strip()
    if o.fields:
        doc += "\n\nFields:\n" + "\n".join(_field_lines(o.fields))
    out = ["@_rt.model\n", f"class {ident(o.name)}:\n", _docstring(doc, "    ")]
    if o.fields:
        out.append("\n")
    for f in o.fields:
        ann = annotation(f.type)
        args = [literal(f.wire_name), field_type(f.type)]
        if not f.required:
            args.append("required=False")
        if f.default is not NO_DEFAULT:
            args.append(f"default={literal(f.default)}")
        elif not f.required:
            args.append("default=None")
            if not f.type.nullable:
                ann = f"{ann} | None"
        if f.description:
            args.append(f"description={literal(f.description)}")
        out.append(f"    {ident(f.python_name)}: {ann} = _rt.field({', '.join(args)})\n")
    return "".join(out)


def keyword_fields(objects: Mapping[str, ObjectModel], op: OperationModel) -> list[FieldModel] | None:
    """The payload's fields as keyword parameters, or None when a name would clash."""
    if op.payload is None:
        return []
    obj = objects[op.payload]
    if any(f.python_name in _SDK_PARAMS for f in obj.fields):
        return None
    return list(obj.fields)


def _send_doc(objects: Mapping[str, ObjectModel], op: OperationModel, many: bool) -> str:
    if many:
        return _prose(
            f"{op.route} to many connections at once (concurrently, on at most max_workers threads); "
            f"the payload is checked and serialised once. Takes what {op.method_name}() takes.",
            "Returns a FanOutResult: delivered ids, gone ids (410) and failed ids -> error; never stops midway.",
        )
    parts = [x.strip() for x in (op.summary, op.description) if x]
    head = "\n\n".join(parts) or f"Send {op.route}."
    body = f'Sends {{"route": "{op.route}"' + (', "payload": ...}' if op.payload else "}") + " to one connection."
    if op.payload:
        obj = objects[op.payload]
        body += f"\n\nPayload: {op.payload} (an instance, a mapping with wire names, or keyword fields)"
        if obj.fields:
            body += "\n" + "\n".join(_field_lines(obj.fields))
    body += "\n\nRaises ConnectionGoneError when the client has disconnected."
    return f"{head}\n\n{body}"


def render_send(objects: Mapping[str, ObjectModel], op: OperationModel, many: bool) -> str:
    name = ident(op.method_name) + ("_to_many" if many else "")
    first = "connection_ids: typing.Iterable[str]" if many else "connection_id: str"
    params = ["self", first]
    keywords = keyword_fields(objects, op)
    if op.payload is not None:
        params.append(f"payload: {ident(op.payload)} | typing.Mapping[str, typing.Any] | None = None")
    params.append("/")
    extra = ["max_workers: int = 16"] if many else []
    if keywords is None:
        extra.append("**fields: typing.Any")
        passed = "fields"
    else:
        for f in keywords:
            ann = annotation(f.type)
            if not f.required and not f.type.nullable:
                ann = f"{ann} | None"
            extra.append(f"{ident(f.python_name)}: {ann} = _rt.UNSET")
        passed = "{" + ", ".join(f"{literal(f.python_name)}: {ident(f.python_name)}" for f in keywords) + "}"
    if extra and not extra[0].startswith("**"):
        params.append("*")  # keyword-only fields follow; a lone **fields needs no marker
    params.extend(extra)
    returns = "_rt.FanOutResult" if many else "None"
    payload_arg = "payload" if op.payload is not None else "None"
    call = (
        f"self._send_to_many({literal(op.route)}, connection_ids, {payload_arg}, {passed}, max_workers)"
        if many
        else f"self._send({literal(op.route)}, connection_id, {payload_arg}, {passed})"
    )
    signature = ",\n        ".join(params)
    return (
        f"    def {name}(\n        {signature},\n    ) -> {returns}:\n"
        + _docstring(_send_doc(objects, op, many), "        ")
        + f"        return {call}\n"
    )


def render_operations(api: ApiModel) -> str:
    rows = []
    for op in api.operations:
        args = ", ".join(
            literal(x) for x in (op.operation_id, op.route, op.direction, op.method_name, op.payload)
        )
        rows.append(f"    _rt.Operation({args}),\n")
    return "OPERATIONS = _rt.operations(__name__, (\n" + "".join(rows) + "))\n"


def render_sdk(api: ApiModel) -> str:
    sends = [op for op in api.operations if op.server_sends]
    doc = f"Server SDK of {api.title}: sends messages to connected clients.\n\n"
    doc += "\n".join(f"{op.method_name}: {op.summary or op.route}" for op in sends) or "(no server_to_client operations)"
    out = [
        "class DefaultApiServerSdk(_rt.ServerSdk):\n",
        _docstring(doc, "    "),
        "\n",
        f"    api_name = {literal(api.name)}\n",
        "    operations = OPERATIONS\n",
    ]
    objects = {o.name: o for o in api.objects}
    for op in sends:
        out.append("\n")
        out.append(render_send(objects, op, many=False))
        out.append("\n")
        out.append(render_send(objects, op, many=True))
    return "".join(out)


_HANDLER_ARGS = "function: {fn} | None = None,\n    /,\n    *,\n    interceptors: typing.Iterable[_rt.Interceptor] = (),\n"


def _handler_def(name: str, fn_type: str, doc: str, call: str) -> str:
    return (
        f"def {name}(\n    " + _HANDLER_ARGS.format(fn=fn_type) + ") -> typing.Any:\n"
        + _docstring(doc, "    ")
        + f"    return {call}\n"
    )


def render_handlers(api: ApiModel) -> str:
    out = []
    receives = [op for op in api.operations if op.server_receives]
    for op in receives:
        payload = ident(op.payload) if op.payload else "None"
        fn_type = f"typing.Callable[[_rt.HandlerRequest[{payload}, DefaultApiServerSdk]], typing.Any]"
        head = " ".join(x.strip() for x in (op.summary,) if x) or op.route
        doc = head + "\n\n" + _prose(
            f"Wraps ``function(request)`` as the Lambda handler of route {op.route} ({op.direction}); "
            f"``request.input`` is {'a ' + op.payload if op.payload else 'None (no payload)'}. "
            "Usable bare (``@handler``) or with ``interceptors=[...]``."
        )
        call = f"_rt.operation_handler(OPERATIONS[{literal(op.route)}], DefaultApiServerSdk, function, interceptors)"
        out.append(_handler_def(ident(op.method_name) + "_handler", fn_type, doc, call))
    for route, name, request in (
        ("$connect", "connect", "ConnectRequest"),
        ("$disconnect", "disconnect", "DisconnectRequest"),
        ("$default", "default", "DefaultRequest"),
    ):
        fn_type = f"typing.Callable[[_rt.{request}[DefaultApiServerSdk]], typing.Any]"
        doc = f"Wraps ``function(request)`` as the {route} Lambda handler."
        if route == "$connect":
            doc += " ``PendingConnection.of(request).deny()`` rejects the handshake (403); allowed by default."
        doc = _prose(doc)
        call = f"_rt.{name}_handler(DefaultApiServerSdk, function, interceptors)"
        out.append(_handler_def(f"{name}_handler", fn_type, doc, call))
    params = ["interceptors: typing.Iterable[_rt.Interceptor] = ()"]
    for name in ("connect", "disconnect", "default"):
        params.append(f"{name}: typing.Any = None")
    for op in receives:
        params.append(f"{ident(op.method_name)}: typing.Any = None")
    handlers = "{" + ", ".join(f"{literal(op.method_name)}: {ident(op.method_name)}" for op in receives) + "}"
    doc = _prose(
        "One Lambda handler for every route, dispatching on requestContext.routeKey.",
        "Each keyword takes a function(request) or a handler made by <operation>_handler; "
        "an unknown keyword is a TypeError at start-up. Routes: " + ", ".join(op.route for op in receives) + ".",
    )
    out.append(
        "def handler_router(\n    *,\n    " + ",\n    ".join(params) + ",\n) -> typing.Any:\n"
        + _docstring(doc, "    ")
        + "    return _rt.handler_router(\n        DefaultApiServerSdk,\n        OPERATIONS,\n"
        + "        interceptors=interceptors,\n        connect=connect,\n        disconnect=disconnect,\n"
        + f"        default=default,\n        handlers={handlers},\n    )\n"
    )
    return "\n\n".join(out)


def render_module(api: ApiModel, *, origin: str = "") -> str:
    """The generated module's source text."""
    title = f"{api.title} {api.version}".strip()
    doc = f"{title}: generated by wsapi from {origin or api.name}."
    if api.description:
        doc += "\n\n" + api.description.strip()
    type_names = sorted([e.name for e in api.enums] + [o.name for o in api.objects])
    handler_names = [op.method_name + "_handler" for op in api.operations if op.server_receives]
    exports = [
        "DefaultApiServerSdk",
        "OPERATIONS",
        *handler_names,
        "connect_handler",
        "disconnect_handler",
        "default_handler",
        "handler_router",
        "PendingConnection",
        "try_catch_interceptor",
        "logging_interceptor",
        *type_names,
    ]
    parts = [
        docstring(doc, "") + "\n",
        "\n",
        "# Generated code: declarations only; the behaviour is in wsapi.runtime.\n",
        "from __future__ import annotations\n",
        "\n",
        "import datetime\n",
        "import enum\n",
        "import typing\n",
        "\n",
        "from wsapi import runtime as _rt\n",
        "from wsapi.runtime import PendingConnection, logging_interceptor, try_catch_interceptor\n",
        "\n",
        "__all__ = [\n" + "".join(f"    {literal(n)},\n" for n in exports) + "]\n",
        "\n",
        render_operations(api),
        "\n\n",
        render_sdk(api),
        "\n\n",
        render_handlers(api),
        "\n\n",
        LAZY_MARKER + "\n",
    ]
    for e in api.enums:
        parts += ["\n\n", render_enum(e)]
    for o in api.objects:
        parts += ["\n\n", render_object(o)]
    return "".join(parts)
