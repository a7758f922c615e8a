"""The searching bot and the levels: cheap copies, hidden cards dealt again, and no peeking.

The hidden-information test is `view_for`'s test turned on a bot: two games that
differ only in what the deciding seat cannot see (the order of its own deck and
energy deck, which of the opponent's hidden cards sit in its hand, deck or
energy deck, and the game's random seed) must give the same decisions from bots
with the same seed. A bot that read any of those (say, rolled out on the real
deck, or with the real seed) would decide differently in some of them.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from app.core.game_state import GameState, TurnPhase
from app.core.rules import RulesConfig
from app.engine import acting_player, apply, legal_actions, view_for
from app.engine.actions import Action, ActionKind
from app.engine.bots import BotName, EasyBot, HeuristicBot, SearchBot, SearchBudget, make_bot
from app.engine.bots.determinize import clone, determinize
from app.engine.bots.search_bot import LEVEL_BUDGETS, evaluate
from app.engine.index import index_for
from app.engine.simulate import deck_match, play_game
from tests.engine.test_fuzz import catalog, starters

SMALL = SearchBudget(iterations=4, width=3, horizon=2)


def _mid_game(seed: int, turn: int = 5) -> GameState:
    """A mantimon game played by heuristic bots to the main phase of `turn`, a choice to make."""
    cards = catalog()
    state = deck_match(RulesConfig(), starters()["fire"], starters()["water"], cards)(seed, 0)
    bots = (HeuristicBot(1), HeuristicBot(2))
    while not (
        state.turn_number >= turn
        and state.phase is TurnPhase.MAIN
        and not state.pending_choice
        and len(legal_actions(state, cards)) > 3
    ):
        assert state.phase is not TurnPhase.ENDED
        actions = legal_actions(state, cards)
        seat = acting_player(state)
        apply(state, bots[seat].choose(state, actions, cards), cards, at=state.last_action_at)
    return state


def _unseen_changed(state: GameState, rng: random.Random) -> GameState:
    """`state` with everything its acting seat cannot see changed, and the rest kept."""
    other = clone(state)
    seat = acting_player(state)
    me, foe = other.players[seat], other.players[1 - seat]
    rng.shuffle(me.deck)
    rng.shuffle(me.energy_deck)
    rng.shuffle(foe.energy_deck)
    pool = [*foe.hand, *foe.deck]
    rng.shuffle(pool)
    foe.hand, foe.deck = pool[: len(foe.hand)], pool[len(foe.hand) :]
    other.rng_seed = state.rng_seed + 12345
    return other


def _cards_of(state: GameState) -> list[Counter[str]]:
    return [Counter(card.definition_id for card in p.cards()) for p in state.players]


def test_clone_is_independent_and_equal() -> None:
    cards = catalog()
    state = _mid_game(8)
    before = state.model_dump_json()
    copied = clone(state)
    assert copied.model_dump_json() == before
    actions = legal_actions(copied, cards)
    for action in actions[:1]:
        apply(copied, action, cards, at=copied.last_action_at)
    apply(copied, legal_actions(copied, cards)[-1], cards, at=copied.last_action_at)
    assert state.model_dump_json() == before
    assert copied.version > state.version


def test_determinize_keeps_what_the_seat_sees_and_deals_the_rest() -> None:
    state = _mid_game(8)
    seat = acting_player(state)
    dealt = determinize(state, seat, random.Random(1))
    seen, seen_dealt = view_for(state, seat), view_for(dealt, seat)
    assert seen_dealt == seen
    assert _cards_of(dealt) == _cards_of(state)
    assert dealt.rng_seed != state.rng_seed
    foe = 1 - seat
    assert [c.definition_id for c in dealt.players[foe].hand] != [
        c.definition_id for c in state.players[foe].hand
    ] or [c.definition_id for c in dealt.players[seat].deck] != [
        c.definition_id for c in state.players[seat].deck
    ]


def test_determinize_does_not_depend_on_what_the_seat_cannot_see() -> None:
    state = _mid_game(6)
    seat = acting_player(state)
    other = _unseen_changed(state, random.Random(9))
    assert other.model_dump_json() != state.model_dump_json()
    for seed in range(5):
        a = determinize(state, seat, random.Random(seed))
        b = determinize(other, seat, random.Random(seed))
        assert a.model_dump_json() == b.model_dump_json()


@pytest.mark.parametrize("game", [3, 7])
def test_search_decisions_do_not_depend_on_what_the_seat_cannot_see(game: int) -> None:
    cards = catalog()
    state = _mid_game(game)
    actions = legal_actions(state, cards)
    others = [_unseen_changed(state, random.Random(k)) for k in range(2)]
    chosen: list[Action] = []
    for seed in range(6):
        picks = {
            SearchBot(seed, SMALL).choose(game_state, actions, cards)
            for game_state in (state, *others)
        }
        assert len(picks) == 1, f"bot seed {seed} decided differently on unseen cards: {picks}"
        chosen.extend(picks)
    assert all(action in actions for action in chosen)


def test_search_plays_a_whole_game_and_leaves_the_state_alone() -> None:
    cards = catalog()
    state = deck_match(RulesConfig(), starters()["grass"], starters()["psychic"], cards)(11, 0)
    budget = SearchBudget(iterations=2, width=2, horizon=2)

    class Watched:
        def __init__(self, bot: SearchBot) -> None:
            self.bot = bot

        def choose(self, s: GameState, actions, cards_):  # type: ignore[no-untyped-def]
            before = s.model_dump_json()
            action = self.bot.choose(s, actions, cards_)
            assert s.model_dump_json() == before
            assert action in actions
            return action

    outcome = play_game(state, (Watched(SearchBot(1, budget)), HeuristicBot(2)), cards)
    assert outcome.turns > 2


def test_a_clock_ends_the_search_early() -> None:
    cards = catalog()
    state = _mid_game(5)
    actions = legal_actions(state, cards)
    ticks: list[float] = []

    def clock() -> float:
        ticks.append(len(ticks) * 10.0)
        return ticks[-1]

    bot = SearchBot(3, SearchBudget(iterations=10_000), clock=clock, deadline_ms=35.0)
    assert bot.choose(state, actions, cards) in actions
    assert len(ticks) == 5  # the start, then one tick per iteration until 40 >= 35


def test_evaluate_scores_the_end_and_prefers_points() -> None:
    cards = catalog()
    index = index_for(cards)
    state = _mid_game(5)
    even = evaluate(state, index)
    ahead = clone(state)
    ahead.players[0].points += 1
    assert evaluate(ahead, index) > even
    ended = clone(state)
    ended.phase, ended.winner = TurnPhase.ENDED, 1
    assert evaluate(ended, index) == 0.0


def test_levels_are_bots_and_easy_makes_mistakes() -> None:
    cards = catalog()
    for name in BotName:
        assert make_bot(name, 1) is not None
    assert set(LEVEL_BUDGETS) == {BotName.HARD, BotName.MASTER}
    assert LEVEL_BUDGETS[BotName.MASTER].iterations > LEVEL_BUDGETS[BotName.HARD].iterations
    assert isinstance(make_bot("easy", 1), EasyBot)
    assert isinstance(make_bot("hard", 1), SearchBot)
    state = _mid_game(5)
    actions = legal_actions(state, cards)
    best = HeuristicBot(0).choose(state, actions, cards)
    picks = [EasyBot(seed).choose(state, actions, cards) for seed in range(40)]
    assert best in picks
    assert any(pick != best for pick in picks)
    assert all(pick.kind is not ActionKind.RESIGN for pick in picks)


def test_heuristic_ranking_agrees_with_its_choice() -> None:
    cards = catalog()
    state = _mid_game(5)
    actions = legal_actions(state, cards)
    ranked = HeuristicBot(0).ranked(state, actions, cards)
    assert sorted(a for _, a in ranked) == sorted(actions)
    scores = [score for score, _ in ranked]
    assert scores == sorted(scores, reverse=True)
    top = [a for s, a in ranked if s == scores[0]]
    assert HeuristicBot(0).choose(state, actions, cards) in top
