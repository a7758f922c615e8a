"""new_game, mulligans, the setup phase and adapt_deck under each preset."""

from __future__ import annotations

import uuid
from collections import Counter
from pathlib import Path

import pytest

from app.catalog.card_service import CardService
from app.catalog.deck_validation import load_starter_decks, validate_deck
from app.core.decks import DeckList
from app.core.enums import GameType
from app.core.game_state import GameState, TurnPhase
from app.core.rules import RulesConfig, RulesPreset
from app.engine import ActionKind, IllegalActionError, adapt_deck, legal_actions, new_game, view_for
from app.engine.checks import acting_player
from app.engine.errors import EngineError
from tests.engine.builders import ENERGY_SCOOP, FIRE, MOSSNIP, T0, act, catalog


def catalog_basics() -> set[str]:
    return {i for i, c in catalog().items() if getattr(c, "stage", None) == "basic"}


def _decks(
    rules: RulesConfig, first: str = "fire", second: str = "grass"
) -> tuple[DeckList, DeckList]:
    starters = load_starter_decks(Path("data/decks"))
    return (
        adapt_deck(DeckList.from_starter(starters[first]), rules, catalog()),
        adapt_deck(DeckList.from_starter(starters[second]), rules, catalog()),
    )


def _game(preset: str, seed: int = 1, **kwargs: object) -> GameState:
    rules = RulesConfig.preset(preset)
    return new_game(
        game_id=uuid.UUID(int=1),
        game_type=GameType.FREEPLAY,
        rules=rules,
        decks=kwargs.pop("decks", None) or _decks(rules),  # type: ignore[arg-type]
        identities=(uuid.UUID(int=5), "npc-1"),
        seed=seed,
        cards=catalog(),
        at=T0,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("preset", list(RulesPreset))
def test_adapted_starter_decks_are_legal_under_every_preset(preset: RulesPreset) -> None:
    rules = RulesConfig.preset(preset)
    service = CardService.load(Path("data/cards"))
    for name, starter in load_starter_decks(Path("data/decks")).items():
        deck = adapt_deck(DeckList.from_starter(starter), rules, service.by_id)
        energy = deck.energy
        if deck.zone_types is not None:
            assert deck.zone_types == [starter.element]
            energy = {
                card_id: 1
                for card_id, card in service.by_id.items()
                if getattr(card, "energy_kind", None) == "basic"
                and getattr(card, "energy_type", None) in deck.zone_types
            }
        result = validate_deck(deck.main, energy, rules, service)
        assert result.is_valid, (name, result.validation_errors)


@pytest.mark.parametrize("preset", list(RulesPreset))
def test_new_game_deals_by_the_rules_and_is_deterministic(preset: RulesPreset) -> None:
    state = _game(preset)
    rules = state.rules
    assert state == _game(preset)
    assert state.phase is TurnPhase.SETUP
    assert state.version == 0
    assert state.turn_number == 0
    for player in state.players:
        assert len(player.hand) >= rules.hand.opening_size
        assert any(c.definition_id in catalog_basics() for c in player.hand)
        assert len(player.prizes) == (rules.win.prize_count or 0)
        assert len(player.energy_deck) == (rules.energy.energy_deck_size or 0)
        total = len(player.hand) + len(player.deck) + len(player.prizes)
        assert total == rules.deck.size
    if preset is RulesPreset.POCKET:
        assert all(p.energy_zone == ["fire"] or p.energy_zone == ["grass"] for p in state.players)
    assert GameState.model_validate_json(state.model_dump_json()) == state


def test_first_player_is_a_seeded_coin_flip_and_can_be_forced() -> None:
    starters = {_game("mantimon", seed=s).first_player for s in range(12)}
    assert starters == {0, 1}
    assert _game("mantimon", seed=3, first_player=1).first_player == 1


def _one_basic_deck(rules: RulesConfig) -> DeckList:
    return DeckList(main={MOSSNIP: 1, ENERGY_SCOOP: rules.deck.size - 1}, energy={})


def test_guarantee_basic_puts_a_basic_in_every_opening_hand() -> None:
    rules = RulesConfig.preset("mantimon")
    deck = DeckList(main={MOSSNIP: 1, ENERGY_SCOOP: 39}, energy={FIRE: 20})
    for seed in range(10):
        state = _game("mantimon", seed=seed, decks=(deck, deck))
        for player in state.players:
            assert [c.definition_id for c in player.hand].count(MOSSNIP) == 1
            assert player.mulligans == 0
            assert len(player.hand) == rules.hand.opening_size


def test_classic_redraw_mulligans_give_the_opponent_extra_cards() -> None:
    rules = RulesConfig.preset("classic")
    deck = _one_basic_deck(rules)
    seen = 0
    for seed in range(6):
        state = _game("classic", seed=seed, decks=(deck, deck))
        for seat, player in enumerate(state.players):
            assert MOSSNIP in [c.definition_id for c in player.hand]
            other = state.players[1 - seat]
            assert len(player.hand) == 7 + other.mulligans
            seen += player.mulligans
    assert seen > 0


def test_a_deck_without_basics_cannot_start() -> None:
    deck = DeckList(main={ENERGY_SCOOP: 40}, energy={FIRE: 20})
    with pytest.raises(EngineError, match="basic"):
        _game("mantimon", decks=(deck, deck))


def test_setup_phase_places_basics_then_starts_turn_one() -> None:
    state = _game("mantimon", seed=4)
    first = state.first_player
    assert acting_player(state) == first
    actions = legal_actions(state, catalog())
    assert {a.kind for a in actions} == {ActionKind.PLACE_ACTIVE}
    with pytest.raises(IllegalActionError, match="place a Front creature"):
        act(state, ActionKind.FINISH_SETUP)
    basic = actions[0].card
    act(state, ActionKind.PLACE_ACTIVE, card=basic)
    assert {a.kind for a in legal_actions(state, catalog())} <= {
        ActionKind.PLACE_BENCH,
        ActionKind.FINISH_SETUP,
    }
    hidden = view_for(state, 1 - first)  # type: ignore[arg-type]
    assert hidden["players"][first]["active"] == {"hidden": True}
    act(state, ActionKind.FINISH_SETUP)
    assert acting_player(state) == 1 - first
    second = legal_actions(state, catalog())[0]
    act(state, ActionKind.PLACE_ACTIVE, card=second.card)
    events = act(state, ActionKind.FINISH_SETUP)
    assert state.phase is TurnPhase.MAIN
    assert state.turn_number == 1
    assert state.current_player == first
    assert "turn_started" in [e.kind for e in events]
    player = state.players[first]
    assert len(player.hand) == 7 - 1 + 1 + 1  # placed one, drew one card and one energy
    assert Counter(c.instance_id[:3] for c in player.hand) == {f"p{first}-": len(player.hand)}
