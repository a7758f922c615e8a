"""Everything needed to resume a game in progress, as one JSON-round-trippable value.

A `GameState` is what the GameStateManager caches in Redis after every
accepted action and writes to PostgreSQL at turn boundaries, so it holds the
whole game: the rules in force, both players and every card in every zone, whose
turn and which phase it is, and the log of every action since the game began
(for replays).

``version`` counts accepted actions: it is always the length of the action log,
and every action records the version it produced. Both stores refuse a state
whose version is not newer than the one they hold, so the version is what makes
concurrent writers safe; change it only through `GameState.record_action`.

Validation refuses states no game could be in (a card in two places, a bench
larger than the rules allow, a log that does not match the version), so a
corrupt payload read back from a store is reported rather than played on.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, Final, Literal, Self
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field, JsonValue, TypeAdapter, model_validator
from pydantic.dataclasses import dataclass

from app.core.card_enums import StatusCondition
from app.core.cards import EnergyType
from app.core.choices import (
    STATE_CONFIG,
    ChoiceSource,
    Continuation,
    InstanceId,
    LastingEffect,
    PendingChoice,
    PlayerIndex,
)
from app.core.enums import EndReason, GameType
from app.core.rules import RulesConfig

GAME_STATE_SCHEMA_VERSION: Final = 2
"""Bumped whenever the JSON shape changes incompatibly.

Version 2 added what the rules engine needs (stadium, lasting effects, pending
choices, per-turn bookkeeping, the first player and the end reason). Stored
version 1 states are refused with a clear error rather than migrated: they were
only ever written by tests and fixtures, never by a game the engine played.
"""


DefinitionId = Annotated[str, Field(min_length=1, max_length=64)]
"""A card id of the catalog (``CardDefinition.id``)."""


class TurnPhase(StrEnum):
    """Where the current turn is; ``setup`` precedes turn 1 and ``ended`` follows the last."""

    SETUP = "setup"
    DRAW = "draw"
    MAIN = "main"
    ATTACK = "attack"
    BETWEEN_TURNS = "between_turns"
    ENDED = "ended"


@dataclass(slots=True, kw_only=True, config=STATE_CONFIG)
class AttachedCard:
    """A card held by a creature in play: an attached energy or tool, or a lower evolution stage."""

    instance_id: InstanceId
    definition_id: DefinitionId


@dataclass(slots=True, kw_only=True, config=STATE_CONFIG)
class CardInstance:
    """One physical card in one zone, with what happened to it in this game."""

    instance_id: InstanceId
    definition_id: DefinitionId
    damage: int = Field(default=0, ge=0)
    attached_energy: list[AttachedCard] = Field(default_factory=list)
    attached_tool: AttachedCard | None = None
    evolved_from: list[AttachedCard] = Field(
        default_factory=list,
        description="The lower stages under an evolved creature, oldest first.",
    )
    status_conditions: list[StatusCondition] = Field(default_factory=list)
    turn_played: int | None = Field(
        default=None,
        ge=0,
        description="Turn the card was put into play or last evolved; None outside play.",
    )

    def instance_ids(self) -> list[str]:
        """This card's id and the ids of every card attached to or under it."""
        ids = [self.instance_id]
        ids.extend(attached.instance_id for attached in self.attached_energy)
        if self.attached_tool is not None:
            ids.append(self.attached_tool.instance_id)
        ids.extend(lower.instance_id for lower in self.evolved_from)
        return ids


@dataclass(slots=True, kw_only=True, config=STATE_CONFIG)
class StadiumInPlay:
    """The one stadium in play, shared by both players; ``owner`` gets it back in their discard."""

    card: CardInstance
    owner: PlayerIndex
    turn_played: int = Field(ge=0)


@dataclass(slots=True, kw_only=True, config=STATE_CONFIG)
class PlayerState:
    """One side of the table: who plays it (a user or an NPC) and every zone they own.

    ``prizes`` is used under the prizes win condition and ``points`` under the
    points one; ``energy_deck`` and ``energy_zone`` follow the rules' energy source.
    """

    user_id: UUID | None = None
    npc_id: str | None = Field(default=None, min_length=1, max_length=64)
    deck: list[CardInstance] = Field(default_factory=list)
    hand: list[CardInstance] = Field(default_factory=list)
    active: CardInstance | None = None
    bench: list[CardInstance] = Field(default_factory=list)
    discard: list[CardInstance] = Field(default_factory=list)
    prizes: list[CardInstance] = Field(default_factory=list)
    points: int = Field(default=0, ge=0)
    energy_deck: list[CardInstance] = Field(default_factory=list)
    energy_zone: list[EnergyType] = Field(
        default_factory=list,
        description="Energy types the deck declared for its zone (energy-zone rules only).",
    )
    zone_current: EnergyType | None = Field(
        default=None, description="The energy the zone offers this turn (None: none yet)."
    )
    zone_next: EnergyType | None = Field(
        default=None, description="The energy the zone will offer next turn, shown in advance."
    )
    zone_energy_made: int = Field(
        default=0, ge=0, description="Zone energies created so far; numbers their instance ids."
    )
    mulligans: int = Field(default=0, ge=0)
    setup_done: bool = False
    supporters_played_this_turn: int = Field(default=0, ge=0)
    stadiums_played_this_turn: int = Field(default=0, ge=0)
    stadium_used_this_turn: bool = Field(
        default=False, description="Whether the stadium's once-per-turn effect was used."
    )
    retreats_this_turn: int = Field(default=0, ge=0)
    energy_attached_this_turn: int = Field(default=0, ge=0)
    abilities_used_this_turn: list[str] = Field(
        default_factory=list, description="'instance_id:ability_index' of abilities used."
    )
    turns_taken: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _exactly_one_identity(self) -> Self:
        if (self.user_id is None) == (self.npc_id is None):
            raise ValueError("a player is either a user (user_id) or an NPC (npc_id), not both")
        return self

    @property
    def is_npc(self) -> bool:
        """Whether an NPC plays this side."""
        return self.npc_id is not None

    def cards(self) -> Iterator[CardInstance]:
        """Every card this player owns, whatever its zone."""
        yield from self.deck
        yield from self.hand
        if self.active is not None:
            yield self.active
        yield from self.bench
        yield from self.discard
        yield from self.prizes
        yield from self.energy_deck


@dataclass(slots=True, kw_only=True, config=STATE_CONFIG)
class ActionRecord:
    """One accepted action, as the replay needs it."""

    version: int = Field(ge=1, description="The state version this action produced.")
    turn: int = Field(ge=0)
    player: PlayerIndex
    kind: str = Field(min_length=1, max_length=64)
    params: dict[str, JsonValue] = Field(default_factory=dict)
    at: AwareDatetime


@dataclass(slots=True, kw_only=True, config=STATE_CONFIG)
class GameState:
    """A whole game in progress; see the module docstring for the version rule.

    A pydantic dataclass like its parts (see `app.core.choices` for why): the
    engine reads its fields around a hundred times per decision. It keeps the
    `BaseModel` methods the stores and tests use (``model_validate_json``,
    ``model_dump_json``, ``model_copy``...), with the same meaning.

    Raises:
        pydantic.ValidationError: on construction or `model_validate_json`, naming
            each field that is wrong (unknown field, duplicate card, bench over the
            rules' size, action log out of step with ``version``...).
    """

    schema_version: Literal[2] = GAME_STATE_SCHEMA_VERSION
    game_id: UUID
    game_type: GameType
    rules: RulesConfig = Field(default_factory=RulesConfig)
    players: tuple[PlayerState, PlayerState]
    rng_seed: int = Field(ge=0, description="Seeds every random draw, so a replay is exact.")
    turn_number: int = Field(default=0, ge=0)
    current_player: PlayerIndex = 0
    phase: TurnPhase = TurnPhase.SETUP
    turn_deadline: AwareDatetime | None = None
    first_player: PlayerIndex = 0
    winner: PlayerIndex | None = None
    end_reason: EndReason | None = None
    stadium: StadiumInPlay | None = None
    lasting_effects: list[LastingEffect] = Field(default_factory=list)
    pending_choice: PendingChoice | None = None
    version: int = Field(default=0, ge=0)
    started_at: AwareDatetime
    last_action_at: AwareDatetime
    action_log: list[ActionRecord] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _refuse_old_schema(cls, data: object) -> object:
        if isinstance(data, dict):
            found = data.get("schema_version", GAME_STATE_SCHEMA_VERSION)
            if found != GAME_STATE_SCHEMA_VERSION:
                raise ValueError(
                    f"schema_version {found!r} is not supported: this version reads game "
                    f"states of schema_version {GAME_STATE_SCHEMA_VERSION} only (version 1 "
                    "states predate the rules engine and cannot be resumed)"
                )
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = [*self._player_problems(), *self._card_problems(), *self._log_problems()]
        if self.winner is not None and self.phase is not TurnPhase.ENDED:
            problems.append(f"winner is set but phase is {self.phase}, not ended")
        if self.end_reason is not None and self.phase is not TurnPhase.ENDED:
            problems.append(f"end_reason is set but phase is {self.phase}, not ended")
        if self.pending_choice is not None and self.phase is TurnPhase.ENDED:
            problems.append("a choice is pending but the game has ended")
        if self.last_action_at < self.started_at:
            problems.append("last_action_at is earlier than started_at")
        if problems:
            raise ValueError(f"inconsistent game state {self.game_id}: " + "; ".join(problems))
        return self

    def _player_problems(self) -> Iterator[str]:
        first, second = self.players
        if first.is_npc and second.is_npc:
            yield "both players are NPCs; a game needs at least one user"
        if first.user_id is not None and first.user_id == second.user_id:
            yield f"both players are the same user {first.user_id}"

    def _card_problems(self) -> Iterator[str]:
        for index, player in enumerate(self.players):
            if len(player.bench) > self.rules.board_bench_size:
                yield (
                    f"players[{index}].bench holds {len(player.bench)} creatures; "
                    f"the rules allow {self.rules.board_bench_size}"
                )
        ids: list[str] = []
        if self.stadium is not None:
            ids.append(self.stadium.card.instance_id)
        for player in self.players:
            for card in player.cards():
                if card.attached_energy or card.attached_tool or card.evolved_from:
                    ids.extend(card.instance_ids())
                else:
                    ids.append(card.instance_id)
        if len(set(ids)) != len(ids):
            repeated = sorted({i for i in ids if ids.count(i) > 1})
            yield f"card instances appear more than once: {', '.join(repeated)}"

    def _log_problems(self) -> Iterator[str]:
        if len(self.action_log) != self.version:
            yield f"version is {self.version} but the action log holds {len(self.action_log)}"
        versions = [action.version for action in self.action_log]
        if versions != list(range(1, len(versions) + 1)):
            yield "action log versions are not 1, 2, 3... in order"

    @classmethod
    def model_validate(cls, data: object) -> GameState:
        """A validated state from Python data (dicts, lists...), as `BaseModel` does it."""
        return _adapter().validate_python(data)

    @classmethod
    def model_validate_json(cls, data: str | bytes) -> GameState:
        """A validated state from its JSON document."""
        return _adapter().validate_json(data)

    def model_dump(
        self,
        *,
        mode: Literal["json", "python"] = "python",
        exclude: set[str] | dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The state as Python data (``mode="json"``: JSON-compatible values only).

        `exclude` as pydantic takes it: field names, or a nested mapping (list items by
        index) to leave out parts of fields.
        """
        dumped: dict[str, Any] = _adapter().dump_python(self, mode=mode, exclude=exclude)
        return dumped

    def model_dump_json(self) -> str:
        """The state as its JSON document (what the stores keep)."""
        return _adapter().dump_json(self).decode()

    def model_copy(self, *, deep: bool = False, update: dict[str, Any] | None = None) -> GameState:
        """A copy, shallow or deep, with `update`'s fields replaced (not validated)."""
        copied = copy.deepcopy(self) if deep else copy.copy(self)
        for name, value in (update or {}).items():
            setattr(copied, name, value)
        return copied

    @property
    def user_ids(self) -> tuple[UUID | None, UUID | None]:
        """The user playing each seat (None for an NPC seat)."""
        return self.players[0].user_id, self.players[1].user_id

    @property
    def npc_id(self) -> str | None:
        """The NPC in this game, if one plays (at most one can)."""
        return self.players[0].npc_id or self.players[1].npc_id

    def record_action(
        self,
        kind: str,
        *,
        at: datetime,
        player: PlayerIndex | None = None,
        params: dict[str, JsonValue] | None = None,
    ) -> ActionRecord:
        """Append an accepted action to the log and advance ``version`` by one.

        `player` defaults to the player whose turn it is. The caller applies the
        action's effect on the zones; this keeps the version, the log and
        ``last_action_at`` in step. The record is built without validation (it is
        on the engine's hot path): `kind` and `params` must be what a record
        holds (a short name, JSON values); a naive `at` is refused.
        """
        if at.tzinfo is None:
            raise ValueError("record_action needs a timezone-aware time")
        action = object.__new__(ActionRecord)  # engine-made values: no validation
        action.version = self.version + 1
        action.turn = self.turn_number
        action.player = self.current_player if player is None else player
        action.kind = kind
        action.params = params or {}
        action.at = at
        self.action_log.append(action)
        self.version = action.version
        self.last_action_at = max(self.last_action_at, action.at)
        return action


@cache
def _adapter() -> TypeAdapter[GameState]:
    return TypeAdapter(GameState)


ACTION_LOG: Final = TypeAdapter(list[ActionRecord])
"""Validates and dumps an action log on its own (replays store it apart from the state)."""


class GameResult(BaseModel):
    """How a game ended, as passed to the GameStateManager's ``end_game``."""

    model_config = STATE_CONFIG

    winner: PlayerIndex | None = Field(default=None, description="None for a draw.")
    end_reason: EndReason
    ended_at: AwareDatetime | None = Field(
        default=None,
        description="When the game ended; None means the time end_game runs.",
    )


__all__ = [
    "ACTION_LOG",
    "GAME_STATE_SCHEMA_VERSION",
    "ActionRecord",
    "AttachedCard",
    "CardInstance",
    "ChoiceSource",
    "Continuation",
    "DefinitionId",
    "GameResult",
    "GameState",
    "InstanceId",
    "LastingEffect",
    "PendingChoice",
    "PlayerIndex",
    "PlayerState",
    "StadiumInPlay",
    "StatusCondition",
    "TurnPhase",
]
