"""What each viewer of a game is sent after a change: built once, by the instance that made it.

The instance that applies an action builds every seat's frames (its events filtered by
`app.engine.events_for`, its view by `view_for`, its request) and publishes them on the
game's channel in one message, so an instance holding a player's connection forwards them as
they are (already serialized), without loading the game. Spectators get the public events;
their view is built by the instance serving them, because it is sent late (`app.play.hub`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from app.core.cards import CardDefinition
from app.core.game_state import GameState, PlayerIndex, TurnPhase
from app.engine import Action, acting_player, events_for, legal_actions, view_for
from app.engine.events import Event
from app.play.protocol import ActionPayload, Clock, EventPayload, Events, Request
from app.play.records import GameRecord


def action_payload(action: Action) -> ActionPayload:
    """An engine action as the protocol offers it."""
    return ActionPayload.model_validate({"kind": action.kind.value, **action.to_params()})


def event_payloads(events: Sequence[Event], seat: int | None) -> list[EventPayload]:
    """`events` as `seat` (None: a spectator) may see them."""
    return [
        EventPayload(kind=event.kind, player=event.player, data=dict(event.data))  # type: ignore[arg-type]
        for event in events_for(events, seat)
    ]


def request_for(
    state: GameState, seat: PlayerIndex | None, cards: Mapping[str, CardDefinition]
) -> Request:
    """What `seat` sees and may do now (no actions while the other seat acts, or for a spectator).

    The request id is the game's version: an answer to any older version is stale.
    """
    actions: list[ActionPayload] = []
    if seat is not None and state.phase is not TurnPhase.ENDED and acting_player(state) == seat:
        actions = [action_payload(action) for action in legal_actions(state, cards)]
    return Request(v=state.version, rqid=state.version, view=view_for(state, seat), actions=actions)


def change_message(
    record: GameRecord,
    state: GameState,
    events: Sequence[Event],
    from_v: int,
    cards: Mapping[str, CardDefinition],
    clock: Clock | None = None,
) -> str:
    """The channel message of one change: each human seat's frames, the public events, the clock.

    `events` are those of versions `from_v` + 1 .. ``state.version`` (a single action, or
    none for a change that is not an action). Every frame is already the text a connection
    sends (``seats``: the seat's events then its request; ``public``: a spectator's events;
    ``clock``), so an instance parses the message once, whatever number of connections it
    serves, and sends those texts as they are.
    """
    seats: dict[str, list[str]] = {}
    for seat, info in enumerate(record.seats):
        if info.bot is not None:
            continue
        mine = Events(from_v=from_v, v=state.version, events=event_payloads(events, seat))
        request = request_for(state, 0 if seat == 0 else 1, cards)
        seats[str(seat)] = [mine.model_dump_json(), request.model_dump_json()]
    public = Events(from_v=from_v, v=state.version, events=event_payloads(events, None))
    message: dict[str, Any] = {
        "t": "change",
        "from_v": from_v,
        "v": state.version,
        "seats": seats,
        "public": public.model_dump_json(),
    }
    if clock is not None:
        message["clock"] = clock.model_dump_json()
    return json.dumps(message, separators=(",", ":"))
