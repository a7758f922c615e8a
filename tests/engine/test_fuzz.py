"""Seeded fuzz: random-vs-random games across presets and starter decks, checked after every action.

The invariants are in `tests.engine.invariants`. Game ``i`` plays preset
``PRESETS[i % 3]`` with starter decks chosen by ``i`` (all 25 pairings recur),
on game seed ``i`` and bot seeds derived from it, so a failure names a game that
reproduces exactly: rerun `play_checked_game` with that index.

``FUZZ_GAMES_CI`` games run in CI (about 40 s on one core); ``FUZZ_GAMES_SLOW``
(10,000) run only when asked for with the ``slow`` marker
(``pytest -m slow tests/engine/test_fuzz.py -p no:cacheprovider``): the other
slow tests run in CI, this one would take about an hour there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT
from app.core.cards import CardDefinition
from app.core.decks import DeckList
from app.core.enums import EndReason
from app.core.rules import RulesConfig, RulesPreset
from app.engine.bots import RandomBot
from app.engine.simulate import GameOutcome, deck_match, play_game
from app.services.card_service import CardService
from app.services.deck_validation import load_starter_decks
from tests.engine.invariants import GameChecker

PRESETS = (RulesPreset.MANTIMON, RulesPreset.POCKET, RulesPreset.CLASSIC)
FUZZ_GAMES_CI = 192
FUZZ_GAMES_SLOW = 10_000
CHUNK = 32
EVERY_ACTION_SHARE = 8
"""One game in this many gets the JSON round trip and replay check after every action."""


@cache
def catalog() -> Mapping[str, CardDefinition]:
    return CardService.load(PROJECT_ROOT / "data" / "cards").by_id


@cache
def starters() -> dict[str, DeckList]:
    decks = load_starter_decks(Path(PROJECT_ROOT / "data" / "decks"))
    return {name: DeckList.from_starter(deck) for name, deck in sorted(decks.items())}


def play_checked_game(game: int) -> GameOutcome:
    """Play fuzz game `game` with every check; raises AssertionError naming what broke."""
    cards = catalog()
    names = sorted(starters())
    preset = PRESETS[game % len(PRESETS)]
    deck_a = starters()[names[(game // 3) % len(names)]]
    deck_b = starters()[names[(game // 15) % len(names)]]
    make_state = deck_match(RulesConfig.preset(preset), deck_a, deck_b, cards)
    state = make_state(game, 0)
    checker = GameChecker(state, cards, every_action=game % EVERY_ACTION_SHARE == 0)
    outcome = play_game(
        state, (RandomBot(2 * game + 1), RandomBot(2 * game + 2)), cards, on_action=checker.check
    )
    checker.finish(state)
    assert checker.checked == outcome.actions + 1
    return outcome


def _play(games: range) -> Counter[EndReason]:
    endings: Counter[EndReason] = Counter()
    for game in games:
        endings[play_checked_game(game).end_reason] += 1
    return endings


@pytest.mark.parametrize("start", range(0, FUZZ_GAMES_CI, CHUNK))
def test_random_games_keep_every_invariant(start: int) -> None:
    endings = _play(range(start, start + CHUNK))
    assert sum(endings.values()) == CHUNK


@pytest.mark.slow
def test_ten_thousand_random_games_keep_every_invariant(request: pytest.FixtureRequest) -> None:
    if "slow" not in (request.config.option.markexpr or ""):
        pytest.skip("10,000 games take about an hour on one core: run with -m slow")
    endings = _play(range(FUZZ_GAMES_CI, FUZZ_GAMES_CI + FUZZ_GAMES_SLOW))
    print(f"fuzz: {FUZZ_GAMES_SLOW} games, endings {dict(endings)}")  # noqa: T201
    assert sum(endings.values()) == FUZZ_GAMES_SLOW
