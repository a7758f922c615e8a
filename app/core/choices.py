"""Pending choices and lasting effects: the parts of a `GameState` that wait or linger.

Kept apart from `app.core.game_state` (which re-exports every name here) so each
module stays readable; the models are plain JSON-round-trippable values.

A game state and its parts are pydantic *dataclasses* with slots, not `BaseModel`
subclasses: the rules engine reads and writes their fields millions of times a
second, and a `BaseModel` field costs about six times as much to read and forty
times as much to write (its ``__getattr__`` and ``__setattr__`` hooks keep CPython
off its fast attribute paths). Validation is the same: building one from JSON or
keywords checks every field and refuses unknown ones, and `GameState` keeps the
`BaseModel` methods the stores read and write it with.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import ConfigDict, Field, JsonValue, model_validator
from pydantic.dataclasses import dataclass

PlayerIndex = Literal[0, 1]
"""A seat at the table; ``GameState.first_player`` says which seat went first."""

InstanceId = Annotated[str, Field(min_length=1, max_length=64)]
"""Identifies one physical card within one game; unique across all zones of both players."""


STATE_CONFIG = ConfigDict(extra="forbid")
"""The configuration of every part of a game state: unknown fields are refused."""


class ChoiceSource(StrEnum):
    """What asked for a pending choice, so the engine knows who resumes it."""

    ATTACK = "attack"
    ABILITY = "ability"
    TRAINER = "trainer"
    TRIGGER = "trigger"
    RULE = "rule"
    """A rule of the game (promotion after a knockout, discarding to the hand limit)."""


@dataclass(slots=True, kw_only=True, config=STATE_CONFIG)
class Continuation:
    """Where to resume once a pending choice is answered; plain JSON so it survives a restart.

    For effect choices the executor owns the meaning of ``step_path`` (indexes into
    nested step lists) and ``bound`` (values fixed so far: coin results, chosen
    targets, the attack's running damage); the core engine only stores them.
    """

    source_kind: ChoiceSource
    source_card: InstanceId | None = None
    source_index: int | None = Field(
        default=None, ge=0, description="Attack or ability index on the source card."
    )
    step_path: list[int] = Field(default_factory=list)
    bound: dict[str, JsonValue] = Field(default_factory=dict)
    then: str | None = Field(
        default=None,
        max_length=64,
        description="For rule choices: the rule step that follows (e.g. 'checkup').",
    )


@dataclass(slots=True, kw_only=True, config=STATE_CONFIG)
class PendingChoice:
    """A question the game waits on: who answers, what they choose from and how many."""

    player: PlayerIndex
    kind: str = Field(min_length=1, max_length=64, description="e.g. promote, discard, target.")
    options: list[str] = Field(description="Ids the player chooses among (instance ids, types).")
    min_count: int = Field(ge=0)
    max_count: int = Field(ge=0)
    prompt: str = Field(default="", max_length=300)
    revealed: list[str] = Field(
        default_factory=list,
        description="Cards the chooser may look at while choosing (e.g. the top of a deck).",
    )
    continuation: Continuation

    @model_validator(mode="after")
    def _counts(self) -> Self:
        if self.min_count > self.max_count:
            raise ValueError(f"min_count {self.min_count} exceeds max_count {self.max_count}")
        if self.min_count > len(self.options):
            raise ValueError(f"min_count {self.min_count} exceeds the {len(self.options)} options")
        return self


@dataclass(slots=True, kw_only=True, config=STATE_CONFIG)
class LastingEffect:
    """A modifier that outlives the action that created it (e.g. "prevent damage next turn").

    ``modifier`` is the effect vocabulary's modifier as JSON (``kind`` plus its
    parameters). It applies to the creature ``target`` when set, else to the
    creatures its modifier's scope names, read with ``player`` as the owner (the
    default ``holder`` scope: every creature of ``player``); its condition, if any,
    must hold when it is read. It ends at the end of turn ``expires_after_turn`` (None:
    no turn limit), and also when ``target`` leaves the active spot if
    ``until_leaves_active``; leaving play always ends it.
    """

    modifier: dict[str, JsonValue]
    player: PlayerIndex = Field(description="The side the effect applies to.")
    target: InstanceId | None = None
    source: InstanceId | None = Field(default=None, description="The card that created it.")
    created_turn: int = Field(ge=0)
    expires_after_turn: int | None = Field(default=None, ge=0)
    until_leaves_active: bool = False
