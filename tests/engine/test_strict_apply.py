"""An action from outside is parsed strictly before anything changes, and `apply` is all
or nothing (issue 16, point 4).

The property test throws arbitrary actions (any kind, ids from the game and junk of
every type in every slot) at states taken from real games: each is either refused
with `IllegalActionError` and the state byte-identical, or the same as an action
`legal_actions` offered (up to the choices that list leaves out: another copy of the
same card in hand, another order of the same options, a non-canonical retreat
payment, resigning).
"""

from __future__ import annotations

import random
from functools import cache
from math import comb
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.game_state import GameState, TurnPhase
from app.engine import (
    Action,
    ActionFieldError,
    ActionKind,
    EngineError,
    IllegalActionError,
    apply,
    legal_actions,
)
from app.engine.checks import acting_player, why_illegal
from app.engine.context import Ctx
from app.engine.index import index_for
from app.engine.rng import Rng
from tests.engine.builders import NOW, catalog
from tests.engine.play import play_random

PRESETS = ("mantimon", "pocket", "classic")


@cache
def real_states() -> tuple[GameState, ...]:
    """States met in seeded random games of every preset: setup, main phase, choices."""
    found: list[GameState] = []
    for number, preset in enumerate(PRESETS * 2):
        rng = random.Random(number)

        def keep(state: GameState, rng: random.Random = rng) -> None:
            if state.phase is not TurnPhase.ENDED and (
                state.pending_choice is not None or rng.random() < 0.04
            ):
                found.append(state.model_copy(deep=True))

        initial, _ = play_random(preset, 500 + number, check=keep, attack_bias=0.3)
        found.append(initial)
    with_choice = [s for s in found if s.pending_choice is not None][:25]
    without = [s for s in found if s.pending_choice is None][:35]
    return (*with_choice, *without)


def _ids(state: GameState) -> list[str]:
    ids: list[str] = []
    for player in state.players:
        for card in player.cards():
            ids.extend(card.instance_ids())
    if state.pending_choice is not None:
        ids.extend(state.pending_choice.options)
    if state.stadium is not None:
        ids.append(state.stadium.card.instance_id)
    return ids


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 20),
    st.floats(allow_nan=False),
    st.text(max_size=40),
    st.binary(max_size=4),
    st.lists(st.integers(0, 3), max_size=2),
)


def actions_for(data: st.DataObject, state: GameState, offered: list[Action]) -> Action:
    """An arbitrary action: an offered one with one slot changed, or anything at all."""
    draw = data.draw
    ids = _ids(state)
    an_id = st.sampled_from(ids)
    change_one: bool = draw(st.booleans())
    if offered and change_one:
        base = draw(st.sampled_from(offered))
        slot = draw(st.sampled_from(["none", "card", "target", "index", "choice", "player"]))
        if slot == "none":
            return base
        value = draw(st.one_of(JUNK, an_id, st.just(1.0), st.just(True)))
        fields: dict[str, Any] = {slot: value}
        return base._replace(**fields)
    kind = draw(
        st.one_of(
            st.sampled_from(list(ActionKind)),
            st.sampled_from([k.value for k in ActionKind]),
            JUNK,
        )
    )
    card = draw(st.one_of(an_id, JUNK))
    target = draw(st.one_of(an_id, JUNK))
    index = draw(st.one_of(st.integers(-1, 9), JUNK))
    choice = draw(
        st.one_of(
            st.lists(an_id, max_size=4).map(tuple),
            st.lists(an_id, max_size=3),
            st.lists(st.one_of(an_id, JUNK), max_size=3).map(tuple),
            JUNK,
        )
    )
    player = draw(st.sampled_from([None, 0, 1, 2, -1, True, False, "x", 1.0]))
    return Action(kind, card, target, index, choice, player)  # type: ignore[arg-type]


def _exact(action: Action) -> bool:
    return (
        type(action.kind) is ActionKind
        and all(type(v) in (str, type(None)) for v in (action.card, action.target))
        and type(action.index) in (int, type(None))
        and type(action.choice) is tuple
        and all(type(c) is str for c in action.choice)
        and type(action.player) in (int, type(None))
    )


def _as_offered(before: GameState, action: Action, offered: list[Action]) -> bool:
    """Whether an accepted action is one `legal_actions` offered (see the module docstring)."""
    if action.kind is ActionKind.RESIGN:
        return action.player in (0, 1)
    seat = acting_player(before)
    if action.player not in (None, seat):
        return False
    action = action._replace(player=None)
    hand = before.players[seat].hand
    if action.card is not None:
        held = next((c for c in hand if c.instance_id == action.card), None)
        if held is not None:
            first = next(c for c in hand if c.definition_id == held.definition_id)
            action = action._replace(card=first.instance_id)
    if action.kind is ActionKind.RETREAT:
        return any(o.kind is ActionKind.RETREAT and o.target == action.target for o in offered)
    if action.kind is ActionKind.CHOOSE:
        choice = before.pending_choice
        assert choice is not None
        if any(set(o.choice) == set(action.choice) for o in offered):
            return True
        sizes = range(choice.min_count, choice.max_count + 1)
        listed_all = sum(comb(len(choice.options), k) for k in sizes) <= 64
        ctx = Ctx(before, index_for(catalog()), Rng(0, 0), NOW)
        return not listed_all and why_illegal(ctx, action) is None
    return action in offered


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_arbitrary_actions_are_refused_untouched_or_are_offered(data: st.DataObject) -> None:
    states = real_states()
    state = states[data.draw(st.integers(0, len(states) - 1))].model_copy(deep=True)
    cards = catalog()
    offered = legal_actions(state, cards)  # as every driver does: apply may skip its checks
    action = actions_for(data, state, offered)
    before = state.model_dump_json()
    try:
        apply(state, action, cards, at=NOW)
    except IllegalActionError:
        assert state.model_dump_json() == before
        return
    assert _exact(action), f"accepted with inexact types: {action!r}"
    assert _as_offered(GameState.model_validate_json(before), action, offered), action


def _main_state() -> GameState:
    return next(s for s in real_states() if s.pending_choice is None and s.phase.value == "main")


@pytest.mark.parametrize(
    ("action", "field"),
    [
        (Action(ActionKind.RESIGN, player=2), "player"),  # type: ignore[arg-type]
        (Action(ActionKind.RESIGN, player="x"), "player"),  # type: ignore[arg-type]
        (Action(ActionKind.RESIGN, player=True), "player"),  # type: ignore[arg-type]
        (Action(ActionKind.RESIGN), "player"),
        (Action(ActionKind.ATTACK, index=True), "index"),
        (Action(ActionKind.ATTACK, index=1.0), "index"),  # type: ignore[arg-type]
        (Action(ActionKind.ATTACK, index="0"), "index"),  # type: ignore[arg-type]
        (Action(ActionKind.ATTACK, index=1.5), "index"),  # type: ignore[arg-type]
        (Action("attack", index=0), "kind"),  # type: ignore[arg-type]
        (Action(None, index=0), "kind"),  # type: ignore[arg-type]
        (Action(ActionKind.CHOOSE, choice=None), "choice"),  # type: ignore[arg-type]
        (Action(ActionKind.CHOOSE, choice=["a"]), "choice"),  # type: ignore[arg-type]
        (Action(ActionKind.END_TURN, card="x" * 1_000_000), "card"),
        (Action(ActionKind.END_TURN, target="p0-001"), "target"),
        (Action(ActionKind.END_TURN, choice=("fire",)), "choice"),
        (Action(ActionKind.ATTACK, card="p0-001", index=0), "card"),
        (Action(ActionKind.PLAY_CREATURE, card="../etc"), "card"),
        (Action(ActionKind.EVOLVE, card="p0-001"), "target"),
        ("end_turn", "action"),
    ],
)
def test_malformed_actions_are_refused_naming_the_field(action: Any, field: str) -> None:
    state = _main_state().model_copy(deep=True)
    offered = legal_actions(state, catalog())
    assert offered
    before = state.model_dump_json()
    with pytest.raises(ActionFieldError) as refused:
        apply(state, action, catalog(), at=NOW)
    assert refused.value.field == field
    assert field in str(refused.value)
    assert state.model_dump_json() == before


def test_a_log_entry_of_the_wrong_shape_is_refused_by_from_params() -> None:
    with pytest.raises(ActionFieldError, match="player"):
        Action.from_params("resign", {}, 7)
    with pytest.raises(ActionFieldError, match="params"):
        Action.from_params("end_turn", None)
    with pytest.raises(ActionFieldError, match="kind"):
        Action.from_params(None, {})


def test_an_item_played_with_a_target_is_refused() -> None:
    for state in real_states():
        offered = legal_actions(state, catalog())
        item = next(
            (a for a in offered if a.kind is ActionKind.PLAY_TRAINER and a.target is None), None
        )
        if item is None:
            continue
        state = state.model_copy(deep=True)
        before = state.model_dump_json()
        some_creature = state.players[acting_player(state)].active
        assert some_creature is not None
        with pytest.raises(IllegalActionError, match="takes no target"):
            apply(state, item._replace(target=some_creature.instance_id), catalog(), at=NOW)
        assert state.model_dump_json() == before
        return
    pytest.fail("no state offers an item")


def test_an_engine_error_part_way_leaves_the_state_as_it_was() -> None:
    """A corrupted choice continuation fails after the action was logged: all is undone."""
    checked = 0
    for real in real_states():
        if real.pending_choice is None:
            continue
        state = real.model_copy(deep=True)
        continuation = state.pending_choice.continuation  # type: ignore[union-attr]
        if continuation.source_kind == "rule":
            continuation.then = "no_such_rule_step"
        else:
            continuation.step_path = [99, 99]
            continuation.bound = {}
        answer = legal_actions(state, catalog())[0]
        before = state.model_dump_json()
        try:
            apply(state, answer, catalog(), at=NOW)
        except EngineError:
            checked += 1
        assert state.model_dump_json() == before
    assert checked >= 5
