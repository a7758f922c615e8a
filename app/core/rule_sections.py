"""The sections of `app.core.rules.RulesConfig`: one immutable model per concern.

Each section is data the engine reads; the three presets differ only in these
values. Import them from `app.core.rules`, which re-exports every name here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class EnergySource(StrEnum):
    """Where a player's energy comes from during a game."""

    ENERGY_DECK = "energy_deck"
    """A separate deck of energy cards, drawn from one per turn (``energy_deck_size`` cards)."""
    ENERGY_ZONE = "energy_zone"
    """No energy cards are drawn: a zone generates one energy per turn of the deck's types."""
    MAIN_DECK = "main_deck"
    """Energy cards are shuffled into the main deck, as in the classic game."""


class WinCondition(StrEnum):
    """How the knock-outs a player scores are counted towards victory."""

    POINTS = "points"
    PRIZES = "prizes"


class WeaknessMode(StrEnum):
    """How weakness changes damage: ``add`` adds the value, ``multiply`` multiplies by it."""

    ADD = "add"
    MULTIPLY = "multiply"


class Rules(BaseModel):
    """Base of every rules section: immutable, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class DeckRules(Rules):
    """What makes a deck legal to bring to a game."""

    size: int = Field(default=40, ge=1, le=200, description="Exact number of main-deck cards.")
    max_copies_per_name: int = Field(
        default=4,
        ge=1,
        description="Copies allowed of one card name; alternate arts share their name.",
    )
    basic_energy_exempt: bool = Field(
        default=True, description="Basic energy cards ignore the copy limit."
    )
    min_basic_creatures: int = Field(
        default=1, ge=1, description="Basic creatures the main deck must hold to open a game."
    )


class EnergyRules(Rules):
    """Where energy comes from and how much of it a player may use.

    The size settings belong to one source each; left out, they default to the
    chosen source's usual value (20 energy-deck cards, 3 zone types) and stay null
    for the other sources, so switching source needs only ``source``.
    """

    source: EnergySource = EnergySource.ENERGY_DECK
    energy_deck_draws_per_turn: int = Field(
        default=1,
        ge=0,
        le=3,
        description="Energy cards drawn from the energy deck into the hand at each draw step "
        "(energy_deck only; first turn included: the card waits in the hand).",
    )
    energy_deck_size: int | None = Field(
        default=None, ge=1, le=100, description="Cards in the energy deck; only for energy_deck."
    )
    zone_max_types: int | None = Field(
        default=None, ge=1, le=9, description="Energy types a deck may declare; only energy_zone."
    )
    attachments_per_turn: int = Field(default=1, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _source_defaults(cls, data: Any) -> Any:
        if isinstance(data, dict):
            source = data.get("source", EnergySource.ENERGY_DECK)
            if source == EnergySource.ENERGY_DECK:
                data = {"energy_deck_size": 20, **data}
            elif source == EnergySource.ENERGY_ZONE:
                data = {"zone_max_types": 3, **data}
        return data


class MulliganMode(StrEnum):
    """What happens when an opening hand holds no basic creature."""

    REDRAW = "redraw"
    """Show the hand, shuffle it back and draw again (classic); each redraw is a mulligan."""
    GUARANTEE_BASIC = "guarantee_basic"
    """The opening hand always holds a basic: a random basic from the deck replaces a random
    card of a hand without one (Pocket); no mulligan is counted."""


class HandRules(Rules):
    """Hand sizes and the opening hand."""

    opening_size: int = Field(default=7, ge=1)
    max_size: int | None = Field(
        default=None,
        ge=1,
        description="Cards a hand may hold at end of turn (the player discards the excess, "
        "choosing which); None: no limit.",
    )
    mulligan_mode: MulliganMode = MulliganMode.GUARANTEE_BASIC
    mulligan_extra_draw: int = Field(
        default=0,
        ge=0,
        le=3,
        description="Cards the opponent draws at the end of setup for each mulligan (redraw).",
    )


class TurnLimitOutcome(StrEnum):
    """How a game cut short by the turn limit is decided."""

    MOST_SCORED = "most_scored"
    """More points (or more prizes taken) wins; equal scores are a draw."""
    DRAW = "draw"
    """Always a draw."""


RENAMED_WIN_FIELDS = {
    "points_per_ex_knockout": "points_per_apex_knockout",
    "prizes_per_ex_knockout": "prizes_per_apex_knockout",
}
"""Old field name -> new: rules configs stored with games before the Apex rename load."""


def _renamed(data: dict[str, Any], renames: dict[str, str]) -> dict[str, Any]:
    """`data` with each old key under its new name (an explicit new key wins)."""
    moved = {new: data[old] for old, new in renames.items() if old in data and new not in data}
    return {**{k: v for k, v in data.items() if k not in renames}, **moved}


class WinRules(Rules):
    """How a game is won, lost or cut short.

    ``points_to_win`` belongs to the points condition and ``prize_count`` to the
    prizes condition; left out, each defaults to its condition's usual value (4
    points, 6 prizes) and stays null for the other condition.
    """

    condition: WinCondition = WinCondition.POINTS
    points_to_win: int | None = Field(default=None, ge=1)
    points_per_knockout: int = Field(default=1, ge=1)
    points_per_apex_knockout: int = Field(
        default=2, ge=1, description="Points for knocking out an Apex creature."
    )
    prize_count: int | None = Field(default=None, ge=1)
    prizes_per_knockout: int = Field(default=1, ge=1, description="Prizes taken for a knockout.")
    prizes_per_apex_knockout: int = Field(
        default=2, ge=1, description="Prizes taken for knocking out an Apex creature."
    )
    deck_out_loses: bool = Field(
        default=True,
        description="A player who must draw at the start of their turn from an empty deck "
        "loses; when false they just skip the draw.",
    )
    turn_limit: int | None = Field(
        default=30, ge=1, description="Turns (both players) after which the game ends; None: none."
    )
    turn_limit_outcome: TurnLimitOutcome = Field(
        default=TurnLimitOutcome.MOST_SCORED,
        description="Who wins when the turn limit ends the game.",
    )

    @model_validator(mode="before")
    @classmethod
    def _condition_defaults(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = _renamed(data, RENAMED_WIN_FIELDS)
            if data.get("condition", WinCondition.POINTS) == WinCondition.POINTS:
                data = {"points_to_win": 4, **data}
            else:
                data = {"prize_count": 6, **data}
        return data


class FirstTurnRules(Rules):
    """What each player may do on their very first turn (turn 1 first player, turn 2 second).

    A field's default is the behaviour from before it existed, so a rules config
    stored without it (an older game) keeps playing as it started; the
    ``mantimon`` values are `MANTIMON_FIRST_TURN`, `RulesConfig`'s default.
    """

    can_draw: bool = True
    can_attach_energy: bool = False
    can_attack: bool = True
    can_play_supporter: bool = True
    second_player_can_attack: bool = Field(
        default=True,
        description="Whether the player going second may attack on their own first turn "
        "(turn 2); the other first-turn settings apply to turn 1 only.",
    )
    second_player_extra_energy: int = Field(
        default=0,
        ge=0,
        le=2,
        description="On their own first turn (turn 2) the player going second draws this many "
        "more energy cards (energy_deck only) and may make this many more attachments.",
    )


MANTIMON_FIRST_TURN = FirstTurnRules(
    can_attach_energy=True,
    can_attack=False,
    second_player_can_attack=False,
    second_player_extra_energy=1,
)
"""The ``mantimon`` first round: nobody attacks; the first player may attach energy on
turn 1, and the second player gets an extra energy card and attachment on turn 2.

Chosen by simulation (issue 10): with no attachment on turn 1 the second player was
always an energy ahead and the first player won about 40% of bot games; with the turn-1
attachment alone the first player won about 58%. The second player's extra energy and
the attack-free first round bring it inside 45-55% (54.5% over the 20,000 games of the
starter matrix, seed 10; README, rules table)."""


class TurnRules(Rules):
    """Limits that apply to every turn."""

    supporters_per_turn: int = Field(default=1, ge=0)
    retreats_per_turn: int = Field(default=1, ge=0)


class EvolutionRules(Rules):
    """When a creature may evolve."""

    not_on_turn_played: bool = Field(
        default=True,
        description="A creature cannot evolve on the turn it was put into play or evolved.",
    )
    not_on_first_turn: bool = Field(
        default=True, description="Neither player may evolve during their own first turn."
    )


class TrainerRules(Rules):
    """Limits on stadiums and tools, and whether a trainer that would do nothing is playable.

    Supporters are counted in `TurnRules`.
    """

    stadiums_per_turn: int = Field(default=1, ge=0)
    stadium_same_name_blocked: bool = Field(
        default=True,
        description="A stadium cannot be played while a stadium of the same name is in play.",
    )
    tools_per_creature: int = Field(default=1, ge=1, le=1)
    refuse_without_effect: bool = Field(
        default=True,
        description=(
            "An item or supporter may be played only when its cost (cards put from the "
            "hand first) can be paid and one of its steps can change the game now, as "
            "the published digital game refuses a card whose effect cannot do anything."
        ),
    )


class StatusRules(Rules):
    """The numbers behind status conditions, applied between turns."""

    poison_damage: int = Field(default=10, ge=0, multiple_of=10)
    burn_damage: int = Field(default=20, ge=0, multiple_of=10)
    burn_recover_flip: bool = Field(
        default=True, description="After burn damage, a coin flip: heads cures the burn."
    )
    sleep_wake_flip: bool = Field(
        default=True, description="Between turns a coin flip: heads wakes the creature."
    )
    confusion_self_damage: int = Field(
        default=0,
        ge=0,
        multiple_of=10,
        description="Damage a confused creature deals itself when the attack flip is tails.",
    )


class CombatRules(Rules):
    """How weakness and resistance change damage.

    A card's printed weakness names only the type (its value may be left out):
    the rules decide the mode and the default value, so one catalog plays under
    every preset.
    """

    weakness_mode: WeaknessMode = WeaknessMode.ADD
    weakness_value: int = Field(
        default=10,
        ge=1,
        description="Added (or multiplied) when the attacker's element is the defender's "
        "weakness. ``mantimon`` adds 10: with +20 a weakness decided most starter matchups.",
    )
    resistance_enabled: bool = Field(
        default=False,
        description="Whether printed resistances apply. Off under ``mantimon`` (as in "
        "``pocket``): a printed -30 outweighed a +10 weakness and decided matchups alone.",
    )
