"""The game protocol: every message a client and the game service exchange over the WebSocket.

One JSON object per text frame, told apart by ``type``. The models here are the protocol:
the server parses with them, builds what it sends with them, and `protocol_schema` exports
them as the JSON Schema a client author reads (``docs/protocol.schema.json``, kept equal to
the models by a test). ``docs/protocol.md`` tells the story around them.

What we take from the servers that do this best:

* Showdown's requests: the server sends a seat a `Request` (its view and exactly the actions
  it may take) with a request id ``rqid``; an `Act` answers one ``rqid`` and an answer to an
  older one is refused as ``stale_request`` rather than applied to a game it was not meant for.
* Lichess's versions: every message that changes a game carries the game's version ``v``. A
  client that sees a gap, or reconnects, says the last ``v`` it saw (`Hello.since`, `Sync`)
  and gets exactly the events it missed, or a `Resync` (a full view) when they are too old.
* Lichess's acknowledgements: a client chooses the ``id`` of each message that changes a game;
  the server answers `Ack` with it, and a resent ``id`` (after a reconnect) is acknowledged
  again and never applied twice.

Client messages are parsed strictly: an unknown ``type`` or field, a wrong JSON type (``true``
is not a number, ``1.0`` is not an integer), an over-long string or list is refused with an
`Error` naming the field, before anything is looked up. The action inside an `Act` is shaped
here and checked per kind by the engine's own parse (`app.engine.actions.Action.from_params`),
so there is one authority on what an action may carry.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from app.errors import MantimonError

PROTOCOL_VERSION = 1
"""Raised when a message changes meaning; a client says which it speaks in `Hello`."""

MAX_MESSAGE_BYTES = 16 * 1024
"""The largest client frame read at all: the longest legal `Act` is well under 2 KiB."""

MessageId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
"""A client's id for one message it may resend; unique per connection's game and seat."""

Token = Annotated[str, Field(min_length=1, max_length=4096)]
OptionId = Annotated[str, Field(min_length=1, max_length=64)]
Version = Annotated[StrictInt, Field(ge=0)]
Seat = Literal[0, 1]


class ErrorCode(StrEnum):
    """Why the server refused a message or closed a connection: a closed list."""

    BAD_JSON = "bad_json"
    """The frame is not a JSON object."""
    BAD_MESSAGE = "bad_message"
    """The message does not fit its schema (unknown type or field, wrong type or size)."""
    TOO_LARGE = "too_large"
    """The frame is over `MAX_MESSAGE_BYTES`; the connection is closed."""
    RATE_LIMITED = "rate_limited"
    """Too many messages; the connection is closed after this error."""
    PROTOCOL_VERSION = "protocol_version"
    """The client speaks a protocol version the server does not."""
    NOT_HELLO = "not_hello"
    """The first message must be `hello`; or a second `hello` came."""
    UNAUTHENTICATED = "unauthenticated"
    """The access token is missing, expired, revoked or its session was revoked."""
    GAME_NOT_FOUND = "game_not_found"
    """No such game, or not one this user may open (the same answer, so ids are not probed)."""
    NOT_A_PLAYER = "not_a_player"
    """A game-changing message on a spectator connection."""
    NOT_YOUR_TURN = "not_your_turn"
    """An action while the other seat must act."""
    STALE_REQUEST = "stale_request"
    """The ``rqid`` answered is not the seat's current request."""
    ILLEGAL_ACTION = "illegal_action"
    """The engine refused the action; ``field`` names the part it refused when there is one."""
    GAME_OVER = "game_over"
    """The game has ended; nothing changes it any more."""
    DRAW_NOT_OFFERED = "draw_not_offered"
    """An answer to a draw offer that does not stand (or the preset allows no draw)."""
    UNAVAILABLE = "unavailable"
    """The game store cannot be reached; nothing was applied, the same message may be resent."""
    INTERNAL = "internal"
    """A fault of the server's, logged with the ``error_id`` in the message."""


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


# --- client to server ---------------------------------------------------------------------


class ActionPayload(_Message):
    """An action as the engine's log stores it; which fields a kind takes is the engine's call."""

    kind: Annotated[str, Field(min_length=1, max_length=32)]
    card: OptionId | None = None
    target: OptionId | None = None
    index: Annotated[StrictInt, Field(ge=0, le=63)] | None = None
    choice: Annotated[list[OptionId], Field(max_length=60)] | None = None


class Hello(_Message):
    """The first message of a connection: who speaks, which game, as what, from which version.

    The access token travels here, not in the URL, so it never reaches an access log.
    ``since`` is the last version the client saw (absent on a first connection): the
    server answers with the events after it, or a `Resync`.
    """

    type: Literal["hello"]
    protocol: StrictInt
    token: Token
    game_id: UUID
    role: Literal["player", "spectator"] = "player"
    since: Version | None = None


class Act(_Message):
    """An action answering the request ``rqid``, under the client's message ``id``."""

    type: Literal["act"]
    id: MessageId
    rqid: Version
    action: ActionPayload


class Sync(_Message):
    """Ask for the events after version ``since`` (a gap was seen)."""

    type: Literal["sync"]
    since: Version


class Resign(_Message):
    """Give up the game at once."""

    type: Literal["resign"]
    id: MessageId


class OfferDraw(_Message):
    """Offer a draw, where the preset allows one; it stands until the offering seat's turn ends."""

    type: Literal["offer_draw"]
    id: MessageId


class AnswerDraw(_Message):
    """Accept or decline the opponent's standing draw offer."""

    type: Literal["answer_draw"]
    id: MessageId
    accept: StrictBool


class Rematch(_Message):
    """After the game: ask for (or agree to) a rematch with the same decks and seats swapped."""

    type: Literal["rematch"]
    id: MessageId


class Ping(_Message):
    """Keep-alive and round-trip measurement; answered by `Pong` with the same ``id``."""

    type: Literal["ping"]
    id: MessageId | None = None


ClientMessage = Annotated[
    Hello | Act | Sync | Resign | OfferDraw | AnswerDraw | Rematch | Ping,
    Field(discriminator="type"),
]


# --- server to client ---------------------------------------------------------------------


class EventPayload(_Message):
    """One engine event as this connection may see it (`app.engine` filters it per seat)."""

    kind: str
    player: Seat | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class Welcome(_Message):
    """The answer to `Hello`: the seat this connection plays (None for a spectator)."""

    type: Literal["welcome"] = "welcome"
    protocol: int = PROTOCOL_VERSION
    game_id: UUID
    seat: Seat | None
    v: Version


class Request(_Message):
    """What this seat sees now and may do: answer with an `Act` carrying ``rqid``.

    ``actions`` is empty when the other seat must act (the view still shows the board);
    a new request replaces every older one.
    """

    type: Literal["request"] = "request"
    v: Version
    rqid: Version
    view: dict[str, Any]
    actions: list[ActionPayload]


class Events(_Message):
    """The events of versions ``from_v`` + 1 .. ``v``, in order, as this connection may see them."""

    type: Literal["events"] = "events"
    from_v: Version
    v: Version
    events: list[EventPayload]


class Resync(_Message):
    """The whole view at version ``v``, when the missed events are no longer kept."""

    type: Literal["resync"] = "resync"
    v: Version
    view: dict[str, Any]


class Ack(_Message):
    """The message ``id`` was applied (or had been, when it is a resend); the game is at ``v``."""

    type: Literal["ack"] = "ack"
    id: MessageId
    v: Version


class Error(_Message):
    """A refused message (nothing changed) or the reason a connection is about to close."""

    type: Literal["error"] = "error"
    code: ErrorCode
    message: str
    id: MessageId | None = None
    field: str | None = None


class Presence(_Message):
    """A seat connected or dropped; ``grace_ends`` is when a dropped seat loses by abandonment."""

    type: Literal["presence"] = "presence"
    seat: Seat
    connected: bool
    grace_ends: str | None = None


class Pong(_Message):
    """The answer to `Ping`."""

    type: Literal["pong"] = "pong"
    id: MessageId | None = None


class Clock(_Message):
    """The battle timer at version ``v`` (timed games only): whose time runs, until when.

    ``deadline`` is when the acting seat's turn time (or its grace window, while it is away)
    runs out; ``banks_ms`` what each seat has left in its bank, as of ``v``; ``warning`` is
    set once a turn, shortly before the deadline.
    """

    type: Literal["clock"] = "clock"
    v: Version
    acting: Seat | None
    deadline: str | None = None
    banks_ms: tuple[int, int]
    timeouts: tuple[int, int] = (0, 0)
    warning: bool = False


class Offer(_Message):
    """The opponent (``seat``) offers a draw, or asks for a rematch after the end."""

    type: Literal["offer"] = "offer"
    kind: Literal["draw", "rematch"]
    seat: Seat


class RematchReady(_Message):
    """Both players asked for a rematch: the new game's id (seats swapped); open it next."""

    type: Literal["rematch_ready"] = "rematch_ready"
    game_id: UUID


ServerMessage = Annotated[
    Welcome
    | Request
    | Events
    | Resync
    | Ack
    | Error
    | Presence
    | Pong
    | Clock
    | Offer
    | RematchReady,
    Field(discriminator="type"),
]

_TAG_ERRORS = frozenset({"union_tag_invalid", "union_tag_not_found"})
_CLIENT = TypeAdapter[ClientMessage](ClientMessage)
_SERVER = TypeAdapter[ServerMessage](ServerMessage)


class ProtocolError(MantimonError):
    """A client message refused before it reached a game: the `Error` to send back."""

    def __init__(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field

    def to_message(self, message_id: str | None = None) -> Error:
        """The `Error` frame that tells the client what was wrong and where."""
        return Error(code=self.code, message=str(self), id=message_id, field=self.field)


def parse_client_message(frame: str | bytes) -> ClientMessage:
    """Parse one client frame strictly, or raise `ProtocolError` naming what was wrong and where.

    The size is checked before the JSON is read; a number is a number only when the JSON says
    so (``"1"`` is not 1), ``true`` is no integer and ``1.0`` none either.
    """
    size = len(frame.encode() if isinstance(frame, str) else frame)
    if size > MAX_MESSAGE_BYTES:
        raise ProtocolError(
            ErrorCode.TOO_LARGE, f"message of {size} bytes is over {MAX_MESSAGE_BYTES}"
        )
    try:
        return _CLIENT.validate_json(frame)
    except PydanticValidationError as exc:
        first = exc.errors(include_url=False)[0]
        if first["type"] == "json_invalid":
            raise ProtocolError(ErrorCode.BAD_JSON, f"not JSON: {first['msg']}") from None
        loc = [str(part) for part in first["loc"]]
        # The first part of a location is the message's `type` tag; the field is the rest.
        where = "type" if first["type"] in _TAG_ERRORS else ".".join(loc[1:]) or None
        raise ProtocolError(
            ErrorCode.BAD_MESSAGE, f"{where or 'message'}: {first['msg']}", where
        ) from None


def dump_server_message(message: ServerMessage) -> str:
    """The text frame of a server message (compact JSON)."""
    return message.model_dump_json(exclude_none=True)


def protocol_schema() -> dict[str, Any]:
    """The JSON Schema of every message in both directions, for client authors."""
    client = _CLIENT.json_schema(ref_template="#/$defs/{model}")
    server = _SERVER.json_schema(ref_template="#/$defs/{model}")
    definitions = {**client.pop("$defs", {}), **server.pop("$defs", {})}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"Mantimon game protocol, version {PROTOCOL_VERSION}",
        "description": "One JSON object per WebSocket text frame; see docs/protocol.md.",
        "$defs": dict(sorted(definitions.items())),
        "properties": {"client_to_server": client, "server_to_client": server},
    }


def render_schema() -> str:
    """`protocol_schema` as the text of ``docs/protocol.schema.json`` (stable, for diffs)."""
    return json.dumps(protocol_schema(), indent=2, ensure_ascii=False) + "\n"
