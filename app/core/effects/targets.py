"""Who an effect acts on: creatures in play (`Target`) and cards in a zone (`CardFilter`).

Every side is relative to the *acting player*: the player whose attack, trainer, ability,
tool, stadium activation or energy the effect comes from. ``own`` is that player,
``opponent`` the other one.

A `Target` names creatures in play. Three selections refer to a creature the engine
already knows, and take no side, zone or filter:

- ``source``: the creature the effect belongs to. For an attack, the attacker; for an
  ability, the creature that has it; for a tool or a special energy, the creature it is
  attached to. Trainers played from the hand (items, supporters, stadiums) have none.
- ``attacker``: inside an ``on_damaged_by_attack`` or ``on_knocked_out`` trigger, the
  creature whose attack did it (no creature when the knockout was not by an attack, in
  which case the step does nothing).
- ``same``: the creature(s) picked by the nearest earlier step of the same effect that
  had a target (Flint Striker attaches energy to your Front Fire creature, then
  damages *it*).

The other two pick from the creatures on ``side`` in ``zone`` that pass ``filter``:

- ``all``: every one of them (the opponent's Active creature is ``all`` of a one-slot zone).
- ``choose``: ``chooser`` picks ``count`` of them (``up_to``: from zero to ``count``);
  when fewer qualify, all that qualify. The engine asks through a pending choice.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import model_validator

from app.core.card_enums import CardType, EnergyKind, EnergyType, Stage, TrainerSubtype
from app.core.effects._base import Count, EffectModel


class Side(StrEnum):
    """Whose: the acting player's or the opponent's."""

    OWN = "own"
    OPPONENT = "opponent"


class Zone(StrEnum):
    """Where in play: the Front, the bench, or either."""

    ACTIVE = "active"
    BENCH = "bench"
    IN_PLAY = "in_play"


class Select(StrEnum):
    """How a `Target` picks its creatures (see the module docstring)."""

    SOURCE = "source"
    ATTACKER = "attacker"
    SAME = "same"
    ALL = "all"
    CHOOSE = "choose"


class CreatureFilter(EffectModel):
    """Conditions a creature in play must meet; every field left out matches anything.

    ``played_this_turn`` True keeps only creatures put into play (or evolved) this turn,
    which is how Quickening Dew states its timing; False excludes them.
    """

    element: EnergyType | None = None
    stages: tuple[Stage, ...] | None = None
    is_apex: bool | None = None
    damaged: bool | None = None
    has_energy: bool | None = None
    played_this_turn: bool | None = None


class Target(EffectModel):
    """Creatures in play an effect step acts on (see the module docstring)."""

    select: Select
    side: Side | None = None
    zone: Zone | None = None
    filter: CreatureFilter | None = None
    count: Count = 1
    up_to: bool = False
    chooser: Side = Side.OWN

    @model_validator(mode="after")
    def _check_shape(self) -> Self:
        known = self.select in (Select.SOURCE, Select.ATTACKER, Select.SAME)
        if known:
            given = [name for name in ("side", "zone", "filter") if getattr(self, name) is not None]
            if given or self.count != 1 or self.up_to or self.chooser is not Side.OWN:
                raise ValueError(
                    f"select {self.select.value!r} names one known creature; "
                    "it takes no side, zone, filter, count, up_to or chooser"
                )
            return self
        if self.side is None or self.zone is None:
            raise ValueError(f"select {self.select.value!r} needs a side and a zone")
        if self.select is Select.ALL and (
            self.count != 1 or self.up_to or self.chooser is not Side.OWN
        ):
            raise ValueError("select 'all' takes every match: no count, up_to or chooser")
        return self


class CardFilter(EffectModel):
    """Which cards (in a deck, discard pile or hand) qualify; left-out fields match anything.

    ``card_types`` limits the kind of card; each other field applies only to cards of the
    kind it describes and is ignored for others: ``stages`` to creatures,
    ``trainer_subtypes`` to trainers, ``energy_kinds`` to energy. So "creature cards and
    basic Energy cards" is ``card_types: [creature, energy], energy_kinds: [basic]``.
    """

    card_types: tuple[CardType, ...] | None = None
    stages: tuple[Stage, ...] | None = None
    trainer_subtypes: tuple[TrainerSubtype, ...] | None = None
    energy_kinds: tuple[EnergyKind, ...] | None = None


class EnergyFilter(EffectModel):
    """Which energy cards qualify for an attach or discard.

    ``types``: the card must provide one of these types (None: any type).
    ``basic_only``: only basic energy cards (the catalog's "a basic Fire Energy").
    """

    types: tuple[EnergyType, ...] | None = None
    basic_only: bool = False
