"""The closed registry: one handler per step kind of `app.core.effects.Step`.

`HANDLERS` maps every ``kind`` of the Step union to its handler; `check_registry`
says what is missing or extra, and the test suite fails when either list is not
empty, so a kind added to the vocabulary cannot reach a game without a handler.
"""

from __future__ import annotations

import typing

from app.core.effects import Step
from app.engine.effects import board, cards, damage, energy, flow, lasting
from app.engine.effects.runtime import HANDLERS, Handler

_TABLE: dict[str, Handler] = {
    "damage_bonus": damage.damage_bonus,
    "set_damage": damage.set_damage,
    "damage": damage.damage,
    "place_counters": damage.place_counters,
    "self_damage": damage.self_damage,
    "coin_flip": flow.coin_flip,
    "apply_status": board.apply_status,
    "heal": board.heal,
    "switch": board.switch,
    "return_to_hand": board.return_to_hand,
    "evolve_from_hand": board.evolve_from_hand,
    "attach_energy": energy.attach_energy,
    "discard_energy": energy.discard_energy,
    "move_energy": energy.move_energy,
    "draw": cards.draw,
    "draw_to_hand_size": cards.draw_to_hand_size,
    "shuffle_hand_and_draw": cards.shuffle_hand_and_draw,
    "put_from_hand": cards.put_from_hand,
    "search_deck": cards.search_deck,
    "look_top": cards.look_top,
    "arrange_top": cards.arrange_top,
    "recover_from_discard": cards.recover_from_discard,
    "reveal_hand": cards.reveal_hand,
    "discard_stadium": cards.discard_stadium,
    "add_lasting": lasting.add_lasting,
}
HANDLERS.update(_TABLE)

__all__ = ["HANDLERS", "check_registry", "step_kinds"]


def step_kinds() -> frozenset[str]:
    """Every ``kind`` the Step union accepts (read from the union's models)."""
    union = typing.get_args(Step)[0]
    kinds: set[str] = set()
    for model in typing.get_args(union):
        (kind,) = typing.get_args(model.model_fields["kind"].annotation)
        kinds.add(kind)
    return frozenset(kinds)


def check_registry() -> tuple[frozenset[str], frozenset[str]]:
    """(step kinds without a handler, handlers without a step kind); both empty when closed."""
    kinds = step_kinds()
    handled = frozenset(HANDLERS)
    return kinds - handled, handled - kinds
