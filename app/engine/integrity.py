"""`check_state`: a state from outside the engine is one it can play on, or it is refused.

`GameState` validation (`app.core.game_state`) refuses states no game could be in
without knowing the catalog (a card in two places, a log out of step with the
version...). This adds what needs the catalog and the rules, so a state edited by
hand or by a bug is refused with `CorruptStateError`, naming what is wrong, rather
than crashing the engine later with a `KeyError` or leaving a game stuck:

- every card is a card of the catalog, and each is of a kind its place can hold:
  creatures in play and under an evolved creature, energy attached as energy and in
  the energy deck, a tool as a tool, a stadium as the stadium;
- cards outside play carry no play state (damage, attachments, status, turn played):
  the engine only ever puts clean cards there, and `app.engine.snapshot` relies on it;
- every lasting effect holds a modifier of the effect vocabulary;
- a game that has not ended has something to do: no phase in which the engine only
  passes through (``draw``, ``attack``, ``between_turns``) unless a choice is pending,
  and setup only while a player has not finished it.

`apply` and `legal_actions` run it once per state object and version they have not
produced themselves (a state loaded from a store, built by a test, or edited), so a
driver that calls them on the same object pays for it once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from pydantic import TypeAdapter, ValidationError

from app.core.cards import CardDefinition, CreatureCard, TrainerCard, TrainerSubtype
from app.core.effects import Modifier
from app.core.game_state import CardInstance, GameState, PlayerState, TurnPhase
from app.engine.errors import CorruptStateError

_MODIFIER: TypeAdapter[Modifier] = TypeAdapter(Modifier)
_PASSING = (TurnPhase.DRAW, TurnPhase.ATTACK, TurnPhase.BETWEEN_TURNS)


def check_state(state: GameState, cards: Mapping[str, CardDefinition]) -> None:
    """Refuse a state the engine could not play on (see the module docstring).

    Raises:
        CorruptStateError: naming every problem found.
    """
    problems = [*_card_problems(state, cards), *_flow_problems(state)]
    for position, effect in enumerate(state.lasting_effects):
        try:
            _MODIFIER.validate_python(effect.modifier)
        except ValidationError:
            problems.append(f"lasting_effects[{position}] holds an unknown modifier")
    if problems:
        raise CorruptStateError(problems)


def _kind(definition: CardDefinition | None) -> str:
    if definition is None:
        return "unknown"
    if isinstance(definition, TrainerCard):
        return f"trainer:{definition.trainer_subtype}"
    return "creature" if isinstance(definition, CreatureCard) else "energy"


def _card_problems(state: GameState, cards: Mapping[str, CardDefinition]) -> Iterator[str]:
    def expect(where: str, instance_id: str, definition_id: str, allowed: tuple[str, ...]) -> str:
        kind = _kind(cards.get(definition_id))
        if kind == "unknown":
            return f"{where} {instance_id} is {definition_id!r}, not a card of the catalog"
        if allowed and kind not in allowed:
            return (
                f"{where} {instance_id} is {definition_id!r} ({kind}), not {' or '.join(allowed)}"
            )
        return ""

    creature, energy = ("creature",), ("energy",)
    tool, stadium = (f"trainer:{TrainerSubtype.TOOL}",), (f"trainer:{TrainerSubtype.STADIUM}",)
    for seat, player in enumerate(state.players):
        side = f"players[{seat}]"
        for zone, allowed in (
            ("deck", ()),
            ("hand", ()),
            ("discard", ()),
            ("prizes", ()),
            ("energy_deck", energy),
        ):
            for card in getattr(player, zone):
                found = expect(f"{side}.{zone}", card.instance_id, card.definition_id, allowed)
                if found:
                    yield found
                elif not _clean(card):
                    yield f"{side}.{zone} {card.instance_id} outside play carries play state"
        for creature_card in _in_play(player):
            where = f"{side} in play"
            yield from _nonempty(
                [
                    expect(where, creature_card.instance_id, creature_card.definition_id, creature),
                    *(
                        expect(f"{where}, attached energy", e.instance_id, e.definition_id, energy)
                        for e in creature_card.attached_energy
                    ),
                    *(
                        expect(f"{where}, under it", e.instance_id, e.definition_id, creature)
                        for e in creature_card.evolved_from
                    ),
                ]
            )
            held = creature_card.attached_tool
            if held is not None:
                yield from _nonempty(
                    [expect(f"{where}, tool", held.instance_id, held.definition_id, tool)]
                )
    if state.stadium is not None:
        card = state.stadium.card
        yield from _nonempty([expect("stadium", card.instance_id, card.definition_id, stadium)])


def _nonempty(found: list[str]) -> Iterator[str]:
    return (problem for problem in found if problem)


def _in_play(player: PlayerState) -> list[CardInstance]:
    return [player.active, *player.bench] if player.active is not None else list(player.bench)


def _clean(card: CardInstance) -> bool:
    return not (
        card.damage
        or card.attached_energy
        or card.attached_tool is not None
        or card.evolved_from
        or card.status_conditions
        or card.turn_played is not None
    )


def _flow_problems(state: GameState) -> Iterator[str]:
    phase = state.phase
    if phase is TurnPhase.ENDED or state.pending_choice is not None:
        return
    if phase in _PASSING:
        yield f"the game is in the {phase.value} phase with no choice pending: nothing can be done"
    elif phase is TurnPhase.SETUP and all(player.setup_done for player in state.players):
        yield "both players finished setup but the game is still in setup"
    elif phase is TurnPhase.MAIN and state.players[state.current_player].active is None:
        yield f"player {state.current_player} is in the main phase with no Front creature"


_checked: tuple[GameState | None, int] = (None, -1)


def ensure_checked(state: GameState, cards: Mapping[str, CardDefinition]) -> None:
    """`check_state` unless this very state object was checked or produced at this version."""
    if _checked[0] is state and _checked[1] == state.version:
        return
    check_state(state, cards)
    mark_checked(state)


def mark_checked(state: GameState) -> None:
    """Record that `state`, at its current version, came out of the engine."""
    global _checked  # one state remembered, like `app.engine.legal.was_offered`
    _checked = (state, state.version)
