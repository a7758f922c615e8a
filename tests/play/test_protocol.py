"""The protocol's models: strict parsing of client frames, the committed schema, the docs."""

from __future__ import annotations

import contextlib
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.play import protocol
from app.play.protocol import (
    MAX_MESSAGE_BYTES,
    Ack,
    Act,
    ActionPayload,
    ErrorCode,
    EventPayload,
    Events,
    Hello,
    ProtocolError,
    Request,
    ServerMessage,
    dump_server_message,
    parse_client_message,
    render_schema,
)

ROOT = Path(__file__).resolve().parents[2]
GAME = "6b0a8a54-4b7e-4c39-9f7c-3ad1e1a0f001"


def _act(**action: Any) -> str:
    return json.dumps(
        {"type": "act", "id": "m1", "rqid": 3, "action": {"kind": "attack", **action}}
    )


def test_committed_schema_is_the_models_schema() -> None:
    committed = (ROOT / "docs" / "protocol.schema.json").read_text(encoding="utf-8")
    assert committed == render_schema(), "run scripts/protocol_schema.py and commit the file"


def test_every_error_code_is_documented() -> None:
    doc = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    missing = [code.value for code in ErrorCode if f"`{code.value}`" not in doc]
    assert missing == []


def test_every_message_type_is_documented() -> None:
    doc = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    schema = protocol.protocol_schema()
    types = [
        definition["properties"]["type"]["const"]
        for definition in schema["$defs"].values()
        if "type" in definition.get("properties", {})
    ]
    assert len(types) == 19
    assert [name for name in types if f"`{name}`" not in doc] == []


def test_a_hello_and_an_act_parse() -> None:
    hello = parse_client_message(
        json.dumps({"type": "hello", "protocol": 1, "token": "t", "game_id": GAME, "since": 4})
    )
    assert hello == Hello(
        type="hello", protocol=1, token="t", game_id=uuid.UUID(GAME), role="player", since=4
    )
    act = parse_client_message(_act(index=1, choice=["a", "b"]))
    assert isinstance(act, Act)
    assert act.action == ActionPayload(kind="attack", index=1, choice=["a", "b"])
    # An optional field given as null is the field left out, as the engine's log writes it.
    no_choice = parse_client_message(_act(choice=None, card=None))
    assert isinstance(no_choice, Act)
    assert no_choice.action.model_dump(exclude_none=True) == {"kind": "attack"}


@pytest.mark.parametrize(
    ("frame", "code", "field"),
    [
        ("{bad", ErrorCode.BAD_JSON, None),
        ("[1]", ErrorCode.BAD_MESSAGE, None),
        ('{"a": 1}', ErrorCode.BAD_MESSAGE, "type"),
        ('{"type": "nope"}', ErrorCode.BAD_MESSAGE, "type"),
        ('{"type": "sync", "since": "3"}', ErrorCode.BAD_MESSAGE, "since"),
        ('{"type": "sync", "since": -1}', ErrorCode.BAD_MESSAGE, "since"),
        ('{"type": "sync", "since": 3, "extra": 1}', ErrorCode.BAD_MESSAGE, "extra"),
        (_act(index=True), ErrorCode.BAD_MESSAGE, "action.index"),
        (_act(index=1.0), ErrorCode.BAD_MESSAGE, "action.index"),
        (_act(index="0"), ErrorCode.BAD_MESSAGE, "action.index"),
        (_act(index=64), ErrorCode.BAD_MESSAGE, "action.index"),
        (_act(card="x" * 65), ErrorCode.BAD_MESSAGE, "action.card"),
        (_act(choice=["a"] * 61), ErrorCode.BAD_MESSAGE, "action.choice"),
        (_act(secret="x"), ErrorCode.BAD_MESSAGE, "action.secret"),
        (
            json.dumps({"type": "act", "id": "a b", "rqid": 1, "action": {"kind": "end_turn"}}),
            ErrorCode.BAD_MESSAGE,
            "id",
        ),
        (
            json.dumps({"type": "hello", "protocol": 1, "token": "t", "game_id": "12"}),
            ErrorCode.BAD_MESSAGE,
            "game_id",
        ),
        (
            json.dumps(
                {"type": "hello", "protocol": 1, "token": "t", "game_id": GAME, "role": "x"}
            ),
            ErrorCode.BAD_MESSAGE,
            "role",
        ),
        ('{"type": "answer_draw", "id": "d", "accept": 1}', ErrorCode.BAD_MESSAGE, "accept"),
        (" " * (MAX_MESSAGE_BYTES + 1), ErrorCode.TOO_LARGE, None),
    ],
)
def test_a_bad_frame_is_refused_naming_the_field(
    frame: str, code: ErrorCode, field: str | None
) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_client_message(frame)
    assert caught.value.code is code
    assert caught.value.field == field
    error = caught.value.to_message("m1")
    assert error.code is code
    assert (field or "message") in error.message or code in (
        ErrorCode.BAD_JSON,
        ErrorCode.TOO_LARGE,
    )


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
_message_like = st.fixed_dictionaries(
    {
        "type": st.sampled_from(
            ["hello", "act", "sync", "resign", "offer_draw", "answer_draw", "rematch", "ping", "x"]
        )
    },
    optional={
        "id": _json,
        "rqid": _json,
        "since": _json,
        "action": st.dictionaries(st.sampled_from(["kind", "card", "index", "choice", "x"]), _json),
        "token": _json,
        "game_id": st.just(GAME) | _json,
        "protocol": _json,
        "accept": _json,
    },
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_json, _message_like))
def test_any_json_is_parsed_or_refused_with_a_protocol_error(value: Any) -> None:
    try:
        message = parse_client_message(json.dumps(value))
    except ProtocolError as exc:
        code = exc.code
    else:
        assert message.type == value["type"]
        return
    assert code in (ErrorCode.BAD_MESSAGE, ErrorCode.BAD_JSON, ErrorCode.TOO_LARGE)


@given(st.binary(max_size=200))
def test_any_bytes_are_parsed_or_refused_with_a_protocol_error(frame: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        parse_client_message(frame)


def test_server_messages_dump_as_compact_json_without_nones() -> None:
    frames: list[ServerMessage] = [
        Ack(id="m1", v=7),
        Events(from_v=6, v=7, events=[EventPayload(kind="drew", player=0, data={"count": 1})]),
        Request(v=7, rqid=4, view={"turn": 3}, actions=[ActionPayload(kind="end_turn")]),
    ]
    dumped = [json.loads(dump_server_message(frame)) for frame in frames]
    assert dumped[0] == {"type": "ack", "id": "m1", "v": 7}
    assert dumped[1]["events"] == [{"kind": "drew", "player": 0, "data": {"count": 1}}]
    assert dumped[2]["actions"] == [{"kind": "end_turn"}]
