"""Seeded random-vs-random (or bot) games for the engine tests, checked after every action."""

from __future__ import annotations

import importlib.util
import random
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path

from app.catalog.deck_validation import load_starter_decks
from app.core.cards import CardDefinition
from app.core.decks import DeckList
from app.core.enums import GameType
from app.core.game_state import CardInstance, GameState, TurnPhase
from app.core.rules import RulesConfig
from app.engine import ActionKind, adapt_deck, apply, legal_actions, new_game
from app.engine.bots.base import Bot
from app.engine.checks import acting_player, why_illegal
from app.engine.context import Ctx
from app.engine.index import index_for
from app.engine.rng import Rng
from tests.engine.builders import NOW, T0, catalog

STARTERS = load_starter_decks(Path("data/decks"))


def load_executor_if_present() -> bool:
    """Import the card-effects executor when this tree has it (it registers itself)."""
    if importlib.util.find_spec("app.engine.effects") is None:
        return False
    importlib.import_module("app.engine.effects")
    return True


def start(preset: str, seed: int) -> GameState:
    """A new game of two seeded-random starter decks adapted to `preset`."""
    rules = RulesConfig.preset(preset)
    rng = random.Random(seed)
    names = sorted(STARTERS)
    decks = tuple(
        adapt_deck(DeckList.from_starter(STARTERS[rng.choice(names)]), rules, catalog())
        for _ in range(2)
    )
    return new_game(
        game_id=uuid.UUID(int=seed + 1),
        game_type=GameType.FREEPLAY,
        rules=rules,
        decks=decks,  # type: ignore[arg-type]
        identities=(uuid.UUID(int=7), "npc-fuzz"),
        seed=seed,
        cards=catalog(),
        at=T0,
    )


def all_ids(state: GameState) -> Counter[str]:
    """Every card instance id in the game, with how often it appears (must be once)."""
    ids: Counter[str] = Counter()
    if state.stadium is not None:
        ids[state.stadium.card.instance_id] += 1
    for player in state.players:
        for card in player.cards():
            ids.update(card.instance_ids())
    return ids


def check_invariants(
    state: GameState, cards: Mapping[str, CardDefinition], known: set[str]
) -> None:
    """What must hold after every action; raises AssertionError naming what broke."""
    ids = all_ids(state)
    repeated = [i for i, n in ids.items() if n > 1]
    assert not repeated, f"cards in two places: {repeated}"
    missing = known - set(ids)
    assert not missing, f"cards vanished: {sorted(missing)}"
    known.update(ids)
    for seat, player in enumerate(state.players):
        assert len(player.bench) <= state.rules.board_bench_size
        for card in player.hand + player.deck + player.discard + player.prizes:
            _assert_loose(card)
        creatures = [player.active, *player.bench] if player.active else player.bench
        for creature in creatures:
            definition = cards[creature.definition_id]
            assert definition.card_type == "creature", (
                f"{creature.instance_id} in play is not a creature"
            )
            assert creature.damage >= 0
            assert creature.damage % 10 == 0
            for energy in creature.attached_energy:
                assert cards[energy.definition_id].card_type == "energy"
            if creature.attached_tool is not None:
                assert cards[creature.attached_tool.definition_id].card_type == "trainer"
            if creature is not player.active:
                assert not creature.status_conditions, "a benched creature has a status"
        if state.phase is TurnPhase.MAIN and state.pending_choice is None:
            assert player.active is not None or seat != state.current_player
    assert state.version == len(state.action_log)


def _assert_loose(card: CardInstance) -> None:
    assert card.damage == 0, f"{card.instance_id} outside play has damage"
    assert not card.attached_energy
    assert card.attached_tool is None
    assert not card.evolved_from


def play_random(
    preset: str,
    seed: int,
    *,
    check: Callable[[GameState], None] | None = None,
    max_actions: int = 5000,
    attack_bias: float = 0.0,
    bots: tuple[Bot, Bot] | None = None,
) -> tuple[GameState, GameState]:
    """Play one random-vs-random game; returns (initial state copy, final state).

    Each player picks uniformly among the legal actions, except that with
    `attack_bias` > 0, whenever an attack is legal it attacks with that
    probability: uniform play rarely attacks (one choice among many), so under a
    turn limit it almost never reaches a win condition. With `bots`, ``bots[seat]``
    chooses for that seat instead (same checks after every action).
    """
    state = start(preset, seed)
    initial = state.model_copy(deep=True)
    rng = random.Random(seed * 7919 + 1)
    cards = catalog()
    index = index_for(cards)
    known: set[str] = set()
    check_invariants(state, cards, known)
    for _ in range(max_actions):
        if state.phase is TurnPhase.ENDED:
            break
        actions = legal_actions(state, cards)
        assert actions, f"no legal action in {state.phase} with the game not over"
        ctx = Ctx(state, index, Rng(0, 0), NOW)
        for action in actions:
            assert why_illegal(ctx, action) is None, f"listed but illegal: {action}"
        if bots is not None:
            chosen = bots[acting_player(state)].choose(state, actions, cards)
        else:
            attacks = [a for a in actions if a.kind is ActionKind.ATTACK] if attack_bias else []
            use = attacks if attacks and rng.random() < attack_bias else actions
            chosen = rng.choice(use)
        apply(state, chosen, cards, at=NOW)
        check_invariants(state, cards, known)
        if check is not None:
            check(state)
    assert state.phase is TurnPhase.ENDED, "the game did not end"
    assert state.end_reason is not None
    return initial, state
