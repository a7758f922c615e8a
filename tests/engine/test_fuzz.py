"""Seeded fuzz: random-vs-random games across presets and starter decks, checked after every action.

The invariants are in `tests.engine.invariants`. Game ``i`` plays preset
``PRESETS[i % 3]`` with starter decks chosen by ``i`` (all 25 pairings recur),
on game seed ``i`` and bot seeds derived from it, so a failure names a game that
reproduces exactly: rerun `play_checked_game` with that index.

``FUZZ_GAMES_CI`` games run in CI (about 40 s on one core); ``FUZZ_GAMES_SLOW``
(10,000, in ``SLOW_PARTS`` parts) run only when asked for with the ``slow``
marker (``pytest -m slow tests/engine/test_fuzz.py``, or one part per process
with e.g. ``-k 'ten_thousand and [2]'``): the other slow tests run in CI, this one
would take about 25 CPU minutes there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import pytest

from app.catalog.card_service import CardService
from app.catalog.deck_validation import load_starter_decks
from app.config import PROJECT_ROOT
from app.core.cards import CardDefinition
from app.core.decks import DeckList
from app.core.enums import EndReason
from app.core.rules import RulesConfig, RulesPreset
from app.engine.bots import RandomBot
from app.engine.simulate import GameOutcome, deck_match, play_game
from tests.engine.invariants import GameChecker

PRESETS = (RulesPreset.MANTIMON, RulesPreset.POCKET, RulesPreset.CLASSIC)
FUZZ_GAMES_CI = 192
FUZZ_GAMES_SLOW = 10_000
CHUNK = 32
EVERY_ACTION_SHARE = 8
"""One game in this many gets the JSON round trip and replay check after every action."""
SLOW_PARTS = 20
SLOW_EVERY_ACTION_SHARE = 100
"""In the 10,000-game run: 100 games checked after every action, the rest at turn starts."""


@cache
def catalog() -> Mapping[str, CardDefinition]:
    return CardService.load(PROJECT_ROOT / "data" / "cards").by_id


@cache
def starters() -> dict[str, DeckList]:
    decks = load_starter_decks(Path(PROJECT_ROOT / "data" / "decks"))
    return {name: DeckList.from_starter(deck) for name, deck in sorted(decks.items())}


def play_checked_game(game: int, every_action_share: int = EVERY_ACTION_SHARE) -> GameOutcome:
    """Play fuzz game `game` with every check; raises AssertionError naming what broke.

    One game in `every_action_share` (those whose number it divides) gets the
    JSON round trip and the replay comparison after every action.
    """
    cards = catalog()
    names = sorted(starters())
    preset = PRESETS[game % len(PRESETS)]
    deck_a = starters()[names[(game // 3) % len(names)]]
    deck_b = starters()[names[(game // 15) % len(names)]]
    make_state = deck_match(RulesConfig.preset(preset), deck_a, deck_b, cards)
    state = make_state(game, 0)
    checker = GameChecker(state, cards, every_action=game % every_action_share == 0)
    outcome = play_game(
        state, (RandomBot(2 * game + 1), RandomBot(2 * game + 2)), cards, on_action=checker.check
    )
    checker.finish(state)
    assert checker.checked == outcome.actions + 1
    return outcome


def _play(games: range, every_action_share: int = EVERY_ACTION_SHARE) -> Counter[EndReason]:
    endings: Counter[EndReason] = Counter()
    for game in games:
        endings[play_checked_game(game, every_action_share).end_reason] += 1
    return endings


@pytest.mark.parametrize("start", range(0, FUZZ_GAMES_CI, CHUNK))
def test_random_games_keep_every_invariant(start: int) -> None:
    endings = _play(range(start, start + CHUNK))
    assert sum(endings.values()) == CHUNK


@pytest.mark.slow
@pytest.mark.timeout(3600)
@pytest.mark.parametrize("part", range(SLOW_PARTS))
def test_ten_thousand_random_games_keep_every_invariant(
    request: pytest.FixtureRequest, part: int
) -> None:
    """FUZZ_GAMES_SLOW games in SLOW_PARTS parts, so separate processes can share them.

    A part takes about two minutes on a quiet core but far longer on a loaded
    machine, so it has its own timeout rather than the suite's 300 s (which
    killed parts mid-game with a timeout that read like a fuzz failure).
    """
    if "slow" not in (request.config.option.markexpr or ""):
        pytest.skip("10,000 games take about 25 CPU minutes: run with -m slow")
    size = FUZZ_GAMES_SLOW // SLOW_PARTS
    start = FUZZ_GAMES_CI + part * size
    endings = _play(range(start, start + size), SLOW_EVERY_ACTION_SHARE)
    print(f"fuzz part {part}: games {start}-{start + size - 1}, endings {dict(endings)}")  # noqa: T201
    assert sum(endings.values()) == size
