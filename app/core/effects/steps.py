"""Steps: the things attacks, trainers, activated abilities and triggers do, in order.

An effect is a tuple of steps run first to last by the engine's executor (one handler per
``kind``). Every step may carry a ``condition``; a step whose condition does not hold is
skipped. Unless a step says otherwise, "the player" is the acting player and a step that
finds nothing to act on (no target, an empty deck) does nothing.

Attack damage: the attack's printed damage hits the opponent's Active creature after all
its steps ran. ``damage_bonus`` adds to it and ``set_damage`` replaces it (the ``20x``
attacks), both before weakness, resistance and modifiers. ``damage`` to other creatures is
attack damage too when it comes from an attack (no weakness or resistance, but
``damage_taken`` and ``prevent_damage`` apply); from a trainer or a trigger it is plain
damage that nothing modifies. ``self_damage`` and ``place_counters`` are never modified.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import Field, StrictInt, model_validator

from app.core.card_enums import StatusCondition
from app.core.effects._base import Count, EffectModel, Hp
from app.core.effects.amounts import Amount, Condition
from app.core.effects.modifiers import Modifier, ScopeKind
from app.core.effects.targets import CardFilter, EnergyFilter, Select, Side, Target


class _Step(EffectModel):
    condition: Condition | None = None


# ------------------------------------------------------------------ attack damage


class DamageBonus(_Step):
    """The attack does ``amount`` more damage to the opponent's Active creature."""

    kind: Literal["damage_bonus"]
    amount: Amount


class SetDamage(_Step):
    """The attack's base damage becomes ``amount`` (``20x`` attacks: 20 per unit)."""

    kind: Literal["set_damage"]
    amount: Amount


class CoinFlip(_Step):
    """Flip ``count`` coins; the number of heads is bound for later ``per: heads`` amounts.

    With a single coin, ``on_heads`` or ``on_tails`` runs on its result (multi-coin flips
    only count heads). The flips come from the game's seeded random stream.
    """

    kind: Literal["coin_flip"]
    count: Count = 1
    on_heads: tuple[Step, ...] = ()
    on_tails: tuple[Step, ...] = ()

    @model_validator(mode="after")
    def _check_branches(self) -> Self:
        if self.count > 1 and (self.on_heads or self.on_tails):
            raise ValueError("on_heads/on_tails need a single coin; count heads with per")
        return self


# ------------------------------------------------------------------ creatures


class ApplyStatus(_Step):
    """The targets get ``status`` (replacing asleep/confused/paralyzed as the rules say)."""

    kind: Literal["apply_status"]
    target: Target
    status: StatusCondition


class Heal(_Step):
    """Heal ``amount`` damage from each target; ``cure`` also removes special conditions."""

    kind: Literal["heal"]
    target: Target
    amount: Amount
    cure: bool = False


class Damage(_Step):
    """Do ``amount`` damage to each target (see the module docstring for which kind)."""

    kind: Literal["damage"]
    target: Target
    amount: Amount


class PlaceCounters(_Step):
    """Put ``count`` damage counters (10 damage each) on each target; nothing modifies it."""

    kind: Literal["place_counters"]
    target: Target
    count: Count


class SelfDamage(_Step):
    """The attacking creature does ``amount`` damage to itself (recoil), after the attack."""

    kind: Literal["self_damage"]
    amount: Hp


class Switch(_Step):
    """Swap ``side``'s Active creature with one of its benched creatures, picked by ``chooser``.

    Own side: the player's switch. Opponent's side chosen by the player: a gust ("switch in
    1 of your opponent's benched creatures"). Opponent's side chosen by the opponent: a
    forced switch. ``optional``: the player may decline ("you may switch").
    """

    kind: Literal["switch"]
    side: Side
    chooser: Side = Side.OWN
    optional: bool = False


class ReturnToHand(_Step):
    """Put each target creature (every stage of it) into its owner's hand.

    What was attached to it goes to the hand with it (``attached: hand``) or to the
    discard pile (``attached: discard``; Ferryman Oskar takes them to the hand).
    """

    kind: Literal["return_to_hand"]
    target: Target
    attached: Literal["hand", "discard"] = "hand"


class EvolveFromHand(_Step):
    """Evolve the target with a card from the hand.

    ``skip_stage``: a stage 2 that evolves from the basic target through a stage 1 (the
    stage 1 need not be anywhere). Rules timing still applies unless the card's
    ``requires`` and target filter say more.
    """

    kind: Literal["evolve_from_hand"]
    target: Target
    skip_stage: bool = True


# ------------------------------------------------------------------ energy


class AttachEnergy(_Step):
    """Attach ``count`` energy cards matching ``energy`` from ``source`` to EACH target.

    ``count`` counts energies per target; the number of targets is the target's count
    (Storm Chaser Rue: 1 energy to each of up to 2 benched Lightning creatures).
    """

    kind: Literal["attach_energy"]
    source: Literal["discard"] = "discard"
    energy: EnergyFilter
    count: Count = 1
    target: Target


class DiscardEnergy(_Step):
    """Discard ``count`` energy cards matching ``energy`` from each target.

    ``chooser`` picks which cards (the acting player unless stated).
    """

    kind: Literal["discard_energy"]
    target: Target
    energy: EnergyFilter = EnergyFilter()
    count: Count = 1
    chooser: Side = Side.OWN


class MoveEnergy(_Step):
    """Move ``count`` energy cards from the ``from_creature`` to the ``to_creature``."""

    kind: Literal["move_energy"]
    from_creature: Target
    to_creature: Target
    count: Count = 1


# ------------------------------------------------------------------ cards


class Draw(_Step):
    """``player`` draws ``count`` cards (fewer if the deck runs out; never a loss here)."""

    kind: Literal["draw"]
    player: Side = Side.OWN
    count: Amount


class DrawToHandSize(_Step):
    """``player`` draws until their hand holds ``size`` cards."""

    kind: Literal["draw_to_hand_size"]
    player: Side = Side.OWN
    size: Count


class ShuffleHandAndDraw(_Step):
    """``player`` shuffles their hand into their deck, then draws ``count`` cards."""

    kind: Literal["shuffle_hand_and_draw"]
    player: Side = Side.OWN
    count: Count


class PutFromHand(_Step):
    """The player puts ``min_count`` to ``max_count`` cards from their hand somewhere.

    ``to``: the discard pile or the bottom of their deck; the player picks the cards.
    """

    kind: Literal["put_from_hand"]
    min_count: Annotated[StrictInt, Field(ge=0, le=60)] = 1
    max_count: Count = 1
    to: Literal["discard", "deck_bottom"] = "discard"

    @model_validator(mode="after")
    def _check_range(self) -> Self:
        if self.min_count > self.max_count:
            raise ValueError("min_count must not exceed max_count")
        return self


class SearchDeck(_Step):
    """Search the deck for up to ``count`` cards matching ``filter``, then shuffle it.

    The cards found are revealed and go into the hand or onto the bench (``to: bench``
    only for basic creatures, and only while the bench has room).
    """

    kind: Literal["search_deck"]
    filter: CardFilter
    count: Count = 1
    to: Literal["hand", "bench"] = "hand"


class LookTop(_Step):
    """Look at the top ``count`` cards of the deck and take up to ``pick`` of them.

    Only cards matching ``filter`` may be taken; they go into the hand (``must_pick``:
    exactly ``pick`` when that many match).

    ``rest``: the others are shuffled back (``shuffle``) or put on the bottom of the deck
    in an order the player chooses (``bottom``).
    """

    kind: Literal["look_top"]
    count: Count
    pick: Count
    must_pick: bool = False
    filter: CardFilter | None = None
    rest: Literal["shuffle", "bottom"]


class ArrangeTop(_Step):
    """Look at the top ``count`` cards of ``player``'s deck and put them back in any order.

    The acting player looks and orders, whichever deck it is.
    """

    kind: Literal["arrange_top"]
    player: Side = Side.OWN
    count: Count


class RecoverFromDiscard(_Step):
    """Take up to ``count`` cards matching ``filter`` from the discard pile.

    They go into the hand, or are shuffled into the deck (``to: deck``).
    """

    kind: Literal["recover_from_discard"]
    filter: CardFilter = CardFilter()
    count: Count = 1
    to: Literal["hand", "deck"] = "hand"


class RevealHand(_Step):
    """``player`` reveals their hand to the acting player (an event; nothing moves)."""

    kind: Literal["reveal_hand"]
    player: Side = Side.OPPONENT


class DiscardStadium(_Step):
    """Discard the Stadium in play (whoever played it)."""

    kind: Literal["discard_stadium"]


# ------------------------------------------------------------------ lasting effects


class Duration(StrEnum):
    """How long a lasting effect stays.

    - ``this_turn``: until the end of the current turn.
    - ``opponent_next_turn``: until the end of the opponent's next turn.
    - ``own_next_turn``: until the end of the acting player's next turn.

    An effect put on a creature also ends when that creature leaves play or the Active
    Spot (the usual "Defending creature" reading).
    """

    THIS_TURN = "this_turn"
    OPPONENT_NEXT_TURN = "opponent_next_turn"
    OWN_NEXT_TURN = "own_next_turn"


class AddLasting(_Step):
    """Add ``modifier`` for ``duration``.

    With a ``target``, the modifier is put on each targeted creature (its holder) and its
    scope must be ``holder``. Without one, it belongs to the acting player and its scope
    says which creatures it affects at any moment (Smith Dagny: your Front creature).
    """

    kind: Literal["add_lasting"]
    target: Target | None = None
    modifier: Modifier
    duration: Duration

    @model_validator(mode="after")
    def _check_scope(self) -> Self:
        on_creature = self.target is not None
        holder = self.modifier.scope.kind is ScopeKind.HOLDER
        if on_creature and not holder:
            raise ValueError("a lasting effect put on a target needs the holder scope")
        if not on_creature and holder:
            raise ValueError("a lasting effect without a target needs a scope other than holder")
        return self


Step = Annotated[
    DamageBonus
    | SetDamage
    | CoinFlip
    | ApplyStatus
    | Heal
    | Damage
    | PlaceCounters
    | SelfDamage
    | Switch
    | ReturnToHand
    | EvolveFromHand
    | AttachEnergy
    | DiscardEnergy
    | MoveEnergy
    | Draw
    | DrawToHandSize
    | ShuffleHandAndDraw
    | PutFromHand
    | SearchDeck
    | LookTop
    | ArrangeTop
    | RecoverFromDiscard
    | RevealHand
    | DiscardStadium
    | AddLasting,
    Field(discriminator="kind"),
]
"""Any step."""

CoinFlip.model_rebuild()


def walk_steps(steps: tuple[Step, ...]) -> list[Step]:
    """Every step in ``steps``, depth first, including those inside coin-flip branches."""
    found: list[Step] = []
    for step in steps:
        found.append(step)
        if isinstance(step, CoinFlip):
            found.extend(walk_steps(step.on_heads))
            found.extend(walk_steps(step.on_tails))
    return found


def uses_source(steps: tuple[Step, ...]) -> bool:
    """Whether any step targets the source creature (invalid for trainers played from hand)."""
    for step in walk_steps(steps):
        for value in step.__dict__.values():
            if isinstance(value, Target) and value.select is Select.SOURCE:
                return True
        if isinstance(step, SelfDamage):
            return True
    return False
