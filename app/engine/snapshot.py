"""A cheap snapshot of what `apply` may change, so a failing action leaves no trace.

`apply` takes one before carrying out an action and puts it back if anything raises,
which makes every action all or nothing. A deep copy of the state costs about 70
times an average `apply` (a pickle round trip about 17 times); this takes only what
an action can change:

- the state's own scalars, the lasting effects (a list copy: the effects themselves
  are never edited in place), the pending choice (replaced, never edited) and the
  length of the action log (append-only);
- each player's scalars and a copy of every list;
- for each creature in play, its fields and copies of its lists.

Cards outside play are not copied: the engine only ever puts clean cards there
(`app.engine.ops.new_instance`: no damage, nothing attached, no status, no turn
played) and the state check at load (`app.engine.integrity`) refuses a state with
any other, so a restore resets each of them to clean.
"""

from __future__ import annotations

from dataclasses import fields
from operator import attrgetter
from typing import Any

from app.core.game_state import CardInstance, GameState, PlayerState

_BLANK = PlayerState(npc_id="snapshot")
_LIST_FIELDS = {
    field.name for field in fields(PlayerState) if type(getattr(_BLANK, field.name)) is list
}
_PLAYER_LISTS = tuple(field.name for field in fields(PlayerState) if field.name in _LIST_FIELDS)
_PLAYER_VALUES = tuple(
    field.name for field in fields(PlayerState) if field.name not in _LIST_FIELDS
)
_STATE_VALUES = (
    "turn_number",
    "current_player",
    "phase",
    "turn_deadline",
    "winner",
    "end_reason",
    "stadium",
    "pending_choice",
    "version",
    "last_action_at",
)
_LOOSE = ("deck", "hand", "discard", "prizes", "energy_deck")
_player_values = attrgetter(*_PLAYER_VALUES)
_player_lists = attrgetter(*_PLAYER_LISTS)
_state_values = attrgetter(*_STATE_VALUES)

Creature = tuple[CardInstance, tuple[Any, ...], list[list[Any]]]
Player = tuple[tuple[Any, ...], list[list[Any]]]
Snapshot = tuple[tuple[Any, ...], list[Any], int, list[Player], list[Creature]]


def take(state: GameState) -> Snapshot:
    """What `restore` needs to put `state` back as it is now (a few microseconds)."""
    players: list[Player] = []
    creatures: list[Creature] = []
    add = creatures.append
    for player in state.players:
        players.append((_player_values(player), [v.copy() for v in _player_lists(player)]))
        active = player.active
        if active is not None:
            add(
                (
                    active,
                    (active.damage, active.attached_tool, active.turn_played),
                    [
                        active.attached_energy.copy(),
                        active.evolved_from.copy(),
                        active.status_conditions.copy(),
                    ],
                )
            )
        for card in player.bench:
            add(
                (
                    card,
                    (card.damage, card.attached_tool, card.turn_played),
                    [
                        card.attached_energy.copy(),
                        card.evolved_from.copy(),
                        card.status_conditions.copy(),
                    ],
                )
            )
    lasting = state.lasting_effects.copy()
    return _state_values(state), lasting, len(state.action_log), players, creatures


def restore(state: GameState, snapshot: Snapshot) -> None:
    """Put `state` back exactly as it was when `snapshot` was taken."""
    values, lasting, log_length, players, creatures = snapshot
    for name, value in zip(_STATE_VALUES, values, strict=True):
        setattr(state, name, value)
    state.lasting_effects = lasting.copy()
    del state.action_log[log_length:]
    for player, (scalars, lists) in zip(state.players, players, strict=True):
        for name, value in zip(_PLAYER_VALUES, scalars, strict=True):
            setattr(player, name, value)
        for name, value in zip(_PLAYER_LISTS, lists, strict=True):
            setattr(player, name, value.copy())
        for zone in _LOOSE:
            for card in getattr(player, zone):
                _clean(card)
    for card, (damage, tool, turn_played), (energy, lower, statuses) in creatures:
        card.damage = damage
        card.attached_tool = tool
        card.turn_played = turn_played
        card.attached_energy = energy.copy()
        card.evolved_from = lower.copy()
        card.status_conditions = statuses.copy()


def _clean(card: CardInstance) -> None:
    card.damage = 0
    card.attached_energy = []
    card.attached_tool = None
    card.evolved_from = []
    card.status_conditions = []
    card.turn_played = None
