"""Realistic game states for tests, benchmarks and development data.

`build_game_state` deals two 40-card decks (plus energy decks under the
default rules), plays a plausible number of turns into the zones (damaged and
evolved creatures with energy attached, a discard pile, points or prizes taken)
and writes a matching action log, so the JSON is the size of a real mid-game
state: about 10 KB at turn 2 and 25 to 40 KB around turns 8 to 14. It is
deterministic for a given `seed`.

`play_action` and `end_turn` advance a state as a game server would (one
version per action), for tests that play games rather than build them.
Card definition ids follow the catalog's ``set-NNN`` form but are not checked
against it: this module must stay free of I/O.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from app.core.cards import EnergyType
from app.core.enums import GameType
from app.core.game_state import (
    AttachedCard,
    CardInstance,
    GameState,
    PlayerIndex,
    PlayerState,
    StatusCondition,
    TurnPhase,
)
from app.core.rules import EnergySource, RulesConfig, WinCondition

_ELEMENTS = (EnergyType.GRASS, EnergyType.FIRE, EnergyType.WATER, EnergyType.LIGHTNING)
_ACTION_KINDS = (
    "play_basic",
    "attach_energy",
    "evolve",
    "play_item",
    "play_supporter",
    "use_ability",
    "retreat",
)
_SECONDS_PER_ACTION = 9


def _instance(owner: int, number: int, definition_id: str) -> CardInstance:
    return CardInstance(instance_id=f"p{owner}-{number:03d}", definition_id=definition_id)


def _deal(rng: random.Random, owner: int, rules: RulesConfig) -> tuple[list[CardInstance], ...]:
    element = _ELEMENTS[rng.randrange(len(_ELEMENTS))]
    set_id = "a1" if owner == 0 else "b2"
    main = [
        _instance(owner, n, f"{set_id}-{rng.randrange(1, 180):03d}") for n in range(rules.deck.size)
    ]
    energy: list[CardInstance] = []
    if rules.energy.source is EnergySource.ENERGY_DECK and rules.energy.energy_deck_size:
        energy = [
            _instance(owner, 500 + n, f"{set_id}-{190 + _ELEMENTS.index(element):03d}")
            for n in range(rules.energy.energy_deck_size)
        ]
    rng.shuffle(main)
    return main, energy


def _attach(card: CardInstance, energy: list[CardInstance], count: int) -> None:
    for _ in range(min(count, len(energy))):
        taken = energy.pop()
        card.attached_energy.append(
            AttachedCard(instance_id=taken.instance_id, definition_id=taken.definition_id),
        )


def _board(
    rng: random.Random,
    owner: int,
    user_id: uuid.UUID | None,
    npc_id: str | None,
    rules: RulesConfig,
    turn_number: int,
) -> PlayerState:
    deck, energy = _deal(rng, owner, rules)
    hand = [deck.pop() for _ in range(min(len(deck), rules.hand.opening_size))]
    for _ in range(min(turn_number // 2, len(deck))):
        hand.append(deck.pop())
    discard: list[CardInstance] = []
    while len(hand) > 6 and turn_number > 0:
        discard.append(hand.pop())

    active = deck.pop()
    active.turn_played = max(0, turn_number - rng.randrange(1, 4))
    active.damage = 10 * rng.randrange(0, 9)
    if turn_number > 3 and deck:
        lower = deck.pop()
        active.evolved_from.append(
            AttachedCard(instance_id=lower.instance_id, definition_id=lower.definition_id),
        )
    if rng.random() < 0.3:
        active.status_conditions.append(rng.choice(list(StatusCondition)))
    _attach(active, energy, rng.randrange(1, 4))

    bench: list[CardInstance] = []
    for _ in range(min(rules.board_bench_size, 1 + turn_number // 3, len(deck))):
        creature = deck.pop()
        creature.turn_played = rng.randrange(0, turn_number + 1)
        creature.damage = 10 * rng.randrange(0, 4)
        _attach(creature, energy, rng.randrange(0, 3))
        bench.append(creature)

    for _ in range(min(turn_number, len(deck))):
        discard.append(deck.pop())
    prizes: list[CardInstance] = []
    if rules.win.condition is WinCondition.PRIZES and rules.win.prize_count:
        prizes = [deck.pop() for _ in range(min(rules.win.prize_count, len(deck)))]
    zone: list[EnergyType] = []
    if rules.energy.source is EnergySource.ENERGY_ZONE:
        zone = [rng.choice(_ELEMENTS)]
    return PlayerState(
        user_id=user_id,
        npc_id=npc_id,
        deck=deck,
        hand=hand,
        active=active,
        bench=bench,
        discard=discard,
        prizes=prizes,
        points=rng.randrange(0, 3) if turn_number > 4 else 0,
        energy_deck=energy,
        energy_zone=zone,
    )


def build_game_state(
    *,
    game_id: uuid.UUID | None = None,
    player_ids: tuple[uuid.UUID, uuid.UUID | None] | None = None,
    npc_id: str = "npc-grass-leader",
    game_type: GameType = GameType.FREEPLAY,
    rules: RulesConfig | None = None,
    turn_number: int = 8,
    seed: int = 0,
    started_at: datetime | None = None,
) -> GameState:
    """A valid mid-game state at `turn_number`, its action log played from the start.

    `player_ids` gives the users of both seats; ``None`` as the second means
    the NPC `npc_id` plays it. Without `player_ids`, two random users play.
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    rules = rules or RulesConfig()
    first, second = player_ids or (uuid.uuid4(), uuid.uuid4())
    started_at = started_at or datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    state = GameState(
        game_id=game_id or uuid.uuid4(),
        game_type=game_type,
        rules=rules,
        players=(
            _board(rng, 0, first, None, rules, turn_number),
            _board(rng, 1, second, None if second else npc_id, rules, turn_number),
        ),
        rng_seed=seed,
        started_at=started_at,
        last_action_at=started_at,
    )
    clock = started_at
    for _ in range(turn_number):
        for _ in range(rng.randrange(3, 9)):
            clock += timedelta(seconds=_SECONDS_PER_ACTION)
            play_action(state, rng, at=clock)
        clock += timedelta(seconds=_SECONDS_PER_ACTION)
        end_turn(state, at=clock)
    state.phase = TurnPhase.MAIN
    state.turn_deadline = clock + timedelta(seconds=90)
    return state


def play_action(state: GameState, rng: random.Random, *, at: datetime | None = None) -> None:
    """Record one plausible action of the player whose turn it is (one version more)."""
    seat: PlayerIndex = state.current_player
    player = state.players[seat]
    target = player.active.instance_id if player.active else None
    kind = rng.choice(_ACTION_KINDS)
    at = at or datetime.now(UTC)
    if kind == "attach_energy":
        player.energy_attached_this_turn += 1
    elif kind == "play_supporter":
        player.supporters_played_this_turn += 1
    elif kind == "retreat":
        player.retreats_this_turn += 1
    state.record_action(
        kind,
        at=at,
        params={
            "card": f"p{seat}-{rng.randrange(0, 40):03d}",
            "target": target,
            "choice": rng.randrange(0, 4),
            "revealed": [f"p{seat}-{rng.randrange(0, 40):03d}" for _ in range(rng.randrange(3))],
        },
    )


def end_turn(state: GameState, *, at: datetime | None = None) -> None:
    """Attack, hand the turn to the other player and reset the per-turn counters.

    Records two actions (``attack`` and ``end_turn``), so the version grows by two.
    """
    at = at or datetime.now(UTC)
    seat: PlayerIndex = state.current_player
    defender = state.players[1 - seat]
    state.record_action(
        "attack",
        at=at,
        params={"attack_index": 0, "damage": 30, "target": "active", "coin_flips": [True]},
    )
    if defender.active is not None:
        defender.active.damage += 10
    state.record_action("end_turn", at=at)
    player = state.players[seat]
    player.supporters_played_this_turn = 0
    player.retreats_this_turn = 0
    player.energy_attached_this_turn = 0
    state.current_player = 1 if seat == 0 else 0
    state.turn_number += 1
    state.phase = TurnPhase.DRAW
