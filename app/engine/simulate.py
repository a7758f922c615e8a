"""Bot-versus-bot games, pure: play one game to its end, or a match of many.

`play_game` drives one state to its end with two bots (one per seat) and
returns a `GameOutcome`; `run_match` plays N games between two sides (a deck and
a bot kind each), alternating seats game by game so neither side always sits in
seat 0, and summarises them in a `MatchSummary` (win rates with Wilson 95%
intervals, game lengths, how games ended, the first player's win rate).

Everything is derived from the seeds given: game ``i`` of a match uses game seed
``seed * 1_000_003 + i`` for the state and distinct seeds for both bots, so the
same arguments always give the same summary.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from app.core.cards import CardDefinition
from app.core.decks import DeckList
from app.core.enums import EndReason, GameType
from app.core.game_state import GameState, PlayerIndex, TurnPhase
from app.core.rules import RulesConfig
from app.engine.apply import apply
from app.engine.bots.base import Bot
from app.engine.checks import acting_player
from app.engine.decks import adapt_deck
from app.engine.errors import EngineError
from app.engine.legal import legal_actions
from app.engine.setup import new_game

GAME_AT = datetime(2026, 1, 1, tzinfo=UTC)
"""The timestamp simulated games record: a constant, so a simulated game is pure."""

MAX_ACTIONS_PER_GAME = 20_000
"""A game still running after this many actions is an engine bug, not a long game."""

SIM_USER = UUID(int=1)
"""The user id simulated games give seat 0 (a game needs at least one user)."""


@dataclass(frozen=True, slots=True)
class GameOutcome:
    """How one game ended, from the table's point of view (seats, not sides)."""

    winner: PlayerIndex | None
    end_reason: EndReason
    turns: int
    first_player: PlayerIndex
    actions: int


def play_game(
    state: GameState,
    bots: tuple[Bot, Bot],
    cards: Mapping[str, CardDefinition],
    *,
    at: datetime = GAME_AT,
    max_actions: int = MAX_ACTIONS_PER_GAME,
    on_action: Callable[[GameState], None] | None = None,
) -> GameOutcome:
    """Play `state` to its end, mutating it; ``bots[seat]`` chooses for that seat.

    `on_action` (for tests and the driver) is called after every applied action.

    Raises:
        EngineError: the game did not end within `max_actions` actions, or the
            engine offered no legal action in a game that has not ended.
        IllegalActionError: a bot chose an action the engine refuses (a bot bug).
    """
    taken = 0
    while state.phase is not TurnPhase.ENDED:
        if taken >= max_actions:
            raise EngineError(f"game {state.game_id} did not end within {max_actions} actions")
        actions = legal_actions(state, cards)
        if not actions:
            raise EngineError(f"game {state.game_id}: no legal action at version {state.version}")
        seat = acting_player(state)
        apply(state, bots[seat].choose(state, actions, cards), cards, at=at)
        taken += 1
        if on_action is not None:
            on_action(state)
    return outcome_of(state, actions=taken)


def outcome_of(state: GameState, *, actions: int | None = None) -> GameOutcome:
    """The `GameOutcome` of an ended state.

    Raises:
        EngineError: the state has not ended or records no end reason.
    """
    reason = state.end_reason
    if state.phase is not TurnPhase.ENDED or reason is None:
        raise EngineError(f"game {state.game_id} has not ended (phase {state.phase})")
    return GameOutcome(
        winner=state.winner,
        end_reason=reason,
        turns=state.turn_number,
        first_player=state.first_player,
        actions=len(state.action_log) if actions is None else actions,
    )


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95% for the default `z`).

    Chosen over the normal approximation because it stays inside [0, 1] and is
    sensible at 0 or `trials` successes and for small samples. (0, 1) when
    `trials` is 0.
    """
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(slots=True)
class MatchSummary:
    """Results of a match between side A and side B, games in the order played."""

    games: list[GameOutcome] = field(default_factory=list)
    seat_of_a: list[PlayerIndex] = field(default_factory=list)

    def add(self, outcome: GameOutcome, seat_of_a: PlayerIndex) -> None:
        """Record one game, with the seat side A played in it."""
        self.games.append(outcome)
        self.seat_of_a.append(seat_of_a)

    @property
    def count(self) -> int:
        """Games played."""
        return len(self.games)

    @property
    def wins_a(self) -> int:
        """Games side A won."""
        return sum(1 for g, s in zip(self.games, self.seat_of_a, strict=True) if g.winner == s)

    @property
    def draws(self) -> int:
        """Games with no winner."""
        return sum(1 for g in self.games if g.winner is None)

    @property
    def wins_b(self) -> int:
        """Games side B won."""
        return self.count - self.wins_a - self.draws

    @property
    def first_player_wins(self) -> int:
        """Games the player who went first won."""
        return sum(1 for g in self.games if g.winner is not None and g.winner == g.first_player)

    @property
    def decided(self) -> int:
        """Games with a winner."""
        return self.count - self.draws

    def end_reasons(self) -> Counter[EndReason]:
        """How many games ended each way."""
        return Counter(g.end_reason for g in self.games)

    def as_dict(self) -> dict[str, object]:
        """The summary as JSON-ready data (what ``mantimon sim --json`` prints)."""
        turns = [g.turns for g in self.games]
        n = self.count

        def rate(k: int, total: int) -> dict[str, float | int]:
            low, high = wilson_interval(k, total)
            return {
                "count": k,
                "rate": k / total if total else 0.0,
                "ci95_low": low,
                "ci95_high": high,
            }

        return {
            "games": n,
            "wins_a": rate(self.wins_a, n),
            "wins_b": rate(self.wins_b, n),
            "draws": rate(self.draws, n),
            "first_player_wins": rate(self.first_player_wins, self.decided),
            "turns_mean": statistics.fmean(turns) if turns else 0.0,
            "turns_median": statistics.median(turns) if turns else 0.0,
            "actions_mean": statistics.fmean(g.actions for g in self.games) if n else 0.0,
            "end_reasons": {r.value: c for r, c in sorted(self.end_reasons().items())},
        }


BotFactory = Callable[[int], Bot]
"""Builds a bot from its seed."""


def game_seed(match_seed: int, index: int) -> int:
    """The seed of game `index` in a match seeded `match_seed` (non-negative)."""
    return (match_seed * 1_000_003 + index) % (2**62)


def play_games(
    make_state: Callable[[int, PlayerIndex], GameState],
    bot_a: BotFactory,
    bot_b: BotFactory,
    cards: Mapping[str, CardDefinition],
    *,
    seed: int,
    indices: Iterable[int],
) -> Iterator[tuple[GameOutcome, PlayerIndex]]:
    """Play games `indices` of a match seeded `seed`, yielding each outcome and A's seat.

    A game depends only on its index (its seed, seats and bot seeds come from
    ``game_seed(seed, index)``), so a match split into ranges of indices, played
    anywhere in any order, gives exactly the games of the whole match.
    """
    for index in indices:
        seed_i = game_seed(seed, index)
        seat_a: PlayerIndex = 0 if index % 2 == 0 else 1
        a, b = bot_a(seed_i * 2 + 1), bot_b(seed_i * 2 + 2)
        bots = (a, b) if seat_a == 0 else (b, a)
        yield play_game(make_state(seed_i, seat_a), bots, cards), seat_a


def run_match(
    make_state: Callable[[int, PlayerIndex], GameState],
    bot_a: BotFactory,
    bot_b: BotFactory,
    cards: Mapping[str, CardDefinition],
    *,
    games: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
) -> MatchSummary:
    """Play `games` games of side A against side B and summarise them.

    ``make_state(game_seed, seat_of_a)`` builds each initial state with side A's
    deck in seat `seat_of_a`; A takes seat 0 in even games and seat 1 in odd ones.
    `progress` is called with the number of games done after each game.
    """
    summary = MatchSummary()
    games_played = play_games(make_state, bot_a, bot_b, cards, seed=seed, indices=range(games))
    for done, (outcome, seat_a) in enumerate(games_played, start=1):
        summary.add(outcome, seat_a)
        if progress is not None:
            progress(done)
    return summary


def deck_match(
    rules: RulesConfig,
    deck_a: DeckList,
    deck_b: DeckList,
    cards: Mapping[str, CardDefinition],
    *,
    game_type: GameType = GameType.FREEPLAY,
    at: datetime = GAME_AT,
) -> Callable[[int, PlayerIndex], GameState]:
    """The `run_match` state builder for two decks under `rules`.

    Both decks are fitted to `rules` once (`adapt_deck`), so the starter decks
    play under every preset. Game ``seed`` gets the game id ``UUID(int=seed)``;
    seat 0 is played by a user id and seat 1 by the NPC ``"sim"`` (a game needs
    one user), which is only a label here: bots do not care.
    """
    fitted_a = adapt_deck(deck_a, rules, cards)
    fitted_b = adapt_deck(deck_b, rules, cards)

    def make_state(seed: int, seat_of_a: PlayerIndex) -> GameState:
        decks = (fitted_a, fitted_b) if seat_of_a == 0 else (fitted_b, fitted_a)
        return new_game(
            game_id=UUID(int=seed),
            game_type=game_type,
            rules=rules,
            decks=decks,
            identities=(SIM_USER, "sim"),
            seed=seed,
            cards=cards,
            at=at,
        )

    return make_state
