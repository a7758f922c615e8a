"""The bots and the simulator: seeded, legal, and the heuristic bot clearly better than random.

The win-rate test plays the starter decks under ``mantimon`` with seats
alternated. The issue asks for >= 90% over 1,000 games (measured once for the
report with ``mantimon sim``); here 100 games must give >= 80 wins: if the true
rate were 90%, fewer than 80 wins out of 100 has a probability below 0.2%, and
a bot no better than random (50%) reaches 80 with probability below 1e-9.
"""

from __future__ import annotations

import pytest

from app.core.cards import EnergyType, TrainerCard
from app.core.enums import EndReason
from app.core.game_state import (
    ChoiceSource,
    Continuation,
    GameState,
    PendingChoice,
    TurnPhase,
)
from app.core.rules import RulesConfig
from app.engine import acting_player, apply, legal_actions
from app.engine.actions import Action, ActionKind
from app.engine.bots import BotName, HeuristicBot, RandomBot, make_bot
from app.engine.bots.heuristic_bot import energy_deficit, own_switch
from app.engine.errors import EngineError
from app.engine.ops import attached, new_instance
from app.engine.simulate import (
    GameOutcome,
    MatchSummary,
    deck_match,
    game_seed,
    outcome_of,
    play_game,
    run_match,
    wilson_interval,
)
from tests.engine.test_fuzz import catalog, starters

FIRE_BASIC = "mv1-014"  # Cindercub, 60 HP: (fire) 20, (fire, colorless) 30
WATER_BASIC = "mv1-030"  # Puddlepup, 60 HP, weak to lightning
FIRE_ENERGY = "mv1-157"
SCRAMBLE_SIGNAL = "mv1-128"  # item: switch own Front with a benched creature; opponent draws 1


def _in_turn(seed: int = 3) -> GameState:
    """A mantimon game played by random bots up to the main phase of turn 3."""
    cards = catalog()
    state = deck_match(RulesConfig(), starters()["fire"], starters()["water"], cards)(seed, 0)
    bots = (RandomBot(1), RandomBot(2))
    while not (
        state.turn_number >= 3 and state.phase is TurnPhase.MAIN and not state.pending_choice
    ):
        actions = legal_actions(state, cards)
        apply(
            state,
            bots[acting_player(state)].choose(state, actions, cards),
            cards,
            at=state.last_action_at,
        )
        assert state.phase is not TurnPhase.ENDED
    return state


def test_heuristic_bot_beats_random_in_at_least_80_of_100_games() -> None:
    cards = catalog()
    names = sorted(starters())
    rules = RulesConfig.preset("mantimon")
    wins = 0
    for pairing in range(5):
        make_state = deck_match(
            rules, starters()[names[pairing]], starters()[names[(pairing + 2) % 5]], cards
        )
        summary = run_match(make_state, HeuristicBot, RandomBot, cards, games=20, seed=pairing)
        assert summary.seat_of_a == [0, 1] * 10
        wins += summary.wins_a
    assert wins >= 80


def test_a_seeded_match_is_reproducible_and_seeds_matter() -> None:
    cards = catalog()
    make_state = deck_match(RulesConfig(), starters()["grass"], starters()["psychic"], cards)
    first = run_match(make_state, RandomBot, HeuristicBot, cards, games=6, seed=4)
    again = run_match(make_state, RandomBot, HeuristicBot, cards, games=6, seed=4)
    other = run_match(make_state, RandomBot, HeuristicBot, cards, games=6, seed=5)
    assert first.games == again.games
    assert first.games != other.games
    assert game_seed(4, 0) != game_seed(5, 0)


def test_play_game_reports_how_the_game_ended() -> None:
    cards = catalog()
    state = deck_match(RulesConfig(), starters()["fire"], starters()["water"], cards)(9, 1)
    seen: list[int] = []
    outcome = play_game(
        state, (HeuristicBot(1), HeuristicBot(2)), cards, on_action=lambda s: seen.append(s.version)
    )
    assert state.phase is TurnPhase.ENDED
    assert outcome == outcome_of(state)
    assert outcome.actions == len(state.action_log) == len(seen)
    assert outcome.first_player == state.first_player
    assert outcome.turns == state.turn_number
    assert outcome.end_reason is state.end_reason


def test_a_game_that_does_not_end_is_an_engine_error() -> None:
    cards = catalog()
    state = deck_match(RulesConfig(), starters()["fire"], starters()["water"], cards)(9, 0)
    with pytest.raises(EngineError, match="did not end within 5 actions"):
        play_game(state, (RandomBot(1), RandomBot(2)), cards, max_actions=5)
    with pytest.raises(EngineError, match="has not ended"):
        outcome_of(state)


def test_make_bot_names_the_known_bots() -> None:
    assert isinstance(make_bot("random", 1), RandomBot)
    assert isinstance(make_bot(BotName.HEURISTIC, 1), HeuristicBot)
    with pytest.raises(ValueError, match="known bots: random, heuristic"):
        make_bot("clever", 1)


def test_random_bot_never_resigns_unless_it_must() -> None:
    state = _in_turn()
    bot = RandomBot(0)
    resign = Action(ActionKind.RESIGN, player=0)
    end = Action(ActionKind.END_TURN)
    assert {bot.choose(state, [resign, end], {}) for _ in range(20)} == {end}
    assert bot.choose(state, [resign], {}) == resign


def test_wilson_interval() -> None:
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson_interval(90, 100)
    assert low == pytest.approx(0.8256, abs=1e-4)
    assert high == pytest.approx(0.9448, abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_match_summary_counts_sides_not_seats() -> None:
    summary = MatchSummary()
    summary.add(GameOutcome(0, EndReason.POINTS, 10, 0, 40), 0)  # A in seat 0 wins, went first
    summary.add(GameOutcome(0, EndReason.POINTS, 12, 1, 50), 1)  # B in seat 0 wins, went second
    summary.add(GameOutcome(None, EndReason.TURN_LIMIT, 30, 0, 90), 0)
    assert (summary.wins_a, summary.wins_b, summary.draws) == (1, 1, 1)
    assert summary.first_player_wins == 1
    data = summary.as_dict()
    assert data["turns_median"] == 12
    assert data["end_reasons"] == {"points": 2, "turn_limit": 1}
    assert MatchSummary().as_dict()["turns_mean"] == 0.0


def test_energy_deficit_counts_typed_then_colorless() -> None:
    fire = frozenset({_type("fire")})
    water = frozenset({_type("water")})
    cost = (_type("fire"), _type("colorless"))
    assert energy_deficit([], cost) == 2
    assert energy_deficit([water], cost) == 1
    assert energy_deficit([fire], cost) == 1
    assert energy_deficit([fire, water], cost) == 0


def _type(name: str) -> EnergyType:
    return EnergyType(name)


def _board(state: GameState, seat: int, active: str, *bench: str) -> None:
    player = state.players[seat]
    player.active = new_instance(f"t{seat}-a", active)
    player.active.turn_played = 1
    player.bench = []
    for n, definition in enumerate(bench):
        card = new_instance(f"t{seat}-b{n}", definition)
        card.turn_played = 1
        player.bench.append(card)


def test_heuristic_takes_the_knockout_and_the_stronger_attack() -> None:
    state = _in_turn()
    me = state.current_player
    _board(state, me, FIRE_BASIC, FIRE_BASIC)
    _board(state, 1 - me, WATER_BASIC)
    active = state.players[me].active
    assert active is not None
    active.attached_energy = [
        attached(new_instance("t-e1", FIRE_ENERGY)),
        attached(new_instance("t-e2", FIRE_ENERGY)),
    ]
    weak, strong, end = (
        Action(ActionKind.ATTACK, index=0),
        Action(ActionKind.ATTACK, index=1),
        Action(ActionKind.END_TURN),
    )
    bot = HeuristicBot(0)
    cards = catalog()
    assert bot.choose(state, [end, weak, strong], cards) == strong
    defender = state.players[1 - me].active
    assert defender is not None
    defender.damage = 30  # 20 left: both attacks knock out, either is fine, end_turn is not
    assert bot.choose(state, [end, weak], cards) == weak


def test_heuristic_attaches_energy_where_it_pays_an_attack() -> None:
    state = _in_turn()
    me = state.current_player
    _board(state, me, FIRE_BASIC, WATER_BASIC)
    state.players[me].hand.append(new_instance("t-h1", FIRE_ENERGY))
    to_active = Action(ActionKind.ATTACH_ENERGY, card="t-h1", target=f"t{me}-a")
    to_bench = Action(ActionKind.ATTACH_ENERGY, card="t-h1", target=f"t{me}-b0")
    end = Action(ActionKind.END_TURN)
    assert HeuristicBot(0).choose(state, [end, to_bench, to_active], catalog()) == to_active


def test_heuristic_promotes_the_creature_ready_to_fight() -> None:
    state = _in_turn()
    me = state.current_player
    _board(state, me, FIRE_BASIC, FIRE_BASIC, WATER_BASIC)
    ready = state.players[me].bench[0]
    ready.attached_energy = [attached(new_instance("t-e1", FIRE_ENERGY))]
    state.players[me].bench[1].damage = 40
    state.pending_choice = PendingChoice(
        player=me,
        kind="promote",
        options=[c.instance_id for c in state.players[me].bench],
        min_count=1,
        max_count=1,
        continuation=Continuation(source_kind=ChoiceSource.RULE, then="end_turn"),
    )
    options = [Action(ActionKind.CHOOSE, choice=(o,)) for o in state.pending_choice.options]
    assert HeuristicBot(0).choose(state, options, catalog()) == options[0]


def test_heuristic_discards_little_and_aims_at_the_weakest_foe() -> None:
    state = _in_turn()
    me = state.current_player
    _board(state, 1 - me, WATER_BASIC, WATER_BASIC)
    state.players[1 - me].bench[0].damage = 40
    foe = state.players[1 - me]
    assert foe.active is not None
    state.pending_choice = PendingChoice(
        player=me,
        kind="target",
        options=[foe.active.instance_id, foe.bench[0].instance_id],
        min_count=1,
        max_count=1,
        continuation=Continuation(source_kind=ChoiceSource.ATTACK),
    )
    options = [Action(ActionKind.CHOOSE, choice=(o,)) for o in state.pending_choice.options]
    assert HeuristicBot(0).choose(state, options, catalog()) == options[1]
    hand = [c.instance_id for c in state.players[me].hand[:2]]
    state.pending_choice = PendingChoice(
        player=me,
        kind="discard",
        options=hand,
        min_count=1,
        max_count=2,
        continuation=Continuation(source_kind=ChoiceSource.TRAINER),
    )
    picked = HeuristicBot(0).choose(
        state,
        [
            Action(ActionKind.CHOOSE, choice=tuple(hand)),
            Action(ActionKind.CHOOSE, choice=(hand[0],)),
        ],
        catalog(),
    )
    assert len(picked.choice) == 1


def test_heuristic_retreats_a_doomed_active_but_not_a_healthy_one() -> None:
    state = _in_turn()
    me = state.current_player
    _board(state, me, FIRE_BASIC, FIRE_BASIC)
    _board(state, 1 - me, WATER_BASIC)
    foe = state.players[1 - me].active
    assert foe is not None
    # Puddlepup, one energy away from 40 + 10 weakness = the 50 HP left to a Cindercub
    # (60 HP) with 10 damage: a doomed active.
    foe.attached_energy = [attached(new_instance("t-w1", FIRE_ENERGY))]
    mine = state.players[me].active
    assert mine is not None
    mine.damage = 10
    ready = state.players[me].bench[0]
    ready.attached_energy = [
        attached(new_instance("t-e1", FIRE_ENERGY)),
        attached(new_instance("t-e2", FIRE_ENERGY)),
    ]
    retreat = Action(ActionKind.RETREAT, target=ready.instance_id)
    end = Action(ActionKind.END_TURN)
    bot = HeuristicBot(0)
    assert bot.choose(state, [end, retreat], catalog()) == retreat  # active can do nothing
    active = state.players[me].active
    assert active is not None
    active.attached_energy = [attached(new_instance("t-e3", FIRE_ENERGY))]
    assert bot.choose(state, [end, retreat], catalog()) == retreat  # can fight, but doomed
    foe.attached_energy = []
    assert bot.choose(state, [end, retreat], catalog()) == end  # can fight and is not doomed


def test_heuristic_plays_a_switch_item_only_where_the_swap_helps() -> None:
    """Scramble Signal was played whenever legal: it benched a charged Front for nothing."""
    state = _in_turn()
    me = state.current_player
    _board(state, me, FIRE_BASIC, FIRE_BASIC)
    _board(state, 1 - me, WATER_BASIC)
    state.players[me].hand.append(new_instance("t-sig", SCRAMBLE_SIGNAL))
    signal = Action(ActionKind.PLAY_TRAINER, card="t-sig")
    end = Action(ActionKind.END_TURN)
    mine, bench = state.players[me].active, state.players[me].bench[0]
    assert mine is not None
    # A charged, healthy Front against a Puddlepup that cannot knock it out next turn,
    # and nothing on the bench that can attack: swapping only helps the opponent.
    mine.attached_energy = [
        attached(new_instance("t-e1", FIRE_ENERGY)),
        attached(new_instance("t-e2", FIRE_ENERGY)),
    ]
    bot = HeuristicBot(0)
    assert bot.choose(state, [end, signal], catalog()) == end
    bench.attached_energy = [attached(new_instance("t-e3", FIRE_ENERGY))]
    assert bot.choose(state, [end, signal], catalog()) == end  # bench ready, Front better
    # The Front uncharged and doomed (see the retreat test), the bench charged: swap.
    mine.attached_energy, mine.damage = [], 10
    foe = state.players[1 - me].active
    assert foe is not None
    foe.attached_energy = [attached(new_instance("t-w1", FIRE_ENERGY))]
    bench.attached_energy.append(attached(new_instance("t-e4", FIRE_ENERGY)))
    assert bot.choose(state, [end, signal], catalog()) == signal
    retreat = Action(ActionKind.RETREAT, target=bench.instance_id, choice=())
    assert bot.choose(state, [end, signal, retreat], catalog()) == retreat  # a free retreat first


def test_a_switch_like_trainer_is_known_by_its_steps() -> None:
    cards = catalog()
    own = {"mv1-128", "mv2-093", "mv2-108"}  # Scramble Signal, Driftwood Raft, Courier Fenn
    for card_id, card in cards.items():
        if isinstance(card, TrainerCard):
            assert (own_switch(card) is not None) == (card_id in own), card.name


@pytest.mark.parametrize("preset", ["pocket", "classic"])
def test_heuristic_bot_wins_under_the_other_presets_too(preset: str) -> None:
    """Energy zone (pocket) and energy in the main deck (classic) exercise other scoring paths.

    Measured at 60/60 in each; with a true rate of even 97%, fewer than 7 wins
    of 10 has a probability of about 2e-4.
    """
    cards = catalog()
    make_state = deck_match(
        RulesConfig.preset(preset), starters()["lightning"], starters()["grass"], cards
    )
    summary = run_match(make_state, HeuristicBot, RandomBot, cards, games=10, seed=11)
    assert summary.wins_a >= 7
