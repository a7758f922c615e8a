"""Which passive modifiers are in force, from every source, for one creature.

Sources: the creature's own tool, special energy and passive abilities (scope
``holder``); any creature in play's abilities and tools with a wider scope
(``own_active``, ``opponent_active``, ``own_bench``, ``all_own``,
``all_in_play``); the stadium (its owner is whoever played it); and lasting
effects (`app.core.game_state.LastingEffect`, on a creature or on a side: a
side-wide one reaches the creatures its scope names, read with the effect's
``player`` as owner, and only while its condition holds).
Scopes are read relative to the modifier's owner (the player whose card it is)
and holder (the creature carrying it); a scope's ``element`` narrows the affected
creatures; a condition must hold (``source_active``: the holder is in its active
spot). Modifiers are yielded as JSON dicts (``kind``, ``amount``...), the same
shape lasting effects store, computed once per catalog modifier.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from pydantic import TypeAdapter

from app.core.effects import CreatureInPlay, Modifier, ScopeKind
from app.core.effects.targets import CreatureFilter
from app.core.game_state import CardInstance, GameState, PlayerIndex, PlayerState
from app.engine.index import CardIndex

ModifierJson = dict[str, Any]
Source = tuple[Modifier, ModifierJson]

_JSON: dict[int, tuple[Modifier, ModifierJson]] = {}
_SEATS: tuple[PlayerIndex, PlayerIndex] = (0, 1)
_MODIFIER: TypeAdapter[Modifier] = TypeAdapter(Modifier)


def as_json(modifier: Modifier) -> ModifierJson:
    """The modifier as JSON, computed once per (immutable) catalog modifier."""
    entry = _JSON.get(id(modifier))
    if entry is None or entry[0] is not modifier:
        entry = (modifier, modifier.model_dump(mode="json"))
        _JSON[id(modifier)] = entry
    return entry[1]


def matches(
    state: GameState, index: CardIndex, creature: CardInstance, flt: CreatureFilter
) -> bool:
    """Whether `creature` passes a creature filter (every field given must match)."""
    definition = index.creatures[creature.definition_id]
    if flt.element is not None and definition.element is not flt.element:
        return False
    if flt.stages is not None and definition.stage not in flt.stages:
        return False
    if flt.is_apex is not None and definition.is_apex is not flt.is_apex:
        return False
    if flt.damaged is not None and (creature.damage > 0) is not flt.damaged:
        return False
    if flt.has_energy is not None and bool(creature.attached_energy) is not flt.has_energy:
        return False
    return (
        flt.played_this_turn is None
        or (creature.turn_played == state.turn_number) is flt.played_this_turn
    )


def _condition_holds(
    state: GameState,
    index: CardIndex,
    modifier: Modifier,
    owner: PlayerIndex,
    holder: CardInstance | None,
) -> bool:
    condition = modifier.condition
    if condition is None:
        return True
    players = state.players
    kind = condition.kind
    if kind == "source_active":
        return holder is not None and players[owner].active is holder
    if kind == "own_bench_empty":
        return not players[owner].bench
    if kind == "not_first_turn":
        return players[owner].turns_taken > 1
    other = players[1 - owner].active
    if not isinstance(condition, CreatureInPlay):
        return other is not None and other.damage > 0
    side = players[owner] if condition.side.value == "own" else players[1 - owner]
    zone = condition.zone.value
    pool = _zone(side, zone)
    flt = condition.filter
    found = sum(1 for c in pool if flt is None or matches(state, index, c, flt))
    return found >= condition.count


def _zone(player: PlayerState, zone: str) -> list[CardInstance]:
    if zone == "active":
        return [player.active] if player.active is not None else []
    if zone == "bench":
        return list(player.bench)
    return [player.active, *player.bench] if player.active is not None else list(player.bench)


def _affects(
    state: GameState,
    index: CardIndex,
    modifier: Modifier,
    owner: PlayerIndex,
    holder: CardInstance | None,
    seat: PlayerIndex,
    creature: CardInstance,
) -> bool:
    return _affects_scope(
        state, index, modifier, owner, holder, seat, creature
    ) and _condition_holds(state, index, modifier, owner, holder)


def _affects_scope(
    state: GameState,
    index: CardIndex,
    modifier: Modifier,
    owner: PlayerIndex,
    holder: CardInstance | None,
    seat: PlayerIndex,
    creature: CardInstance,
) -> bool:
    scope = modifier.scope
    kind = scope.kind
    player = state.players[seat]
    if kind is ScopeKind.HOLDER:
        hit = holder is creature
    elif kind is ScopeKind.ALL_IN_PLAY:
        hit = True
    elif kind is ScopeKind.OPPONENT_ACTIVE:
        hit = seat != owner and player.active is creature
    elif seat != owner:
        hit = False
    elif kind is ScopeKind.OWN_ACTIVE:
        hit = player.active is creature
    elif kind is ScopeKind.OWN_BENCH:
        hit = player.active is not creature
    else:
        hit = True
    if not hit:
        return False
    return scope.element is None or index.creatures[creature.definition_id].element is scope.element


Held = tuple[PlayerIndex, CardInstance | None, Modifier]
"""A printed modifier in play: its owner, its holder (None for the stadium), the modifier."""

HeldByKind = dict[str, list[Held]]
"""The printed modifiers in play grouped by modifier kind, each group in board order."""


def sources(state: GameState, index: CardIndex) -> HeldByKind:
    """Every printed modifier in play now, by kind (one tight pass over both boards).

    Board order: seat 0 then seat 1, each active then bench, per creature its own
    card, tool, then energy in attachment order; the stadium last. Grouping by kind
    lets a question about one kind skip every other modifier.
    """
    mods = index.modifiers
    found: HeldByKind = {}
    if not mods:
        return found

    def add(owner: PlayerIndex, holder: CardInstance | None, group: tuple[Modifier, ...]) -> None:
        for modifier in group:
            kind = modifier.kind
            bucket = found.get(kind)
            if bucket is None:
                found[kind] = [(owner, holder, modifier)]
            else:
                bucket.append((owner, holder, modifier))

    for owner in _SEATS:
        player = state.players[owner]
        active = player.active
        holders = [active, *player.bench] if active is not None else player.bench
        for holder in holders:
            definition_id = holder.definition_id
            if definition_id in mods:
                add(owner, holder, mods[definition_id])
            tool = holder.attached_tool
            if tool is not None and tool.definition_id in mods:
                add(owner, holder, mods[tool.definition_id])
            for energy in holder.attached_energy:
                if energy.definition_id in mods:
                    add(owner, holder, mods[energy.definition_id])
    stadium = state.stadium
    if stadium is not None and stadium.card.definition_id in mods:
        add(stadium.owner, None, mods[stadium.card.definition_id])
    return found


def in_force(
    state: GameState,
    index: CardIndex,
    seat: PlayerIndex,
    creature: CardInstance,
    kind: str,
    held: HeldByKind | None = None,
) -> Iterator[ModifierJson]:
    """Every modifier of `kind` that applies to `creature` (owned by `seat`) now.

    `held` is `sources` computed by a caller that asks many questions of an
    unchanging state (legal-action generation); otherwise it is computed here.
    Printed modifiers come first in board order (see `sources`), then lasting effects.
    """
    if held is None:
        held = sources(state, index)
    for owner, holder, modifier in held.get(kind, ()):
        if _affects(state, index, modifier, owner, holder, seat, creature):
            yield as_json(modifier)
    for effect in state.lasting_effects:
        modifier_json = effect.modifier
        if modifier_json.get("kind") != kind:
            continue
        if effect.target is None:
            if not _lasting_affects(state, index, effect.player, modifier_json, seat, creature):
                continue
            holder = None
        elif effect.target == creature.instance_id:
            holder = creature
        else:
            continue
        if modifier_json.get("condition") is None or _condition_holds(
            state, index, _parsed(modifier_json), effect.player, holder
        ):
            yield modifier_json


def _parsed(modifier_json: ModifierJson) -> Modifier:
    """The typed modifier of a lasting effect's JSON (only for a scope or a condition: rare)."""
    return _parse_modifier(json.dumps(modifier_json, sort_keys=True))


@lru_cache(maxsize=256)
def _parse_modifier(text: str) -> Modifier:
    return _MODIFIER.validate_json(text)


def _lasting_affects(
    state: GameState,
    index: CardIndex,
    owner: PlayerIndex,
    modifier_json: ModifierJson,
    seat: PlayerIndex,
    creature: CardInstance,
) -> bool:
    """Whether a side-wide lasting effect (no target) reaches `creature`, by its scope.

    The effect's ``player`` is the scope's owner; a ``holder`` scope (the default)
    with no creature to hold it means every creature of that owner.
    """
    scope = modifier_json.get("scope")
    if scope is None or scope.get("kind", "holder") == "holder":
        if seat != owner:
            return False
        element = scope.get("element") if scope is not None else None
        return element is None or index.creatures[creature.definition_id].element == element
    return _affects_scope(state, index, _parsed(modifier_json), owner, None, seat, creature)
