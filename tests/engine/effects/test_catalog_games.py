"""Whole random games with decks drawn from the entire catalog, so every kind of card
meets the rules in play: invariants after every action, a proper ending, an exact
replay and JSON round trip. (The starter-deck games of `tests.engine.test_random_games`
use few of the 372 cards.)"""

from __future__ import annotations

import random
import uuid
from collections import Counter

import pytest

from app.core.cards import CreatureCard, EnergyCard, EnergyKind, Stage, TrainerCard
from app.core.decks import DeckList
from app.core.enums import GameType
from app.core.game_state import GameState, TurnPhase
from app.core.rules import RulesConfig, RulesPreset
from app.engine import ActionKind, adapt_deck, apply, legal_actions, new_game, replay
from tests.engine.effects.table import AT, FIRE_60, GRASS_60, Table, catalog
from tests.engine.play import check_invariants

DOUBLE_ENERGY = "tst-001"
"""Test Double Energy (engine-only; v1's Twin Core Energy had no v2 successor that pays
two): one card pays two, which retreat offers must account for."""
SEEDS = range(4)


def catalog_deck(rng: random.Random) -> DeckList:
    """40 random cards (whole evolution lines) plus 20 energy of the deck's elements."""
    cards = catalog()
    creatures = [c for c in cards.values() if isinstance(c, CreatureCard)]
    by_name: dict[str, list[CreatureCard]] = {}
    for creature in creatures:
        by_name.setdefault(creature.name, []).append(creature)
    trainers = [c for c in cards.values() if isinstance(c, TrainerCard)]
    basics = [c for c in creatures if c.stage is Stage.BASIC]
    main: Counter[str] = Counter({rng.choice(basics).id: 2})
    while sum(main.values()) < 40:
        if rng.random() < 0.5:
            line = [rng.choice(creatures)]
            while line[-1].evolves_from is not None:
                line.append(rng.choice(by_name[line[-1].evolves_from]))
            main.update(card.id for card in line)
        else:
            main[rng.choice(trainers).id] += 1
    while sum(main.values()) > 40:
        extra = rng.choice([k for k in main if cards[k].card_type != "creature"] or list(main))
        main[extra] -= 1
        main += Counter()
    elements = [c.element for k in main if isinstance(c := cards[k], CreatureCard)]
    basic_energy = {
        c.energy_type: c.id
        for c in cards.values()
        if isinstance(c, EnergyCard) and c.energy_kind is EnergyKind.BASIC
    }
    specials = [
        c.id
        for c in cards.values()
        if isinstance(c, EnergyCard) and c.energy_kind is EnergyKind.SPECIAL
    ]
    energy: Counter[str] = Counter()
    for _ in range(17):
        energy[basic_energy.get(rng.choice(elements), basic_energy[next(iter(basic_energy))])] += 1
    energy.update(rng.choice(specials) for _ in range(3))
    return DeckList(main=dict(main), energy=dict(energy))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("preset", list(RulesPreset))
def test_random_games_with_catalog_decks(preset: RulesPreset, seed: int) -> None:
    cards = catalog()
    rules = RulesConfig.preset(preset)
    rng = random.Random(seed)
    decks = (
        adapt_deck(catalog_deck(rng), rules, cards),
        adapt_deck(catalog_deck(rng), rules, cards),
    )
    state = new_game(
        game_id=uuid.UUID(int=seed + 100),
        game_type=GameType.FREEPLAY,
        rules=rules,
        decks=decks,
        identities=(uuid.UUID(int=9), "npc-catalog"),
        seed=seed,
        cards=cards,
        at=AT,
    )
    initial = state.model_copy(deep=True)
    known: set[str] = set()
    for _ in range(5000):
        if state.phase is TurnPhase.ENDED:
            break
        apply(state, rng.choice(legal_actions(state, cards)), cards, at=AT)
        check_invariants(state, cards, known)
    assert state.phase is TurnPhase.ENDED
    assert state.end_reason is not None
    assert GameState.model_validate_json(state.model_dump_json()) == state
    assert replay(initial, state.action_log, cards) == state


def test_a_retreat_paid_with_a_double_energy_is_accepted() -> None:
    table = Table()
    for player in table.state.players:
        player.setup_done = True
    table.creature(0, "mv1-036", active=True, energy=["mv1-159", DOUBLE_ENERGY])
    table.creature(0, GRASS_60)
    table.creature(1, GRASS_60, active=True)
    table.put(0, "deck", FIRE_60)
    table.put(1, "deck", FIRE_60)
    retreats = [a for a in legal_actions(table.state, table.cards) if a.kind is ActionKind.RETREAT]
    # Glaciamander retreats for 2: the double energy alone pays it, so one card is an offer.
    assert any(len(a.choice or ()) == 1 for a in retreats)
    for action in retreats:
        apply(table.state.model_copy(deep=True), action, table.cards, at=AT)
